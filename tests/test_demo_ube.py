"""The committed 宇部市 demo pack (service/demo_data/35202), and the three demo cities loaded.

The pack tests read the committed files only (tests/test_demo_packs.py rebuilds them). The load
tests import every pack through load_demo into a GeoPackage and a PostGIS store and load them
again, which must change nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from demo_pack import DemoPack
from scipy.spatial import cKDTree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.analysis.coverage import coverage
from geo.analysis.demand import spread_population
from geo.japan import mesh
from geo.store.base import PlaceQuery, Store
from geo.store.gpkg import GpkgStore
from geo.store.postgis import PostgisStore
from geo.walk.city_network import load_network
from service.demo import demo_credits, load_demo

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "service" / "demo_data" / "35202"
CENTER = "c01"  # the pack writes the ids a city's file would; stored as 35202-L1-c01
DAILY_IDS = [f"d{i:02d}" for i in range(1, 8)]  # the file's own ids
PHONE = re.compile(r"^0836-000-\d{4}$")
CATEGORIES = {"salon", "chanoma", "community-cafe", "dementia-cafe", "kayoinoba", "model-house"}
NOT_HALLS = ("学校", "小学校", "中学校", "体育館", "公園", "八幡宮", "寺")
POPULATION = "population_mesh_250m_demo.csv"
DEMO = DemoPack(PACK, 6671)
_features, _plane, _pack_files = DEMO.features, DEMO.plane, DEMO.files


@cache
def _center() -> tuple[dict[str, Any], BaseGeometry]:
    (f,) = _features("areas_center.geojson")
    return f["properties"], _plane(shape(f["geometry"]))


def _daily() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("areas_daily.geojson")


def _places() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("places.geojson")


def _halls() -> list[tuple[dict[str, Any], BaseGeometry]]:
    return DEMO.shapes("halls.geojson")


@cache
def _population() -> tuple[list[str], list[str], list[list[str]]]:
    """(column codes, labels, rows) of the e-Stat layout file, read as e-Stat writes it."""
    text = (PACK / POPULATION).read_bytes().decode("cp932")
    codes, labels, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return codes, labels, rows


def _column(label: str) -> int:
    return _population()[1].index(label)


# ---------------------------------------------------------------------------- the pack


def test_pack_holds_network_areas_halls_places_population_and_credits() -> None:
    assert [p.name for p in _pack_files()] == [
        "areas_center.geojson", "areas_daily.geojson", "credits.json", "halls.geojson",
        "places.geojson", POPULATION, "ube_walk.osm.pbf",
    ]  # fmt: skip
    assert (PACK / "ube_walk.osm.pbf").read_bytes()[:16].find(b"OSMHeader") >= 0


def test_center_area_is_one_stand_in_level_one_area() -> None:
    props, geom = _center()
    assert props["id"] == CENTER and props["name"] == "宇部市中心部（デモ）"
    assert props["level"] == 1 and props["parent"] is None and props["demo"] is True
    assert props["contacts"] == [] and "デモ" in props["source"]
    assert geom.is_valid and 40e6 < geom.area < 80e6  # central 宇部市: ~58 km²


def test_daily_areas_are_seven_stand_ins_under_the_center_area() -> None:
    daily = _daily()
    assert [p["id"] for p, _ in daily] == DAILY_IDS
    names = [p["name"] for p, _ in daily]
    assert len(set(names)) == len(names)
    for p, geom in daily:
        assert p["level"] == 2 and p["parent"] == CENTER and p["demo"] is True
        assert re.fullmatch(r".+圏域（デモ）", p["name"]), p["name"]
        assert geom.is_valid and not geom.is_empty
        assert 2 <= len(p["contacts"]) <= 3
        for c in p["contacts"]:
            assert c["name"].endswith("（デモ）") and c["address"].endswith("（デモ）")


def test_daily_areas_tile_the_center_area() -> None:
    _, center = _center()
    daily = _daily()
    for (a, ga), (b, gb) in combinations(daily, 2):
        assert ga.intersection(gb).area < 1.0, (a["id"], b["id"])
    union = shapely.union_all([g for _, g in daily])
    assert union.symmetric_difference(center).area < 1e-4 * center.area


def test_halls_are_real_halls_inside_the_center_area() -> None:
    _, center = _center()
    halls = _halls()
    assert 10 <= len(halls) <= 25
    for p, geom in halls:
        assert p["kind"] == "venue" and p["category"] == "hall" and p["demo"] is False
        assert re.fullmatch(r"P20-\d+", p["id"]) and "P20" in p["source"]
        assert not any(w in p["name"] for w in NOT_HALLS), p["name"]
        assert re.search(r"ふれあいセンター|会館|公民館|集会所|センター", p["name"]), p["name"]
        assert center.contains(geom), p["name"]
    assert sum(p["name"].endswith("ふれあいセンター") for p, _ in halls) >= 8


def test_gathering_places_are_sixty_stand_ins_over_the_default_categories() -> None:
    places = _places()
    assert len(places) == 60
    counts = {c: sum(p["category"] == c for p, _ in places) for c in CATEGORIES}
    assert set(counts) == CATEGORIES and min(counts.values()) >= 1
    assert counts["model-house"] == 1 and max(counts, key=lambda c: counts[c]) == "salon"
    ids = [p["id"] for p, _ in places]
    assert len(set(ids)) == len(ids)
    hhmm = re.compile(r"^\d{2}:\d{2}$")
    for p, _ in places:
        assert p["kind"] == "gathering" and p["location_precision"] == "exact"
        assert p["status"] in {"active", "paused"}
        assert p["schedule"] and p["schedule_rules"]
        for rule in p["schedule_rules"]:
            assert rule["weekdays"] and all(0 <= d <= 6 for d in rule["weekdays"])
            assert hhmm.match(rule["start"]) and rule["start"] < rule["end"]


def test_places_lie_inside_the_center_area_and_every_daily_area_has_some() -> None:
    _, center = _center()
    places = [g for _, g in _places()]
    assert all(center.contains(g) for g in places)
    for p, geom in _daily():
        assert any(geom.contains(g) for g in places), p["id"]
    xy = np.array([(g.x, g.y) for g in places])
    assert len(np.unique(xy, axis=0)) == len(places)  # no two places on one spot


def test_some_neighbourhoods_are_left_without_places() -> None:
    """Gaps on purpose: a fair share of the older residents live far from every place."""
    _, _, rows = _population()
    age65 = _column("６５歳以上人口　総数")
    cells = [(r[0], int(r[age65])) for r in rows if r[age65] not in ("*", "-")]
    centres = np.array([DEMO.to_plane.transform(*mesh.parse(c).center) for c, _ in cells])
    older = np.array([n for _, n in cells], dtype=float)
    active = [(g.x, g.y) for p, g in _places() if p["status"] == "active"]
    dist, _ = cKDTree(np.array(active)).query(centres)
    assert 0.1 < older[dist > 800].sum() / older.sum() < 0.5
    assert older[dist <= 500].sum() / older.sum() > 0.3


def test_every_stand_in_is_marked_demo() -> None:
    for p, _ in [*_places(), *_daily(), (_center()[0], None)]:
        assert p["demo"] is True and "デモ" in p["source"], p["id"]
        assert p["name"].endswith("（デモ）"), p["name"]
    for p, _ in _places():
        assert p["address"].endswith("（デモ）")
    codes, labels, rows = _population()
    assert codes[-1] == "DEMO" and "デモ用の仮データ" in labels[-1]
    assert all(r[-1] == "true" for r in rows)
    credits = demo_credits("35202")
    assert "デモ用の仮データ" in credits["demo_notice_ja"]
    assert set(credits["demo_files"]) == {
        "areas_center.geojson", "areas_daily.geojson", "places.geojson", POPULATION,
    }  # fmt: skip


def test_every_phone_is_a_never_assigned_0836_000_number() -> None:
    numbers = DEMO.phone_numbers()
    assert len(numbers) > 50
    assert [n for n in numbers if not PHONE.match(n)] == []
    assert len(set(numbers)) == len(numbers)


def test_population_is_an_estat_quarter_mesh_csv_with_valid_cells() -> None:
    codes, labels, rows = _population()
    assert codes[:5] == ["KEY_CODE", "HTKSYORI", "HTKSAKI", "GASSAN", "T001102001"]
    assert labels[4] == "人口（総数）"
    total, age65, age75 = (
        _column("人口（総数）"),
        _column("６５歳以上人口　総数"),
        _column("７５歳以上人口　総数"),
    )
    keys = [r[0] for r in rows]
    assert len(set(keys)) == len(keys) > 500
    _, center = _center()
    shapely.prepare(center)
    open_codes = set()
    for r in rows:
        cell = mesh.parse(r[0])
        assert cell.level == "1/4" and r[0] == cell.code
        assert center.intersects(_plane(cell.polygon)), r[0]
        if r[1] == "1":  # secret: its people were added to the cell named in HTKSAKI
            assert set(r[4:-1]) == {"*"} and r[2] in keys
            continue
        open_codes.add(r[0])
        n, n65, n75 = (0 if r[i] == "-" else int(r[i]) for i in (total, age65, age75))
        assert 0 <= n75 <= n65 <= n, r[0]
        assert n == sum(0 if r[i] == "-" else int(r[i]) for i in (total + 1, total + 2))
    for r in rows:
        if r[1] == "2":
            assert set(r[3].split(";")) <= set(keys) - open_codes


def test_population_is_at_ubes_real_order_of_magnitude() -> None:
    _, _, rows = _population()
    sums = [
        sum(int(r[i]) for r in rows if r[i] not in ("*", "-"))
        for i in (_column("人口（総数）"), _column("６５歳以上人口　総数"),
                  _column("７５歳以上人口　総数"))
    ]  # fmt: skip
    people, older, oldest = sums
    assert 80_000 < people < 160_000  # 宇部市: ~160,000 in all, most in the centre
    assert 0.30 < older / people < 0.37 and 0.15 < oldest / people < 0.21


def test_credits_name_osm_odbl_mlit_and_the_stand_ins() -> None:
    credits = json.loads((PACK / "credits.json").read_text(encoding="utf-8"))
    assert credits["city"] == "35202" and credits["name"] == "宇部市"
    text = json.dumps(credits["credits"], ensure_ascii=False)
    for needle in ("© OpenStreetMap contributors, ODbL 1.0", "国土数値情報", "国土交通省", "P20",
                   "N03", POPULATION, "デモ用の仮データ"):  # fmt: skip
        assert needle in text, needle
    assert set(credits["real_files"]) == {"halls.geojson", "ube_walk.osm.pbf"}


# ---------------------------------------------------------------------------- both cities loaded


def _check_loaded_twice(store: Store) -> None:
    first = load_demo(store)
    assert [(r.city, r.file) for r in first] == [
        ("15100", "areas_wards.geojson"), ("15100", "areas_daily_towns.csv"),
        ("15100", "halls.geojson"), ("15100", "towns.geojson"), ("15100", "places.geojson"),
        ("15100", "model_houses_real.csv"),
        ("15100", "population_towns_demo.csv.gz"),
        ("35202", "areas_center.geojson"), ("35202", "areas_daily.geojson"),
        ("35202", "halls.geojson"), ("35202", "places.geojson"), ("35202", POPULATION),
        ("35202", "ube_walk.osm.pbf"),
        ("35215", "areas_city.geojson"), ("35215", "areas_chiku.geojson"),
        ("35215", "halls.geojson"), ("35215", "towns.geojson"), ("35215", "places.geojson"),
    ]  # fmt: skip
    assert all(r.added == r.rows and not r.updated and not r.problems for r in first)
    assert [c.code for c in store.cities()] == ["15100", "35202", "35215"]
    active = sum(p["status"] == "active" for p, _ in _places())
    assert store.city_counts("35202").places_by_kind == {
        "gathering": active,
        "venue": len(_halls()),
    }
    assert len(store.areas("35202", 1)) == 1 and len(store.areas("35202", 2)) == 7
    assert len(store.population("15100")) == 1862
    assert store.city_counts("35215").areas_by_level == {1: 1, 2: 31}
    assert len(store.towns("35215")) == 324 and store.population("35215") == []
    assert load_network(store, "35215") is None  # 周南市 walks in straight lines too

    loaded = load_network(store, "35202")
    assert loaded is not None
    net, meta = loaded
    assert net.n_nodes > 10_000 and meta["rules"] == {"untagged_trunk": True}
    assert meta["source"] == "ube_walk.osm.pbf" and len(meta["source_sha256"]) == 64
    assert load_network(store, "15100") is None  # 新潟市 stays straight-line
    cells = store.population("35202")
    assert len(cells) == len(_population()[2]) and all(c.demo for c in cells)
    assert all(c.demo for c in store.population("15100"))
    assert {c.year for c in cells} == {"2020"}

    again = load_demo(store)
    assert [r.summary() for r in again if r.changed] == []
    assert all(r.unchanged == r.rows for r in again)
    stored = store.network("35202")
    assert stored is not None and stored[1] == meta  # not rebuilt: same blob, same build time


def test_load_demo_gives_every_city_and_a_second_load_changes_nothing(tmp_path: Path) -> None:
    store = GpkgStore(tmp_path / "demo.gpkg")
    try:
        _check_loaded_twice(store)
    finally:
        store.close()


@pytest.mark.postgis
def test_load_demo_on_postgis_gives_every_city_and_a_second_load_changes_nothing(
    postgis_store: PostgisStore,
) -> None:
    _check_loaded_twice(postgis_store)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpkgStore]:
    store = GpkgStore(tmp_path_factory.mktemp("demo") / "demo.gpkg")
    load_demo(store)
    yield store
    store.close()


def test_niigata_coverage_works_in_straight_line_mode(demo_store: GpkgStore) -> None:
    places = demo_store.places(PlaceQuery(city="15100", kinds=("gathering", "venue")))
    demand = spread_population(demo_store.population("15100"), None, epsg=6676)
    result = coverage(None, places, demand, demo_store.areas("15100"))
    assert result.method == "straight-line"
    assert 200_000 < result.city.older_population < 260_000
    assert result.city.covered_share is not None and 0.1 < result.city.covered_share < 0.9
    assert {a.area_id for a in result.areas} >= {"15100-L1-15101", "15100-L2-d01"}


def test_ube_coverage_walks_the_real_streets_and_shows_gaps(demo_store: GpkgStore) -> None:
    loaded = load_network(demo_store, "35202")
    assert loaded is not None
    net, _ = loaded
    places = demo_store.places(PlaceQuery(city="35202", kinds=("gathering", "venue")))
    demand = spread_population(demo_store.population("35202"), net)
    result = coverage(net, places, demand, demo_store.areas("35202"))
    assert result.method == "network"
    assert 30_000 < result.city.older_population < 50_000
    assert result.city.covered_share is not None and 0.2 < result.city.covered_share < 0.8
    shares = [a.covered_share for a in result.areas if a.level == 2]
    assert len(shares) == 7 and min(s or 0.0 for s in shares) < 0.6
