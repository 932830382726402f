"""Concurrent writers on one place through a real server: no lost update, one winner per ETag.

Not a timed benchmark; it checks what the issue asks under load and prints the counts beside
what they must be. From the repository root with the project's venv and a PostGIS database
that may be emptied (its Tsudoi tables are truncated):

    python bench/bench_concurrent_writes.py \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/tsudoi_bench --threads 8 --rounds 20

It serves the app with uvicorn in this process (a thread) on the PostGIS store, then:

1. **same ETag**: each round, every thread holds the one ETag just read and sends its PATCH at
   the same moment (a barrier): exactly one 200 per round, every other answer 412;
2. **free for all**: every thread reads, changes and, on 412, reads again, ``--rounds`` times
   each: every PATCH answered 200 or 412, never anything else;

and after each, the place's history holds exactly the successful changes, each starting from the
value the one before it left (nothing lost, nothing applied twice). ``--gpkg FILE`` runs the same
against a GeoPackage instead.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from shapely.geometry import MultiPolygon, box

from geo.history import Change
from geo.model import Area, City, Place
from geo.store import open_store
from geo.store.base import AreaChanges, Store
from layers.categories import ensure_default_categories
from service.app import create_app
from service.auth.tokens import create_token

CITY = "15100"
PLACE = f"{CITY}-editor-bench"


@dataclass
class Tally:
    """What the writers got, and what the history holds afterwards."""

    name: str
    attempts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    history_rows: int = 0
    chained: bool = True  # each recorded change starts from the value the previous one left
    expected_successes: int | None = None  # known in advance for the same-ETag rounds

    @property
    def successes(self) -> int:
        return self.statuses[200]

    @property
    def stale(self) -> int:
        return self.statuses[412]

    @property
    def other(self) -> int:
        return self.attempts - self.successes - self.stale

    def ok(self) -> bool:
        expected = self.expected_successes
        return (
            self.other == 0
            and self.history_rows == self.successes
            and self.chained
            and (expected is None or self.successes == expected)
            and self.stale == self.attempts - self.successes
        )

    def lines(self) -> list[str]:
        want = "" if self.expected_successes is None else f" (expected {self.expected_successes})"
        return [
            f"{self.name}: {self.attempts} PATCH requests",
            f"  successes (200): {self.successes}{want}",
            f"  stale (412):     {self.stale} (expected {self.attempts - self.successes})",
            f"  other answers:   {self.other} (expected 0) {dict(self.statuses)}",
            f"  history rows:    {self.history_rows} (expected {self.successes})",
            f"  chained:         {self.chained} (expected True)",
            f"  => {'OK' if self.ok() else 'FAILED'}",
        ]


def seed(store: Store) -> str:
    """A city with one area and one place; an admin token's secret."""
    store.put_city(City(CITY, "新潟市", "新潟県", 6676))
    ensure_default_categories(store)
    store.apply_areas(AreaChanges(upsert=[
        Area(f"{CITY}-bench", CITY, 2, "圏域", MultiPolygon([box(139.0, 37.88, 139.06, 37.94)]))
    ]))  # fmt: skip
    place = Place(PLACE, CITY, "gathering", "salon", "サロン", 139.03, 37.91, phone="start",
                  source="editor")  # fmt: skip
    store.write_place(place, None, Change("place", PLACE, CITY, "import", "import", "create"))
    return create_token(store, CITY, "admin", name="bench")[1]


@contextmanager
def serving(store: Store) -> Iterator[str]:
    """The app on a free local port, served by uvicorn in a thread; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _etag(client: httpx.Client) -> str:
    got = client.get(f"/api/places/{PLACE}")
    got.raise_for_status()
    return got.headers["etag"]


def _patch(client: httpx.Client, etag: str, phone: str) -> int:
    return client.patch(f"/api/places/{PLACE}", json={"phone": phone},
                        headers={"If-Match": etag}).status_code  # fmt: skip


def _run_threads(threads: int, work: Callable[[int], None]) -> None:
    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def _check_history(store: Store, tally: Tally, since: int) -> None:
    """Rows recorded since change ``since``; each phone change starts where the last ended."""
    changes = [c for c in store.changes("place", PLACE) if (c.id or 0) > since]
    tally.history_rows = len(changes)
    place = store.place(PLACE)
    previous = None
    for c in changes:
        before, after = c.fields["phone"]
        if previous is not None and before != previous:
            tally.chained = False
        previous = after
    if changes and (place is None or place.phone != previous):
        tally.chained = False


def same_etag(base: str, secret: str, store: Store, threads: int, rounds: int) -> Tally:
    """Every thread sends its change with the same ETag at once: one winner per round."""
    tally = Tally("same ETag", expected_successes=rounds)
    since = max((c.id or 0) for c in store.changes("place", PLACE))
    auth = {"Authorization": f"Bearer {secret}"}
    clients = [httpx.Client(base_url=base, headers=auth, timeout=60) for _ in range(threads)]
    lock = threading.Lock()
    try:
        for r in range(rounds):
            etag = _etag(clients[0])
            barrier = threading.Barrier(threads)

            def work(i: int, etag: str = etag, r: int = r, barrier: Any = barrier) -> None:
                barrier.wait()
                status = _patch(clients[i], etag, f"round {r} thread {i}")
                with lock:
                    tally.attempts += 1
                    tally.statuses[status] += 1

            _run_threads(threads, work)
    finally:
        for c in clients:
            c.close()
    _check_history(store, tally, since)
    return tally


def free_for_all(base: str, secret: str, store: Store, threads: int, rounds: int) -> Tally:
    """Every thread reads, changes, and on 412 reads again, ``rounds`` times each."""
    tally = Tally("free for all")
    since = max((c.id or 0) for c in store.changes("place", PLACE))
    auth = {"Authorization": f"Bearer {secret}"}
    lock = threading.Lock()

    def work(i: int) -> None:
        with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
            for r in range(rounds):
                status = _patch(client, _etag(client), f"thread {i} write {r}")
                with lock:
                    tally.attempts += 1
                    tally.statuses[status] += 1

    _run_threads(threads, work)
    _check_history(store, tally, since)
    return tally


def run(store: Store, threads: int, rounds: int) -> list[Tally]:
    """Seed the store, serve it, run both checks; the tallies."""
    secret = seed(store)
    with serving(store) as base:
        return [
            same_etag(base, secret, store, threads, rounds),
            free_for_all(base, secret, store, threads, rounds),
        ]


def _emptied(url: str) -> Store:
    """The PostGIS store at ``url`` migrated, its Tsudoi tables emptied."""
    from sqlalchemy import create_engine, text

    from geo.store.migrate import database_url, upgrade

    upgrade(url)
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text(
            "TRUNCATE places, areas, categories, cities, towns, networks, population, "
            "id_aliases, users, api_tokens, settings, changes"
        ))  # fmt: skip
    engine.dispose()
    return open_store(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pg-url", help="a PostGIS database whose Tsudoi tables may be emptied")
    where.add_argument("--gpkg", help="a GeoPackage file to create (must not exist)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    store = _emptied(args.pg_url) if args.pg_url else open_store(args.gpkg)
    try:
        tallies = run(store, args.threads, args.rounds)
    finally:
        store.close()
    print(f"{args.threads} threads, {args.rounds} rounds, store {store.url.split('@')[-1]}")
    for t in tallies:
        print("\n".join(t.lines()))
    return 0 if all(t.ok() for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main())
