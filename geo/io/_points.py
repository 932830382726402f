"""Geometry from table columns: latitude/longitude pairs, one 'location' cell, or WKT.

Cities name coordinate columns in English, Japanese or romaji (緯度/経度, ido/keido, POINT_X),
sometimes twice (世界測地系 and 日本測地系), and write degrees as decimals, full-width digits or
34°20′51″N; the columns are found and every cell is read here, for CSV and XLSX alike. A cell
that cannot be read is a problem on its row, never a failure of the file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

import shapely
from pyproj import Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.errors import Problem, UsageError
from geo.io._lonlat import box_hint, outside_lonlat, project, swap_hint
from geo.io._problems import short
from geo.io.source import ReadOptions


class ProblemFn(Protocol):
    """Records a problem with one column of the row being read."""

    def __call__(self, column: str, reason: str, hint: str | None = None) -> None: ...


def is_blank(value: Any) -> bool:
    """A cell with nothing in it: None, or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class GeometrySpec:
    """Where a table's geometry is: which columns, and how their cells are written."""

    kind: str  # "pair" | "combined" | "wkt"
    lat: str = ""
    lon: str = ""
    column: str = ""

    @property
    def columns(self) -> list[str]:
        """The columns the geometry is read from."""
        return [self.lat, self.lon] if self.kind == "pair" else [self.column]


_LAT_NAMES = ("latitude", "lat", "緯度", "ido")
_LON_NAMES = ("longitude", "lon", "lng", "long", "経度", "keido")
_COMBINED_NAMES = {
    "location",
    "位置",
    "座標",
    "coordinates",
    "coordinate",
    "coords",
    "latlon",
    "latlng",
    "latlong",
    "緯度経度",
    "位置情報",
    "座標値",
}
# not "shape": ArcGIS table exports have a Shape column that only says "Point"
_WKT_NAMES = {"geometry", "wkt", "geom", "thegeom", "wktgeom", "geometrywkt"}


def _norm(column: str) -> str:
    """Column name folded for matching: NFKC, lower case, no (…) suffix, no spaces or _-・/,."""
    text = unicodedata.normalize("NFKC", column).lower().strip()
    bare = re.sub(r"[(\[].*?[)\]]", "", text)
    return re.sub(r"[\s_\-・/,.]+", "", bare or text)


def _preference(column: str) -> int:
    """Prefer WGS84/JGD columns; avoid the old Tokyo datum (日本測地系) when both are present."""
    text = unicodedata.normalize("NFKC", column).lower()
    if any(k in text for k in ("世界", "wgs", "jgd", "10進", "十進")):
        return 0
    if any(k in text for k in ("日本測地", "tokyo", "旧")):
        return 2
    return 1


def _find_column(columns: list[str], wanted: str, name: str) -> str:
    for column in columns:
        if column == wanted:
            return column
    for column in columns:
        if _norm(column) == _norm(wanted) or column.strip().casefold() == wanted.strip().casefold():
            return column
    # A column the caller named is missing: the call is wrong, not the file (exit 2, not 1).
    raise UsageError(f"{name}: no column named '{wanted}'; the file has: {', '.join(columns)}")


def geometry_spec(columns: list[str], opts: ReadOptions, name: str) -> GeometrySpec | None:
    """The coordinate columns the caller named, else the ones their names give away; or None."""
    if opts.lat_field is not None and opts.lon_field is not None:
        lat = _find_column(columns, opts.lat_field, name)
        lon = _find_column(columns, opts.lon_field, name)
        if lat == lon:
            return GeometrySpec("combined", column=lat)
        return GeometrySpec("pair", lat=lat, lon=lon)
    normed = [(c, _norm(c)) for c in columns]

    def best(matches: list[str]) -> str:
        return min(matches, key=_preference) if matches else ""

    for lat_name in _LAT_NAMES[:2]:  # latitude/longitude, lat/lon|lng|long
        lat = best([c for c, n in normed if n == lat_name])
        lon = best([c for c, n in normed if n in _LON_NAMES[:4]])
        if lat and lon:
            return GeometrySpec("pair", lat=lat, lon=lon)
    lat = best([c for c, n in normed if ("緯度" in n and "経度" not in n) or n == "ido"])
    lon = best([c for c, n in normed if ("経度" in n and "緯度" not in n) or n == "keido"])
    if lat and lon:
        return GeometrySpec("pair", lat=lat, lon=lon)
    combined = best([c for c, n in normed if n in _COMBINED_NAMES])
    if combined:
        return GeometrySpec("combined", column=combined)
    wkt = next((c for c, n in normed if n in _WKT_NAMES), None)
    if wkt:
        return GeometrySpec("wkt", column=wkt)
    y = next((c for c, n in normed if n in ("y", "pointy")), None)  # POINT_Y: ArcGIS "Add XY"
    x = next((c for c, n in normed if n in ("x", "pointx")), None)
    if y and x:
        return GeometrySpec("pair", lat=y, lon=x)
    return None


_DMS = re.compile(
    r"^(?P<pre>[NSEW]|北緯|南緯|東経|西経)?\s*(?P<d>\d+(?:\.\d+)?)\s*(?:°|度|:|\s)\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:'|′|分|:|\s)?\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:\"|″|′′|''|秒)?\s*)?(?P<post>[NSEW])?$",
    re.IGNORECASE,
)


def _degrees(value: Any) -> float | None:
    """A coordinate cell in degrees: numbers, full-width digits, 34°20′51″N, 北緯34度20分51秒."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = text.replace("\u2212", "-").replace("\u2010", "-")
        try:
            number = float(text)
        except ValueError:
            try:
                number = _dms(text)
            except ValueError:
                number = float(text.replace(" ", ""))  # '134. 05', '- 34.5'; raises if not a number
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _dms(text: str) -> float:
    match = _DMS.match(text)
    if not match or (
        match["m"] is None and match["s"] is None and "°" not in text and "度" not in text
    ):
        raise ValueError("not a number")
    minutes = float(match["m"] or 0)
    seconds = float(match["s"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError("minutes or seconds of 60 or more")
    number = float(match["d"]) + minutes / 60 + seconds / 3600
    hemisphere = (match["pre"] or match["post"] or "").upper()
    return -number if hemisphere in ("S", "W", "南緯", "西経") else number


def row_geometry(
    spec: GeometrySpec, props: dict[str, Any], number: int, name: str, problems: list[Problem]
) -> BaseGeometry | None:
    """The geometry of one table row; None if it has none or (with a problem) it is unreadable."""

    def problem(column: str, reason: str, hint: str | None = None) -> None:
        problems.append(
            Problem(
                name,
                reason,
                row=number,
                row_label="row",
                field=column,
                value=props.get(column),
                hint=hint,
            )
        )

    if spec.kind == "pair":
        return _pair_geometry(spec.lat, spec.lon, props, problem)
    value = props.get(spec.column)
    if is_blank(value):
        return None
    if spec.kind == "combined":
        return _combined_geometry(spec.column, value, problem)
    return _wkt_geometry(spec.column, value, problem)


def _pair_geometry(
    lat_col: str, lon_col: str, props: dict[str, Any], problem: ProblemFn
) -> BaseGeometry | None:
    lat_raw, lon_raw = props.get(lat_col), props.get(lon_col)
    if is_blank(lat_raw) and is_blank(lon_raw):
        return None
    if is_blank(lat_raw) or is_blank(lon_raw):
        missing, given = (lat_col, "longitude") if is_blank(lat_raw) else (lon_col, "latitude")
        what = "latitude" if missing == lat_col else "longitude"
        problem(
            missing, f"{what} is empty while {given} is given", "緯度と経度の両方を入力してください"
        )
        return None
    ok = True
    lat = lon = None
    try:
        lat = _degrees(lat_raw)
    except ValueError:
        problem(
            lat_col, "latitude is not a number", "緯度は 34.3421 のような十進の度で入力してください"
        )
        ok = False
    try:
        lon = _degrees(lon_raw)
    except ValueError:
        problem(
            lon_col,
            "longitude is not a number",
            "経度は 134.0550 のような十進の度で入力してください",
        )
        ok = False
    if not ok or lat is None or lon is None:
        return None
    return _checked_point(lat, lon, lat_col, lon_col, problem)


def _checked_point(
    lat: float, lon: float, lat_col: str, lon_col: str, problem: ProblemFn
) -> Point | None:
    if abs(lat) <= 90 and abs(lon) <= 180:
        return Point(lon, lat)
    hint = swap_hint(lon, lat)
    if abs(lat) > 90:
        problem(lat_col, "latitude out of range -90..90", hint)
    if abs(lon) > 180:
        problem(lon_col, "longitude out of range -180..180", hint)
    return None


def _combined_geometry(column: str, value: Any, problem: ProblemFn) -> BaseGeometry | None:
    """'34.342286,134.055021': latitude first, as in the 自治体標準オープンデータセット."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.match(r"^[A-Za-z]", text) and not re.match(r"^[NSEW]\s*\d", text, re.IGNORECASE):
        return _wkt_geometry(column, value, problem)
    parts = [p for p in re.split(r"[,\s、;]+", text.strip("()[] ")) if p]
    if len(parts) not in (2, 3):
        problem(
            column, "expected 'latitude,longitude'", "「34.3422,134.0550」の形で入力してください"
        )
        return None
    try:
        lat, lon = _degrees(parts[0]), _degrees(parts[1])
    except ValueError:
        problem(
            column,
            "expected 'latitude,longitude' in degrees",
            "「34.3422,134.0550」の形で入力してください",
        )
        return None
    if lat is None or lon is None:
        return None
    return _checked_point(lat, lon, column, column, problem)


def _wkt_geometry(column: str, value: Any, problem: ProblemFn) -> BaseGeometry | None:
    """WKT, EWKT ('SRID=6677;POINT(…)'), GeoJSON or hex WKB in one cell."""
    text = str(value).strip()
    srid = None
    match = re.match(r"^SRID=(\d+);(.*)$", text, re.IGNORECASE | re.DOTALL)
    if match:
        srid, text = int(match.group(1)), match.group(2)
    try:
        if text.startswith("{"):
            geometry = shapely.from_geojson(text)
        elif re.fullmatch(r"[0-9A-Fa-f]+", text) and len(text) % 2 == 0:
            geometry = shapely.from_wkb(bytes.fromhex(text))
        else:
            geometry = shapely.from_wkt(text)
    except Exception as e:  # shapely.errors.GEOSException and friends
        problem(
            column,
            f"unreadable geometry: {short(e)}",
            "WKT (POINT (134.05 34.34)) で入力してください",
        )
        return None
    if geometry is None or geometry.is_empty:
        return None
    if srid is not None and srid != 4326:
        try:
            transformer = Transformer.from_crs(f"EPSG:{srid}", "EPSG:4326", always_xy=True)
        except CRSError:
            problem(column, f"unknown SRID {srid}")
            return None
        geometry = project(geometry, transformer)
    geometry = shapely.force_2d(geometry)
    box = geometry.bounds
    if outside_lonlat(box):
        problem(
            column,
            "coordinates are not longitude/latitude (WKT order is lon lat)",
            box_hint(box),
        )
        return None
    return geometry
