"""Concurrent writers through a real server (uvicorn, threads): of the writers holding one ETag
exactly one wins, the others get 412, and the history holds exactly the winners' changes, each
starting from the value the one before left. Counts are checked, never times."""

from __future__ import annotations

from bench.bench_concurrent_writes import run
from geo.store.base import Store


def test_concurrent_writers_lose_nothing(store: Store) -> None:
    same, free = run(store, threads=6, rounds=5)
    assert (same.successes, same.stale, same.other) == (5, 25, 0), same.lines()
    assert same.history_rows == 5 and same.chained, same.lines()
    assert free.attempts == 30 and free.other == 0, free.lines()
    assert free.successes >= 5 and free.history_rows == free.successes, free.lines()
    assert free.chained and free.ok(), free.lines()
