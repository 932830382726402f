"""Where a place may be shown: a salon in a private home is shown at its 町丁目, never the home.

A place with ``location_precision == "town"`` is published at the representative point of the
nearest town (町丁目) the store holds for its city, so every marker, distance and directions link
the public sees uses a point that is already public. A city with no towns loaded gets the centre
of a coarse grid cell (about 550 m × 450 m) instead: still never the home.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.model import Place, Town
from geo.store.base import Store
from geo.walk.distance import geodesic_m

GRID_DEG = 0.005  # fallback cell when a city has no towns: ~550 m north–south at 35°N


def _unit_vectors(lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray[np.float64]:
    lon, lat = np.radians(lons), np.radians(lats)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


class TownPoints:
    """The city's town points, to publish a private home at its town."""

    def __init__(self, towns: Sequence[Town]) -> None:
        self.lons = np.array([t.lon for t in towns], dtype=float)
        self.lats = np.array([t.lat for t in towns], dtype=float)
        # chord length on the unit sphere orders points as the great-circle distance does
        self._tree = cKDTree(_unit_vectors(self.lons, self.lats)) if len(self.lons) else None

    def nearest(self, lon: float, lat: float) -> tuple[float, float] | None:
        """The nearest town's point (lon, lat); None without towns."""
        if self._tree is None:
            return None
        _, i = self._tree.query(_unit_vectors(np.array([lon]), np.array([lat]))[0])
        return float(self.lons[int(i)]), float(self.lats[int(i)])


def _grid_centre(lon: float, lat: float) -> tuple[float, float]:
    """Plain floats: a numpy number in a Place breaks comparisons (the history's diff)."""
    return (
        float(round((np.floor(lon / GRID_DEG) + 0.5) * GRID_DEG, 6)),
        float(round((np.floor(lat / GRID_DEG) + 0.5) * GRID_DEG, 6)),
    )


def needs_town_point(place: Place) -> bool:
    """Whether the place must be moved to a town's point before it is shown: a town-level
    place, unless it was placed from its address (it already stands at its town's point)."""
    return place.location_precision == "town" and place.placed_from is None


def public_place(place: Place, towns: TownPoints | None) -> Place:
    """The place as the public sees it: a town-level place moved to its town's point."""
    if not needs_town_point(place):
        return place
    point = towns.nearest(place.lon, place.lat) if towns is not None else None
    lon, lat = point if point is not None else _grid_centre(place.lon, place.lat)
    return replace(place, lon=lon, lat=lat)


def public_distance_m(place: Place, lon: float, lat: float) -> float:
    """Metres from a point to where the place is shown (for a town-level place, its town)."""
    return geodesic_m(lon, lat, place.lon, place.lat)


def published(store: Store, places: list[Place]) -> list[Place]:
    """The places as the public may see them: private homes moved to their town's point."""
    towns: dict[str, TownPoints] = {}
    out = []
    for p in places:
        if needs_town_point(p) and p.city not in towns:
            towns[p.city] = TownPoints(store.towns(p.city))
        out.append(public_place(p, towns.get(p.city)))
    return out
