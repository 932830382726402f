"""What both demo builders share: the plane, GeoJSON output, stand-in areas, contacts and halls.

Why one module: the packs must come out byte-identical, so the rounding, the feature layout and
the stand-in conventions (names ending in （デモ）, phone numbers that are never assigned) are
written once, and a second demo city reuses them instead of copying them.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEMO_DATA = REPO / "service" / "demo_data"

DECIMALS = 7
GRID = 10.0**-DECIMALS
HOURS = "月〜金 8:30〜17:15"

# ---------------------------------------------------------------------------------------------
# geometry


def _transform(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


class Plane:
    """A city's JGD2011 plane-rectangular zone: metric work happens there, WGS84 is written."""

    def __init__(self, epsg: int) -> None:
        self.epsg = epsg
        self.wgs_xy = Transformer.from_crs(epsg, 4326, always_xy=True)
        self.plane_xy = Transformer.from_crs(4326, epsg, always_xy=True)

    def to_plane(self, geom: BaseGeometry) -> BaseGeometry:
        return _transform(geom, self.plane_xy)

    def to_wgs(self, geom: BaseGeometry) -> BaseGeometry:
        """Plane -> WGS84, snapped to the 1e-7 degree grid (validity kept), RFC 7946 rings."""
        g = _transform(geom, self.wgs_xy)
        g = shapely.set_precision(g, GRID)
        return shapely.orient_polygons(g, exterior_cw=False)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polys: list[Polygon] = []
    for p in parts:
        polys.extend(p.geoms if isinstance(p, MultiPolygon) else [p])
    return MultiPolygon(polys)


# ---------------------------------------------------------------------------------------------
# reading and writing


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, list | tuple):
        if obj and isinstance(obj[0], float | int):
            return [round(float(v), DECIMALS) for v in obj]
        return [_round_coords(v) for v in obj]
    return obj


def geometry_json(geom: BaseGeometry) -> dict[str, Any]:
    m = mapping(geom)
    return {"type": m["type"], "coordinates": _round_coords(m["coordinates"])}


def feature(geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry_json(geom), "properties": props}


def write_collection(path: Path, features: list[dict[str, Any]]) -> None:
    """One feature per line: valid GeoJSON that still diffs well in review."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        feats: list[dict[str, Any]] = json.load(fh)["features"]
    return feats


def run_builder(
    argv: list[str] | None,
    doc: str | None,
    folder: str,
    default_out: Path,
    build: Callable[[Path, Path], dict[str, int]],
) -> int:
    """The command line of a city's builder: ``--shared`` and ``--out``; prints the counts."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=default_out, help="where to write the pack")
    args = ap.parse_args(argv)
    if not (args.shared / folder).is_dir():
        print(f"no {folder} data under {args.shared}", file=sys.stderr)
        return 2
    counts = build(args.shared, args.out)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), "->", args.out)
    return 0


# ---------------------------------------------------------------------------------------------
# named points and stand-in numbers


@dataclass
class Town:
    """A named point (a 町丁目, or a 地区's centre) in WGS84 and in the city's plane."""

    town: str
    ward_code: str
    ward_name: str
    lon: float
    lat: float
    x: float
    y: float


_CHOME = re.compile(r"[一二三四五六七八九十]+(丁目|番町)$")


def town_base(town: str) -> str:
    """'朝日町一丁目' -> '朝日町'; '古町通一番町' -> '古町通'."""
    base = _CHOME.sub("", town)
    return base or town


class PhoneBook:
    """Stand-in numbers AREA-000-NNNN: subscriber numbers never start with 0, so never dialable."""

    def __init__(self, start: int, area: str = "025") -> None:
        self.next = start
        self.area = area

    def take(self) -> str:
        n = self.next
        self.next += 1
        if n > 9999:
            raise ValueError("out of stand-in numbers")
        return f"{self.area}-000-{n:04d}"


# ---------------------------------------------------------------------------------------------
# stand-in areas


def allocate(counts: dict[str, int], total: int, minimum: int) -> dict[str, int]:
    """Largest-remainder allocation of ``total`` in proportion to ``counts``, each >= minimum."""
    n = sum(counts.values())
    quotas = {k: total * v / n for k, v in counts.items()}
    alloc = {k: max(minimum, math.floor(q)) for k, q in quotas.items()}
    while sum(alloc.values()) < total:
        k = max(sorted(quotas), key=lambda k: (quotas[k] - alloc[k], counts[k]))
        alloc[k] += 1
    while sum(alloc.values()) > total:
        spare = [k for k in sorted(alloc) if alloc[k] > minimum]
        k = min(spare, key=lambda k: quotas[k] - alloc[k])
        alloc[k] -= 1
    return alloc


def kmeans(points: np.ndarray, k: int, seed: int, restarts: int = 8) -> np.ndarray:
    """Plain Lloyd k-means with k-means++ seeding; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray] | None = None
    for _ in range(restarts):
        centres = [points[rng.integers(len(points))]]
        for _ in range(1, k):
            d2 = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
            centres.append(points[rng.choice(len(points), p=d2 / d2.sum())])
        c = np.array(centres)
        labels = np.full(len(points), -1)
        for _ in range(200):
            d = ((points[:, None, :] - c[None]) ** 2).sum(-1)
            new = d.argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                members = points[labels == j]
                if len(members):
                    c[j] = members.mean(axis=0)
        sizes = np.bincount(labels, minlength=k)
        if sizes.min() < 3:
            continue
        inertia = float(((points - c[labels]) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, labels.copy())
    if best is None:
        raise RuntimeError("k-means found no usable clustering")
    return best[1]


def area_feature(
    geom: BaseGeometry,
    *,
    area_id: str,
    city: str,
    name: str,
    level: int,
    parent: str | None,
    source: str,
    demo: bool,
    source_date: str | None = None,
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An area in the layout the area import reads (contacts as a JSON list)."""
    return feature(
        geom,
        {
            "id": area_id,
            "city": city,
            "name": name,
            "level": level,
            "parent": parent,
            "source": source,
            "source_date": source_date,
            "demo": demo,
            "contacts": contacts or [],
        },
    )


def area_contacts(
    i: int,
    base: str,
    address: str,
    council: tuple[str, str],
    phones: PhoneBook,
    *,
    number_every_fax: bool,
) -> list[dict[str, Any]]:
    """The stand-in contacts of the ``i``-th daily area named ``base``: its 地域包括支援センター
    (no fax for one area in three), its 第2層 coordinator and, for two areas in three, the
    社会福祉協議会 office ``council`` (name, address). ``number_every_fax`` takes a number for
    the missing fax too, as the 新潟市 pack was first built."""
    phone = phones.take()
    fax = phones.take() if number_every_fax or i % 3 != 2 else None
    contacts: list[dict[str, Any]] = [
        {
            "role": "地域包括支援センター",
            "name": f"地域包括支援センター{base}（デモ）",
            "phone": phone,
            "fax": fax if i % 3 != 2 else None,
            "address": address,
            "hours": HOURS,
        },
        {
            "role": "生活支援コーディネーター",
            "name": f"{base}圏域 第2層生活支援コーディネーター（デモ）",
            "phone": phones.take(),
            "fax": None,
            "address": address,
            "hours": HOURS,
        },
    ]
    if i % 3 != 1:
        contacts.append(
            {
                "role": "社会福祉協議会",
                "name": council[0],
                "phone": phones.take(),
                "fax": phones.take(),
                "address": council[1],
                "hours": HOURS,
            }
        )
    return contacts


# ---------------------------------------------------------------------------------------------
# real halls (venues)

HALL_WORDS = (
    "公民館", "コミュニティセンター", "コミュニティハウス", "集会所", "会館", "地区センター",
    "交流センター", "市民センター", "福祉センター", "老人憩の家", "いこいの家", "ふれあい",
    "地域生活センター", "まちづくりセンター", "地域研修センター", "農村環境改善センター",
    "学習館", "カルチャーセンター",
)  # fmt: skip
SCHOOL_WORDS = (
    "学校", "小学校", "中学校", "高校", "高等学校", "大学", "幼稚園", "保育園", "学園",
    "中等教育", "初中級",
)  # fmt: skip
GYM_PARK_WORDS = ("体育館", "体育センター", "武道館", "運動", "公園", "広場", "野外")


def is_hall(name: str) -> bool:
    if any(w in name for w in SCHOOL_WORDS):
        return False
    if not any(w in name for w in HALL_WORDS):
        return False
    # A gym is a venue only when the same building also houses a hall ("…体育館・…公民館").
    parts = re.split(r"[・･]", name)
    return any(
        any(w in p for w in HALL_WORDS) and not any(w in p for w in GYM_PARK_WORDS) for p in parts
    )


def hall_feature(
    point: BaseGeometry, *, hall_id: str, city: str, name: str, address: str, source: str
) -> dict[str, Any]:
    """A real hall as a venue, in the layout the place import reads."""
    props = {
        "id": hall_id,
        "city": city,
        "name": name,
        "address": address,
        "category": "hall",
        "kind": "venue",
        "demo": False,
        "source": source,
    }
    return feature(point, props)
