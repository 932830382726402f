"""The request's :class:`~geo.accounts.Principal`: a bearer token, else the signed-in session.

A bearer token that is unknown or revoked is refused outright (401), never read as anonymous:
a script with a dead token should fail loudly, not see the public answer. A session whose
person is gone or disabled is anonymous. A session request that changes something must carry
the session's CSRF token (403 otherwise); a bearer request needs none.

What is returned is a :class:`Caller`, a Principal that also says how the request came
(``via``: ``editor`` for the session, ``api`` for a token), which the history records;
``request.state.via`` says the same (None when anonymous).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from geo.accounts import Principal
from geo.errors import Unauthenticated
from geo.store.base import Store
from service.auth.csrf import check_csrf
from service.auth.secret import load_secret_key
from service.auth.session import COOKIE, session_user
from service.auth.tokens import token_hash
from service.deps import StoreDep

Via = Literal["editor", "api"]


@dataclass(frozen=True)
class Caller(Principal):
    """A principal and the way its request came: ``editor`` (session) or ``api`` (token)."""

    via: Via = "api"


def bearer_secret(request: Request) -> str | None:
    """The secret of an ``Authorization: Bearer …`` header; None when there is none."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


def token_principal(store: Store, secret: str) -> Caller:
    """The principal of a token's secret; 401 when unknown or revoked."""
    token = store.token_by_hash(token_hash(secret))
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("the token is unknown or has been revoked")
    return Caller(f"token:{token.id}", token.city, token.role, tuple(token.areas), via="api")


async def session_principal(request: Request, store: Store) -> Caller | None:
    """The signed-in person's principal; None without a usable session; 403 for a change
    without the session's CSRF token."""
    if COOKIE not in request.cookies:  # most requests: no thread, no store read
        return None
    await load_secret_key(request)
    found = await run_in_threadpool(session_user, request, store)
    if found is None:
        return None
    user, data = found
    await check_csrf(request, data["csrf"])
    return Caller(f"user:{user.email}", user.city, user.role, tuple(user.areas), via="editor")


async def current_principal(request: Request, store: StoreDep) -> Caller | None:
    """Whoever the request speaks for, or None for an anonymous request."""
    secret = bearer_secret(request)
    principal: Caller | None
    if secret is not None:
        principal = await run_in_threadpool(token_principal, store, secret)
    else:
        principal = await session_principal(request, store)
    request.state.via = principal.via if principal is not None else None
    return principal


PrincipalDep = Annotated[Caller | None, Depends(current_principal)]


async def writer(principal: PrincipalDep) -> Caller:
    """Whoever may attempt a write: anyone with credentials (the record decides the rest)."""
    if principal is None:
        raise Unauthenticated("sign in, or send 'Authorization: Bearer <token>', to change data")
    return principal


WriterDep = Annotated[Caller, Depends(writer)]
