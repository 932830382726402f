"""The key that signs session cookies and sign-in form tokens.

TSUDOI_SECRET_KEY when set (every worker and every server then agrees without the store);
otherwise one is generated on first use and kept in the store as the setting ``secret_key``, so
the embedded default needs no configuration and sessions survive a restart.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from geo.errors import UsageError
from geo.store.base import Store

ENV = "TSUDOI_SECRET_KEY"
SETTING = "secret_key"
MIN_LENGTH = 32  # characters; a shorter key could be guessed from a captured cookie


def secret_key(store: Store, env: Mapping[str, str] | None = None) -> str:
    """TSUDOI_SECRET_KEY, else the store's ``secret_key`` setting, generated once."""
    env = os.environ if env is None else env
    given = env.get(ENV, "").strip()
    if given:
        if len(given) < MIN_LENGTH:
            raise UsageError(
                f"{ENV} must be at least {MIN_LENGTH} characters; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return given
    kept = store.setting(SETTING)
    if kept:
        return kept
    store.put_setting(SETTING, secrets.token_urlsafe(48))
    # read back: if another process generated one at the same moment, the last kept wins
    return store.setting(SETTING) or ""


def app_secret_key(app: Any) -> str:
    """The app's key, looked up once per app; reads the store the first time (call it from a
    worker thread, or after :func:`load_secret_key` on the event loop)."""
    key: str | None = getattr(app.state, "secret_key", None)
    if key is None:
        key = secret_key(app.state.store)
        app.state.secret_key = key
    return key


async def load_secret_key(conn: HTTPConnection) -> str:
    """The app's key from async code: the first lookup runs in a worker thread."""
    key: str | None = getattr(conn.app.state, "secret_key", None)
    if key is None:
        key = await run_in_threadpool(app_secret_key, conn.app)
    return key
