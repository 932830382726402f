"""The key that signs session cookies and sign-in form tokens.

TSUDOI_SECRET_KEY when set (read and checked with the other settings, ``service/settings.py``:
every worker and every server then agrees without the store); otherwise one is generated on first
use and kept in the store as the setting ``secret_key``, so the embedded default needs no
configuration and sessions survive a restart. ``tsudoi serve --workers N`` makes it before the
workers start, so they all read the same one.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from geo.store.base import Store

ENV = "TSUDOI_SECRET_KEY"
SETTING = "secret_key"
_FIRST_LOOKUP = threading.Lock()  # two first requests at once must not make two keys


def secret_key(store: Store, given: str | None = None) -> str:
    """``given`` (TSUDOI_SECRET_KEY), else the store's ``secret_key`` setting, generated once."""
    if given:
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
        with _FIRST_LOOKUP:
            key = getattr(app.state, "secret_key", None)
            if key is None:
                key = secret_key(app.state.store, app.state.settings.secret_key)
                app.state.secret_key = key
    return key


async def load_secret_key(conn: HTTPConnection) -> str:
    """The app's key from async code: the first lookup runs in a worker thread."""
    key: str | None = getattr(conn.app.state, "secret_key", None)
    if key is None:
        key = await run_in_threadpool(app_secret_key, conn.app)
    return key
