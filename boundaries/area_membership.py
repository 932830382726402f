"""Which areas each place lies in, answered for a whole listing at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from geo.model import Area


class AreaIndex:
    """A city's areas in a spatial index, built once and asked for many points.

    Same predicate as ``Store.areas_at`` (covers); areas in (level, id) order, so each point's
    ids come widest first.
    """

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = sorted(areas, key=lambda a: (a.level, a.id))
        geoms = [a.geometry for a in self.areas]
        shapely.prepare(geoms)
        self._tree = shapely.STRtree(geoms) if geoms else None

    def ids_at(self, lons: Sequence[float], lats: Sequence[float]) -> list[list[str]]:
        """For each point, the ids of the areas covering it (boundary included), widest first."""
        found: list[list[str]] = [[] for _ in range(len(lons))]
        if self._tree is None or not len(lons):
            return found
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, area_idx = self._tree.query(points, predicate="covered_by")
        for p, a in sorted(zip(point_idx.tolist(), area_idx.tolist(), strict=True)):
            found[p].append(self.areas[a].id)
        return found


def area_ids_at_points(
    areas: Sequence[Area], lons: Sequence[float], lats: Sequence[float]
) -> list[list[str]]:
    """For each point, the ids of the areas covering it (boundary included), widest first.

    One spatial-index query, so a listing of 20,000 places costs one pass instead of one store
    call per place.
    """
    return AreaIndex(areas).ids_at(lons, lats)
