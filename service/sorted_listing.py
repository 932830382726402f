"""A listing sorted on the server, so a map of many places can show its list a page at a time.

The page sorts a small city's list itself (by reading, or by walk from a point); with 20,000
places it cannot have them all. The server builds the whole listing once per store revision and
minute (次回開催), as the listing cache does, orders it by reading once, and answers each page
from it: by name, a slice; by distance, the geodesic straight line from the point to every place
(numpy, a few ms for 20,000) and a slice of that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.text import fold
from geo.walk.distance import geodesic_many_m
from geo.walk.walking_time import walking_minutes


@dataclass
class SortedListing:
    """A listing's features in reading order, with their points for distances."""

    features: list[dict[str, Any]]
    lons: NDArray[np.float64]
    lats: NDArray[np.float64]

    @classmethod
    def of(cls, features: list[dict[str, Any]]) -> SortedListing:
        """Order by reading (kana, else the name, folded as the page folds), then id: the
        order the map's list has in a small city."""

        def key(f: dict[str, Any]) -> tuple[str, str]:
            props = f["properties"]
            return fold(props.get("kana") or props.get("name")), str(f["id"])

        ordered = sorted(features, key=key)
        lons = np.array([f["geometry"]["coordinates"][0] for f in ordered], dtype=float)
        lats = np.array([f["geometry"]["coordinates"][1] for f in ordered], dtype=float)
        return cls(ordered, lons, lats)

    def by_name(self, offset: int, limit: int | None) -> list[dict[str, Any]]:
        """A page in reading order."""
        end = None if limit is None else offset + limit
        return self.features[offset:end]

    def by_distance(
        self, lon: float, lat: float, offset: int, limit: int | None
    ) -> list[dict[str, Any]]:
        """A page nearest first (ties in reading order), each with ``distance_m`` (the geodesic
        straight line to where the place is shown) and ``walking_min`` at 50 m a minute."""
        if not self.features:
            return []
        dist = geodesic_many_m(lon, lat, self.lons, self.lats)
        order = np.argsort(dist, kind="stable")
        end = len(order) if limit is None else min(len(order), offset + limit)
        page = []
        for i in order[offset:end].tolist():
            f = self.features[i]
            d = float(dist[i])
            props = {**f["properties"], "distance_m": round(d, 1), "walking_min": walking_minutes(d)}
            page.append({**f, "properties": props})
        return page
