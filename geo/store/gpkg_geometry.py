"""GeoPackage geometry blobs (GPKG header + ISO WKB), so the embedded store opens in QGIS/GDAL;
and the SQL functions over them that the GeoPackage R-tree triggers need."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable

import shapely
from shapely.geometry.base import BaseGeometry

_MAGIC = b"GP"


def to_blob(geom: BaseGeometry, srs_id: int = 4326) -> bytes:
    """Encode with an XY envelope, little-endian, as GDAL writes it."""
    if geom.is_empty:
        flags = 0b0001_0001  # empty, little-endian, no envelope
        wkb: bytes = shapely.to_wkb(geom)  # one geometry: one bytes value
        return _MAGIC + bytes([0, flags]) + struct.pack("<i", srs_id) + wkb
    minx, miny, maxx, maxy = geom.bounds
    flags = 0b0000_0011  # envelope indicator 1 (xy), little-endian
    header = _MAGIC + bytes([0, flags]) + struct.pack("<i", srs_id)
    envelope = struct.pack("<4d", minx, maxx, miny, maxy)
    wkb = shapely.to_wkb(geom, byte_order=1, flavor="iso")
    return header + envelope + wkb


def from_blob(blob: bytes) -> BaseGeometry:
    """Decode a GeoPackage geometry blob written by us or by GDAL."""
    if blob[:2] != _MAGIC:
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    envelope_kind = (flags >> 1) & 0b111
    envelope_len = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get(envelope_kind)
    if envelope_len is None:
        raise ValueError(f"bad GeoPackage envelope indicator {envelope_kind}")
    return shapely.from_wkb(blob[8 + envelope_len :])


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) from the header's envelope, else the geometry's; None if empty."""
    if blob is None or blob[:2] != _MAGIC:
        return None
    flags = blob[3]
    if flags & 0b0001_0000:  # the empty-geometry flag
        return None
    if (flags >> 1) & 0b111:  # an envelope follows the header: minx, maxx, miny, maxy first
        order = "<" if flags & 1 else ">"
        minx, maxx, miny, maxy = struct.unpack_from(f"{order}4d", blob, 8)
        return minx, maxx, miny, maxy
    geom = from_blob(blob)
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


def _st(index: int) -> Callable[[bytes | None], float | None]:
    def st(blob: bytes | None) -> float | None:
        found = _bounds(blob)
        return None if found is None else found[index]

    return st


def register_functions(db: sqlite3.Connection) -> None:
    """The SQL functions the GeoPackage R-tree triggers call, as GDAL registers them.

    ST_MinX, ST_MaxX, ST_MinY, ST_MaxY and ST_IsEmpty read a geometry blob's envelope, so a
    write through this connection keeps gpkg_rtree_index current exactly as QGIS's would.
    """
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        db.create_function(name, 1, _st(i), deterministic=True)
    db.create_function(
        "ST_IsEmpty",
        1,
        lambda blob: None if blob is None else int(_bounds(blob) is None),
        deterministic=True,
    )
