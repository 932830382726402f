"""Every municipality of Japan by JIS code: names, outlines, plane-rectangular zone.

Read from the bundled ``geo/japan/data/municipalities.json.gz`` (built by
scripts/build_municipalities.py from 「国土数値情報（行政区域データ）」国土交通省), once and lazily,
so importing this module costs nothing and no GIS file is needed at run time.

Designated cities (政令指定都市) are held both as the city (e.g. 15100 新潟市, outline = union of
its wards) and as its wards (15101 新潟市北区 …, parent_code '15100'). Tokyo's special wards
(13101 千代田区 …) are municipalities in their own right and have no parent.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import unicodedata
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.errors import UnknownCity
from geo.japan.crs import project_geometry, to_plane
from geo.model import City
from geo.text import fold

DATA_FILE = "data/municipalities.json.gz"
CREDIT = "「国土数値情報（行政区域データ）」国土交通省"

#: English names for the cities Tsudoi demos; N03 has none.
NAMES_EN: dict[str, str] = {
    "15100": "Niigata",
    "15101": "Kita Ward, Niigata",
    "15102": "Higashi Ward, Niigata",
    "15103": "Chuo Ward, Niigata",
    "15104": "Konan Ward, Niigata",
    "15105": "Akiha Ward, Niigata",
    "15106": "Minami Ward, Niigata",
    "15107": "Nishi Ward, Niigata",
    "15108": "Nishikan Ward, Niigata",
    "10202": "Takasaki",
    "35215": "Shunan",
    "35202": "Ube",
    "02201": "Aomori",
}

_CHECK_WEIGHTS = (6, 5, 4, 3, 2)


@dataclass(frozen=True)
class _Index:
    cities: dict[str, City]  # by code, in code order
    geoms: dict[str, list[list[list[int]]]]  # encoded outlines, decoded on demand
    scale: int
    wards: dict[str, list[str]]
    by_name: dict[str, list[str]]  # folded name → codes


def check_digit(code5: str) -> int:
    """JIS X 0402 check digit of a 5-digit code: (11 - Σ digit×(6,5,4,3,2) mod 11) mod 10."""
    total = sum(int(d) * w for d, w in zip(code5, _CHECK_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def _name_keys(city: City) -> set[str]:
    keys = {city.name, city.prefecture + city.name}
    if city.name_en:
        keys.add(city.name_en)
    return {fold(k) for k in keys}


@functools.cache
def _index() -> _Index:
    """Load the data file once; a missing or corrupt file is a packaging bug, so let it raise."""
    raw = resources.files("geo.japan").joinpath(DATA_FILE).read_bytes()
    doc: dict[str, Any] = json.loads(gzip.decompress(raw))
    if doc.get("format") != 1:
        raise RuntimeError(f"geo/japan/{DATA_FILE}: unsupported format {doc.get('format')!r}")
    cities: dict[str, City] = {}
    geoms: dict[str, list[list[list[int]]]] = {}
    wards: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for rec in doc["cities"]:
        code = rec["code"]
        city = City(
            code=code,
            name=rec["name"],
            prefecture=rec["prefecture"],
            crs_epsg=int(rec["epsg"]),
            name_en=NAMES_EN.get(code),
            parent_code=rec["parent"],
        )
        cities[code] = city
        geoms[code] = rec["geom"]
        if city.parent_code:
            wards.setdefault(city.parent_code, []).append(code)
    for code, city in cities.items():
        keys = _name_keys(city)
        if city.parent_code:  # a ward is also found by its own name: '北区', '新潟県北区' …
            short = city.name.removeprefix(cities[city.parent_code].name)
            keys |= {fold(short), fold(city.prefecture + short)}
        for key in keys:
            by_name.setdefault(key, []).append(code)
    return _Index(cities, geoms, int(doc["scale"]), wards, by_name)


def _ring(flat: list[int], scale: int) -> Any:
    return np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) / scale


def _normalise_code(code: str) -> str:
    """The 5-digit code for ``code`` in any accepted form, else UnknownCity saying why."""
    text = unicodedata.normalize("NFKC", str(code)).strip()
    idx = _index()
    if not text:
        raise UnknownCity(text, "empty municipal code: give a JIS code such as 15100")
    if not text.isascii() or not text.isdigit():
        matches = find_by_name(text)
        if matches:
            listed = ", ".join(f"{c.code} ({c.prefecture}{c.name})" for c in matches[:10])
            raise UnknownCity(
                text, f"{text!r} is a name, not a municipal code; matching code(s): {listed}"
            )
        raise UnknownCity(
            text, f"{text!r} is not a municipal code: give the 5-digit JIS code such as 15100"
        )
    if len(text) == 6:
        expected = check_digit(text[:5])
        if int(text[5]) != expected:
            raise UnknownCity(
                text,
                f"{text!r}: wrong check digit {text[5]} (for {text[:5]} it is {expected}); "
                "give the 5-digit code or the 6-digit code with its correct check digit",
            )
        text = text[:5]
    elif len(text) != 5:
        hint = ""
        if len(text) == 4 and ("0" + text) in idx.cities:
            c = idx.cities["0" + text]
            hint = f"; did you mean 0{text} ({c.name})? codes keep their leading zero"
        raise UnknownCity(
            text, f"{text!r}: a municipal code has 5 digits (or 6 with the check digit){hint}"
        )
    if text not in idx.cities:
        raise UnknownCity(text, f"no municipality has the JIS code {text!r}")
    return text


def get_city(code: str) -> City:
    """The municipality with this JIS code: '15100', or '151009' with its check digit."""
    return replace(_index().cities[_normalise_code(code)])


def find_by_name(name: str) -> list[City]:
    """Municipalities called ``name`` (exact after folding width/kana/spaces), by code.

    Accepts '新潟市', '新潟県新潟市', '新潟市北区', or a ward alone ('北区' gives every 北区),
    and the few English names held ('Niigata'). Names repeat across prefectures (府中市), so this
    returns a list.
    """
    idx = _index()
    codes = idx.by_name.get(fold(name), [])
    return [replace(idx.cities[c]) for c in sorted(codes)]


def all_cities() -> list[City]:
    """Every municipality, designated cities and their wards included, sorted by code."""
    return [replace(c) for c in _index().cities.values()]


@functools.lru_cache(maxsize=512)
def _outline(code: str) -> MultiPolygon:
    idx = _index()
    polys = [
        Polygon(_ring(rings[0], idx.scale), [_ring(r, idx.scale) for r in rings[1:]])
        for rings in idx.geoms[code]
    ]
    return MultiPolygon(polys)


def outline(code: str) -> MultiPolygon:
    """The municipality's outline in WGS84 (lon, lat); islands included."""
    return _outline(_normalise_code(code))


@functools.lru_cache(maxsize=128)
def _plane_outline(code: str) -> MultiPolygon:
    geom = project_geometry(_outline(code), _index().cities[code].crs_epsg)
    shapely.prepare(geom)  # repeated point tests against the same city are the common case
    return geom


def distance_outside_m(code: str, lon: float, lat: float) -> float:
    """0.0 when (lon, lat) is inside or on the outline, else metres to it.

    Measured in the city's plane-rectangular zone, never in degrees; for points far from the
    zone (another island chain) the projection's scale error grows, but such points are
    clearly outside anyway.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"coordinates must be finite numbers, got ({lon!r}, {lat!r})")
    key = _normalise_code(code)
    geom = _plane_outline(key)
    x, y = to_plane(_index().cities[key].crs_epsg)(lon, lat)
    if shapely.intersects_xy(geom, x, y):
        return 0.0
    return float(shapely.distance(geom, shapely.Point(x, y)))


def wards(code: str) -> list[City]:
    """A designated city's wards, by code; [] for any other municipality (wards included)."""
    idx = _index()
    return [replace(idx.cities[c]) for c in sorted(idx.wards.get(_normalise_code(code), []))]
