"""A city's places read once per store revision for the paged map: its clusters and its list.

A map of 20,000 places asks for clusters after every move and for its list a page at a time. Each
answer would otherwise read the places again: the store's bbox query is quick for a street but a
zoomed-out view covers the whole city, and building 20,000 full records costs a second or more
(several on a busy machine). So the places matching the filters other than the kinds (kind,
status, search, area) are read once per store revision, as the public sees them (private homes
at their town's point), in reading order, with their areas and their points as numpy columns;
the kinds ticked and the view are masks over those columns, a page is a slice, a page by
distance a k-d tree's few candidates measured (geo.store.near_index). Both stores give the
same places, so the same answers.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from starlette.requests import Request

from boundaries.area_membership import AreaIndex
from geo.model import Place
from geo.store.base import PlaceQuery, Store
from geo.store.near_index import SpherePoints
from geo.text import fold
from geo.walk.distance import geodesic_many_m
from layers.place_privacy import published
from service.read_cache import RevisionCache
from service.serialize import place_feature

Indices = NDArray[np.int64]


@dataclass
class CityPlaces:
    """Places in reading order (kana, else the name, folded as the page folds; then id)."""

    places: list[Place]
    areas: list[list[str]]
    lons: NDArray[np.float64]
    lats: NDArray[np.float64]
    categories: NDArray[Any]
    _points: SpherePoints | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, store: Store, query: PlaceQuery, index: AreaIndex) -> CityPlaces:
        """The places the query matches, as the public sees them, with their areas."""
        found = published(store, store.places(query))
        found.sort(key=lambda p: (fold(p.kana or p.name), p.id))
        lons = np.array([p.lon for p in found], dtype=float)
        lats = np.array([p.lat for p in found], dtype=float)
        areas = index.ids_at(lons.tolist(), lats.tolist()) if found else []
        cats = np.array([p.category for p in found], dtype=object)
        return cls(found, list(areas), lons, lats, cats)

    def select(
        self,
        categories: tuple[str, ...] = (),
        bbox: tuple[float, float, float, float] | None = None,
    ) -> Indices:
        """Indices (in reading order) of the places of these kinds (all when none given) whose
        shown point lies in the bbox (boundary included)."""
        keep = np.ones(len(self.places), dtype=bool)
        if categories:
            keep &= np.isin(self.categories, list(categories))
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            keep &= (self.lons >= minx) & (self.lons <= maxx)
            keep &= (self.lats >= miny) & (self.lats <= maxy)
        return np.flatnonzero(keep).astype(np.int64)

    def by_name(
        self, chosen: Indices, offset: int, limit: int | None, now: datetime
    ) -> list[dict[str, Any]]:
        """A page in reading order, as the listing's features."""
        end = len(chosen) if limit is None else min(len(chosen), offset + limit)
        return [self._feature(int(i), None, now) for i in chosen[offset:end].tolist()]

    def by_distance(
        self, chosen: Indices, lon: float, lat: float, offset: int, limit: int | None,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """A page nearest first (ties in reading order), each with ``distance_m`` (the geodesic
        straight line to where the place is shown) and ``walking_min`` at 50 m a minute."""
        if not len(chosen):
            return []
        if limit is not None:  # the page's nearest from the tree: a few measured, not all
            mask = np.zeros(len(self.places), dtype=bool)
            mask[chosen] = True
            near, metres = self.points().nearest(lon, lat, offset + limit, mask, len(chosen))
            return [
                self._feature(i, d, now)
                for i, d in zip(near[offset:].tolist(), metres[offset:].tolist(), strict=True)
            ]
        dist = np.asarray(
            geodesic_many_m(lon, lat, self.lons[chosen], self.lats[chosen]), dtype=float
        )
        order = np.argsort(dist, kind="stable")
        end = len(order) if limit is None else min(len(order), offset + limit)
        return [
            self._feature(int(chosen[k]), float(dist[k]), now) for k in order[offset:end].tolist()
        ]

    def points(self) -> SpherePoints:
        """The shown points on a k-d tree, ties in reading order (made on first use)."""
        if self._points is None:
            self._points = SpherePoints(self.lons, self.lats, np.arange(len(self.places)))
        return self._points

    def _feature(self, i: int, distance_m: float | None, now: datetime) -> dict[str, Any]:
        return place_feature(self.places[i], distance_m, areas=self.areas[i], now=now)


def city_places_cache(request: Request) -> RevisionCache:
    """The app's CityPlaces per filter, shared by the paged map's list pages and clusters."""
    cache: RevisionCache | None = getattr(request.app.state, "city_places", None)
    if cache is None:
        cache = request.app.state.city_places = RevisionCache(size=6)
    return cache


_building = threading.Lock()  # one build at a time: the map's first answers arrive together


def city_places(
    cache: RevisionCache,
    read_cache: RevisionCache,
    store: Store,
    revision: int,
    query: PlaceQuery,
) -> CityPlaces:
    """The city's places for the query without its kinds, bbox and paging, built once per store
    revision (the few latest kept: each holds every matching place)."""
    base = replace(query, categories=(), bbox=None, limit=None, offset=0)
    code = base.city or ""
    key: Hashable = ("city-places", repr(base), store.url)
    held: CityPlaces | None = cache.peek(key, revision)
    if held is not None:
        return held

    def build() -> CityPlaces:
        index = read_cache.get(
            ("area-index", code), revision, lambda: AreaIndex(code, store.areas(code))
        )
        return CityPlaces.read(store, base, index)

    with _building:  # a request that waited finds it built
        built: CityPlaces = cache.get(key, revision, build)
    return built
