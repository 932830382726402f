"""Signing in and out through the real form, on both stores: the session cookie and its flags,
the form's CSRF token, where the browser goes next, and what a failure does not tell."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from geo.store.base import Store
from service.app import create_app
from service.auth.session import COOKIE
from service.routes.login import safe_next
from tests.auth_setup import (
    ADMIN,
    COORDINATOR,
    NAGAOKA,
    NIIGATA,
    OTHER_CITY,
    PASSWORD,
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
    with TestClient(create_app(app_store)) as c:
        yield c


def _set_cookies(response: object) -> dict[str, SimpleCookie]:
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            found[name] = jar
    return found


def test_the_form_is_labelled_and_carries_a_token(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="ja"' in html and "ログイン" in html
    assert '<label for="login-email">メールアドレス</label>' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert 'type="password"' in html and form_token(html)
    cookie = _set_cookies(page)["tsudoi_csrf"]["tsudoi_csrf"]
    assert cookie["httponly"] and cookie["samesite"] == "lax" and cookie["path"] == "/login"
    english = client.get("/login", params={"lang": "en", "next": "/edit/15100"}).text
    assert '<html lang="en"' in english and "Email address" in english
    assert 'action="/login?lang=en"' in english
    assert 'name="next" value="/edit/15100"' in english


def test_signing_in_goes_to_the_editor_with_a_session_cookie(client: TestClient) -> None:
    done = sign_in(client, ADMIN)
    assert done.status_code == 303
    assert done.headers["location"] == f"/edit/{NIIGATA}"
    cookie = _set_cookies(done)[COOKIE][COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http: a Secure cookie would never come back
    assert int(cookie["max-age"]) == 12 * 3600
    assert PASSWORD not in done.headers["set-cookie"] and "admin" not in cookie.value


def test_email_is_matched_in_any_case_and_each_goes_to_its_own_city(client: TestClient) -> None:
    assert sign_in(client, COORDINATOR.upper()).headers["location"] == f"/edit/{NIIGATA}"
    client.cookies.clear()
    assert sign_in(client, OTHER_CITY).headers["location"] == f"/edit/{NAGAOKA}"


def test_over_https_the_cookies_are_secure(app_store: Store) -> None:
    with TestClient(create_app(app_store), base_url="https://tsudoi.example.jp") as c:
        page = c.get("/login")
        assert _set_cookies(page)["tsudoi_csrf"]["tsudoi_csrf"]["secure"]
        done = sign_in(c, ADMIN)
        assert done.status_code == 303
        assert _set_cookies(done)[COOKIE][COOKIE]["secure"]


@pytest.mark.parametrize("password", ["wrong password", ""])
@pytest.mark.parametrize("email", [ADMIN, "nobody@example.jp"])
def test_a_failure_is_401_and_does_not_tell_whether_the_account_exists(
    client: TestClient, email: str, password: str
) -> None:
    failed = sign_in(client, email, password)
    assert failed.status_code == 401
    assert COOKIE not in _set_cookies(failed)
    assert 'role="alert"' in failed.text
    assert "メールアドレスまたはパスワードが正しくありません。" in failed.text
    assert f'value="{email}"' in failed.text  # kept, so only the password is typed again
    # the same page whichever was wrong, apart from the address typed and the form's token
    other = sign_in(client, "nobody@example.jp" if email == ADMIN else ADMIN, password)
    assert other.status_code == 401

    def _without(r: object, address: str) -> str:
        text: str = r.text.replace(address, "")  # type: ignore[attr-defined]
        return text.replace(form_token(text), "")

    assert _without(failed, email) == _without(other, "nobody@example.jp" if email == ADMIN
                                               else ADMIN)


def test_a_disabled_person_cannot_sign_in(client: TestClient, app_store: Store) -> None:
    user = app_store.user(ADMIN)
    assert user is not None
    user.disabled = True
    app_store.put_user(user)
    assert sign_in(client, ADMIN).status_code == 401


def test_the_form_is_refused_without_its_token(client: TestClient) -> None:
    client.get("/login")  # the cookie is there; the field is not, or is someone else's
    for token in (None, "forged"):
        data = {"email": ADMIN, "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        refused = client.post("/login", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert COOKIE not in _set_cookies(refused) and 'role="alert"' in refused.text


def test_the_form_token_only_counts_with_its_own_signed_cookie(
    client: TestClient, app_store: Store
) -> None:
    token = form_token(client.get("/login").text)
    client.cookies.clear()  # another browser (the attacker's page) posts the token without it
    data = {"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    client.cookies.set("tsudoi_csrf", token, path="/login")  # a planted, unsigned cookie
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/map/15100?place=x&lang=en", "/map/15100?place=x&lang=en"),
        ("/edit/15202", "/edit/15202"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/edit/15100", None),
        ("javascript:alert(1)", None),
        ("/\t/evil.example", None),
        ("edit/15100", None),
        ("", None),
    ],
)
def test_next_is_followed_only_within_the_site(
    client: TestClient, target: str, expected: str | None
) -> None:
    assert safe_next(target) == expected
    done = sign_in(client, ADMIN, next_=target)
    assert done.status_code == 303
    assert done.headers["location"] == (expected or f"/edit/{NIIGATA}")


def test_signing_out_needs_the_token_and_ends_the_session(client: TestClient) -> None:
    sign_in(client, ADMIN)
    page = client.get("/logout")
    assert page.status_code == 200 and ADMIN in page.text
    token = form_token(page.text)
    refused = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and client.cookies.get(COOKIE)
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login?out=1"
    cleared = _set_cookies(done)[COOKIE][COOKIE]
    assert cleared.value in ("", '""') and int(cleared["max-age"]) == 0
    assert client.cookies.get(COOKIE) is None
    assert "ログアウトしました。" in client.get("/login?out=1").text
    again = client.get("/logout", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login"


def test_the_form_is_in_english_with_lang_en(client: TestClient) -> None:
    failed = sign_in(client, ADMIN, "nope", lang="en")
    assert failed.status_code == 401
    assert "The email address or password is not correct." in failed.text


def test_the_form_when_signed_in_says_who_with_the_editor_and_sign_out(client: TestClient) -> None:
    sign_in(client, OTHER_CITY)
    page = client.get("/login")
    assert page.status_code == 200 and OTHER_CITY in page.text
    assert f'href="/edit/{NAGAOKA}"' in page.text and 'name="password"' not in page.text
    assert 'action="/logout"' in page.text
    assert "content-security-policy" in page.headers and page.headers["cache-control"] == "no-store"
    # its button signs out (the session's token), and then the form is the form again
    done = client.post("/logout", data={"csrf_token": form_token(page.text)},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert 'name="password"' in client.get("/login").text
    # next, when it is a path here, is where the link goes
    sign_in(client, OTHER_CITY)
    assert 'href="/edit/15202?x=1"' in client.get("/login", params={"next": "/edit/15202?x=1"}).text
    assert f'href="/edit/{NAGAOKA}"' in client.get("/login", params={"next": "//evil"}).text
