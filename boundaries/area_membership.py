"""Which areas each place lies in, answered for a whole listing at once."""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from geo.borders import assign_points
from geo.model import Area


class AreaIndex:
    """A city's areas held for many listings (the service keeps one per store revision).

    The geometries are prepared once, so each listing's covering test is quick; the rule is
    ``assign_points``' (the 200 m border included), the same as ``Store.areas_at``.
    """

    def __init__(self, city: str, areas: Sequence[Area]) -> None:
        self.city = city
        self.areas = sorted(areas, key=lambda a: (a.level, a.id))
        shapely.prepare([a.geometry for a in self.areas])

    def ids_at(self, lons: Sequence[float], lats: Sequence[float]) -> list[list[str]]:
        """For each point, the ids of its areas (one per level), widest first."""
        return [[a.id for a in found] for found in assign_points(self.city, self.areas, lons, lats)]


def area_ids_at_points(
    city: str, areas: Sequence[Area], lons: Sequence[float], lats: Sequence[float]
) -> list[list[str]]:
    """For each point, the ids of its areas (one per level), widest first.

    Same rule as ``Store.areas_at``: the area covering it (boundary included), else the nearest
    within the border's width (geo/borders.py); one spatial-index pass for the whole listing.
    """
    return [[a.id for a in found] for found in assign_points(city, areas, lons, lats)]
