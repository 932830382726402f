"""The request's :class:`~geo.accounts.Principal`: a bearer token, else the signed-in session.

A bearer token that is unknown or revoked is refused outright (401), never read as anonymous:
a script with a dead token should fail loudly, not see the public answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from geo.accounts import Principal
from geo.errors import Unauthenticated
from geo.store.base import Store
from service.auth.tokens import token_hash
from service.deps import StoreDep


def bearer_secret(request: Request) -> str | None:
    """The secret of an ``Authorization: Bearer …`` header; None when there is none."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


def token_principal(store: Store, secret: str) -> Principal:
    """The principal of a token's secret; 401 when unknown or revoked."""
    token = store.token_by_hash(token_hash(secret))
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("the token is unknown or has been revoked")
    return Principal(f"token:{token.id}", token.city, token.role, tuple(token.areas))


async def current_principal(request: Request, store: StoreDep) -> Principal | None:
    """Whoever the request speaks for, or None for an anonymous request."""
    secret = bearer_secret(request)
    if secret is not None:
        return await run_in_threadpool(token_principal, store, secret)
    return None  # sessions: service/auth/session.py (issue 9, signed-in people)


PrincipalDep = Annotated[Principal | None, Depends(current_principal)]


async def writer(principal: PrincipalDep) -> Principal:
    """Whoever may attempt a write: anyone with credentials (the record decides the rest)."""
    if principal is None:
        raise Unauthenticated("sign in, or send 'Authorization: Bearer <token>', to change data")
    return principal


WriterDep = Annotated[Principal, Depends(writer)]
