"""Benchmark: the whole city's coverage answer from the service, cold and warm, end to end.

Not a test. ``python bench/bench_coverage_service.py`` stores the synthetic city of
bench_coverage.py (a 102,400-node street grid, 1,000 gathering places and 300 halls, 20,000
population cells, 30 areas) in a GeoPackage store as 宇部市 (35202), then asks
``GET /api/cities/35202/coverage`` through the FastAPI app:

- cold: a new app on the store, first request (loading the network blob, population and places
  from the store, spreading, snapping and the Dijkstra passes included);
- warm: the same request again, and with other parameters (the prepared model reused).

Aims from the issue: warm under 100 ms, cold under 5 s. Medians of several runs, milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_coverage import city  # noqa: E402
from bench_shortest import grid  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from geo.japan.municipalities import get_city  # noqa: E402
from geo.model import Area, Place, PopulationCell  # noqa: E402
from geo.store.base import AreaChanges, PlaceChanges  # noqa: E402
from geo.store.gpkg import GpkgStore  # noqa: E402
from geo.walk.city_network import network_meta  # noqa: E402
from layers.categories import DEFAULT_CATEGORIES  # noqa: E402
from service.app import create_app  # noqa: E402

CODE = "35202"
COLD_RUNS = 3
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.gpkg"
        store = GpkgStore(path)
        t0 = time.perf_counter()
        fill(store)
        print(f"filled the store in {time.perf_counter() - t0:.1f} s")
        url = f"/api/cities/{CODE}/coverage"
        cold = []
        for _ in range(COLD_RUNS):
            client = TestClient(create_app(store))
            t0 = time.perf_counter()
            r = client.get(url)
            cold.append(time.perf_counter() - t0)
            assert r.status_code == 200 and r.json()["method"] == "network", r.text[:300]
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
        store.close()
    print(f"city: {body['older_population']:,.0f} older residents, "
          f"{body['covered_share']:.1%} covered")
    print(f"cold (new app, first request, loading included): median "
          f"{statistics.median(cold):.2f} s, min {min(cold):.2f} s   (aim < 5 s)")
    print(f"warm, same parameters:  median {statistics.median(warm) * 1e3:.0f} ms, "
          f"min {min(warm) * 1e3:.0f} ms   (aim < 100 ms)")
    print(f"warm, other minutes/age: median {statistics.median(other) * 1e3:.0f} ms, "
          f"min {min(other) * 1e3:.0f} ms")
    print(f"warm/cold ratio: {statistics.median(warm) / statistics.median(cold):.3f}")
    _ = np


if __name__ == "__main__":
    main()
