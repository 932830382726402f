"""The reads a server makes on its event loop (Store.page_now, Store.nearby_now) give the
threaded reads' answers, with the revision they were read at, on both stores; and the API's
listing and nearby answers through them are byte for byte the threaded path's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from geo.model import Place
from geo.store.base import PlaceChanges, PlaceQuery, Store
from service.app import create_app
from service.routes import places as places_route
from tests.test_store_contract import NAGAOKA, NIIGATA, _place, load

T = TypeVar("T")

QUERIES = [
    PlaceQuery(),
    PlaceQuery(city=NIIGATA, limit=3),
    PlaceQuery(city=NIIGATA, limit=3, offset=2),
    PlaceQuery(city=NIIGATA, limit=5, offset=100),  # past the end: counted apart
    PlaceQuery(city=NIIGATA, limit=2, offset=100, kinds=(), statuses=()),
    PlaceQuery(bbox=(139.04, 37.90, 139.06, 37.92), kinds=(), statuses=(), limit=50),
    PlaceQuery(bbox=(140.0, 38.0, 140.1, 38.1), limit=50),
    PlaceQuery(city=NIIGATA, categories=("salon", "walking"), statuses=("active", "paused")),
    PlaceQuery(q="ハナミズキ", limit=10),
    PlaceQuery(q="100%", kinds=(), statuses=()),  # LIKE's own characters, escaped
    PlaceQuery(source="survey-2023", kinds=(), statuses=()),
    PlaceQuery(city=NIIGATA, kinds=("venue",), statuses=(), limit=1),
    PlaceQuery(area="15100-bandai", limit=1),  # the border rule: the threaded path
    PlaceQuery(city=NAGAOKA, limit=None),
]


def on_loop(store: Store, read: Callable[[], Awaitable[T]]) -> T:
    """Run a read on a fresh event loop with the store's loop reads opened, as a server does."""

    async def run() -> T:
        await store.open_async()
        try:
            return await read()
        finally:
            await store.close_async()

    return fresh_loop(run())


def fresh_loop(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: the browser tests' session-wide Playwright keeps an
    event loop running in the main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def loaded(store: Store) -> Store:
    load(store)
    return store


def expected_page(store: Store, query: PlaceQuery) -> tuple[list[Place], int]:
    return store.places(query), store.count_places(query)


def test_page_now_gives_the_places_their_count_and_the_revision(loaded: Store) -> None:
    async def pages() -> list[tuple[int, list[Place], int]]:
        return [await loaded.page_now(q) for q in QUERIES]

    got = on_loop(loaded, pages)
    revision = loaded.revision()
    for query, (rev, found, matched) in zip(QUERIES, got, strict=True):
        assert rev == revision, query
        assert (found, matched) == expected_page(loaded, query), query
    assert [len(g[1]) for g in got[1:4]] == [3, 3, 0]
    assert got[3][2] == len(loaded.places(PlaceQuery(city=NIIGATA))) > 0  # counted past the end


def test_page_now_without_a_loop_pool_reads_the_same(loaded: Store) -> None:
    """A client that never ran the app's start-up (no open_async) is answered in a thread."""
    for query in QUERIES[:4]:
        rev, found, matched = fresh_loop(loaded.page_now(query))
        assert (rev, found, matched) == (loaded.revision(), *expected_page(loaded, query))


@pytest.mark.parametrize(
    ("lon", "lat", "limit", "query"),
    [
        (139.04, 37.91, 4, PlaceQuery()),
        (139.01, 37.93, 2, PlaceQuery(statuses=("active", "paused"))),  # a tie, by id
        (139.04, 37.91, 10, PlaceQuery(kinds=("venue",), statuses=())),  # fewer than asked
        (139.04, 37.91, 3, PlaceQuery(city=NAGAOKA)),
        (139.04, 37.91, 10, PlaceQuery(area="15100-bandai")),
        (139.04, 37.91, 5, PlaceQuery(q="存在しない")),
        (139.5, 37.0, 7, PlaceQuery(categories=("salon",), limit=1, offset=3)),
    ],
)
def test_nearby_now_gives_nearby_and_the_revision(
    loaded: Store, lon: float, lat: float, limit: int, query: PlaceQuery
) -> None:
    async def near() -> tuple[int, list[tuple[Place, float]]]:
        return await loaded.nearby_now(lon, lat, limit, query)

    assert on_loop(loaded, near) == (loaded.revision(), loaded.nearby(lon, lat, limit, query))


def test_the_revision_read_with_the_rows_moves_with_a_write(loaded: Store) -> None:
    query = PlaceQuery(bbox=(139.04, 37.90, 139.06, 37.92), limit=50)

    async def before_and_after() -> list[tuple[int, list[Place], int]]:
        first = await loaded.page_now(query)
        await asyncio.to_thread(
            loaded.apply_places,
            PlaceChanges(upsert=[_place("15100-0100", "新しいサロン", 139.05, 37.91)]),
        )
        return [first, await loaded.page_now(query)]

    (rev1, found1, n1), (rev2, found2, n2) = on_loop(loaded, before_and_after)
    assert rev2 > rev1
    assert "15100-0100" not in [p.id for p in found1]
    assert "15100-0100" in [p.id for p in found2] and n2 == n1 + 1


def test_revision_now_sees_every_write_before_it(loaded: Store) -> None:
    """The revision on the loop (PostGIS: shared by the requests asking at one moment) is
    the threaded one, and moves with a write committed before the call, with or without the
    loop's reads opened."""

    async def before_and_after() -> list[int]:
        together = await asyncio.gather(*(loaded.revision_now() for _ in range(8)))
        await asyncio.to_thread(
            loaded.apply_places,
            PlaceChanges(upsert=[_place("15100-0100", "新しいサロン", 139.05, 37.91)]),
        )
        return [*together, await loaded.revision_now()]

    *first, after = on_loop(loaded, before_and_after)
    assert set(first) == {after - 1} and after == loaded.revision()
    assert fresh_loop(loaded.revision_now()) == loaded.revision()  # no pool on this loop


# -- through the API ------------------------------------------------------------------------

PATHS = [
    f"/api/cities/{NIIGATA}/places?limit=50&bbox=139.04,37.90,139.06,37.92&kind=all&status=all",
    f"/api/cities/{NIIGATA}/places?limit=3",
    f"/api/cities/{NIIGATA}/places?limit=3&offset=2&category=salon,walking&status=active,paused",
    f"/api/cities/{NIIGATA}/places?limit=5&offset=100",
    f"/api/cities/{NIIGATA}/places?limit=20&q=ハナミズキ",
    f"/api/places/nearby?lat=37.91&lon=139.04&city={NIIGATA}&limit=4",
    "/api/places/nearby?lat=37.93&lon=139.01&limit=2&status=active,paused",
    f"/api/places/nearby?lat=37.91&lon=139.04&city={NIIGATA}&limit=3&kind=venue&status=all",
]


def count_calls(monkeypatch: pytest.MonkeyPatch, store: Store) -> dict[str, int]:
    """How often the routes read through the event-loop reads (the real ones, counted)."""
    calls = {"page_now": 0, "nearby_now": 0}
    for name in calls:
        real = getattr(store, name)

        async def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls[_name] += 1
            return await _real(*args)

        monkeypatch.setattr(store, name, counted)
    return calls


def test_answers_on_the_loop_are_the_threaded_answers(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first request for a city reads it in a thread (the city is not held yet); later
    ones read the revision with the rows on the loop. The bytes are the same."""
    threaded: dict[str, bytes] = {}
    for path in PATHS:
        with TestClient(create_app(loaded)) as client:  # a new app: nothing held yet
            first = client.get(path)
            assert first.status_code == 200, first.text
            threaded[path] = first.content
    calls = count_calls(monkeypatch, loaded)
    with TestClient(create_app(loaded)) as client:
        client.get(f"/api/cities/{NIIGATA}/places?limit=1")  # the cities are held from here
        for path in PATHS:
            again = client.get(path)
            assert again.status_code == 200, again.text
            assert again.content == threaded[path], path
    assert calls["page_now"] >= 5 and calls["nearby_now"] == 3


def test_a_write_shows_at_once_on_the_loop_path(loaded: Store) -> None:
    path = f"/api/cities/{NIIGATA}/places?limit=50&bbox=139.04,37.90,139.06,37.92"
    with TestClient(create_app(loaded)) as client:
        before = client.get(path).json()
        client.get(path)
        loaded.apply_places(
            PlaceChanges(upsert=[_place("15100-0100", "新しいサロン", 139.05, 37.91)])
        )
        after = client.get(path).json()
        near = client.get(f"/api/places/nearby?lat=37.91&lon=139.05&city={NIIGATA}&limit=1")
    assert "15100-0100" not in [f["id"] for f in before["features"]]
    assert "15100-0100" in [f["id"] for f in after["features"]]
    assert after["numberMatched"] == before["numberMatched"] + 1
    assert [f["id"] for f in near.json()["features"]] == ["15100-0100"]


def test_an_unknown_city_is_a_404_on_the_loop_path(loaded: Store) -> None:
    with TestClient(create_app(loaded)) as client:
        assert client.get(f"/api/cities/{NIIGATA}/places?limit=5").status_code == 200
        for path in (
            "/api/cities/99999/places?limit=5",
            "/api/places/nearby?lat=37.91&lon=139.04&city=99999",
        ):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert "99999" in answer.json()["detail"]


def test_a_large_page_stays_on_the_threaded_path(
    loaded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_calls(monkeypatch, loaded)
    with TestClient(create_app(loaded)) as client:
        client.get(f"/api/cities/{NIIGATA}/places?limit=1")
        big = client.get(f"/api/cities/{NIIGATA}/places?limit={places_route.FAST_LIMIT + 1}")
        whole = client.get(f"/api/cities/{NIIGATA}/places")
    assert big.status_code == whole.status_code == 200
    assert big.json()["features"] == whole.json()["features"]
    assert calls["page_now"] == 0


# -- PostGIS: connections ---------------------------------------------------------------------


def _drop_connections(postgis_url: str) -> int:
    """What a PostgreSQL restart does to a client: every other session of the database ends."""
    from sqlalchemy import create_engine, pool, text

    from geo.store.migrate import database_url

    admin = create_engine(database_url(postgis_url), poolclass=pool.NullPool)
    with admin.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return int(n)


@pytest.mark.postgis
def test_loop_reads_recover_from_dropped_connections(
    postgis_store: Store, postgis_url: str
) -> None:
    """What a PostgreSQL restart does: the pool's connections end; the next read is answered
    on new ones, without a restart of the server."""
    load(postgis_store)
    query = PlaceQuery(city=NIIGATA, limit=3)

    async def read_drop_read() -> list[tuple[int, list[Place], int]]:
        first = await postgis_store.page_now(query)
        assert await asyncio.to_thread(_drop_connections, postgis_url) >= 1
        second = await postgis_store.page_now(query)
        _, near = await postgis_store.nearby_now(139.04, 37.91, 2, query)
        assert [p.id for p, _ in near] == ["15100-0001", "15100-0003"]
        # asked again, the index keeps both places: the revision alone is read (coalesced)
        assert await asyncio.to_thread(_drop_connections, postgis_url) >= 1
        assert (await postgis_store.nearby_now(139.04, 37.91, 2, query))[1] == near
        return [first, second]

    first, second = on_loop(postgis_store, read_drop_read)
    assert first == second


@pytest.mark.postgis
def test_loop_reads_open_no_more_connections_than_their_pool(postgis_store: Store) -> None:
    from geo.store.postgis import PostgisStore
    from geo.store.postgis_async import POOL_SIZE

    assert isinstance(postgis_store, PostgisStore)
    load(postgis_store)

    async def many() -> int:
        queries = [PlaceQuery(bbox=(139.0 + i / 1000, 37.9, 139.05, 37.95), limit=5)
                   for i in range(50)]  # fmt: skip
        for _ in range(4):
            await asyncio.gather(*(postgis_store.page_now(q) for q in queries))
        reads = postgis_store._reads()
        assert reads is not None
        stats = reads.pool.get_stats()
        return int(stats["connections_num"])

    assert on_loop(postgis_store, many) <= POOL_SIZE
