"""Snap points to the nearest point on a street edge (not the nearest node).

A gathering place 40 m down a long block is reached along that block, not from the nearest
junction; snapping to the edge keeps that. The straight snap distance counts as walking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

from geo.walk.network import WalkNetwork, plane_transformer

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
        return Snap(
            self.edge[i], self.offset_m[i], self.to_u_m[i], self.to_v_m[i], self.snap_m[i],
            self.x[i], self.y[i],
        )  # fmt: skip

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
        length = net.edge_length_m[e]
        off = frac * length
        pts = shapely.line_interpolate_point(net.edge_lines[e], frac, normalized=True)
        return cls(
            edge=e,
            offset_m=off,
            to_u_m=off,
            to_v_m=length - off,
            snap_m=np.broadcast_to(np.asarray(snap_m, dtype=np.float64), e.shape).copy(),
            x=shapely.get_x(pts),
            y=shapely.get_y(pts),
        )


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
    k = lon_a.size
    out_edge = np.full(k, -1, dtype=np.int64)
    inf = np.full(k, np.inf)
    out_off, out_u, out_v, out_snap = inf.copy(), inf.copy(), inf.copy(), inf.copy()
    out_x, out_y = np.full(k, np.nan), np.full(k, np.nan)
    if k == 0 or net.n_edges == 0:
        return Snap(out_edge, out_off, out_u, out_v, out_snap, out_x, out_y)
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
    out_edge[which] = edge
    out_off[which] = frac * length
    out_u[which] = frac * length
    out_v[which] = length - frac * length
    out_snap[which] = np.asarray(dist, dtype=np.float64)
    out_x[which], out_y[which] = sx, sy
    return Snap(out_edge, out_off, out_u, out_v, out_snap, out_x, out_y)
