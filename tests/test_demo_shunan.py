"""The committed 周南市 demo pack (service/demo_data/35215): the city with its islands, 31
stand-in 地区 around the real 市民センター, real halls and towns, stand-in places, and honesty.

These read the committed pack, and the hub list it was built from (tests/data/source/shunan);
tests/test_demo_packs.py rebuilds the pack, tests/test_demo_ube.py and tests/test_api.py load it
into both stores with the other demo cities.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from demo_pack import DemoPack
from scipy.spatial import cKDTree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from geo.japan.municipalities import outline
from service.demo import DEMO_CITIES, demo_credits

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "service" / "demo_data" / "35215"
HUBS = REPO / "tests" / "data" / "source" / "shunan" / "shimin_centers.csv"
CITY = "35215"
CHIKU_IDS = [f"d{i:02d}" for i in range(1, 32)]  # the file's own ids
PHONE = re.compile(r"^0834-000-\d{4}$")
CATEGORIES = {"salon", "kayoinoba", "dementia-cafe", "community-cafe"}
NOT_HALLS = ("学校", "小学校", "中学校", "大学", "体育館", "体育センター", "武道館", "スポーツ",
             "斎場", "（旧）")  # fmt: skip
OTSUSHIMA = (131.710389, 34.017733)  # 大津島支所, on the island of 大津島
DEMO = DemoPack(PACK, 6671)
_features, _plane = DEMO.features, DEMO.plane


@cache
def _city() -> tuple[dict[str, Any], BaseGeometry]:
    (f,) = _features("areas_city.geojson")
    return f["properties"], shape(f["geometry"])


def _chiku() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("areas_chiku.geojson")


def _places() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("places.geojson")


def _halls() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("halls.geojson")


@cache
def _hubs() -> list[dict[str, str]]:
    with HUBS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _hub_point(name: str) -> BaseGeometry:
    (row,) = [r for r in _hubs() if r["name"] == name]
    return _plane(Point(float(row["lon"]), float(row["lat"])))


def test_pack_holds_the_city_its_chiku_halls_places_towns_credits_and_readme() -> None:
    assert [p.name for p in DEMO.files()] == [
        "README.md", "areas_chiku.geojson", "areas_city.geojson", "credits.json",
        "halls.geojson", "places.geojson", "towns.geojson",
    ]  # fmt: skip
    assert CITY in DEMO_CITIES


def test_level_one_is_the_real_city_outline_with_every_island() -> None:
    props, geom = _city()
    assert props["id"] == CITY and props["name"] == "周南市"
    assert props["level"] == 1 and props["parent"] is None
    assert props["demo"] is False and props["contacts"] == [] and "N03" in props["source"]
    assert geom.is_valid and len(geom.geoms) == 132
    assert geom.hausdorff_distance(outline(CITY)) < 1e-7  # the bundled outline, to 7 decimals
    assert geom.covers(Point(*OTSUSHIMA))


def test_level_two_is_31_stand_in_chiku_named_after_their_hub() -> None:
    chiku = _chiku()
    assert [p["id"] for p, _ in chiku] == CHIKU_IDS
    names = [p["name"] for p, _ in chiku]
    assert len(set(names)) == 31
    for p, geom in chiku:
        assert p["level"] == 2 and p["parent"] == CITY and p["demo"] is True
        assert re.fullmatch(r".+地区（デモ）", p["name"]), p["name"]
        assert "デモ用の仮データ" in p["source"] and "公開されていません" in p["source"]
        assert geom.is_valid and not geom.is_empty
    assert "大島・粭島地区（デモ）" in names and "大津島地区（デモ）" in names


def test_chiku_tile_the_city_without_overlap() -> None:
    _, city = _city()
    plane_city = _plane(city)
    chiku = _chiku()
    for (a, ga), (b, gb) in combinations(chiku, 2):
        assert ga.intersection(gb).area < 1.0, (a["id"], b["id"])
    union = shapely.union_all([g for _, g in chiku])
    assert union.symmetric_difference(plane_city).area < 1e-6 * plane_city.area


def test_every_hub_lies_in_its_chiku_and_all_32_are_used() -> None:
    chiku = _chiku()
    hub_names = {r["name"] for r in _hubs()}
    assert len(hub_names) == 32
    used = []
    for p, geom in chiku:
        hub = p["contacts"][0]
        assert hub["role"] == "地区の拠点施設" and hub["name"] in hub_names
        (row,) = [r for r in _hubs() if r["name"] == hub["name"]]
        assert hub["address"] == row["address"]  # the real address
        assert geom.contains(_hub_point(hub["name"])), p["name"]
        used.append(hub["name"])
    assert sorted(hub_names - set(used)) == ["粭島市民センター"]
    (joined,) = [g for p, g in chiku if p["name"] == "大島・粭島地区（デモ）"]
    assert joined.contains(_hub_point("粭島市民センター"))


def test_an_island_is_never_split_between_chiku() -> None:
    """Each part of the outline with at most one hub lies in one 地区 whole."""
    _, city = _city()
    chiku = _chiku()
    hubs = [_hub_point(r["name"]) for r in _hubs()]
    whole = 0
    for part in city.geoms:
        land = _plane(part)
        if sum(land.covers(h) for h in hubs) > 1:
            continue  # the mainland, shared by the hubs on it
        owners = [p["id"] for p, g in chiku if g.intersection(land).area > 1e-3 * land.area]
        assert len(owners) == 1, owners
        whole += 1
    assert whole == 131
    (otsushima,) = [p for p, g in chiku if g.contains(_plane(Point(*OTSUSHIMA)))]
    assert otsushima["name"] == "大津島地区（デモ）"


def test_contacts_are_the_real_hub_with_stand_in_numbers_and_a_stand_in_coordinator() -> None:
    for p, _ in _chiku():
        hub, coordinator = p["contacts"]
        assert not hub["name"].endswith("（デモ）")
        assert coordinator["role"] == "生活支援コーディネーター"
        assert coordinator["name"].endswith("（デモ）")
        assert coordinator["address"].endswith("デモ）")
    numbers = DEMO.phone_numbers("areas_chiku.geojson")
    assert len(numbers) > 100 and len(set(numbers)) == len(numbers)
    assert [n for n in numbers if not PHONE.match(n)] == []


def test_halls_are_real_meeting_halls_with_every_hub_and_no_school() -> None:
    halls = _halls()
    assert 50 <= len(halls) <= 80
    ids = [p["id"] for p, _ in halls]
    assert len(set(ids)) == len(ids)
    names = {p["name"] for p, _ in halls}
    assert {r["name"] for r in _hubs()} <= names
    assert {"中村区公会堂", "東福祉館", "光万寺集会所"} <= names
    _, city = _city()
    for p, geom in halls:
        assert p["kind"] == "venue" and p["category"] == "hall" and p["demo"] is False
        assert re.fullmatch(r"E35215\d+", p["id"]) and "国土地理院" in p["source"]
        assert not any(w in p["name"] for w in NOT_HALLS), p["name"]
        assert p["address"].startswith("山口県周南市")
        assert _plane(city).contains(geom), p["name"]


def test_places_are_stand_ins_at_real_town_points_in_every_chiku() -> None:
    places = _places()
    assert len(places) == 97
    assert {p["category"] for p, _ in places} == CATEGORIES
    towns = np.array([(g.x, g.y) for _, g in DEMO.shapes("towns.geojson")])
    dist, _ = cKDTree(towns).query(np.array([(g.x, g.y) for _, g in places]))
    assert dist.max() <= 60.0  # at a town point, or a few tens of metres from it
    for p, _ in places:
        assert p["demo"] is True and "デモ" in p["source"] and p["kind"] == "gathering"
        assert p["name"].endswith("（デモ）") and not p["name"].startswith("大字")
        assert re.fullmatch(r"周南市.+（デモ）", p["address"]), p["address"]
        assert p["schedule"] and p["schedule_rules"]
    for p, geom in _chiku():
        inside = [q for q, g in places if geom.contains(g)]
        assert len(inside) >= 2, p["name"]


def test_towns_are_the_real_town_points() -> None:
    towns = _features("towns.geojson")
    assert len(towns) == 324
    names = [f["properties"]["name"] for f in towns]
    assert len(set(names)) == len(names) and "大字大津島" in names
    assert all(f["properties"]["demo"] is False for f in towns)
    assert all("Geolonia" in f["properties"]["source"] for f in towns)


def test_credits_and_readme_say_the_official_chiku_are_not_open() -> None:
    credits = demo_credits(CITY)
    assert credits["city"] == CITY and credits["name"] == "周南市"
    assert "デモ用の仮データ" in credits["demo_notice_ja"]
    notice = credits["demo_notice_ja"]
    assert "31地区" in notice and "公開されていません" in notice
    assert "not open" in credits["demo_notice_en"]
    text = json.dumps(credits["credits"], ensure_ascii=False)
    for needle in ("国土数値情報", "国土交通省", "MLIT", "国土地理院", "GSI", "Geolonia",
                   "CC BY 4.0"):  # fmt: skip
        assert needle in text, needle
    assert set(credits["demo_files"]) == {"areas_chiku.geojson", "places.geojson"}
    readme = (PACK / "README.md").read_text(encoding="utf-8")
    assert "公開されていません" in readme and "not open" in readme and "粭島" in readme
