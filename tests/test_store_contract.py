"""The Store contract, run against every store: same data in, same answers out.

The data is a small slice of 新潟市 built here: two wards sharing a boundary (one with a hole), a
daily-living area in two parts, a city override of a default category, and a dozen places.
"""

from __future__ import annotations

import random
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import create_engine, pool, text

from geo.accounts import ApiToken, User
from geo.errors import AlreadyExists, NotFound, StaleWrite, StoreError
from geo.history import Change, place_diff
from geo.model import Area, Category, City, Contact, Place
from geo.store.base import AreaChanges, CityCounts, PlaceChanges, PlaceQuery, Store
from geo.store.gpkg import GpkgStore
from geo.store.migrate import database_url, upgrade
from geo.store.postgis import PostgisStore
from geo.text import fold

NIIGATA = "15100"
NAGAOKA = "15202"
ALL = PlaceQuery(kinds=(), statuses=())  # every place of every city

# -- the data --------------------------------------------------------------------------------

CITIES = [
    City(NAGAOKA, "長岡市", "新潟県", 6676, "ながおかし", "Nagaoka"),
    City(NIIGATA, "新潟市", "新潟県", 6676, "にいがたし", "Niigata"),
    City("15103", "中央区", "新潟県", 6676, "ちゅうおうく", "Chuo Ward", parent_code=NIIGATA),
]

CATEGORIES = [
    Category("salon", "サロン", "Salon", "#e4572e", icon="cup", sort=10),
    Category("walking", "ウォーキング", "Walking", "#76b041", sort=20),
    Category("exercise", "体操・運動", "Exercise", "#17bebb", sort=20),
    Category("kodomo", "こども食堂", "Children's cafeteria", "#ffc914", sort=30),
    Category("hall", "公民館・集会所", "Community hall", "#2e282a", kind="venue", icon="building",
             sort=90),
    # 新潟市 calls its salons 地域の茶の間 and lists them first; it also has a category of its own.
    Category("salon", "地域の茶の間", "Chanoma (community living room)", "#c0392b", icon="house",
             city=NIIGATA, sort=5),
    Category("yukikaki", "雪かき支え合い", "Snow-clearing mutual aid", "#3498db", city=NIIGATA,
             sort=40),
]

CHUO_HOLE = box(139.02, 37.90, 139.03, 37.91)
BANDAI_PART_2 = Polygon([
    (139.005, 37.885), (139.0151234567891, 37.8850000000001), (139.015, 37.895),
    (139.00512345678912, 37.89487654321), (139.005, 37.885),
])


def areas() -> list[Area]:
    chuo = Area(
        "15100-chuo", NIIGATA, 1, "中央区",
        MultiPolygon([Polygon(box(139.00, 37.88, 139.06, 37.94).exterior.coords,
                              [CHUO_HOLE.exterior.coords])]),
        name_kana="ちゅうおうく", source="国土数値情報 N03", source_date="2024-01-01",
    )
    higashi = Area(
        "15100-higashi", NIIGATA, 1, "東区", MultiPolygon([box(139.06, 37.88, 139.12, 37.94)]),
        name_kana="ひがしく", source="国土数値情報 N03", source_date="2024-01-01",
    )
    bandai = Area(
        "15100-bandai", NIIGATA, 2, "万代・沼垂圏域",
        MultiPolygon([box(139.035, 37.905, 139.05, 37.92), BANDAI_PART_2]),
        parent="15100-chuo", name_kana="ばんだい・ぬったりけんいき",
        contacts=[
            Contact("地域包括支援センター", "地域包括支援センター万代", phone="025-000-0001",
                    fax="025-000-0009", address="新潟市中央区万代1-1-1",
                    hours="月〜金 8:30〜17:15"),
            Contact("生活支援コーディネーター", "新潟 花子", phone="025-000-0002",
                    email="chanoma@example.jp"),
        ],
        source="新潟市 地域包括ケア推進課", source_date="2024-04-01",
    )
    nagaoka = Area(
        "15202-chuo", NAGAOKA, 1, "長岡中央圏域", MultiPolygon([box(138.84, 37.43, 138.87, 37.46)])
    )
    return [bandai, nagaoka, higashi, chuo]


def _place(id_: str, name: str, lon: float, lat: float, **kw: Any) -> Place:
    kw.setdefault("city", NIIGATA)
    kw.setdefault("kind", "gathering")
    kw.setdefault("category", "salon")
    kw.setdefault("source", "niigata-2024.csv")
    return Place(id=id_, name=name, lon=lon, lat=lat, **kw)


def places() -> list[Place]:
    return [
        _place(
            "15100-0001", "万代地域の茶の間", 139.04123456789012, 37.91234567890123,
            kana="ばんだいちいきのちゃのま", address="新潟市中央区万代1丁目2-3",
            schedule="毎週火曜 10:00〜15:00",
            schedule_rules=[{"freq": "weekly", "byday": ["TU"], "start": "10:00", "end": "15:00"}],
            fee="100円", organiser="万代自治会", phone="025-000-1111",
            email="bandai@example.jp", description="どなたでもどうぞ。", url="https://example.jp/b",
            accessibility="車椅子可", last_verified="2024-05-01",
            internal_contact="担当: 佐藤 090-0000-0000", source_id="12",
            extra={"source_row": 12, "note": "2階", "tags": ["茶話会", "囲碁"]},
        ),
        _place("15100-0002", "いきいき体操クラブ", 139.01, 37.93, category="exercise",
               kana="いきいきたいそうくらぶ"),
        _place("15100-0003", "㈱ニイガタ食堂　こども食堂", 139.0455, 37.9155, category="kodomo",
               kana="にいがたしょくどうこどもしょくどう", organiser="㈱ニイガタ食堂",
               phone="０２５－１２３－４５６７"),
        _place("15100-0004", "花水木の会", 139.09, 37.90, kana="はなみずきのかい"),
        _place("15100-0005", "カフェabc", 139.05, 37.935, kana="かふぇえーびーしー"),
        _place("15100-0006", "ふれあいサロン　ＮＥＷ", 139.06, 37.92,  # on the ward boundary
               kana="ふれあいさろんにゅー", demo=True),
        _place("15100-0007", "笑顔100%クラブ", 139.025, 37.905, category="walking"),  # in the hole
        _place("15100-0008", "沼垂ウォーキング会", 139.01, 37.93, category="walking",
               status="paused"),  # where 0002 meets
        _place("15100-0009", "旧・白山サロン", 139.03, 37.92, status="closed"),
        _place("15100-0010", "雪かき支え合い隊", 139.10, 37.89, category="yukikaki",
               location_precision="town", source="survey-2023"),
        _place("15100-v001", "万代市民会館", 139.043, 37.913, kind="venue", category="hall",
               address="新潟市中央区万代3丁目"),
        _place("15100-v002", "東区プラザ", 139.08, 37.91, kind="venue", category="hall",
               status="paused"),
        _place("15202-0001", "川口サロン", 138.85, 37.45, city=NAGAOKA, source="nagaoka.xlsx"),
    ]


def load(store: Store) -> None:
    for city in CITIES:
        store.put_city(city)
    store.put_categories(CATEGORIES)
    store.apply_areas(AreaChanges(upsert=areas()))
    store.apply_places(PlaceChanges(upsert=places()))


def ids(items: list[Place] | list[Area] | list[tuple[Place, float]]) -> list[str]:
    return [i[0].id if isinstance(i, tuple) else i.id for i in items]


def by_id(store: Store, place_id: str) -> Place:
    found = store.place(place_id)
    assert found is not None, place_id
    return found


def without_updated_at(place: Place) -> Place:
    return replace(place, updated_at=None)


def set_clock(monkeypatch: pytest.MonkeyPatch, store: Store, stamp: str) -> None:
    """Each store module stamps updated_at with its module-level now_iso()."""
    monkeypatch.setattr(sys.modules[type(store).__module__], "now_iso", lambda: stamp)


GEOD = Geod(ellps="WGS84")  # independent of geo.walk.distance on purpose


def pyproj_m(lon: float, lat: float, place: Place) -> float:
    return float(GEOD.inv(lon, lat, place.lon, place.lat)[2])


@pytest.fixture
def loaded(store: Store) -> Store:
    load(store)
    return store


# -- cities ----------------------------------------------------------------------------------


def test_cities_are_ordered_by_code(loaded: Store) -> None:
    assert [c.code for c in loaded.cities()] == ["15100", "15103", "15202"]
    assert loaded.cities()[1] == CITIES[2]  # every field, parent_code included


def test_put_city_updates_in_place(loaded: Store) -> None:
    renamed = replace(CITIES[1], name_en="Niigata City", name_kana=None)
    loaded.put_city(renamed)
    loaded.put_city(renamed)
    assert [c for c in loaded.cities() if c.code == NIIGATA] == [renamed]
    assert len(loaded.cities()) == 3


def test_city_counts_count_areas_per_level_and_active_places_per_kind(loaded: Store) -> None:
    assert loaded.city_counts(NIIGATA) == CityCounts(
        areas_by_level={1: 2, 2: 1},
        places_by_kind={"gathering": 8, "venue": 1},  # 0008, 0009 and v002 are not active
    )
    assert loaded.city_counts(NAGAOKA) == CityCounts({1: 1}, {"gathering": 1})
    assert loaded.city_counts("15103") == CityCounts()


# -- categories ------------------------------------------------------------------------------


def test_default_categories_are_ordered_by_sort_then_slug(loaded: Store) -> None:
    cats = loaded.categories()
    assert [c.slug for c in cats] == ["salon", "exercise", "walking", "kodomo", "hall"]
    assert all(c.city is None for c in cats)
    assert cats[0] == CATEGORIES[0]
    assert cats[-1] == CATEGORIES[4]


def test_a_city_category_overrides_the_default_of_the_same_slug(loaded: Store) -> None:
    cats = loaded.categories(NIIGATA)
    assert [c.slug for c in cats] == ["salon", "exercise", "walking", "kodomo", "yukikaki", "hall"]
    assert cats[0] == CATEGORIES[5]
    assert cats[0].label_ja == "地域の茶の間"


def test_a_city_without_overrides_gets_the_default_catalogue(loaded: Store) -> None:
    assert loaded.categories(NAGAOKA) == loaded.categories(None)


def test_put_categories_updates_by_city_and_slug(loaded: Store) -> None:
    loaded.put_categories([replace(CATEGORIES[0], label_en="Neighbourhood salon", sort=50)])
    defaults = loaded.categories()
    assert [c.slug for c in defaults] == ["exercise", "walking", "kodomo", "salon", "hall"]
    assert loaded.categories(NIIGATA)[0] == CATEGORIES[5]  # the override is untouched


# -- areas -----------------------------------------------------------------------------------


def test_areas_are_ordered_by_level_then_id(loaded: Store) -> None:
    assert ids(loaded.areas(NIIGATA)) == ["15100-chuo", "15100-higashi", "15100-bandai"]
    assert ids(loaded.areas(NIIGATA, level=2)) == ["15100-bandai"]
    assert ids(loaded.areas(NAGAOKA)) == ["15202-chuo"]
    assert loaded.areas("15103") == []


def test_area_round_trips_every_field(loaded: Store) -> None:
    expected = {a.id: a for a in areas()}["15100-bandai"]
    got = loaded.area("15100-bandai")
    assert got is not None
    assert len(got.geometry.geoms) == 2
    assert got.contacts == expected.contacts
    assert replace(got, geometry=None) == replace(expected, geometry=None)
    assert got.geometry.wkb == expected.geometry.wkb
    assert loaded.area("15100-nowhere") is None


def test_area_coordinates_round_trip_exactly(loaded: Store) -> None:
    for expected in areas():
        got = loaded.area(expected.id)
        assert got is not None
        assert shapely.get_coordinates(got.geometry).tolist() == (
            shapely.get_coordinates(expected.geometry).tolist()
        )
        assert got.geometry.wkb_hex == expected.geometry.wkb_hex


def test_areas_at_include_the_boundary(loaded: Store) -> None:
    on_ward_boundary = loaded.areas_at(NIIGATA, 139.06, 37.92)
    assert ids(on_ward_boundary) == ["15100-chuo", "15100-higashi"]
    corner = loaded.areas_at(NIIGATA, 139.035, 37.905)  # a vertex of the level-2 area
    assert ids(corner) == ["15100-chuo", "15100-bandai"]


def test_areas_at_exclude_a_hole(loaded: Store) -> None:
    assert loaded.areas_at(NIIGATA, 139.025, 37.905) == []
    assert ids(loaded.areas_at(NIIGATA, 139.02, 37.905)) == ["15100-chuo"]  # the hole's rim


def test_areas_at_find_either_part_of_a_multipolygon(loaded: Store) -> None:
    assert ids(loaded.areas_at(NIIGATA, 139.04, 37.91)) == ["15100-chuo", "15100-bandai"]
    assert ids(loaded.areas_at(NIIGATA, 139.01, 37.89)) == ["15100-chuo", "15100-bandai"]
    assert ids(loaded.areas_at(NIIGATA, 139.02, 37.89)) == ["15100-chuo"]


def test_areas_at_only_look_in_the_city(loaded: Store) -> None:
    assert loaded.areas_at(NAGAOKA, 139.04, 37.91) == []
    assert ids(loaded.areas_at(NAGAOKA, 138.85, 37.45)) == ["15202-chuo"]
    assert loaded.areas_at(NIIGATA, 140.0, 38.5) == []


def test_area_hashes_are_content_hashes_per_city(loaded: Store) -> None:
    expected = {a.id: a.content_hash() for a in areas() if a.city == NIIGATA}
    assert loaded.area_hashes(NIIGATA) == expected
    assert loaded.area_hashes("15103") == {}


def test_apply_areas_replaces_an_existing_area(loaded: Store) -> None:
    moved = replace(areas()[2], name="東区（新）", geometry=MultiPolygon([box(139.06, 37.88, 139.2,
                                                                            37.94)]))
    loaded.apply_areas(AreaChanges(upsert=[moved]))
    assert loaded.area(moved.id) == moved
    assert loaded.area_hashes(NIIGATA)[moved.id] == moved.content_hash()
    assert ids(loaded.areas_at(NIIGATA, 139.15, 37.9)) == ["15100-higashi"]


def test_a_single_polygon_area_is_stored_as_a_multipolygon(store: Store) -> None:
    single = Area("15100-x", NIIGATA, 1, "単一", box(139.0, 37.0, 139.1, 37.1))
    store.apply_areas(AreaChanges(upsert=[single]))
    got = store.area("15100-x")
    assert got is not None
    assert got.geometry.geom_type == "MultiPolygon"
    assert got.geometry.geoms[0].wkb == single.geometry.wkb


def test_apply_areas_is_all_or_nothing(loaded: Store) -> None:
    before = answers(loaded, keep_updated_at=True)
    renamed = replace(areas()[3], name="中央区（改）")
    broken = replace(areas()[2], id="15100-broken", name=None)  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        loaded.apply_areas(AreaChanges(upsert=[renamed, broken]))
    assert answers(loaded, keep_updated_at=True) == before


# -- places: queries -------------------------------------------------------------------------


def test_default_query_is_active_gatherings_ordered_by_id(loaded: Store) -> None:
    assert ids(loaded.places(PlaceQuery(city=NIIGATA))) == [
        "15100-0001", "15100-0002", "15100-0003", "15100-0004", "15100-0005", "15100-0006",
        "15100-0007", "15100-0010",
    ]
    assert ids(loaded.places(PlaceQuery())) == [
        *ids(loaded.places(PlaceQuery(city=NIIGATA))), "15202-0001"
    ]


def test_places_filter_by_kind_and_status(loaded: Store) -> None:
    assert ids(loaded.places(PlaceQuery(city=NIIGATA, kinds=("venue",), statuses=()))) == [
        "15100-v001", "15100-v002"
    ]
    assert ids(loaded.places(PlaceQuery(city=NIIGATA, statuses=("paused", "closed")))) == [
        "15100-0008", "15100-0009"
    ]
    assert len(loaded.places(ALL)) == len(places())


def test_places_filter_by_category(loaded: Store) -> None:
    q = PlaceQuery(city=NIIGATA, categories=("walking", "kodomo"), statuses=())
    assert ids(loaded.places(q)) == ["15100-0003", "15100-0007", "15100-0008"]


def test_places_filter_by_source(loaded: Store) -> None:
    assert ids(loaded.places(PlaceQuery(source="survey-2023"))) == ["15100-0010"]
    assert loaded.places(PlaceQuery(source="nothing")) == []


def test_places_in_an_area_include_its_boundary(loaded: Store) -> None:
    q = PlaceQuery(area="15100-higashi", statuses=(), kinds=())
    assert ids(loaded.places(q)) == ["15100-0004", "15100-0006", "15100-0010", "15100-v002"]


def test_places_in_an_area_exclude_its_hole(loaded: Store) -> None:
    q = PlaceQuery(area="15100-chuo", statuses=())
    assert "15100-0007" not in ids(loaded.places(q))
    assert ids(loaded.places(q)) == [
        "15100-0001", "15100-0002", "15100-0003", "15100-0005", "15100-0006", "15100-0008",
        "15100-0009",
    ]


def test_places_in_a_multipolygon_area(loaded: Store) -> None:
    q = PlaceQuery(area="15100-bandai", kinds=())
    assert ids(loaded.places(q)) == ["15100-0001", "15100-0003", "15100-v001"]
    assert loaded.places(PlaceQuery(area="15100-nowhere")) == []
    assert loaded.count_places(PlaceQuery(area="15100-nowhere")) == 0


def test_places_in_a_bbox_include_its_edges(loaded: Store) -> None:
    q = PlaceQuery(bbox=(139.04, 37.90, 139.06, 37.92), kinds=(), statuses=())
    assert ids(loaded.places(q)) == ["15100-0001", "15100-0003", "15100-0006", "15100-v001"]
    assert loaded.places(PlaceQuery(bbox=(140.0, 38.0, 140.1, 38.1))) == []


def test_q_in_katakana_finds_hiragana_kana(loaded: Store) -> None:
    for q in ("ハナミズキ", fold("ハナミズキ")):
        assert ids(loaded.places(PlaceQuery(q=q))) == ["15100-0004"], q


def test_q_in_full_width_finds_ascii(loaded: Store) -> None:
    for q in ("ＡＢＣ", "ABC", "abc"):
        assert ids(loaded.places(PlaceQuery(q=q))) == ["15100-0005"], q


def test_q_matches_name_kana_and_address(loaded: Store) -> None:
    assert ids(loaded.places(PlaceQuery(q="茶の間"))) == ["15100-0001"]  # name
    assert ids(loaded.places(PlaceQuery(q="たいそう"))) == ["15100-0002"]  # kana
    q = PlaceQuery(q="万代３丁目", kinds=("venue",))  # address, full-width digit
    assert ids(loaded.places(q)) == ["15100-v001"]
    assert ids(loaded.places(PlaceQuery(q="サロン　ＮＥＷ"))) == ["15100-0006"]
    assert ids(loaded.places(PlaceQuery(q="㈱ニイガタ"))) == ["15100-0003"]  # ㈱ folds to (株)


def test_q_treats_like_wildcards_literally(loaded: Store) -> None:
    assert ids(loaded.places(PlaceQuery(q="%"))) == ["15100-0007"]
    assert loaded.places(PlaceQuery(q="_")) == []
    assert loaded.places(PlaceQuery(q="\\")) == []


def test_filters_combine_with_and(loaded: Store) -> None:
    q = PlaceQuery(city=NIIGATA, area="15100-chuo", categories=("salon",), q="さろん",
                   statuses=("active", "closed"))
    assert ids(loaded.places(q)) == ["15100-0006", "15100-0009"]
    assert loaded.count_places(q) == 2
    assert loaded.places(replace(q, city=NAGAOKA)) == []


def test_limit_and_offset_page_through_the_id_order(loaded: Store) -> None:
    every = ids(loaded.places(ALL))
    assert ids(loaded.places(replace(ALL, limit=4))) == every[:4]
    assert ids(loaded.places(replace(ALL, limit=4, offset=4))) == every[4:8]
    assert ids(loaded.places(replace(ALL, offset=10))) == every[10:]
    assert loaded.places(replace(ALL, limit=5, offset=100)) == []
    assert loaded.places(replace(ALL, limit=0)) == []


def test_count_places_ignores_limit_and_offset(loaded: Store) -> None:
    assert loaded.count_places(replace(ALL, limit=2, offset=3)) == len(places())
    assert loaded.count_places(PlaceQuery(city=NIIGATA)) == 8
    q = PlaceQuery(bbox=(139.04, 37.90, 139.06, 37.92), kinds=(), statuses=(), limit=1)
    assert loaded.count_places(q) == 4


def test_ids_sort_in_code_point_order(store: Store) -> None:
    given = ["n-b", "n-B", "n-a", "n-A", "n-10", "n-9", "n-あ", "n-ア"]
    store.apply_places(PlaceChanges(upsert=[_place(i, i, 139.0, 37.9) for i in given]))
    assert ids(store.places(ALL)) == sorted(given)


# -- places: one place ----------------------------------------------------------------------


def test_place_returns_every_field_including_internal_ones(loaded: Store) -> None:
    got = by_id(loaded, "15100-0001")
    assert got.internal_contact == "担当: 佐藤 090-0000-0000"
    assert got.extra == {"source_row": 12, "note": "2階", "tags": ["茶話会", "囲碁"]}
    assert without_updated_at(got) == places()[0]
    assert loaded.place("15100-9999") is None


def test_text_is_stored_exactly_as_given(store: Store) -> None:
    odd = _place(
        "15100-t", "㈱ﾆｲｶﾞﾀ　サロン①", 139.0, 37.9,
        kana="か\u3099っこう",  # NFD: not composed on the way in or out
        address="新潟市中央区 万代１－２－３ ",
        description="  一行目\n二行目\t(タブ)  ", phone="０２５－１２３－４５６７",
        extra={"原文": "Ｔｅｌ：０２５"},
    )
    store.apply_places(PlaceChanges(upsert=[odd]))
    assert without_updated_at(by_id(store, "15100-t")) == odd
    assert by_id(store, "15100-t").name == "㈱ﾆｲｶﾞﾀ　サロン①"


def test_place_coordinates_round_trip_exactly(store: Store) -> None:
    rng = random.Random(15100)
    given = [
        _place(f"15100-c{i:02}", "座標", 139 + rng.random() / 7, 37.8 + rng.random() / 7)
        for i in range(20)
    ] + [_place("15100-c99", "座標", 139.04123456789012, 37.912345678901234)]
    store.apply_places(PlaceChanges(upsert=given))
    got = {p.id: (p.lon, p.lat) for p in store.places(ALL)}
    assert got == {p.id: (p.lon, p.lat) for p in given}


# -- places: nearby --------------------------------------------------------------------------


def test_nearby_orders_by_geodesic_metres_not_degrees(store: Store) -> None:
    # At 37.9°N a degree of longitude is ~88 km and of latitude ~111 km: east is nearer.
    store.apply_places(PlaceChanges(upsert=[
        _place("15100-east", "東", 139.010, 37.9),  # 0.010° ≈ 879 m
        _place("15100-north", "北", 139.0, 37.909),  # 0.009° ≈ 999 m
        _place("15100-far", "遠", 139.0, 37.92),
    ]))
    assert ids(store.nearby(139.0, 37.9, 1, PlaceQuery())) == ["15100-east"]
    assert ids(store.nearby(139.0, 37.9, 2, PlaceQuery())) == ["15100-east", "15100-north"]


def test_nearby_distances_match_an_independent_geodesic(loaded: Store) -> None:
    lon, lat = 139.04, 37.91
    got = loaded.nearby(lon, lat, 5, PlaceQuery(kinds=(), statuses=()))
    for place, metres in got:
        assert metres == pytest.approx(pyproj_m(lon, lat, place), abs=1e-6)
    expected = sorted(loaded.places(ALL), key=lambda p: (pyproj_m(lon, lat, p), p.id))[:5]
    assert ids(got) == ids(expected)


def test_nearby_ranks_many_points_like_brute_force(store: Store) -> None:
    rng = random.Random(37)
    given = [
        _place(f"15100-r{i:03}", "点", 138.9 + rng.random() * 0.4, 37.8 + rng.random() * 0.05)
        for i in range(150)
    ]
    store.apply_places(PlaceChanges(upsert=given))
    for lon, lat in [(139.1, 37.82), (138.95, 37.9), (139.5, 37.0)]:
        expected = sorted(given, key=lambda p: (pyproj_m(lon, lat, p), p.id))
        for limit in (1, 7, 40):
            assert ids(store.nearby(lon, lat, limit, PlaceQuery())) == ids(expected[:limit])


def test_nearby_breaks_distance_ties_by_id(loaded: Store) -> None:
    got = loaded.nearby(139.01, 37.93, 2, PlaceQuery(statuses=("active", "paused")))
    assert ids(got) == ["15100-0002", "15100-0008"]  # both meet at the same hall
    assert got[0][1] == got[1][1] == 0.0


def test_nearby_applies_the_query(loaded: Store) -> None:
    got = loaded.nearby(139.04, 37.91, 10, PlaceQuery(kinds=("venue",), statuses=()))
    assert ids(got) == ["15100-v001", "15100-v002"]  # fewer than asked for: all of them
    assert ids(loaded.nearby(139.04, 37.91, 10, PlaceQuery(area="15100-bandai"))) == [
        "15100-0001", "15100-0003"
    ]
    assert ids(loaded.nearby(139.04, 37.91, 3, PlaceQuery(city=NAGAOKA))) == ["15202-0001"]
    assert loaded.nearby(139.04, 37.91, 0, PlaceQuery()) == []
    assert loaded.nearby(139.04, 37.91, 5, PlaceQuery(q="存在しない")) == []


def test_nearby_ignores_the_querys_limit_and_offset(loaded: Store) -> None:
    paged = PlaceQuery(limit=1, offset=3)
    assert loaded.nearby(139.04, 37.91, 4, paged) == loaded.nearby(139.04, 37.91, 4, PlaceQuery())
    assert len(loaded.nearby(139.04, 37.91, 4, paged)) == 4


# -- places: writing -------------------------------------------------------------------------


def test_place_hashes_give_hash_source_and_status(loaded: Store) -> None:
    expected = {p.id: (p.content_hash(), p.source, p.status) for p in places() if p.city == NAGAOKA}
    assert loaded.place_hashes(NAGAOKA) == expected
    assert loaded.place_hashes(NIIGATA)["15100-0010"] == (
        places()[9].content_hash(), "survey-2023", "active"
    )
    assert len(loaded.place_hashes(NIIGATA)) == 12
    assert loaded.place_hashes("15103") == {}


def test_updated_at_is_iso_utc_and_set_by_the_store(store: Store) -> None:
    given = replace(places()[0], updated_at="1999-01-01T00:00:00Z")
    store.apply_places(PlaceChanges(upsert=[given]))
    stamp = by_id(store, given.id).updated_at
    assert stamp is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)


def test_updated_at_changes_only_with_the_content(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = places()[:2]
    set_clock(monkeypatch, store, "2024-01-01T00:00:00Z")
    store.apply_places(PlaceChanges(upsert=[first, second]))
    set_clock(monkeypatch, store, "2024-06-01T00:00:00Z")
    store.apply_places(PlaceChanges(upsert=[first, replace(second, fee="200円")]))
    assert by_id(store, first.id).updated_at == "2024-01-01T00:00:00Z"
    assert by_id(store, second.id).updated_at == "2024-06-01T00:00:00Z"
    assert by_id(store, second.id).fee == "200円"
    assert store.place_hashes(NIIGATA)[second.id][0] == replace(second, fee="200円").content_hash()


def test_apply_places_updates_every_field(loaded: Store) -> None:
    changed = replace(
        places()[0], name="万代の茶の間（移転）", lon=139.0444, lat=37.9111, kana=None,
        schedule_rules=None, extra={}, internal_contact=None, category="exercise", demo=True,
    )
    loaded.apply_places(PlaceChanges(upsert=[changed]))
    assert without_updated_at(by_id(loaded, changed.id)) == changed
    assert ids(loaded.places(PlaceQuery(q="ばんだいちいき"))) == []  # search follows the row
    assert ids(loaded.places(PlaceQuery(q="移転"))) == [changed.id]


def test_close_sets_status_closed_and_keeps_everything_else(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = by_id(loaded, "15100-0001")
    set_clock(monkeypatch, loaded, "2030-01-01T00:00:00Z")
    loaded.apply_places(PlaceChanges(close=["15100-0001"]))
    after = by_id(loaded, "15100-0001")
    assert after.status == "closed"
    assert after.updated_at == "2030-01-01T00:00:00Z"
    assert replace(after, status="active", updated_at=None) == without_updated_at(before)
    assert loaded.place_hashes(NIIGATA)["15100-0001"] == (
        after.content_hash(), "niigata-2024.csv", "closed"
    )
    assert "15100-0001" not in ids(loaded.places(PlaceQuery()))


def test_close_of_an_unknown_or_closed_place_changes_nothing(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = answers(loaded, keep_updated_at=True)
    set_clock(monkeypatch, loaded, "2030-01-01T00:00:00Z")
    loaded.apply_places(PlaceChanges(close=["15100-0009", "15100-9999"]))
    assert answers(loaded, keep_updated_at=True) == before


def test_a_reimported_closed_place_reopens(loaded: Store) -> None:
    loaded.apply_places(PlaceChanges(close=["15100-0002"]))
    loaded.apply_places(PlaceChanges(upsert=[places()[1]]))
    assert by_id(loaded, "15100-0002").status == "active"
    assert loaded.place_hashes(NIIGATA)["15100-0002"][0] == places()[1].content_hash()


def test_apply_places_is_all_or_nothing(loaded: Store) -> None:
    before = answers(loaded, keep_updated_at=True)
    renamed = replace(places()[0], name="変更されてはいけない")
    broken = _place("15100-0099", None, 139.0, 37.9)  # type: ignore[arg-type]  # name required
    added = _place("15100-0100", "新しい場所", 139.0, 37.9)
    with pytest.raises(StoreError):
        loaded.apply_places(PlaceChanges(upsert=[renamed, broken, added], close=["15100-0002"]))
    assert answers(loaded, keep_updated_at=True) == before


def test_categories_an_import_creates_are_written_with_its_places_or_not_at_all(
    loaded: Store,
) -> None:
    new = Category("ibasho", "居場所", "Drop-in place", "#123456", "gathering", city="15100")
    broken = _place("15100-0099", None, 139.0, 37.9)  # type: ignore[arg-type]  # name required
    with pytest.raises(StoreError):
        loaded.apply_places(PlaceChanges(upsert=[broken], categories=[new]))
    assert "ibasho" not in {c.slug for c in loaded.categories("15100")}
    loaded.apply_places(PlaceChanges(
        upsert=[_place("15100-0100", "居場所ひだまり", 139.0, 37.9, category="ibasho")],
        categories=[new],
    ))
    assert "ibasho" in {c.slug for c in loaded.categories("15100")}


# -- both stores, same answers --------------------------------------------------------------


def plain(value: Any, keep_updated_at: bool = False) -> Any:
    """Records as nested dicts (geometries as WKB hex), comparable with ==."""
    if isinstance(value, BaseGeometry):
        return value.wkb_hex
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name), keep_updated_at)
            for f in fields(value)
            if keep_updated_at or f.name != "updated_at"
        }
    if isinstance(value, list | tuple):
        return [plain(v, keep_updated_at) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, keep_updated_at) for k, v in value.items()}
    return value


QUERIES = [
    PlaceQuery(),
    ALL,
    PlaceQuery(city=NIIGATA, statuses=("paused", "closed"), kinds=()),
    PlaceQuery(categories=("salon",), statuses=()),
    PlaceQuery(area="15100-chuo", kinds=()),
    PlaceQuery(area="15100-bandai", statuses=()),
    PlaceQuery(bbox=(139.04, 37.90, 139.06, 37.92), kinds=()),
    PlaceQuery(q=fold("ＡＢＣ")),  # folded as PlaceQuery documents; raw q has its own tests
    PlaceQuery(q=fold("サロン")),
    PlaceQuery(source="niigata-2024.csv", limit=3, offset=2),
]
POINTS = [(139.04, 37.91), (139.06, 37.92), (139.025, 37.905), (139.01, 37.89), (138.85, 37.45)]


def answers(store: Store, keep_updated_at: bool = False) -> dict[str, Any]:
    """What every read method of the store says about the test data."""
    out: dict[str, Any] = {"cities": store.cities()}
    for city in (NIIGATA, NAGAOKA, "15103"):
        out[f"city_counts {city}"] = store.city_counts(city)
        out[f"categories {city}"] = store.categories(city)
        out[f"areas {city}"] = store.areas(city)
        out[f"area_hashes {city}"] = store.area_hashes(city)
        out[f"place_hashes {city}"] = store.place_hashes(city)
    out["categories"] = store.categories()
    out["areas level 2"] = store.areas(NIIGATA, level=2)
    for a in areas():
        out[f"area {a.id}"] = store.area(a.id)
    for p in places():
        out[f"place {p.id}"] = store.place(p.id)
    for lon, lat in POINTS:
        out[f"areas_at {lon} {lat}"] = store.areas_at(NIIGATA, lon, lat)
    for kind in ("place", "area"):  # ids and times differ between two stores, the rest not
        out[f"changes {kind}"] = [replace(c, id=None, at=None) for c in store.changes(kind)]
    for i, q in enumerate(QUERIES):
        out[f"places {i}"] = store.places(q)
        out[f"count_places {i}"] = store.count_places(q)
        for lon, lat in POINTS:
            out[f"nearby {i} {lon} {lat}"] = store.nearby(lon, lat, 4, q)
    return plain(out, keep_updated_at)


@pytest.mark.postgis
def test_both_stores_give_identical_answers(gpkg_store: Store, postgis_store: Store) -> None:
    load(gpkg_store)
    load(postgis_store)
    gpkg, postgis = answers(gpkg_store), answers(postgis_store)
    assert gpkg.keys() == postgis.keys()
    for key in gpkg:
        assert gpkg[key] == postgis[key], key


# -- PostGIS only: the schema belongs to Alembic ----------------------------------------------


@pytest.mark.postgis
def test_postgis_refuses_a_database_not_at_head(blank_database_url: str) -> None:
    with pytest.raises(StoreError, match="tsudoi db upgrade"):
        PostgisStore(blank_database_url)


@pytest.mark.postgis
def test_postgis_auto_upgrade_migrates_to_head(blank_database_url: str) -> None:
    store = PostgisStore(blank_database_url, auto_upgrade=True)
    try:
        store.put_city(CITIES[0])
        assert store.cities() == [CITIES[0]]
    finally:
        store.close()
    PostgisStore(blank_database_url).close()  # now at head without asking


@pytest.mark.postgis
def test_postgis_refuses_a_schema_newer_than_it_knows(blank_database_url: str) -> None:
    upgrade(blank_database_url)
    engine = create_engine(database_url(blank_database_url), poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer"):
        PostgisStore(blank_database_url, auto_upgrade=True)


def test_every_write_moves_the_revision_on_and_reads_do_not(loaded: Store) -> None:
    before = loaded.revision()
    loaded.places(PlaceQuery(city="15100"))
    loaded.areas("15100")
    assert loaded.revision() == before
    loaded.apply_places(PlaceChanges(upsert=[_place("15100-0200", "新しいサロン", 139.0, 37.9)]))
    after = loaded.revision()
    assert after > before
    broken = _place("15100-0099", None, 139.0, 37.9)  # type: ignore[arg-type]  # name required
    with pytest.raises(StoreError):
        loaded.apply_places(PlaceChanges(upsert=[broken]))
    assert loaded.revision() == after  # a write that failed changed nothing, revision included


# -- people, tokens and settings ---------------------------------------------------------------

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_users_are_keyed_by_lower_cased_email_and_keep_created_at(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_clock(monkeypatch, store, "2026-01-01T00:00:00Z")
    store.put_user(User("Hanako@Example.JP", NIIGATA, "coordinator", "argon2-hash",
                        areas=["15100-bandai", "15100-chuo"]))  # fmt: skip
    store.put_user(User("admin@example.jp", NAGAOKA, "admin"))
    first = store.user("HANAKO@example.jp")
    assert first == User("hanako@example.jp", NIIGATA, "coordinator", "argon2-hash",
                         ["15100-bandai", "15100-chuo"], False, "2026-01-01T00:00:00Z")  # fmt: skip

    set_clock(monkeypatch, store, "2026-02-02T00:00:00Z")
    store.put_user(replace(first, email="hanako@EXAMPLE.jp", disabled=True, areas=[],
                           role="viewer", created_at=None))  # fmt: skip
    again = store.user("hanako@example.jp")
    assert again is not None
    assert (again.disabled, again.areas, again.role) == (True, [], "viewer")
    assert again.created_at == "2026-01-01T00:00:00Z"  # kept once set
    assert [u.email for u in store.users()] == ["admin@example.jp", "hanako@example.jp"]
    assert [u.email for u in store.users(NIIGATA)] == ["hanako@example.jp"]
    assert store.users("15103") == []
    assert store.user("nobody@example.jp") is None


def test_tokens_are_found_by_id_and_hash_and_revoked_by_put_token(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_clock(monkeypatch, store, "2026-01-01T00:00:00Z")
    b = ApiToken("tok-b", NIIGATA, "coordinator", "f" * 64, name="集計スクリプト",
                 areas=["15100-bandai"])  # fmt: skip
    a = ApiToken("tok-a", NAGAOKA, "admin", "0" * 64)
    store.put_token(b)
    store.put_token(a)
    assert store.token("tok-b") == replace(b, created_at="2026-01-01T00:00:00Z")
    assert store.token_by_hash("0" * 64) == replace(a, created_at="2026-01-01T00:00:00Z")
    assert store.token_by_hash("1" * 64) is None and store.token("tok-c") is None
    assert [t.id for t in store.tokens()] == ["tok-a", "tok-b"]
    assert [t.id for t in store.tokens(NIIGATA)] == ["tok-b"]

    set_clock(monkeypatch, store, "2026-03-03T00:00:00Z")
    store.put_token(replace(b, revoked_at="2026-03-03T00:00:00Z"))
    revoked = store.token_by_hash("f" * 64)  # still found: the caller refuses it
    assert revoked is not None
    assert (revoked.revoked_at, revoked.created_at) == (
        "2026-03-03T00:00:00Z", "2026-01-01T00:00:00Z"
    )


def test_settings_are_kept_and_replaced(store: Store) -> None:
    assert store.setting("secret_key") is None
    store.put_setting("secret_key", "s3cret")
    store.put_setting(f"stale_months:{NIIGATA}", "6")
    store.put_setting(f"stale_months:{NIIGATA}", "3")
    assert store.setting("secret_key") == "s3cret"
    assert store.setting(f"stale_months:{NIIGATA}") == "3"
    assert store.setting(f"stale_months:{NAGAOKA}") is None


# -- writes one record at a time, with their history -------------------------------------------


def edit(record_id: str, action: str = "update", who: str = "user:hanako@example.jp",
         kind: str = "place", city: str = NIIGATA) -> Change:  # fmt: skip
    return Change(kind, record_id, city, who, "editor", action)  # type: ignore[arg-type]


def test_write_place_creates_a_place_and_records_every_field_it_sets(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_clock(monkeypatch, loaded, "2026-05-05T01:02:03Z")
    new = _place("15100-editor-ab12", "新しい茶の間", 139.041, 37.911, source="editor",
                 phone="025-111-2222", schedule_rules=[{"freq": "weekly", "byday": ["MO"]}],
                 extra={"note": "裏口から"}, internal_contact="担当 090")  # fmt: skip
    change = replace(edit(new.id, "create", "token:tok-a"), via="api")
    stored = loaded.write_place(new, None, change)

    assert stored == replace(new, updated_at="2026-05-05T01:02:03Z")
    assert by_id(loaded, new.id) == stored
    assert stored.content_hash() == new.content_hash()
    (recorded,) = loaded.changes("place", new.id)
    assert recorded == replace(change)  # the store filled the caller's change too
    assert (recorded.who, recorded.via, recorded.action) == ("token:tok-a", "api", "create")
    assert recorded.at == "2026-05-05T01:02:03Z" and recorded.id is not None
    assert recorded.fields == place_diff(None, new)
    assert recorded.fields["name"] == [None, "新しい茶の間"]
    assert recorded.fields["extra"] == [None, {"note": "裏口から"}]
    assert "updated_at" not in recorded.fields and "id" not in recorded.fields
    # found as an imported place is: by box (the R-tree), by text, in its area, nearby
    assert new.id in ids(loaded.places(PlaceQuery(bbox=(139.04, 37.91, 139.042, 37.912))))
    assert ids(loaded.places(PlaceQuery(q=fold("新しい茶")))) == [new.id]
    assert new.id in ids(loaded.places(PlaceQuery(area="15100-bandai")))
    assert ids(loaded.nearby(139.041, 37.911, 1, PlaceQuery())) == [new.id]


def test_write_place_refuses_to_create_an_id_that_exists(loaded: Store) -> None:
    before, revision = by_id(loaded, "15100-0002"), loaded.revision()
    with pytest.raises(AlreadyExists):
        loaded.write_place(replace(before, name="上書き"), None, edit(before.id, "create"))
    assert by_id(loaded, before.id) == before and loaded.revision() == revision
    assert [c.via for c in loaded.changes("place", before.id)] == ["import"]


def test_write_place_of_a_missing_place_is_not_found(loaded: Store) -> None:
    ghost = _place("15100-ghost", "ない", 139.0, 37.9)
    with pytest.raises(NotFound):
        loaded.write_place(ghost, ghost.content_hash(), edit(ghost.id))
    assert loaded.place(ghost.id) is None and loaded.changes("place", ghost.id) == []


def test_write_place_updates_when_the_etag_is_current(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = by_id(loaded, "15100-0001")
    set_clock(monkeypatch, loaded, "2026-06-06T00:00:00Z")
    moved = replace(old, name="万代の茶の間（移転）", phone="025-999-0000", lon=139.09, lat=37.90,
                    schedule_rules=None, extra={**old.extra, "note": "1階"})  # fmt: skip
    stored = loaded.write_place(moved, old.content_hash(), edit(old.id))

    assert stored == replace(moved, updated_at="2026-06-06T00:00:00Z")
    assert stored.content_hash() == moved.content_hash() != old.content_hash()
    *_, last = loaded.changes("place", old.id)
    assert last.fields == {
        "name": [old.name, moved.name],
        "phone": ["025-000-1111", "025-999-0000"],
        "lon": [old.lon, 139.09],
        "lat": [old.lat, 37.90],
        "schedule_rules": [old.schedule_rules, None],
        "extra": [old.extra, moved.extra],
    }
    assert last.fields["lon"][0] == 139.04123456789012  # floats exactly as they were
    # the old location and name no longer find it; the new ones do
    assert old.id not in ids(loaded.places(PlaceQuery(bbox=(139.04, 37.91, 139.042, 37.913))))
    assert old.id in ids(loaded.places(PlaceQuery(bbox=(139.089, 37.899, 139.091, 37.901))))
    assert old.id in ids(loaded.places(PlaceQuery(q=fold("移転"))))
    assert old.id in ids(loaded.places(PlaceQuery(area="15100-higashi")))
    assert loaded.place_hashes(NIIGATA)[old.id][0] == moved.content_hash()


def test_a_write_that_changes_nothing_records_nothing(loaded: Store) -> None:
    old = by_id(loaded, "15100-0004")
    revision, history = loaded.revision(), loaded.changes("place", old.id)
    again = loaded.write_place(replace(old, updated_at=None), old.content_hash(), edit(old.id))
    assert again == old  # updated_at kept
    assert loaded.changes("place", old.id) == history and loaded.revision() == revision


def test_a_stale_write_is_refused_with_the_current_etag(loaded: Store) -> None:
    read = by_id(loaded, "15100-0003")
    first = loaded.write_place(replace(read, phone="025-1"), read.content_hash(), edit(read.id))
    history, revision = loaded.changes("place", read.id), loaded.revision()

    with pytest.raises(StaleWrite) as caught:
        loaded.write_place(replace(read, fee="無料"), read.content_hash(), edit(read.id))
    assert caught.value.record_id == read.id
    assert caught.value.current_etag == first.content_hash()
    assert by_id(loaded, read.id) == first  # nothing lost, nothing written
    assert loaded.changes("place", read.id) == history and loaded.revision() == revision
    # read again, the same change applies
    loaded.write_place(replace(first, fee="無料"), caught.value.current_etag, edit(read.id))
    assert by_id(loaded, read.id).fee == "無料"


def test_apply_places_records_each_import_with_its_source(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    (created,) = loaded.changes("place", "15100-0002")
    assert (created.who, created.via, created.action, created.source) == (
        "import", "import", "create", None
    )
    assert ISO_UTC.match(created.at or "")
    old5, old6 = by_id(loaded, "15100-0005"), by_id(loaded, "15100-0006")
    new = _place("15100-0300", "新規サロン", 139.0, 37.9)
    set_clock(monkeypatch, loaded, "2026-07-07T00:00:00Z")
    loaded.apply_places(PlaceChanges(
        upsert=[replace(old5, fee="200円"), replace(old6), new],  # 0006 unchanged
        close=["15100-0004", "15100-0009"],  # 0009 is closed already
        source="niigata-2024.csv",
    ))  # fmt: skip
    recorded = [c for c in loaded.changes("place") if c.at == "2026-07-07T00:00:00Z"]
    assert [(c.record_id, c.action, c.fields) for c in recorded] == [
        ("15100-0005", "update", {"fee": [None, "200円"]}),
        ("15100-0300", "create", place_diff(None, new)),
        ("15100-0004", "close", {"status": ["active", "closed"]}),
    ]
    assert {(c.who, c.via, c.source) for c in recorded} == {
        ("import", "import", "niigata-2024.csv")
    }


def test_changes_are_oldest_first_and_filtered_by_record_and_city(loaded: Store) -> None:
    loaded.write_place(replace(p := by_id(loaded, "15202-0001"), fee="無料"), p.content_hash(),
                       edit(p.id, city=NAGAOKA))  # fmt: skip
    loaded.write_place(replace(q := by_id(loaded, "15100-0002"), fee="無料"), q.content_hash(),
                       edit(q.id))  # fmt: skip
    loaded.write_place(replace(p := by_id(loaded, "15202-0001"), fee="100円"), p.content_hash(),
                       edit(p.id, city=NAGAOKA))  # fmt: skip
    every = loaded.changes("place")
    assert [c.id for c in every] == sorted(c.id for c in every if c.id is not None)
    assert len({c.id for c in every}) == len(every) == len(places()) + 3
    nagaoka = loaded.changes("place", city=NAGAOKA)
    assert [(c.action, c.fields.get("fee")) for c in nagaoka] == [
        ("create", None), ("update", [None, "無料"]), ("update", ["無料", "100円"])
    ]
    assert loaded.changes("place", "15202-0001") == nagaoka
    assert loaded.changes("place", "15202-0001", city=NIIGATA) == []
    assert [c.record_id for c in loaded.changes("place", city=NIIGATA)][-1] == "15100-0002"
    assert loaded.changes("area") == []


def test_write_area_changes_its_contacts_only(loaded: Store) -> None:
    old = loaded.area("15100-bandai")
    assert old is not None
    contacts = [replace(old.contacts[0], phone="025-000-7777"), Contact("民生委員", "山田 太郎")]
    sent = replace(old, contacts=contacts, name="名前は変わらない", level=3)
    stored = loaded.write_area(sent, old.content_hash(), edit(old.id, kind="area"))

    assert stored == replace(old, contacts=contacts)
    assert loaded.area(old.id) == stored
    assert loaded.area_hashes(NIIGATA)[old.id] == stored.content_hash() != old.content_hash()
    (change,) = loaded.changes("area", old.id)
    assert change.fields == {
        "contacts": [[c.as_dict() for c in old.contacts], [c.as_dict() for c in contacts]]
    }
    assert loaded.changes("area", city=NIIGATA) == [change] and loaded.changes("area", "x") == []

    with pytest.raises(StaleWrite) as caught:
        loaded.write_area(replace(old, contacts=[]), old.content_hash(), edit(old.id, kind="area"))
    assert caught.value.current_etag == stored.content_hash()
    assert loaded.area(old.id) == stored
    revision = loaded.revision()
    same = loaded.write_area(stored, stored.content_hash(), edit(old.id, kind="area"))
    assert same == stored and loaded.revision() == revision
    assert len(loaded.changes("area")) == 1
    with pytest.raises(NotFound):
        loaded.write_area(replace(old, id="15100-none"), "x", edit("15100-none", kind="area"))


def test_every_new_write_moves_the_revision_on(loaded: Store) -> None:
    p, a = by_id(loaded, "15100-0005"), loaded.area("15100-chuo")
    assert a is not None
    writes = [
        lambda: loaded.put_user(User("x@example.jp", NIIGATA, "admin")),
        lambda: loaded.put_user(User("x@example.jp", NIIGATA, "admin", disabled=True)),
        lambda: loaded.put_token(ApiToken("t", NIIGATA, "viewer", "ab" * 32)),
        lambda: loaded.put_setting("secret_key", "k"),
        lambda: loaded.write_place(replace(p, fee="1"), p.content_hash(), edit(p.id)),
        lambda: loaded.write_area(replace(a, contacts=[Contact("係", "係長")]), a.content_hash(),
                                  edit(a.id, kind="area")),  # fmt: skip
    ]
    for write in writes:
        before = loaded.revision()
        write()
        assert loaded.revision() > before


def race(stores: Sequence[Store], read: Place) -> list[str]:
    """Each store (its own connection) in its own thread writes over ``read`` at once."""
    start = threading.Barrier(len(stores))
    results: list[str] = []

    def write(n: int) -> None:
        start.wait()
        try:
            stores[n].write_place(replace(read, phone=f"025-{n:03d}"), read.content_hash(),
                                  edit(read.id, who=f"token:t{n}"))  # fmt: skip
            results.append(f"ok {n}")
        except StaleWrite as stale:
            results.append(f"stale {stale.current_etag}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def one_won(store: Store, read: Place, results: list[str], writers: int, base: int) -> None:
    """Exactly one writer won; the others were told the winner's ETag; history has its change."""
    won = [r for r in results if r.startswith("ok")]
    assert len(results) == writers and len(won) == 1
    winner = int(won[0].split()[1])
    now = by_id(store, read.id)
    assert now.phone == f"025-{winner:03d}"
    assert sorted(results) == sorted([won[0]] + [f"stale {now.content_hash()}"] * (writers - 1))
    history = store.changes("place", read.id)
    assert len(history) == base + 1
    assert (history[-1].who, history[-1].fields) == (
        f"token:t{winner}", {"phone": ["025-000-1111", f"025-{winner:03d}"]}
    )


@pytest.mark.postgis
def test_concurrent_writers_with_one_etag_one_wins(postgis_store: PostgisStore) -> None:
    """Threads race on the pool's connections: the row lock (FOR UPDATE) lets exactly one
    through; every other gets StaleWrite and history shows the one change."""
    load(postgis_store)
    read = by_id(postgis_store, "15100-0001")
    base = len(postgis_store.changes("place", read.id))
    results = race([postgis_store] * 8, read)
    one_won(postgis_store, read, results, 8, base)


def test_concurrent_gpkg_writers_with_one_etag_one_wins(gpkg_store: GpkgStore) -> None:
    """Four connections to one file (as four processes would have): BEGIN IMMEDIATE makes them
    take turns, so the check and the write of one are never split by another's."""
    load(gpkg_store)
    read = by_id(gpkg_store, "15100-0001")
    base = len(gpkg_store.changes("place", read.id))
    others = [GpkgStore(gpkg_store.path) for _ in range(4)]
    try:
        one_won(gpkg_store, read, race(others, read), 4, base)
    finally:
        for other in others:
            other.close()


@pytest.mark.postgis
def test_postgis_0010_downgrades_to_0009_and_up_again(blank_database_url: str) -> None:
    from alembic import command

    from geo.store.migrate import _config, current

    store = PostgisStore(blank_database_url, auto_upgrade=True)
    load(store)
    store.put_user(User("a@example.jp", NIIGATA, "admin"))
    store.close()
    command.downgrade(_config(database_url(blank_database_url)), "0009")
    assert current(blank_database_url) == "0009"
    engine = create_engine(database_url(blank_database_url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        tables = set(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )).scalars())  # fmt: skip
    engine.dispose()
    assert not {"users", "api_tokens", "settings", "changes"} & tables
    assert "places" in tables

    upgrade(blank_database_url)
    store = PostgisStore(blank_database_url)
    try:
        assert len(store.places(ALL)) == len(places())  # the places stay; the history starts anew
        assert store.changes("place") == [] and store.users() == []
        store.put_setting("secret_key", "k")
        assert store.setting("secret_key") == "k"
    finally:
        store.close()
