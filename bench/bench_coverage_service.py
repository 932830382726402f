"""Benchmark: the whole city's coverage answer from the service, cold and warm, end to end.

Not a test. ``python bench/bench_coverage_service.py`` stores the synthetic city of
bench_coverage.py (a 102,400-node street grid, 1,000 gathering places and 300 halls, 20,000
population cells, 30 areas) in a GeoPackage store as 宇部市 (35202), then asks
``GET /api/cities/35202/coverage`` through the FastAPI app:

- cold, old: a new app on a store whose network blob holds the network alone (as every store
  did before prepared arrays, or one whose cells or places changed since): the first request
  reads and spreads the population cells and snaps the places itself;
- cold, new: the same store after ``keep_prepared`` (what ``tsudoi network build`` and the
  population and places imports now do): the first request loads the demand and the places'
  snaps kept in the network blob;
- with ``--baseline DIR`` also the cold request of another checkout (e.g. a worktree of the
  commit before), run in a subprocess on the old store file;
- warm: the same request again, and with other parameters (the prepared model reused).

Old and new alternate, run after run, so both see the same load. Each cold figure is the
wall time of the first request and the CPU time the process spent on it (all threads): the
machine is shared, so the CPU time is the steadier measure of the cost. Aims from the issue:
cold under 2 s, warm under 100 ms. Medians of several runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_coverage import city  # noqa: E402
from bench_shortest import grid  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from geo.analysis.prepared import keep_prepared  # noqa: E402
from geo.japan.municipalities import get_city  # noqa: E402
from geo.model import Area, Place, PopulationCell  # noqa: E402
from geo.store.base import AreaChanges, PlaceChanges  # noqa: E402
from geo.store.gpkg import GpkgStore  # noqa: E402
from geo.walk.city_network import network_meta  # noqa: E402
from layers.categories import DEFAULT_CATEGORIES  # noqa: E402
from service.app import create_app  # noqa: E402

CODE = "35202"
REPO = Path(__file__).resolve().parents[1]
COLD_RUNS = 5
WARM_RUNS = 15


def fill(store: GpkgStore) -> None:
    """The synthetic city, stored as a city would import it."""
    net = grid(side=320, spacing_m=80.0, seed=1)
    placeset, cells, areas = city(net, seed=2)
    store.put_city(get_city(CODE))
    cats = {"salon": "salon", "chanoma": "chanoma", "cafe": "community-cafe",
            "kayoi": "kayoinoba", "hall": "hall"}  # fmt: skip
    places = [
        Place(id=f"{CODE}-b{i:05d}", city=CODE, kind=str(placeset.kind[i]),  # type: ignore[arg-type]
              category=cats[str(placeset.category[i])], name=f"place {i}",
              lon=float(placeset.lon[i]), lat=float(placeset.lat[i]))
        for i in range(len(placeset))
    ]  # fmt: skip
    store.apply_places(PlaceChanges(upsert=places, categories=list(DEFAULT_CATEGORIES)))
    store.put_population([
        PopulationCell(id=f"{CODE}-mesh-{c.id}", city=CODE, kind="mesh", code=c.code,
                       total=c.total, age65=c.age65, age75=c.age75, geometry=c.geometry)
        for c in cells
    ])  # fmt: skip
    store.apply_areas(AreaChanges(upsert=[
        Area(id=f"{CODE}-{a.id}", city=CODE, level=a.level, name=a.name, geometry=a.geometry,
             parent=f"{CODE}-{a.parent}" if a.parent else None)
        for a in areas
    ]))  # fmt: skip
    meta = network_meta(net, city=CODE, source="synthetic grid", source_kind="lines")
    store.put_network(CODE, net.to_bytes(), meta)
    print(f"stored: {net.n_nodes:,} nodes, {len(places):,} places, {len(cells):,} cells, "
          f"{len(areas)} areas")  # fmt: skip


BASELINE = """
import sys, time
from fastapi.testclient import TestClient
from geo.store.gpkg import GpkgStore
from service.app import create_app
store = GpkgStore(sys.argv[1])
client = TestClient(create_app(store))
c0, t0 = time.process_time(), time.perf_counter()
r = client.get(sys.argv[2])
print(time.perf_counter() - t0, time.process_time() - c0, r.status_code)
"""


def cold_request(store: GpkgStore, url: str) -> tuple[float, float]:
    """(wall s, CPU s) of the first coverage request to a new app on ``store``."""
    client = TestClient(create_app(store))
    c0, t0 = time.process_time(), time.perf_counter()
    r = client.get(url)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert r.status_code == 200 and r.json()["method"] == "network", r.text[:300]
    return wall, cpu


def baseline_request(tree: Path, path: Path, url: str) -> tuple[float, float]:
    """The same cold request in a subprocess running another checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", BASELINE, str(path), url], env=env,
                          capture_output=True, text=True, check=True, cwd=tree)  # fmt: skip
    wall, cpu, status = done.stdout.split()
    assert status == "200", done.stdout
    return float(wall), float(cpu)


def summary(label: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    print(f"  {label:<46} median {wall:5.2f} s (min {min(r[0] for r in runs):5.2f})   "
          f"CPU median {cpu:5.2f} s (min {min(r[1] for r in runs):5.2f})")  # fmt: skip
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to time cold too")
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old_path, new_path = Path(tmp) / "old.gpkg", Path(tmp) / "new.gpkg"
        store = GpkgStore(old_path)
        t0 = time.perf_counter()
        fill(store)
        store.close()
        print(f"filled the store in {time.perf_counter() - t0:.1f} s")
        shutil.copyfile(old_path, new_path)
        new = GpkgStore(new_path)
        t0 = time.perf_counter()
        assert keep_prepared(new, CODE)
        meta = new.network_meta(CODE) or {}
        print(f"prepared (spread, snapped, kept in the blob) in {time.perf_counter() - t0:.1f} s;"
              f" blob {meta['blob_bytes'] / 1e6:.1f} MB")  # fmt: skip
        old = GpkgStore(old_path)
        url = f"/api/cities/{CODE}/coverage"
        cold_old: list[tuple[float, float]] = []
        cold_new: list[tuple[float, float]] = []
        cold_base: list[tuple[float, float]] = []
        cold_fresh: list[tuple[float, float]] = []
        answers = []
        for _ in range(args.cold_runs):
            cold_old.append(cold_request(old, url))
            cold_new.append(cold_request(new, url))
            if args.baseline:
                cold_base.append(baseline_request(args.baseline, old_path, url))
                cold_fresh.append(baseline_request(REPO, new_path, url))
        for s in (old, new):
            answers.append(TestClient(create_app(s)).get(url).json())
        assert answers[0] == answers[1], "the prepared path answers differently"
        client = TestClient(create_app(new))
        client.get(url)
        warm, other = [], []
        for i in range(WARM_RUNS):
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200
            warm.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            params = {"minutes": 16 if i % 2 else 8, "age": 75 if i % 3 else 65}
            assert client.get(url, params=params).status_code == 200
            other.append(time.perf_counter() - t0)
        body = client.get(url).json()["city"]
        old.close()
        new.close()
    print(f"city: {body['older_population']:,.0f} older residents, "
          f"{body['covered_share']:.1%} covered (old and new answers identical)")
    print(f"cold (new app, first request, loading included), {args.cold_runs} runs alternating:")
    o_wall, o_cpu = summary("old: network blob alone (spread + snap now)", cold_old)
    n_wall, n_cpu = summary("new: prepared arrays kept with the network", cold_new)
    if cold_base:
        print("  each in a new process (imports done, nothing else warm):")
        b_wall, b_cpu = summary(f"baseline checkout {args.baseline}, old blob", cold_base)
        f_wall, f_cpu = summary("this checkout, prepared arrays", cold_fresh)
        print(f"  this/baseline: wall {f_wall / b_wall:.2f}, CPU {f_cpu / b_cpu:.2f}")
    print(f"  new/old: wall {n_wall / o_wall:.2f}, CPU {n_cpu / o_cpu:.2f}   (aim: new < 2 s)")
    print(f"warm, same parameters:  median {statistics.median(warm) * 1e3:.0f} ms, "
          f"min {min(warm) * 1e3:.0f} ms   (aim < 100 ms)")
    print(f"warm, other minutes/age: median {statistics.median(other) * 1e3:.0f} ms, "
          f"min {min(other) * 1e3:.0f} ms")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
