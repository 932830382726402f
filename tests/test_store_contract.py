"""The Store contract, run against every store: same data in, same answers out.

The data is a small slice of 新潟市 built here: two wards sharing a boundary (one with a hole), a
daily-living area in two parts, a city override of a default category, and a dozen places.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import create_engine, pool, text

from geo.errors import StoreError
from geo.model import Area, Category, City, Contact, Place
from geo.store.base import AreaChanges, CityCounts, PlaceChanges, PlaceQuery, Store
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
