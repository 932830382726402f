"""Build the 周南市 (35215) demo pack in service/demo_data/35215/ from the shared real data.

    python -m scripts.demo.shunan [--shared PATH] [--out DIR]

周南市 divides itself into 31 地区, each served by a 市民センター (or a branch office), but the
official list of 地区 and their boundaries is not open. So this pack draws stand-in 地区 around
the real hubs, and says so in every stand-in record, in credits.json, on the map and in the
pack's README.md (written here too).

Real inputs (see ../shared/data/README.md):
  * shunan/shimin_centers.csv     - 32 likely 地区 hubs: 28 市民センター and 4 branch
                                    offices/centres, derived from the GSI shelter list (GSI)
  * shunan/gsi_shelters.geojson   - 138 designated shelters (国土地理院): the halls among them
                                    become venues
  * shunan/town_points.geojson    - 324 町丁目/大字 representative points (Geolonia, CC BY 4.0)
  * the bundled 周南市 outline      - geo.japan.municipalities.outline, every island kept
                                    (国土数値情報 N03, MLIT)

Outputs:
  * areas_city.geojson   level 1: the city itself, its real N03 outline with 132 parts (real)
  * areas_chiku.geojson  level 2: 31 stand-in 地区. Each hub owns the land nearer to it than to
                         any other hub on the same piece of land (Voronoi cells in the plane,
                         clipped to the outline); an island with one hub is that hub's whole; an
                         island without a hub goes whole to the nearest hub. 32 hubs make 31
                         地区 because 粭島 (an island of 0.46 km² 50 m off the 大島 peninsula,
                         whose own school is closed: 「（旧）粭島小学校」 in the GSI list) is
                         joined to 大島 as 「大島・粭島地区（デモ）」. Contacts: the hub itself
                         (real name and address, stand-in phone) and a stand-in
                         生活支援コーディネーター.
  * halls.geojson        the real halls (市民センター, 集会所, 公会堂, 会館 …, and every hub) as
                         venues; no school, gym or ground (real)
  * places.geojson       stand-in サロン, 通いの場, 認知症カフェ and コミュニティカフェ at the
                         real town points of each 地区 (stand-in)
  * towns.geojson        the real town points, for 町名で探す (real)
  * credits.json, README.md

Everything that is a stand-in carries ``demo: true`` and "（デモ）" in its name; phone numbers
are 0834-000-NNNN, never assigned. The output is byte-identical on every run: fixed seeds, no
timestamps, sorted features, coordinates rounded to 7 decimals.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from geo.ingest.ids import area_id
from geo.japan.municipalities import get_city, outline
from scripts.demo import places
from scripts.demo.common import (
    DECIMALS,
    DEMO_DATA,
    GRID,
    HOURS,
    SCHOOL_WORDS,
    PhoneBook,
    Plane,
    Town,
    area_feature,
    as_multipolygon,
    feature,
    hall_feature,
    is_hall,
    load,
    run_builder,
    write_collection,
    write_json,
)
from scripts.demo.places import Spot

DEFAULT_OUT = DEMO_DATA / "35215"

CITY_CODE = "35215"
CITY_NAME = "周南市"
PLANE_EPSG = 6671  # JGD2011 plane rectangular CS III (山口県)
PLANE = Plane(PLANE_EPSG)
SEED = 35215
N_CHIKU = 31  # 周南市's number of 地区; their official list and boundaries are not open
CITY_AREA_ID = CITY_CODE
# 粭島 joins 大島: a small island 50 m off the 大島 peninsula, its own school closed.
JOINED = {"粭島市民センター": "大島市民センター"}
HUB_SUFFIXES = ("地区市民センター", "市民センター", "総合支所", "支所", "ふれあいセンター")
CELL_SEGMENT_M = 100.0  # Voronoi edges are straight in the plane: densify before reprojecting
JITTER_MIN_M, JITTER_MAX_M, INNER_M = 12.0, 55.0, 2.0
# Halls the shared word list misses: 周南市's 公会堂 and 福祉館, and 交流館 (金峰杣の里交流館).
EXTRA_HALL_WORDS = ("公会堂", "福祉館", "交流館")
CATEGORY_TOTALS = {"salon": 45, "kayoinoba": 30, "dementia-cafe": 12, "community-cafe": 10}
MIN_PLACES_PER_CHIKU = 2

NOT_OPEN_JA = "周南市の31地区の公式な一覧と区域は公開されていません"
NOT_OPEN_EN = "周南市's official list of its 31 地区 (districts) and their boundaries is not open"
CITY_SOURCE = "国土数値情報（行政区域データ）N03, 国土交通省（島を含む市域）"
CHIKU_SOURCE = (
    "デモ用の仮データ: " + NOT_OPEN_JA + "。そのため、市民センター等32か所（国土地理院 "
    "指定緊急避難場所・指定避難所データ）を拠点に、最も近い拠点で市域を分けた仮の区域です"
    "（粭島は大島と1地区に）"
)
PLACE_SOURCE = "デモ用の仮データ: 町丁目代表点（Geolonia 住所データ CC BY 4.0）に配置"
HALL_SOURCE = "国土地理院 指定緊急避難場所・指定避難所データ"
TOWN_SOURCE = "Geolonia 住所データ (CC BY 4.0)"

TO_WGS, TO_PLANE = PLANE.wgs_xy, PLANE.plane_xy
to_plane, to_wgs = PLANE.to_plane, PLANE.to_wgs


# ---------------------------------------------------------------------------------------------
# the real hubs and shelters


@dataclass(frozen=True)
class Hub:
    """A 市民センター or branch office: the likely hub of one 地区 (from the GSI list)."""

    name: str
    address: str
    lon: float
    lat: float
    x: float
    y: float

    @property
    def base(self) -> str:
        """'久米市民センター' → '久米'; '中央地区市民センター' → '中央'; '鹿野総合支所' → '鹿野'."""
        for suffix in HUB_SUFFIXES:
            if self.name.endswith(suffix) and self.name != suffix:
                return self.name.removesuffix(suffix)
        return self.name


def load_hubs(shared: Path) -> list[Hub]:
    out = []
    with (shared / "shunan" / "shimin_centers.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lon, lat = round(float(row["lon"]), DECIMALS), round(float(row["lat"]), DECIMALS)
            x, y = TO_PLANE.transform(lon, lat)
            out.append(Hub(row["name"], row["address"], lon, lat, x, y))
    out.sort(key=lambda h: h.name)
    if len({h.name for h in out}) != len(out):
        raise RuntimeError("duplicate hub names")
    return out


@dataclass(frozen=True)
class Shelter:
    id: str
    name: str
    address: str
    lon: float
    lat: float


def load_shelters(shared: Path) -> list[Shelter]:
    """The GSI list, one row per building: the list repeats a building that is also a 福祉避難所
    (共通ID …121 beside …111); the lower id is kept."""
    seen: dict[tuple[str, str, float, float], Shelter] = {}
    for f in load(shared / "shunan" / "gsi_shelters.geojson"):
        p = f["properties"]
        lon, lat = (round(float(v), DECIMALS) for v in f["geometry"]["coordinates"])
        s = Shelter(p["共通ID"], p["施設・場所名"], p["住所"], lon, lat)
        key = (s.name, s.address, lon, lat)
        if key not in seen or s.id < seen[key].id:
            seen[key] = s
    return sorted(seen.values(), key=lambda s: s.id)


def check_hubs(hubs: list[Hub], shelters: list[Shelter]) -> None:
    """Every hub is a shelter of the GSI list, at the same point and address."""
    by_name = {s.name: s for s in shelters}
    for h in hubs:
        s = by_name.get(h.name)
        if s is None or (s.lon, s.lat, s.address) != (h.lon, h.lat, h.address):
            raise RuntimeError(f"hub not in the GSI list as given: {h.name}")


# ---------------------------------------------------------------------------------------------
# level 1: the city; level 2: stand-in 地区


def city_outline() -> MultiPolygon:
    """The bundled N03 outline, RFC 7946 rings (written to 7 decimals, as everything is)."""
    return as_multipolygon(shapely.orient_polygons(outline(CITY_CODE), exterior_cw=False))


@dataclass
class Chiku:
    id: str
    hubs: list[Hub]  # the first is the 地区's hub; a joined 地区 has two
    wgs: MultiPolygon
    plane: BaseGeometry
    towns: list[Town] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    _inner: BaseGeometry | None = None

    @property
    def hub(self) -> Hub:
        return self.hubs[0]

    @property
    def base(self) -> str:
        return "・".join(h.base for h in self.hubs)

    @property
    def name(self) -> str:
        return f"{self.base}地区（デモ）"

    def inner(self) -> BaseGeometry:
        """The 地区 shrunk by INNER_M (prepared), for placing points clearly inside it."""
        if self._inner is None:
            self._inner = self.plane.buffer(-INNER_M)
            shapely.prepare(self._inner)
        return self._inner


def nearest_hub_pieces(city: MultiPolygon, hubs: list[Hub]) -> dict[str, list[BaseGeometry]]:
    """Each hub's land (WGS84 pieces): on a piece of land with several hubs, its Voronoi cell
    there; a piece with one hub, whole; a piece with none (an island), whole to the nearest."""
    pieces: dict[str, list[BaseGeometry]] = {h.name: [] for h in hubs}
    for part in city.geoms:
        on = [h for h in hubs if part.covers(Point(h.lon, h.lat))]
        if not on:
            land = to_plane(part)
            near = min(hubs, key=lambda h: (land.distance(Point(h.x, h.y)), h.name))
            pieces[near.name].append(part)
            continue
        if len(on) == 1:
            pieces[on[0].name].append(part)
            continue
        extent = to_plane(part).envelope.buffer(10_000)
        seeds = shapely.MultiPoint([(h.x, h.y) for h in on])
        cells = shapely.voronoi_polygons(seeds, extend_to=extent, ordered=True).geoms
        for h, cell in zip(on, cells, strict=True):
            if not cell.covers(Point(h.x, h.y)):
                raise RuntimeError("Voronoi cells are not in hub order")
            cell_wgs = to_wgs(shapely.segmentize(cell, CELL_SEGMENT_M))
            piece = shapely.intersection(cell_wgs, part)
            if not piece.is_empty:
                pieces[h.name].append(piece)
    return pieces


def build_chiku(city: MultiPolygon, hubs: list[Hub]) -> list[Chiku]:
    pieces = nearest_hub_pieces(city, hubs)
    groups: dict[str, list[Hub]] = {}
    for h in hubs:
        groups.setdefault(JOINED.get(h.name, h.name), []).append(h)
    for name, members in groups.items():  # the named hub first
        members.sort(key=lambda h: (h.name != name, h.name))
    if len(groups) != N_CHIKU:
        raise RuntimeError(f"{len(groups)} 地区 from {len(hubs)} hubs, not {N_CHIKU}")
    ordered = sorted(groups.values(), key=lambda g: (g[0].x, g[0].y))  # west -> east
    out = []
    for i, members in enumerate(ordered, start=1):
        geom = shapely.union_all([p for h in members for p in pieces[h.name]])
        geom = shapely.set_precision(geom, GRID)
        wgs = as_multipolygon(shapely.orient_polygons(geom, exterior_cw=False))
        if not wgs.is_valid or wgs.is_empty:
            raise RuntimeError(f"invalid 地区 around {members[0].name}")
        out.append(Chiku(f"d{i:02d}", members, wgs, to_plane(wgs)))
    _check_tiling(to_plane(city), out)
    return out


def _check_tiling(city: BaseGeometry, chiku: list[Chiku]) -> None:
    union = shapely.union_all([c.plane for c in chiku])
    if abs(union.area - city.area) > 1e-6 * city.area:
        raise RuntimeError("the 地区 do not cover the city")
    if abs(sum(c.plane.area for c in chiku) - union.area) > 10.0:
        raise RuntimeError("the 地区 overlap")
    for c in chiku:
        if not all(c.plane.covers(Point(h.x, h.y)) for h in c.hubs):
            raise RuntimeError(f"{c.name} does not hold its hub")


def add_contacts(chiku: list[Chiku], phones: PhoneBook) -> None:
    """The hub (real name and address; the number is a stand-in) and a stand-in coordinator."""
    for c in chiku:
        c.contacts = [
            {
                "role": "地区の拠点施設",
                "name": c.hub.name,
                "phone": phones.take(),
                "fax": None,
                "address": c.hub.address,
                "hours": HOURS,
            },
            {
                "role": "生活支援コーディネーター",
                "name": f"{c.base}地区 第2層生活支援コーディネーター（デモ）",
                "phone": phones.take(),
                "fax": None,
                "address": f"{c.hub.address}（{c.hub.name}内・デモ）",
                "hours": HOURS,
            },
        ]


def area_features(city: MultiPolygon, chiku: list[Chiku]) -> tuple[list[Any], list[Any]]:
    level1 = [
        area_feature(
            city, area_id=CITY_AREA_ID, city=CITY_CODE, name=CITY_NAME, level=1, parent=None,
            source=CITY_SOURCE, demo=False,
        )
    ]  # fmt: skip
    level2 = [
        area_feature(
            c.wgs, area_id=c.id, city=CITY_CODE, name=c.name, level=2, parent=CITY_AREA_ID,
            source=CHIKU_SOURCE, demo=True, contacts=c.contacts,
        )
        for c in chiku
    ]  # fmt: skip
    return level1, level2


# ---------------------------------------------------------------------------------------------
# real halls and town points


def is_shunan_hall(name: str, hubs: set[str]) -> bool:
    """A meeting hall: every hub, and what the shared rule or 周南市's own words call a hall;
    never a school, and never a building the list calls former (「（旧）」)."""
    if name.startswith("（旧）") or any(w in name for w in SCHOOL_WORDS):
        return False
    return name in hubs or is_hall(name) or any(w in name for w in EXTRA_HALL_WORDS)


def hall_features(
    shelters: list[Shelter], hubs: list[Hub], city: BaseGeometry
) -> list[dict[str, Any]]:
    names = {h.name for h in hubs}
    out = []
    for s in shelters:
        if not is_shunan_hall(s.name, names):
            continue
        pt = Point(s.lon, s.lat)
        if not city.covers(pt):
            raise RuntimeError(f"hall outside the city: {s.name}")
        out.append(hall_feature(pt, hall_id=s.id, city=CITY_CODE, name=s.name,
                                address=s.address, source=HALL_SOURCE))  # fmt: skip
    return out


def load_towns(shared: Path) -> list[Town]:
    towns = []
    for f in load(shared / "shunan" / "town_points.geojson"):
        p = f["properties"]
        lon, lat = (float(v) for v in f["geometry"]["coordinates"])
        x, y = TO_PLANE.transform(lon, lat)
        towns.append(Town(p["town"] + (p.get("koaza") or ""), CITY_CODE, CITY_NAME, lon, lat, x, y))
    towns.sort(key=lambda t: (t.town, t.lon, t.lat))
    return towns


def assign_towns(chiku: list[Chiku], towns: list[Town]) -> None:
    """Each town point to the 地区 holding it (the first, on a shared edge)."""
    for t in towns:
        home = next((c for c in chiku if c.plane.covers(Point(t.x, t.y))), None)
        if home is None:
            raise RuntimeError(f"town point outside the city: {t.town}")
        home.towns.append(t)
    empty = [c.name for c in chiku if not c.towns]
    if empty:
        raise RuntimeError(f"地区 without a town point: {', '.join(empty)}")


def town_features(towns: list[Town]) -> list[dict[str, Any]]:
    """The real town points for offline "where do you live" search."""
    return [
        feature(Point(t.lon, t.lat), {"name": t.town, "demo": False, "source": TOWN_SOURCE})
        for t in towns
    ]


# ---------------------------------------------------------------------------------------------
# stand-in gathering places at the town points


def spot_near(town: Town, chiku: Chiku, rng: random.Random, exact: bool) -> Spot:
    """The town point itself (precision 'town'), or a seeded point 12-55 m from it that stays
    inside the 地区; 'town' again when no such point is found."""
    at_town = Spot(town, round(town.lon, DECIMALS), round(town.lat, DECIMALS), "town")
    if not exact:
        return at_town
    for _ in range(40):
        angle = rng.uniform(0.0, 2.0 * math.pi)
        r = rng.uniform(JITTER_MIN_M, JITTER_MAX_M)
        lon, lat = TO_WGS.transform(town.x + r * math.cos(angle), town.y + r * math.sin(angle))
        lon, lat = round(lon, DECIMALS), round(lat, DECIMALS)
        x, y = TO_PLANE.transform(lon, lat)
        if chiku.inner().contains(Point(x, y)) and math.hypot(x - town.x, y - town.y) <= 60.0:
            return Spot(town, lon, lat, "exact")
    return at_town


def build_places(chiku: list[Chiku], phones: PhoneBook) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    sizes = {c.id: len(c.towns) for c in chiku}
    plan = places.place_plan(chiku, sizes, CATEGORY_TOTALS, MIN_PLACES_PER_CHIKU, rng)
    used_names: set[str] = set()
    used_towns: set[str] = set()
    records: list[tuple[Chiku, str, Spot, dict[str, Any]]] = []
    for c, category in plan:
        free = [t for t in c.towns if t.town not in used_towns]
        town = rng.choice(free or c.towns)
        used_towns.add(town.town)
        spot = spot_near(town, c, rng, exact=not (category == "salon" and rng.random() < 0.16))
        # Places are named after the town without 大字: 「久米ふれあいサロン」.
        named = replace(town, town=town.town.removeprefix("大字"))
        name, kana, organiser = places.identity(category, named, c.base, rng, used_names)
        records.append((c, category, spot, places.details(category, name, kana, organiser, rng)))
    order = places.category_order(CATEGORY_TOTALS)
    records.sort(key=lambda r: (r[0].id, order[r[1]], r[3]["name"]))
    out = []
    for n, (_, category, spot, d) in enumerate(records, start=1):
        address = f"{CITY_NAME}{spot.town.town}（デモ）"
        at = places.Where(spot.lon, spot.lat, address, spot.precision)
        out.append(places.place_feature(n, CITY_CODE, category, d, at, phones, rng, PLACE_SOURCE))
    return out


# ---------------------------------------------------------------------------------------------
# credits and the pack's README


def credits() -> dict[str, Any]:
    return {
        "city": CITY_CODE,
        "name": CITY_NAME,
        "demo_notice_ja": (
            "デモ用の仮データを含みます（" + NOT_OPEN_JA + "。そのため地区は実在の市民センター等を"
            "拠点に作った仮の区域です。集いの場と連絡先の電話番号も架空です）"
        ),
        "demo_notice_en": (
            f"Contains stand-in demo data: {NOT_OPEN_EN}, so the 地区 are stand-ins drawn "
            "around the real 市民センター. "
            "The gathering places and the contacts' phone numbers are fictitious. The city "
            "outline, the halls and the town points are real."
        ),
        "credits": [
            {
                "data": "市域 (areas_city.geojson; 島を含む。仮の地区の外枠)",
                "source": "「国土数値情報（行政区域データ）」(国土交通省) N03 を加工して作成",
                "licence": "国土数値情報 利用約款（出典を明記） — credit MLIT",
                "url": "https://nlftp.mlit.go.jp/ksj/",
            },
            {
                "data": (
                    "市民センター・支所・公民館・集会所等 (halls.geojson; 仮の地区の拠点と名前の元)"
                ),
                "source": "国土地理院 指定緊急避難場所・指定避難所データ を加工して作成",
                "licence": "国土地理院コンテンツ利用規約（出典を明記） — credit GSI",
                "url": "https://www.gsi.go.jp/bousaichiri/hinanbasho.html",
            },
            {
                "data": "町丁目代表点 (towns.geojson; デモ用の集いの場の位置の元)",
                "source": "Geolonia 住所データ (geolonia/japanese-addresses)",
                "licence": "CC BY 4.0, © Geolonia",
                "url": "https://github.com/geolonia/japanese-addresses",
            },
            {
                "data": "地区 (areas_chiku.geojson)",
                "source": CHIKU_SOURCE,
                "licence": "—",
                "url": None,
            },
        ],
        "demo_files": ["areas_chiku.geojson", "places.geojson"],
        "real_files": ["areas_city.geojson", "halls.geojson", "towns.geojson"],
    }


def readme(chiku: list[Chiku], counts: dict[str, int]) -> str:
    rows = "\n".join(
        f"| {area_id(CITY_CODE, c.id, 2, c.name)} | {c.name} "  # the id the import gives it
        f"| {'、'.join(h.name for h in c.hubs)} | {len(c.towns)} |"
        for c in chiku
    )
    return f"""# 周南市 (35215) demo pack

Built by `python -m scripts.demo.shunan` from `../shared/data/shunan/` and the bundled city
outline; do not edit by hand (tests/test_demo_packs.py rebuilds it byte for byte).

**The 地区 are stand-ins.** {NOT_OPEN_EN} ({NOT_OPEN_JA}). 周南市 has 31 地区, each served by a
市民センター or a branch office; `shunan/shimin_centers.csv` lists 32 likely hubs (28 市民センター
and 4 branch offices/centres) found in GSI's shelter list. Each hub owns the land nearer to it
than to any other hub on the same piece of land (Voronoi cells in the plane-rectangular zone III,
clipped to the N03 outline); an island with one hub is that hub's whole, an island with none goes
whole to the nearest hub. 32 hubs would make 32 areas: 粭島 (an island of 0.46 km², 50 m off the
大島 peninsula; its own school is closed, 「（旧）粭島小学校」 in the GSI list) is joined to 大島,
which gives {N_CHIKU}. This is our choice for the demo, not the city's division.

| file | what | real or stand-in |
|---|---|---|
| areas_city.geojson | level 1 (第1層): the city, its N03 outline with every island ({counts["city_parts"]} parts) | real (MLIT) |
| areas_chiku.geojson | level 2 (第2層): {counts["chiku"]} 地区 named after their hub, 「…地区（デモ）」; contacts: the hub (real name and address, stand-in phone) and a stand-in 生活支援コーディネーター | stand-in, `demo: true` |
| halls.geojson | {counts["halls"]} halls as venues: every hub, 市民センター, 集会所, 公会堂, 会館 … (no school, gym or ground) | real (GSI) |
| places.geojson | {counts["places"]} サロン, 通いの場, 認知症カフェ, コミュニティカフェ at the town points of each 地区 | stand-in, `demo: true`, names end in （デモ） |
| towns.geojson | {counts["towns"]} 町丁目/大字 points for 町名で探す | real (Geolonia, CC BY 4.0) |
| credits.json | the map's demo notice and credits | |

Phone numbers are 0834-000-NNNN, which are never assigned (subscriber numbers do not start
with 0).

| id | 地区 | hub(s) | town points |
|---|---|---|---|
{rows}
"""  # noqa: E501


# ---------------------------------------------------------------------------------------------


def build(shared: Path, out: Path) -> dict[str, int]:
    if get_city(CITY_CODE).crs_epsg != PLANE_EPSG:
        raise RuntimeError("周南市's plane-rectangular zone is not EPSG:6671")
    out.mkdir(parents=True, exist_ok=True)
    city = city_outline()
    hubs = load_hubs(shared)
    shelters = load_shelters(shared)
    check_hubs(hubs, shelters)
    chiku = build_chiku(city, hubs)
    towns = load_towns(shared)
    assign_towns(chiku, towns)
    add_contacts(chiku, PhoneBook(101, area="0834"))

    level1, level2 = area_features(city, chiku)
    hall_feats = hall_features(shelters, hubs, city)
    place_feats = build_places(chiku, PhoneBook(1001, area="0834"))
    town_feats = town_features(towns)

    write_collection(out / "areas_city.geojson", level1)
    write_collection(out / "areas_chiku.geojson", level2)
    write_collection(out / "halls.geojson", hall_feats)
    write_collection(out / "places.geojson", place_feats)
    write_collection(out / "towns.geojson", town_feats)
    write_json(out / "credits.json", credits())
    counts = {
        "city_parts": len(city.geoms),
        "chiku": len(level2),
        "halls": len(hall_feats),
        "places": len(place_feats),
        "towns": len(town_feats),
    }
    (out / "README.md").write_text(readme(chiku, counts), encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    return run_builder(argv, __doc__, "shunan", DEFAULT_OUT, build)


if __name__ == "__main__":
    raise SystemExit(main())
