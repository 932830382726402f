"""Who a request speaks for, on both stores: a bearer token (401 with WWW-Authenticate when
unknown or revoked), else the session cookie (anonymous when its person is gone or disabled), and
the CSRF token a session's change must carry. A route using the real dependencies is mounted on
the real app, as the write routes use them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from geo.errors import UsageError
from geo.store.base import Store
from service.app import create_app
from service.auth.secret import ENV, SETTING
from service.auth.session import COOKIE
from service.auth.tokens import create_token, revoke_token, token_hash
from tests.auth_setup import (
    ADMIN,
    COORDINATOR,
    NIIGATA,
    VIEWER,
    app_with_probe,
    form_token,
    seed,
    sign_in,
)


@pytest.fixture
def app_store(store: Store) -> Store:
    seed(store)
    return store


@pytest.fixture
def client(app_store: Store) -> Iterator[TestClient]:
    with TestClient(app_with_probe(app_store)) as c:
        yield c


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_anonymous_reads_as_nobody_and_cannot_change(client: TestClient) -> None:
    assert client.get("/test/whoami").json() == {"who": None, "via": None}
    refused = client.post("/test/change")
    _problem(refused, 401)
    assert refused.headers["www-authenticate"] == 'Bearer realm="tsudoi"'


def test_a_token_speaks_for_its_city_role_and_areas_via_the_api(
    client: TestClient, app_store: Store
) -> None:
    token, secret = create_token(app_store, NIIGATA, "coordinator", ["15100-chuo"], "nightly")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/test/whoami", headers=headers).json() == {
        "who": f"token:{token.id}", "role": "coordinator", "city": NIIGATA,
        "areas": ["15100-chuo"], "via": "api", "state_via": "api",
    }
    # a bearer request needs no CSRF token: browsers never add that header themselves
    assert client.post("/test/change", headers=headers).json() == {
        "who": f"token:{token.id}", "via": "api"}
    stored = app_store.token(token.id)
    assert stored is not None and stored.token_hash == token_hash(secret)
    assert secret not in repr(stored)


@pytest.mark.parametrize("header", [
    "Bearer tsudoi_not-a-token", "Bearer ", "Basic YWRtaW46cGFzcw==", "Bearer",
])
def test_a_bad_or_unknown_token_is_401_not_anonymous(client: TestClient, header: str) -> None:
    for method, path in (("GET", "/test/whoami"), ("POST", "/test/change")):
        refused = client.request(method, path, headers={"Authorization": header})
        _problem(refused, 401)
        assert refused.headers["www-authenticate"] == 'Bearer realm="tsudoi"'


def test_a_revoked_token_is_refused_at_once(client: TestClient, app_store: Store) -> None:
    token, secret = create_token(app_store, NIIGATA, "admin")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/test/change", headers=headers).status_code == 200
    revoked = revoke_token(app_store, token.id)
    assert revoked is not None and revoked.revoked_at
    body = _problem(client.post("/test/change", headers=headers), 401)
    assert "revoked" in body["detail"]
    assert revoke_token(app_store, "nosuchid") is None


def test_a_session_speaks_for_the_person_via_the_editor(client: TestClient) -> None:
    assert sign_in(client, COORDINATOR).status_code == 303
    assert client.get("/test/whoami").json() == {
        "who": f"user:{COORDINATOR.lower()}", "role": "coordinator", "city": NIIGATA,
        "areas": ["15100-chuo"], "via": "editor", "state_via": "editor",
    }


def test_a_session_change_needs_the_csrf_token(client: TestClient) -> None:
    sign_in(client, ADMIN)
    token = form_token(client.get("/logout").text)  # the session's token, as pages carry it
    for method in ("POST", "PATCH", "DELETE"):
        body = _problem(client.request(method, "/test/change"), 403)
        assert "CSRF" in body["detail"]
        _problem(client.request(method, "/test/change", headers={"X-CSRF-Token": "forged"}), 403)
        done = client.request(method, "/test/change", headers={"X-CSRF-Token": token})
        assert done.json() == {"who": f"user:{ADMIN}", "via": "editor"}
    # a form sends it as the field csrf_token
    _problem(client.post("/test/change", data={"csrf_token": "forged"}), 403)
    assert client.post("/test/change", data={"csrf_token": token}).status_code == 200


def test_the_token_of_another_session_does_not_count(app_store: Store) -> None:
    app = app_with_probe(app_store)
    with TestClient(app) as first, TestClient(app) as second:
        sign_in(first, ADMIN)
        sign_in(second, ADMIN)
        first_token = form_token(first.get("/logout").text)
        assert first_token != form_token(second.get("/logout").text)
        _problem(second.post("/test/change", headers={"X-CSRF-Token": first_token}), 403)


@pytest.mark.parametrize("how", ["disabled", "removed password"])
def test_a_disabled_person_loses_the_session_at_once(
    client: TestClient, app_store: Store, how: str
) -> None:
    sign_in(client, VIEWER)
    assert client.get("/test/whoami").json()["who"] == f"user:{VIEWER}"
    user = app_store.user(VIEWER)
    assert user is not None
    if how == "disabled":
        user.disabled = True
    else:
        user.password_hash = None
    app_store.put_user(user)
    assert client.cookies.get(COOKIE)  # the browser still sends the cookie …
    assert client.get("/test/whoami").json() == {"who": None, "via": None}  # … it counts no more
    _problem(client.post("/test/change"), 401)


def test_a_forged_or_tampered_cookie_is_anonymous(client: TestClient) -> None:
    sign_in(client, ADMIN)
    value = client.cookies.get(COOKIE)
    assert value
    client.cookies.set(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/test/whoami").json()["who"] is None
    client.cookies.set(COOKIE, '{"email": "admin@example.jp", "csrf": "x"}')
    assert client.get("/test/whoami").json()["who"] is None


def test_a_session_expires_after_twelve_hours(client: TestClient) -> None:
    sign_in(client, ADMIN)
    assert client.get("/test/whoami").json()["who"] == f"user:{ADMIN}"
    with time_machine.travel(time.time() + 11 * 3600, tick=False):
        assert client.get("/test/whoami").json()["who"] == f"user:{ADMIN}"
    with time_machine.travel(time.time() + 12 * 3600 + 5, tick=False):
        assert client.get("/test/whoami").json()["who"] is None


def test_the_secret_key_is_generated_once_and_kept(app_store: Store, monkeypatch: Any) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert app_store.setting(SETTING) is None
    with TestClient(app_with_probe(app_store)) as c:
        sign_in(c, ADMIN)
        cookie = c.cookies.get(COOKIE)
    kept = app_store.setting(SETTING)
    assert kept and len(kept) >= 48
    # another app on the same store (a restart, another worker) reads the same key
    with TestClient(app_with_probe(app_store), cookies={COOKIE: cookie}) as c:
        assert c.get("/test/whoami").json()["who"] == f"user:{ADMIN}"
    assert app_store.setting(SETTING) == kept


def test_the_secret_key_from_the_environment_wins(app_store: Store, monkeypatch: Any) -> None:
    monkeypatch.setenv(ENV, "k" * 40)
    with TestClient(app_with_probe(app_store)) as c:
        sign_in(c, ADMIN)
        cookie = c.cookies.get(COOKIE)
    assert app_store.setting(SETTING) is None  # nothing generated
    monkeypatch.setenv(ENV, "j" * 40)  # another key: the cookie no longer verifies
    with TestClient(app_with_probe(app_store), cookies={COOKIE: cookie}) as c:
        assert c.get("/test/whoami").json()["who"] is None
    monkeypatch.setenv(ENV, "short")
    with pytest.raises(UsageError, match="TSUDOI_SECRET_KEY must be at least 32 characters"):
        create_app(app_store)  # refused at start-up, not at the first sign-in
