"""Build geo/japan/data/municipalities.json.gz from the N03 administrative-area GeoJSON.

Why a build step: the service must not need /work/shared (or any large GIS file) at run time,
so this script distils the N03 source into a small, reproducible package resource:
one record per JIS code (islands merged), the designated cities (政令指定都市) synthesised from
their wards, each with its plane-rectangular zone. Same input gives byte-identical output
(sorted keys, fixed gzip header), so the committed file only changes when the data does.

Credit: 「国土数値情報（行政区域データ）」国土交通省.

Format (JSON, gzip): {"format": 1, "scale": 100000, "cities": [{"code", "name", "prefecture",
"parent", "epsg", "geom"}, ...]}. ``geom`` is a list of polygons, each a list of rings, each a flat
list of integers: coordinates times ``scale`` (1e-5° ≈ 1 m), the first pair absolute and the rest
as deltas from the previous vertex, the closing vertex left out.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.japan.crs import plane_epsg  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "japan" / "municipalities_n03_simplified.geojson"
DEFAULT_OUTPUT = ROOT / "geo" / "japan" / "data" / "municipalities.json.gz"
CREDIT = "「国土数値情報（行政区域データ）」国土交通省"
SCALE = 100_000  # 1e-5 degree grid, about 1 m: finer than the simplified source outlines
GRID = 1.0 / SCALE
FORMAT = 1

#: 政令指定都市: code → name. N03 lists only their wards, with N03_003 = the city name.
DESIGNATED_CITIES: dict[str, str] = {
    "01100": "札幌市", "04100": "仙台市", "11100": "さいたま市", "12100": "千葉市",
    "14100": "横浜市", "14130": "川崎市", "14150": "相模原市", "15100": "新潟市",
    "22100": "静岡市", "22130": "浜松市", "23100": "名古屋市", "26100": "京都市",
    "27100": "大阪市", "27140": "堺市", "28100": "神戸市", "33100": "岡山市",
    "34100": "広島市", "40100": "北九州市", "40130": "福岡市", "43100": "熊本市",
}


class BuildError(Exception):
    """The source does not look like the N03 data this script expects."""


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Keep only the areal parts, as one MultiPolygon (unions and snapping can yield
    collections with stray lines or points)."""
    flat = shapely.get_parts(shapely.get_parts(geom))  # twice: collections may hold multis
    polys = [g for g in flat if isinstance(g, Polygon) and not g.is_empty]
    if not polys:
        raise BuildError("an outline has no area left after merging/snapping")
    return MultiPolygon(polys)


def _snap(geom: shapely.Geometry) -> MultiPolygon:
    """Snap to the storage grid while keeping the outline valid, then orient rings CCW."""
    snapped = shapely.set_precision(shapely.make_valid(geom), GRID)
    return _as_multipolygon(shapely.orient_polygons(snapped))


def _representative(geom: MultiPolygon) -> tuple[float, float]:
    """A point inside the largest part: where most of the municipality is (an outlying
    island must not decide the zone)."""
    largest = max(geom.geoms, key=lambda p: p.area)
    pt = largest.representative_point()
    return float(pt.x), float(pt.y)


def _record(
    code: str, name: str, pref: str, parent: str | None, geom: MultiPolygon,
    municipality: str, subprefecture: str | None,
) -> dict[str, Any]:
    """A municipality's record; its plane zone is looked up at its representative point."""
    lon, lat = _representative(geom)
    epsg = plane_epsg(pref, lon, lat, municipality=municipality, subprefecture=subprefecture)
    return {"code": code, "name": name, "prefecture": pref, "parent": parent, "epsg": epsg}


def _encode_ring(coords: Any) -> list[int]:
    flat: list[int] = []
    px = py = 0
    for x, y in list(coords)[:-1]:
        ix, iy = round(x * SCALE), round(y * SCALE)
        flat += [ix - px, iy - py]
        px, py = ix, iy
    return flat


def _encode(geom: MultiPolygon) -> list[list[list[int]]]:
    return [
        [_encode_ring(p.exterior.coords), *(_encode_ring(r.coords) for r in p.interiors)]
        for p in geom.geoms
    ]


def _read(source: Path) -> list[dict[str, Any]]:
    data = json.loads(source.read_text(encoding="utf-8"))
    if data.get("type") != "FeatureCollection":
        raise BuildError(f"{source}: not a GeoJSON FeatureCollection")
    features: list[dict[str, Any]] = data["features"]
    return features


def build(source: Path) -> bytes:
    """The gzip bytes of the data file for ``source``."""
    features = _read(source)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    skipped = 0
    for feat in features:
        props = feat.get("properties") or {}
        code = props.get("N03_007")
        if not code:  # 所属未定地 (land not yet assigned to a municipality) has no code
            skipped += 1
            continue
        if not (isinstance(code, str) and len(code) == 5 and code.isdigit()):
            raise BuildError(f"feature with malformed N03_007 {code!r}: {props}")
        if not feat.get("geometry"):
            raise BuildError(f"feature {code} has no geometry")
        groups[code].append(feat)

    records: dict[str, dict[str, Any]] = {}
    wards_of: dict[str, list[str]] = defaultdict(list)
    outlines: dict[str, MultiPolygon] = {}
    city_by_name = {(c[:2], n): c for c, n in DESIGNATED_CITIES.items()}

    for code, feats in sorted(groups.items()):
        keys = {
            (f["properties"]["N03_001"], f["properties"].get("N03_002"),
             f["properties"].get("N03_003"), f["properties"]["N03_004"])
            for f in feats
        }
        if len(keys) != 1:
            raise BuildError(f"code {code} has features with different names: {sorted(keys)}")
        pref, subpref, county, muni = keys.pop()
        if code in DESIGNATED_CITIES:
            raise BuildError(f"{code} is listed as a designated city but N03 has it as {muni}")
        geom = _snap(shapely.union_all([shape(f["geometry"]) for f in feats]))
        parent = city_by_name.get((code[:2], county)) if county else None
        if parent is None and county and county.endswith("市") and muni.endswith("区"):
            raise BuildError(
                f"{code} {county}{muni} looks like a ward of a designated city that is not in "
                "DESIGNATED_CITIES; add the city (its code and name) to the table"
            )
        name = f"{county}{muni}" if parent else muni
        records[code] = _record(code, name, pref, parent, geom, muni, subpref)
        outlines[code] = geom
        if parent:
            wards_of[parent].append(code)

    for code, name in sorted(DESIGNATED_CITIES.items()):
        ward_codes = wards_of.get(code)
        if not ward_codes:
            raise BuildError(
                f"designated city {code} {name}: no N03 feature has N03_003 == {name!r}; "
                "the source or the DESIGNATED_CITIES table is wrong"
            )
        prefs = {records[w]["prefecture"] for w in ward_codes}
        subprefs = {
            f["properties"].get("N03_002") for w in ward_codes for f in groups[w]
        }
        if len(prefs) != 1 or len(subprefs) != 1:
            raise BuildError(f"designated city {code} {name}: wards in several prefectures")
        pref = prefs.pop()
        geom = _snap(shapely.union_all([outlines[w] for w in ward_codes]))
        records[code] = _record(code, name, pref, None, geom, name, subprefs.pop())
        outlines[code] = geom

    cities = []
    for code in sorted(records):
        rec = dict(records[code])
        rec["geom"] = _encode(outlines[code])
        cities.append(rec)
    doc = {
        "format": FORMAT,
        "scale": SCALE,
        "credit": CREDIT,
        "source": source.name,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "skipped_without_code": skipped,
        "cities": cities,
    }
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw.encode("utf-8"))
    return buf.getvalue()


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
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="N03 GeoJSON")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="data file to write")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"source not found: {args.source}", file=sys.stderr)
        return 2
    try:
        data = build(args.source)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    _write_atomic(args.output, data)
    count = len(json.loads(gzip.decompress(data))["cities"])
    print(f"wrote {args.output} ({len(data):,} bytes, {count} municipalities)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
