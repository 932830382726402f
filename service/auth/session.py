"""The sign-in session: a cookie signed with the secret key, naming the person and their CSRF
token, and the person read back from the store on every request.

The cookie holds no role and no city: those are read from the store each time, so disabling an
account (or changing its role) takes effect on the next request, not when the cookie expires.
"""

from __future__ import annotations

import secrets
from typing import TypedDict

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from geo.accounts import User
from geo.store.base import Store
from service.auth.secret import app_secret_key

COOKIE = "tsudoi_session"
SALT = "tsudoi-session"
MAX_AGE = 12 * 3600  # seconds: a working day, then sign in again


class SessionData(TypedDict):
    """What the cookie carries, signed: who signed in, and the token their forms must send."""

    email: str
    csrf: str


def is_https(conn: HTTPConnection) -> bool:
    """Whether the request came over https (uvicorn's proxy headers set the scheme)."""
    return conn.url.scheme == "https"


def set_cookie(
    conn: HTTPConnection, response: Response, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    """A cookie scripts cannot read, sent on same-site requests and top-level navigations only,
    and only over https when the request came over https."""
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="lax",
        secure=is_https(conn),
    )


def clear_cookie(conn: HTTPConnection, response: Response, name: str, path: str = "/") -> None:
    """Remove a cookie (with the attributes it was set with, so browsers match it)."""
    response.delete_cookie(name, path=path, httponly=True, samesite="lax", secure=is_https(conn))


def serializer(conn: HTTPConnection, salt: str) -> URLSafeTimedSerializer:
    """Signs and checks values with the app's secret key; ``salt`` keeps each use apart."""
    return URLSafeTimedSerializer(app_secret_key(conn.app), salt=salt)


def read_session(conn: HTTPConnection) -> SessionData | None:
    """The cookie's content when its signature holds and it is younger than 12 h; else None."""
    cached: SessionData | None | bool = getattr(conn.state, "session", False)
    if cached is not False:
        return cached if isinstance(cached, dict) else None
    found: SessionData | None = None
    raw = conn.cookies.get(COOKIE)
    if raw:
        try:
            data = serializer(conn, SALT).loads(raw, max_age=MAX_AGE)
        except BadData:
            data = None
        if (
            isinstance(data, dict)
            and isinstance(data.get("email"), str)
            and isinstance(data.get("csrf"), str)
        ):
            found = {"email": data["email"], "csrf": data["csrf"]}
    conn.state.session = found
    return found


def start_session(conn: HTTPConnection, response: Response, user: User) -> SessionData:
    """Sign ``user`` in on ``response``: a new cookie with a new CSRF token (never the one
    before sign-in, so a token planted beforehand is worth nothing after)."""
    data: SessionData = {"email": user.email.lower(), "csrf": secrets.token_urlsafe(32)}
    set_cookie(conn, response, COOKIE, serializer(conn, SALT).dumps(dict(data)), MAX_AGE)
    conn.state.session = data
    return data


def end_session(conn: HTTPConnection, response: Response) -> None:
    """Sign out: the cookie is removed."""
    clear_cookie(conn, response, COOKIE)
    conn.state.session = None


def usable(user: User | None) -> User | None:
    """The person if they may act now: known, not disabled, with a password."""
    if user is None or user.disabled or not user.password_hash:
        return None
    return user


def session_user(conn: HTTPConnection, store: Store) -> tuple[User, SessionData] | None:
    """The signed-in person and the session, read from the store now; None when the cookie is
    missing, forged or expired, or the person is gone or disabled (blocking: a worker thread)."""
    data = read_session(conn)
    if data is None:
        return None
    user = usable(store.user(data["email"]))
    return (user, data) if user is not None else None
