"""Multi-source walking distances: hand-checked networks, networkx as the oracle, real Ube data."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyogrio.raw
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geo.walk.network import WalkNetwork, build_from_lines
from geo.walk.shortest import distance_to_points, multi_source, nearest_source_distances
from geo.walk.snap import Snap, snap_points

UBE_SHELTERS = Path(__file__).resolve().parent / "data" / "source" / "ube" / "shelters_p20.geojson"
EPSG = 6671
LON0, LAT0 = 131.25, 33.95
INF = float("inf")


def plane_network(
    xy: list[tuple[float, float]], edges: list[tuple[int, int]], lengths: list[float] | None = None
) -> WalkNetwork:
    """A network laid out in plane metres (EPSG:6671) around Ube, for readable test geometry."""
    ox, oy = Transformer.from_crs(4326, EPSG, always_xy=True).transform(LON0, LAT0)
    x = np.array([p[0] for p in xy]) + ox
    y = np.array([p[1] for p in xy]) + oy
    lon, lat = Transformer.from_crs(EPSG, 4326, always_xy=True).transform(x, y)
    u, v = zip(*edges, strict=True)
    return WalkNetwork.from_arrays(lon, lat, u, v, EPSG, length_m=lengths)


def plane_to_lonlat(x: float, y: float) -> tuple[float, float]:
    ox, oy = Transformer.from_crs(4326, EPSG, always_xy=True).transform(LON0, LAT0)
    lon, lat = Transformer.from_crs(EPSG, 4326, always_xy=True).transform(x + ox, y + oy)
    return float(lon), float(lat)


# -- hand-checked networks ----------------------------------------------------------------------
def test_square_from_a_corner() -> None:
    # 0 --100-- 1
    # |         |
    # 100      100
    # |         |
    # 3 --100-- 2      plus a 500 m "detour" edge 0-2 that must lose to 200 via a corner
    net = plane_network(
        [(0, 0), (100, 0), (100, -100), (0, -100)],
        [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)],
        [100, 100, 100, 100, 500],
    )
    field = multi_source(net, [0])
    np.testing.assert_allclose(field.dist_m, [0, 100, 200, 100])
    assert field.source.tolist() == [0, 0, 0, 0]
    two = multi_source(net, [0, 2])
    np.testing.assert_allclose(two.dist_m, [0, 100, 0, 100])
    assert two.source.tolist()[0] == 0 and two.source.tolist()[2] == 1


def test_line_with_mid_edge_source_and_queries() -> None:
    # A(0) ---- 100 m ---- B(1) ---- 200 m ---- C(2), source 30 m from A, 5 m off the street
    net = plane_network([(0, 0), (100, 0), (300, 0)], [(0, 1), (1, 2)])
    np.testing.assert_allclose(net.edge_length_m, [100, 200], rtol=2e-4)  # plane vs ellipsoid
    lon, lat = plane_to_lonlat(30, 5)
    src = snap_points(net, [lon], [lat])
    assert src.edge.tolist() == [0]
    assert src.offset_m[0] == pytest.approx(30, rel=2e-4)
    assert src.snap_m[0] == pytest.approx(5, rel=2e-4)
    assert src.to_u_m[0] + src.to_v_m[0] == pytest.approx(net.edge_length_m[0])
    field = multi_source(net, src)
    length_ab, length_bc = net.edge_length_m
    s = src.snap_m[0]
    np.testing.assert_allclose(
        field.dist_m, [s + src.to_u_m[0], s + src.to_v_m[0], s + src.to_v_m[0] + length_bc]
    )
    # query on the same edge, 80 m from A: along the edge, never via a node
    q_same = Snap.on_edges(net, [0], [0.8], snap_m=2.0)
    got = distance_to_points(net, field, q_same)
    assert got.dist_m[0] == pytest.approx(2 + s + abs(0.8 * length_ab - src.offset_m[0]))
    assert got.source.tolist() == [0]
    # query on the next edge, 50 m past B
    q_next = Snap.on_edges(net, [1], [50 / length_bc])
    got = distance_to_points(net, field, q_next)
    assert got.dist_m[0] == pytest.approx(s + src.to_v_m[0] + 50)
    # the same through the one-call helper, with a limit that cuts the far end off
    qlon, qlat = plane_to_lonlat(290, 0)
    near = nearest_source_distances(net, [lon], [lat], [lon, qlon], [lat, qlat], limit_m=200)
    assert near.dist_m[0] == pytest.approx(10, rel=1e-3)  # 5 m to the street and back
    assert near.dist_m[1] == INF and near.source[1] == -1


def test_two_fragments_are_unreachable() -> None:
    net = plane_network([(0, 0), (100, 0), (1000, 0), (1100, 0)], [(0, 1), (2, 3)], [100.0, 100.0])
    report = net.fragments()
    assert report.count == 2 and report.sizes == (2, 2) and report.largest_share == 0.5
    field = multi_source(net, [0])
    assert field.dist_m.tolist() == [0, 100, INF, INF]
    assert field.source.tolist() == [0, 0, -1, -1]
    got = distance_to_points(net, field, Snap.on_edges(net, [0, 1], [0.5, 0.5]))
    assert got.dist_m.tolist() == [50, INF] and got.source.tolist() == [0, -1]


def test_limit_and_unsnapped_sources() -> None:
    net = plane_network([(0, 0), (100, 0), (200, 0)], [(0, 1), (1, 2)], [100.0, 100.0])
    field = multi_source(net, [0], limit_m=150)
    assert field.dist_m.tolist() == [0, 100, INF]
    far_lon, far_lat = plane_to_lonlat(0, 5000)
    snap = snap_points(net, [far_lon], [far_lat], max_distance_m=100)
    assert snap.edge.tolist() == [-1]
    assert multi_source(net, snap).source.tolist() == [-1, -1, -1]


# -- networkx as the oracle -----------------------------------------------------------------------
def nx_graph(net: WalkNetwork) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    for u, v, w in zip(
        net.edge_u.tolist(), net.edge_v.tolist(), net.edge_length_m.tolist(), strict=True
    ):
        if u != v and (not g.has_edge(u, v) or g[u][v]["weight"] > w):
            g.add_edge(u, v, weight=w)
    return g


def nx_split_graph(net: WalkNetwork, sources: Snap, queries: Snap | None = None) -> nx.DiGraph:
    """Every point becomes a node on its edge (edges cut into chains); sources link one way."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    on_edge: dict[int, list[tuple[float, Any]]] = defaultdict(list)
    for j in np.flatnonzero(sources.valid).tolist():
        on_edge[int(sources.edge[j])].append((float(sources.offset_m[j]), ("s", j)))
    if queries is not None:
        for j in np.flatnonzero(queries.valid).tolist():
            on_edge[int(queries.edge[j])].append((float(queries.offset_m[j]), ("q", j)))

    def link(a: Any, b: Any, w: float) -> None:
        for p, q in ((a, b), (b, a)):
            if not g.has_edge(p, q) or g[p][q]["weight"] > w:
                g.add_edge(p, q, weight=w)

    for e in range(net.n_edges):
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length_m[e])
        chain = [
            (0.0, u),
            *sorted(((o, ("p", e, name)) for o, name in on_edge[e]), key=lambda t: t[0]),
            (length, v),
        ]
        for (o1, a), (o2, b) in zip(chain[:-1], chain[1:], strict=True):
            if a != b:
                link(a, b, o2 - o1)
        for _, name in on_edge[e]:
            if name[0] == "s":
                g.add_edge(name, ("p", e, name), weight=float(sources.snap_m[name[1]]))
            else:
                g.add_edge(("p", e, name), name, weight=float(queries.snap_m[name[1]]))  # type: ignore[union-attr]
    return g


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[WalkNetwork, np.random.Generator]:
    n = draw(st.integers(2, 25))
    weight = st.one_of(st.just(0.0), st.floats(0.01, 1000, allow_nan=False))
    edges = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), weight), max_size=3 * n)
    )
    if draw(st.booleans()):  # connected: add a random spanning path
        order = draw(st.permutations(range(n)))
        edges += [(a, b, draw(weight)) for a, b in zip(order[:-1], order[1:], strict=True)]
    if not edges:
        edges = [(0, 1, 1.0)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lon = LON0 + rng.random(n) * 0.01
    lat = LAT0 + rng.random(n) * 0.01
    u, v, w = zip(*edges, strict=True)
    return WalkNetwork.from_arrays(lon, lat, u, v, EPSG, length_m=w), rng


@settings(max_examples=50, deadline=None)
@given(data=random_graphs(), k=st.integers(1, 6))
def test_node_sources_match_networkx(data: tuple[WalkNetwork, np.random.Generator], k: int) -> None:
    net, rng = data
    sources = rng.integers(0, net.n_nodes, size=k)
    field = multi_source(net, sources)
    g = nx_graph(net)
    expected = nx.multi_source_dijkstra_path_length(g, set(sources.tolist()))
    want = np.array([expected.get(i, INF) for i in range(net.n_nodes)])
    np.testing.assert_allclose(field.dist_m, want, rtol=1e-9, atol=1e-9)
    assert ((field.source >= 0) == np.isfinite(want)).all()
    for i in np.flatnonzero(np.isfinite(want)).tolist():  # the named source is a nearest one
        d = nx.dijkstra_path_length(g, int(sources[field.source[i]]), i)
        assert d == pytest.approx(want[i], rel=1e-9, abs=1e-9)


def random_snaps(
    net: WalkNetwork, rng: np.random.Generator, k: int, nq: int
) -> tuple[Snap, Snap]:
    """``k`` sources and ``nq`` queries at random points of random edges, off the street by up
    to 50 m and 20 m; half the queries share an edge with a source, to exercise the direct
    along-edge walk."""
    m = net.n_edges
    sources = Snap.on_edges(net, rng.integers(0, m, k), rng.random(k), rng.random(k) * 50)
    q_edges = np.where(
        rng.random(nq) < 0.5, sources.edge[rng.integers(0, k, nq)], rng.integers(0, m, nq)
    )
    return sources, Snap.on_edges(net, q_edges, rng.random(nq), rng.random(nq) * 20)


@settings(max_examples=50, deadline=None)
@given(
    data=random_graphs(),
    k=st.integers(1, 5),
    nq=st.integers(1, 8),
    limit=st.sampled_from([None, 300.0]),
)
def test_mid_edge_sources_and_queries_match_networkx(
    data: tuple[WalkNetwork, np.random.Generator], k: int, nq: int, limit: float | None
) -> None:
    net, rng = data
    sources, queries = random_snaps(net, rng, k, nq)
    field = multi_source(net, sources, limit_m=limit)
    got = distance_to_points(net, field, queries)

    g = nx_split_graph(net, sources, queries)
    expected = nx.multi_source_dijkstra_path_length(g, {("s", j) for j in range(k)})
    cap = INF if limit is None else limit
    want_nodes = np.array([expected.get(i, INF) for i in range(net.n_nodes)])
    want_nodes[want_nodes > cap] = INF
    np.testing.assert_allclose(field.dist_m, want_nodes, rtol=1e-9, atol=1e-9)
    want_q = np.array([expected.get(("q", j), INF) for j in range(nq)])
    want_q[want_q > cap] = INF
    np.testing.assert_allclose(got.dist_m, want_q, rtol=1e-9, atol=1e-9)
    for j in np.flatnonzero(np.isfinite(want_q)).tolist():
        d = nx.dijkstra_path_length(g, ("s", int(got.source[j])), ("q", j))
        assert d == pytest.approx(want_q[j], rel=1e-9, abs=1e-9)
    assert (got.source[~np.isfinite(want_q)] == -1).all()


# -- the real Ube network ------------------------------------------------------------------------
def test_ube_shelters_match_networkx(real_data: Path) -> None:
    net = build_from_lines(real_data / "ube" / "walk_edges_osm.geojson", EPSG)
    meta, _, wkb, _ = pyogrio.raw.read(str(UBE_SHELTERS))
    pts = shapely.from_wkb(wkb)
    src = snap_points(net, shapely.get_x(pts)[:10], shapely.get_y(pts)[:10], max_distance_m=300)
    assert src.valid.all() and (src.snap_m < 300).all()
    field = multi_source(net, src)
    rng = np.random.default_rng(7)
    lo, hi = net.node_lon.min(), net.node_lon.max()
    qlon = rng.uniform(lo, hi, 200)
    qlat = rng.uniform(net.node_lat.min(), net.node_lat.max(), 200)
    queries = snap_points(net, qlon, qlat)
    got = distance_to_points(net, field, queries)

    g = nx_split_graph(net, src, queries)
    expected = nx.multi_source_dijkstra_path_length(g, {("s", j) for j in range(len(src))})
    want = np.array([expected.get(i, INF) for i in range(net.n_nodes)])
    np.testing.assert_allclose(field.dist_m, want, rtol=1e-9)
    assert np.isfinite(field.dist_m[net.in_largest()]).all()
    want_q = np.array([expected.get(("q", j), INF) for j in range(200)])
    np.testing.assert_allclose(got.dist_m, want_q, rtol=1e-9)
    # the limit only cuts: distances within it are unchanged
    near = multi_source(net, src, limit_m=800)
    inside = np.isfinite(near.dist_m)
    np.testing.assert_allclose(near.dist_m[inside], field.dist_m[inside])
    assert (field.dist_m[~inside] > 800).all()
