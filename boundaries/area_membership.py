"""Which areas each place lies in, answered for a whole listing at once."""

from __future__ import annotations

from collections.abc import Sequence

from geo.borders import assign_points
from geo.model import Area


def area_ids_at_points(
    city: str, areas: Sequence[Area], lons: Sequence[float], lats: Sequence[float]
) -> list[list[str]]:
    """For each point, the ids of its areas (one per level), widest first.

    Same rule as ``Store.areas_at``: the area covering it (boundary included), else the nearest
    within the border's width (geo/borders.py); one spatial-index pass for the whole listing.
    """
    return [[a.id for a in found] for found in assign_points(city, areas, lons, lats)]
