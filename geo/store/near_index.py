"""A city's places as points in memory, for the nearest-places search of either store.

Residents ask "what is near me" from a different point every time; asking the database for
candidates costs a statement (PostGIS: two) and rows decoded by the dozen for every request.
A city's points change only with the store's revision, so each store keeps one index per city
and revision, and a request costs a k-d tree query here and one read of the ``limit`` rows —
or of the revision alone once those places have been read at it: the index keeps the places
it has answered with, which at its revision cannot change.

The tree holds the points on the unit sphere (geodetic latitude as latitude), which orders by
angle, not by ellipsoidal metres; it only finds a radius. On the WGS84 ellipsoid every path is
at least b²/a times as long as its image on that sphere (the meridian's and prime vertical's
radii of curvature are both at least b²/a), so every point within r geodesic metres lies within
the angle r·a/b² — a ball query gives every candidate, and the exact geodesic ranks them, by
(metres, id) as the stores' full scans do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.model import Place
from geo.store.base import PlaceQuery
from geo.walk.distance import geodesic_many_m

_A = 6_378_137.0  # WGS84 semi-major axis, metres
_B = 6_356_752.314245  # semi-minor axis
_MIN_CURVATURE_M = _B * _B / _A  # the least radius of curvature anywhere on the ellipsoid
FILTERED = ("category", "kind", "status", "source")  # the query fields an index can answer
_MASKS_KEPT = 64  # filters' masks kept per index (then forgotten all at once)
_PLACES_KEPT = 20_000  # places kept per index for later answers (about 1.3 KB each)


def handles(query: PlaceQuery) -> bool:
    """Whether an index of ``query.city``'s places answers the query exactly (text search,
    areas and boxes keep to the stores' own reads)."""
    return bool(query.city) and not query.q and query.area is None and query.bbox is None


def _unit_vectors(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    lam, phi = np.radians(lon), np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def _codes(values: Sequence[str | None]) -> tuple[NDArray[np.int32], dict[str | None, int]]:
    """Each value as a small integer, and the integer of each value (for cheap masks)."""
    table: dict[str | None, int] = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), np.int32, len(values))
    return codes, table


class SpherePoints:
    """Points with a k-d tree on the unit sphere, ranked nearest first by (geodesic metres,
    then ``tie``: a rank per point, e.g. of its id or its place in reading order)."""

    def __init__(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64], tie: NDArray[np.int64]
    ) -> None:
        self.lon, self.lat, self.tie = lon, lat, tie
        self._tree = cKDTree(_unit_vectors(lon, lat)) if len(lon) else None

    def nearest(
        self, lon: float, lat: float, k: int, mask: NDArray[np.bool_] | None, matches: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Positions of the ``k`` nearest points the mask keeps (None: all; ``matches`` of
        them), and their metres, as a full scan would rank them."""
        if k <= 0 or self._tree is None or matches == 0:
            return np.zeros(0, np.int64), np.zeros(0)
        n = len(self.lon)
        if matches <= k:
            chosen = np.arange(n) if mask is None else np.flatnonzero(mask)
            return self._ranked(lon, lat, chosen, math.inf, k)
        lam, phi = math.radians(lon), math.radians(lat)
        centre = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
        q = min(n, max(2 * k, 16))
        while True:  # the nearest by angle until `k` of them match: they give a radius
            chords, found = self._tree.query(centre, k=q)
            chords, found = np.atleast_1d(chords), np.atleast_1d(found)
            kept = found if mask is None else found[mask[found]]
            if len(kept) >= k or q == n:
                break
            q = min(n, q * 4)
        dist = geodesic_many_m(lon, lat, self.lon[kept], self.lat[kept])
        radius = float(np.partition(dist, k - 1)[k - 1])  # k matches lie within it
        angle = min(math.pi, radius * (1 + 1e-9) / _MIN_CURVATURE_M + 1e-12)
        chord = 2 * math.sin(angle / 2)
        if q == n or chord < float(chords[-1]):
            # every point the tree did not give is farther by angle than the last it gave,
            # so beyond the chord, so beyond the radius: the ones in hand are every candidate
            return self._order(kept, dist, radius, k)
        ball = np.asarray(self._tree.query_ball_point(centre, chord), int)
        if mask is not None:
            ball = ball[mask[ball]]
        return self._ranked(lon, lat, ball, radius, k)

    def _ranked(
        self, lon: float, lat: float, chosen: NDArray[np.int_], radius: float, k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        dist = geodesic_many_m(lon, lat, self.lon[chosen], self.lat[chosen])
        return self._order(chosen, dist, radius, k)

    def _order(
        self, chosen: NDArray[np.int_], dist: NDArray[np.float64], radius: float, k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The first ``k`` of ``chosen`` within ``radius`` metres by (metres, tie)."""
        within = dist <= radius
        chosen, dist = chosen[within], dist[within]
        order = np.lexsort((self.tie[chosen], dist))[:k]
        return chosen[order].astype(np.int64), dist[order]


@dataclass(frozen=True)
class Row:
    """What an index holds of a place: its key in the store, id and point."""

    key: Any  # the GeoPackage's fid, PostGIS's id
    id: str
    lon: float
    lat: float


class NearIndex:
    """One city's places at one store revision; keys are what the store fetches rows by."""

    def __init__(
        self,
        revision: int,
        rows: Sequence[Sequence[Any]],
    ) -> None:
        """``rows``: (key, id, lon, lat, category, kind, status, source) per place."""
        self.revision = revision
        self.keys = [r[0] for r in rows]
        self.ids = [r[1] for r in rows]
        self.lon = np.fromiter((r[2] for r in rows), float, len(rows))
        self.lat = np.fromiter((r[3] for r in rows), float, len(rows))
        self._fields = {
            name: _codes([r[4 + i] for r in rows]) for i, name in enumerate(FILTERED)
        }
        by_id = np.argsort(np.array(self.ids, dtype=object), kind="stable")
        tie = np.empty(len(rows), np.int64)
        tie[by_id] = np.arange(len(rows))
        self._points = SpherePoints(self.lon, self.lat, tie)
        self._masks: dict[tuple[Any, ...], tuple[NDArray[np.bool_] | None, int]] = {}
        self._places: dict[Any, Place] = {}  # by key: read at this revision, so never stale

    def __len__(self) -> int:
        return len(self.ids)

    def _mask(self, query: PlaceQuery) -> tuple[NDArray[np.bool_] | None, int]:
        """The places the query's filters keep (None: all of them) and how many, kept per
        filter: a city's requests ask with a handful of them."""
        asked = {
            "category": query.categories,
            "kind": query.kinds,
            "status": query.statuses,
            "source": (query.source,) if query.source is not None else (),
        }
        key = tuple(asked.values())
        known = self._masks.get(key)
        if known is None:
            mask = self._make_mask(asked)
            known = (mask, len(self) if mask is None else int(mask.sum()))
            if len(self._masks) >= _MASKS_KEPT:
                self._masks.clear()
            self._masks[key] = known
        return known

    def _make_mask(self, asked: dict[str, tuple[str, ...]]) -> NDArray[np.bool_] | None:
        mask: NDArray[np.bool_] | None = None
        for name, values in asked.items():
            if not values:
                continue
            codes, table = self._fields[name]
            wanted = [table[v] for v in values if v in table]
            keep = np.isin(codes, wanted)
            mask = keep if mask is None else mask & keep
        return None if mask is not None and mask.all() else mask  # all kept: nothing to test

    def unread(self, found: list[tuple[Row, float]]) -> list[Any]:
        """The keys of the places in ``found`` the index does not keep: the ones to read."""
        return [row.key for row, _ in found if row.key not in self._places]

    def answer(
        self, found: list[tuple[Row, float]], read: dict[Any, Place]
    ) -> list[tuple[Place, float]]:
        """``found`` as places: those just ``read`` (at this index's revision, kept for
        later answers while there is room) and those kept. Kept places are shared between
        answers, as the listing cache shares its own: readers never change them."""
        room = _PLACES_KEPT - len(self._places)
        if room > 0:
            self._places.update(list(read.items())[:room])
        return [(read.get(row.key) or self._places[row.key], d) for row, d in found]

    def nearest(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> list[tuple[Row, float]]:
        """The ``limit`` nearest matches by (geodesic metres, id): exactly a full scan's."""
        mask, matches = self._mask(query)
        chosen, dist = self._points.nearest(lon, lat, limit, mask, matches)
        return [
            (Row(self.keys[i], self.ids[i], float(self.lon[i]), float(self.lat[i])), float(d))
            for i, d in zip(chosen.tolist(), dist.tolist(), strict=True)
        ]


class NearCache:
    """The newest index of each of the last few cities indexed, for one store."""

    def __init__(self, cities: int = 16) -> None:
        self._size = cities
        self._by_city: dict[str, NearIndex] = {}

    def get(self, city: str, revision: int | None = None) -> NearIndex | None:
        """The city's index (at ``revision``, when given)."""
        index = self._by_city.get(city)
        if index is None or (revision is not None and index.revision != revision):
            return None
        return index

    def put(self, city: str, index: NearIndex) -> None:
        self._by_city.pop(city, None)
        while len(self._by_city) >= self._size:  # the city indexed longest ago makes room
            self._by_city.pop(next(iter(self._by_city)))
        self._by_city[city] = index
