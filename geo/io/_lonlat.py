"""Getting every geometry to EPSG:4326 lon/lat, and catching coordinates that are not.

Shared by the formats that carry a CRS (GeoJSON, GeoPackage, Shapefile) and by table cells in
WKT; the Japanese swap hint is worded once, here, for KML and table coordinates as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NoReturn

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from geo.errors import Problem
from geo.io._problems import fail, short
from geo.io.source import Row
from geo.japan.coords import SWAPPED_HINT, swapped

Box = Sequence[float]  # minx, miny, maxx, maxy


def project(geometries: BaseGeometry | NDArray[np.object_], transformer: Transformer) -> object:
    """``geometries`` (one or an array) with every coordinate passed through ``transformer``."""

    def xy(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, xy)


def to_lonlat(rows: list[Row], crs: CRS | None, name: str) -> str | None:
    """Transform every geometry to EPSG:4326 lon/lat in place; return the source CRS as text."""
    if crs is None:
        return None
    text: str = crs.to_string()
    if crs.to_epsg() == 4326 or crs.equals(CRS.from_user_input("OGC:CRS84")):
        return text
    try:
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    except CRSError as e:
        fail(name, f"cannot transform from {text} to longitude/latitude: {short(e)}")
    geometries = np.array([row.geometry for row in rows], dtype=object)
    if len(geometries):
        transformed = project(geometries, transformer)
        for row, geometry in zip(rows, np.asarray(transformed), strict=True):
            row.geometry = geometry
    return text


def outside_lonlat(box: Box) -> bool:
    """Whether a bounding box is not finite or reaches beyond -180..180, -90..90."""
    minx, miny, maxx, maxy = box
    finite = all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
    return not finite or minx < -180 or maxx > 180 or miny < -90 or maxy > 90


def check_lonlat(
    rows: list[Row],
    name: str,
    label: str,
    problems: list[Problem],
    *,
    declared: bool,
    no_prj: bool = False,
) -> None:
    """Catch coordinates that are not lon/lat, file-wide (an undeclared CRS) or per feature."""
    located = [row for row in rows if row.geometry is not None]
    if not located:
        return
    bounds = shapely.bounds(np.array([row.geometry for row in located], dtype=object))
    bad: list[tuple[Row, Box]] = [
        (row, (minx, miny, maxx, maxy))
        for row, (minx, miny, maxx, maxy) in zip(located, bounds, strict=True)
        if outside_lonlat((minx, miny, maxx, maxy))
    ]
    if not bad:
        return
    if len(bad) == len(located) and not declared:
        _fail_file(name, bad, no_prj=no_prj)
    for row, box in bad:
        problems.append(
            Problem(
                name,
                "coordinates are not longitude/latitude",
                row=row.number,
                row_label=label,
                field="geometry",
                value=", ".join(f"{v:g}" for v in box[:2]),
                hint=box_hint(box),
            )
        )
        row.geometry = None


def _fail_file(name: str, bad: list[tuple[Row, Box]], *, no_prj: bool) -> NoReturn:
    """Every feature is off and no CRS was declared: the file, not its rows, is wrong."""
    if all(box_swapped(b) for _, b in bad):
        box = bad[0][1]
        hint = swap_hint((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        fail(name, "coordinates are in latitude, longitude order", hint=hint)
    file_hint = (
        "the .prj file is missing: give all parts of the shapefile (.shp .shx .dbf .prj)"
        if no_prj
        else "the file seems to use a projected CRS (平面直角座標系?) without declaring it; "
        "save it as EPSG:4326 (WGS84)"
    )
    fail(name, "coordinates are not longitude/latitude", hint=file_hint)


def swap_hint(lon: float, lat: float) -> str | None:
    """The Japanese hint when exchanging the two would give a point in Japan (or at least valid)."""
    if swapped(lon, lat):
        return SWAPPED_HINT
    if math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 90 and abs(lat) <= 180:
        return "latitude and longitude may be swapped: 緯度と経度が逆かもしれません"
    return None


def box_swapped(box: Box) -> bool:
    """Whether a box would be lon/lat if its two axes were exchanged."""
    minx, miny, maxx, maxy = box
    return (
        all(math.isfinite(v) for v in box)
        and -90 <= minx <= maxx <= 90
        and (-180 <= miny <= maxy <= 180)
    )


def box_hint(box: Box) -> str | None:
    """The swap hint for a box that looks swapped, taken at its centre; None otherwise."""
    if not box_swapped(box):
        return None
    return swap_hint((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
