"""API tokens for scripts: a random secret shown once, kept only as its SHA-256.

A secret carries 256 random bits, so an unsalted hash is enough (nothing to guess from it) and
lets a request's token be found by one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

from geo.accounts import ApiToken, Role
from geo.store.base import Store
from geo.store.shared import now_iso

PREFIX = "tsudoi_"  # so a leaked secret is recognisable to secret scanners and to people


def token_hash(secret: str) -> str:
    """The only form in which a secret is kept."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    store: Store, city: str, role: Role, areas: list[str] | None = None, name: str | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is returned here and never again."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=secrets.token_hex(4),
        city=city,
        role=role,
        token_hash=token_hash(secret),
        name=name,
        areas=list(areas or []),
        created_at=now_iso(),
    )
    store.put_token(token)
    return token, secret


def revoke_token(store: Store, token_id: str) -> ApiToken | None:
    """Mark the token revoked (kept, so the history still names it); None when unknown."""
    token = store.token(token_id)
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = now_iso()
        store.put_token(token)
    return token
