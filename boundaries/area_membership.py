"""Which areas each place lies in, answered for a whole listing at once."""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from geo.borders import assign_points
from geo.model import Area

MAX_KNOWN = 200_000  # points whose areas are kept (a few MB); forgotten all at once beyond


class AreaIndex:
    """A city's areas held for many listings (the service keeps one per store revision).

    The geometries are prepared once, so each listing's covering test is quick; the rule is
    ``assign_points``' (the 200 m border included), the same as ``Store.areas_at``.
    """

    def __init__(self, city: str, areas: Sequence[Area]) -> None:
        self.city = city
        self.areas = sorted(areas, key=lambda a: (a.level, a.id))
        shapely.prepare([a.geometry for a in self.areas])
        # a point's areas, once found: views of a map ask for the same places again and again
        self._known: dict[tuple[float, float], list[str]] = {}

    def ids_at(self, lons: Sequence[float], lats: Sequence[float]) -> list[list[str]]:
        """For each point, the ids of its areas (one per level), widest first."""
        known = self._known
        held = [known.get(point) for point in zip(lons, lats, strict=True)]
        missing = [i for i, ids in enumerate(held) if ids is None]
        if missing:
            xs, ys = [lons[i] for i in missing], [lats[i] for i in missing]
            if len(known) + len(missing) > MAX_KNOWN:
                known.clear()
            for i, x, y, found in zip(
                missing, xs, ys, assign_points(self.city, self.areas, xs, ys), strict=True
            ):
                held[i] = known[(x, y)] = [a.id for a in found]
        return [list(ids) for ids in held if ids is not None]


def area_ids_at_points(
    city: str, areas: Sequence[Area], lons: Sequence[float], lats: Sequence[float]
) -> list[list[str]]:
    """For each point, the ids of its areas (one per level), widest first.

    Same rule as ``Store.areas_at``: the area covering it (boundary included), else the nearest
    within the border's width (geo/borders.py); one spatial-index pass for the whole listing.
    """
    return [[a.id for a in found] for found in assign_points(city, areas, lons, lats)]
