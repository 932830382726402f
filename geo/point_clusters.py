"""Points gathered into clusters on a Web-Mercator pixel grid, one grid per zoom.

A map of 20,000 places cannot send every place to the page: it asks for what it shows. Each
zoom has its own grid of square cells ``CELL_PX`` screen pixels wide, in the pixel space of the
Web-Mercator tiles a Leaflet map draws (256 px tiles, ``256 · 2^zoom`` px around the world), so
a cell is the same size on screen at every zoom and every latitude. A cell holding more than
``FEW`` points is one cluster (its count, the centroid of its points, their bounding box and
counts per category); the points of a cell with ``FEW`` or fewer are given one by one.

The grid is fixed to the world, not to the view: the same point falls in the same cell whatever
bbox is asked for, and a bbox is widened to whole cells (:func:`cell_window`) so a cluster on the
edge of the view counts all its points. Nothing depends on the order the points come in, so both
stores give the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

TILE_PX = 256
CELL_PX = 64  # a cluster's cell on screen: about a fingertip and a half
FEW = 3  # a cell with this many points or fewer sends them one by one
MAX_ZOOM = 22
MAX_LAT = 85.05112878  # Web Mercator's edge


def _world_px(zoom: int) -> float:
    return TILE_PX * 2.0**zoom


def to_pixels(
    lons: NDArray[np.float64], lats: NDArray[np.float64], zoom: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Web-Mercator pixel coordinates at a zoom (x east, y south, from the world's top left)."""
    size = _world_px(zoom)
    lat = np.radians(np.clip(lats, -MAX_LAT, MAX_LAT))
    x = (np.asarray(lons, dtype=float) + 180.0) / 360.0 * size
    y = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0 * size
    return x, y


def _lon_of(x: float, zoom: int) -> float:
    return x / _world_px(zoom) * 360.0 - 180.0


def _lat_of(y: float, zoom: int) -> float:
    n = math.pi - 2.0 * math.pi * y / _world_px(zoom)
    return math.degrees(math.atan(math.sinh(n)))


@dataclass(frozen=True)
class CellWindow:
    """The cells a bbox touches at a zoom (inclusive indices), and their bbox in degrees."""

    zoom: int
    x0: int
    y0: int
    x1: int
    y1: int

    def bbox(self) -> tuple[float, float, float, float]:
        """min lon, min lat, max lon, max lat of the whole cells, clipped to the world."""
        z = self.zoom
        return (
            max(-180.0, _lon_of(self.x0 * CELL_PX, z)),
            max(-MAX_LAT, _lat_of((self.y1 + 1) * CELL_PX, z)),
            min(180.0, _lon_of((self.x1 + 1) * CELL_PX, z)),
            min(MAX_LAT, _lat_of(self.y0 * CELL_PX, z)),
        )


def cell_window(bbox: tuple[float, float, float, float], zoom: int) -> CellWindow:
    """The whole cells a bbox (min lon, min lat, max lon, max lat) touches at a zoom."""
    minx, miny, maxx, maxy = bbox
    xs, ys = to_pixels(np.array([minx, maxx]), np.array([maxy, miny]), zoom)
    last = int(_world_px(zoom) // CELL_PX) - 1
    x0, x1 = (min(last, max(0, int(v // CELL_PX))) for v in xs)
    y0, y1 = (min(last, max(0, int(v // CELL_PX))) for v in ys)
    return CellWindow(zoom, x0, y0, x1, y1)


@dataclass(frozen=True)
class Cluster:
    """More than FEW points in one cell."""

    count: int
    lon: float  # the centroid of its points (degrees, 6 decimals)
    lat: float
    bbox: tuple[float, float, float, float]  # of its points
    categories: dict[str, int]  # slug → how many, slugs sorted


@dataclass(frozen=True)
class Gathered:
    """Clusters and the indices of the points given one by one (in input order)."""

    clusters: list[Cluster]
    singles: list[int]


def gather(
    lons: NDArray[np.float64],
    lats: NDArray[np.float64],
    categories: list[str],
    zoom: int,
    few: int = FEW,
) -> Gathered:
    """Group points by their cell at ``zoom``; clusters ordered by cell (north-west first)."""
    n = len(lons)
    if n == 0:
        return Gathered([], [])
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    x, y = to_pixels(lons, lats, zoom)
    cx = np.floor(x / CELL_PX).astype(np.int64)
    cy = np.floor(y / CELL_PX).astype(np.int64)
    key = cy * (int(_world_px(zoom) // CELL_PX) + 1) + cx
    order = np.lexsort((np.arange(n), key))  # by cell, then input order: stable and total
    sorted_keys = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], n]
    clusters: list[Cluster] = []
    singles: list[int] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        members = order[s:e]
        if e - s <= few:
            singles.extend(members.tolist())
            continue
        # the centroid summed in a fixed order (by coordinate), so it never depends on the
        # order the store gave the rows in
        mx, my = lons[members], lats[members]
        counts: dict[str, int] = {}
        for i in members.tolist():
            counts[categories[i]] = counts.get(categories[i], 0) + 1
        clusters.append(
            Cluster(
                count=int(e - s),
                lon=round(float(np.sort(mx).sum() / len(mx)), 6),
                lat=round(float(np.sort(my).sum() / len(my)), 6),
                bbox=(float(mx.min()), float(my.min()), float(mx.max()), float(my.max())),
                categories=dict(sorted(counts.items())),
            )
        )
    return Gathered(clusters, sorted(singles))
