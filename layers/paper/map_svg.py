"""The sheet's map as inline SVG: the area, its streets, numbered markers; no tiles, no script.

Drawn in the city's plane-rectangular zone (metres, north up), so distances on paper are true and
the scale bar is honest. One viewBox unit is 0.1 mm on paper, so markers and labels keep their
size whatever the map's: 118 × 72 mm, or 118 × 56 mm when that saves a page (``fit``).
Colours are presentation attributes, not style, so the pages' Content-Security-Policy (no inline
style) lets them through; every text put in is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.walk.network import WalkNetwork

WIDTH, HEIGHT = 1180, 720  # viewBox units: 0.1 mm each
COMPACT_HEIGHT = 560  # a shorter map, for a first page whose list needs the room
PAD = 40  # units kept clear around the area
RADIUS = 30  # a marker's radius: 6 mm across, room for a two-digit number
_NICE_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)


@dataclass(frozen=True)
class Marker:
    """A numbered point to draw (WGS84) with its category's colour (a checked hex colour)."""

    number: int
    lon: float
    lat: float
    color: str


@dataclass(frozen=True)
class _Frame:
    """Plane metres → viewBox units: x right, y down, north up."""

    cx: float
    cy: float
    scale: float  # units per metre
    height: int  # the viewBox's height in units (its width is WIDTH)

    def xy(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(
            [WIDTH / 2 + (x - self.cx) * self.scale, self.height / 2 - (y - self.cy) * self.scale]
        )

    def window(self) -> tuple[float, float, float, float]:
        """The plane-metre box the viewBox shows."""
        half_w, half_h = WIDTH / 2 / self.scale, self.height / 2 / self.scale
        return self.cx - half_w, self.cy - half_h, self.cx + half_w, self.cy + half_h


def _frame(shape: BaseGeometry, height: int) -> _Frame:
    minx, miny, maxx, maxy = shape.bounds
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    scale = min((WIDTH - 2 * PAD) / span_x, (height - 2 * PAD) / span_y)
    return _Frame((minx + maxx) / 2, (miny + maxy) / 2, scale, height)


def _path(points: NDArray[np.float64], close: bool) -> str:
    """Whole units (0.1 mm on paper, finer than a printer's dot), repeats dropped: a city
    centre's streets stay a few hundred kilobytes."""
    rounded = np.rint(points).astype(np.int64)
    keep = np.ones(len(rounded), dtype=bool)
    keep[1:] = np.any(rounded[1:] != rounded[:-1], axis=1)
    coords = " ".join(f"{x} {y}" for x, y in rounded[keep])
    return f"M{coords}{'Z' if close else ''}"


def _rings(shape: BaseGeometry, frame: _Frame) -> str:
    polygons = shape.geoms if isinstance(shape, MultiPolygon) else [shape]
    parts = []
    for poly in polygons:
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            parts.append(_path(frame.xy(xy[:, 0], xy[:, 1]), close=True))
    return "".join(parts)


def _streets(net: WalkNetwork, frame: _Frame, to_plane: Transformer | None) -> str:
    """Every street that crosses the window, as one path (drawn under the outline)."""
    xy = net.edge_xy
    if to_plane is not None:  # a network stored in another zone than the city's
        xs, ys = to_plane.transform(net.edge_lonlat[:, 0], net.edge_lonlat[:, 1])
        xy = np.column_stack([xs, ys])
    starts = net.edge_offsets[:-1]
    if len(starts) == 0:
        return ""
    minx, miny, maxx, maxy = frame.window()
    lo_x = np.minimum.reduceat(xy[:, 0], starts)
    hi_x = np.maximum.reduceat(xy[:, 0], starts)
    lo_y = np.minimum.reduceat(xy[:, 1], starts)
    hi_y = np.maximum.reduceat(xy[:, 1], starts)
    inside = (hi_x >= minx) & (lo_x <= maxx) & (hi_y >= miny) & (lo_y <= maxy)
    view = frame.xy(xy[:, 0], xy[:, 1])
    parts = []
    for i in np.flatnonzero(inside):
        a, b = int(net.edge_offsets[i]), int(net.edge_offsets[i + 1])
        if b - a >= 2:
            parts.append(_path(view[a:b], close=False))
    return "".join(parts)


def _placed(points: NDArray[np.float64], height: int) -> list[tuple[float, float]]:
    """Marker centres moved apart where they would overlap (several places in one hall), each
    tried at its point, then on rings around it; the list keeps the input's order."""
    taken: list[tuple[float, float]] = []
    gap = 2 * RADIUS + 2
    for px, py in points:
        spot = (float(px), float(py))
        for ring in range(0, 6):
            steps = 1 if ring == 0 else 8 * ring
            candidates = [
                (px + ring * gap * math.cos(2 * math.pi * k / steps),
                 py + ring * gap * math.sin(2 * math.pi * k / steps))
                for k in range(steps)
            ]
            free = [c for c in candidates
                    if all(math.dist(c, t) >= gap for t in taken)
                    and RADIUS <= c[0] <= WIDTH - RADIUS and RADIUS <= c[1] <= height - RADIUS]
            if free:
                spot = (float(free[0][0]), float(free[0][1]))
                break
        taken.append(spot)
    return taken


def _markers(markers: Sequence[Marker], frame: _Frame, to_plane: Transformer) -> str:
    if not markers:
        return ""
    xs, ys = to_plane.transform([m.lon for m in markers], [m.lat for m in markers])
    true = frame.xy(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    leaders, out = [], []  # every leader under every marker: none crosses a number
    for m, (x, y), (tx, ty) in zip(markers, _placed(true, frame.height), true, strict=True):
        if math.dist((x, y), (tx, ty)) > 1:  # moved apart: a leader to the true point
            leaders.append(f'<line x1="{tx:.1f}" y1="{ty:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                       f'stroke="#222" stroke-width="3"/>'
                       f'<circle cx="{tx:.1f}" cy="{ty:.1f}" r="6" fill="#222"/>')
        size = 34 if m.number < 100 else 26
        out.append(
            f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS}" fill="#fff" '
            f'stroke="{html.escape(m.color)}" stroke-width="8"/>'
            f'<text x="{x:.1f}" y="{y + size * 0.36:.1f}" text-anchor="middle" '
            f'font-size="{size}" font-weight="bold" fill="#000">{m.number}</text></g>'
        )
    return "".join(leaders + out)


def _scale_bar(frame: _Frame) -> str:
    """A bar of a round length, about a fifth of the map's width, at the lower left."""
    target = WIDTH / 5 / frame.scale
    metres = min(_NICE_M, key=lambda n: abs(n - target))
    length = metres * frame.scale
    label = f"{metres // 1000:g} km" if metres >= 1000 else f"{metres} m"
    x0, y0 = 30, frame.height - 30
    return (
        f'<rect x="{x0 - 10}" y="{y0 - 62}" width="{length + 20:.1f}" height="72" fill="#fff" '
        f'fill-opacity="0.85"/>'
        f'<path d="M{x0} {y0 - 14}V{y0}H{x0 + length:.1f}V{y0 - 14}" fill="none" '
        f'stroke="#000" stroke-width="5"/>'
        f'<text x="{x0}" y="{y0 - 24}" font-size="36" fill="#000">{label}</text>'
    )


def _north(label: str) -> str:
    x, y = WIDTH - 60, 40  # "North" clear of the frame
    return (
        f'<path d="M{x} {y}l-18 48h36z" fill="#000"/>'
        f'<text x="{x}" y="{y + 86}" text-anchor="middle" font-size="34" fill="#000">'
        f"{html.escape(label)}</text>"
    )


def area_map_svg(
    outline: BaseGeometry,
    epsg: int,
    markers: Sequence[Marker],
    *,
    title: str,
    north: str,
    network: WalkNetwork | None = None,
    height: int = HEIGHT,
) -> str:
    """The area (WGS84 polygon) on its own plane, the rest of the window greyed, streets from the
    walking network when given, and the numbered markers; ``title`` names it for screen readers.
    ``height`` is in viewBox units (0.1 mm), the width always ``WIDTH``.
    """
    to_plane = Transformer.from_crs(4326, epsg, always_xy=True)
    plane = shapely.transform(outline, lambda c: np.column_stack(to_plane.transform(c[:, 0],
                                                                                    c[:, 1])))
    frame = _frame(plane, height)
    rings = _rings(plane, frame)
    window = f"M0 0H{WIDTH}V{height}H0Z"
    streets = ""
    if network is not None:
        other = None if network.epsg == epsg else to_plane
        streets = _streets(network, frame, other)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="sheet-map" role="img" aria-labelledby="sheet-map-title" '
        f'font-family="BIZ UDPGothic, sans-serif">',
        f'<title id="sheet-map-title">{html.escape(title)}</title>',
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<path d="{streets}" fill="none" stroke="#9a9a9a" stroke-width="3" '
        f'stroke-linejoin="round" stroke-linecap="round"/>' if streets else "",
        # outside the area: a veil, so the area stands out and what lies beyond stays legible
        f'<path d="{window}{rings}" fill="#fff" fill-opacity="0.6" fill-rule="evenodd"/>',
        f'<path d="{rings}" fill="none" stroke="#0b3d91" stroke-width="9" '
        f'stroke-linejoin="round"/>',
        _markers(markers, frame, to_plane),
        _scale_bar(frame),
        _north(north),
        f'<rect width="{WIDTH}" height="{height}" fill="none" stroke="#000" stroke-width="4"/>',
        "</svg>",
    ]
    return "".join(parts)
