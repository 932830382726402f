"""`tsudoi users …` and `tsudoi tokens …` end to end, on both stores: what they check, what the
store holds afterwards, and that a person added here can sign in and a token created here is
accepted by the API until it is revoked; its secret is printed once and only its hash is kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from geo.store.base import Store
from service.app import create_app
from service.auth.tokens import PREFIX, token_hash
from service.cli import app as cli
from service.cli import common
from tests.auth_setup import NIIGATA, app_with_probe, seed, sign_in
from tests.conftest import Tsudoi

PASSWORD = "a long enough passphrase"
Run = Callable[..., Result]


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store)
    return store


@pytest.fixture
def db(seeded: Store, request: pytest.FixtureRequest) -> str:
    """The store as --db names it."""
    if hasattr(seeded, "path"):
        return str(seeded.path)
    url: str = request.getfixturevalue("postgis_url")
    return url


@pytest.fixture
def run(db: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run(*args, input=…)``: the command in this process on the test's store, its tables
    200 columns wide. The CLI's Rich consoles were made when the module was first imported,
    and a console made where COLUMNS was set keeps that width (so the invoke's COLUMNS alone
    does not do: under pytest-xdist the tables were cut at 80)."""
    for console in (common.out, common.err):
        monkeypatch.setattr(console, "_width", 200)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, [*args, "--db", db], input=input, env={"COLUMNS": "200"})

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_users_add_then_sign_in_list_and_disable(run: Run, seeded: Store) -> None:
    added = _ok(run("users", "add", "New.Person@Example.jp", "--city", NIIGATA,
                    "--role", "coordinator", "--areas", "15100-chuo,15100-higashi",
                    "--password-stdin", input=PASSWORD + "\n"))
    assert "added new.person@example.jp: coordinator of 15100 (15100-chuo, 15100-higashi)" in added
    user = seeded.user("new.person@example.jp")
    assert user is not None and user.role == "coordinator" and not user.disabled
    assert user.areas == ["15100-chuo", "15100-higashi"]
    assert user.password_hash and user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    with TestClient(create_app(seeded)) as client:
        assert sign_in(client, "new.person@example.jp", PASSWORD).status_code == 303

    listed = _ok(run("users", "list", "--city", NIIGATA))
    row = next(ln for ln in listed.splitlines() if "new.person@example.jp" in ln)
    assert "coordinator" in row and "15100-chuo" in row and "active" in row
    assert "nagaoka@example.jp" not in listed and "4 people" in listed
    assert "nagaoka@example.jp" in _ok(run("users", "list"))

    assert "disabled new.person@example.jp" in _ok(
        run("users", "disable", "NEW.person@example.jp"))
    disabled = seeded.user("new.person@example.jp")
    assert disabled is not None and disabled.disabled
    assert "disabled" in _ok(run("users", "list"))
    with TestClient(create_app(seeded)) as client:
        assert sign_in(client, "new.person@example.jp", PASSWORD).status_code == 401


def test_users_add_prompts_twice_and_updates_an_existing_person(
    run: Run, seeded: Store
) -> None:
    created = seeded.user("viewer@example.jp")
    assert created is not None
    mismatch = run("users", "add", "viewer@example.jp", "--city", NIIGATA,
                   "--role", "admin", input=f"{PASSWORD}\nsomething else\n")
    assert mismatch.exit_code != 0
    updated = _ok(run("users", "add", "viewer@example.jp", "--city", NIIGATA,
                      "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n"))
    assert "updated viewer@example.jp: admin of 15100 (the whole city)" in updated
    user = seeded.user("viewer@example.jp")
    assert user is not None and user.role == "admin" and user.created_at == created.created_at


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--city", NIIGATA, "--role", "owner"], 2,
     "--role: must be one of admin, coordinator, viewer"),
    (["--city", "99999", "--role", "admin"], 2, "holds no data for city 99999"),
    (["--city", NIIGATA, "--role", "admin", "--areas", "15202-chuo"], 2,
     "--areas: '15202-chuo' is not an area of city 15100"),
    (["--city", NIIGATA, "--role", "admin", "--areas", "15100-chuo,nowhere"], 2,
     "'nowhere' is not an area of city 15100"),
])
def test_users_add_and_tokens_create_refuse_what_cannot_be_meant(
    run: Run, seeded: Store, args: list[str], code: int, message: str
) -> None:
    for command in (["users", "add", "someone@example.jp", *args, "--password-stdin"],
                    ["tokens", "create", *args]):
        result = run(*command, input=PASSWORD + "\n")
        assert result.exit_code == code, result.output
        assert message in " ".join(result.stderr.split())
    assert seeded.user("someone@example.jp") is None and seeded.tokens() == []


def test_users_add_refuses_a_short_password_and_a_bad_address(run: Run, seeded: Store) -> None:
    short = run("users", "add", "x@example.jp", "--city", NIIGATA, "--role", "viewer",
                "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.stderr
    bad = run("users", "add", "not an address", "--city", NIIGATA, "--role", "viewer",
              "--password-stdin", input=PASSWORD + "\n")
    assert bad.exit_code == 2 and "is not an email address" in bad.stderr
    assert seeded.user("x@example.jp") is None
    unknown = run("users", "disable", "nobody@example.jp")
    assert unknown.exit_code == 1 and "no person" in unknown.stderr


def test_tokens_create_list_revoke(run: Run, seeded: Store) -> None:
    created = run("tokens", "create", "--city", NIIGATA, "--role", "coordinator",
                  "--areas", "15100-chuo", "--name", "nightly sync")
    secret = _ok(created).strip()
    assert re.fullmatch(re.escape(PREFIX) + r"[A-Za-z0-9_-]{40,}", secret)  # the only stdout line
    token_id = re.search(r"token (\w+) for coordinator of 15100", created.stderr)
    assert token_id
    [token] = seeded.tokens(NIIGATA)
    assert token.id == token_id.group(1) and token.token_hash == token_hash(secret)
    assert token.areas == ["15100-chuo"] and token.name == "nightly sync"

    with TestClient(app_with_probe(seeded)) as client:
        auth = {"Authorization": f"Bearer {secret}"}
        assert client.get("/test/whoami", headers=auth).json()["who"] == f"token:{token.id}"

        listed = _ok(run("tokens", "list", "--city", NIIGATA))
        assert token.id in listed and "nightly sync" in listed and "1 tokens" in listed
        assert secret not in listed and token.token_hash not in listed
        assert token.id not in _ok(run("tokens", "list", "--city", "15202"))

        revoked = _ok(run("tokens", "revoke", token.id))
        assert f"revoked {token.id}" in revoked
        assert client.get("/test/whoami", headers=auth).status_code == 401
    kept = seeded.token(token.id)
    assert kept is not None and kept.revoked_at
    unknown = run("tokens", "revoke", "nosuch")
    assert unknown.exit_code == 1 and "no token" in unknown.stderr


def test_the_console_script_prints_the_secret_once(tsudoi: Tsudoi, tmp_path: Path) -> None:
    from geo.store.gpkg import GpkgStore

    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    seed(store)
    store.close()
    created = tsudoi("tokens", "create", "--city", NIIGATA, "--role", "admin", "--db", path,
                     cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith(PREFIX) and secret not in created.stderr
    listed = tsudoi("tokens", "list", "--db", path, cwd=tmp_path)
    assert listed.returncode == 0 and secret not in listed.stdout
    store = GpkgStore(path)
    [token] = store.tokens()
    assert token.token_hash == token_hash(secret)
    store.close()
    assert secret.encode() not in path.read_bytes()  # only its hash is in the file
    added = tsudoi("users", "add", "cli@example.jp", "--city", NIIGATA, "--role", "viewer",
                   "--db", path, cwd=tmp_path)  # no terminal and no --password-stdin
    assert added.returncode != 0


def test_every_worker_of_serve_reads_the_one_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    """`tsudoi serve --workers 2` makes the key before the workers start: a session made by one
    worker is good on the other (each of several requests lands on either)."""
    import httpx

    from geo.store.gpkg import GpkgStore
    from service.auth.secret import ENV, SETTING
    from tests.test_serve_processes import _serving

    monkeypatch.delenv(ENV, raising=False)
    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    seed(store)
    try:
        assert store.setting(SETTING) is None
        with _serving(str(path), "--workers", "2") as base, httpx.Client(base_url=base) as client:
            assert store.setting(SETTING)  # made before any request
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            done = client.post("/login", data={"email": "admin@example.jp",
                                               "password": "correct horse battery",
                                               "csrf_token": token.group(1)})
            assert done.status_code == 303
            for _ in range(8):
                assert client.get("/logout").status_code == 200  # signed in, on either worker
    finally:
        store.close()
