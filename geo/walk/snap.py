"""Snap points to the nearest point on a street edge (not the nearest node).

A gathering place 40 m down a long block is reached along that block, not from the nearest
junction; snapping to the edge keeps that. The straight snap distance counts as walking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

from geo.japan.crs import plane_transformer
from geo.walk.network import WalkNetwork

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Snap:
    """Where each point meets the network; arrays of length k, one entry per input point.

    Attributes
    ----------
    edge : int64
        Edge index, -1 when the point was not snapped (no edge within ``max_distance_m``).
    offset_m : float64
        Distance along the edge from its ``u`` end, metres (scaled to the geodesic length).
    to_u_m, to_v_m : float64
        Along-edge distance to the ``u`` and ``v`` ends, metres; ``to_u_m + to_v_m`` is the
        edge length.
    snap_m : float64
        Straight (geodesic) distance from the point to the snapped point, metres.
    x, y : float64
        Snapped point in the network's plane CRS, metres.
    """

    edge: NDArray[np.int64]
    offset_m: NDArray[np.float64]
    to_u_m: NDArray[np.float64]
    to_v_m: NDArray[np.float64]
    snap_m: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.edge.size)

    @property
    def valid(self) -> NDArray[np.bool_]:
        """Mask of the points that found an edge."""
        return self.edge >= 0

    def take(self, index: ArrayLike) -> Snap:
        """The snaps of the points at ``index`` (e.g. the places of one category)."""
        i = np.asarray(index, dtype=np.int64)
        return Snap(*(getattr(self, f.name)[i] for f in fields(self)))

    @classmethod
    def on_edges(
        cls,
        net: WalkNetwork,
        edge: ArrayLike,
        fraction: ArrayLike,
        snap_m: ArrayLike | float = 0.0,
    ) -> Snap:
        """Points placed directly on edges at a fraction (0 = ``u``, 1 = ``v``) of their length.

        For tests and synthetic sources; the plane position is interpolated on the edge shape.
        """
        e = np.asarray(edge, dtype=np.int64)
        frac = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0)
        pts = shapely.line_interpolate_point(net.edge_lines[e], frac, normalized=True)
        snap = np.broadcast_to(np.asarray(snap_m, dtype=np.float64), e.shape).copy()
        return cls.at(net, e, frac, shapely.get_x(pts), shapely.get_y(pts), snap)

    @classmethod
    def at(
        cls,
        net: WalkNetwork,
        edge: NDArray[np.int64],
        fraction: NDArray[np.float64],
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        snap_m: NDArray[np.float64] | None = None,
    ) -> Snap:
        """Points at ``fraction`` of their edges' lengths whose plane position is known already
        (a point on a street: snap distance zero unless given)."""
        length = net.edge_length_m[edge]
        off = fraction * length
        snap = np.zeros(edge.size) if snap_m is None else snap_m
        return cls(edge, off, off.copy(), length - off, snap, x, y)

    @classmethod
    def unsnapped(cls, k: int) -> Snap:
        """``k`` points that met no edge: edge -1, distances ``inf``, no plane position."""
        inf = np.full(k, np.inf)
        nan = np.full(k, np.nan)
        return cls(np.full(k, -1, dtype=np.int64), inf, inf.copy(), inf.copy(), inf.copy(),
                   nan, nan.copy())  # fmt: skip

    @classmethod
    def concat(cls, snaps: Sequence[Snap]) -> Snap:
        """The snaps of several point sets, one after the other."""
        if not snaps:
            return cls.unsnapped(0)
        return cls(*(np.concatenate([getattr(s, f.name) for s in snaps]) for f in fields(cls)))


def snap_points(
    net: WalkNetwork,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    max_distance_m: float | None = None,
) -> Snap:
    """Snap WGS84 points to the nearest point on any edge of ``net``.

    Parameters
    ----------
    net
        The network; its STRtree (plane CRS) is built on first use and kept.
    lon, lat
        Degrees, equal-length arrays.
    max_distance_m
        Leave points farther than this (plane metres) from every edge unsnapped (``edge=-1``,
        distances ``inf``). ``None`` snaps every point however far.

    Returns
    -------
    Snap
        Offsets are measured in the plane and scaled to the edge's geodesic length, so along-edge
        distances add up exactly with ``edge_length_m``; ``snap_m`` is geodesic.
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    out = Snap.unsnapped(lon_a.size)
    if lon_a.size == 0 or net.n_edges == 0:
        return out
    to_plane = plane_transformer(net.epsg)
    px, py = to_plane.transform(lon_a, lat_a)
    points = shapely.points(px, py)
    idx = net.edge_tree.query_nearest(points, max_distance=max_distance_m, all_matches=False)
    which, edge = idx[0], idx[1].astype(np.int64)
    lines = net.edge_lines[edge]
    along = shapely.line_locate_point(lines, points[which])
    plane_len = shapely.length(lines)
    frac = np.divide(along, plane_len, out=np.zeros_like(along), where=plane_len > 0)
    frac = np.clip(frac, 0.0, 1.0)
    length = net.edge_length_m[edge]
    snapped = shapely.line_interpolate_point(lines, along)
    sx, sy = shapely.get_x(snapped), shapely.get_y(snapped)
    slon, slat = to_plane.transform(sx, sy, direction="INVERSE")
    _, _, dist = _GEOD.inv(lon_a[which], lat_a[which], slon, slat)
    out.edge[which] = edge
    out.offset_m[which] = frac * length
    out.to_u_m[which] = frac * length
    out.to_v_m[which] = length - frac * length
    out.snap_m[which] = np.asarray(dist, dtype=np.float64)
    out.x[which], out.y[which] = sx, sy
    return out


@dataclass(frozen=True)
class KnownSnaps:
    """Snaps already made on one network, looked up by the exact point (WGS84 lon, lat).

    Why: snapping needs the network's STRtree, and building its 190,000 line geometries is
    the largest part of a cold start once the rest is prepared. Snapping is a function of the
    point, the network and ``max_distance_m`` alone, point by point, so snaps kept with the
    network (geo.analysis.prepared) answer for every point seen then; only points never seen
    (a place added or moved since) are snapped, and the tree built, now.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    snap: Snap
    max_distance_m: float | None = None

    def snap_points(
        self,
        net: WalkNetwork,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        max_distance_m: float | None = None,
    ) -> Snap:
        """:func:`snap_points`, the same answers, from the kept snaps where the point is known."""
        lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        if max_distance_m != self.max_distance_m:
            return snap_points(net, lon_a, lat_a, max_distance_m=max_distance_m)
        index = {xy: i for i, xy in enumerate(zip(self.lon.tolist(), self.lat.tolist(),
                                                   strict=True))}  # fmt: skip
        found = np.array(
            [index.get(xy, -1) for xy in zip(lon_a.tolist(), lat_a.tolist(), strict=True)],
            dtype=np.int64,
        ).reshape(lon_a.size)
        out = self.snap.take(np.maximum(found, 0)) if len(self.snap) else Snap.unsnapped(found.size)
        new = np.flatnonzero(found < 0)
        if new.size:
            fresh = snap_points(net, lon_a[new], lat_a[new], max_distance_m=max_distance_m)
            for f in fields(Snap):
                getattr(out, f.name)[new] = getattr(fresh, f.name)
        return out
