"""The committed 新潟市 demo pack (service/demo_data/15100): shape, honesty and reproducibility.

(宇部市's pack, and loading both cities into a store, are tested in tests/test_demo_ube.py.)

Everything here reads the committed pack only; tests/test_demo_packs.py rebuilds it. The daily
areas are a town list (areas_daily_towns.csv): their polygons are the ones the area import draws
from it, read here from a store the wards and the list are imported into.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import tempfile
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import shapely
from demo_pack import DemoPack
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from boundaries.area_import import AreaImportOptions, import_areas
from geo.japan import gazetteer
from geo.store.gpkg import GpkgStore
from service.serialize import area_properties

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "service" / "demo_data" / "15100"
TOWN_LIST = "areas_daily_towns.csv"
SCHOOLS = REPO / "tests" / "data" / "source" / "niigata" / "junior_high_schools.csv"
WARD_IDS = [f"1510{i}" for i in range(1, 9)]
WARD_AREA = "15100-L1-"  # a ward's stored id: {city}-L1-{its code}
PHONE = re.compile(r"^0\d{1,4}-000-\d{4}$")
POPULATION = "population_towns_demo.csv.gz"
# 新潟市 住民基本台帳人口, October 2020 (tests/data/source/niigata/ward_population_2020_monthly.csv)
WARD_TOTALS_2020_10 = {
    "北区": 73332, "東区": 135960, "中央区": 174648, "江南区": 68415, "秋葉区": 76609,
    "南区": 44237, "西区": 156339, "西蒲区": 55848,
}  # fmt: skip
SCHOOL_WORDS = ("学校", "小学校", "中学校", "高校", "高等学校", "大学", "幼稚園", "保育園")
CATEGORIES = {"salon", "chanoma", "community-cafe", "dementia-cafe", "kayoinoba", "model-house"}
DEMO = DemoPack(PACK, 6676)
_features, _plane, _pack_files = DEMO.features, DEMO.plane, DEMO.files


@cache
def _wards() -> dict[str, BaseGeometry]:
    return {
        f["properties"]["id"]: _plane(shape(f["geometry"]))
        for f in _features("areas_wards.geojson")
    }


@cache
def _daily() -> list[tuple[dict[str, Any], BaseGeometry]]:
    """The daily areas as the import draws them from the town list (after the wards), each
    parent given as the pack gives it (the ward's code; stored as 15100-L1-{code})."""
    with tempfile.TemporaryDirectory() as tmp:
        store = GpkgStore(Path(tmp) / "pack.gpkg")
        try:
            import_areas(store, PACK / "areas_wards.geojson", AreaImportOptions("15100", level=1))
            import_areas(store, PACK / TOWN_LIST, AreaImportOptions("15100", level=2))
            areas = store.areas("15100", level=2)
        finally:
            store.close()
    for a in areas:
        assert a.parent is not None and a.parent.startswith(WARD_AREA)
    return [
        (area_properties(a) | {"parent": (a.parent or "").removeprefix(WARD_AREA)},
         _plane(a.geometry))
        for a in areas
    ]  # fmt: skip


@cache
def _town_rows() -> list[dict[str, str]]:
    with (PACK / TOWN_LIST).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def _schools() -> dict[str, dict[str, str]]:
    """新潟市's public junior-high schools (those with a 学番) by name."""
    with SCHOOLS.open(encoding="utf-8") as fh:
        return {r["学校名"]: r for r in csv.DictReader(fh) if r["学番"]}


def _places() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("places.geojson")


def _halls() -> list[dict[str, Any]]:
    return _features("halls.geojson")


@cache
def _population() -> list[dict[str, str]]:
    with gzip.open(PACK / POPULATION, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _count(row: dict[str, str], sexes: tuple[str, ...], bands: range) -> int:
    return sum(int(row[f"{sex}{k}"]) for sex in sexes for k in bands)


def test_wards_are_the_eight_real_wards_at_level_one() -> None:
    feats = _features("areas_wards.geojson")
    assert sorted(f["properties"]["id"] for f in feats) == WARD_IDS
    for f in feats:
        p = f["properties"]
        assert p["level"] == 1 and p["parent"] is None
        assert p["demo"] is False and p["contacts"] == []
        assert p["name"].endswith("区") and "N03" in p["source"]
        assert shape(f["geometry"]).is_valid


def test_daily_areas_are_27_with_a_ward_parent_and_stable_ids() -> None:
    daily = _daily()
    assert [p["id"] for p, _ in daily] == [f"15100-L2-d{i:02d}" for i in range(1, 28)]
    for p, geom in daily:
        assert p["level"] == 2 and p["parent"] in WARD_IDS
        assert p["demo"] is True and p["name"].endswith("圏域（デモ）")
        assert p["geometry_source"] == "town-points"
        assert geom.is_valid and not geom.is_empty
    assert {p["parent"] for p, _ in daily} == set(WARD_IDS)
    per_ward = {w: sum(p["parent"] == w for p, _ in daily) for w in WARD_IDS}
    assert min(per_ward.values()) >= 2


def test_the_town_list_names_every_town_of_the_city_once() -> None:
    rows = _town_rows()
    listed = [(r["parent"], r["town"]) for r in rows]
    assert len(listed) == len(set(listed)) == 1849
    assert set(listed) == {(t.ward_code, t.name) for t in gazetteer.towns("15100")}
    assert {r["level"] for r in rows} == {"2"} and {r["demo"] for r in rows} == {"true"}


def test_daily_areas_are_real_school_districts_named_after_their_schools() -> None:
    schools = _schools()
    by_area: dict[str, list[dict[str, str]]] = {}
    for r in _town_rows():
        by_area.setdefault(r["area"], []).append(r)
    seen: set[str] = set()
    for area, rows in by_area.items():
        mine = sorted({r["中学校"] for r in rows}, key=lambda n: schools[n]["学番"])
        assert area == "・".join(n.removesuffix("中学校") for n in mine) + "圏域（デモ）"
        for r in rows:  # a school of the town's ward: 学番 1xx is 北区 (15101) … 8xx 西蒲区
            assert r["parent"] == "1510" + schools[r["中学校"]]["学番"][0], r["town"]
        assert not seen & set(mine)  # a 中学校区 is never split between areas
        seen |= set(mine)
    assert seen == set(schools)  # every public junior-high school has its 校区


def test_each_town_goes_to_the_nearest_school_of_its_ward() -> None:
    points = {(t.ward_code, t.name): (t.lon, t.lat) for t in gazetteer.towns("15100")}
    schools = _schools()
    for r in _town_rows():
        x, y = DEMO.to_plane.transform(*points[(r["parent"], r["town"])])
        ward = [s for s in schools.values() if "1510" + s["学番"][0] == r["parent"]]
        nearest = min(ward, key=lambda s: _distance2(s, x, y))
        assert nearest["学校名"] == r["中学校"], r["town"]


def _distance2(school: dict[str, str], x: float, y: float) -> float:
    sx, sy = DEMO.to_plane.transform(float(school["lon"]), float(school["lat"]))
    return float((sx - x) ** 2 + (sy - y) ** 2)


def test_daily_areas_lie_inside_their_ward() -> None:
    wards = _wards()
    for p, geom in _daily():
        outside = geom.difference(wards[p["parent"]]).area
        assert outside < 0.005 * geom.area, p["id"]


def test_daily_areas_of_a_ward_do_not_overlap() -> None:
    daily = _daily()
    for ward in WARD_IDS:
        mine = [(p["id"], g) for p, g in daily if p["parent"] == ward]
        for (a, ga), (b, gb) in combinations(mine, 2):
            assert ga.intersection(gb).area < 1.0, (a, b)


def test_daily_areas_cover_their_ward() -> None:
    wards = _wards()
    daily = _daily()
    for ward, wgeom in wards.items():
        union = shapely.union_all([g for p, g in daily if p["parent"] == ward])
        assert union.intersection(wgeom).area >= 0.995 * wgeom.area, ward


def test_daily_area_contacts_are_stand_ins_with_known_roles() -> None:
    roles = {"地域包括支援センター", "生活支援コーディネーター", "社会福祉協議会"}
    for p, _ in _daily():
        contacts = p["contacts"]
        assert isinstance(contacts, list) and 2 <= len(contacts) <= 3, p["id"]
        for c in contacts:
            assert c["role"] in roles
            assert c["name"].endswith("（デモ）") and c["address"].endswith("（デモ）")
            assert c["hours"]


def test_gathering_places_are_many_and_span_the_categories() -> None:
    places = _places()
    assert len(places) >= 150
    cats = {p["category"] for p, _ in places}
    assert len(cats) >= 5 and cats <= CATEGORIES
    assert all(p["kind"] == "gathering" for p, _ in places)
    counts = {c: sum(p["category"] == c for p, _ in places) for c in cats}
    assert max(counts, key=lambda c: counts[c]) == "salon"


def test_exactly_one_model_house_per_ward_real_where_the_city_names_one() -> None:
    """新潟市's real houses (placed from their addresses at load) replace the stand-ins of
    their wards; a real one without a usable address (中央区: 住所不明) leaves its stand-in."""
    from geo.japan.gazetteer import TownMatch, match_town

    wards = _wards()
    houses = [g for p, g in _places() if p["category"] == "model-house"]
    stand_in = sorted(w for g in houses for w, wg in wards.items() if wg.contains(g))
    with (PACK / "model_houses_real.csv").open(encoding="utf-8-sig", newline="") as fh:
        real = list(csv.DictReader(fh))
    placed = [match_town("15100", r["住所"]) for r in real]
    real_wards = sorted(m.code for m in placed if isinstance(m, TownMatch))
    assert real_wards == ["15102", "15105", "15106", "15108"]
    assert sorted(stand_in + real_wards) == WARD_IDS
    assert all("（デモ）" not in r["名称"] and "緯度" not in r for r in real)


def test_every_ward_and_daily_area_has_gathering_places() -> None:
    places = [g for _, g in _places()]
    for p, geom in _daily():
        assert any(geom.contains(g) for g in places), p["id"]


def test_every_stand_in_is_marked_demo() -> None:
    for p, _ in _places():
        assert p["demo"] is True, p["id"]
        assert p["name"].endswith("（デモ）"), p["name"]
        assert p["address"].endswith("（デモ）")
        assert "デモ" in p["source"]
    for p, _ in _daily():
        assert p["demo"] is True and "デモ" in p["source"]
    for row in _population():
        assert row["demo"] == "true" and "デモ用の仮データ" in row["note"]
    credits = DEMO.json("credits.json")
    assert "デモ用の仮データ" in credits["demo_notice_ja"]
    assert set(credits["demo_files"]) == {TOWN_LIST, "places.geojson", POPULATION}


def test_every_phone_is_a_non_dialable_stand_in() -> None:
    numbers = DEMO.phone_numbers()
    assert len(numbers) > 100
    bad = [n for n in numbers if not PHONE.match(n)]
    assert bad == []


def test_ids_are_unique_across_the_pack() -> None:
    ids = (
        list(_wards())
        + [p["id"] for p, _ in _daily()]
        + [p["id"] for p, _ in _places()]
        + [f["properties"]["id"] for f in _halls()]
    )
    assert len(ids) == len(set(ids))


def test_every_place_and_hall_lies_inside_the_city() -> None:
    city = shapely.union_all(list(_wards().values()))
    shapely.prepare(city)
    outside = [p["id"] for p, g in _places() if not city.contains(g)]
    outside += [
        f["properties"]["id"] for f in _halls() if not city.contains(_plane(shape(f["geometry"])))
    ]
    assert outside == []


def test_places_keep_their_extras_well_formed() -> None:
    hhmm = re.compile(r"^\d{2}:\d{2}$")
    for p, _ in _places():
        assert p["status"] in {"active", "paused"}
        assert p["location_precision"] in {"exact", "town"}
        assert re.match(r"^202[56]-\d{2}-\d{2}$", p["last_verified"])
        assert p["schedule"] and isinstance(p["schedule_rules"], list) and p["schedule_rules"]
        for rule in p["schedule_rules"]:
            assert rule["weekdays"] and all(0 <= d <= 6 for d in rule["weekdays"])
            assert rule["weeks"] is None or all(1 <= w <= 5 for w in rule["weeks"])
            assert hhmm.match(rule["start"]) and hhmm.match(rule["end"])
            assert rule["start"] < rule["end"]
    salons = [p for p, _ in _places() if p["category"] == "salon"]
    at_town = sum(p["location_precision"] == "town" for p in salons)
    assert 0.05 * len(salons) <= at_town <= 0.3 * len(salons)
    names = [p["name"] for p, _ in _places()]
    assert any("㈱" in n for n in names)
    assert any(re.search(r"[Ａ-Ｚａ-ｚ０-９]", n) for n in names)


def test_halls_are_real_venues_and_none_is_a_school() -> None:
    halls = _halls()
    assert len(halls) >= 30
    for f in halls:
        p = f["properties"]
        assert p["kind"] == "venue" and p["category"] == "hall"
        assert p["demo"] is False
        assert re.match(r"^E15100\d+$", p["id"])
        assert not any(w in p["name"] for w in SCHOOL_WORDS), p["name"]


def test_credits_name_every_source() -> None:
    credits = DEMO.json("credits.json")
    assert credits["city"] == "15100" and credits["name"] == "新潟市"
    text = json.dumps(credits["credits"], ensure_ascii=False)
    for needle in ("国土数値情報", "国土交通省", "Geolonia", "CC BY 4.0", "国土地理院", "新潟市",
                   POPULATION, "中学校", "CC BY 2.1 JP", TOWN_LIST):
        assert needle in text


def test_population_has_one_stand_in_row_at_each_town_point() -> None:
    rows = _population()
    towns = _features("towns.geojson")
    assert len(rows) == len(towns) == 1862
    by_key = {(r["ward"], r["regionName"]): r for r in rows}
    assert len(by_key) == len(rows)
    for f in towns:
        row = by_key[(f["properties"]["area"], f["properties"]["name"])]
        lat, lon = (float(v) for v in row["location"].split(","))
        assert (lon, lat) == tuple(f["geometry"]["coordinates"])
    wards = {w: f"1510{i}" for i, w in enumerate(WARD_TOTALS_2020_10, start=1)}
    assert all(r["prefCode"] == wards[r["ward"]] for r in rows)
    assert all(r["cityName"] == f"新潟市{r['ward']}" for r in rows)


def test_population_counts_are_consistent_and_at_niigata_magnitudes() -> None:
    rows = _population()
    for r in rows:
        total = int(r["totalPopulation"])
        age65 = _count(r, ("man", "woman"), range(14, 19))
        age75 = _count(r, ("man", "woman"), range(16, 19))
        assert _count(r, ("man", "woman"), range(1, 19)) == total, r["regionName"]
        assert int(r["male"]) == _count(r, ("man",), range(1, 19))
        assert int(r["woman"]) == _count(r, ("woman",), range(1, 19))
        assert 0 <= age75 <= age65 <= total
    per_ward = {w: sum(int(r["totalPopulation"]) for r in rows if r["ward"] == w)
                for w in WARD_TOTALS_2020_10}  # fmt: skip
    assert per_ward == WARD_TOTALS_2020_10
    people = sum(per_ward.values())
    older = sum(_count(r, ("man", "woman"), range(14, 19)) for r in rows)
    oldest = sum(_count(r, ("man", "woman"), range(16, 19)) for r in rows)
    assert 0.27 < older / people < 0.33
    assert 0.13 < oldest / people < 0.18
