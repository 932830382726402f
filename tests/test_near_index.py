"""Nearest places from a city's index in memory (geo.store.near_index) answer exactly as a
full scan by (geodesic metres, id) — where the sphere's order and the ellipsoid's differ, at
ties, under filters — and follow every write, on both stores and on the event loop's path."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from pyproj import Geod

from geo.model import Place
from geo.store.base import PlaceChanges, PlaceQuery, Store
from geo.store.near_index import NearIndex, handles
from tests.test_hot_reads import on_loop
from tests.test_store_contract import NAGAOKA, NIIGATA, _place

GEOD = Geod(ellps="WGS84")
CENTRE = (139.05, 37.91)


def metres(lon: float, lat: float, p: Place) -> float:
    return float(GEOD.inv(lon, lat, p.lon, p.lat)[2])


def full_scan(
    given: list[Place], lon: float, lat: float, limit: int, query: PlaceQuery
) -> list[tuple[str, float]]:
    """What the answer must be: every match measured, ranked by (metres, id)."""
    kept = [
        p for p in given
        if p.city == query.city
        and (not query.categories or p.category in query.categories)
        and (not query.kinds or p.kind in query.kinds)
        and (not query.statuses or p.status in query.statuses)
        and (query.source is None or p.source == query.source)
    ]  # fmt: skip
    return sorted(((p.id, metres(lon, lat, p)) for p in kept), key=lambda x: (x[1], x[0]))[:limit]


def ring_places() -> list[Place]:
    """Places around CENTRE, each 97° round from the last, at metres that grow by 0.1 % a
    step: the order by angle on a sphere is not the order in metres on the ellipsoid. Twins on one
    point tie, and a second city, other kinds, statuses and sources are mixed in."""
    rng = random.Random(12)
    out: list[Place] = []
    for i in range(150):
        azimuth, distance = (i * 97) % 360, 400.0 * (1.001**i)
        lon, lat, _ = GEOD.fwd(*CENTRE, azimuth, distance)
        out.append(
            _place(
                f"{NIIGATA}-ring{i:03}", "輪", lon, lat,
                kind=rng.choice(["gathering", "gathering", "venue"]),
                status=rng.choice(["active", "active", "paused", "closed"]),
                category=rng.choice(["salon", "cafe"]),
                source=rng.choice(["a.csv", "b.csv"]),
            )
        )  # fmt: skip
    twin = out[5]
    out.append(_place(f"{NIIGATA}-aaa-twin", "双子", twin.lon, twin.lat))  # ties with ring005
    out += [_place(f"{NAGAOKA}-n{i}", "長岡", *CENTRE, city=NAGAOKA) for i in range(3)]
    return out


QUERIES = [
    PlaceQuery(city=NIIGATA),
    PlaceQuery(city=NIIGATA, kinds=(), statuses=()),
    PlaceQuery(city=NIIGATA, kinds=("venue",), statuses=("active", "paused")),
    PlaceQuery(city=NIIGATA, categories=("cafe",), kinds=(), statuses=(), source="b.csv"),
    PlaceQuery(city=NIIGATA, categories=("no-such",)),
    PlaceQuery(city=NAGAOKA, kinds=(), statuses=()),
]
POINTS = [CENTRE, (139.06, 37.915), (139.3, 38.2), (-70.0, -30.0)]


def index_of(given: list[Place], city: str) -> NearIndex:
    return NearIndex(
        7,
        [
            (p.id, p.id, p.lon, p.lat, p.category, p.kind, p.status, p.source)
            for p in given
            if p.city == city
        ],
    )


@pytest.mark.parametrize("limit", [1, 2, 6, 25, 400])
def test_the_index_answers_as_a_full_scan(limit: int) -> None:
    given = ring_places()
    for query in QUERIES:
        index = index_of(given, str(query.city))
        for lon, lat in POINTS:
            got = [(row.id, d) for row, d in index.nearest(lon, lat, limit, query)]
            assert got == full_scan(given, lon, lat, limit, query), (query, lon, lat)


def test_the_sphere_alone_would_rank_wrong() -> None:
    """The test above can fail: ranked on a sphere, the rings' nearest come in another order
    than in metres on the ellipsoid (so the index must measure again, and not miss any)."""
    given = [p for p in ring_places() if p.city == NIIGATA]
    sphere = Geod(a=6_371_008.8, b=6_371_008.8)
    by_sphere = sorted(given, key=lambda p: (sphere.inv(*CENTRE, p.lon, p.lat)[2], p.id))
    by_metres = sorted(given, key=lambda p: (metres(*CENTRE, p), p.id))
    assert [p.id for p in by_sphere[:40]] != [p.id for p in by_metres[:40]]


def east_and_north() -> list[Place]:
    """Twenty places 1,000 m east of CENTRE and five 998 m north. Here a metre north-south
    is a larger angle on the unit sphere than a metre east-west (the meridian curves more
    tightly than the prime vertical), so the north ones are farther by angle but nearer in
    metres: the tree's first sixteen by angle are all east, and the answer is all north."""
    out = [
        _place(f"{NIIGATA}-east{i:02}", "東", *GEOD.fwd(*CENTRE, 88 + i * 0.2, 1000.0)[:2])
        for i in range(20)
    ]
    out += [
        _place(f"{NIIGATA}-north{i}", "北", *GEOD.fwd(*CENTRE, -1 + i * 0.5, 998.0)[:2])
        for i in range(5)
    ]
    return out


def test_nearer_in_metres_beyond_the_first_by_angle_are_found() -> None:
    """The tree's first few by angle give a radius only; what lies within it and beyond them
    by angle is searched too (the ball). Fails if the first few are taken as every candidate."""
    given = east_and_north()
    query = PlaceQuery(city=NIIGATA)
    got = [(row.id, d) for row, d in index_of(given, NIIGATA).nearest(*CENTRE, 5, query)]
    assert got == full_scan(given, *CENTRE, 5, query)
    assert sorted(i for i, _ in got) == [f"{NIIGATA}-north{i}" for i in range(5)]


def test_texts_areas_and_boxes_are_not_the_indexs() -> None:
    assert handles(PlaceQuery(city=NIIGATA, kinds=(), statuses=()))
    assert not handles(PlaceQuery())  # every city: the store's own search
    assert not handles(PlaceQuery(city=NIIGATA, q="サロン"))
    assert not handles(PlaceQuery(city=NIIGATA, area="15100-bandai"))
    assert not handles(PlaceQuery(city=NIIGATA, bbox=(139.0, 37.9, 139.1, 38.0)))


def _both_paths(store: Store, lon: float, lat: float, limit: int, query: PlaceQuery) -> list:
    """The threaded read and the event loop's read, which must agree."""
    threaded = store.nearby(lon, lat, limit, query)

    async def near() -> tuple[int, list[tuple[Place, float]]]:
        return await store.nearby_now(lon, lat, limit, query)

    revision, looped = on_loop(store, near)
    assert revision == store.revision()
    assert looped == threaded
    return [(p.id, d) for p, d in threaded]


def test_both_stores_answer_as_a_full_scan_and_follow_writes(store: Store) -> None:
    given = ring_places()
    store.apply_places(PlaceChanges(upsert=given))
    for query in QUERIES:
        for lon, lat in POINTS[:3]:
            for limit in (1, 6, 400):
                expected = full_scan(given, lon, lat, limit, query)
                assert _both_paths(store, lon, lat, limit, query) == expected, query

    # a write moves the revision: the next answers come from the places as they now are
    query = PlaceQuery(city=NIIGATA, kinds=(), statuses=())
    nearest = _both_paths(store, *CENTRE, 1, query)[0][0]
    moved = next(p for p in given if p.id == nearest)
    far = _place(moved.id, moved.name, 139.5, 38.5, kind=moved.kind, status=moved.status,
                 category=moved.category, source=moved.source)  # fmt: skip
    new = _place(f"{NIIGATA}-new", "新しいサロン", CENTRE[0] + 0.0001, CENTRE[1])
    store.apply_places(PlaceChanges(upsert=[far, new]))
    now = [far, new, *(p for p in given if p.id != moved.id)]
    for limit in (1, 3, 50):
        assert _both_paths(store, *CENTRE, limit, query) == full_scan(
            now, *CENTRE, limit, query
        )
    assert _both_paths(store, *CENTRE, 1, query)[0][0] == new.id


def test_places_kept_by_the_index_follow_a_rename(store: Store) -> None:
    """The index keeps the places it answered with, for its revision only: asked again, it
    reads none of them; after a write that renames one (its point unchanged) the answer
    carries the new name, on both paths."""
    given = ring_places()
    store.apply_places(PlaceChanges(upsert=given))
    query = PlaceQuery(city=NIIGATA, kinds=(), statuses=())
    first = _both_paths(store, *CENTRE, 6, query)
    index = store._near.get(NIIGATA)  # noqa: SLF001 - the store's own index, looked into
    assert index is not None
    assert index.unread(index.nearest(*CENTRE, 6, query)) == []
    assert _both_paths(store, *CENTRE, 6, query) == first

    old = next(p for p in given if p.id == first[0][0])
    renamed = replace(old, name="改名したサロン", phone="025-999-0000")
    store.apply_places(PlaceChanges(upsert=[renamed]))
    places = store.nearby(*CENTRE, 6, query)
    assert places[0][0].name == "改名したサロン" and places[0][0].phone == "025-999-0000"
    assert [(p.id, d) for p, d in places] == first
    _both_paths(store, *CENTRE, 6, query)  # the event loop's read agrees
