"""Benchmark: `tsudoi batch coverage` over 10 synthetic cities on a 2-worker LocalCluster,
against the single-city path in the same run.

Not a test. ``python bench/bench_batch.py`` (about five minutes on a busy machine) stores 10
synthetic cities in one GeoPackage (``--db URL`` for PostGIS), each the city of
bench_coverage.py with its own seed: a ~100,000-node jittered street grid, 1,000 gathering places
and 300 halls, 20,000 population cells, 30 areas, under ten real municipal codes of 山口県 (all in
EPSG:6671). Then, in one run:

- ``--runs`` rounds (default 3), each of: the single-city path, one city (``--singles``)
  computed and kept by :func:`geo.analysis.batch.run_city` in this process (wall and CPU
  seconds); then the batch, the 10 cities as Dask tasks (:func:`geo.analysis.batch.run_batch`)
  on a LocalCluster of 2 worker processes with one thread each. Alternating them, both meet the
  same load on a shared machine. The cluster's start is timed apart;
- per-core throughput, cities per second per core: ``1 / seconds per city`` for the single path,
  ``cities / (wall × workers)`` for the batch, and their ratio (the issue asks ≥ 0.8); the same from
  CPU seconds (what each city cost a core, whatever else ran on the machine);
- memory per worker: resident and peak (ru_maxrss) after the batch, and this process's for the
  single path.

Medians of the runs; the machine may be shared, so the CPU-second ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_coverage import city  # noqa: E402
from bench_shortest import grid  # noqa: E402

from geo.analysis.batch import dask_client, run_batch, run_city  # noqa: E402
from geo.analysis.params import Walk  # noqa: E402
from geo.japan.municipalities import get_city  # noqa: E402
from geo.model import Area, Place, PopulationCell  # noqa: E402
from geo.store import open_store  # noqa: E402
from geo.store.base import AreaChanges, PlaceChanges, Store  # noqa: E402
from layers.categories import DEFAULT_CATEGORIES  # noqa: E402

CODES = ("35201", "35202", "35203", "35204", "35206", "35207", "35208", "35210", "35211", "35212")
WORKERS = 2
CATS = {"salon": "salon", "chanoma": "chanoma", "cafe": "community-cafe", "kayoi": "kayoinoba",
        "hall": "hall"}  # fmt: skip


def fill(store: Store, code: str, seed: int) -> int:
    """One synthetic city, stored as a city would import it; returns its node count."""
    net = grid(side=320, spacing_m=80.0, seed=seed)
    placeset, cells, areas = city(net, seed=seed + 1000)
    store.put_city(get_city(code))
    places = [
        Place(id=f"{code}-b{i:05d}", city=code, kind=str(placeset.kind[i]),  # type: ignore[arg-type]
              category=CATS[str(placeset.category[i])], name=f"place {i}",
              lon=float(placeset.lon[i]), lat=float(placeset.lat[i]))
        for i in range(len(placeset))
    ]  # fmt: skip
    store.apply_places(PlaceChanges(upsert=places, categories=list(DEFAULT_CATEGORIES)))
    store.put_population([
        PopulationCell(id=f"{code}-mesh-{c.id}", city=code, kind="mesh", code=c.code,
                       total=c.total, age65=c.age65, age75=c.age75, geometry=c.geometry)
        for c in cells
    ])  # fmt: skip
    store.apply_areas(AreaChanges(upsert=[
        Area(id=f"{code}-{a.id}", city=code, level=a.level, name=a.name, geometry=a.geometry,
             parent=f"{code}-{a.parent}" if a.parent else None)
        for a in areas
    ]))  # fmt: skip
    meta = {"source": "synthetic grid", "source_kind": "lines", "epsg": net.epsg,
            "nodes": net.n_nodes, "edges": net.n_edges, "seed": seed}  # fmt: skip
    store.put_network(code, net.to_bytes(), meta)
    return int(net.n_nodes)


def _memory() -> dict[str, float]:
    """This process's resident and peak memory, MB (runs on each worker through client.run)."""
    import psutil

    return {
        "rss_mb": psutil.Process().memory_info().rss / 1e6,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,  # KB on Linux
    }


def _cpu_seconds() -> float:
    """CPU seconds this process has used (user + system); on each worker through client.run."""
    import psutil

    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def _warm_up() -> None:
    """Import what a task imports, so the first timed task does not pay for it."""
    import geo.analysis.batch  # noqa: F401
    import geo.store.gpkg  # noqa: F401


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", help="a PostGIS URL (default: a GeoPackage in a temporary folder)")
    parser.add_argument("--keep", type=Path,
                        help="a GeoPackage to fill once and reuse on the next run")
    parser.add_argument("--runs", type=int, default=3, help="batch runs (default 3)")
    parser.add_argument("--singles", type=int, default=1,
                        help="cities on the single path before each batch run (default 1)")
    args = parser.parse_args()
    walk = Walk()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or str(args.keep or Path(tmp) / "bench.gpkg")
        store = open_store(url, auto_upgrade=True)
        t0 = time.perf_counter()
        held = {c.code for c in store.cities()}
        if args.keep is not None and held >= set(CODES):
            print(f"reusing the {len(CODES)} cities in {url}")
        else:
            nodes = [fill(store, code, seed) for seed, code in enumerate(CODES, start=1)]
            print(f"stored {len(CODES)} cities of {min(nodes):,}–{max(nodes):,} nodes, 1,300 "
                  f"places, 20,000 cells and 30 areas each in {time.perf_counter() - t0:.0f} s "
                  f"({url})")  # fmt: skip
        store.close()

        # -- rounds: one city on the single path, then the batch, so both meet the same load ---
        _warm_up()
        single_wall: list[float] = []
        single_cpu: list[float] = []
        walls: list[float] = []
        cpus: list[float] = []
        t0 = time.perf_counter()
        with dask_client(workers=WORKERS) as client:
            print(f"LocalCluster of {WORKERS} processes × 1 thread started in "
                  f"{time.perf_counter() - t0:.1f} s")
            client.run(_warm_up)
            for run in range(args.runs):
                for i in range(args.singles):
                    code = CODES[(run * args.singles + i) % len(CODES)]
                    w0, c0 = time.perf_counter(), time.process_time()
                    outcome = run_city(url, code, walk)
                    assert outcome.ok, outcome.error
                    single_wall.append(time.perf_counter() - w0)
                    single_cpu.append(time.process_time() - c0)
                    print(f"  single {code}: {single_wall[-1]:.2f} s wall, "
                          f"{single_cpu[-1]:.2f} CPU s; load average {os.getloadavg()[0]:.1f}")
                before: dict[str, Any] = client.run(_cpu_seconds)
                w0 = time.perf_counter()
                outcomes = run_batch(client, url, list(CODES), walk)
                wall = time.perf_counter() - w0
                after: dict[str, Any] = client.run(_cpu_seconds)
                failed = [o.city for o in outcomes if not o.ok]
                assert not failed, failed
                cpu = sum(after[w] - before[w] for w in after)
                walls.append(wall)
                cpus.append(cpu)
                print(f"  batch run {run + 1}: {len(CODES)} cities in {wall:.1f} s wall, "
                      f"{cpu:.1f} CPU s on the workers; load average {os.getloadavg()[0]:.1f}")
            memory: dict[str, dict[str, float]] = client.run(_memory)
        s_wall, s_cpu = statistics.median(single_wall), statistics.median(single_cpu)
        mem = _memory()
        print(f"\nsingle-city path, median of {len(single_wall)} cities (this process)")
        print(f"  per city: wall {s_wall:.2f} s, CPU {s_cpu:.2f} s")
        print(f"  per core: {1 / s_wall:.3f} cities/s by wall, {1 / s_cpu:.3f} by CPU; "
              f"process rss {mem['rss_mb']:.0f} MB, peak {mem['peak_mb']:.0f} MB")
        b_wall, b_cpu = statistics.median(walls), statistics.median(cpus)
        per_core_wall = len(CODES) / (b_wall * WORKERS)
        per_core_cpu = len(CODES) / b_cpu
        print(f"\nbatch, median of {args.runs} runs: {b_wall:.1f} s wall for {len(CODES)} cities "
              f"({len(CODES) / b_wall:.3f} cities/s on {WORKERS} workers)")
        print(f"  per core: {per_core_wall:.3f} cities/s by wall, {per_core_cpu:.3f} by CPU "
              f"({b_cpu / len(CODES):.2f} CPU s per city)")
        print(f"  ratio to the single-city path: {per_core_wall * s_wall:.2f} by wall, "
              f"{per_core_cpu * s_cpu:.2f} by CPU (aim ≥ 0.80)")
        print(f"  cores actually had: single path {s_cpu / s_wall:.2f}, batch "
              f"{b_cpu / b_wall:.2f} for its {WORKERS} workers together (CPU s / wall s)")
        for worker, m in sorted(memory.items()):
            print(f"  worker {worker}: rss {m['rss_mb']:.0f} MB, peak {m['peak_mb']:.0f} MB")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
