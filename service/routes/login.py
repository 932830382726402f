"""Signing in and out: ``GET/POST /login`` and ``GET/POST /logout``.

A failed sign-in answers 401 with the form again and one message whatever was wrong (no such
account, a wrong password, a disabled account), so the page does not tell which addresses have
accounts; an unknown address costs the same argon2 verification as a known one. After 5 failures
a minute for one account from one address the form answers 429 with Retry-After. After signing
in, the browser goes to ``next`` when it is a path on this site, else to the person's editor.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from geo.errors import TooManyAttempts
from layers.messages import pick_language
from service.auth.csrf import (
    drop_login_token,
    keep_login_token,
    login_token,
    login_token_valid,
    same,
)
from service.auth.passwords import verify_password
from service.auth.rate_limit import FailedSignIns
from service.auth.session import (
    end_session,
    read_session,
    session_user,
    start_session,
    usable,
)
from service.deps import StoreDep
from service.routes.pages import LangParam, html_page, render_template

router = APIRouter(tags=["sign-in"], include_in_schema=False)

MAX_NEXT = 2000
NextParam = Annotated[str | None, Query(max_length=MAX_NEXT, description="Where to go after")]
FormText = Annotated[str, Form()]
NO_STORE = "no-store"


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/edit/15100?x=1``); None for anything a
    browser could take to another site: ``//host``, ``/\\host``, ``https://…``, a scheme."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None  # browsers drop tabs and newlines, which could turn /\t/host into //host
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def failed_sign_ins(request: Request) -> FailedSignIns:
    """The app's count of failed sign-ins (one per process)."""
    limiter: FailedSignIns | None = getattr(request.app.state, "failed_sign_ins", None)
    if limiter is None:
        limiter = request.app.state.failed_sign_ins = FailedSignIns()
    return limiter


def client_address(request: Request) -> str:
    """The client's address (behind a proxy, the one uvicorn's proxy headers give)."""
    return request.client.host if request.client else "unknown"


def _query(lang: str, next_: str | None, **more: str) -> str:
    params = {**({"lang": lang} if lang != "ja" else {}), **({"next": next_} if next_ else {})}
    params.update(more)
    return f"?{urlencode(params)}" if params else ""


def _login_page(
    request: Request,
    lang: str,
    next_: str | None,
    status: int = 200,
    *,
    email: str = "",
    error: str | None = None,
    retry_after: int | None = None,
    signed_out: bool = False,
) -> HTMLResponse:
    other = "ja" if lang == "en" else "en"
    html = render_template(
        "login.html",
        lang=lang,
        next=next_ or "",
        email=email,
        error=error,
        retry_after=retry_after,
        signed_out=signed_out,
        csrf_token=login_token(request),
        action="/login" + _query(lang, None),
        other_lang_href="/login" + _query(other, next_),
    )
    response = html_page(request, html, status)
    keep_login_token(request, response)
    response.headers["Cache-Control"] = NO_STORE
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tsudoi"'
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/login", response_class=HTMLResponse, summary="The sign-in form")
def login_form(
    request: Request, store: StoreDep, lang: LangParam = None, next: NextParam = None,
    out: bool = False,
) -> HTMLResponse:
    """The form: email and password, posted back here with the form's CSRF token. Already
    signed in, a blank form would only puzzle: who is signed in, the way to their editor (or to
    ``next``) and the sign-out button instead."""
    language, target = pick_language(lang), safe_next(next)
    signed_in = session_user(request, store)
    if signed_in is not None:
        user, data = signed_in
        return _logout_page(request, language, user.email, data["csrf"],
                            editor=target or f"/edit/{user.city}")
    return _login_page(request, language, target, signed_out=out)


@router.post("/login", response_class=HTMLResponse, summary="Sign in")
def login(
    request: Request,
    store: StoreDep,
    email: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
    lang: LangParam = None,
) -> Response:
    """Check the form's token, the rate limit and the password; on success set the session
    cookie and go to ``next`` or the person's editor (303)."""
    language = pick_language(lang)
    target = safe_next(next)
    email = email.strip()
    if not login_token_valid(request, csrf_token):
        return _login_page(request, language, target, 403, email=email, error="expired")
    limiter, address = failed_sign_ins(request), client_address(request)
    try:
        limiter.check(email, address)
    except TooManyAttempts as exc:
        return _login_page(request, language, target, 429, email=email, error="limited",
                           retry_after=exc.retry_after)
    user = usable(store.user(email)) if email else None
    if not verify_password(password, user.password_hash if user else None) or user is None:
        limiter.failed(email, address)
        return _login_page(request, language, target, 401, email=email, error="credentials")
    limiter.succeeded(email, address)
    response = RedirectResponse(target or f"/edit/{user.city}", status_code=303)
    start_session(request, response, user)
    drop_login_token(request, response)
    response.headers["Cache-Control"] = NO_STORE
    return response


def _logout_page(request: Request, lang: str, email: str, csrf: str,
                 status: int = 200, error: str | None = None,
                 editor: str | None = None) -> HTMLResponse:
    html = render_template("logout.html", lang=lang, email=email, csrf_token=csrf, error=error,
                           action="/logout" + _query(lang, None), editor_href=editor)
    response = html_page(request, html, status)
    response.headers["Cache-Control"] = NO_STORE
    return response


@router.get("/logout", response_class=HTMLResponse, summary="The sign-out button")
def logout_form(request: Request, lang: LangParam = None) -> Response:
    """A one-button form (signing out changes state, so it is a POST with the CSRF token);
    without a session, the sign-in form."""
    language = pick_language(lang)
    data = read_session(request)
    if data is None:
        return RedirectResponse("/login" + _query(language, None), status_code=303)
    return _logout_page(request, language, data["email"], data["csrf"])


@router.post("/logout", response_class=HTMLResponse, summary="Sign out")
def logout(request: Request, csrf_token: FormText = "", lang: LangParam = None) -> Response:
    """End the session (the cookie is removed) and show the sign-in form saying so."""
    language = pick_language(lang)
    data = read_session(request)
    if data is not None and not same(csrf_token, data["csrf"]):
        return _logout_page(request, language, data["email"], data["csrf"], 403, "expired")
    response = RedirectResponse("/login" + _query(language, None, out="1"), status_code=303)
    end_session(request, response)
    response.headers["Cache-Control"] = NO_STORE
    return response
