"""The app as a server process imports it by name, for `tsudoi serve --workers N`.

Each worker process opens the store named by TSUDOI_DATABASE_URL (what `serve --db` was given)
itself: connections and file handles are never shared across processes. Their caches stay
correct through the store's revision (service.read_cache), whichever process writes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from geo.store import open_store

if TYPE_CHECKING:
    from fastapi import FastAPI

STORE_ENV = "TSUDOI_DATABASE_URL"


def app_from_env() -> FastAPI:
    """An app on the store TSUDOI_DATABASE_URL names (./tsudoi.gpkg when unset)."""
    from service.app import create_app  # the command line imports this module: FastAPI on use

    app = create_app(open_store(os.environ.get(STORE_ENV)))
    app.state.server_process = True  # settles its heap once started (service.app)
    return app
