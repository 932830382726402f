#!/usr/bin/env python
"""Build the 新潟市 (15100) demo pack in service/demo_data/15100/ from the shared real data.

    python scripts/build_demo.py [--shared PATH] [--out DIR]

Real inputs (see ../shared/data/README.md):
  * niigata/wards_n03.geojson     - the 8 wards (国土数値情報 N03, MLIT)
  * niigata/town_points.geojson   - 町丁目 representative points (Geolonia, CC BY 4.0)
  * niigata/gsi_shelters.geojson  - designated shelters (国土地理院)

  * niigata/ward_population_2020_monthly.csv - ward populations (新潟市 住民基本台帳)

Outputs: areas_wards.geojson (real), areas_daily.geojson (stand-in 日常生活圏域 grown from the
town points), halls.geojson (real halls), places.geojson (stand-in gathering places),
towns.geojson (real town points), population_towns_demo.csv (stand-in older population, one
row per town point, in the 自治体標準オープンデータセット 年齢別人口 layout: each ward's real
total shared among its towns with seeded weights, ages made up) and credits.json. Everything
that is a stand-in carries ``demo: true`` and "（デモ）" in its name (the population file: its
``note`` and ``demo`` columns).

The output is byte-identical on every run: no randomness without a fixed seed, no timestamps,
sorted features, coordinates rounded to 7 decimals.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import math
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "service" / "demo_data" / "15100"

CITY_CODE = "15100"
CITY_NAME = "新潟市"
PLANE_EPSG = 6676  # JGD2011 plane rectangular CS VIII (Niigata)
SIMPLIFY_M = 10.0
N_DAILY = 27  # Niigata's real number of 日常生活圏域
MIN_DAILY_PER_WARD = 2
SEED = 15100
DECIMALS = 7
GRID = 10.0**-DECIMALS
JITTER_MAX_M = 55.0  # stays below the 60 m the pack promises
JITTER_MIN_M = 12.0

WARD_SOURCE = "国土数値情報（行政区域データ）N03 2022-01-01, 国土交通省"
WARD_SOURCE_DATE = "2022-01-01"
DAILY_SOURCE = "デモ用の仮データ: 町丁目代表点（Geolonia 住所データ CC BY 4.0）から生成"
PLACE_SOURCE = "デモ用の仮データ: 町丁目代表点（Geolonia 住所データ CC BY 4.0）に配置"
HALL_SOURCE = "国土地理院 指定緊急避難場所・指定避難所データ"
HOURS = "月〜金 8:30〜17:15"

TO_WGS = Transformer.from_crs(PLANE_EPSG, 4326, always_xy=True)
TO_PLANE = Transformer.from_crs(4326, PLANE_EPSG, always_xy=True)

# ---------------------------------------------------------------------------------------------
# small helpers


def _transform(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def to_plane(geom: BaseGeometry) -> BaseGeometry:
    return _transform(geom, TO_PLANE)


def to_wgs(geom: BaseGeometry) -> BaseGeometry:
    """Plane -> WGS84, snapped to the 1e-7 degree grid (validity kept), RFC 7946 ring order."""
    g = _transform(geom, TO_WGS)
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


_CHOME = re.compile(r"[一二三四五六七八九十]+(丁目|番町)$")


def town_base(town: str) -> str:
    """'朝日町一丁目' -> '朝日町'; '古町通一番町' -> '古町通'."""
    base = _CHOME.sub("", town)
    return base or town


class PhoneBook:
    """Stand-in numbers 025-000-NNNN: subscriber numbers never start with 0, so never dialable."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self) -> str:
        n = self.next
        self.next += 1
        if n > 9999:
            raise ValueError("out of stand-in numbers")
        return f"025-000-{n:04d}"


# ---------------------------------------------------------------------------------------------
# level 1: wards


@dataclass
class Ward:
    code: str
    name: str
    plane: BaseGeometry  # simplified, EPSG:6676
    wgs: MultiPolygon  # the written geometry


def build_wards(shared: Path) -> list[Ward]:
    raw: dict[str, list[BaseGeometry]] = {}
    names: dict[str, str] = {}
    for f in load(shared / "niigata" / "wards_n03.geojson"):
        p = f["properties"]
        raw.setdefault(p["ward_code"], []).append(shapely.geometry.shape(f["geometry"]))
        names[p["ward_code"]] = p["ward_name"]
    codes = sorted(raw)
    dissolved = [to_plane(shapely.union_all(raw[c])) for c in codes]
    if not shapely.coverage_is_valid(np.array(dissolved, dtype=object)):
        raise RuntimeError("the N03 wards are not a clean coverage")
    # Coverage simplification keeps the shared ward edges shared (no gaps, no overlaps).
    simplified = shapely.coverage_simplify(np.array(dissolved, dtype=object), SIMPLIFY_M)
    wards = []
    for code, geom in zip(codes, simplified, strict=True):
        geom = shapely.make_valid(geom) if not geom.is_valid else geom
        wgs = as_multipolygon(to_wgs(geom))
        # Work on with the geometry that is written, so everything nests in what is committed.
        wards.append(Ward(code, names[code], as_multipolygon(to_plane(wgs)), wgs))
    return wards


def ward_features(wards: list[Ward]) -> list[dict[str, Any]]:
    return [
        feature(
            w.wgs,
            {
                "id": w.code,
                "city": CITY_CODE,
                "name": w.name,
                "level": 1,
                "parent": None,
                "source": WARD_SOURCE,
                "source_date": WARD_SOURCE_DATE,
                "demo": False,
                "contacts": [],
            },
        )
        for w in wards
    ]


# ---------------------------------------------------------------------------------------------
# level 2: stand-in 日常生活圏域


@dataclass
class Town:
    town: str
    ward_code: str
    ward_name: str
    lon: float
    lat: float
    x: float
    y: float


@dataclass
class DailyArea:
    id: str
    ward: Ward
    name: str
    base: str
    centre_town: Town
    towns: list[Town]
    plane: BaseGeometry
    wgs: MultiPolygon = field(default_factory=MultiPolygon)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    _inner: BaseGeometry | None = None

    def inner(self) -> BaseGeometry:
        """The area shrunk by 2 m (prepared), for placing points clearly inside it."""
        if self._inner is None:
            self._inner = self.plane.buffer(-2.0)
            shapely.prepare(self._inner)
        return self._inner


def load_towns(shared: Path) -> list[Town]:
    towns = []
    for f in load(shared / "niigata" / "town_points.geojson"):
        p = f["properties"]
        lon, lat = (float(v) for v in f["geometry"]["coordinates"])
        x, y = TO_PLANE.transform(lon, lat)
        towns.append(Town(p["town"], p["ward_code"], p["ward_name"], lon, lat, x, y))
    towns.sort(key=lambda t: (t.ward_code, t.town, t.lon, t.lat))
    return towns


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


def build_daily(wards: list[Ward], towns: list[Town]) -> list[DailyArea]:
    by_ward: dict[str, list[Town]] = {}
    for t in towns:
        by_ward.setdefault(t.ward_code, []).append(t)
    alloc = allocate({w.code: len(by_ward[w.code]) for w in wards}, N_DAILY, MIN_DAILY_PER_WARD)
    areas: list[DailyArea] = []
    used_names: set[str] = set()
    for wi, ward in enumerate(wards):
        wtowns = by_ward[ward.code]
        pts = np.array([[t.x, t.y] for t in wtowns])
        labels = kmeans(pts, alloc[ward.code], SEED + wi)
        # Voronoi cells of the town points, in point order, clipped to the ward.
        extent = ward.plane.envelope.buffer(10_000)
        cells = shapely.voronoi_polygons(
            shapely.MultiPoint(pts), extend_to=extent, ordered=True
        ).geoms
        if len(cells) != len(pts):
            raise RuntimeError(f"{ward.code}: duplicate town points")
        for cell, (x, y) in zip(cells, pts, strict=True):
            if not cell.covers(Point(x, y)):
                raise RuntimeError("Voronoi cells are not in point order")
        clipped = shapely.intersection(np.array(cells, dtype=object), ward.plane)
        clusters = []
        for j in range(alloc[ward.code]):
            idx = np.flatnonzero(labels == j)
            geom = shapely.union_all(clipped[idx])
            centroid = pts[idx].mean(axis=0)
            clusters.append((float(centroid[0]), float(centroid[1]), idx, geom))
        clusters.sort(key=lambda c: (c[0], c[1]))  # west -> east
        for cx, cy, idx, geom in clusters:
            members = [wtowns[i] for i in idx]
            order = sorted(members, key=lambda t: ((t.x - cx) ** 2 + (t.y - cy) ** 2, t.town))
            # Named after the most central town whose name is not taken yet.
            centre = next((t for t in order if town_base(t.town) not in used_names), order[0])
            base = town_base(centre.town)
            if base in used_names:
                raise RuntimeError(f"no free name for a daily area in {ward.name}")
            used_names.add(base)
            area_id = f"{CITY_CODE}-d{len(areas) + 1:02d}"
            areas.append(
                DailyArea(area_id, ward, f"{base}圏域（デモ）", base, centre, members, geom)
            )
    _check_tiling(wards, areas)
    return areas


def _check_tiling(wards: list[Ward], areas: list[DailyArea]) -> None:
    for ward in wards:
        mine = [a.plane for a in areas if a.ward is ward]
        union = shapely.union_all(mine)
        if abs(union.area - ward.plane.area) > 1e-6 * ward.plane.area:
            raise RuntimeError(f"{ward.code}: daily areas do not cover the ward")
        if abs(sum(g.area for g in mine) - union.area) > 1.0:
            raise RuntimeError(f"{ward.code}: daily areas overlap")


def add_contacts(areas: list[DailyArea], phones: PhoneBook) -> None:
    for i, a in enumerate(areas):
        address = f"{CITY_NAME}{a.ward.name}{a.centre_town.town}（デモ）"
        phone = phones.take()
        fax = phones.take()
        contacts: list[dict[str, Any]] = [
            {
                "role": "地域包括支援センター",
                "name": f"地域包括支援センター{a.base}（デモ）",
                "phone": phone,
                "fax": fax if i % 3 != 2 else None,
                "address": address,
                "hours": HOURS,
            },
            {
                "role": "生活支援コーディネーター",
                "name": f"{a.base}圏域 第2層生活支援コーディネーター（デモ）",
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
                    "name": f"{CITY_NAME}社会福祉協議会 {a.ward.name}事務所（デモ）",
                    "phone": phones.take(),
                    "fax": phones.take(),
                    "address": f"{CITY_NAME}{a.ward.name}（デモ）",
                    "hours": HOURS,
                }
            )
        a.contacts = contacts


def daily_features(areas: list[DailyArea]) -> list[dict[str, Any]]:
    out = []
    for a in areas:
        a.wgs = as_multipolygon(to_wgs(a.plane))
        out.append(
            feature(
                a.wgs,
                {
                    "id": a.id,
                    "city": CITY_CODE,
                    "name": a.name,
                    "level": 2,
                    "parent": a.ward.code,
                    "source": DAILY_SOURCE,
                    "source_date": None,
                    "demo": True,
                    "contacts": a.contacts,
                },
            )
        )
    return out


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


def hall_features(shared: Path, city: BaseGeometry) -> list[dict[str, Any]]:
    out = []
    for f in load(shared / "niigata" / "gsi_shelters.geojson"):
        p = f["properties"]
        name = p["施設・場所名"]
        if not is_hall(name):
            continue
        lon, lat = (round(float(v), DECIMALS) for v in f["geometry"]["coordinates"])
        pt = Point(lon, lat)
        if not city.covers(pt):
            raise RuntimeError(f"hall outside the city: {name}")
        props = {
            "id": p["共通ID"],
            "city": CITY_CODE,
            "name": name,
            "address": p["住所"],
            "category": "hall",
            "kind": "venue",
            "demo": False,
            "source": HALL_SOURCE,
        }
        out.append(feature(pt, props))
    out.sort(key=lambda f: f["properties"]["id"])
    if len({f["properties"]["id"] for f in out}) != len(out):
        raise RuntimeError("duplicate hall ids")
    return out


# ---------------------------------------------------------------------------------------------
# stand-in gathering places

CATEGORY_TOTALS = {  # model-house: one per ward, added separately
    "salon": 92,
    "chanoma": 28,
    "community-cafe": 24,
    "dementia-cafe": 22,
    "kayoinoba": 40,
}
NICKNAMES: tuple[tuple[str, str], ...] = (
    ("ひまわり", "ひまわり"), ("たんぽぽ", "たんぽぽ"), ("なごみ", "なごみ"),
    ("ひだまり", "ひだまり"), ("すずらん", "すずらん"), ("あじさい", "あじさい"),
    ("コスモス", "こすもす"), ("さくら", "さくら"), ("もみじ", "もみじ"), ("わかば", "わかば"),
    ("やすらぎ", "やすらぎ"), ("えがお", "えがお"), ("よりみち", "よりみち"),
    ("なかよし", "なかよし"), ("あおぞら", "あおぞら"), ("にこにこ", "にこにこ"),
    ("ぽかぽか", "ぽかぽか"), ("つばき", "つばき"), ("菜の花", "なのはな"), ("寿", "ことぶき"),
    ("陽だまり", "ひだまり"), ("結", "ゆい"), ("憩", "いこい"), ("楓", "かえで"),
    ("若竹", "わかたけ"), ("福寿草", "ふくじゅそう"), ("千歳", "ちとせ"), ("どんぐり", "どんぐり"),
    ("ゆうがお", "ゆうがお"), ("すみれ", "すみれ"), ("やまぶき", "やまぶき"), ("青空", "あおぞら"),
)  # fmt: skip
# (name with {town} or {nick}, kana with {kana} or None)
NAME_TEMPLATES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "salon": (
        ("{town}ふれあいサロン（デモ）", None),
        ("{town}いきいきサロン（デモ）", None),
        ("{town}お茶のみサロン（デモ）", None),
        ("ふれあいサロン{nick}（デモ）", "ふれあいさろん{kana}"),
        ("いきいきサロン{nick}（デモ）", "いきいきさろん{kana}"),
        ("サロン{nick}（デモ）", "さろん{kana}"),
    ),
    "chanoma": (
        ("地域の茶の間　{town}（デモ）", None),
        ("{town}の茶の間（デモ）", None),
        ("地域の茶の間　{nick}（デモ）", "ちいきのちゃのま　{kana}"),
        ("茶の間{nick}（デモ）", "ちゃのま{kana}"),
    ),
    "community-cafe": (
        ("{town}コミュニティカフェ（デモ）", None),
        ("まちの縁側カフェ {town}（デモ）", None),
        ("コミュニティカフェ{nick}（デモ）", "こみゅにてぃかふぇ{kana}"),
        ("カフェ{nick}（デモ）", "かふぇ{kana}"),
    ),
    "dementia-cafe": (
        ("オレンジカフェ{town}（デモ）", None),
        ("{town}認知症カフェ（デモ）", None),
        ("オレンジカフェ{nick}（デモ）", "おれんじかふぇ{kana}"),
        ("認知症カフェ{nick}（デモ）", "にんちしょうかふぇ{kana}"),
    ),
    "kayoinoba": (
        ("{town}いきいき百歳体操（デモ）", None),
        ("{town}元気アップ体操の会（デモ）", None),
        ("{town}脳トレ教室（デモ）", None),
        ("{nick}体操クラブ（デモ）", "{kana}たいそうくらぶ"),
        ("いきいき体操{nick}（デモ）", "いきいきたいそう{kana}"),
    ),
}
ORGANISERS: dict[str, tuple[str, ...]] = {
    "salon": (
        "{town}町内会（デモ）", "{town}自治会（デモ）", "{nick}ボランティアの会（デモ）",
        "{area}地区社会福祉協議会（デモ）",
    ),
    "chanoma": ("{nick}の会（デモ）", "{town}茶の間運営委員会（デモ）"),
    "community-cafe": ("NPO法人{nick}ネット（デモ）", "{area}まちづくり協議会（デモ）"),
    "dementia-cafe": ("地域包括支援センター{area}（デモ）", "{nick}介護者の会（デモ）"),
    "kayoinoba": ("{town}町内会（デモ）", "{area}地区社会福祉協議会（デモ）", "{nick}の会（デモ）"),
}  # fmt: skip
FEES: dict[str, tuple[str, ...]] = {
    "salon": ("無料", "100円", "200円", "300円（お茶代）"),
    "chanoma": ("300円（お茶代）", "100円", "無料"),
    "community-cafe": ("飲み物200円", "300円（お茶代）", "ランチ500円"),
    "dementia-cafe": ("無料", "100円"),
    "kayoinoba": ("無料", "無料", "100円"),
    "model-house": ("300円（お茶代）",),
}
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "salon": (
        "地域の方が気軽に集まり、おしゃべりや季節の行事を楽しむサロンです。",
        "お茶を飲みながら近所の方と交流するサロンで、どなたでも参加できます。",
        "折り紙や脳トレ、健康チェックなどを楽しむ地域の憩いの場です。",
    ),
    "chanoma": (
        "誰でも立ち寄れて、お茶を飲みながら思い思いに過ごせる地域の茶の間です。",
        "子どもから高齢者まで、誰でも自由に過ごせる地域の居場所です。",
    ),
    "community-cafe": (
        "手作りのお菓子と飲み物で、世代を問わず交流できるカフェです。",
        "地域の人が店番をする、誰でも入れるまちの縁側のようなカフェです。",
    ),
    "dementia-cafe": (
        "認知症の方やご家族、地域の方が一緒に過ごし、専門職に相談もできるカフェです。",
        "介護の悩みを気軽に話せる、認知症の方とご家族のためのオレンジカフェです。",
    ),
    "kayoinoba": (
        "DVDを見ながらいきいき百歳体操に取り組む通いの場です。",
        "ストレッチや筋力体操で、みんなで楽しく介護予防に取り組んでいます。",
    ),
    "model-house": (
        "地域包括ケア推進モデルハウスとして、誰でも利用できる常設の茶の間を開いています。",
    ),
}
ACCESSIBILITY = (
    "段差なし", "車いす可", "2階・エレベーターなし", "段差なし・車いす可",
    "入口に段差あり（手すりあり）", "駐車場あり",
)  # fmt: skip
WEEKDAY_JA = "月火水木金土日"
TIMES: dict[str, tuple[tuple[str, str], ...]] = {
    "salon": (("10:00", "12:00"), ("13:30", "15:30"), ("10:00", "11:30"), ("9:30", "11:30")),
    "chanoma": (("10:00", "15:00"), ("10:00", "16:00"), ("9:30", "14:00")),
    "community-cafe": (("11:00", "16:00"), ("10:00", "15:00"), ("13:00", "16:00")),
    "dementia-cafe": (("13:30", "15:30"), ("10:00", "12:00"), ("14:00", "16:00")),
    "kayoinoba": (("10:00", "11:00"), ("9:30", "10:30"), ("13:30", "14:30")),
    "model-house": (("10:00", "15:00"), ("10:00", "16:00")),
}
MONTHLY_WEEKS: tuple[tuple[int, ...], ...] = ((1,), (2,), (3,), (4,), (1, 3), (2, 4))


@dataclass
class Rule:
    weekdays: list[int]
    weeks: list[int] | None
    start: str
    end: str

    def as_json(self) -> dict[str, Any]:
        return {
            "weekdays": self.weekdays,
            "weeks": self.weeks,
            "start": _hhmm(self.start),
            "end": _hhmm(self.end),
        }


def _hhmm(t: str) -> str:
    h, m = t.split(":")
    return f"{int(h):02d}:{m}"


def _days_text(weekdays: list[int]) -> str:
    if len(weekdays) >= 3 and weekdays == list(range(weekdays[0], weekdays[-1] + 1)):
        return f"{WEEKDAY_JA[weekdays[0]]}〜{WEEKDAY_JA[weekdays[-1]]}"
    return "・".join(WEEKDAY_JA[d] for d in weekdays) + "曜"


def _rule_text(rule: Rule, with_prefix: bool = True) -> str:
    days = _days_text(rule.weekdays)
    times = f"{rule.start}〜{rule.end}"
    if rule.weeks is None:
        return f"{'毎週' if with_prefix else ''}{days} {times}"
    weeks = "・".join(f"第{w}" for w in rule.weeks)
    return f"{'毎月' if with_prefix else ''}{weeks}{days} {times}"


def schedule_text(rules: list[Rule]) -> str:
    parts = [_rule_text(rules[0])]
    for prev, rule in zip(rules, rules[1:], strict=False):
        same_kind = (prev.weeks is None) == (rule.weeks is None)
        parts.append(_rule_text(rule, with_prefix=not same_kind))
    return "、".join(parts)


def make_rules(category: str, rng: random.Random) -> list[Rule]:
    times = TIMES[category]
    start, end = rng.choice(times)
    if category == "model-house":
        days = rng.choice([[0, 1, 2, 3, 4], [0, 2, 4], [1, 2, 3, 4]])
        return [Rule(days, None, start, end)]
    if category == "chanoma":
        if rng.random() < 0.7:
            return [Rule(sorted(rng.sample(range(6), rng.choice([1, 2]))), None, start, end)]
        return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS[4:])), start, end)]
    if category == "community-cafe":
        if rng.random() < 0.6:
            return [Rule(sorted(rng.sample(range(6), 2)), None, start, end)]
        return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS)), start, end)]
    if category == "dementia-cafe":
        return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS[:4])), start, end)]
    if category == "kayoinoba":
        n = rng.choice([1, 1, 2])
        days = sorted(rng.sample([0, 1, 2, 3, 4], n)) if n == 2 else [rng.randrange(5)]
        if n == 2 and days[1] - days[0] < 2:
            days = [days[0], min(days[0] + 3, 4)] if days[0] + 3 <= 4 else [days[0] - 3, days[0]]
        return [Rule(days, None, start, end)]
    # salon
    r = rng.random()
    if r < 0.15:
        return [Rule([rng.randrange(5)], None, start, end)]
    if r < 0.22:  # two different meetings a month
        d1, d2 = rng.sample(range(6), 2)
        s2, e2 = rng.choice([t for t in times if t != (start, end)])
        return [Rule([d1], [1], start, end), Rule([d2], [3], s2, e2)]
    return [Rule([rng.randrange(6)], list(rng.choice(MONTHLY_WEEKS)), start, end)]


def verified_date(rng: random.Random) -> str:
    if rng.random() < 0.2:  # stale: older than a year before TODAY_REF
        lo, hi = dt.date(2025, 1, 6), dt.date(2025, 2, 20)
    else:
        lo, hi = dt.date(2025, 4, 1), dt.date(2026, 2, 27)
    return (lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))).isoformat()


@dataclass
class Spot:
    """Where a place goes: a town point, possibly jittered, inside its ward and area."""

    town: Town
    lon: float
    lat: float
    precision: str


def place_point(town: Town, area: DailyArea, rng: random.Random, exact: bool) -> Spot:
    """The town point itself (precision 'town') or a deterministic jitter of 12-55 m that
    stays at least 2 m inside the town's daily area (and so inside its ward)."""
    if not exact:
        return Spot(town, round(town.lon, DECIMALS), round(town.lat, DECIMALS), "town")
    inner = area.inner()
    for _ in range(40):
        angle = rng.uniform(0.0, 2.0 * math.pi)
        r = rng.uniform(JITTER_MIN_M, JITTER_MAX_M)
        x, y = town.x + r * math.cos(angle), town.y + r * math.sin(angle)
        lon, lat = TO_WGS.transform(x, y)
        lon, lat = round(lon, DECIMALS), round(lat, DECIMALS)
        px, py = TO_PLANE.transform(lon, lat)
        if inner.contains(Point(px, py)) and math.hypot(px - town.x, py - town.y) <= 60.0:
            return Spot(town, lon, lat, "exact")
    return Spot(town, round(town.lon, DECIMALS), round(town.lat, DECIMALS), "exact")


def _name(category: str, town: Town, rng: random.Random, used: set[str]) -> tuple[str, str | None]:
    templates = NAME_TEMPLATES[category]
    for _ in range(30):
        tmpl, kana_tmpl = rng.choice(templates)
        nick, nick_kana = rng.choice(NICKNAMES)
        name = tmpl.format(town=town_base(town.town), nick=nick)
        if name not in used:
            used.add(name)
            return name, (kana_tmpl.format(kana=nick_kana) if kana_tmpl else None)
    raise RuntimeError(f"no unique name for {category} in {town.town}")


def build_places(
    areas: list[DailyArea], wards: list[Ward], phones: PhoneBook
) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    # How many places each area gets: in proportion to its town points, at least 4.
    slots = allocate({a.id: len(a.towns) for a in areas}, sum(CATEGORY_TOTALS.values()), minimum=4)
    pool = [c for c, n in sorted(CATEGORY_TOTALS.items()) for _ in range(n)]
    pool.remove("salon")
    for _ in areas[1:]:
        pool.remove("salon")  # one salon reserved per area
    rng.shuffle(pool)
    plan: list[tuple[DailyArea, str]] = []
    for a in areas:
        plan.append((a, "salon"))
        for _ in range(slots[a.id] - 1):
            plan.append((a, pool.pop()))
    assert not pool

    used_names: set[str] = set()
    used_towns: set[tuple[str, str, float, float]] = set()
    records: list[tuple[DailyArea, str, Spot, dict[str, Any]]] = []

    def pick_town(a: DailyArea) -> Town:
        free = [t for t in a.towns if (t.ward_code, t.town, t.lon, t.lat) not in used_towns]
        t = rng.choice(free or a.towns)
        used_towns.add((t.ward_code, t.town, t.lon, t.lat))
        return t

    # Model houses first: one per ward, at the centre town of the ward's largest area.
    for ward in wards:
        mine = [a for a in areas if a.ward is ward]
        a = max(mine, key=lambda a: (len(a.towns), a.id))
        town = a.centre_town
        used_towns.add((town.ward_code, town.town, town.lon, town.lat))
        spot = place_point(town, a, rng, exact=True)
        name = f"地域包括ケア推進モデルハウス{town_base(town.town)}（デモ）"
        used_names.add(name)
        house_rules = make_rules("model-house", rng)
        records.append(
            (
                a,
                "model-house",
                spot,
                {
                    "name": name,
                    "kana": None,
                    "organiser": f"{ward.name}モデルハウス運営委員会（デモ）",
                    "fee": FEES["model-house"][0],
                    "rules": house_rules,
                    "description": DESCRIPTIONS["model-house"][0],
                    "accessibility": "段差なし・車いす可",
                    "status": "active",
                },
            )
        )

    special_done = {"kabu": False, "zenkaku": False}
    for a, category in plan:
        town = pick_town(a)
        exact = not (category == "salon" and rng.random() < 0.16)
        spot = place_point(town, a, rng, exact)
        name, kana = _name(category, town, rng, used_names)
        nick = rng.choice(NICKNAMES)[0]
        organiser = rng.choice(ORGANISERS[category]).format(
            town=town_base(town.town), nick=nick, area=a.base
        )
        if category == "community-cafe" and a.ward.code == "15103" and not special_done["kabu"]:
            name, kana, organiser = (
                "㈱みなと福祉 コミュニティカフェ（デモ）",
                None,
                "㈱みなと福祉（デモ）",
            )
            special_done["kabu"] = True
        if category == "kayoinoba" and a.ward.code == "15102" and not special_done["zenkaku"]:
            name, kana = "ＧＯＧＯ体操クラブ２１（デモ）", "ごーごーたいそうくらぶにじゅういち"
            special_done["zenkaku"] = True
        used_names.add(name)
        records.append(
            (
                a,
                category,
                spot,
                {
                    "name": name,
                    "kana": kana,
                    "organiser": organiser,
                    "fee": rng.choice(FEES[category]),
                    "rules": make_rules(category, rng),
                    "description": rng.choice(DESCRIPTIONS[category]),
                    "accessibility": rng.choice(ACCESSIBILITY) if rng.random() < 0.4 else None,
                    "status": "paused" if rng.random() < 0.06 else "active",
                },
            )
        )
    if not all(special_done.values()):
        raise RuntimeError("the text-handling examples were not placed")

    # Stable order: ward, area, category, name.
    cat_order = {c: i for i, c in enumerate(["model-house", *sorted(CATEGORY_TOTALS)])}
    records.sort(key=lambda r: (r[0].ward.code, r[0].id, cat_order[r[1]], r[3]["name"]))
    out = []
    for n, (a, category, spot, d) in enumerate(records, start=1):
        rules: list[Rule] = d["rules"]
        props = {
            "id": f"d{n:04d}",
            "city": CITY_CODE,
            "kind": "gathering",
            "category": category,
            "name": d["name"],
            "kana": d["kana"],
            "address": f"{CITY_NAME}{a.ward.name}{spot.town.town}（デモ）",
            "phone": phones.take() if (category == "model-house" or rng.random() < 0.88) else None,
            "organiser": d["organiser"],
            "fee": d["fee"],
            "schedule": schedule_text(rules),
            "schedule_rules": [r.as_json() for r in rules],
            "description": d["description"],
            "accessibility": d["accessibility"],
            "url": None,
            "status": d["status"],
            "location_precision": spot.precision,
            "last_verified": verified_date(rng),
            "internal_contact": (
                "代表者 携帯 000-0000-0000（内部用・デモ）" if rng.random() < 0.3 else None
            ),
            "demo": True,
            "source": PLACE_SOURCE,
        }
        out.append(feature(Point(spot.lon, spot.lat), props))
    return out


# ---------------------------------------------------------------------------------------------
# stand-in older population: one row per town point, 町丁目 年齢別人口 layout

POPULATION_FILE = "population_towns_demo.csv.gz"
POPULATION_MONTH = 10  # October 2020, the census month
POPULATION_SURVEY_DATE = "2020-10-01 00:00:00"
POPULATION_NOTE = "デモ用の仮データ（架空の人口）"
SHARE_65 = 0.30  # 新潟市: about 30 % aged 65+ in 2020
SHARE_75_OF_65 = 0.52  # and about 15.5 % aged 75+
# Japan's 2020 population by 5-year band (thousands), 0-4 … 80-84, 85+; and men's share in each
BAND_WEIGHTS = (
    4541, 5114, 5376, 5706, 6320, 6384, 6714, 7498, 8476, 9868, 8758, 7963, 7441, 8215, 9193,
    6963, 5415, 6200,
)  # fmt: skip
BAND_MALE_SHARE = (
    0.512, 0.512, 0.512, 0.513, 0.51, 0.51, 0.508, 0.506, 0.505, 0.503, 0.5, 0.497, 0.493,
    0.485, 0.47, 0.45, 0.42, 0.33,
)  # fmt: skip


def ward_totals(shared: Path) -> dict[str, int]:
    """Real ward populations (住民基本台帳, October 2020) by ward name."""
    out: dict[str, int] = {}
    with (shared / "niigata" / "ward_population_2020_monthly.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["年[西暦]"] == "2020" and int(row["月"]) == POPULATION_MONTH:
                out[row["市・区名"]] = int(row["人口総数[人]"])
    return out


def _round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers summing to ``total``, each within 1 of its value (largest
    remainder; ties go to the earlier index, so the result is deterministic)."""
    floor = np.floor(values).astype(int)
    short = total - int(floor.sum())
    order = np.argsort(-(values - floor), kind="stable")
    floor[order[:short]] += 1
    return floor


def town_population(shared: Path) -> list[list[str]]:
    """Rows of the stand-in population file, in the order of towns.geojson."""
    totals = ward_totals(shared)
    rng = np.random.default_rng(SEED + 65)
    towns: list[tuple[str, str, str, float, float]] = []
    for f in load(shared / "niigata" / "town_points.geojson"):
        p = f["properties"]
        lon, lat = (float(v) for v in f["geometry"]["coordinates"])
        towns.append((p["ward_code"], p["town"] + (p.get("koaza") or ""), p["ward_name"], lon, lat))
    towns.sort()
    weights = np.exp(rng.normal(0.0, 0.9, len(towns)))
    people = np.zeros(len(towns), dtype=int)
    for ward in sorted({t[2] for t in towns}):
        idx = np.array([i for i, t in enumerate(towns) if t[2] == ward])
        share = weights[idx] / weights[idx].sum() * totals[ward]
        people[idx] = _round_to_total(share, totals[ward])
    w = np.array(BAND_WEIGHTS, dtype=float)
    male = np.array(BAND_MALE_SHARE)
    rows = []
    for n, ((ward_code, name, ward, lon, lat), total) in enumerate(
        zip(towns, people.tolist(), strict=True), start=1
    ):
        s65 = float(np.clip(rng.normal(SHARE_65, 0.07), 0.1, 0.7))
        s75 = s65 * float(np.clip(rng.normal(SHARE_75_OF_65, 0.06), 0.3, 0.75))
        expected = np.concatenate([
            w[:13] / w[:13].sum() * (1.0 - s65),
            w[13:15] / w[13:15].sum() * (s65 - s75),
            w[15:] / w[15:].sum() * s75,
        ]) * total  # fmt: skip
        by_sex = np.column_stack([expected * male, expected * (1.0 - male)]).ravel()
        counts = _round_to_total(by_sex, total)  # man1, woman1, man2, woman2, …
        households = max(1, round(total / float(rng.uniform(2.1, 2.5)))) if total else 0
        rows.append([
            str(n), ward_code, "", "新潟県", f"{CITY_NAME}{ward}", ward, POPULATION_SURVEY_DATE,
            name, str(total), str(int(counts[0::2].sum())), str(int(counts[1::2].sum())),
            *(str(int(c)) for c in counts), str(households), POPULATION_NOTE,
            f"{round(lat, DECIMALS)},{round(lon, DECIMALS)}", "true",
        ])  # fmt: skip
    return rows


def write_population(path: Path, rows: list[list[str]]) -> None:
    """UTF-8, LF, as the 高松市 standard-dataset file, plus ``ward`` (names repeat across wards)
    and ``demo`` columns; gzipped (no name, no time) to keep the pack small."""
    bands = [f"{sex}{k}" for k in range(1, 19) for sex in ("man", "woman")]
    header = [
        "#property", "prefCode", "regionCode", "prefName", "cityName", "ward", "surveyDate",
        "regionName", "totalPopulation", "male", "woman", *bands, "numberOfHouseholds", "note",
        "location", "demo",
    ]  # fmt: skip
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh:
        fh.write(buf.getvalue().encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# credits


def credits() -> dict[str, Any]:
    return {
        "city": CITY_CODE,
        "name": CITY_NAME,
        "demo_notice_ja": (
            "デモ用の仮データを含みます（日常生活圏域・集いの場・連絡先・町丁目ごとの高齢者人口は"
            "架空です）"
        ),
        "demo_notice_en": (
            "Contains stand-in demo data: the daily-living areas, gathering places, contacts "
            "and the older population per town are fictitious. Ward boundaries and halls are "
            "real."
        ),
        "credits": [
            {
                "data": "区の境界 (areas_wards.geojson; 日常生活圏域のデモデータの外枠)",
                "source": (
                    "「国土数値情報（行政区域データ）」(国土交通省) N03 2022-01-01 を加工して作成"
                ),
                "licence": "国土数値情報 利用約款（出典を明記） — credit MLIT",
                "url": "https://nlftp.mlit.go.jp/ksj/",
            },
            {
                "data": "町丁目代表点 (デモ用の日常生活圏域と集いの場の位置の元)",
                "source": "Geolonia 住所データ (geolonia/japanese-addresses)",
                "licence": "CC BY 4.0, © Geolonia",
                "url": "https://github.com/geolonia/japanese-addresses",
            },
            {
                "data": "公民館・コミュニティセンター等 (halls.geojson)",
                "source": "国土地理院 指定緊急避難場所・指定避難所データ を加工して作成",
                "licence": "国土地理院コンテンツ利用規約（出典を明記） — credit GSI",
                "url": "https://www.gsi.go.jp/bousaichiri/hinanbasho.html",
            },
            {
                "data": f"区の人口総数 ({POPULATION_FILE} の区ごとの合計)",
                "source": "新潟市 住民基本台帳人口（2020年10月）",
                "licence": "公的統計 — credit 新潟市",
                "url": "https://www.city.niigata.lg.jp/",
            },
            {
                "data": f"町丁目ごとの高齢者人口 ({POPULATION_FILE})",
                "source": (
                    "デモ用の仮データ: 区の人口総数を町丁目代表点に乱数で配分し、年齢構成も"
                    "乱数で作った架空の人口。実在の統計ではありません"
                ),
                "licence": "—",
                "url": None,
            },
        ],
        "demo_files": ["areas_daily.geojson", "places.geojson", POPULATION_FILE],
        "real_files": ["areas_wards.geojson", "halls.geojson", "towns.geojson"],
    }


# ---------------------------------------------------------------------------------------------


def town_features(shared: Path) -> list[dict[str, Any]]:
    """The real town points for offline "where do you live" search; 小字 kept in the name."""
    rows = []
    for f in load(shared / "niigata" / "town_points.geojson"):
        p = f["properties"]
        lon, lat = (float(v) for v in f["geometry"]["coordinates"])
        name = p["town"] + (p.get("koaza") or "")
        rows.append((p["ward_code"], name, lon, lat, p["ward_name"]))
    rows.sort()
    return [
        feature(Point(lon, lat), {
            "name": name, "area": ward, "demo": False, "source": "Geolonia 住所データ (CC BY 4.0)",
        })
        for _, name, lon, lat, ward in rows
    ]


def build(shared: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    wards = build_wards(shared)
    towns = load_towns(shared)
    for t in towns:
        ward = next(w for w in wards if w.code == t.ward_code)
        if not ward.plane.contains(Point(t.x, t.y)):
            raise RuntimeError(f"town point outside its ward: {t.town}")
    areas = build_daily(wards, towns)
    add_contacts(areas, PhoneBook(101))
    city = shapely.union_all([w.wgs for w in wards])

    ward_feats = ward_features(wards)
    daily_feats = daily_features(areas)
    hall_feats = hall_features(shared, city)
    place_feats = build_places(areas, wards, PhoneBook(1001))

    write_collection(out / "areas_wards.geojson", ward_feats)
    write_collection(out / "areas_daily.geojson", daily_feats)
    write_collection(out / "halls.geojson", hall_feats)
    write_collection(out / "places.geojson", place_feats)
    town_feats = town_features(shared)
    write_collection(out / "towns.geojson", town_feats)
    population = town_population(shared)
    write_population(out / POPULATION_FILE, population)
    write_json(out / "credits.json", credits())
    return {
        "wards": len(ward_feats),
        "daily": len(daily_feats),
        "halls": len(hall_feats),
        "places": len(place_feats),
        "towns": len(town_feats),
        "population_rows": len(population),
        "people": sum(int(r[8]) for r in population),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the pack")
    args = ap.parse_args(argv)
    if not (args.shared / "niigata").is_dir():
        print(f"no niigata data under {args.shared}", file=sys.stderr)
        return 2
    counts = build(args.shared, args.out)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), "->", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
