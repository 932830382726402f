"""Benchmark: reading (and writing) a city's network blob in PostGIS, text against binary.

Not a test. ``python bench/bench_network_blob.py --pg-url URL`` (about a minute; the Tsudoi
tables at URL are migrated to head and the ``networks`` row of 35202 replaced; scratch tables
``bench_blob_*`` are created and dropped). The blob is the one a city's cold coverage reads: the
102,400-node street grid of bench_coverage.py with its prepared arrays (the 20,000 cells spread
over the streets, the places' snaps), stored uncompressed as ``save_network_prepared`` keeps it
(about 62 MB), and the same network's compressed blob alone (about 12 MB). It prints:

- the store's read, old and new alternating: ``network()`` as it was (SQLAlchemy's cursor, the
  bytea sent as hex text and decoded) against ``network()`` now (binary result format); the
  same blob read from a GeoPackage store for scale; the store's write (``put_network``);
- the column's TOAST storage: the networks table keeps the blob EXTERNAL (uncompressed, since
  migration 0003); the same blob in scratch tables stored EXTENDED with pglz (PostgreSQL's
  default) and with lz4, each written and read (text and binary) with a plain psycopg cursor.

Wall times, median and minimum of several runs (the machine is shared: the minimum is the
better estimate of the cost); CPU is this process's (the server's is not counted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_coverage import city  # noqa: E402
from bench_shortest import grid  # noqa: E402

from geo.analysis.coverage import CoverageModel  # noqa: E402
from geo.analysis.demand import spread_population  # noqa: E402
from geo.analysis.prepared import demand_arrays, place_snap_arrays  # noqa: E402
from geo.store.gpkg import GpkgStore  # noqa: E402
from geo.store.migrate import database_url  # noqa: E402
from geo.store.postgis import PostgisStore  # noqa: E402
from geo.store.postgis_tables import networks_t  # noqa: E402

CODE = "35202"
RUNS = 7
WRITE_RUNS = 3
# scratch tables: how the column may be stored (ALTER COLUMN ... SET STORAGE / COMPRESSION)
STORAGES = {
    "EXTERNAL (the networks table)": "SET STORAGE EXTERNAL",
    "EXTENDED, pglz (default)": "SET STORAGE EXTENDED, ALTER COLUMN blob SET COMPRESSION pglz",
    "EXTENDED, lz4": "SET STORAGE EXTENDED, ALTER COLUMN blob SET COMPRESSION lz4",
}


def blobs() -> tuple[bytes, bytes]:
    """(the blob with prepared arrays, the compressed blob alone) of bench_coverage's city."""
    net = grid(side=320, spacing_m=80.0, seed=1)
    places, cells, areas = city(net, seed=2)
    demand = spread_population(cells, net)
    model = CoverageModel(net, places, demand, areas)
    assert model.place_snap is not None
    extra = {**demand_arrays(demand, "bench"),
             **place_snap_arrays(places.lon, places.lat, model.place_snap)}  # fmt: skip
    return net.to_bytes(extra), net.to_bytes()


def old_network(store: PostgisStore, code: str) -> tuple[bytes, dict[str, Any]] | None:
    """``PostgisStore.network`` before this change: SQLAlchemy's cursor, bytea as hex text."""
    n = networks_t.c
    rows = store._rows(select(n.blob, n.meta).where(n.city == code))
    if not rows:
        return None
    return bytes(rows[0].blob), dict(rows[0].meta or {})


Timing = tuple[float, float]  # wall s, CPU s


def timed(fn: Callable[[], object]) -> tuple[Timing, object]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0, time.process_time() - c0), out


def line(label: str, runs: list[Timing], extra: str = "") -> float:
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(f"  {label:<50} {wall * 1e3:7.0f} ms (min {min(w for w, _ in runs) * 1e3:5.0f})"
          f"   CPU {cpu * 1e3:5.0f} ms{extra}")  # fmt: skip
    return wall


def store_reads(url: str, blob: bytes, label: str, runs: int) -> None:
    """The store's read, old and new alternating, the write, and a GeoPackage's read."""
    store = PostgisStore(url, auto_upgrade=True)
    meta = {"blob_bytes": len(blob), "bench": label}
    writes = [timed(lambda: store.put_network(CODE, blob, meta))[0] for _ in range(WRITE_RUNS)]
    old: list[Timing] = []
    new: list[Timing] = []
    for _ in range(runs):
        t, got = timed(lambda: old_network(store, CODE))
        assert got == (blob, meta)
        old.append(t)
        t, got = timed(lambda: store.network(CODE))
        assert got == (blob, meta), "the binary read differs"
        new.append(t)
    store.close()
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = GpkgStore(Path(tmp) / "blob.gpkg")
        lite_writes = [timed(lambda: gpkg.put_network(CODE, blob, meta))[0]
                       for _ in range(WRITE_RUNS)]  # fmt: skip
        lite = [timed(lambda: gpkg.network(CODE))[0] for _ in range(runs)]
        gpkg.close()
    print(f"\n{label}: {len(blob) / 1e6:.1f} MB, {runs} reads each (old and new alternating)")
    o = line("PostGIS network(), old: text (hex), SQLAlchemy", old)
    n = line("PostGIS network(), new: binary result format", new, f"   new/old {n_o(new, old)}")
    line("GeoPackage network(), for scale", lite)
    line(f"PostGIS put_network() (unchanged), {WRITE_RUNS} writes", writes)
    line("GeoPackage put_network(), for scale", lite_writes)
    print(f"  saved per cold read: {(o - n) * 1e3:.0f} ms")


def n_o(new: list[Timing], old: list[Timing]) -> str:
    return f"{statistics.median(w for w, _ in new) / statistics.median(w for w, _ in old):.2f}"


def storages(url: str, blob: bytes, runs: int) -> None:
    """The same blob under each TOAST storage, written and read with a plain psycopg cursor."""
    conninfo = database_url(url).set(drivername="postgresql").render_as_string(False)
    print(f"\nTOAST storage of the column: {len(blob) / 1e6:.1f} MB blob, scratch tables, "
          f"{runs} reads each")  # fmt: skip
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for i, (label, alter) in enumerate(STORAGES.items()):
            table = f"bench_blob_{i}"
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"CREATE TABLE {table} (city text PRIMARY KEY, blob bytea NOT NULL)")
            try:
                conn.execute(f"ALTER TABLE {table} ALTER COLUMN blob {alter}")
                storage(conn, table, label, blob, runs)
            except psycopg.errors.FeatureNotSupported as exc:  # lz4: a server without it
                print(f"  {label}: not available ({exc})")
            finally:
                conn.execute(f"DROP TABLE {table}")


def storage(conn: psycopg.Connection[Any], table: str, label: str, blob: bytes, runs: int) -> None:
    """Write the blob into ``table`` and read it back, in text and in binary, alternating."""
    upsert = (f"INSERT INTO {table} VALUES (%s, %s) ON CONFLICT (city) "
              "DO UPDATE SET blob = excluded.blob")  # fmt: skip
    query = f"SELECT blob FROM {table} WHERE city = %s"

    def read(binary: bool) -> object:
        row = conn.execute(query, (CODE,), binary=binary).fetchone()
        assert row is not None and row[0] == blob
        return row

    writes = [timed(lambda: conn.execute(upsert, (CODE, blob)))[0] for _ in range(WRITE_RUNS)]
    size = conn.execute(f"SELECT pg_column_size(blob) FROM {table}").fetchone()
    text_runs: list[Timing] = []
    binary_runs: list[Timing] = []
    for _ in range(runs):
        text_runs.append(timed(lambda: read(False))[0])
        binary_runs.append(timed(lambda: read(True))[0])
    print(f"  {label}: stored {size[0] / 1e6 if size else 0:.1f} MB")
    line("    read, text (hex)", text_runs)
    line("    read, binary", binary_runs)
    line(f"    write (upsert), {WRITE_RUNS} writes", writes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url", required=True, help="a PostGIS database whose row of 35202 may be replaced"
    )
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    t0 = time.perf_counter()
    rich, plain = blobs()
    print(f"built the blobs in {time.perf_counter() - t0:.1f} s: with prepared arrays "
          f"{len(rich) / 1e6:.1f} MB (stored as is), "
          f"network alone {len(plain) / 1e6:.1f} MB")  # fmt: skip
    store_reads(args.pg_url, rich, "network + prepared arrays (what cold coverage reads)",
                args.runs)  # fmt: skip
    store_reads(args.pg_url, plain, "network alone (compressed .npz)", args.runs)
    storages(args.pg_url, rich, args.runs)
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
