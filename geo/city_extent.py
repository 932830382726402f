"""Whether a point can belong to a city: inside its imported areas, or near its official outline."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.ops import unary_union

from geo.crs import project_geometry
from geo.municipalities import distance_outside_m, get_city
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
