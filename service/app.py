"""The FastAPI application: routers mounted on one store."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import as_file, files
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from geo.store.base import Store
from layers.categories import ensure_default_categories
from service.fast_json import GZIP_LEVEL, GZIP_MIN_BYTES
from service.framing import SameOriginFraming
from service.head import HeadAsGet
from service.ogc import router as ogc_router
from service.problems import install_problem_handlers
from service.read_cache import RevisionCache
from service.routes import (
    area_writes,
    categories,
    cities,
    clusters,
    coverage,
    docs,
    editor,
    embed,
    health,
    isochrones,
    login,
    overview,
    pages,
    place_writes,
    places,
    print_page,
    schedule_preview,
    suggestions,
    towns,
)
from service.security_headers import SecurityHeaders
from service.settings import Settings


def _static_folder() -> Path:
    with as_file(files("layers") / "static") as folder:
        return Path(folder)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """As many worker threads as the store has connections (PostGIS): a request never waits
    in a thread for a connection, and no more connections are opened than the pool holds.
    The store's reads for the event loop (the hot listing and nearby paths) open here too."""
    store: Store = app.state.store
    pool_size = getattr(store, "pool_size", None)
    if pool_size:
        to_thread.current_default_thread_limiter().total_tokens = pool_size
    await store.open_async()
    if getattr(app.state, "server_process", False):
        settle_heap()
    try:
        yield
    finally:
        await store.close_async()


GC_FIRST_GENERATION = 50_000  # allocations between the young generation's collections


def settle_heap() -> None:
    """For a server process, once started: what start-up made (modules, the app, its caches)
    lives as long as the process, so the collector is told to leave it (gc.freeze), and it
    runs on the young objects less often. Each full collection had walked the whole heap in
    the middle of some request — the slowest answers under load (measured: p99 82–90 ms →
    58–79 ms, and 8–40 % more answers a second on nearby). Not for tests' many apps in one
    process, whose frozen objects would never be collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_FIRST_GENERATION, *gc.get_threshold()[1:])


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """An app serving one store; tests build it on a temporary store (settings default to env)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="Tsudoi",
        summary="Gathering places and daily-living areas for older residents' mutual aid",
        version="0.1.0",
        docs_url=None,  # /docs comes from routes/docs.py, its scripts from /static
        redoc_url=None,  # ReDoc always loads its logo from a CDN
    )
    ensure_default_categories(store)
    app.state.store = store
    app.state.settings = settings or Settings.from_env()
    app.state.read_cache = RevisionCache()
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(SameOriginFraming)  # HTML outside /embed: framed by this service only
    app.add_middleware(HeadAsGet)  # HEAD wherever GET, with the GET's headers
    # outside the framing middleware, so the sign-in and editor pages' frame-ancestors 'none'
    # replaces the 'self' it gives other pages
    app.add_middleware(SecurityHeaders, settings=app.state.settings)
    install_problem_handlers(app)
    for module in (
        health, cities, places, clusters, categories, towns, coverage, isochrones, suggestions,
        pages, embed, docs, print_page, place_writes, area_writes,
        overview, login, schedule_preview, editor,
    ):
        app.include_router(module.router)
    app.include_router(ogc_router)  # OGC API – Features at /ogc
    # Leaflet, its plugin and the map's own script and styles: served here, never from a CDN
    app.mount("/static", StaticFiles(directory=_static_folder()), name="static")
    return app
