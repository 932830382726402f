"""The FastAPI application: routers mounted on one store."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from geo.store.base import Store
from layers.categories import ensure_default_categories
from service.problems import install_problem_handlers
from service.routes import categories, cities, health, places


def create_app(store: Store) -> FastAPI:
    """An app serving one store; tests build it on a temporary store."""
    app = FastAPI(
        title="Tsudoi",
        summary="Gathering places and daily-living areas for older residents' mutual aid",
        version="0.1.0",
    )
    ensure_default_categories(store)
    app.state.store = store
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    install_problem_handlers(app)
    for module in (health, cities, places, categories):
        app.include_router(module.router)
    return app
