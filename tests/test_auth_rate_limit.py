"""Failed sign-ins are limited per (account, address): the sixth within a minute answers 429 with
Retry-After, even with the right password; other accounts and other addresses are not affected;
a minute later the pair may try again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from geo.errors import TooManyAttempts
from geo.store.base import Store
from service.app import create_app
from service.auth.rate_limit import FailedSignIns
from service.auth.session import COOKIE
from tests.auth_setup import ADMIN, VIEWER, seed, sign_in

HOME, CAFE = ("198.51.100.7", 40000), ("203.0.113.9", 40001)


class Clock:
    """A clock the test moves by hand (monotonic seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(store: Store, clock: Clock) -> FastAPI:
    seed(store)
    app = create_app(store)
    app.state.failed_sign_ins = FailedSignIns(clock=clock)
    return app


@pytest.fixture
def home(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=HOME) as c:
        yield c


def test_the_sixth_attempt_in_a_minute_is_429_with_retry_after(
    app: FastAPI, home: TestClient, clock: Clock
) -> None:
    for i in range(5):
        clock.now += 2
        assert sign_in(home, ADMIN, f"guess {i}").status_code == 401
    clock.now += 10  # the first failure was 18 s ago: 42 s to wait
    limited = sign_in(home, ADMIN)  # the right password, refused all the same
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "42"
    assert 'role="alert"' in limited.text and "42秒後" in limited.text
    assert COOKIE not in limited.headers.get("set-cookie", "")
    # other accounts from this address, and this account from elsewhere, are not affected
    assert sign_in(home, VIEWER).status_code == 303
    home.cookies.clear()  # signed in, /login offers to sign out: a stranger's browser again
    with TestClient(app, client=CAFE) as cafe:
        assert sign_in(cafe, ADMIN).status_code == 303
    # a minute after the first failure, one more try is allowed
    clock.now += 42
    assert sign_in(home, ADMIN, "still wrong").status_code == 401
    assert sign_in(home, ADMIN).status_code == 429  # five in the last minute again
    clock.now += 60
    assert sign_in(home, ADMIN).status_code == 303


def test_the_limit_page_is_in_english_too(home: TestClient) -> None:
    for _ in range(5):
        sign_in(home, ADMIN, "wrong", lang="en")
    limited = sign_in(home, ADMIN, "wrong", lang="en")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) == 60
    assert "Please try again in 60 seconds." in limited.text


def test_a_success_clears_the_failures(home: TestClient) -> None:
    for _ in range(4):
        assert sign_in(home, ADMIN, "wrong").status_code == 401
    assert sign_in(home, ADMIN).status_code == 303
    home.cookies.clear()
    for _ in range(5):
        assert sign_in(home, ADMIN, "wrong").status_code == 401
    assert sign_in(home, ADMIN).status_code == 429


def test_unknown_accounts_are_limited_alike(home: TestClient) -> None:
    for _ in range(5):
        assert sign_in(home, "nobody@example.jp", "x").status_code == 401
    assert sign_in(home, "Nobody@Example.jp", "x").status_code == 429


def test_the_counter_alone() -> None:
    clock = Clock()
    limiter = FailedSignIns(max_failures=2, window_s=10, clock=clock)
    limiter.failed("a@example.jp", "1.2.3.4")
    limiter.failed("A@example.jp ", "1.2.3.4")
    with pytest.raises(TooManyAttempts) as caught:
        limiter.check("a@example.jp", "1.2.3.4")
    assert caught.value.retry_after == 10
    limiter.check("a@example.jp", "5.6.7.8")
    clock.now += 10
    limiter.check("a@example.jp", "1.2.3.4")
