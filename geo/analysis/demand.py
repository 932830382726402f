"""Where a population cell's people are: weighted demand points on the streets.

Method (quoted in the README)
-----------------------------
A mesh cell or 町丁目 polygon does not put all its people at its centre. Its residents are
spread **evenly along the length of street that lies inside the cell**: the walking-network
edges are clipped to the cell, and the cell's people are split into ``k`` equal shares placed
at equal steps of street length along those pieces (the midpoint rule:
the ``i``-th share sits at ``(i + 0.5) / k`` of the cell's street length), with
``k = ceil(street length / spacing_m)``, at least 1 and at most ``max_points``. A cell with
more street therefore gets more points, and each point sits on a street, so its snap distance
is zero. Where the people live is thus weighted by street length: a block with twice the
frontage holds twice the people.

- A 町丁目 given as a **point** stays one point, snapped to the nearest point on a street; the
  straight snap distance counts as walking.
- A cell with **no street inside** keeps its people at its **centroid**, snapped the same
  way, and its method says ``"centroid"`` so the answer can report it.
- Without a walking network (straight-line method) a polygon's people are spread evenly
  over its **area** on a lattice of at most ``max_points`` points inside it.
- Cells with nobody in them (total, 65+ and 75+ all zero) get no points.

Everything is in a plane-rectangular CRS (metres): the network's, or the ``epsg`` given without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.japan.crs import coords_fn, plane_transformer
from geo.model import PopulationCell
from geo.walk.arrays import run_positions
from geo.walk.network import WalkNetwork
from geo.walk.snap import Snap, snap_points

STREETS = "streets"  # spread along the streets inside the cell
POINT = "point"  # a point cell (町丁目 point), snapped
CENTROID = "centroid"  # a polygon with no street inside: its centroid, snapped
AREA = "area"  # no network: spread over the polygon's area
EMPTY = "empty"  # nobody lives there: no points
MISSING = "missing"  # no usable geometry: no points

DEFAULT_SPACING_M = 50.0  # one point per 50 m of street: a minute's walk at 3 km/h
DEFAULT_MAX_POINTS = 32  # a 500 m mesh holds ~10 km of street: one point per ~300 m
AGES = (65, 75)


@dataclass(frozen=True)
class Demand:
    """Population as weighted points, each tied to the cell it came from.

    Attributes
    ----------
    epsg : int
        Plane CRS of ``x``/``y`` and ``cell_x``/``cell_y`` (metres).
    cell : (p,) int64
        Index of each point's cell (into the ``cell_*`` arrays).
    x, y : (p,) float64
        Where the point's people are counted, plane metres (on a street for spread cells; the
        cell's own point or centroid otherwise).
    total, age65, age75 : (p,) float64
        People at the point (shares of the cell's counts).
    snap : Snap | None
        Each point's place on the network (``snap_m`` zero for points on streets); ``None``
        when built without a network.
    cell_id, cell_code : (c,) str
        :class:`~geo.model.PopulationCell` ``id`` and ``code``.
    cell_method : (c,) str
        How each cell was placed: ``streets``, ``point``, ``centroid``, ``area``, ``empty``
        or ``missing``.
    cell_x, cell_y : (c,) float64
        A representative point of each cell (the point, or the centroid), plane metres.
    cell_total, cell_age65, cell_age75 : (c,) float64
        The cell's counts as given.
    spacing_m : float
        Street length per point, metres.
    """

    epsg: int
    cell: NDArray[np.int64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    total: NDArray[np.float64]
    age65: NDArray[np.float64]
    age75: NDArray[np.float64]
    snap: Snap | None
    cell_id: NDArray[np.str_]
    cell_code: NDArray[np.str_]
    cell_method: NDArray[np.str_]
    cell_x: NDArray[np.float64]
    cell_y: NDArray[np.float64]
    cell_total: NDArray[np.float64]
    cell_age65: NDArray[np.float64]
    cell_age75: NDArray[np.float64]
    spacing_m: float = DEFAULT_SPACING_M

    def __len__(self) -> int:
        return int(self.cell.size)

    @property
    def n_cells(self) -> int:
        return int(self.cell_id.size)

    def older(self, age: int) -> NDArray[np.float64]:
        """People aged ``age`` (65 or 75) and over at each point."""
        return _by_age(age, self.age65, self.age75)

    def cell_older(self, age: int) -> NDArray[np.float64]:
        """People aged ``age`` (65 or 75) and over in each cell, as given."""
        return _by_age(age, self.cell_age65, self.cell_age75)

    def method_counts(self) -> dict[str, int]:
        """How many cells were placed by each method (for the answer's notes)."""
        values, counts = np.unique(self.cell_method, return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}

    def notes(self) -> list[str]:
        """Plain sentences on the cells that could not be spread over streets."""
        counts = self.method_counts()
        out = []
        if counts.get(CENTROID):
            out.append(
                f"{counts[CENTROID]} cell(s) have no street inside: their people are counted at "
                "the cell's centroid, snapped to the nearest street."
            )
        if counts.get(MISSING):
            out.append(f"{counts[MISSING]} cell(s) have no usable geometry and are left out.")
        if self.snap is not None:
            lost = int((~self.snap.valid).sum())
            if lost:
                out.append(f"{lost} demand point(s) are too far from any street to be reached.")
        return out


def _by_age(
    age: int, age65: NDArray[np.float64], age75: NDArray[np.float64]
) -> NDArray[np.float64]:
    if age == 65:
        return age65
    if age == 75:
        return age75
    raise ValueError(f"age must be 65 or 75, not {age!r}")


def spread_population(
    cells: Sequence[PopulationCell],
    net: WalkNetwork | None,
    *,
    epsg: int | None = None,
    spacing_m: float = DEFAULT_SPACING_M,
    max_points: int = DEFAULT_MAX_POINTS,
    max_snap_m: float | None = None,
) -> Demand:
    """Turn population cells into weighted demand points (see the module docstring).

    Parameters
    ----------
    cells
        Population cells with WGS84 geometry (Polygon/MultiPolygon or Point).
    net
        The walking network, or ``None`` for the straight-line method.
    epsg
        Plane CRS when there is no network (with a network its own CRS is used).
    spacing_m
        Street length (metres) per demand point; also the lattice step without a network.
    max_points
        At most this many points per cell (keeps queries fast for large rural cells).
    max_snap_m
        Point and centroid cells farther than this (metres) from every street stay unsnapped
        and count as unreachable; ``None`` snaps however far.
    """
    if spacing_m <= 0 or max_points < 1:
        raise ValueError("spacing_m must be positive and max_points at least 1")
    crs = net.epsg if net is not None else epsg
    if crs is None:
        raise ValueError("give epsg (the city's plane CRS) when there is no network")
    c = len(cells)
    tr = plane_transformer(crs)
    geoms = np.array([cell.geometry for cell in cells], dtype=object)
    total = np.array([cell.total for cell in cells], dtype=np.float64).reshape(c)
    age65 = np.array([cell.age65 for cell in cells], dtype=np.float64).reshape(c)
    age75 = np.array([cell.age75 for cell in cells], dtype=np.float64).reshape(c)
    plane = shapely.transform(geoms, coords_fn(tr.transform)) if c else geoms
    types = shapely.get_type_id(plane) if c else np.zeros(0, dtype=np.int64)
    missing = shapely.is_missing(plane) | shapely.is_empty(plane) if c else np.zeros(0, bool)
    is_point = (types == shapely.GeometryType.POINT) & ~missing
    is_poly = (
        (types == shapely.GeometryType.POLYGON) | (types == shapely.GeometryType.MULTIPOLYGON)
    ) & ~missing
    empty = (total <= 0) & (age65 <= 0) & (age75 <= 0)

    method = np.full(c, MISSING, dtype=object)
    method[is_point] = POINT
    method[is_poly] = STREETS if net is not None else AREA
    rep = np.full((c, 2), np.nan)
    ok = is_point | is_poly
    if ok.any():
        cen = shapely.centroid(plane[ok])
        rep[ok, 0], rep[ok, 1] = shapely.get_x(cen), shapely.get_y(cen)
    method[empty & ok] = EMPTY

    pieces: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]] = []
    snaps: list[Snap] = []
    spread = np.flatnonzero(method == STREETS)
    if spread.size:
        assert net is not None
        cell_of, xs, ys, snap, bare = _along_streets(net, plane[spread], spacing_m, max_points)
        method[spread[bare]] = CENTROID
        pieces.append((spread[cell_of], xs, ys))
        snaps.append(snap)
    on_area = np.flatnonzero(method == AREA)
    if on_area.size:
        cell_of, xs, ys = _over_area(plane[on_area], spacing_m, max_points)
        pieces.append((on_area[cell_of], xs, ys))
    single = np.flatnonzero((method == POINT) | (method == CENTROID))
    if single.size:
        xs, ys = rep[single, 0], rep[single, 1]
        pieces.append((single, xs, ys))
        if net is not None:
            lon, lat = tr.transform(xs, ys, direction="INVERSE")
            snaps.append(snap_points(net, lon, lat, max_distance_m=max_snap_m))

    if pieces:
        cell = np.concatenate([p[0] for p in pieces]).astype(np.int64)
        x = np.concatenate([p[1] for p in pieces])
        y = np.concatenate([p[2] for p in pieces])
    else:
        cell, x, y = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    share = 1.0 / np.maximum(np.bincount(cell, minlength=c), 1)[cell]
    demand_snap = Snap.concat(snaps) if net is not None else None
    return Demand(
        epsg=int(crs),
        cell=cell,
        x=x,
        y=y,
        total=total[cell] * share,
        age65=age65[cell] * share,
        age75=age75[cell] * share,
        snap=demand_snap,
        cell_id=np.array([cell_.id for cell_ in cells], dtype=str).reshape(c),
        cell_code=np.array([cell_.code for cell_ in cells], dtype=str).reshape(c),
        cell_method=method.astype(str),
        cell_x=rep[:, 0].copy(),
        cell_y=rep[:, 1].copy(),
        cell_total=total,
        cell_age65=age65,
        cell_age75=age75,
        spacing_m=float(spacing_m),
    )


def _along_streets(
    net: WalkNetwork, polys: NDArray[np.object_], spacing_m: float, max_points: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], Snap, NDArray[np.bool_]]:
    """Points at equal steps of street length inside each polygon (midpoint rule).

    Returns the polygon index of each point, its plane position, its on-edge :class:`Snap`
    (snap distance zero) and a mask of the polygons with no street inside.
    """
    streets = _StreetAxis(net)
    piece_poly, piece_edge, g0, g1 = _street_pieces(net, streets, polys)
    plen = g1 - g0
    n_poly = polys.size
    street = np.bincount(piece_poly, weights=plen, minlength=n_poly)
    bare = street <= 0
    # ceil(length / spacing), forgiving the last bits of rounding on an exact multiple
    k = np.ceil(street / spacing_m * (1 - 1e-9))
    k = np.where(bare, 0, np.clip(k, 1, max_points)).astype(np.int64)
    cum_end = np.cumsum(plen)
    poly_start = np.concatenate([[0.0], np.cumsum(street)[:-1]])  # pieces sorted by polygon
    which = np.repeat(np.arange(n_poly), k)
    step = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    pos = poly_start[which] + (step + 0.5) * street[which] / np.maximum(k[which], 1)
    first = np.searchsorted(piece_poly, which, side="left")
    last = np.searchsorted(piece_poly, which, side="right") - 1
    idx = np.clip(np.searchsorted(cum_end, pos, side="right"), first, last)
    g = g0[idx] + np.clip(pos - (cum_end[idx] - plen[idx]), 0.0, plen[idx])
    edge = piece_edge[idx]
    xs, ys, frac = streets.locate(edge, g)
    return which.astype(np.int64), xs, ys, Snap.at(net, edge, frac, xs, ys), bare


def street_length_inside(net: WalkNetwork, polygons: NDArray[np.object_]) -> NDArray[np.float64]:
    """Street length (plane metres) inside each polygon, given in the network's plane CRS.

    The same exact clipping :func:`spread_population` spreads people with; a street along a
    boundary counts for both sides, as a shapely/GEOS intersection would.
    """
    polys = np.asarray(polygons, dtype=object)
    pp, _, g0, g1 = _street_pieces(net, _StreetAxis(net), polys)
    return np.bincount(pp, g1 - g0, minlength=polys.size).astype(np.float64)


class _StreetAxis:
    """One coordinate along all edge shapes laid end to end (plane metres).

    Vertex ``j`` sits at ``g[j]``; edge ``e`` spans ``g[offsets[e]]`` to ``g[offsets[e+1]-1]``.
    A street piece is then just an interval of ``g``, which keeps clipping and sampling in
    numpy instead of per-geometry shapely calls.
    """

    def __init__(self, net: WalkNetwork) -> None:
        xy = net.edge_xy
        off = net.edge_offsets
        step = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1])) if xy.shape[0] > 1 else np.zeros(0)
        starts = off[1:-1]  # the step from one edge's last vertex to the next edge's first
        step[starts[starts > 0] - 1] = 0.0
        self.g = np.concatenate([[0.0], np.cumsum(step)])
        self.seg_len = np.concatenate([step, [0.0]])  # from vertex j to j + 1 (0 at edge ends)
        self.xy = xy
        self.off = off
        self.edge_g0 = self.g[off[:-1]]
        self.edge_g1 = self.g[off[1:] - 1]

    def locate(
        self, edge: NDArray[np.int64], g: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Plane x, y and the fraction of the edge's length at axis positions on given edges."""
        j = np.searchsorted(self.g, g, side="right") - 1
        j = np.clip(j, self.off[edge], self.off[edge + 1] - 2)
        seg = self.seg_len[j]
        t = np.clip(np.divide(g - self.g[j], seg, out=np.zeros_like(g), where=seg > 0), 0, 1)
        x = self.xy[j, 0] + t * (self.xy[j + 1, 0] - self.xy[j, 0])
        y = self.xy[j, 1] + t * (self.xy[j + 1, 1] - self.xy[j, 1])
        span = self.edge_g1[edge] - self.edge_g0[edge]
        along = g - self.edge_g0[edge]
        frac = np.clip(np.divide(along, span, out=np.zeros_like(g), where=span > 0), 0, 1)
        return x, y, frac


def _street_pieces(
    net: WalkNetwork, axis: _StreetAxis, polys: NDArray[np.object_]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The street inside each polygon as axis intervals ``(polygon, edge, g0, g1)``.

    Exact clipping, vectorised: edges wholly inside come whole; every other edge segment is
    cut where it crosses the polygon's rings (found through an STRtree of ring segments) and
    each sub-interval is kept when its midpoint is in the closed polygon, so a street drawn
    along a boundary counts for the cells on both sides, as an overlay would count it.
    Sorted by polygon, then along the axis.
    """
    shapely.prepare(polys)
    hit_poly, hit_edge = net.edge_tree.query(polys, predicate="intersects")
    hit_edge = hit_edge.astype(np.int64)
    whole = shapely.contains_properly(polys[hit_poly], net.edge_lines[hit_edge])
    out_p = [hit_poly[whole]]
    out_e = [hit_edge[whole]]
    out_0 = [axis.edge_g0[hit_edge[whole]]]
    out_1 = [axis.edge_g1[hit_edge[whole]]]

    cut_p, cut_e = hit_poly[~whole], hit_edge[~whole]
    nseg = axis.off[cut_e + 1] - axis.off[cut_e] - 1
    s_poly = np.repeat(cut_p, nseg)
    s_edge = np.repeat(cut_e, nseg)
    j = np.repeat(axis.off[cut_e], nseg) + run_positions(nseg)
    keep = axis.seg_len[j] > 0
    s_poly, s_edge, j = s_poly[keep], s_edge[keep], j[keep]
    if j.size:
        p0, p1 = axis.xy[j], axis.xy[j + 1]
        # ring segments of every polygon, and which of them each street segment may cross
        parts, part_poly = shapely.get_parts(polys, return_index=True)  # MultiPolygon parts
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_poly = part_poly[ring_part]
        rc, ring_of = shapely.get_coordinates(rings, return_index=True)
        r = np.flatnonzero(ring_of[:-1] == ring_of[1:])
        q0, q1, r_poly = rc[r], rc[r + 1], ring_poly[ring_of[r]]
        ring_tree = shapely.STRtree(shapely.linestrings(np.stack([q0, q1], axis=1)))
        seg_lines = shapely.linestrings(np.stack([p0, p1], axis=1))
        a, b = ring_tree.query(seg_lines)  # bounding boxes only; exact test below
        same = r_poly[b] == s_poly[a]
        a, b = a[same], b[same]
        d, e = p1[a] - p0[a], q1[b] - q0[b]
        w = q0[b] - p0[a]
        den = d[:, 0] * e[:, 1] - d[:, 1] * e[:, 0]
        ok = den != 0
        safe = np.where(ok, den, 1.0)
        t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / safe
        u = (w[:, 0] * d[:, 1] - w[:, 1] * d[:, 0]) / safe
        ok &= (t > 0) & (t < 1) & (u >= 0) & (u <= 1)
        # breakpoints per segment: its two ends and every crossing, in order along it
        n = j.size
        bp_seg = np.concatenate([np.arange(n), np.arange(n), a[ok]])
        bp_t = np.concatenate([np.zeros(n), np.ones(n), t[ok]])
        order = np.lexsort((bp_t, bp_seg))
        bp_seg, bp_t = bp_seg[order], bp_t[order]
        nxt = np.flatnonzero(bp_seg[:-1] == bp_seg[1:])
        sub, t0, t1 = bp_seg[nxt], bp_t[nxt], bp_t[nxt + 1]
        long = t1 > t0
        sub, t0, t1 = sub[long], t0[long], t1[long]
        tm = 0.5 * (t0 + t1)
        mx = p0[sub, 0] + tm * (p1[sub, 0] - p0[sub, 0])
        my = p0[sub, 1] + tm * (p1[sub, 1] - p0[sub, 1])
        inside = shapely.intersects_xy(polys[s_poly[sub]], mx, my)
        sub, t0, t1 = sub[inside], t0[inside], t1[inside]
        base, span = axis.g[j[sub]], axis.seg_len[j[sub]]
        out_p.append(s_poly[sub])
        out_e.append(s_edge[sub])
        out_0.append(base + t0 * span)
        out_1.append(base + t1 * span)
    pp, pe = np.concatenate(out_p), np.concatenate(out_e)
    g0, g1 = np.concatenate(out_0), np.concatenate(out_1)
    order = np.lexsort((g0, pp))
    return pp[order].astype(np.int64), pe[order], g0[order], g1[order]


def _over_area(
    polys: NDArray[np.object_], spacing_m: float, max_points: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """A lattice of points inside each polygon (cell centres of an even grid over its bounds).

    Polygons the lattice misses (thin slivers) get their centroid.
    """
    side_max = max(1, int(np.sqrt(max_points)))
    b = shapely.bounds(polys)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    nx = np.clip(np.ceil(w / spacing_m * (1 - 1e-9)), 1, side_max).astype(np.int64)
    ny = np.clip(np.ceil(h / spacing_m * (1 - 1e-9)), 1, side_max).astype(np.int64)
    count = nx * ny
    which = np.repeat(np.arange(polys.size), count)
    j = run_positions(count)
    ix, iy = j % nx[which], j // nx[which]
    px = b[which, 0] + (ix + 0.5) * w[which] / nx[which]
    py = b[which, 1] + (iy + 0.5) * h[which] / ny[which]
    hit = shapely.contains_xy(polys[which], px, py)
    which, px, py = which[hit], px[hit], py[hit]
    none = np.setdiff1d(np.arange(polys.size), which)
    if none.size:
        cen = shapely.centroid(polys[none])
        which = np.concatenate([which, none])
        px = np.concatenate([px, shapely.get_x(cen)])
        py = np.concatenate([py, shapely.get_y(cen)])
    return which.astype(np.int64), px, py

