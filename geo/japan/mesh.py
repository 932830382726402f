"""JIS X 0410 地域メッシュ (standard grid squares): code → cell, and point → code.

The grid is defined on JGD2011 latitude/longitude (which Tsudoi treats as WGS84 to well under a
metre). Each level divides the one above:

=========  ======  ====================  ============================  =========
level      digits  division              cell (lat × lon)              ≈ size
=========  ======  ====================  ============================  =========
1          4       pq rr                 40′ × 1°                      80 km
2          6       + r s (8 × 8)         5′ × 7′30″                    10 km
3          8       + t u (10 × 10)       30″ × 45″                     1 km
1/2        9       + quadrant 1–4        15″ × 22.5″                   500 m
1/4        10      + quadrant 1–4        7.5″ × 11.25″                 250 m
1/8        11      + quadrant 1–4        3.75″ × 5.625″                125 m
=========  ======  ====================  ============================  =========

pq = ⌊latitude × 1.5⌋, rr = ⌊longitude⌋ − 100; a quadrant digit is 1 south-west, 2 south-east,
3 north-west, 4 north-east. The 1/2, 1/4 and 1/8 meshes are also called the 4th, 5th and 6th
meshes (4次・5次・6次メッシュ).

All arithmetic is done in integer units of 1/8 arc-second, where every corner of every level
falls exactly on a unit, so corners are exact and neighbouring cells share their edges bit for
bit. A point on an edge belongs to the cell north or east of it (south-west corner inclusive).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import Polygon

# one unit = 1/8 arc-second; 28 800 units per degree
UNITS_PER_DEGREE = 8 * 3600

#: digits of a code at each level, by level name
DIGITS: dict[str, int] = {"1": 4, "2": 6, "3": 8, "1/2": 9, "1/4": 10, "1/8": 11}
LEVELS: tuple[str, ...] = tuple(DIGITS)
_LEVEL_OF_DIGITS = {d: name for name, d in DIGITS.items()}
_ALIASES: dict[str, str] = {
    "1": "1", "2": "2", "3": "3", "4": "1/2", "5": "1/4", "6": "1/8",
    "1/2": "1/2", "1/4": "1/4", "1/8": "1/8",
    "80km": "1", "10km": "2", "1km": "3", "500m": "1/2", "250m": "1/4", "125m": "1/8",
}  # fmt: skip

# cell size (lat units, lon units) at each level
_STEP: dict[str, tuple[int, int]] = {
    "1": (40 * 60 * 8, 3600 * 8),  # 40′ × 1°
    "2": (5 * 60 * 8, 450 * 8),  # 5′ × 7′30″
    "3": (30 * 8, 45 * 8),  # 30″ × 45″
    "1/2": (15 * 8, 180),  # 15″ × 22.5″
    "1/4": (60, 90),  # 7.5″ × 11.25″
    "1/8": (30, 45),  # 3.75″ × 5.625″
}

# Japan's first meshes: rows pq from 30 (20° N, 沖ノ鳥島) to 68 (45°20′ N, 宗谷岬),
# columns rr from 22 (122° E, 与那国島) to 53 (153° E, 南鳥島).
FIRST_ROWS = range(30, 69)
FIRST_COLS = range(22, 54)

_SEPARATORS = re.compile(r"[\s\-‐−–—_./]+")


class MeshCodeError(ValueError):
    """A text that is not a JIS X 0410 mesh code, with the reason in plain words."""


@dataclass(frozen=True)
class Mesh:
    """One cell of the grid: its code, level and edges in degrees (JGD2011 ≈ WGS84)."""

    code: str
    level: str  # one of LEVELS
    south: float
    west: float
    north: float
    east: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north), as shapely orders a box."""
        return (self.west, self.south, self.east, self.north)

    @property
    def polygon(self) -> Polygon:
        """The cell as a counter-clockwise lon/lat polygon starting at its south-west corner."""
        w, s, e, n = self.bounds
        return Polygon([(w, s), (e, s), (e, n), (w, n), (w, s)])

    @property
    def center(self) -> tuple[float, float]:
        """(lon, lat) of the cell's centre."""
        return ((self.west + self.east) / 2, (self.south + self.north) / 2)


def level_name(level: int | str) -> str:
    """The canonical level name ('1', '2', '3', '1/2', '1/4', '1/8') for a level or an alias.

    Aliases: 4, 5, 6 (4次・5次・6次メッシュ) and sizes such as '500m' or '250m'.
    """
    key = unicodedata.normalize("NFKC", str(level)).strip().lower().replace(" ", "")
    key = key.removesuffix("次").removesuffix("メッシュ").removesuffix("次")
    if key in _ALIASES:
        return _ALIASES[key]
    raise MeshCodeError(
        f"unknown mesh level {level!r}: give 1, 2, 3, 1/2, 1/4 or 1/8 (or 500m, 250m, 125m)"
    )


def normalize_code(code: object) -> str:
    """The code as plain ASCII digits: full-width digits folded, hyphens and spaces dropped.

    '5339-45-22', '５３３９４５２２' and 53394522 all give '53394522'. Validity is not checked.
    """
    if isinstance(code, bool) or code is None:
        raise MeshCodeError(f"not a mesh code: {code!r}")
    if isinstance(code, float):
        if not code.is_integer():
            raise MeshCodeError(f"not a mesh code: {code!r}")
        code = int(code)
    text = unicodedata.normalize("NFKC", str(code)).strip()
    return _SEPARATORS.sub("", text)


def parse(code: object) -> Mesh:
    """The cell a code names; MeshCodeError saying what is wrong otherwise."""
    text = normalize_code(code)
    if not text:
        raise MeshCodeError("empty mesh code")
    if not text.isascii() or not text.isdigit():
        raise MeshCodeError(f"mesh code {text!r} holds characters other than digits")
    level = _LEVEL_OF_DIGITS.get(len(text))
    if level is None:
        extra = ""
        if len(text) == 7:
            extra = " (5倍地域メッシュ, 5 km, is not supported)"
        raise MeshCodeError(
            f"mesh code {text!r} has {len(text)} digits; JIS X 0410 codes have 4 (1st mesh), "
            f"6 (2nd), 8 (3rd, 1 km), 9 (1/2, 500 m), 10 (1/4, 250 m) or 11 (1/8, 125 m){extra}"
        )
    south, west = _south_west_units(text)
    dlat, dlon = _STEP[level]
    return Mesh(
        code=text,
        level=level,
        south=south / UNITS_PER_DEGREE,
        west=west / UNITS_PER_DEGREE,
        north=(south + dlat) / UNITS_PER_DEGREE,
        east=(west + dlon) / UNITS_PER_DEGREE,
    )


def is_valid(code: object) -> bool:
    """Whether ``code`` is a mesh code of one of the supported levels inside Japan's grid."""
    try:
        parse(code)
    except MeshCodeError:
        return False
    return True


def mesh_polygon(code: object) -> Polygon:
    """The cell of ``code`` as a lon/lat polygon."""
    return parse(code).polygon


def mesh_bounds(code: object) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the cell of ``code``, degrees."""
    return parse(code).bounds


def _south_west_units(text: str) -> tuple[int, int]:
    """South-west corner of a well-formed code in 1/8″ units, checking every digit's range."""
    pq, rr = int(text[0:2]), int(text[2:4])
    if pq not in FIRST_ROWS or rr not in FIRST_COLS:
        raise MeshCodeError(
            f"mesh code {text!r}: first mesh {text[:4]} is not in Japan's grid "
            f"(its first two digits must be {FIRST_ROWS.start}–{FIRST_ROWS.stop - 1}, "
            f"the next two {FIRST_COLS.start}–{FIRST_COLS.stop - 1})"
        )
    lat = pq * _STEP["1"][0]
    lon = (rr + 100) * _STEP["1"][1]
    if len(text) >= 6:
        r, s = int(text[4]), int(text[5])
        if r > 7 or s > 7:
            raise MeshCodeError(
                f"mesh code {text!r}: digits 5–6 ({text[4:6]}) name a 2nd mesh, each 0–7"
            )
        lat += r * _STEP["2"][0]
        lon += s * _STEP["2"][1]
    if len(text) >= 8:
        lat += int(text[6]) * _STEP["3"][0]
        lon += int(text[7]) * _STEP["3"][1]
    for position, level in ((8, "1/2"), (9, "1/4"), (10, "1/8")):
        if len(text) <= position:
            break
        quadrant = int(text[position])
        if quadrant not in (1, 2, 3, 4):
            raise MeshCodeError(
                f"mesh code {text!r}: digit {position + 1} ({quadrant}) names a {level} mesh "
                "quadrant, which is 1 (south-west), 2 (south-east), 3 (north-west) or 4 "
                "(north-east)"
            )
        dlat, dlon = _STEP[level]
        lat += dlat * ((quadrant - 1) // 2)
        lon += dlon * ((quadrant - 1) % 2)
    return lat, lon


def _units(degrees: NDArray[np.float64]) -> NDArray[np.int64]:
    """Degrees → whole 1/8″ units (floor), with values a hair below a unit snapped onto it.

    A corner such as 35.6833… (= 1′ steps) is not exact in binary; without the snap a point
    given at a cell's south-west corner would land in the cell to its south or west.
    """
    scaled = np.asarray(degrees, dtype=np.float64) * UNITS_PER_DEGREE
    nearest = np.round(scaled)
    snapped = np.where(np.abs(scaled - nearest) < 1e-6, nearest, scaled)
    return np.floor(snapped).astype(np.int64)


def mesh_codes(lon: ArrayLike, lat: ArrayLike, level: int | str) -> NDArray[np.str_]:
    """The code of the cell holding each point (arrays of lon and lat in degrees), vectorised.

    Raises MeshCodeError when a point lies outside Japan's grid or is not finite.
    """
    name = level_name(level)
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon_a.shape != lat_a.shape:
        raise ValueError("lon and lat must have the same shape")
    if not (np.isfinite(lon_a).all() and np.isfinite(lat_a).all()):
        raise MeshCodeError("coordinates must be finite numbers")
    y = _units(lat_a)
    x = _units(lon_a) - 100 * UNITS_PER_DEGREE
    pq, y = np.divmod(y, _STEP["1"][0])
    rr, x = np.divmod(x, _STEP["1"][1])
    outside = ~np.isin(pq, np.arange(FIRST_ROWS.start, FIRST_ROWS.stop)) | ~np.isin(
        rr, np.arange(FIRST_COLS.start, FIRST_COLS.stop)
    )
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise MeshCodeError(
            f"point (lon {lon_a[i]}, lat {lat_a[i]}) is outside Japan's mesh grid"
        )
    parts = [np.char.zfill(pq.astype(str), 2), np.char.zfill(rr.astype(str), 2)]
    if DIGITS[name] >= 6:
        r, y = np.divmod(y, _STEP["2"][0])
        s, x = np.divmod(x, _STEP["2"][1])
        parts += [r.astype(str), s.astype(str)]
    if DIGITS[name] >= 8:
        t, y = np.divmod(y, _STEP["3"][0])
        u, x = np.divmod(x, _STEP["3"][1])
        parts += [t.astype(str), u.astype(str)]
    for level_ in ("1/2", "1/4", "1/8"):
        if DIGITS[name] < DIGITS[level_]:
            break
        north, y = np.divmod(y, _STEP[level_][0])
        east, x = np.divmod(x, _STEP[level_][1])
        parts.append((1 + east + 2 * north).astype(str))
    out = parts[0]
    for part in parts[1:]:
        out = np.char.add(out, part)
    return out.astype(str)


def mesh_code(lon: float, lat: float, level: int | str) -> str:
    """The code of the cell at ``level`` that holds the point (lon, lat in degrees)."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise MeshCodeError(f"coordinates must be finite numbers, got ({lon!r}, {lat!r})")
    return str(mesh_codes([lon], [lat], level)[0])


def parent(code: object, level: int | str) -> str:
    """The code of the coarser cell at ``level`` that holds this one."""
    mesh = parse(code)
    digits = DIGITS[level_name(level)]
    if digits > len(mesh.code):
        raise MeshCodeError(f"level {level} is finer than mesh {mesh.code} ({mesh.level})")
    return mesh.code[:digits]
