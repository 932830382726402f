"""Whether a point can belong to a city: inside its imported areas, or near its official outline."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.japan.crs import project_geometry
from geo.japan.municipalities import distance_outside_m, get_city, outline
from geo.store.base import Store

OUTLINE_TOLERANCE_M = (
    2000.0  # the bundled outline is simplified: real places near the border fall just outside
)


def outside_city(store: Store, city: str) -> Callable[[float, float], str | None]:
    """A test that says why a point is outside the city, or None when it is inside.

    With areas imported, the city is their union (exact, as the city drew it); without, the
    simplified N03 outline widened by 2 km.
    """
    areas = store.areas(city)
    if areas:
        union = unary_union([a.geometry for a in areas])
        epsg = get_city(city).crs_epsg
        plane = project_geometry(union, epsg)
        shapely.prepare(union)

        def check_areas(lon: float, lat: float) -> str | None:
            if union.covers(shapely.Point(lon, lat)):
                return None
            pt = project_geometry(shapely.Point(lon, lat), epsg)
            d = float(np.round(plane.distance(pt)))
            return f"outside the city's imported areas ({d:,.0f} m away)"

        return check_areas

    def check_outline(lon: float, lat: float) -> str | None:
        d = distance_outside_m(city, lon, lat)
        if d <= OUTLINE_TOLERANCE_M:
            return None
        return f"outside the city ({d / 1000:,.1f} km beyond its outline)"

    return check_outline


@functools.lru_cache(maxsize=64)
def _plane_outline(city: str) -> tuple[int, BaseGeometry]:
    epsg = get_city(city).crs_epsg
    plane = project_geometry(outline(city), epsg)
    shapely.prepare(plane)
    return epsg, plane


def geometry_outside_outline_m(city: str, geometry: BaseGeometry) -> float:
    """Metres from the nearest part of a geometry to the city's outline (0 when they touch).

    An area is judged by its nearest part, not its centroid: N03 gives islands and exclaves as
    separate parts, and the bundled simplified outline leaves many of them out.
    """
    epsg, plane = _plane_outline(city)
    return float(plane.distance(project_geometry(geometry, epsg)))
