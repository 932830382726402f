"""Security headers on every answer (API, pages, static files, errors, on both stores), and the
sign-in and editor pages' stricter policy: nothing inline, framed by no one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo.store.base import Store
from service.app import create_app
from service.settings import Settings
from tests.auth_setup import ADMIN, NIIGATA, seed, sign_in

GSI = Settings.from_env({"TSUDOI_BASEMAP": "gsi-pale"})


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    seed(store)
    with TestClient(create_app(store, GSI)) as c:
        yield c


def _policy(header: str) -> dict[str, str]:
    directives = (d.strip() for d in header.split(";") if d.strip())
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in directives}


@pytest.mark.parametrize("path", [
    "/healthz", "/api/cities", f"/api/cities/{NIIGATA}/areas", "/api/cities/99999",
    "/", f"/map/{NIIGATA}", f"/coordinator/{NIIGATA}", f"/embed/{NIIGATA}", "/docs",
    "/ogc", "/static/tsudoi/map.css", "/static/tsudoi/login.css", "/static/nothing-here.js",
    "/favicon.ico", "/login", "/logout", f"/edit/{NIIGATA}",
])
def test_every_answer_says_nosniff_and_its_referrer_policy(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    head = client.head(path, follow_redirects=False)
    assert head.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/login", "/login?lang=en", "/logout", f"/edit/{NIIGATA}",
                                  f"/edit/{NIIGATA}/stale.csv"])
def test_sign_in_and_editor_pages_allow_nothing_inline_and_no_framing(
    client: TestClient, path: str
) -> None:
    response = client.get(path, follow_redirects=False)
    header = response.headers["content-security-policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    policy = _policy(header)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'" and policy["form-action"] == "'self'"
    assert policy["img-src"] == "'self' data: https://cyberjapandata.gsi.go.jp"
    assert policy["base-uri"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"
    assert len(response.headers.get_list("content-security-policy")) == 1


def test_the_signed_in_logout_page_and_the_failed_form_keep_the_policy(client: TestClient) -> None:
    failed = sign_in(client, ADMIN, "wrong")
    assert failed.status_code == 401
    assert _policy(failed.headers["content-security-policy"])["frame-ancestors"] == "'none'"
    sign_in(client, ADMIN)
    page = client.get("/logout")
    assert page.status_code == 200
    assert _policy(page.headers["content-security-policy"])["frame-ancestors"] == "'none'"


def test_other_pages_keep_their_own_framing(client: TestClient) -> None:
    page = client.get(f"/map/{NIIGATA}")
    assert _policy(page.headers["content-security-policy"])["frame-ancestors"] == "'self'"
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    embed = client.get(f"/embed/{NIIGATA}")
    assert "x-frame-options" not in embed.headers  # any site may frame /embed by default
    for path in ("/editorial", "/login-help"):  # only /login and /edit, not names that start so
        assert "x-frame-options" not in client.get(path).headers
