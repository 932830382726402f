"""A file's kind from its name, and the checks every input file passes before a format reads it.

Both `read_features` and the road-line check (`geo.io.lines`) refuse a missing, folder or empty
file with the same words; the kind comes from the suffix only, never from sniffing the content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from geo.io._problems import fail

SUPPORTED_HINT = (
    "supported: GeoJSON (.geojson/.json/.geojson.gz), GeoPackage (.gpkg), "
    "Shapefile (.shp or .zip), KML/KMZ, CSV/TSV, Excel (.xlsx)"
)
_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".geojson", "geojson"),
    (".json", "geojson"),
    (".gpkg", "gpkg"),
    (".shp", "shapefile"),
    (".zip", "zip"),
    (".kml", "kml"),
    (".kmz", "kmz"),
    (".csv", "csv"),
    (".tsv", "csv"),
    (".txt", "csv"),
    (".xlsx", "xlsx"),
    (".xlsm", "xlsx"),
)


def file_kind(name: str) -> str | None:
    """The kind a file name says ("csv", "zip", "gz:geojson" …); None for an unknown suffix."""
    lower = name.lower()
    if lower.endswith(".gz"):
        inner = file_kind(name[:-3])
        return f"gz:{inner}" if inner in ("geojson", "gpkg", "kml", "csv") else None
    for suffix, kind in _SUFFIXES:
        if lower.endswith(suffix):
            return kind
    return None


def known_kind(name: str) -> str:
    """The kind of a file `read_features` reads; InputError saying what to give instead."""
    kind = file_kind(name)
    if kind is None:
        _fail_unknown(name)
    return kind


def _fail_unknown(name: str) -> NoReturn:
    suffix = Path(name).suffix.lower()
    if suffix in (".xls", ".ods"):
        fail(
            name,
            f"the {suffix} spreadsheet format is not supported",
            hint="Excel で .xlsx または CSV (UTF-8) として保存してください",
        )
    if suffix in (".dbf", ".shx", ".prj", ".cpg"):
        fail(
            name,
            f"a {suffix} file is only one part of a shapefile",
            hint="give the .shp (with .shx, .dbf and .prj beside it) or a .zip of all the parts",
        )
    fail(name, f"unknown file type '{suffix or name}'", hint=SUPPORTED_HINT)


def check_file(path: Path, *, folder_hint: str, kind: Callable[[str], str]) -> tuple[str, str]:
    """The name to report ``path`` by and its kind, once it is known to be a non-empty file.

    ``kind`` maps the name to a kind or raises; it runs after the existence checks and before
    the size check, so each failure keeps its place in the order users have always seen.
    """
    name = path.name or str(path)
    if not path.exists():
        fail(name, "file not found", hint=f"ファイルが見つかりません: {path}")
    if path.is_dir():
        fail(name, "is a folder, not a file", hint=folder_hint)
    found = kind(name)
    try:
        size = path.stat().st_size
    except OSError as e:
        fail(name, f"cannot read the file: {e.strerror or e}")
    if size == 0:
        fail(name, "file is empty", hint="ファイルが空です (0 bytes)")
    return name, found


def read_bytes(local: Path, name: str) -> bytes:
    """The whole file; InputError naming it if it cannot be read."""
    try:
        return local.read_bytes()
    except OSError as e:
        fail(name, f"cannot read the file: {e.strerror or e}")
