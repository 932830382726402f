"""GeoJSON (.geojson/.json): RFC 7946, plus what older tools still write.

Real files arrive as a bare Feature, a bare geometry or a list of Features, in Shift_JIS, or in a
plane-rectangular CRS declared with the pre-RFC "crs" member (QGIS/GDAL); all are read here.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.errors import Problem
from geo.io._keys import clean_props
from geo.io._lonlat import check_lonlat, to_lonlat
from geo.io._problems import clip, fail, short
from geo.io.source import FeatureSource, Row

_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


def read_geojson(data: bytes, name: str) -> FeatureSource:
    """The features of a GeoJSON document; InputError if it is not one."""
    text = _decode_json(data, name)
    if not text.strip():
        fail(name, "file is empty", hint="ファイルが空です")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        fail(
            name,
            f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})",
            hint="the file may be cut off or not GeoJSON",
        )
    crs_member = doc.get("crs") if isinstance(doc, dict) else None
    features = _features(doc, name)
    source_crs = _legacy_crs(crs_member, name) if crs_member else None

    rows: list[Row] = []
    problems: list[Problem] = []
    columns: dict[str, None] = {}
    for number, feature in enumerate(features, 1):
        row = _feature_row(number, feature, name, problems)
        columns.update(dict.fromkeys(row.props))
        rows.append(row)

    crs_text = to_lonlat(rows, source_crs, name)
    check_lonlat(rows, name, "feature", problems, declared=source_crs is not None)
    return FeatureSource(
        path=Path(name),
        name=name,
        format="geojson",
        row_label="feature",
        columns=list(columns),
        rows=rows,
        encoding=None,
        problems=problems,
        source_crs=crs_text,
    )


def _decode_json(data: bytes, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp932")  # RFC 7946 says UTF-8; old Japanese tools wrote SJIS
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(name, "cannot decode the text as UTF-8", hint="UTF-8 で保存してください")


def _features(doc: Any, name: str) -> list[Any]:
    """The features at the top level: a collection, a list, one Feature or one bare geometry."""
    kind = doc.get("type") if isinstance(doc, dict) else None
    if isinstance(doc, list) and all(
        isinstance(f, dict) and f.get("type") == "Feature" for f in doc
    ):
        return doc
    if kind == "FeatureCollection":
        features = doc.get("features") or []
        if not isinstance(features, list):
            fail(name, "'features' is not a list", hint="not a valid GeoJSON FeatureCollection")
        return features
    if kind == "Feature":
        return [doc]
    if kind in _GEOMETRY_TYPES:
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    fail(
        name,
        "not GeoJSON: no FeatureCollection, Feature or geometry at the top level",
        hint='expected {"type": "FeatureCollection", "features": [...]}',
    )


def _feature_row(number: int, feature: Any, name: str, problems: list[Problem]) -> Row:
    """One Feature as a row; an unreadable geometry is a problem and leaves the row unlocated."""
    if not isinstance(feature, dict):
        problems.append(Problem(name, "not a GeoJSON Feature", row=number, row_label="feature"))
        return Row(number, {}, None)
    raw = feature.get("properties")
    props = clean_props(raw if isinstance(raw, dict) else {})
    if feature.get("id") is not None and "id" not in props:
        props["id"] = feature["id"]
    geometry: BaseGeometry | None = None
    gj = feature.get("geometry")
    if gj is not None:
        try:
            geometry = shape(gj)
        except Exception as e:  # shapely raises many types for malformed input
            problems.append(
                Problem(
                    name,
                    f"unreadable geometry: {short(e)}",
                    row=number,
                    row_label="feature",
                    field="geometry",
                    value=clip(json.dumps(gj, ensure_ascii=False)),
                )
            )
        if geometry is not None:
            geometry = None if geometry.is_empty else shapely.force_2d(geometry)
    return Row(number, props, geometry)


def _legacy_crs(member: Any, name: str) -> CRS:
    """The pre-RFC 7946 "crs" member, still written by QGIS/GDAL for non-WGS84 GeoJSON."""
    props = member.get("properties", {}) if isinstance(member, dict) else {}
    value: Any = None
    if isinstance(props, dict):
        if member.get("type") == "EPSG" and props.get("code") is not None:
            value = f"EPSG:{props['code']}"
        else:
            value = props.get("name")
    if not value:
        fail(name, "the 'crs' member names no coordinate reference system", hint=str(member))
    try:
        return CRS.from_user_input(value)
    except CRSError:
        fail(
            name,
            f"unknown coordinate reference system {value!r}",
            hint="EPSG:4326 で保存してください",
        )
