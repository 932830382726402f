"""Cross-site request forgery: every change made with the session cookie must carry a token
that only pages of this service know.

Signed in, the token is the session's (``SessionData.csrf``): forms send it as the hidden field
``csrf_token``, scripts as the header ``X-CSRF-Token`` (read from
``<meta name="csrf-token">``). The sign-in form has no session yet, so it uses a double-submit
cookie ``tsudoi_csrf`` whose value is signed with the secret key: a cookie planted by a sibling
domain fails the signature, and a page elsewhere cannot read the value to put it in a form.
A request with a bearer token needs no CSRF token: browsers never add that header themselves.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadData
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from geo.errors import Forbidden
from service.auth.session import MAX_AGE, clear_cookie, read_session, serializer, set_cookie

HEADER = "x-csrf-token"
FIELD = "csrf_token"
LOGIN_COOKIE = "tsudoi_csrf"
LOGIN_SALT = "tsudoi-login-csrf"
LOGIN_PATH = "/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def same(sent: str | None, expected: str) -> bool:
    """Whether the token sent is the one expected, compared in constant time."""
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


async def sent_token(request: Request) -> str | None:
    """The token the request carries: the header, else a form's ``csrf_token`` field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method not in SAFE_METHODS and content_type in FORM_TYPES:
        form = await request.form()  # kept by the request: the route reads the same form
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse (403) a session request with an unsafe method that lacks the session's token."""
    if request.method in SAFE_METHODS:
        return
    if not same(await sent_token(request), expected):
        raise Forbidden(
            "this change needs the page's CSRF token (form field csrf_token or header "
            "X-CSRF-Token): reload the page and try again"
        )


def login_token(conn: HTTPConnection) -> str:
    """The sign-in form's token: the one in a valid ``tsudoi_csrf`` cookie, else a new one
    (which :func:`keep_login_token` then sets as the cookie)."""
    token: str | None = getattr(conn.state, "login_csrf", None)
    if token is None:
        token = _cookie_token(conn)
        if token is None:
            token = secrets.token_urlsafe(32)
            conn.state.login_csrf_new = True
        conn.state.login_csrf = token
    return token


def _cookie_token(conn: HTTPConnection) -> str | None:
    raw = conn.cookies.get(LOGIN_COOKIE)
    if not raw:
        return None
    try:
        value = serializer(conn, LOGIN_SALT).loads(raw, max_age=MAX_AGE)
    except BadData:
        return None
    return value if isinstance(value, str) else None


def keep_login_token(conn: HTTPConnection, response: Response) -> None:
    """Set the ``tsudoi_csrf`` cookie when :func:`login_token` made a new token."""
    if getattr(conn.state, "login_csrf_new", False):
        signed = serializer(conn, LOGIN_SALT).dumps(conn.state.login_csrf)
        set_cookie(conn, response, LOGIN_COOKIE, signed, MAX_AGE, path=LOGIN_PATH)


def drop_login_token(conn: HTTPConnection, response: Response) -> None:
    """Signed in: the sign-in form's cookie is no longer needed."""
    clear_cookie(conn, response, LOGIN_COOKIE, path=LOGIN_PATH)


def login_token_valid(conn: HTTPConnection, sent: str | None) -> bool:
    """Whether the sign-in form sent the token its signed cookie holds."""
    expected = _cookie_token(conn)
    return expected is not None and same(sent, expected)


def csrf_token(conn: HTTPConnection) -> str:
    """The token a page puts in its forms and its ``<meta name="csrf-token">``: the session's
    when signed in, else the sign-in form's."""
    data = read_session(conn)
    return data["csrf"] if data is not None else login_token(conn)
