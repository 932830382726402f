"""Benchmark: a whole city's coverage and gaps, end to end, on a 100,000-node street grid.

Not a test. Run ``python bench/bench_coverage.py`` (about two minutes). The synthetic city: a
320 × 320 jittered street grid (102,400 nodes, 80 m blocks, ~8 % of block sides missing),
1,000 gathering places in 4 categories and 300 halls, 20,000 population cells (lon/lat boxes
of about 205 m × 160 m), 27 daily-living areas in 3 wards. It prints, in one run:

- preparation: spreading the cells over the streets, the model (snaps, area membership), the
  per-category Dijkstra passes;
- the shortest-path step: one multi-source pass from the 1,000 places, ours (scipy) against
  networkx's ``multi_source_dijkstra_path_length`` on the same graph, full and at 500 m;
- coverage + gaps of the whole city per query, warm (model prepared), for a new category set
  and for a repeated one; and cold (nothing per category computed yet);
- a cold start from a network blob: the model built by spreading the cells and snapping the
  places (old), against one loading them from the arrays kept in the blob (new), same run;
- pandana's nearest-POI query on the same graph, when pandana is installed;
- siting (K = 10 greedy, K = 5 exact) and one 10-minute isochrone, for scale.

Times are the median and the minimum of several runs, in milliseconds; the machine is shared,
so the minimum is the better estimate of the cost and the median of what a user would see.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_shortest import grid, to_networkx  # noqa: E402

from geo.analysis.coverage import CoverageModel, CoverageResult, GapsResult, PlaceSet  # noqa: E402
from geo.analysis.demand import spread_population  # noqa: E402
from geo.analysis.isochrone import isochrone  # noqa: E402
from geo.analysis.prepared import (  # noqa: E402
    demand_arrays,
    demand_from_arrays,
    known_snaps_from_arrays,
    place_snap_arrays,
)
from geo.analysis.siting import suggest_sites  # noqa: E402
from geo.model import Area, PopulationCell  # noqa: E402
from geo.walk.network import WalkNetwork  # noqa: E402
from geo.walk.shortest import multi_source  # noqa: E402

RUNS = 9
NX_RUNS = 3
N_PLACES = 1000
N_HALLS = 300
CELL_ROWS, CELL_COLS = 160, 125  # 20,000 cells
CATEGORIES = ("salon", "chanoma", "cafe", "kayoi")


T = TypeVar("T")


def timed(fn: Callable[[], T], runs: int) -> tuple[float, float, T]:
    """(median ms, min ms, last result) of ``runs`` calls."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times), out


def line(label: str, med: float, low: float, extra: str = "") -> None:
    print(f"  {label:<58} {med:9.1f} ms (min {low:8.1f}){extra}")


def city(net: WalkNetwork, seed: int) -> tuple[PlaceSet, list[PopulationCell], list[Area]]:
    rng = np.random.default_rng(seed)
    lo, hi = net.node_lon.min(), net.node_lon.max()
    la, lb = net.node_lat.min(), net.node_lat.max()
    n = N_PLACES + N_HALLS
    lon, lat = rng.uniform(lo, hi, n), rng.uniform(la, lb, n)
    kind = np.where(np.arange(n) < N_PLACES, "gathering", "venue")
    cat = np.where(kind == "gathering", rng.choice(CATEGORIES, n), "hall")
    places = PlaceSet.from_arrays(lon, lat, kind=kind, category=cat)

    xs, ys = np.linspace(lo, hi, CELL_COLS + 1), np.linspace(la, lb, CELL_ROWS + 1)
    x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
    x1, y1 = np.meshgrid(xs[1:], ys[1:])
    boxes = shapely.box(x0.ravel(), y0.ravel(), x1.ravel(), y1.ravel())
    total = np.where(rng.random(boxes.size) < 0.1, 0, rng.integers(0, 300, boxes.size))
    share65 = rng.uniform(0.2, 0.45, boxes.size)
    cells = [
        PopulationCell(f"m{i}", "99999", "mesh", f"{i:08d}", float(t), float(t * s),
                       float(t * s * 0.5), g)
        for i, (t, s, g) in enumerate(zip(total, share65, boxes, strict=True))
    ]  # fmt: skip

    ax, ay = np.linspace(lo - 0.01, hi + 0.01, 10), np.linspace(la - 0.01, lb + 0.01, 4)
    areas = []
    for i in range(3):
        ward = f"ward{i}"
        box = shapely.box(ax[0], ay[i], ax[-1], ay[i + 1])
        areas.append(Area(ward, "99999", 1, ward, shapely.MultiPolygon([box])))
        for j in range(9):
            box = shapely.box(ax[j], ay[i], ax[j + 1], ay[i + 1])
            areas.append(Area(f"a{i}{j}", "99999", 2, f"area {i}{j}",
                              shapely.MultiPolygon([box]), ward))  # fmt: skip
    return places, cells, areas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-pandana", action="store_true",
        help="leave out pandana (its contraction hierarchy takes minutes on this grid)",
    )  # fmt: skip
    args = parser.parse_args()
    t_all = time.perf_counter()
    print(f"median and minimum of {RUNS} runs (networkx {NX_RUNS})")
    t0 = time.perf_counter()
    net = grid(side=320, spacing_m=80.0, seed=1)
    net.edge_tree  # noqa: B018  (built once per network, as a server would)
    print(f"\nsynthetic grid: {net.n_nodes:,} nodes, {net.n_edges:,} edges, "
          f"built in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    places, cells, areas = city(net, seed=2)
    print(f"{N_PLACES:,} gathering places ({len(CATEGORIES)} categories), {N_HALLS} halls, "
          f"{len(cells):,} population cells, {len(areas)} areas")  # fmt: skip

    # -- preparation --------------------------------------------------------------------------
    print("\npreparation (once per city, network, population and places)")
    med, low, d = timed(lambda: spread_population(cells, net), 3)
    line("spread 20,000 cells over the streets", med, low, f"  → {len(d):,} demand points")
    med, low, m = timed(lambda: CoverageModel(net, places, d, areas), 3)
    line("model: snap places, area membership", med, low)

    def fresh_fields() -> None:
        m._fields.clear()
        m._cache.clear()
        m.prepare()

    med, low, _ = timed(fresh_fields, 3)
    line(f"per-category Dijkstra passes ({len(CATEGORIES)} categories)", med, low)

    # -- the shortest-path step ----------------------------------------------------------------
    print("\nshortest-path step: one multi-source pass from the 1,000 places")
    assert m.place_snap is not None
    gathering = np.flatnonzero(places.kind == "gathering")
    snap = m.place_snap
    e = snap.edge[gathering]
    nodes = np.unique(np.where(snap.to_u_m[gathering] <= snap.to_v_m[gathering],
                               net.edge_u[e], net.edge_v[e]))  # fmt: skip
    sources = {int(i) for i in nodes}
    g = to_networkx(net)
    place_snap = snap.take(gathering)
    results = {}
    for label, limit in (("full", None), ("limit 500 m", 500.0)):
        ours_med, ours_low, field = timed(partial(multi_source, net, nodes, limit_m=limit), RUNS)
        snap_med, snap_low, _ = timed(partial(multi_source, net, place_snap, limit_m=limit), RUNS)
        # paired: each networkx run is followed at once by ours, so both see the same load
        ratios, nx_times = [], []
        for _ in range(NX_RUNS):
            nx_ms, _, want = timed(
                partial(nx.multi_source_dijkstra_path_length, g, sources, cutoff=limit), 1
            )
            _, ours_now, _ = timed(partial(multi_source, net, nodes, limit_m=limit), 3)
            ratios.append(nx_ms / ours_now)
            nx_times.append(nx_ms)
        dist = np.full(net.n_nodes, np.inf)
        dist[list(want)] = list(want.values())
        assert np.allclose(field.dist_m, dist, rtol=1e-9), "results differ from networkx"
        results[label] = (ours_med, ours_low, statistics.median(nx_times), min(nx_times))
        line(f"{label}: ours, node sources", ours_med, ours_low)
        line(f"{label}: ours, places snapped onto edges", snap_med, snap_low)
        line(f"{label}: networkx multi_source_dijkstra (cutoff same)",
             statistics.median(nx_times), min(nx_times),
             f"   paired ratio {statistics.median(ratios):5.1f}× "
             f"(runs {', '.join(f'{r:.1f}' for r in ratios)})")  # fmt: skip
    full_nx = results["full"][2]
    lim = results["limit 500 m"]
    print(f"  ours at 500 m vs networkx full: {full_nx / lim[0]:.1f}× "
          f"(min/min {results['full'][3] / lim[1]:.1f}×)")  # fmt: skip

    # -- coverage and gaps ----------------------------------------------------------------------
    print("\ncoverage + gaps of the whole city (27 areas + 3 wards, every gap cell as columns)")

    def both(cats: list[str] | None) -> tuple[CoverageResult, GapsResult]:
        return m.coverage(categories=cats), m.gaps(categories=cats)

    subsets: list[list[str] | None] = [
        None, ["salon"], ["salon", "cafe"], ["chanoma", "kayoi"], ["cafe", "kayoi"],
        ["salon", "chanoma", "kayoi"], ["cafe"], ["salon", "kayoi"], ["chanoma"],
    ]  # fmt: skip
    m.prepare()
    k = iter(range(10**9))

    def new_set() -> tuple[CoverageResult, GapsResult]:
        m._cache.clear()  # drop set-level results: only per-category fields remain
        return both(subsets[next(k) % len(subsets)])

    med, low, out = timed(new_set, RUNS)
    cov, gaps = out
    line("warm, new category set (fields prepared)", med, low,
         f"   {gaps.count:,} gap cells")  # fmt: skip
    med, low, _ = timed(lambda: both(None), RUNS)
    line("warm, repeated category set", med, low)
    med, low, _ = timed(lambda: m.coverage(minutes=16, age=75), RUNS)
    line("warm, coverage only, 800 m, 75+", med, low)
    med, low, _ = timed(lambda: m.gaps(limit=100), RUNS)
    line("warm, gaps only, top 100", med, low)
    fresh = [m.gaps(categories=["salon"]) for _ in range(RUNS)]
    it = iter(fresh)
    med, low, recs = timed(lambda: next(it).gaps, RUNS)
    line(f"  then Gap records for all {len(recs):,} gap cells", med, low)
    it = iter(fresh)
    med, low, _ = timed(lambda: next(it).as_dict(), RUNS)
    line(f"  or as_dict() for all {len(recs):,} (JSON-ready)", med, low)

    def cold() -> tuple[CoverageResult, GapsResult]:
        m._fields.clear()
        m._cache.clear()
        return both(None)

    med, low, _ = timed(cold, 5)
    line("cold: first query, every category's pass included", med, low)
    c = cov.city
    print(f"  last new set {cov.categories}: {c.older_population:,.0f} aged 65+, covered "
          f"{c.covered_share or 0:.1%}, median {c.median_distance_m} m, "
          f"p90 {c.p90_distance_m} m")  # fmt: skip

    # -- cold start ----------------------------------------------------------------------------
    print("\ncold start: the model and the first coverage + gaps, from a network blob "
          "(old and new alternate)")  # fmt: skip
    assert m.place_snap is not None
    plain = net.to_bytes()
    rich = net.to_bytes({**demand_arrays(d, "bench"),
                         **place_snap_arrays(places.lon, places.lat, m.place_snap)})  # fmt: skip

    def cold_old() -> dict[str, object]:
        n = WalkNetwork.from_bytes(plain)  # no STRtree yet, as after a start
        model = CoverageModel(n, places, spread_population(cells, n), areas)
        return {"c": model.coverage().as_dict(), "g": model.gaps().as_dict()}

    def cold_new() -> dict[str, object]:
        n = WalkNetwork.from_bytes(rich)
        extra = WalkNetwork.extra_from_bytes(rich)
        demand = demand_from_arrays(extra, "bench")
        assert demand is not None
        model = CoverageModel(n, places, demand, areas,
                              known_snaps=known_snaps_from_arrays(extra))  # fmt: skip
        return {"c": model.coverage().as_dict(), "g": model.gaps().as_dict()}

    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    got = {}
    for _ in range(5):
        for label, fn in (("old", cold_old), ("new", cold_new)):
            c0, t0 = time.process_time(), time.perf_counter()
            got[label] = fn()
            times[label].append(((time.perf_counter() - t0) * 1e3,
                                 (time.process_time() - c0) * 1e3))  # fmt: skip
    assert got["old"] == got["new"], "the prepared arrays answer differently"
    mc = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in times.items()}  # fmt: skip
    line("old: spread the cells, snap the places (STRtree)", mc["old"][0],
         min(w for w, _ in times["old"]), f"   CPU {mc['old'][1]:7.1f} ms")  # fmt: skip
    line("new: demand and snaps loaded from the blob", mc["new"][0],
         min(w for w, _ in times["new"]), f"   CPU {mc['new'][1]:7.1f} ms")  # fmt: skip
    print(f"  new/old: wall {mc['new'][0] / mc['old'][0]:.2f}, "
          f"CPU {mc['new'][1] / mc['old'][1]:.2f}; blob {len(plain) / 1e6:.1f} MB "
          f"compressed alone, {len(rich) / 1e6:.1f} MB with the arrays (stored)")  # fmt: skip

    # -- pandana ------------------------------------------------------------------------------
    if args.skip_pandana:
        print("\npandana: skipped (--skip-pandana)")
    else:
        bench_pandana(net, nodes)

    # -- siting and isochrones, for scale ------------------------------------------------------
    print("\nsiting and isochrones")
    m.prepare()
    med, low, res = timed(
        lambda: suggest_sites(m, 10, candidate_categories=["hall"], exact=False), 3
    )
    line("siting K=10 greedy, 300 halls", med, low, f"   newly covered {res.greedy_covered:,.0f}")
    for what, cats in (("halls", ["hall"]), ("street nodes", ["none"])):
        med, low, res = timed(partial(suggest_sites, m, 5, candidate_categories=cats), 3)
        ex = res.exact
        assert ex is not None
        line(f"siting K=5 greedy + exact (milp), {res.n_candidates:,} {what}", med, low,
             f"   greedy/optimal {ex.greedy_ratio or 1:.4f}, proven={ex.optimal}, "
             f"milp {ex.seconds * 1e3:.0f} ms")  # fmt: skip
    lon, lat = float(places.lon[0]), float(places.lat[0])
    med, low, _ = timed(lambda: isochrone(net, lon, lat, minutes=10), RUNS)
    line("isochrone, 10 minutes", med, low)
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s")


def bench_pandana(net: WalkNetwork, nodes: np.ndarray) -> None:
    """pandana's nearest-POI query on the same graph (POIs at the same source nodes)."""
    try:
        import pandana
        import pandas as pd
    except ImportError:
        print("\npandana: not installed, skipped")
        return
    print(f"\npandana {pandana.__version__}: nearest POI from every node, same graph")
    coo = net.adjacency.tocoo()
    upper = coo.row < coo.col
    t0 = time.perf_counter()
    pnet = pandana.Network(
        pd.Series(net.node_x), pd.Series(net.node_y),
        pd.Series(coo.row[upper]), pd.Series(coo.col[upper]),
        pd.DataFrame({"m": coo.data[upper]}), twoway=True,
    )  # fmt: skip
    print(f"  {'network + contraction hierarchy (once)':<58} "
          f"{(time.perf_counter() - t0) * 1e3:9.1f} ms")  # fmt: skip
    ours = multi_source(net, nodes).dist_m
    for radius in (2000.0, 500.0):
        pnet.set_pois("places", radius, 1, pd.Series(net.node_x[nodes]),
                      pd.Series(net.node_y[nodes]))  # fmt: skip
        med, low, res = timed(partial(pnet.nearest_pois, radius, "places", num_pois=1), RUNS)
        got = np.asarray(res[1].to_numpy(), dtype=float)
        within = ours <= radius
        diff = np.abs(got[within] - ours[within]).max()
        line(f"nearest_pois within {radius:.0f} m", med, low,
             f"   max |pandana - ours| {diff:.3f} m")  # fmt: skip


if __name__ == "__main__":
    main()
