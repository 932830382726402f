"""Area outlines lightened for drawing on a map: simplified in metres, coordinates rounded."""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.japan.crs import project_geometry, unproject_geometry

# 1e-6 degrees is about 0.1 m: finer than any boundary a city draws, 7 fewer digits a vertex.
DISPLAY_PRECISION_DEG = 1e-6


def for_display(geom: BaseGeometry, crs_epsg: int, tolerance_m: float) -> BaseGeometry:
    """The outline simplified with a tolerance in metres in the city's plane-rectangular zone.

    Topology is preserved per polygon; a part that would vanish keeps its original shape.
    """
    if tolerance_m > 0:
        plane = project_geometry(geom, crs_epsg)
        simple = plane.simplify(tolerance_m, preserve_topology=True)
        if not simple.is_empty:
            geom = unproject_geometry(simple, crs_epsg)
    rounded = shapely.set_precision(geom, DISPLAY_PRECISION_DEG)
    if rounded.is_empty:
        return geom
    if isinstance(rounded, Polygon):
        rounded = MultiPolygon([rounded])
    return rounded
