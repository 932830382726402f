"""Build the 新潟市 (15100) demo pack in service/demo_data/15100/ from the shared real data.

    python -m scripts.demo.niigata [--shared PATH] [--out DIR]

Real inputs (see ../shared/data/README.md):
  * niigata/wards_n03.geojson     - the 8 wards (国土数値情報 N03, MLIT)
  * niigata/town_points.geojson   - 町丁目 representative points (Geolonia, CC BY 4.0)
  * niigata/junior_high_schools.csv - the city's junior-high schools (新潟市オープンデータ)
  * niigata/gsi_shelters.geojson  - designated shelters (国土地理院)
  * niigata/ward_population_2020_monthly.csv - ward populations (新潟市 住民基本台帳)

Outputs: areas_wards.geojson (real), areas_daily_towns.csv (27 stand-in 日常生活圏域 as a city
writes them: one row per town, read by the area import's town-list path, which draws each area
from its towns' Voronoi cells; the areas are groups of real 中学校区: each town goes to the
nearest public junior-high school of its ward, and neighbouring 校区 are merged within each ward,
see scripts/demo/school_districts.py), halls.geojson (real halls), places.geojson (stand-in
gathering places), towns.geojson (real town points), population_towns_demo.csv (stand-in older
population, one row per town point, in the 自治体標準オープンデータセット 年齢別人口 layout: each
ward's real total shared among its towns with seeded weights, ages made up) and credits.json.
Everything that is a stand-in carries ``demo: true`` and "（デモ）" in its name (the population
file: its ``note`` and ``demo`` columns).

The town list names the bundled gazetteer's towns (checked equal to the shared points without
their 小字) and the places are placed inside the areas the import draws, with the same function
(boundaries.town_cells), clipped to the wards written here.

The output is byte-identical on every run: no randomness without a fixed seed, no timestamps,
sorted features, coordinates rounded to 7 decimals. What both demo cities share is in
scripts/demo/common.py and scripts/demo/places.py.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from boundaries.town_cells import CityTown, gazetteer_towns, town_cells
from scripts.demo import model_houses, places
from scripts.demo.common import (
    DECIMALS,
    DEMO_DATA,
    PhoneBook,
    Plane,
    Town,
    allocate,
    area_contacts,
    area_feature,
    as_multipolygon,
    feature,
    hall_feature,
    is_hall,
    load,
    run_builder,
    town_base,
    write_collection,
    write_json,
)
from scripts.demo.places import Spot
from scripts.demo.school_districts import School, group_schools, load_schools, nearest_school

DEFAULT_OUT = DEMO_DATA / "15100"

CITY_CODE = "15100"
CITY_NAME = "新潟市"
PLANE = Plane(6676)  # JGD2011 plane rectangular CS VIII (Niigata)
SIMPLIFY_M = 10.0
N_DAILY = 27  # Niigata's real number of 日常生活圏域
MIN_DAILY_PER_WARD = 2
SEED = 15100
JITTER_MAX_M = 55.0  # stays below the 60 m the pack promises
JITTER_MIN_M = 12.0

WARD_SOURCE = "国土数値情報（行政区域データ）N03 2022-01-01, 国土交通省"
WARD_SOURCE_DATE = "2022-01-01"
DAILY_SOURCE = (
    "デモ用の仮データ: 町丁目（Geolonia 住所データ CC BY 4.0）を最寄りの市立中学校（新潟市オープン"
    "データ CC BY 2.1 JP）に割り当てた仮の中学校区を、区内で隣り合うものどうしまとめた圏域"
)
AREAS_FILE = "areas_daily_towns.csv"
SCHOOLS_FILE = "junior_high_schools.csv"
PLACE_SOURCE = "デモ用の仮データ: 町丁目代表点（Geolonia 住所データ CC BY 4.0）に配置"
HALL_SOURCE = "国土地理院 指定緊急避難場所・指定避難所データ"

TO_WGS, TO_PLANE = PLANE.wgs_xy, PLANE.plane_xy
to_plane, to_wgs = PLANE.to_plane, PLANE.to_wgs


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
        area_feature(
            w.wgs, area_id=w.code, city=CITY_CODE, name=w.name, level=1, parent=None,
            source=WARD_SOURCE, source_date=WARD_SOURCE_DATE, demo=False,
        )
        for w in wards
    ]


# ---------------------------------------------------------------------------------------------
# level 2: stand-in 日常生活圏域 made of real 中学校区, shipped as a town list


@dataclass
class DailyArea:
    id: str
    ward: Ward
    name: str
    base: str
    centre_town: Town
    towns: list[Town]
    plane: BaseGeometry  # as the area import draws it from the town list
    schools: list[School]
    school_of: dict[str, str]  # town → the school it was given to
    contacts: list[dict[str, Any]] = field(default_factory=list)
    _inner: BaseGeometry | None = None

    def inner(self) -> BaseGeometry:
        """The area shrunk by 2 m (prepared), for placing points clearly inside it."""
        if self._inner is None:
            self._inner = self.plane.buffer(-2.0)
            shapely.prepare(self._inner)
        return self._inner


def load_towns(shared: Path, wards: list[Ward]) -> tuple[list[Town], list[CityTown]]:
    """The towns a town list names: the gazetteer's, which the area import draws from, checked
    to be the shared points without their 小字 (so the list builds from the shared data alone)."""
    city_towns = gazetteer_towns(CITY_CODE)
    shared_points = {
        (f["properties"]["ward_code"], f["properties"]["town"]): tuple(f["geometry"]["coordinates"])
        for f in load(shared / "niigata" / "town_points.geojson")
        if not f["properties"].get("koaza")
    }
    gazetteer_points = {(t.ward, t.name): (t.geometry.x, t.geometry.y) for t in city_towns}
    if gazetteer_points != shared_points:
        raise RuntimeError("the gazetteer's towns differ from niigata/town_points.geojson")
    names = {w.code: w.name for w in wards}
    towns = []
    for t in city_towns:
        assert t.ward is not None
        x, y = TO_PLANE.transform(t.geometry.x, t.geometry.y)
        towns.append(Town(t.name, t.ward, names[t.ward], t.geometry.x, t.geometry.y, x, y))
    return towns, city_towns


def load_junior_highs(shared: Path, wards: list[Ward]) -> list[School]:
    """新潟市's public junior-high schools, each in its ward (学番 1xx = 北区 … 8xx = 西蒲区)."""
    digits = {w.code[-1]: w.code for w in wards}
    schools = load_schools(shared / "niigata" / SCHOOLS_FILE, digits, TO_PLANE)
    names = {w.code: w.name for w in wards}
    for school in schools:
        if f"{CITY_NAME}{names[school.ward_code]}" not in school.address:
            raise RuntimeError(f"{school.name}: its number and address name other wards")
    return schools


def build_daily(
    wards: list[Ward], towns: list[Town], city_towns: list[CityTown], schools: list[School],
    people: dict[str, int],
) -> list[DailyArea]:
    """N_DAILY areas, shared among the wards by population (at least two each), each a group
    of neighbouring 中学校区 named after its schools."""
    cells = town_cells(CITY_CODE, city_towns, {w.code: w.wgs for w in wards})
    nearest = nearest_school(towns, schools)
    towns_of: dict[str, list[int]] = {}
    for i, school in enumerate(nearest):
        towns_of.setdefault(school.number, []).append(i)
    alloc = allocate({w.code: people[w.name] for w in wards}, N_DAILY, MIN_DAILY_PER_WARD)
    areas: list[DailyArea] = []
    for ward in wards:
        mine = [s for s in schools if s.ward_code == ward.code]
        for group in group_schools(mine, towns_of, cells, alloc[ward.code]):
            members = sorted((towns[i] for i in group.towns), key=lambda t: t.town)
            first = group.schools[0]
            centre = min(members, key=lambda t: ((t.x - first.x) ** 2 + (t.y - first.y) ** 2,
                                                 t.town))  # fmt: skip
            area_id = f"{CITY_CODE}-d{len(areas) + 1:02d}"
            school_of = {towns[i].town: nearest[i].name for i in group.towns}
            areas.append(DailyArea(area_id, ward, f"{group.base}圏域（デモ）", group.base, centre,
                                   members, group.plane, group.schools, school_of))  # fmt: skip
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
        council = (
            f"{CITY_NAME}社会福祉協議会 {a.ward.name}事務所（デモ）",
            f"{CITY_NAME}{a.ward.name}（デモ）",
        )
        a.contacts = area_contacts(i, a.base, address, council, phones, number_every_fax=True)


def write_town_list(path: Path, areas: list[DailyArea]) -> int:
    """The areas as a city writes them: one row per town (UTF-8 with BOM, CRLF, for Excel),
    with the school the town was given to; an area's contacts and source on its first row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["id", "area", "level", "parent", "ward", "town", "中学校", "contacts",
                     "source", "demo"])  # fmt: skip
    rows = 0
    for a in areas:
        for n, town in enumerate(a.towns):
            first = n == 0
            contacts = json.dumps(a.contacts, ensure_ascii=False) if first else ""
            writer.writerow([
                a.id.removeprefix(f"{CITY_CODE}-"), a.name, 2, a.ward.code, a.ward.name, town.town,
                a.school_of[town.town], contacts, DAILY_SOURCE if first else "", "true",
            ])  # fmt: skip
            rows += 1
    path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))
    return rows


# ---------------------------------------------------------------------------------------------
# real halls (venues)


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
        out.append(hall_feature(pt, hall_id=p["共通ID"], city=CITY_CODE, name=name,
                                address=p["住所"], source=HALL_SOURCE))  # fmt: skip
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

def _text_example(
    category: str, ward_code: str, done: dict[str, bool], name_kana_org: tuple[str, str | None, str]
) -> tuple[str, str | None, str]:
    """Two places whose names test text handling: a ㈱ and full-width letters and digits."""
    if category == "community-cafe" and ward_code == "15103" and not done["kabu"]:
        done["kabu"] = True
        return "㈱みなと福祉 コミュニティカフェ（デモ）", None, "㈱みなと福祉（デモ）"
    if category == "kayoinoba" and ward_code == "15102" and not done["zenkaku"]:
        done["zenkaku"] = True
        kana = "ごーごーたいそうくらぶにじゅういち"
        return "ＧＯＧＯ体操クラブ２１（デモ）", kana, name_kana_org[2]
    return name_kana_org


def build_places(
    areas: list[DailyArea], wards: list[Ward], phones: PhoneBook, real_wards: set[str]
) -> list[dict[str, Any]]:
    """The stand-in places; a ward in ``real_wards`` has a real model house (model_houses.py),
    so its stand-in is drawn (every draw stays the same) but not written."""
    rng = random.Random(SEED)
    # How many places each area gets: in proportion to its town points, at least 4.
    sizes = {a.id: len(a.towns) for a in areas}
    plan = places.place_plan(areas, sizes, CATEGORY_TOTALS, 4, rng)

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
        organiser = f"{ward.name}モデルハウス運営委員会（デモ）"
        records.append((a, "model-house", spot, places.model_house_details(name, organiser, rng)))

    special_done = {"kabu": False, "zenkaku": False}
    for a, category in plan:
        town = pick_town(a)
        exact = not (category == "salon" and rng.random() < 0.16)
        spot = place_point(town, a, rng, exact)
        drawn = places.identity(category, town, a.base, rng, used_names)
        name, kana, organiser = _text_example(category, a.ward.code, special_done, drawn)
        used_names.add(name)
        records.append((a, category, spot, places.details(category, name, kana, organiser, rng)))
    if not all(special_done.values()):
        raise RuntimeError("the text-handling examples were not placed")

    # Stable order: ward, area, category, name.
    cat_order = places.category_order(CATEGORY_TOTALS)
    records.sort(key=lambda r: (r[0].ward.code, r[0].id, cat_order[r[1]], r[3]["name"]))
    out = []
    for n, (a, category, spot, d) in enumerate(records, start=1):
        address = f"{CITY_NAME}{a.ward.name}{spot.town.town}（デモ）"
        at = places.Where(spot.lon, spot.lat, address, spot.precision)
        feat = places.place_feature(n, CITY_CODE, category, d, at, phones, rng, PLACE_SOURCE)
        if not (category == "model-house" and a.ward.name in real_wards):
            out.append(feat)
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
            "デモ用の仮データを含みます（日常生活圏域は実在の中学校区を区内でまとめた仮の区分で、"
            "集いの場・連絡先・町丁目ごとの高齢者人口は架空です）"
        ),
        "demo_notice_en": (
            "Contains stand-in demo data: the daily-living areas are stand-in groups of real "
            "junior-high school districts; gathering places, contacts and the older population "
            "per town are fictitious. Ward boundaries, halls, towns and schools are real."
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
                "data": f"市立中学校の名称と位置 ({AREAS_FILE} の圏域の名前と中学校区)",
                "source": (
                    "新潟市オープンデータ 中学校一覧 (seinokatsuhiro/koshu-from-niigata 経由)"
                ),
                "licence": "CC BY 2.1 JP — credit 新潟市",
                "url": "https://www.city.niigata.lg.jp/",
            },
            {
                "data": f"日常生活圏域 ({AREAS_FILE})",
                "source": (
                    "デモ用の仮データ: 町丁目を最寄りの市立中学校に割り当てた仮の中学校区を、区内で"
                    "隣り合うものどうし27圏域にまとめたもの。新潟市の実際の圏域の区分ではありません"
                ),
                "licence": "—",
                "url": None,
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
            model_houses.credit(),
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
        "demo_files": [AREAS_FILE, "places.geojson", POPULATION_FILE],
        "real_files": ["areas_wards.geojson", "halls.geojson", "towns.geojson",
                       model_houses.FILE],  # fmt: skip
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
    towns, city_towns = load_towns(shared, wards)
    for t in towns:
        ward = next(w for w in wards if w.code == t.ward_code)
        if not ward.plane.contains(Point(t.x, t.y)):
            raise RuntimeError(f"town point outside its ward: {t.town}")
    schools = load_junior_highs(shared, wards)
    areas = build_daily(wards, towns, city_towns, schools, ward_totals(shared))
    add_contacts(areas, PhoneBook(101))
    city = shapely.union_all([w.wgs for w in wards])

    ward_feats = ward_features(wards)
    hall_feats = hall_features(shared, city)
    houses = model_houses.real_houses(shared)
    place_feats = build_places(areas, wards, PhoneBook(1001), {h["ward"] for h in houses})

    write_collection(out / "areas_wards.geojson", ward_feats)
    town_rows = write_town_list(out / AREAS_FILE, areas)
    write_collection(out / "halls.geojson", hall_feats)
    write_collection(out / "places.geojson", place_feats)
    model_houses.write(out / model_houses.FILE, houses)
    town_feats = town_features(shared)
    write_collection(out / "towns.geojson", town_feats)
    population = town_population(shared)
    write_population(out / POPULATION_FILE, population)
    write_json(out / "credits.json", credits())
    return {
        "wards": len(ward_feats),
        "daily": len(areas),
        "daily_town_rows": town_rows,
        "schools": len(schools),
        "halls": len(hall_feats),
        "places": len(place_feats),
        "real_model_houses": len(houses),
        "towns": len(town_feats),
        "population_rows": len(population),
        "people": sum(int(r[8]) for r in population),
    }


def main(argv: list[str] | None = None) -> int:
    return run_builder(argv, __doc__, "niigata", DEFAULT_OUT, build)


if __name__ == "__main__":
    raise SystemExit(main())
