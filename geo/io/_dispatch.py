"""Which format module reads which kind of file, for plain files and for archive members alike.

Kept apart from `read_features` so `geo.io.archive` can hand an unpacked member to the same
readers without importing the public entry point (which itself dispatches into archives).
"""

from __future__ import annotations

from pathlib import Path

from geo.io.geojson import read_geojson
from geo.io.kml import read_kml
from geo.io.ogr import read_ogr
from geo.io.source import FeatureSource, ReadOptions
from geo.io.table import read_csv, read_xlsx

IN_MEMORY = ("geojson", "kml", "csv")  # kinds read from bytes; the others need a file on disk


def read_data(kind: str, data: bytes, name: str, opts: ReadOptions) -> FeatureSource:
    """A GeoJSON, KML or CSV held in memory."""
    if kind == "geojson":
        return read_geojson(data, name)
    if kind == "kml":
        return read_kml(data, name)
    if kind == "csv":
        return read_csv(data, name, opts)
    raise AssertionError(kind)  # pragma: no cover - callers pass only IN_MEMORY kinds


def read_local(
    kind: str, local: Path, name: str, opts: ReadOptions, *, member: str | None = None
) -> FeatureSource:
    """An .xlsx, GeoPackage or Shapefile on disk; ``member``: its name inside a zip."""
    if kind == "xlsx":
        return read_xlsx(local, name, opts)
    if kind in ("gpkg", "shapefile"):
        return read_ogr(local, name, kind, opts, member=member)
    raise AssertionError(kind)  # pragma: no cover - callers pass only these kinds
