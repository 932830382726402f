"""Benchmark: our multi-source pass (scipy csgraph) against networkx on the same graphs.

Not a test. Run ``python bench/bench_shortest.py``; it prints the median of several runs for a
synthetic street grid of 100,000+ nodes and for the Ube walking network (when the shared data is
present), each with 1,000 random sources. Takes well under three minutes.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.walk.network import WalkNetwork, build_from_lines  # noqa: E402
from geo.walk.shortest import distance_to_points, multi_source  # noqa: E402
from geo.walk.snap import snap_points  # noqa: E402

UBE_LINES = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "ube" / "walk_edges_osm.geojson"
)
EPSG = 6671
N_SOURCES = 1000
OURS_RUNS = 7
NX_RUNS = 3


def median_s(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls, seconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def grid(side: int, spacing_m: float, seed: int) -> WalkNetwork:
    """A jittered street grid near Ube with ~8 % of its blocks' sides missing (dead ends)."""
    rng = np.random.default_rng(seed)
    deg_lat = spacing_m / 111_000.0
    deg_lon = spacing_m / (111_000.0 * np.cos(np.radians(33.95)))
    i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    lon = 131.20 + j.ravel() * deg_lon + rng.normal(0, deg_lon * 0.1, side * side)
    lat = 33.90 + i.ravel() * deg_lat + rng.normal(0, deg_lat * 0.1, side * side)
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(u.size) > 0.08
    return WalkNetwork.from_arrays(lon, lat, u[keep], v[keep], EPSG)


def to_networkx(net: WalkNetwork) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    coo = net.adjacency.tocoo()
    upper = coo.row < coo.col  # the CSR already holds the shortest of parallel edges
    g.add_weighted_edges_from(
        zip(coo.row[upper].tolist(), coo.col[upper].tolist(), coo.data[upper].tolist(), strict=True)
    )
    return g


def bench(label: str, net: WalkNetwork, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sources = rng.choice(net.n_nodes, size=N_SOURCES, replace=False)
    g = to_networkx(net)
    source_set = set(sources.tolist())

    ours = median_s(lambda: multi_source(net, sources), OURS_RUNS)
    ours_800 = median_s(lambda: multi_source(net, sources, limit_m=800.0), OURS_RUNS)
    theirs = median_s(lambda: nx.multi_source_dijkstra_path_length(g, source_set), NX_RUNS)
    theirs_800 = median_s(
        lambda: nx.multi_source_dijkstra_path_length(g, source_set, cutoff=800.0), NX_RUNS
    )

    # same answers?
    field = multi_source(net, sources)
    nx_dist = nx.multi_source_dijkstra_path_length(g, source_set)
    want = np.full(net.n_nodes, np.inf)
    want[list(nx_dist)] = list(nx_dist.values())
    assert np.allclose(field.dist_m, want, rtol=1e-9), "results differ from networkx"

    # mid-edge sources and query points: snap + pass + point lookup, the realistic path
    lo_lon, hi_lon = net.node_lon.min(), net.node_lon.max()
    lo_lat, hi_lat = net.node_lat.min(), net.node_lat.max()
    slon, slat = rng.uniform(lo_lon, hi_lon, N_SOURCES), rng.uniform(lo_lat, hi_lat, N_SOURCES)
    qlon, qlat = rng.uniform(lo_lon, hi_lon, 10_000), rng.uniform(lo_lat, hi_lat, 10_000)
    net.edge_tree  # noqa: B018  (build the STRtree outside the timing, as a server would)

    def points() -> None:
        f = multi_source(net, snap_points(net, slon, slat))
        distance_to_points(net, f, snap_points(net, qlon, qlat))

    pts = median_s(points, OURS_RUNS)

    print(f"\n{label}: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {N_SOURCES} sources")
    print(f"  full pass      ours {ours * 1e3:8.1f} ms   networkx {theirs * 1e3:8.1f} ms   "
          f"ratio {theirs / ours:5.1f}x")  # fmt: skip
    print(f"  limit 800 m    ours {ours_800 * 1e3:8.1f} ms   networkx {theirs_800 * 1e3:8.1f} ms   "
          f"ratio {theirs_800 / ours_800:5.1f}x")  # fmt: skip
    print(f"  snap {N_SOURCES} sources + pass + snap/lookup 10,000 points: {pts * 1e3:.1f} ms")


def main() -> None:
    t0 = time.perf_counter()
    print(f"median of {OURS_RUNS} runs (ours) and {NX_RUNS} runs (networkx)")
    t = time.perf_counter()
    net = grid(side=320, spacing_m=80.0, seed=1)
    print(f"synthetic grid built in {time.perf_counter() - t:.1f} s")
    bench("synthetic grid", net, seed=2)
    if UBE_LINES.exists():
        t = time.perf_counter()
        ube = build_from_lines(UBE_LINES, EPSG)
        print(f"\nUbe network built in {time.perf_counter() - t:.1f} s")
        blob = ube.to_bytes()
        load = median_s(lambda: WalkNetwork.from_bytes(blob), OURS_RUNS)
        print(f"Ube blob {len(blob) / 1e6:.2f} MB, loads in {load * 1e3:.1f} ms")
        bench("Ube", ube, seed=3)
    else:
        print(f"\n(Ube data not found at {UBE_LINES}; skipped)")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
