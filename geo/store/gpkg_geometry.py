"""GeoPackage geometry blobs (GPKG header + ISO WKB), so the embedded store opens in QGIS/GDAL."""

from __future__ import annotations

import struct

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
