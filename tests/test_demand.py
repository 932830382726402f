"""Spreading population cells over the streets inside them: hand-checked cells, properties, Ube."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geo.analysis.demand import (
    AREA,
    CENTROID,
    EMPTY,
    POINT,
    STREETS,
    spread_population,
    street_length_inside,
)
from geo.model import PopulationCell
from geo.walk.network import WalkNetwork, build_from_lines

EPSG = 6671
LON0, LAT0 = 131.25, 33.95
_TO = Transformer.from_crs(4326, EPSG, always_xy=True)
_FROM = Transformer.from_crs(EPSG, 4326, always_xy=True)
OX, OY = _TO.transform(LON0, LAT0)


def plane_net(
    xy: list[tuple[float, float]], edges: list[tuple[int, int]], lengths: list[float] | None = None
) -> WalkNetwork:
    """A network laid out in plane metres around Ube; ``lengths`` default to the plane ones."""
    x = np.array([p[0] for p in xy]) + OX
    y = np.array([p[1] for p in xy]) + OY
    lon, lat = _FROM.transform(x, y)
    u, v = zip(*edges, strict=True)
    if lengths is None:
        lengths = [float(np.hypot(*np.subtract(xy[a], xy[b]))) for a, b in edges]
    return WalkNetwork.from_arrays(lon, lat, u, v, EPSG, length_m=lengths)


def wgs(geom: BaseGeometry) -> BaseGeometry:
    """A geometry given in local plane metres, as WGS84."""

    def fn(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(_FROM.transform(xy[:, 0] + OX, xy[:, 1] + OY))

    return shapely.transform(geom, fn)


def cell(
    cid: str, geom: BaseGeometry, total: float = 100, a65: float = 40, a75: float = 20
) -> PopulationCell:
    kind = "town" if geom.geom_type == "Point" else "mesh"
    return PopulationCell(cid, "99999", kind, cid, total, a65, a75, wgs(geom))  # type: ignore[arg-type]


# -- hand-checked cells ---------------------------------------------------------------------------
def test_one_street_through_a_cell_gets_evenly_spaced_points() -> None:
    # a 300 m street from x=-50 to x=250 along y=100; the cell is the square 0..200 × 0..200,
    # so 200 m of street lie inside: 4 points at 25, 75, 125, 175 m along the inside part
    net = plane_net([(-50, 100), (250, 100)], [(0, 1)])
    d = spread_population([cell("a", shapely.box(0, 0, 200, 200))], net)
    assert d.cell_method.tolist() == [STREETS]
    assert len(d) == 4
    np.testing.assert_allclose(np.sort(d.x - OX), [25, 75, 125, 175], atol=1e-6)
    np.testing.assert_allclose(d.y - OY, 100, atol=1e-6)
    np.testing.assert_allclose(d.total, 25)
    np.testing.assert_allclose(d.age65, 10)
    np.testing.assert_allclose(d.age75, 5)
    assert d.snap is not None
    assert (d.snap.edge == 0).all() and (d.snap.snap_m == 0).all()
    # offsets along the edge from its u end (x=-50), in the edge's own metres
    np.testing.assert_allclose(np.sort(d.snap.offset_m), [75, 125, 175, 225], atol=1e-6)
    np.testing.assert_allclose(d.snap.to_u_m + d.snap.to_v_m, 300)


def test_people_follow_street_length() -> None:
    # two streets inside one cell: 150 m and 50 m → 4 points, three on the long one
    net = plane_net([(0, 20), (150, 20), (0, 180), (50, 180)], [(0, 1), (2, 3)])
    d = spread_population([cell("a", shapely.box(-10, 0, 190, 200))], net)
    assert len(d) == 4
    assert d.snap is not None
    assert np.bincount(d.snap.edge).tolist() == [3, 1]
    np.testing.assert_allclose(d.total.sum(), 100)


def test_max_points_caps_and_spacing_sets_the_count() -> None:
    net = plane_net([(0, 50), (2000, 50)], [(0, 1)])
    box = shapely.box(-10, 0, 2010, 100)
    assert len(spread_population([cell("a", box)], net)) == 32  # the default cap
    assert len(spread_population([cell("a", box)], net, max_points=16)) == 16
    assert len(spread_population([cell("a", box)], net, spacing_m=500, max_points=16)) == 4


def test_cell_without_streets_keeps_its_centroid_snapped() -> None:
    net = plane_net([(0, 0), (300, 0)], [(0, 1)])
    far = shapely.box(100, 200, 200, 300)  # centroid (150, 250): 250 m north of the street
    d = spread_population([cell("far", far)], net)
    assert d.cell_method.tolist() == [CENTROID]
    assert len(d) == 1
    np.testing.assert_allclose([d.x[0] - OX, d.y[0] - OY], [150, 250], atol=1e-6)
    assert d.snap is not None
    assert d.snap.snap_m[0] == pytest.approx(250, rel=1e-3)  # counts as walking
    assert d.snap.offset_m[0] == pytest.approx(150, rel=1e-3)
    assert any("centroid" in n for n in d.notes())


def test_point_cells_stay_points_and_empty_cells_vanish() -> None:
    net = plane_net([(0, 0), (300, 0)], [(0, 1)])
    cells = [
        cell("pt", shapely.Point(100, 30), 50, 20, 10),
        cell("nobody", shapely.box(0, -50, 100, 50), 0, 0, 0),
    ]
    d = spread_population(cells, net)
    assert d.cell_method.tolist() == [POINT, EMPTY]
    assert d.cell.tolist() == [0]
    assert d.snap is not None
    assert d.snap.snap_m[0] == pytest.approx(30, rel=1e-3)
    assert d.older(65).tolist() == [20] and d.older(75).tolist() == [10]
    with pytest.raises(ValueError):
        d.older(70)


def test_without_a_network_people_spread_over_the_area() -> None:
    d = spread_population(
        [cell("a", shapely.box(0, 0, 200, 200)), cell("p", shapely.Point(5, 5))],
        None,
        epsg=EPSG,
    )
    assert d.snap is None
    assert d.cell_method.tolist() == [AREA, POINT]
    inside = d.cell == 0
    assert inside.sum() == 16  # a 4 × 4 lattice at the 50 m spacing
    np.testing.assert_allclose(np.unique(d.x[inside] - OX), [25, 75, 125, 175], atol=1e-6)
    np.testing.assert_allclose(d.total[inside].sum(), 100)
    with pytest.raises(ValueError):
        spread_population([], None)


def test_street_along_a_boundary_counts_on_both_sides() -> None:
    net = plane_net([(0, 100), (200, 100)], [(0, 1)])
    (x0, x1), (y0, y1) = net.node_x, net.node_y  # the edge itself is the shared boundary
    below = shapely.Polygon([(x0, y0), (x1, y1), (x1, y1 - 100), (x0, y0 - 100)])
    above = shapely.Polygon([(x0, y0), (x1, y1), (x1, y1 + 100), (x0, y0 + 100)])
    got = street_length_inside(net, np.array([below, above]))
    ref = [shapely.intersection(net.edge_lines[0], p).length for p in (below, above)]
    np.testing.assert_allclose(got, ref, atol=1e-6)
    np.testing.assert_allclose(got, [200, 200], atol=1e-6)


# -- properties --------------------------------------------------------------------------------
@st.composite
def grid_and_cells(draw: st.DrawFn) -> tuple[WalkNetwork, list[PopulationCell]]:
    side = draw(st.integers(2, 6))
    step = draw(st.floats(40, 200))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    xy = [(i * step + rng.normal(0, 5), j * step + rng.normal(0, 5))
          for j in range(side) for i in range(side)]  # fmt: skip
    edges = [(j * side + i, j * side + i + 1) for j in range(side) for i in range(side - 1)]
    edges += [(j * side + i, (j + 1) * side + i) for j in range(side - 1) for i in range(side)]
    keep = rng.random(len(edges)) > 0.2
    edges = [e for e, k in zip(edges, keep, strict=True) if k] or edges[:1]
    net = plane_net(xy, edges)
    cells = []
    for c in range(draw(st.integers(1, 8))):
        x0, y0 = rng.uniform(-step, side * step, 2)
        w, h = rng.uniform(10, 3 * step, 2)
        geom: BaseGeometry = shapely.box(x0, y0, x0 + w, y0 + h)
        if rng.random() < 0.3:  # a non-convex cell with a hole
            geom = geom.difference(shapely.box(x0 + w / 3, y0 + h / 3, x0 + w / 2, y0 + h))
            geom = geom.difference(shapely.Point(x0 + 0.75 * w, y0 + h / 4).buffer(min(w, h) / 8))
        cells.append(cell(f"c{c}", geom, *rng.integers(0, 500, 3).tolist()))
    return net, cells


@settings(max_examples=60, deadline=None)
@given(data=grid_and_cells())
def test_spread_conserves_people_and_stays_on_streets_inside(
    data: tuple[WalkNetwork, list[PopulationCell]],
) -> None:
    net, cells = data
    d = spread_population(cells, net, spacing_m=30, max_points=12)
    for name in ("total", "age65", "age75"):
        given_ = np.array([getattr(c, name) for c in cells], dtype=float)
        got = np.bincount(d.cell, getattr(d, name), minlength=len(cells))
        has_points = np.isin(d.cell_method, [STREETS, CENTROID, POINT])
        np.testing.assert_allclose(got[has_points], given_[has_points], rtol=1e-9)
    assert d.snap is not None
    on = d.cell_method[d.cell] == STREETS
    # spread points lie in (or on the edge of) their own cell, on their edge at their offset
    plane_cells = shapely.transform(
        np.array([c.geometry for c in cells]),
        lambda xy: np.column_stack(_TO.transform(xy[:, 0], xy[:, 1])),
    )
    pts = shapely.points(d.x[on], d.y[on])
    assert (shapely.distance(plane_cells[d.cell[on]], pts) < 1e-6).all()
    frac = d.snap.offset_m[on] / net.edge_length_m[d.snap.edge[on]]
    at = shapely.line_interpolate_point(net.edge_lines[d.snap.edge[on]], frac, normalized=True)
    assert (shapely.distance(at, pts) < 1e-6).all()
    assert (d.snap.snap_m[on] == 0).all()
    # the street length behind each cell's point count is the exact clipped length
    length = street_length_inside(net, plane_cells)
    ref = np.array(
        [shapely.length(shapely.intersection(net.edge_lines, p)).sum() for p in plane_cells]
    )
    np.testing.assert_allclose(length, ref, atol=1e-6)
    k = np.bincount(d.cell[on], minlength=len(cells))
    spread = d.cell_method == STREETS
    want = np.clip(np.ceil(length[spread] / 30 * (1 - 1e-9)), 1, 12).astype(int)
    np.testing.assert_array_equal(k[spread], want)
    assert (length[d.cell_method == CENTROID] == 0).all()


# -- the real Ube network ------------------------------------------------------------------------
def test_ube_clipping_matches_geos_on_awkward_cells(real_data: Path) -> None:
    net = build_from_lines(real_data / "ube" / "walk_edges_osm.geojson", EPSG)
    rng = np.random.default_rng(3)
    cx = rng.uniform(net.node_x.min(), net.node_x.max(), 120)
    cy = rng.uniform(net.node_y.min(), net.node_y.max(), 120)
    angle = np.linspace(0, 2 * np.pi, 23)[:-1]
    radius = np.where(np.arange(22) % 2, 300, 700)
    polys = []
    for i, (x, y) in enumerate(zip(cx, cy, strict=True)):
        if i % 3 == 0:
            polys.append(shapely.box(x, y, x + 500, y + 400))
        elif i % 3 == 1:  # a star with a hole
            ring = np.column_stack([x + radius * np.cos(angle), y + radius * np.sin(angle)])
            hole = shapely.Point(x, y).buffer(150).exterior.coords[::-1]
            polys.append(shapely.Polygon(ring, [hole]))
        else:
            polys.append(
                shapely.MultiPolygon([shapely.box(x, y, x + 300, y + 300),
                                      shapely.box(x + 400, y, x + 700, y + 250)])
            )  # fmt: skip
    arr = np.array(polys, dtype=object)
    got = street_length_inside(net, arr)
    ref = np.array([shapely.length(shapely.intersection(
        net.edge_lines[net.edge_tree.query(p)], p)).sum() for p in polys])  # fmt: skip
    np.testing.assert_allclose(got, ref, atol=1e-6)
    assert ref.sum() > 100_000  # the cells do hold streets
