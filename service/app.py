"""The FastAPI application: routers mounted on one store."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from geo.store.base import Store
from layers.categories import ensure_default_categories
from service.framing import SameOriginFraming
from service.head import HeadAsGet
from service.problems import install_problem_handlers
from service.routes import (
    categories,
    cities,
    coverage,
    embed,
    health,
    isochrones,
    pages,
    places,
    suggestions,
    towns,
)
from service.settings import Settings


def _static_folder() -> Path:
    with as_file(files("layers") / "static") as folder:
        return Path(folder)


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """An app serving one store; tests build it on a temporary store (settings default to env)."""
    app = FastAPI(
        title="Tsudoi",
        summary="Gathering places and daily-living areas for older residents' mutual aid",
        version="0.1.0",
    )
    ensure_default_categories(store)
    app.state.store = store
    app.state.settings = settings or Settings.from_env()
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(SameOriginFraming)  # HTML outside /embed: framed by this service only
    app.add_middleware(HeadAsGet)  # HEAD wherever GET, with the GET's headers
    install_problem_handlers(app)
    for module in (
        health, cities, places, categories, towns, coverage, isochrones, suggestions, pages,
        embed,
    ):
        app.include_router(module.router)
    # Leaflet, its plugin and the map's own script and styles: served here, never from a CDN
    app.mount("/static", StaticFiles(directory=_static_folder()), name="static")
    return app
