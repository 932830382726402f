"""The sign-in page in Chromium under its Content-Security-Policy: it works with the keyboard
alone, nothing on it breaks the policy (a violation is a console error, which fails the test),
axe finds nothing at desktop and phone sizes (the error state included), and the session cookie
the browser keeps is HttpOnly and SameSite=Lax. Requests go to 127.0.0.1 only."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.accounts import User
from service.auth.passwords import hash_password
from tests.browser.conftest import Server, Watch, open_context, watch_page
from tests.browser.test_map_page import run_axe, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PASSWORD = "browser test passphrase"


@pytest.fixture
def person(server: Server) -> Iterator[str]:
    """A coordinator of 新潟市 in the running app's store, disabled afterwards."""
    email = f"browser-{secrets.token_hex(4)}@example.jp"
    server.store.put_user(User(email, "15100", "coordinator", hash_password(PASSWORD)))
    yield email
    user = server.store.user(email)
    if user is not None:
        user.disabled = True
        server.store.put_user(user)


def _csp(response: Any) -> str:
    policy: str = response.headers["content-security-policy"]
    return policy


def test_sign_in_with_the_keyboard_then_sign_out(
    page: Any, server: Server, person: str, axe_source: str, artifacts: Path
) -> None:
    first = page.goto(f"{server.url}/login?next=/map/15100")
    policy = _csp(first)
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert page.locator("h1").inner_text() == "ログイン"
    assert run_axe(page, axe_source) == []
    shot(page, artifacts, "login-ja")

    page.keyboard.press("Tab")  # the skip link, then the header's tools, then the form
    page.get_by_label("メールアドレス").focus()
    page.keyboard.type(person)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login-password"
    page.keyboard.type("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "メールアドレスまたはパスワードが正しくありません。"
    assert page.get_by_label("メールアドレス").input_value() == person
    assert page.get_by_label("メールアドレス").get_attribute("aria-invalid") == "true"
    assert run_axe(page, axe_source) == []
    shot(page, artifacts, "login-failed-ja")

    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("パスワード").press("Enter")
    assert page.url == f"{server.url}/map/15100"
    cookie = next(c for c in page.context.cookies() if c["name"] == "tsudoi_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("document.cookie").find("tsudoi_session") == -1  # scripts cannot read it

    page.goto(f"{server.url}/logout")
    assert person in page.locator("main").inner_text()
    assert run_axe(page, axe_source) == []
    with page.expect_navigation():
        page.get_by_role("button", name="ログアウト").click()
    assert page.url == f"{server.url}/login?out=1"
    assert page.get_by_role("status").inner_text() == "ログアウトしました。"
    assert not [c for c in page.context.cookies() if c["name"] == "tsudoi_session"]


def test_the_english_form_on_a_phone_is_axe_clean(
    browser: Any, server: Server, watch: Watch, axe_source: str, artifacts: Path
) -> None:
    context = open_context(browser, watch, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    watch_page(page, watch)
    try:
        page.goto(f"{server.url}/login?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_label("Email address").get_attribute("autocomplete") == "username"
        assert page.get_by_label("Password").get_attribute("autocomplete") == "current-password"
        # the button is a 44 px target at least, and the form fits the phone's width
        box = page.get_by_role("button", name="Sign in").bounding_box()
        assert box["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert run_axe(page, axe_source) == []
        page.get_by_label("Email address").fill("nobody@example.jp")
        page.get_by_label("Password").fill("wrong")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text() == (
            "The email address or password is not correct.")
        assert run_axe(page, axe_source) == []
        shot(page, artifacts, "login-failed-en-phone")
    finally:
        context.close()
    assert watch.blocked == [] and watch.dialogs == []
    assert [e for e in watch.errors if "Failed to load resource" not in e] == []
