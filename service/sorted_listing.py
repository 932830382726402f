"""A listing sorted on the server, so a map of many places can show its list a page at a time.

The page sorts a small city's list itself (by reading, or by walk from a point); with 20,000
places it cannot have them all. The server reads the matching places and their areas once per
store revision, orders them by reading once, and answers each page from that: by name, a slice;
by distance, the geodesic straight line from the point to every place (numpy, a few ms for
20,000) and a slice of that order. Only the page's features are built per request, with the
minute's 次回開催, so the whole listing is not rebuilt every minute as the full one is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.model import Place
from geo.text import fold
from geo.walk.distance import geodesic_many_m
from service.serialize import place_feature


@dataclass
class SortedListing:
    """A listing's places (as the public sees them) in reading order, with their areas."""

    places: list[Place]
    areas: list[list[str]]
    lons: NDArray[np.float64]
    lats: NDArray[np.float64]

    @classmethod
    def of(cls, places: list[Place], areas: list[list[str]]) -> SortedListing:
        """Order by reading (kana, else the name, folded as the page folds), then id: the
        order the map's list has in a small city."""
        order = sorted(
            range(len(places)), key=lambda i: (fold(places[i].kana or places[i].name), places[i].id)
        )
        ordered = [places[i] for i in order]
        return cls(
            ordered,
            [areas[i] for i in order],
            np.array([p.lon for p in ordered], dtype=float),
            np.array([p.lat for p in ordered], dtype=float),
        )

    def __len__(self) -> int:
        return len(self.places)

    def by_name(self, offset: int, limit: int | None, now: datetime) -> list[dict[str, Any]]:
        """A page in reading order."""
        end = len(self.places) if limit is None else min(len(self.places), offset + limit)
        return [
            place_feature(self.places[i], areas=self.areas[i], now=now) for i in range(offset, end)
        ]

    def by_distance(
        self, lon: float, lat: float, offset: int, limit: int | None, now: datetime
    ) -> list[dict[str, Any]]:
        """A page nearest first (ties in reading order), each with ``distance_m`` (the geodesic
        straight line to where the place is shown) and ``walking_min`` at 50 m a minute."""
        if not self.places:
            return []
        dist = np.asarray(geodesic_many_m(lon, lat, self.lons, self.lats), dtype=float)
        order = np.argsort(dist, kind="stable")
        end = len(order) if limit is None else min(len(order), offset + limit)
        return [
            place_feature(self.places[i], float(dist[i]), areas=self.areas[i], now=now)
            for i in order[offset:end].tolist()
        ]
