"""A bulk write leaves PostgreSQL's statistics of the table fresh (geo.store.postgis_statistics):
a city's new file is planned as what it is at once, not as an empty table until autovacuum comes
round; a small edit never runs ANALYZE; a refresh that cannot run leaves the write as it is."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from shapely.geometry import Point
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from geo.model import Place, PopulationCell
from geo.store.base import PlaceChanges, PlaceQuery
from geo.store.postgis import PostgisStore
from geo.store.postgis_statistics import refresh_statistics, stale_after
from geo.store.postgis_tables import places_t
from tests.test_store_contract import CITIES, NIIGATA, _place

pytestmark = pytest.mark.postgis


def test_the_threshold_is_autovacuums() -> None:
    assert not stale_after(50, -1)  # never analysed: 50 rows still pass, as autovacuum lets them
    assert stale_after(51, -1)
    assert not stale_after(150, 1000)  # 50 + 10 % of 1,000
    assert stale_after(151, 1000)


@pytest.fixture
def store(postgis_store: PostgisStore, postgis_engine: Engine) -> Iterator[PostgisStore]:
    """The store with autovacuum off for its tables while the test runs, so only the store's
    own ANALYZE can move the statistics."""
    tables = ("places", "population")
    with postgis_engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    for city in CITIES:
        postgis_store.put_city(city)
    try:
        yield postgis_store
    finally:
        with postgis_engine.begin() as conn:
            for table in tables:
                conn.execute(text(f"ALTER TABLE {table} RESET (autovacuum_enabled)"))


def known_rows(engine: Engine, table: str) -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(
                text(f"SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass")
            ).scalar_one()
        )


def grid(start: int, n: int) -> list[Place]:
    return [
        _place(f"{NIIGATA}-s{i:05}", f"場所{i}", 139.0 + (i % 100) * 1e-3, 37.9 + (i // 100) * 1e-3)
        for i in range(start, start + n)
    ]


def test_a_file_of_places_is_analysed_as_it_lands(
    store: PostgisStore, postgis_engine: Engine
) -> None:
    assert known_rows(postgis_engine, "places") < 0  # emptied: never analysed since
    store.apply_places(PlaceChanges(upsert=grid(0, 400)))
    assert known_rows(postgis_engine, "places") == 400

    store.apply_places(PlaceChanges(upsert=grid(400, 80)))  # 80 ≤ 50 + 40: autovacuum's to do
    assert known_rows(postgis_engine, "places") == 400
    store.apply_places(PlaceChanges(upsert=grid(0, 480)))  # all unchanged: nothing written
    assert known_rows(postgis_engine, "places") == 400

    closing = [p.id for p in grid(0, 100)]  # closed rows are changed rows too
    store.apply_places(PlaceChanges(upsert=grid(480, 20), close=closing))
    assert known_rows(postgis_engine, "places") == 500
    assert store.count_places(PlaceQuery(city=NIIGATA, statuses=("active",))) == 400
    # closed already: asked to close again, they are not written, so they count for nothing
    store.apply_places(PlaceChanges(upsert=grid(500, 60), close=closing))
    assert known_rows(postgis_engine, "places") == 500


def test_population_is_analysed_too(store: PostgisStore, postgis_engine: Engine) -> None:
    cells = [
        PopulationCell(
            id=f"{NIIGATA}-c{i:04}", city=NIIGATA, kind="town", code=f"t{i}", total=100.0,
            age65=30.0, age75=15.0, geometry=Point(139.0 + i * 1e-3, 37.9), source="t",
        )
        for i in range(120)
    ]  # fmt: skip
    store.put_population(cells)
    assert known_rows(postgis_engine, "population") == 120


def test_a_refresh_that_cannot_run_leaves_the_rows(
    store: PostgisStore,
    postgis_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another session's ANALYZE (its lock held here) makes this one give up after the lock
    time-out: the places are committed, and the log says autovacuum will refresh them."""
    monkeypatch.setattr("geo.store.postgis_statistics.LOCK_TIMEOUT", "200ms")
    with postgis_engine.connect() as holder:
        holder.execute(text("BEGIN"))
        holder.execute(text("LOCK TABLE places IN SHARE UPDATE EXCLUSIVE MODE"))
        with caplog.at_level(logging.WARNING, logger="geo.store.postgis_statistics"):
            store.apply_places(PlaceChanges(upsert=grid(0, 300)))
        holder.execute(text("ROLLBACK"))
    assert store.count_places(PlaceQuery(city=NIIGATA)) == 300
    assert known_rows(postgis_engine, "places") < 0
    assert "statistics of places not refreshed" in caplog.text
    assert "lock timeout" in caplog.text


def test_a_small_write_asks_nothing(store: PostgisStore) -> None:
    """Fifty rows or fewer make no table's statistics stale: no round trip at all."""
    engine = store._engine  # noqa: SLF001 - the writer's engine, whose statements are counted
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert refresh_statistics(engine, places_t, 50) is False
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == []
