"""Every municipality of Japan by JIS code: names, outlines, plane-rectangular zone.

Read from the bundled ``geo/japan/data/`` files (built by scripts/build_municipalities.py from
「国土数値情報（行政区域データ）」国土交通省), lazily, so importing this module costs nothing and no
GIS file is needed at run time: the small index (names, zones, where each outline lies) on first
use, and one municipality's outline only when it is asked for. Outlines keep every island and
exclave of the source, coordinate for coordinate.

Designated cities (政令指定都市) are held both as the city (e.g. 15100 新潟市, outline = union of
its wards) and as its wards (15101 新潟市北区 …, parent_code '15100'). Tokyo's special wards
(13101 千代田区 …) are municipalities in their own right and have no parent.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import struct
import unicodedata
import zlib
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from geo.errors import UnknownCity
from geo.japan.crs import project_geometry, to_plane
from geo.model import City
from geo.text import fold

DATA_FILE = "data/municipalities.json.gz"
OUTLINES_FILE = "data/municipal_outlines.bin"
FORMAT = 2
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
    spans: dict[str, tuple[int, int]]  # (offset, size) of each outline's blob in OUTLINES_FILE
    scale: int
    wards: dict[str, list[str]]


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
    if doc.get("format") != FORMAT:
        raise RuntimeError(f"geo/japan/{DATA_FILE}: unsupported format {doc.get('format')!r}")
    cities: dict[str, City] = {}
    spans: dict[str, tuple[int, int]] = {}
    wards: dict[str, list[str]] = {}
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
        spans[code] = (int(rec["offset"]), int(rec["size"]))
        if city.parent_code:
            wards.setdefault(city.parent_code, []).append(code)
    return _Index(cities, spans, int(doc["scale"]), wards)


@functools.cache
def _by_name() -> dict[str, list[str]]:
    """Folded name → codes; built only when a name is looked up (folding 1,900 names is most
    of what loading the index would otherwise cost)."""
    cities = _index().cities
    by_name: dict[str, list[str]] = {}
    for code, city in cities.items():
        keys = _name_keys(city)
        if city.parent_code:  # a ward is also found by its own name: '北区', '新潟県北区' …
            short = city.name.removeprefix(cities[city.parent_code].name)
            keys |= {fold(short), fold(city.prefecture + short)}
        for key in keys:
            by_name.setdefault(key, []).append(code)
    return by_name


def decode_outline(blob: bytes, scale: int) -> MultiPolygon:
    """One municipality's outline from its blob in OUTLINES_FILE, exactly as the source had it.

    The blob is zlib-compressed, little-endian: four uint32 counts (polygons, rings, vertices,
    off-grid values); rings per polygon (uint32); vertices per ring without the closing one
    (uint32); the vertices as int32 steps on a 1/``scale`` degree grid from the previous vertex
    (first from 0), all x steps then all y steps, byte-planed (every value's first byte, then
    every second byte …) so that zlib finds the repeats; then the positions (uint32, in the
    x0 y0 x1 y1 … sequence) and exact float64 values of the coordinates the grid cannot hold.
    Grid values divided by ``scale`` give back the source's doubles bit for bit.
    """
    raw = zlib.decompress(blob)
    n_polys, n_rings, n_verts, n_exact = struct.unpack_from("<4I", raw)
    pos = 16
    rings_per_poly = np.frombuffer(raw, "<u4", n_polys, pos).astype(np.int64)
    pos += 4 * n_polys
    ring_sizes = np.frombuffer(raw, "<u4", n_rings, pos).astype(np.int64)
    pos += 4 * n_rings
    planes = np.frombuffer(raw, np.uint8, 8 * n_verts, pos).reshape(4, 2 * n_verts)
    pos += 8 * n_verts
    steps = np.ascontiguousarray(planes.T).view("<i4").reshape(2, n_verts)
    flat = (np.cumsum(steps, axis=1, dtype=np.int64) / scale).T.ravel()
    where = np.frombuffer(raw, "<u4", n_exact, pos)
    flat[where] = np.frombuffer(raw, "<f8", n_exact, pos + 4 * n_exact)
    coords = flat.reshape(n_verts, 2)
    starts = np.concatenate(([0], np.cumsum(ring_sizes)[:-1]))
    closed = np.insert(coords, starts + ring_sizes, coords[starts], axis=0)
    offsets = (
        np.concatenate(([0], np.cumsum(ring_sizes + 1))),
        np.concatenate(([0], np.cumsum(rings_per_poly))),
        np.array([0, n_polys]),
    )
    geom = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, closed, offsets)[0]
    if not isinstance(geom, MultiPolygon):  # pragma: no cover - from_ragged_array's contract
        raise RuntimeError("decoded outline is not a MultiPolygon")
    return geom


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
    codes = _by_name().get(fold(name), [])
    return [replace(_index().cities[c]) for c in sorted(codes)]


def all_cities() -> list[City]:
    """Every municipality, designated cities and their wards included, sorted by code."""
    return [replace(c) for c in _index().cities.values()]


@functools.lru_cache(maxsize=256)
def _outline(code: str) -> MultiPolygon:
    """Read and decode one outline: a seek into the bundled file, never the whole of Japan."""
    idx = _index()
    offset, size = idx.spans[code]
    with resources.files("geo.japan").joinpath(OUTLINES_FILE).open("rb") as fh:
        fh.seek(offset)
        blob = fh.read(size)
    return decode_outline(blob, idx.scale)


def outline(code: str) -> MultiPolygon:
    """The municipality's outline in WGS84 (lon, lat), every island and exclave included."""
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
