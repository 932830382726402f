"""Build geo/japan/data/ (municipality index and outlines) from the N03 municipal outlines.

Why a build step: the service must not need /work/shared (or any large GIS file) at run time,
so this script distils the N03 source into a compact, reproducible package resource: one record
per JIS code with its names, parent city and plane-rectangular zone, and its outline with every
island and exclave, coordinate for coordinate (a point on 女木島 must count as 高松市). The
designated cities (政令指定都市) are synthesised as the union of their wards. Same input gives
byte-identical output (sorted keys, fixed gzip header), so the committed files only change when
the data does.

Source: municipal_outlines_n03.geojson.gz, one MultiPolygon feature per JIS code (``code``,
``name`` = prefecture + 支庁/郡/designated city + municipality, and ``source`` for the few
island-heavy municipalities taken from a coarser simplification).
Credit: 「国土数値情報（行政区域データ）」国土交通省.

Outputs, in geo/japan/data/:
  municipalities.json.gz  {"format": 2, "scale": 100000, "cities": [{"code", "name",
                          "prefecture", "parent", "epsg", "polygons", "offset", "size",
                          "simplification"?}, ...], credit and source checksums}
  municipal_outlines.bin  one zlib blob per municipality at [offset, offset + size), in the
                          layout geo.japan.municipalities.decode_outline reads.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import struct
import sys
import tempfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.japan.crs import PREFECTURES, plane_epsg  # noqa: E402
from geo.japan.municipalities import decode_outline  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "japan" / "municipal_outlines_n03.geojson.gz"
DATA_DIR = ROOT / "geo" / "japan" / "data"
INDEX_NAME = "municipalities.json.gz"
OUTLINES_NAME = "municipal_outlines.bin"
CREDIT = "「国土数値情報（行政区域データ）」国土交通省"
SCALE = 100_000  # 1e-5 degree grid: the source's own grid for 99 % of its coordinates
FORMAT = 2

#: 政令指定都市: code → name. N03 lists only their wards, named e.g. 新潟県新潟市北区.
DESIGNATED_CITIES: dict[str, str] = {
    "01100": "札幌市", "04100": "仙台市", "11100": "さいたま市", "12100": "千葉市",
    "14100": "横浜市", "14130": "川崎市", "14150": "相模原市", "15100": "新潟市",
    "22100": "静岡市", "22130": "浜松市", "23100": "名古屋市", "26100": "京都市",
    "27100": "大阪市", "27140": "堺市", "28100": "神戸市", "33100": "岡山市",
    "34100": "広島市", "40100": "北九州市", "40130": "福岡市", "43100": "熊本市",
}

#: 北海道's 振興局, which its zone rule needs and the source's names leave out: the JIS block of
#: its towns and villages (inclusive), and its cities (a ward goes with its city).
HOKKAIDO_SUBPREFECTURES: dict[str, tuple[tuple[str, str], tuple[str, ...]]] = {
    "石狩振興局": (("01303", "01304"), ("01100", "01217", "01224", "01231", "01234", "01235")),
    "渡島総合振興局": (("01331", "01347"), ("01202", "01236")),
    "檜山振興局": (("01361", "01371"), ()),
    "後志総合振興局": (("01391", "01409"), ("01203",)),
    "空知総合振興局": (
        ("01423", "01438"),
        ("01209", "01210", "01215", "01216", "01218", "01222", "01225", "01226", "01227", "01228"),
    ),
    "上川総合振興局": (("01452", "01472"), ("01204", "01220", "01221", "01229")),
    "留萌振興局": (("01481", "01487"), ("01212",)),
    "宗谷総合振興局": (("01511", "01520"), ("01214",)),
    "オホーツク総合振興局": (("01543", "01564"), ("01208", "01211", "01219")),
    "胆振総合振興局": (("01571", "01586"), ("01205", "01213", "01230", "01233")),
    "日高振興局": (("01601", "01610"), ()),
    "十勝総合振興局": (("01631", "01649"), ("01207",)),
    "釧路総合振興局": (("01661", "01668"), ("01206",)),
    "根室振興局": (("01691", "01700"), ("01223",)),
}

# 支庁 (東京都's islands) or 郡, then a town or village; a city (郡山市, 蒲郡市) never matches.
_COUNTY = re.compile(r"(.+?(?:郡|支庁))(.+[町村])")


class BuildError(Exception):
    """The source does not look like the N03 data this script expects."""


@dataclass(frozen=True)
class Names:
    """What a source ``name`` holds: 北海道 + 石狩郡 + 当別町, 新潟県 + 新潟市 + 北区 …"""

    prefecture: str
    county: str | None  # 郡, 支庁, or the designated city of a ward
    municipality: str
    parent: str | None  # a ward's designated city code


def split_name(code: str, full: str) -> Names:
    """The parts of a source name; refuses one it cannot read rather than guess."""
    pref = next((p for p in sorted(PREFECTURES, key=len, reverse=True) if full.startswith(p)), None)
    if pref is None:
        raise BuildError(f"{code} {full!r}: the name does not start with a prefecture")
    rest = full.removeprefix(pref)
    for city_code, city in DESIGNATED_CITIES.items():
        if city_code[:2] == code[:2] and re.fullmatch(re.escape(city) + ".+区", rest):
            return Names(pref, city, rest.removeprefix(city), city_code)
    if rest.endswith("区") and pref != "東京都":  # only Tokyo's special wards stand alone
        raise BuildError(
            f"{code} {full} looks like a ward of a designated city that is not in "
            "DESIGNATED_CITIES; add the city (its code and name) to the table"
        )
    county = _COUNTY.fullmatch(rest)
    if county:
        return Names(pref, county.group(1), county.group(2), None)
    if not rest.endswith(("市", "区", "町", "村")):
        raise BuildError(f"{code} {full!r}: cannot tell the municipality from the name")
    return Names(pref, None, rest, None)


def hokkaido_subprefecture(code: str) -> str:
    """The 振興局 of a municipality of 北海道, by its JIS code."""
    city = "01100" if code[:3] == "011" else code  # 札幌市's wards
    for name, ((first, last), cities) in HOKKAIDO_SUBPREFECTURES.items():
        if first <= city <= last or city in cities:
            return name
    raise BuildError(f"{code}: not in HOKKAIDO_SUBPREFECTURES; add it to its 振興局")


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Only the areal parts, as one MultiPolygon (a union may yield a Polygon or stray lines)."""
    flat = shapely.get_parts(shapely.get_parts(geom))  # twice: collections may hold multis
    polys = [g for g in flat if isinstance(g, Polygon) and not g.is_empty]
    if not polys:
        raise BuildError("an outline has no area")
    return MultiPolygon(polys)


def _representative(geom: MultiPolygon) -> tuple[float, float]:
    """A point inside the largest part: where most of the municipality is (an outlying
    island must not decide the zone)."""
    largest = max(geom.geoms, key=lambda p: p.area)
    pt = largest.representative_point()
    return float(pt.x), float(pt.y)


def encode_outline(geom: MultiPolygon) -> bytes:
    """The blob decode_outline reads back bit for bit (its docstring has the layout)."""
    _, coords, (ring_offsets, poly_offsets, _) = shapely.to_ragged_array([geom])
    ends = ring_offsets[1:] - 1
    if not np.array_equal(coords[ends], coords[ring_offsets[:-1]]):
        raise BuildError("a ring is not closed")
    open_coords = np.delete(coords, ends, axis=0)  # the closing vertex repeats the first
    grid = np.round(open_coords * SCALE)
    flat = open_coords.ravel()
    exact = np.flatnonzero((grid / SCALE).ravel() != flat)
    steps = np.diff(grid.astype(np.int64).T, axis=1, prepend=0).astype("<i4")
    planes = np.ascontiguousarray(steps).view(np.uint8).reshape(-1, 4).T
    parts = [
        struct.pack(
            "<4I", len(poly_offsets) - 1, len(ring_offsets) - 1, len(open_coords), len(exact)
        ),
        np.diff(poly_offsets).astype("<u4").tobytes(),
        (np.diff(ring_offsets) - 1).astype("<u4").tobytes(),
        planes.tobytes(),
        exact.astype("<u4").tobytes(),
        flat[exact].astype("<f8").tobytes(),
    ]
    return zlib.compress(b"".join(parts), 9)


def _read(source: Path) -> list[dict[str, Any]]:
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("type") != "FeatureCollection":
        raise BuildError(f"{source}: not a GeoJSON FeatureCollection")
    features: list[dict[str, Any]] = data["features"]
    return features


def _outlines(features: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], MultiPolygon]]:
    """Each feature's properties and exact outline by code; the source must be clean already,
    since repairing it would change the coordinates this build promises to keep."""
    out: dict[str, tuple[dict[str, Any], MultiPolygon]] = {}
    for feat in features:
        props = feat.get("properties") or {}
        code = props.get("code")
        if not (isinstance(code, str) and len(code) == 5 and code.isdigit()):
            raise BuildError(f"feature with malformed code {code!r}: {props}")
        if code in out:
            raise BuildError(f"code {code} appears in two features")
        if not feat.get("geometry"):
            raise BuildError(f"feature {code} has no geometry")
        geom = shape(feat["geometry"])
        if not isinstance(geom, (Polygon, MultiPolygon)) or not geom.is_valid or geom.is_empty:
            raise BuildError(f"feature {code}: not a valid polygonal outline")
        out[code] = (props, _as_multipolygon(geom))
    return out


def close_ward_gaps(union: MultiPolygon, others: list[MultiPolygon]) -> tuple[MultiPolygon, int]:
    """The union of a city's wards without the slivers between them, and how many were closed.

    The source simplifies each ward on its own, so neighbouring wards leave thin gaps (a few
    metres wide) that show up as holes in their union, and a point in one would be outside the
    city. A hole that no other municipality mostly covers is such a gap and belongs to the
    city; one that another municipality holds (an enclave) stays a hole.
    """
    tree = shapely.STRtree(others)
    polys: list[Polygon] = []
    closed = 0
    for poly in union.geoms:
        keep = []
        for ring in poly.interiors:
            hole = Polygon(ring)
            near = [others[i] for i in tree.query(hole, predicate="intersects")]
            held = shapely.union_all(near).intersection(hole).area if near else 0.0
            if held > 0.5 * hole.area:
                keep.append(ring)
            else:
                closed += 1
        polys.append(Polygon(poly.exterior, keep))
    return _as_multipolygon(shapely.union_all(polys)), closed


def _record(code: str, names: Names, subpref: str | None, geom: MultiPolygon) -> dict[str, Any]:
    lon, lat = _representative(geom)
    epsg = plane_epsg(
        names.prefecture, lon, lat, municipality=names.municipality, subprefecture=subpref
    )
    name = f"{names.county}{names.municipality}" if names.parent else names.municipality
    return {
        "code": code,
        "name": name,
        "prefecture": names.prefecture,
        "parent": names.parent,
        "epsg": epsg,
    }


def _municipalities(
    sources: dict[str, tuple[dict[str, Any], MultiPolygon]],
) -> tuple[dict[str, dict[str, Any]], dict[str, MultiPolygon]]:
    """Records and outlines of every municipality in the source, wards included."""
    records: dict[str, dict[str, Any]] = {}
    outlines: dict[str, MultiPolygon] = {}
    for code, (props, geom) in sorted(sources.items()):
        if code in DESIGNATED_CITIES:
            raise BuildError(f"{code} is listed as a designated city but N03 has it as a feature")
        names = split_name(code, str(props.get("name") or ""))
        subpref = hokkaido_subprefecture(code) if names.prefecture == "北海道" else None
        records[code] = _record(code, names, subpref, geom)
        if props.get("source"):
            records[code]["simplification"] = str(props["source"])
        outlines[code] = geom
    return records, outlines


def _add_designated_cities(
    records: dict[str, dict[str, Any]], outlines: dict[str, MultiPolygon]
) -> dict[str, int]:
    """Each designated city as the union of its wards; returns the gaps closed per city."""
    closed: dict[str, int] = {}
    wards_of: dict[str, list[str]] = defaultdict(list)
    for code, rec in records.items():
        if rec["parent"]:
            wards_of[rec["parent"]].append(code)
    for code, name in sorted(DESIGNATED_CITIES.items()):
        ward_codes = wards_of.get(code)
        if not ward_codes:
            raise BuildError(
                f"designated city {code} {name}: no ward in the source is named {name}…区; "
                "the source or the DESIGNATED_CITIES table is wrong"
            )
        pref = records[ward_codes[0]]["prefecture"]
        others = [g for c, g in outlines.items() if c not in ward_codes and c[:2] == code[:2]]
        union = _as_multipolygon(shapely.union_all([outlines[w] for w in ward_codes]))
        geom, closed[code] = close_ward_gaps(union, others)
        if not geom.is_valid:
            raise BuildError(f"designated city {code} {name}: the union of its wards is invalid")
        names = Names(pref, None, name, None)
        subpref = hokkaido_subprefecture(code) if pref == "北海道" else None
        records[code] = _record(code, names, subpref, geom)
        outlines[code] = geom
    return closed


def _gzip_json(doc: dict[str, Any]) -> bytes:
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw.encode("utf-8"))
    return buf.getvalue()


def build(source: Path) -> tuple[bytes, bytes, dict[str, Any]]:
    """(index file, outlines file, summary) for ``source``; every outline is read back and
    compared with the source before anything is returned."""
    sources = _outlines(_read(source))
    records, outlines = _municipalities(sources)
    closed = _add_designated_cities(records, outlines)
    blobs = io.BytesIO()
    cities = []
    for code in sorted(records):
        geom = outlines[code]
        blob = encode_outline(geom)
        back = decode_outline(blob, SCALE)
        if not shapely.equals_exact(back, geom, tolerance=0.0):
            raise BuildError(f"{code}: the encoded outline does not read back exactly")
        rec = dict(records[code], polygons=len(geom.geoms), offset=blobs.tell(), size=len(blob))
        blobs.write(blob)
        cities.append(rec)
    outlines_bytes = blobs.getvalue()
    doc = {
        "format": FORMAT,
        "scale": SCALE,
        "credit": CREDIT,
        "source": source.name,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "outlines_file": OUTLINES_NAME,
        "outlines_sha256": hashlib.sha256(outlines_bytes).hexdigest(),
        "ward_gaps_closed": {c: n for c, n in closed.items() if n},
        "cities": cities,
    }
    summary = {
        "municipalities": len(cities),
        "polygons": sum(len(g.geoms) for c, g in outlines.items() if c not in DESIGNATED_CITIES),
        "ward_gaps_closed": sum(closed.values()),
    }
    return _gzip_json(doc), outlines_bytes, summary


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file so a failed build never leaves a truncated data file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="N03 GeoJSON(.gz)")
    parser.add_argument("--output-dir", type=Path, default=DATA_DIR, help="where to write")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"source not found: {args.source}", file=sys.stderr)
        return 2
    try:
        index, outlines, summary = build(args.source)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    # outlines first: the index names the outlines' checksum, so it is the commit point
    _write_atomic(args.output_dir / OUTLINES_NAME, outlines)
    _write_atomic(args.output_dir / INDEX_NAME, index)
    print(
        f"wrote {args.output_dir}: {INDEX_NAME} {len(index):,} bytes, {OUTLINES_NAME} "
        f"{len(outlines):,} bytes; {summary['municipalities']} municipalities, "
        f"{summary['polygons']:,} polygons, {summary['ward_gaps_closed']} ward gaps closed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
