"""The GeoPackage's nearest-place search: from a city's index in memory where it can answer
(:mod:`geo.store.near_index`), else on the places' R-tree in boxes of growing radius."""

from __future__ import annotations

import math
import sqlite3
import threading
from abc import abstractmethod
from typing import Any

from geo.model import Place
from geo.store import near_index, shared
from geo.store.base import PlaceQuery, Store
from geo.walk.distance import geodesic_many_m

# nearby(): the first search radius, how much each next one grows, and past which the whole
# table is searched (half the Earth's circumference: every point lies within it)
_FIRST_RING_M = 1_000.0
_RING_GROWTH = 4.0
_WHOLE_EARTH_M = 20_100_000.0
_NEAR_COLUMNS = "fid, id, lon, lat"  # what ranking needs; the rest is read for the few kept


class NearbyReads(Store):
    """The nearby reads of :class:`geo.store.gpkg.GpkgStore`, on its connection and lock."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _near: near_index.NearCache

    @abstractmethod
    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        """Rows of one statement, under the store's lock."""

    @abstractmethod
    def _matching_rows(
        self,
        query: PlaceQuery,
        ring: tuple[float, float, float, float] | None = None,
        columns: str = "*",
    ) -> list[sqlite3.Row]:
        """Rows matching the query (and within ``ring``), by id."""

    @staticmethod
    @abstractmethod
    def _place_from_row(r: sqlite3.Row) -> Place:
        """A place from its row."""

    def read_nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        """One snapshot: the revision, the city's index at that revision, its rows."""
        if limit <= 0 or not near_index.handles(query):
            return super().read_nearby(lon, lat, limit, query)
        with self._lock:
            own = not self._db.in_transaction  # a read transaction: it reads one revision
            if own:
                self._db.execute("BEGIN")
            try:
                revision = self.revision()
                return revision, self._indexed_nearby(lon, lat, limit, query, revision)
            finally:
                if own:
                    self._db.execute("COMMIT")

    def _indexed_nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery, revision: int
    ) -> list[tuple[Place, float]]:
        """The nearest from the city's index at ``revision`` (made first if need be); the
        caller holds a read transaction in which ``revision`` was read."""
        city = str(query.city)
        index = self._near.get(city, revision)
        if index is None:
            rows = self._db.execute(
                "SELECT fid, id, lon, lat, category, kind, status, source FROM places"
                " WHERE city = ?",
                (city,),
            ).fetchall()
            index = near_index.NearIndex(revision, [tuple(r) for r in rows])
            self._near.put(city, index)
        found = index.nearest(lon, lat, limit, query)
        unread = index.unread(found)
        read = {}
        if unread:
            read = {
                r["fid"]: self._place_from_row(r)
                for r in self._db.execute(
                    f"SELECT * FROM places WHERE fid IN ({','.join('?' * len(unread))})",
                    unread,
                )
            }
        return index.answer(found, read)

    def nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> list[tuple[Place, float]]:
        """From the city's index when it can answer (:meth:`read_nearby`), else searches
        boxes of growing radius on the R-tree until ``limit`` matches lie within one
        (then no nearer match can lie outside it), instead of measuring to every row."""
        if limit <= 0:
            return []
        if near_index.handles(query):
            return self.read_nearby(lon, lat, limit, query)[1]
        radius = _FIRST_RING_M
        while radius < _WHOLE_EARTH_M:
            box = shared.search_box(lon, lat, radius)
            rows = self._matching_rows(query, ring=box, columns=_NEAR_COLUMNS)
            found = self._nearest_rows(lon, lat, rows, radius)
            if len(found) >= limit:
                break
            radius *= _RING_GROWTH
        else:
            rows = self._matching_rows(query, columns=_NEAR_COLUMNS)
            found = self._nearest_rows(lon, lat, rows, math.inf)
        found = found[:limit]
        full = {
            r["fid"]: r
            for r in self._query(
                f"SELECT * FROM places WHERE fid IN ({','.join('?' * len(found))})",
                [r["fid"] for r, _ in found],
            )
        }
        return [(self._place_from_row(full[r["fid"]]), d) for r, d in found]

    @staticmethod
    def _nearest_rows(
        lon: float, lat: float, rows: list[sqlite3.Row], radius: float
    ) -> list[tuple[sqlite3.Row, float]]:
        """The rows within ``radius`` geodesic metres, by (metres, id); records are made only
        for the few a caller keeps."""
        dist = geodesic_many_m(lon, lat, [r["lon"] for r in rows], [r["lat"] for r in rows])
        within = [
            (float(d), r["id"], i)
            for i, (r, d) in enumerate(zip(rows, dist, strict=True))
            if d <= radius
        ]
        within.sort()
        return [(rows[i], d) for d, _, i in within]

