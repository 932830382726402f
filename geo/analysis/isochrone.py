"""Isochrones: the area reachable on foot in N minutes, built from the streets actually reached.

One bounded Dijkstra pass from the origin (snapped to the nearest point on a street; the snap
counts as walking) gives every node's walking distance. Each edge is then reached from its
ends as far as the remaining budget allows — a partly reached edge is cut at exactly that
length — and the reached street pieces are buffered by ``buffer_m`` (the houses along them)
and merged. Small enclosed holes (block interiors) are filled. The polygon is never a convex
hull: two banks of a river with no bridge within reach stay apart, because the far bank's
streets are never reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypedDict, Unpack

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.analysis.params import DEFAULT_MINUTES, DEFAULT_SPEED_KMH, threshold_m
from geo.japan.crs import plane_transformer, unproject_geometry
from geo.model import Place
from geo.walk.arrays import F64, I64, run_positions, run_starts
from geo.walk.network import WalkNetwork
from geo.walk.shortest import multi_source
from geo.walk.snap import Snap, snap_points

DEFAULT_BUFFER_M = 25.0  # about one house lot either side of the street
DEFAULT_FILL_HOLES_M2 = 10_000.0  # fill enclosed holes up to 1 ha (a block's interior)


@dataclass(frozen=True)
class Isochrone:
    """The reachable area from one origin.

    Attributes
    ----------
    minutes, speed_kmh, distance_m : float
        The budget: ``distance_m = minutes × speed`` metres.
    epsg : int
        Plane CRS of ``polygon`` and ``streets`` (metres).
    polygon : BaseGeometry
        Polygon or MultiPolygon in the plane CRS; empty when nothing is reached.
    streets : BaseGeometry
        The reached street pieces (MultiLineString, plane CRS), partly reached edges cut.
    reached_length_m : float
        Total length of the reached street, metres (along the network's edge lengths).
    snap_m : float
        Straight distance from the origin to its street, metres (``inf`` if not snapped).
    method : str
        Always ``network``: without a network there is no isochrone to draw.
    notes : tuple[str, ...]
    """

    minutes: float
    speed_kmh: float
    distance_m: float
    epsg: int
    polygon: BaseGeometry
    streets: BaseGeometry
    reached_length_m: float
    snap_m: float
    method: str = "network"
    notes: tuple[str, ...] = field(default=())

    @property
    def polygon_wgs84(self) -> BaseGeometry:
        """The polygon in WGS84 (lon, lat), for GeoJSON."""
        return unproject_geometry(self.polygon, self.epsg)


def isochrone(
    net: WalkNetwork,
    lon: float,
    lat: float,
    *,
    minutes: float = DEFAULT_MINUTES,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    buffer_m: float = DEFAULT_BUFFER_M,
    fill_holes_m2: float = DEFAULT_FILL_HOLES_M2,
    max_snap_m: float | None = None,
) -> Isochrone:
    """The area reachable from a WGS84 point in ``minutes`` at ``speed_kmh``.

    Parameters
    ----------
    net
        The walking network.
    lon, lat
        Origin, degrees.
    minutes, speed_kmh
        Budget (default 10 min at 3 km/h = 500 m).
    buffer_m
        Half-width of the band drawn around reached streets, metres.
    fill_holes_m2
        Holes enclosed by reached streets up to this area (m²) are filled.
    max_snap_m
        Origins farther than this from every street reach nothing.
    """
    budget = threshold_m(minutes, speed_kmh)
    snap = snap_points(net, [lon], [lat], max_distance_m=max_snap_m)
    tr = plane_transformer(net.epsg)
    ox, oy = tr.transform(lon, lat)
    notes: list[str] = []
    empty = shapely.MultiPolygon()
    if not snap.valid[0] or snap.snap_m[0] > budget:
        notes.append("The origin is too far from any street to walk anywhere within the budget.")
        return Isochrone(
            float(minutes), float(speed_kmh), budget, net.epsg, empty,
            shapely.MultiLineString(), 0.0, float(snap.snap_m[0]), notes=tuple(notes),
        )  # fmt: skip
    e0 = int(snap.edge[0])
    if net.components[net.edge_u[e0]] != 0:
        notes.append(
            "The origin's nearest street is on a fragment not joined to the main network; "
            "only that fragment is reachable."
        )
    dist = multi_source(net, snap, limit_m=budget).dist_m
    edge, f0, f1 = reached_intervals(net, dist, budget, snap)
    pieces = edge_substrings(net, edge, f0, f1)
    connector = shapely.linestrings([[ox, oy], [float(snap.x[0]), float(snap.y[0])]])
    lines = np.concatenate([pieces, [connector]])
    lines = lines[shapely.length(lines) > 0]
    streets = shapely.multilinestrings(pieces) if pieces.size else shapely.MultiLineString()
    if lines.size:
        polygon = shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=4))
    else:  # standing on a street with nothing left to walk: the buffer around the origin
        polygon = shapely.buffer(shapely.points(ox, oy), buffer_m, quad_segs=4)
    polygon = fill_holes(polygon, fill_holes_m2)
    reached = float(((f1 - f0) * net.edge_length_m[edge]).sum())
    return Isochrone(
        float(minutes), float(speed_kmh), budget, net.epsg, polygon, streets, reached,
        float(snap.snap_m[0]), notes=tuple(notes),
    )  # fmt: skip


class IsochroneOptions(TypedDict, total=False):
    """The keyword arguments of :func:`isochrone`, for those who pass them on."""

    minutes: float
    speed_kmh: float
    buffer_m: float
    fill_holes_m2: float
    max_snap_m: float | None


def place_isochrone(
    net: WalkNetwork, place: Place, **options: Unpack[IsochroneOptions]
) -> Isochrone:
    """:func:`isochrone` from a place's location (noted when it is only known to 町丁目 level)."""
    iso = isochrone(net, place.lon, place.lat, **options)
    if place.location_precision == "town":
        note = "The place is located only to its 町丁目, so the area is approximate."
        return replace(iso, notes=(*iso.notes, note))
    return iso


def reached_intervals(
    net: WalkNetwork, dist: F64, budget: float, origin: Snap | None = None
) -> tuple[I64, F64, F64]:
    """The reached part of every edge as fractions ``[f0, f1]`` of its length (0 = ``u``).

    From ``u`` the walk gets ``budget - dist[u]`` metres along the edge, from ``v`` as much
    back from the other end; where the two meet the whole edge is reached. An origin lying on
    an edge reaches ``budget - snap`` metres either way along it. An edge may appear more
    than once (reached from both ends with an unreached middle); its intervals are disjoint.
    """
    length = net.edge_length_m
    du, dv = dist[net.edge_u], dist[net.edge_v]
    left = np.where(du <= budget, budget - du, -1.0)
    right = np.where(dv <= budget, budget - dv, -1.0)
    safe = np.where(length > 0, length, 1.0)
    a = np.where(length > 0, np.clip(left / safe, 0.0, 1.0), 1.0)
    b = np.where(length > 0, 1.0 - np.clip(right / safe, 0.0, 1.0), 0.0)
    from_u, from_v = left >= 0, right >= 0
    whole = from_u & from_v & (a >= b)
    only_u = from_u & ~whole
    only_v = from_v & ~whole
    edges = [np.flatnonzero(whole), np.flatnonzero(only_u), np.flatnonzero(only_v)]
    f0 = [np.zeros(edges[0].size), np.zeros(edges[1].size), b[edges[2]]]
    f1 = [np.ones(edges[0].size), a[edges[1]], np.ones(edges[2].size)]
    if origin is not None:
        ok = np.flatnonzero(origin.valid & (origin.snap_m <= budget))
        e = origin.edge[ok]
        r = budget - origin.snap_m[ok]
        ln = np.where(length[e] > 0, length[e], 1.0)
        edges.append(e)
        f0.append(np.clip((origin.offset_m[ok] - r) / ln, 0.0, 1.0))
        f1.append(np.clip((origin.offset_m[ok] + r) / ln, 0.0, 1.0))
    edge = np.concatenate(edges).astype(np.int64)
    lo, hi = np.concatenate(f0), np.concatenate(f1)
    keep = hi > lo
    return _merge(edge[keep], lo[keep], hi[keep])


def _merge(edge: I64, lo: F64, hi: F64) -> tuple[I64, F64, F64]:
    """Union of the intervals on each edge: disjoint, sorted, overlapping ones joined."""
    if edge.size == 0:
        return edge, lo, hi
    order = np.lexsort((lo, edge))
    edge, lo, hi = edge[order], lo[order], hi[order]
    new_edge = run_starts(edge)
    # running maximum of ``hi`` restarted at each edge (fractions lie in 0..1 < 2)
    reach = np.maximum.accumulate(hi + 2.0 * edge) - 2.0 * edge
    start = new_edge.copy()
    start[1:] |= lo[1:] > reach[:-1]
    first = np.flatnonzero(start)
    return edge[first], lo[first], np.maximum.reduceat(hi, first)


def edge_substrings(net: WalkNetwork, edge: I64, f0: F64, f1: F64) -> NDArray[np.object_]:
    """The part of each edge's shape between fractions ``f0`` and ``f1`` of its length.

    Fractions of the network length are taken as the same fractions of the plane shape.
    Vectorised over all pieces: the interior vertices of each piece are selected with one
    mask, the cut ends interpolated, and the lines built by one ``shapely.linestrings``.
    """
    if edge.size == 0:
        return np.zeros(0, dtype=object)
    whole = (f0 <= 0.0) & (f1 >= 1.0)
    out = np.empty(edge.size, dtype=object)
    out[whole] = net.edge_lines[edge[whole]]
    part = np.flatnonzero(~whole)
    if part.size:
        xy, off = net.edge_xy, net.edge_offsets
        e = edge[part]
        step = np.hypot(*np.diff(xy, axis=0).T) if xy.shape[0] > 1 else np.zeros(0)
        cum = np.concatenate([[0.0], np.cumsum(step)])  # along all shapes laid end to end
        start, stop = off[e], off[e + 1]
        base = cum[start]
        total = cum[stop - 1] - base
        s = base + f0[part] * total
        t = base + f1[part] * total
        counts = stop - start
        owner = np.repeat(np.arange(part.size), counts)
        vid = np.repeat(start, counts) + run_positions(counts)
        inner = (cum[vid] > s[owner]) & (cum[vid] < t[owner])
        sx, sy = _point_at(xy, cum, start, stop, s)
        tx, ty = _point_at(xy, cum, start, stop, t)
        piece = np.concatenate([np.arange(part.size), owner[inner], np.arange(part.size)])
        rank = np.concatenate([np.full(part.size, -1), vid[inner], np.full(part.size, 2**62)])
        px = np.concatenate([sx, xy[vid[inner], 0], tx])
        py = np.concatenate([sy, xy[vid[inner], 1], ty])
        order = np.lexsort((rank, piece))
        out[part] = shapely.linestrings(
            np.column_stack([px[order], py[order]]), indices=piece[order]
        )
    return out


def _point_at(xy: F64, cum: F64, start: I64, stop: I64, pos: F64) -> tuple[F64, F64]:
    """Plane point at axis position ``pos`` on the shape spanning vertices ``start:stop``."""
    j = np.clip(np.searchsorted(cum, pos, side="right") - 1, start, stop - 2)
    seg = cum[j + 1] - cum[j]
    frac = np.clip(np.divide(pos - cum[j], seg, out=np.zeros_like(pos), where=seg > 0), 0, 1)
    return (
        xy[j, 0] + frac * (xy[j + 1, 0] - xy[j, 0]),
        xy[j, 1] + frac * (xy[j + 1, 1] - xy[j, 1]),
    )


def fill_holes(geom: BaseGeometry, max_area_m2: float) -> BaseGeometry:
    """Fill interior rings smaller than ``max_area_m2`` (m²); larger ones stay open."""
    if geom.is_empty or max_area_m2 <= 0:
        return geom
    parts = shapely.get_parts(geom)
    filled = []
    for poly in parts:  # a handful of parts; each one's rings are filtered vectorised
        rings = np.asarray(poly.interiors, dtype=object) if len(poly.interiors) else None
        if rings is None:
            filled.append(poly)
            continue
        keep = shapely.area(shapely.polygons(rings)) > max_area_m2
        filled.append(shapely.Polygon(poly.exterior, [r.coords for r in rings[keep]]))
    return shapely.union_all(filled) if len(filled) > 1 else filled[0]
