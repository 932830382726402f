"""Coverage and gaps: a hand-checked street, networkx as the oracle, quantiles, real Ube data."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import networkx as nx
import numpy as np
import pyogrio.raw
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from test_demand import _FROM, EPSG, OX, OY, cell, plane_net, wgs
from test_shortest import UBE_SHELTERS, nx_split_graph, random_graphs

from geo.analysis.coverage import CoverageModel, PlaceSet, coverage, threshold_m
from geo.analysis.demand import spread_population
from geo.analysis.nearest import binned_quantiles, sorted_quantiles
from geo.model import Area, Place, PopulationCell
from geo.walk.network import WalkNetwork, build_from_lines

INF = float("inf")


def place(pid: str, x: float, y: float, category: str, kind: str = "gathering") -> Place:
    lon, lat = _FROM.transform(x + OX, y + OY)
    return Place(pid, "99999", kind, category, pid, float(lon), float(lat))  # type: ignore[arg-type]


def area(aid: str, level: int, x0: float, x1: float, parent: str | None = None) -> Area:
    shape = shapely.MultiPolygon([wgs(shapely.box(x0, -400, x1, 400))])
    return Area(aid, "99999", level, aid.upper(), shape, parent)


# A(0,0) ——500 m—— B(500,0) ——700 m—— C(1200,0)
#   P1 salon (0,10)         V hall (600,5)      P2 cafe (1200,0)
#   c1 (300,20) 65+:10      c2 (600,0) 65+:20   c3 (1200,300) 65+:30
STREET = [(0.0, 0.0), (500.0, 0.0), (1200.0, 0.0)]
PLACES = [
    place("P1", 0, 10, "salon"),
    place("P2", 1200, 0, "cafe"),
    place("V", 600, 5, "hall", kind="venue"),
    replace(place("closed", 600, 0, "salon"), status="closed"),
]
CELLS = [
    cell("c1", shapely.Point(300, 20), 40, 10, 5),
    cell("c2", shapely.Point(600, 0), 60, 20, 10),
    cell("c3", shapely.Point(1200, 300), 80, 30, 15),
]
AREAS = [
    area("city", 1, -400, 1700),
    area("west", 2, -400, 550, "city"),
    area("east", 2, 550, 1700, "city"),
]


def street() -> WalkNetwork:
    return plane_net(STREET, [(0, 1), (1, 2)])


def model(net: WalkNetwork | None = None, **kw: float | None) -> CoverageModel:
    net = street() if net is None else net
    demand = spread_population(CELLS, net, epsg=EPSG)
    return CoverageModel(net, PLACES, demand, AREAS, **kw)


def by_id(result: object) -> dict[str, object]:
    return {a.area_id: a for a in result.areas}  # type: ignore[attr-defined]


# -- hand-checked ---------------------------------------------------------------------------------
def test_threshold_defaults() -> None:
    assert threshold_m(10, 3) == pytest.approx(500)
    assert threshold_m(16, 3) == pytest.approx(800)
    with pytest.raises(ValueError):
        threshold_m(10, 0)


def test_street_coverage_by_hand() -> None:
    m = model()
    r = m.coverage()  # 10 min at 3 km/h = 500 m, 65+, every category
    assert (r.method, r.minutes, r.speed_kmh, r.age, r.categories) == ("network", 10, 3, 65, None)
    assert r.threshold_m == pytest.approx(500)
    # walks: c1 20 + 300 + 10 = 330 to P1; c2 600 to P2 (610 to P1); c3 300 to P2
    city = r.city
    assert city.older_population == pytest.approx(60)
    assert city.covered_older_population == pytest.approx(40)
    assert city.covered_share == pytest.approx(2 / 3)
    assert city.places == 2  # the venue and the closed place do not count
    assert city.median_distance_m == pytest.approx(300, abs=1)  # c3 alone holds half
    assert city.p90_distance_m == pytest.approx(600, abs=1)
    west, east = by_id(r)["west"], by_id(r)["east"]
    assert (west.older_population, west.covered_older_population, west.places) == (10, 10, 1)  # type: ignore[attr-defined]
    assert west.median_distance_m == pytest.approx(330, abs=1)  # type: ignore[attr-defined]
    assert east.older_population == pytest.approx(50)  # type: ignore[attr-defined]
    assert east.covered_share == pytest.approx(0.6)  # type: ignore[attr-defined]
    assert east.places == 1  # type: ignore[attr-defined]
    assert east.median_distance_m == pytest.approx(300, abs=1)  # type: ignore[attr-defined]
    assert east.p90_distance_m == pytest.approx(600, abs=1)  # type: ignore[attr-defined]
    assert by_id(r)["city"].older_population == pytest.approx(60)  # type: ignore[attr-defined]
    assert any("snap" in n for n in r.notes)
    json.dumps(r.as_dict(), allow_nan=False)


def test_parameters_change_the_answer() -> None:
    m = model()
    assert m.coverage(minutes=16).city.covered_share == pytest.approx(1.0)  # 800 m
    assert m.coverage(speed_kmh=4.8).city.covered_share == pytest.approx(1.0)  # 800 m too
    r75 = m.coverage(age=75)
    assert r75.city.older_population == pytest.approx(30)
    assert r75.city.covered_older_population == pytest.approx(20)
    salon = m.coverage(categories=["salon"])  # only P1: c2 610 m, c3 1510 m
    assert salon.city.covered_older_population == pytest.approx(10)
    assert salon.city.places == 1 and salon.categories == ("salon",)
    assert salon.city.p90_distance_m == pytest.approx(1510, abs=1)
    venues = m.coverage(categories=["hall"])  # venues never count, whatever the category
    assert venues.city.covered_older_population == 0
    assert venues.city.median_distance_m == INF
    assert any("venues never count" in n for n in venues.notes)
    assert venues.as_dict()["city"]["median_distance_m"] is None
    with pytest.raises(ValueError):
        m.coverage(age=70)


def test_search_radius_reports_beyond() -> None:
    m = model(max_distance_m=1000)
    r = m.coverage(categories=["salon"])
    assert r.max_distance_m == 1000
    assert r.city.p90_distance_m == INF  # c3 is 1510 m away: beyond the radius
    assert r.city.covered_older_population == pytest.approx(10)
    g = m.gaps(categories=["salon"])
    assert [x.cell_id for x in g.gaps] == ["c3", "c2"]
    assert g.gaps[0].distance_m == INF and g.gaps[0].nearest_place_id is None
    as_json = json.loads(json.dumps(g.as_dict(), allow_nan=False))
    assert as_json["count"] == 2 and as_json["max_distance_m"] == 1000
    assert as_json["gaps"][0] == {
        **asdict(g.gaps[0]),
        "distance_m": None,
        "nearest_distance_m": None,
    }
    assert as_json["gaps"][1] == asdict(g.gaps[1])


def test_gaps_by_hand() -> None:
    m = model()
    g = m.gaps()
    assert g.method == "network" and g.threshold_m == pytest.approx(500)
    assert g.uncovered_older_population == pytest.approx(20)
    (only,) = g.gaps
    assert (only.cell_id, only.code, only.placement) == ("c2", "c2", "point")
    assert only.older_population == only.uncovered_older_population == pytest.approx(20)
    assert only.covered_share == 0
    assert only.distance_m == pytest.approx(600, abs=1)
    assert only.nearest_place_id == "P2"
    assert (only.area_id, only.area_name) == ("east", "EAST")  # the deepest level
    salon = m.gaps(categories=["salon"])
    assert [x.cell_id for x in salon.gaps] == ["c3", "c2"]  # most uncovered older people first
    assert salon.gaps[0].distance_m == pytest.approx(1510, abs=1)
    assert [x.cell_id for x in m.gaps(categories=["salon"], limit=1).gaps] == ["c3"]
    assert m.gaps(minutes=16).gaps == ()


def test_straight_line_without_a_network() -> None:
    places = PlaceSet.from_places(PLACES)
    demand = spread_population(CELLS, None, epsg=EPSG)
    r = coverage(None, places, demand, AREAS)
    assert r.method == "straight-line"
    assert any("straight lines" in n and "EPSG:6671" in n for n in r.notes)
    # c1 300.2 m, c2 600 m (P2), c3 300 m: the same cells covered as on the street
    assert r.city.covered_older_population == pytest.approx(40)
    assert r.city.p90_distance_m == pytest.approx(600, abs=1)
    g = CoverageModel(None, places, demand, AREAS).gaps()
    assert [x.cell_id for x in g.gaps] == ["c2"] and g.method == "straight-line"


def test_partly_covered_cell_and_min_share() -> None:
    # one street 0..2000 m with a place at 0; a cell spread over 0..1500 m of it: 30 points at
    # 25, 75, … 1475 m, the first 10 within 500 m
    net = plane_net([(0, 0), (2000, 0)], [(0, 1)])
    box = shapely.box(-1, -50, 1500, 50)
    demand = spread_population([cell("part", box, 100, 90, 50)], net, max_points=40)
    m = CoverageModel(net, [place("P", 0, 0, "salon")], demand, [])
    r = m.coverage()
    assert r.city.covered_share == pytest.approx(1 / 3)
    assert r.areas == ()
    (g,) = m.gaps().gaps
    assert g.covered_share == pytest.approx(1 / 3) and g.placement == "streets"
    assert g.uncovered_older_population == pytest.approx(60)
    assert g.nearest_distance_m == pytest.approx(25, abs=1)
    assert g.distance_m == pytest.approx(725, abs=1)  # the 15th of 30 equal shares
    assert m.gaps(min_uncovered_share=0.7).gaps == ()


# -- networkx as the oracle -----------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(data=random_graphs(), n_places=st.integers(1, 6), n_cells=st.integers(1, 10))
def test_nearest_place_matches_networkx(
    data: tuple[WalkNetwork, np.random.Generator], n_places: int, n_cells: int
) -> None:
    net, rng = data
    lo_lon, hi_lon = net.node_lon.min() - 0.001, net.node_lon.max() + 0.001
    lo_lat, hi_lat = net.node_lat.min() - 0.001, net.node_lat.max() + 0.001
    plon, plat = rng.uniform(lo_lon, hi_lon, n_places), rng.uniform(lo_lat, hi_lat, n_places)
    cats = rng.choice(["a", "b"], n_places)
    kinds = np.where(rng.random(n_places) < 0.2, "venue", "gathering")
    places = PlaceSet.from_arrays(plon, plat, kind=kinds, category=cats)
    clon, clat = rng.uniform(lo_lon, hi_lon, n_cells), rng.uniform(lo_lat, hi_lat, n_cells)
    w = rng.integers(0, 50, n_cells).astype(float)
    cells = [
        PopulationCell(f"c{i}", "x", "town", f"c{i}", 2 * w[i], w[i], 0.0,
                       shapely.Point(clon[i], clat[i]))
        for i in range(n_cells)
    ]  # fmt: skip
    demand = spread_population(cells, net)
    m = CoverageModel(net, places, demand, [], max_distance_m=None)
    assert m.place_snap is not None and demand.snap is not None
    gathering = np.flatnonzero(places.kind == "gathering")
    near = m.nearest()
    if gathering.size == 0:
        assert np.isinf(near.dist_m).all()
        return
    sources = m.place_snap.take(gathering)
    g = nx_split_graph(net, sources, demand.snap)
    want = nx.multi_source_dijkstra_path_length(g, {("s", j) for j in range(gathering.size)})
    expect = np.array([want.get(("q", j), INF) for j in range(len(demand))])
    np.testing.assert_allclose(near.dist_m, expect, rtol=1e-9, atol=1e-9)
    # the named place is at that distance; per-category fields compose by minimum
    for j in np.flatnonzero(np.isfinite(expect)).tolist():
        s = int(np.flatnonzero(gathering == near.place[j])[0])
        d = nx.dijkstra_path_length(g, ("s", s), ("q", j))
        assert d == pytest.approx(expect[j], rel=1e-9, abs=1e-9)
    by_cat = [m.nearest([c]).dist_m for c in ("a", "b")]
    np.testing.assert_allclose(np.minimum(*by_cat), near.dist_m, rtol=1e-12)
    # coverage is the weighted count of these distances within the threshold
    for minutes in (2.0, 10.0):
        t = threshold_m(minutes, 3.0)
        r = m.coverage(minutes=minutes)
        assert r.city.covered_older_population == pytest.approx(
            float(demand.age65[expect <= t].sum()), abs=1e-9
        )


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 60),
    groups=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_binned_quantiles_match_the_definition(n: int, groups: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    beyond = 50
    bins = np.where(rng.random(n) < 0.1, beyond, rng.integers(0, beyond, n))
    weights = rng.integers(0, 5, n).astype(float)
    fast = binned_quantiles(group, bins, weights, groups, 2.0, beyond)
    slow = sorted_quantiles(group, bins, weights, groups, 2.0, (0.5, 0.9), beyond)
    for gi in range(groups):
        sel = group == gi
        total = weights[sel].sum()
        for j, q in enumerate((0.5, 0.9)):
            if total == 0:
                assert np.isnan(fast[gi, j]) and np.isnan(slow[gi, j])
                continue
            # least value d with weight(bins <= d) >= q * total
            vals = np.sort(np.unique(bins[sel]))
            cum = np.array([weights[sel & (bins <= v)].sum() for v in vals])
            b = vals[np.argmax(cum >= q * total)]
            want = INF if b == beyond else 2.0 * b
            assert fast[gi, j] == want and slow[gi, j] == want


# -- the real Ube network ------------------------------------------------------------------------
def test_ube_coverage_matches_networkx_and_adds_up(real_data: Path) -> None:
    net = build_from_lines(real_data / "ube" / "walk_edges_osm.geojson", EPSG)
    _, _, wkb, _ = pyogrio.raw.read(str(UBE_SHELTERS))
    pts = shapely.from_wkb(wkb)[:12]
    places = PlaceSet.from_arrays(
        shapely.get_x(pts), shapely.get_y(pts), category=["a", "b", "c"] * 4
    )
    # 500 m-ish cells over the built-up middle of the network, random counts
    lon0, lat0 = float(np.median(net.node_lon)), float(np.median(net.node_lat))
    rng = np.random.default_rng(5)
    cells = []
    for i in range(12):
        for j in range(12):
            x, y = lon0 - 0.033 + j * 0.005625, lat0 - 0.025 + i * 0.004167
            t = float(rng.integers(0, 300))
            box = shapely.box(x, y, x + 0.005625, y + 0.004167)
            cells.append(PopulationCell(f"m{i}_{j}", "x", "mesh", "", t, 0.35 * t, 0.18 * t, box))
    halves = [
        Area("w", "35202", 2, "west", shapely.MultiPolygon([shapely.box(120, 20, lon0, 50)])),
        Area("e", "35202", 2, "east", shapely.MultiPolygon([shapely.box(lon0, 20, 150, 50)])),
    ]
    demand = spread_population(cells, net)
    assert demand.method_counts().get("streets", 0) > 100
    m = CoverageModel(net, places, demand, halves, max_distance_m=None)
    r = m.coverage()
    total = sum(a.older_population for a in r.areas)
    assert total == pytest.approx(r.city.older_population)
    assert sum(a.covered_older_population for a in r.areas) == pytest.approx(
        r.city.covered_older_population
    )
    assert r.city.older_population == pytest.approx(sum(c.age65 for c in cells))
    assert 0 < r.city.covered_share < 1  # type: ignore[operator]
    assert sum(a.places for a in r.areas) == 12

    assert m.place_snap is not None and demand.snap is not None
    sample = rng.choice(len(demand), 150, replace=False)
    queries = demand.snap.take(sample)
    g = nx_split_graph(net, m.place_snap, queries)
    want = nx.multi_source_dijkstra_path_length(g, {("s", j) for j in range(12)})
    expect = np.array([want.get(("q", j), INF) for j in range(sample.size)])
    np.testing.assert_allclose(m.nearest().dist_m[sample], expect, rtol=1e-9)
    gaps_ = m.gaps(min_uncovered_share=0.0)
    assert gaps_.uncovered_older_population == pytest.approx(
        r.city.older_population - r.city.covered_older_population
    )
    assert sum(x.uncovered_older_population for x in gaps_.gaps) == pytest.approx(
        gaps_.uncovered_older_population
    )
    ranked = [x.uncovered_older_population for x in gaps_.gaps]
    assert ranked == sorted(ranked, reverse=True)


def test_long_walks_fall_back_to_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    binned = model(max_distance_m=None).coverage(categories=["salon"])
    monkeypatch.setattr("geo.analysis.nearest.MAX_BINS", 10)  # no histogram fits
    sorted_ = model(max_distance_m=None).coverage(categories=["salon"])
    assert sorted_.city == binned.city
    assert sorted_.areas == binned.areas
    assert binned.city.p90_distance_m == pytest.approx(1510, abs=1)
