"""Opening the store a URL names: a .gpkg path (embedded) or postgresql+psycopg://… (PostGIS)."""

from __future__ import annotations

from pathlib import Path

from geo.errors import UsageError
from geo.store.base import Store

DEFAULT_STORE = "tsudoi.gpkg"


def open_store(url: str | None = None, *, auto_upgrade: bool = False) -> Store:
    """The store for a URL or path; the default is ./tsudoi.gpkg."""
    target = (url or DEFAULT_STORE).strip()
    if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from geo.store.postgis import PostgisStore

        if target.startswith("postgres://"):
            target = "postgresql+psycopg://" + target[len("postgres://") :]
        elif target.startswith("postgresql://"):
            target = "postgresql+psycopg://" + target[len("postgresql://") :]
        return PostgisStore(target, auto_upgrade=auto_upgrade)
    if target.lower().endswith(".gpkg"):
        from geo.store.gpkg import GpkgStore

        return GpkgStore(Path(target).expanduser())
    raise UsageError(
        f"cannot tell which store {target!r} is: give a path ending in .gpkg "
        "or a postgresql+psycopg://… URL"
    )
