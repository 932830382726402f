"""GeoPackage and Shapefile through pyogrio (GDAL), with the quirks of Japanese shapefiles.

A .dbf without a .cpg is decoded by guessing its code page (see `geo.io._dbf`), field names cut
inside a multibyte character are recovered, a lost .shx is rebuilt, and a GeoPackage's layer is
chosen as every import chooses it (also for the road-line check in `geo.io.lines`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import Problem
from geo.io._dbf import cpg_encoding, dbf_encoding, dbf_guess, sibling
from geo.io._keys import unique_keys
from geo.io._lonlat import check_lonlat, to_lonlat
from geo.io._problems import fail, short
from geo.io.source import FeatureSource, ReadOptions, Row

_GPKG_META_TABLES = {"layer_styles", "qgis_projects"}  # QGIS keeps styles/projects beside the data

_Arrays = tuple[dict[str, Any], Any, list[Any]]  # pyogrio's meta, WKB geometries, field values


def choose_gpkg_layer(local: Path, name: str, layer: str | None) -> str:
    """The layer to read: the one named (case folded), else the only data layer; else InputError."""
    import pyogrio

    try:
        listed = pyogrio.list_layers(str(local))
    except Exception as e:  # pyogrio.errors.DataSourceError and GDAL errors
        fail(name, f"not a readable GeoPackage: {short(e)}")
    names = [str(row[0]) for row in listed]
    if not names:
        fail(name, "the GeoPackage holds no layers")
    if layer is not None:
        for candidate in names:
            if candidate == layer:
                return candidate
        for candidate in names:
            if candidate.casefold() == layer.casefold():
                return candidate
        fail(name, f"no layer '{layer}' in the GeoPackage", hint="layers: " + ", ".join(names))
    data_layers = [n for n in names if n.lower() not in _GPKG_META_TABLES]
    if len(data_layers) == 1:
        return data_layers[0]
    fail(
        name,
        f"the GeoPackage has {len(names)} layers; choose one with layer",
        hint="レイヤーを選んでください (layer): " + ", ".join(names),
    )


def read_ogr(
    local: Path, name: str, fmt: str, opts: ReadOptions, *, member: str | None = None
) -> FeatureSource:
    """A GeoPackage (``fmt`` "gpkg") or Shapefile ("shapefile"); ``member``: its name in a zip."""
    layer = choose_gpkg_layer(local, name, opts.layer) if fmt == "gpkg" else None
    encoding = dbf_encoding(local) if fmt == "shapefile" else None
    (meta, wkbs, field_data), recode = _read_arrays(local, name, layer, encoding, fmt, member)
    text = _recoder(recode)
    keys = unique_keys([text(f) for f in meta["fields"]])
    geometries = shapely.from_wkb(np.asarray(wkbs, dtype=object), on_invalid="ignore")
    label = "feature"
    rows: list[Row] = []
    for index in range(len(geometries)):
        props = {
            key: text(_native(values[index])) for key, values in zip(keys, field_data, strict=True)
        }
        geometry = geometries[index]
        if geometry is not None and geometry.is_empty:
            geometry = None
        rows.append(Row(index + 1, props, geometry))

    source_crs = None
    if meta.get("crs"):
        try:
            source_crs = CRS.from_user_input(meta["crs"])
        except CRSError:
            fail(name, f"unknown coordinate reference system {meta['crs']!r}")
    problems: list[Problem] = []
    crs_text = to_lonlat(rows, source_crs, name)
    no_prj = fmt == "shapefile" and source_crs is None
    check_lonlat(rows, name, label, problems, declared=source_crs is not None, no_prj=no_prj)
    text_encoding = None
    if fmt == "shapefile" and keys:
        text_encoding = (recode or encoding or meta.get("encoding") or "").lower() or None
    return FeatureSource(
        path=Path(name),
        name=name,
        format=fmt,
        row_label=label,
        columns=keys,
        rows=rows,
        encoding=text_encoding,
        problems=problems,
        source_crs=crs_text,
    )


def _read_arrays(
    local: Path,
    name: str,
    layer: str | None,
    encoding: str | None,
    fmt: str,
    member: str | None,
) -> tuple[_Arrays, str | None]:
    """pyogrio's arrays, and the encoding to decode their text with when GDAL could not."""
    try:
        return _ogr_arrays(local, layer, encoding, fmt), None
    except UnicodeDecodeError:
        # A .dbf field name or value cut inside a multibyte character (field names hold only
        # 10 bytes) makes pyogrio fail; read the bytes as Latin-1 and decode them ourselves.
        recode = encoding or cpg_encoding(local) or dbf_guess(local) or "utf-8"
        try:
            return _ogr_arrays(local, layer, "ISO-8859-1", fmt), recode
        except Exception as e:  # pyogrio.errors.* wrap every GDAL failure
            fail(name, f"not a readable shapefile: {short(e)}", hint=member)
    except Exception as e:  # pyogrio.errors.* wrap every GDAL failure
        what = "GeoPackage" if fmt == "gpkg" else "shapefile"
        fail(name, f"not a readable {what}: {short(e)}", hint=member)


def _recoder(recode: str | None) -> Callable[[Any], Any]:
    """Text read as Latin-1 decoded again in ``recode``; anything else unchanged."""

    def text(value: Any) -> Any:
        if recode is None or not isinstance(value, str):
            return value
        decoded = value.encode("latin-1", errors="replace").decode(recode, errors="replace")
        return decoded.rstrip("\ufffd")

    return text


def _ogr_arrays(local: Path, layer: str | None, encoding: str | None, fmt: str) -> _Arrays:
    """pyogrio's raw arrays; a lost .shx (common) is rebuilt by GDAL from the .shp."""
    import pyogrio
    import pyogrio.raw

    restore_shx = fmt == "shapefile" and sibling(local, ".shx") is None
    previous = pyogrio.get_gdal_config_option("SHAPE_RESTORE_SHX") if restore_shx else None
    if restore_shx:
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": True})
    try:
        result = pyogrio.raw.read(
            str(local), layer=layer, encoding=encoding, force_2d=True, datetime_as_string=True
        )
    finally:
        if restore_shx:
            pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": previous})
    meta, _, wkbs, field_data = result[:4]
    return meta, wkbs, field_data


def _native(value: Any) -> Any:
    """numpy scalars to plain Python values; NaN (a null number) to None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
