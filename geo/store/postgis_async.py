"""PostGIS reads for a server's event loop: psycopg's async pool, one statement per request.

The uncached bbox listing and the nearby search are what clients send most, each a different
query. Through the store's SQLAlchemy engine each cost a hop to a worker thread, the statement
compiled again, and a round trip for the store's revision before the one for the rows. Here the
revision, the page and the count of all matches come from one statement — one snapshot, so the
rows are exactly the revision's — sent by psycopg on the event loop; its text depends only on
which filters are given, so PostgreSQL keeps it prepared on each connection.

The SQL mirrors :meth:`geo.store.postgis.PostgisStore._where` (the contract tests hold both to
the same answers); a query with an area keeps to the threaded path (its border rule runs in
Python over the city's areas).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from geo.errors import StoreError
from geo.model import Place
from geo.store import near_index, shared
from geo.store.base import PlaceQuery
from geo.store.coalesced import Coalesced
from geo.text import fold
from geo.walk.distance import geodesic_many_m

T = TypeVar("T")

POOL_SIZE = 8  # connections per event loop: about the cores PostgreSQL has, not the clients

_COLUMNS = (
    "id, city, kind, category, name, kana, address, schedule, fee, organiser, phone, email,"
    " description, url, accessibility, status, location_precision, last_verified,"
    " internal_contact, source, source_id, updated_at, placed_from, schedule_rules, extra, demo,"
    " ST_X(geom) AS lon, ST_Y(geom) AS lat"
)
# nearby's candidates: their JSON left as text, parsed only for the few kept
_CANDIDATE_COLUMNS = _COLUMNS.replace(
    "schedule_rules, extra,", "schedule_rules::text AS schedule_rules, extra::text AS extra,"
)
REVISION_SQL = "SELECT rev FROM store_revision WHERE id = 1"  # the threaded reads' too
_ENVELOPE = "ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)"


def _where(
    query: PlaceQuery, box: tuple[float, float, float, float] | None
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and its parameters (query.area is not handled here)."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if query.city:
        clauses.append("city = %(city)s")
        params["city"] = query.city
    for column, values in (
        ("category", query.categories),
        ("kind", query.kinds),
        ("status", query.statuses),
    ):
        if values:  # one parameter each: cheaper to send than an array, and as prepared
            names = [f"{column}{i}" for i in range(len(values))]
            clauses.append(f"{column} IN ({', '.join(f'%({n})s' for n in names)})")
            params.update(zip(names, values, strict=True))
    if query.bbox:
        clauses.append(f"geom && {_ENVELOPE} AND ST_Intersects(geom, {_ENVELOPE})")
        params.update(zip(("x0", "y0", "x1", "y1"), query.bbox, strict=True))
    if box is not None:  # nearby's search box: the index finds the candidates, Python ranks
        clauses.append(
            "geom && ST_MakeEnvelope(%(bx0)s, %(by0)s, %(bx1)s, %(by1)s, 4326)"
        )
        params.update(zip(("bx0", "by0", "bx1", "by1"), box, strict=True))
    text = fold(query.q)
    if text:
        clauses.append("search LIKE %(q)s ESCAPE '\\'")
        params["q"] = shared.like_pattern(text)
    if query.source is not None:
        clauses.append("source = %(source)s")
        params["source"] = query.source
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _place(row: dict[str, Any]) -> Place:
    """A place from its row, as the threaded path reads it."""
    return shared.record_from_row(
        Place, row, lon=float(row["lon"]), lat=float(row["lat"]), extra=row["extra"] or {}
    )


def _candidate(row: dict[str, Any]) -> Place:
    """A place from a row of _CANDIDATE_COLUMNS (its JSON as text)."""
    rules, extra = row["schedule_rules"], row["extra"]
    decoded = {
        "schedule_rules": json.loads(rules) if rules is not None else None,
        "extra": json.loads(extra) if extra is not None else None,
    }
    return _place({**row, **decoded})


class AsyncReads:
    """An async connection pool on one event loop, and the reads that use it."""

    def __init__(
        self,
        conninfo: str,
        url: str,
        size: int = POOL_SIZE,
        near: near_index.NearCache | None = None,
    ) -> None:
        self.url = url
        self.near = near or near_index.NearCache()  # the store's, shared by its loops
        self.loop = asyncio.get_running_loop()
        self.pool = AsyncConnectionPool(
            conninfo,
            min_size=size,
            max_size=size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=False,
            name="tsudoi-reads",
        )
        self._revision = Coalesced(self._read_revision)  # shared by requests at one moment

    async def _read_revision(self) -> int:
        async def read(conn: psycopg.AsyncConnection[Any]) -> int:
            rows = await (await conn.execute(REVISION_SQL)).fetchall()
            return int(rows[0]["rev"])

        return await self._run(read)

    async def revision(self) -> int:
        """The store's revision, from a read shared by the requests asking at one moment
        (:mod:`geo.store.coalesced`): one begun after this call."""
        return await self._revision()

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)

    async def close(self) -> None:
        await self.pool.close()

    async def _run(self, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        """Run a read; after a connection the server dropped (a restart), the pool's idle
        connections are checked (the dead ones replaced) and the read runs once more."""
        for attempt in (1, 2):
            try:
                async with self.pool.connection() as conn:
                    return await work(conn)
            except psycopg.OperationalError as exc:
                if attempt == 1:
                    await self.pool.check()
                    continue
                raise StoreError(f"the database at {self.url} failed: {exc}") from exc
            except psycopg.Error as exc:
                raise StoreError(f"the database at {self.url} failed: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def page(self, query: PlaceQuery) -> tuple[int, list[Place], int]:
        """The revision, the page (by id) and the number of matches, from one statement."""
        where, params = _where(query, None)
        params["limit"] = query.limit
        params["offset"] = query.offset
        sql = (
            f"SELECT r.rev AS _rev, p.* FROM store_revision r LEFT JOIN LATERAL ("
            f"SELECT {_COLUMNS}, count(*) OVER () AS _matched FROM places{where}"
            " ORDER BY id LIMIT %(limit)s OFFSET %(offset)s) p ON true WHERE r.id = 1"
        )

        async def read(conn: psycopg.AsyncConnection[Any]) -> tuple[int, list[Place], int]:
            rows = await (await conn.execute(sql, params)).fetchall()
            revision = int(rows[0]["_rev"])
            if rows[0]["id"] is None:  # no row on this page: count them apart (past the end)
                matched = 0
                if query.offset:
                    count = f"SELECT count(*) AS n FROM places{where}"
                    matched = int((await (await conn.execute(count, params)).fetchall())[0]["n"])
                return revision, [], matched
            return revision, [_place(r) for r in rows], int(rows[0]["_matched"])

        return await self._run(read)

    async def nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        """From the city's index (:mod:`geo.store.near_index`) when it can answer: one
        statement brings the revision with the few rows, and the index is made again when
        the revision has moved on; else :meth:`nearby_in_sql`."""
        if not near_index.handles(query):
            return await self.nearby_in_sql(lon, lat, limit, query)
        city = str(query.city)
        index = self.near.get(city)
        for _ in range(3):  # a write between two statements: the index is made again
            if index is None:
                index = await self._index(city)
            found = index.nearest(lon, lat, limit, query)
            unread = index.unread(found)
            if unread:
                revision, rows = await self._rows_by_id(index, unread)
            else:  # every place is the index's: the revision alone, read with others waiting
                revision, rows = await self.revision(), {}
            if revision == index.revision:  # the rows are those the index was made from
                read = {key: _candidate(row) for key, row in rows.items()}
                return revision, index.answer(found, read)
            index = None
        return await self.nearby_in_sql(lon, lat, limit, query)  # writes keep coming

    async def _index(self, city: str) -> near_index.NearIndex:
        """The city's index, made from one snapshot with its revision, and kept."""
        sql = (
            "SELECT r.rev AS _rev, p.* FROM store_revision r LEFT JOIN LATERAL ("
            "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, category, kind, status, source"
            " FROM places WHERE city = %(city)s) p ON true WHERE r.id = 1"
        )

        async def read(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
            return await (await conn.execute(sql, {"city": city})).fetchall()

        rows = await self._run(read)
        index = near_index.NearIndex(
            int(rows[0]["_rev"]),
            [
                (r["id"], r["id"], r["lon"], r["lat"], r["category"], r["kind"], r["status"],
                 r["source"])
                for r in rows
                if r["id"] is not None
            ],
        )  # fmt: skip
        self.near.put(city, index)
        return index

    async def _rows_by_id(
        self, index: near_index.NearIndex, ids: list[Any]
    ) -> tuple[int, dict[Any, dict[str, Any]]]:
        """The store's revision and the rows of ``ids`` (none: the revision alone), from one
        statement."""
        sql = (
            "SELECT r.rev AS _rev, p.* FROM store_revision r LEFT JOIN LATERAL ("
            f"SELECT {_CANDIDATE_COLUMNS} FROM places WHERE id = ANY(%(ids)s)) p ON true"
            " WHERE r.id = 1"
        )

        async def read(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
            return await (await conn.execute(sql, {"ids": ids})).fetchall()

        rows = await self._run(read)
        return int(rows[0]["_rev"]), {r["id"]: r for r in rows if r["id"] is not None}

    async def nearby_in_sql(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        """As :meth:`geo.store.postgis.PostgisStore.nearby`: the KNN order on degrees gives a
        radius (with the revision, in one statement), the box around it every match within."""
        where, params = _where(query, None)
        params.update(lon=lon, lat=lat, limit=limit)
        knn = (
            f"SELECT r.rev AS _rev, p.* FROM store_revision r LEFT JOIN LATERAL ("
            f"SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM places{where}"
            " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
            " LIMIT %(limit)s) p ON true WHERE r.id = 1"
        )

        async def read(
            conn: psycopg.AsyncConnection[Any],
        ) -> tuple[int, list[dict[str, Any]], float]:
            rows = await (await conn.execute(knn, params)).fetchall()
            revision = int(rows[0]["_rev"])
            found = [r for r in rows if r["x"] is not None]
            radius = math.inf
            if len(found) == limit:  # else fewer matches than asked for: all of them are wanted
                xs, ys = [r["x"] for r in found], [r["y"] for r in found]
                radius = float(geodesic_many_m(lon, lat, xs, ys).max())
            box = shared.search_box(lon, lat, radius) if math.isfinite(radius) else None
            near_where, near_params = _where(query, box)
            sql = f"SELECT {_CANDIDATE_COLUMNS} FROM places{near_where}"
            near = await (await conn.execute(sql, near_params)).fetchall()
            return revision, near, radius

        revision, rows, radius = await self._run(read)
        dist = geodesic_many_m(lon, lat, [r["lon"] for r in rows], [r["lat"] for r in rows])
        kept = sorted(
            (float(d), r["id"], i)
            for i, (r, d) in enumerate(zip(rows, dist, strict=True))
            if d <= radius
        )[:limit]
        return revision, [(_candidate(rows[i]), d) for d, _, i in kept]
