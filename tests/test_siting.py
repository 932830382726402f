"""Site suggestions: greedy and exact against brute force, existing coverage kept, the gap."""

from __future__ import annotations

import itertools
import json
import math

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from test_coverage import place
from test_demand import EPSG, cell, plane_net
from test_shortest import nx_split_graph, random_graphs, random_snaps

from geo.analysis.coverage import CoverageModel, PlaceSet
from geo.analysis.demand import spread_population
from geo.analysis.siting import exact_max_cover, greedy_max_cover, merge_units, suggest_sites
from geo.walk.network import WalkNetwork
from geo.walk.shortest import pairs_within


def brute_force(cover: np.ndarray, w: np.ndarray, k: int) -> float:
    best = 0.0
    n = cover.shape[0]
    for size in range(min(k, n) + 1):
        for combo in itertools.combinations(range(n), size):
            hit = cover[list(combo)].any(axis=0) if combo else np.zeros(cover.shape[1], bool)
            best = max(best, float(w[hit].sum()))
    return best


def reference_greedy(cover: np.ndarray, w: np.ndarray, k: int) -> tuple[list[int], list[float]]:
    w = w.astype(float).copy()
    picks, gains = [], []
    for _ in range(min(k, cover.shape[0])):
        gain = cover.astype(float) @ w
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        picks.append(j)
        gains.append(float(gain[j]))
        w[cover[j]] = 0
    return picks, gains


@settings(max_examples=150, deadline=None)
@given(
    n_c=st.integers(1, 7),
    n_u=st.integers(1, 12),
    k=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_greedy_and_exact_against_brute_force(n_c: int, n_u: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cover = rng.random((n_c, n_u)) < rng.uniform(0.1, 0.6)
    w = rng.integers(0, 20, n_u).astype(float)
    opt = brute_force(cover, w, k)
    sparse = csr_matrix(cover.astype(float))
    picks, gains = greedy_max_cover(sparse, w, k)
    assert (picks, gains) == reference_greedy(cover, w, k)
    ex = exact_max_cover(sparse, w, k)
    assert ex.optimal and ex.value == pytest.approx(opt) and ex.upper_bound == pytest.approx(opt)
    assert len(ex.picks) <= k
    assert sum(gains) <= opt + 1e-9
    assert sum(gains) >= (1 - 1 / math.e) * opt - 1e-9
    # merging identical residents changes neither answer
    mc, mw = merge_units(sparse, w)
    assert mc.shape[1] <= n_u and mw.sum() <= w.sum()
    assert greedy_max_cover(mc, mw, k) == (picks, gains)
    assert exact_max_cover(mc, mw, k).value == pytest.approx(opt)


def test_classic_instance_where_greedy_misses() -> None:
    # C0 reaches a, b (4 + 4); C1 reaches a, c (4 + 3); C2 reaches b, d (4 + 3); K = 2
    cover = csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=float))
    w = np.array([4.0, 4.0, 3.0, 3.0])
    assert greedy_max_cover(cover, w, 2) == ([0, 1], [8.0, 3.0])
    ex = exact_max_cover(cover, w, 2)
    assert set(ex.picks) == {1, 2} and ex.value == 14 and ex.optimal


# A street from -300 to 1300 m, with junctions at 0, 200 and 400. Residents (point cells,
# 65+): c at -100 (3), a at 100 (4), b at 300 (4), d at 500 (3), f at 1050 (5). An existing
# salon at 1000 reaches f.
# Halls: H0 at 200 (a, b), H1 at 0 (c, a), H2 at 400 (b, d), H3 at 1000 (f, already covered).
# Threshold 2.2 min × 3 km/h = 110 m.
STREET = [(-300.0, 0.0), (0.0, 0.0), (200.0, 0.0), (400.0, 0.0), (1300.0, 0.0)]


def siting_model() -> CoverageModel:
    net = plane_net(STREET, [(0, 1), (1, 2), (2, 3), (3, 4)])
    cells = [
        cell(name, shapely.Point(x, 0), 10, w, 0)
        for name, x, w in [("c", -100, 3), ("a", 100, 4), ("b", 300, 4), ("d", 500, 3),
                           ("f", 1050, 5)]
    ]  # fmt: skip
    places = [
        place("S", 1000, 0, "salon"),
        place("H0", 200, 0, "hall", "venue"),
        place("H1", 0, 0, "hall", "venue"),
        place("H2", 400, 0, "hall", "venue"),
        place("H3", 1000, 0, "hall", "venue"),
    ]
    return CoverageModel(net, places, spread_population(cells, net), [])


def test_suggestions_keep_existing_places_and_report_the_gap() -> None:
    m = siting_model()
    r = suggest_sites(m, 2, minutes=2.2, candidate_categories=["hall"])
    assert r.candidates == "venues:hall" and r.n_candidates == 4 and r.method == "network"
    assert r.threshold_m == pytest.approx(110)
    assert r.older_population == pytest.approx(19)
    assert r.already_covered == pytest.approx(5)  # f, by the salon
    assert r.uncovered == pytest.approx(14)
    assert [(p.rank, p.id, p.kind) for p in r.greedy] == [(1, "H0", "venue"), (2, "H1", "venue")]
    assert [p.newly_covered for p in r.greedy] == [pytest.approx(8), pytest.approx(3)]
    assert [p.cumulative for p in r.greedy] == [pytest.approx(8), pytest.approx(11)]
    assert r.greedy_covered == pytest.approx(11)
    assert r.exact is not None and r.exact.optimal
    assert {p.id for p in r.exact.picks} == {"H1", "H2"}
    assert r.exact.covered == pytest.approx(14)
    assert r.exact.greedy_gap == pytest.approx(3)
    assert r.exact.greedy_ratio == pytest.approx(11 / 14)
    assert sum(p.newly_covered for p in r.exact.picks) == pytest.approx(14)
    json.dumps(r.as_dict(), allow_nan=False)
    # H3 sits on the salon: it would only reach people already covered, so it never scores
    only_h3 = suggest_sites(m, 3, minutes=2.2, candidate_categories=["hall"], exact=False)
    assert "H3" not in [p.id for p in only_h3.greedy] and only_h3.exact is None
    assert len(only_h3.greedy) == 3


def test_without_venues_street_nodes_are_candidates() -> None:
    m = siting_model()
    r = suggest_sites(m, 2, minutes=2.2, candidate_categories=["集会所"])
    assert r.candidates == "nodes" and r.greedy[0].kind == "node"
    assert any("street nodes" in n for n in r.notes)
    # the junctions nearest the uncovered residents: 0 (node 1), 200 (node 2), 400 (node 3)
    assert r.n_candidates == 3
    assert [p.id for p in r.greedy] == ["node:2", "node:1"]
    assert r.greedy_covered == pytest.approx(11)
    assert r.exact is not None and {p.id for p in r.exact.picks} == {"node:1", "node:3"}
    assert r.exact.greedy_gap == pytest.approx(3)


def test_rounding_noise_keeps_the_ratio_within_0_1_and_the_gap_at_0() -> None:
    # three lone cells, all picked: greedy adds 2.3 + 2.1 + 0.8 = 5.2, the exact cover sums the
    # same people in cell order, 5.199999999999999; the ratio must not read 1.0000000000000002
    cells = [
        cell(name, shapely.Point(x, 0), 10, w, 0)
        for name, x, w in [("a", 0, 2.3), ("b", 5000, 0.8), ("c", 10000, 2.1)]
    ]
    places = PlaceSet.from_places([place("S", -90000, 0, "salon")])
    m = CoverageModel(None, places, spread_population(cells, None, epsg=EPSG), [])
    r = suggest_sites(m, 3)
    assert r.exact is not None and r.exact.optimal
    assert r.greedy_covered > r.exact.covered  # the noise this test is about is there
    assert r.exact.greedy_ratio == 1.0 and r.exact.greedy_gap == 0.0


def test_straight_line_siting_uses_cells() -> None:
    cells = [cell("x", shapely.Point(0, 0), 10, 7, 0), cell("y", shapely.Point(5000, 0), 10, 2, 0)]
    demand = spread_population(cells, None, epsg=EPSG)
    places = PlaceSet.from_places([place("S", 4900, 0, "salon")])
    m = CoverageModel(None, places, demand, [])
    r = suggest_sites(m, 1)
    assert r.method == "straight-line" and r.candidates == "cells"
    assert [p.id for p in r.greedy] == ["cell:x"] and r.greedy[0].newly_covered == 7


@settings(max_examples=30, deadline=None)
@given(data=random_graphs(), k=st.integers(1, 4), nq=st.integers(1, 8))
def test_pairs_within_match_networkx(
    data: tuple[WalkNetwork, np.random.Generator], k: int, nq: int
) -> None:
    net, rng = data
    sources, queries = random_snaps(net, rng, k, nq)
    limit = 400.0
    got = pairs_within(net, sources, queries, limit)
    g = nx_split_graph(net, sources, queries)
    want = {}
    for j in range(k):
        lengths = nx.single_source_dijkstra_path_length(g, ("s", j), cutoff=limit)
        for i in range(nq):
            if ("q", i) in lengths:
                want[(j, i)] = lengths[("q", i)]
    have = {(int(s), int(q)): float(d) for s, q, d in zip(got.source, got.query, got.dist_m,
                                                              strict=True)}  # fmt: skip
    assert set(have) == set(want)
    for key, d in want.items():
        assert have[key] == pytest.approx(d, rel=1e-9, abs=1e-9)


def test_street_points_beyond_the_halls_are_candidates_and_halls_win_where_close() -> None:
    # every junction near the uncovered residents has a hall on it: the halls are offered alone
    near_halls = suggest_sites(siting_model(), 2, minutes=2.2, candidate_categories=["hall"],
                               streets_beyond_m=150)
    assert near_halls.candidates == "venues:hall+nodes" and near_halls.n_candidates == 4
    assert [p.id for p in near_halls.greedy] == ["H0", "H1"]
    # only the hall at 1000 m (on the salon): street points elsewhere are offered, labelled node
    net = plane_net(STREET, [(0, 1), (1, 2), (2, 3), (3, 4)])
    cells = [cell(n, shapely.Point(x, 0), 10, w, 0)
             for n, x, w in [("c", -100, 3), ("a", 100, 4), ("b", 300, 4), ("d", 500, 3)]]
    places = [place("S", 1000, 0, "salon"), place("H3", 1000, 0, "hall", "venue")]
    m = CoverageModel(net, places, spread_population(cells, net), [])
    halls_only = suggest_sites(m, 2, minutes=2.2)
    assert halls_only.greedy == ()  # H3 reaches nobody uncovered
    r = suggest_sites(m, 2, minutes=2.2, streets_beyond_m=150)
    assert r.candidates == "venues+nodes" and r.n_candidates == 4
    assert [(p.id, p.kind) for p in r.greedy] == [("node:2", "node"), ("node:1", "node")]
    assert r.greedy_covered == pytest.approx(11)
