"""The server store: PostgreSQL + PostGIS, for many cities or many users at once.

Spatial predicates run in SQL on GIST indexes. Distances are still computed in Python with
geo.walk.distance on the stored coordinates, so this store and the GeoPackage store report identical
metres and orders. Geometries travel as WKB both ways, so coordinates round-trip bit for bit.
The schema belongs to Alembic (geo/store/migrations); this class only checks it is at head.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from geo.analysis.stored import SUMMARY_FIELDS, StoredCoverage, from_row
from geo.borders import NEAR_DEGREES, assign_point, in_area
from geo.errors import AlreadyExists, NotFound, StoreError
from geo.history import Change, area_diff, place_diff
from geo.model import Area, Category, City, Place, PopulationCell, Town
from geo.store import migrate, near_index, shared
from geo.store.base import AreaChanges, CityCounts, PlaceChanges, PlaceQuery, Store
from geo.store.postgis_accounts import AccountRecords
from geo.store.postgis_async import REVISION_SQL, AsyncReads
from geo.store.postgis_binary import BINARY, execute_binary
from geo.store.postgis_statistics import refresh_statistics
from geo.store.postgis_tables import (
    areas_t,
    categories_t,
    changes_t,
    cities_t,
    coverage_t,
    envelope,
    id_aliases_t,
    networks_t,
    one_of,
    places_t,
    point_sql,
    population_t,
    towns_t,
    wkb,
)
from geo.store.postgis_tables import upsert as _upsert
from geo.store.shared import now_iso
from geo.text import fold
from geo.walk.distance import geodesic_many_m

__all__ = ["PostgisStore", "upgrade"]

upgrade = migrate.upgrade  # `tsudoi db upgrade` may import it from here or from geo.store.migrate

_AREA_COLUMNS = [c for c in areas_t.c if c.name != "content_hash"]
_PLACE_COLUMNS = [c for c in places_t.c if c.name not in ("content_hash", "search")]
_PLACE_FIELDS = [c.name for c in _PLACE_COLUMNS if c.name != "geom"]
_PLACE_HASHED = [*_PLACE_COLUMNS, places_t.c.content_hash]  # a row to write over: its ETag
_AREA_HASHED = [*_AREA_COLUMNS, areas_t.c.content_hash]

# Connections for reads (one pool per worker process): as many as the server's worker threads,
# so no thread waits for a connection and no more are ever opened (see service.app).
POOL_SIZE = 20
_WRITERS = 2  # connections for writes, beside the readers' pool
_RECYCLE_S = 1800  # replace a pooled connection after 30 minutes, before idle time-outs bite
_REVISION = text(REVISION_SQL)
T = TypeVar("T")


class PostgisStore(AccountRecords, Store):
    """Everything a :class:`~geo.store.base.Store` holds, in a PostGIS database migrated to head."""

    def __init__(self, url: str, auto_upgrade: bool = False, pool_size: int = POOL_SIZE) -> None:
        target = migrate.database_url(url)
        self.url = target.render_as_string(hide_password=True)
        self.pool_size = pool_size
        self._conninfo = target.set(drivername="postgresql").render_as_string(hide_password=False)
        self._async: dict[asyncio.AbstractEventLoop, AsyncReads] = {}  # by the loop they serve
        self._near = near_index.NearCache()  # nearby's city indexes, for every loop's reads
        # Reads run in autocommit on a pool as large as the server's worker threads: no BEGIN,
        # no ROLLBACK and no liveness ping per checkout, so a read is one round trip. A
        # connection the server dropped is found by the read that uses it, which retries once
        # on a new one (_read); pool_recycle replaces connections before any idle time-out.
        self._reader = create_engine(
            target,
            isolation_level="AUTOCOMMIT",  # set once per connection, never switched
            pool_reset_on_return=None,  # autocommit: nothing to roll back on check-in
            pool_size=pool_size,
            max_overflow=0,
            pool_recycle=_RECYCLE_S,
        )
        event.listen(self._reader, "do_execute", execute_binary)
        # writes (imports, a few at a time) have their own small pool, opened when first used
        self._engine = create_engine(
            target, pool_size=_WRITERS, max_overflow=0, pool_recycle=_RECYCLE_S
        )
        try:
            self._check_schema(target, auto_upgrade)
        except BaseException:
            self.close()
            raise

    def _check_schema(self, target: URL, auto_upgrade: bool) -> None:
        """Refuse a schema other than head, so no query runs against columns it does not know."""
        with self._connect() as conn:
            rev = migrate.current_revision(conn)
        head = migrate.head()
        if rev == head:
            return
        if rev is not None and rev not in migrate.known_revisions():
            raise StoreError(
                f"the database at {self.url} has schema revision {rev}, which this Tsudoi does "
                "not know (written by a newer version?); upgrade Tsudoi"
            )
        if auto_upgrade:
            migrate.upgrade(target)
            return
        found = "no Tsudoi schema" if rev is None else f"schema revision {rev}"
        raise StoreError(
            f"the database at {self.url} has {found}, but this Tsudoi needs {head}; "
            "run `tsudoi db upgrade`"
        )

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._reader.dispose()
        self._engine.dispose()

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A connection for one read (autocommit); database failures become StoreError."""
        try:
            with self._reader.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"the database at {self.url} failed: {exc}") from exc

    def _read(self, work: Callable[[Connection], T]) -> T:
        """Run a read; on a connection the server dropped (a restart), once more on a new one.

        SQLAlchemy invalidates the whole pool when it meets a dead connection, so after a
        PostgreSQL restart only the reads already under way fail, and no Tsudoi restart is needed.
        """
        for attempt in (1, 2):
            try:
                with self._reader.connect() as conn:
                    return work(conn)
            except DBAPIError as exc:
                if exc.connection_invalidated and attempt == 1:
                    continue
                raise StoreError(f"the database at {self.url} failed: {exc}") from exc
            except SQLAlchemyError as exc:
                raise StoreError(f"the database at {self.url} failed: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back entirely if it raises."""
        try:
            with self._engine.begin() as conn:
                yield conn
                # any write, by any process, moves the store's revision on (in the same commit)
                conn.execute(text("UPDATE store_revision SET rev = rev + 1 WHERE id = 1"))
        except SQLAlchemyError as exc:
            raise StoreError(
                f"nothing was written to {self.url}: {getattr(exc, 'orig', None) or exc}"
            ) from exc

    # -- reads on a server's event loop (geo.store.postgis_async) -----------------------------
    async def open_async(self) -> None:
        """Open the async pool for the running loop (a server's start-up; tests' clients each
        run their own loop, so each gets its own pool, closed when it ends)."""
        loop = asyncio.get_running_loop()
        if loop not in self._async:
            reads = AsyncReads(self._conninfo, self.url, near=self._near)
            await reads.open()
            self._async[loop] = reads

    async def close_async(self) -> None:
        reads = self._async.pop(asyncio.get_running_loop(), None)
        if reads is not None:
            await reads.close()

    def _reads(self) -> AsyncReads | None:
        return self._async.get(asyncio.get_running_loop())

    async def revision_now(self) -> int:
        reads = self._reads()
        return await (reads.revision() if reads else asyncio.to_thread(self.revision))

    async def page_now(self, query: PlaceQuery) -> tuple[int, list[Place], int]:
        reads = self._reads()
        if reads is None or query.area is not None:  # no pool on this loop, or a border rule
            return await asyncio.to_thread(self.read_page, query)
        return await reads.page(query)

    async def nearby_now(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        reads = self._reads()
        if reads is None or query.area is not None or limit <= 0:
            return await asyncio.to_thread(self.read_nearby, lon, lat, limit, query)
        return await reads.nearby(lon, lat, limit, query)

    def revision(self) -> int:
        return int(self._read(lambda conn: conn.execute(_REVISION).scalar_one()))

    def _rows(self, stmt: Select[Any]) -> Sequence[Row[Any]]:
        return self._read(lambda conn: conn.execute(stmt).all())

    # -- cities ----------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        with self._tx() as conn:
            conn.execute(_upsert(cities_t, "code"), [shared.city_values(city)])

    def cities(self) -> list[City]:
        rows = self._rows(select(cities_t).order_by(cities_t.c.code))
        return [City(**r._asdict()) for r in rows]

    def city_counts(self, code: str) -> CityCounts:
        return self._read(
            lambda conn: shared.city_counts(
                conn.execute(
                    select(areas_t.c.level, func.count())
                    .where(areas_t.c.city == code)
                    .group_by(areas_t.c.level)
                    .order_by(areas_t.c.level)
                ).all(),
                conn.execute(
                    select(places_t.c.kind, func.count())
                    .where(places_t.c.city == code, places_t.c.status == "active")
                    .group_by(places_t.c.kind)
                    .order_by(places_t.c.kind)
                ).all(),
            )
        )

    # -- categories ------------------------------------------------------------------------
    def put_categories(self, categories: list[Category]) -> None:
        if not categories:
            return
        with self._tx() as conn:
            self._upsert_categories(conn, categories)

    @staticmethod
    def _upsert_categories(conn: Connection, categories: list[Category]) -> None:
        """Upsert in the caller's transaction (an import writes new categories with its places)."""
        rows = [shared.category_values(c) for c in categories]
        conn.execute(_upsert(categories_t, "city", "slug"), shared.last_wins(rows, "city", "slug"))

    def categories(self, city: str | None = None) -> list[Category]:
        rows = self._rows(
            select(categories_t)
            .where(categories_t.c.city.in_(["", city or ""]))
            .order_by(categories_t.c.city, categories_t.c.slug)
        )
        return shared.merge_categories(shared.category_from_row(r._mapping) for r in rows)

    # -- areas -----------------------------------------------------------------------------
    @staticmethod
    def _area(r: Row[Any]) -> Area:
        return shared.area_from_row(r._mapping, to_shape(r.geom), r.contacts or [])

    def _areas(self, *where: ColumnElement[bool]) -> list[Area]:
        stmt = select(*_AREA_COLUMNS).where(*where).order_by(areas_t.c.level, areas_t.c.id)
        return [self._area(r) for r in self._rows(stmt)]

    def areas(self, city: str, level: int | None = None) -> list[Area]:
        where = [areas_t.c.city == city]
        if level is not None:
            where.append(areas_t.c.level == level)
        return self._areas(*where)

    def area(self, area_id: str) -> Area | None:
        found = self._areas(areas_t.c.id == area_id)
        return found[0] if found else None

    def areas_at(self, city: str, lon: float, lat: float) -> list[Area]:
        m = NEAR_DEGREES  # the areas that may hold the point, border included; the rule decides
        near = envelope((lon - m, lat - m, lon + m, lat + m))
        candidates = self._areas(areas_t.c.city == city, areas_t.c.geom.op("&&")(near))
        return assign_point(city, candidates, lon, lat)

    def area_hashes(self, city: str) -> dict[str, str]:
        return self._hashes(areas_t, city)

    def _hashes(self, table: Table, city: str) -> dict[str, str]:
        """id → content hash of the city's rows in ``table``."""
        rows = self._rows(select(table.c.id, table.c.content_hash).where(table.c.city == city))
        return {r.id: r.content_hash for r in rows}

    def apply_areas(self, changes: AreaChanges) -> None:
        if not changes.upsert:
            return
        rows = [
            shared.area_values(a) | {"geom": wkb(shared.as_multipolygon(a.geometry))}
            for a in changes.upsert
        ]
        with self._tx() as conn:
            conn.execute(_upsert(areas_t, "id"), shared.last_wins(rows, "id"))
        refresh_statistics(self._engine, areas_t, len(rows))

    # -- places ----------------------------------------------------------------------------
    @staticmethod
    def _place(r: Row[Any]) -> Place:
        point = to_shape(r.geom)
        extra = r.extra or {}
        return shared.record_from_row(Place, r._mapping, lon=point.x, lat=point.y, extra=extra)

    @staticmethod
    def _where(query: PlaceQuery) -> list[ColumnElement[bool]]:
        p = places_t.c
        where: list[ColumnElement[bool]] = []
        if query.city:
            where.append(p.city == query.city)
        if query.categories:
            where.append(p.category.in_(query.categories))
        if query.kinds:
            where.append(p.kind.in_(query.kinds))
        if query.statuses:
            where.append(p.status.in_(query.statuses))
        if query.area is not None:  # the candidates; geo.borders.in_area decides (_in_area)
            area_geom = select(areas_t.c.geom).where(areas_t.c.id == query.area)
            near = func.ST_Expand(area_geom.scalar_subquery(), NEAR_DEGREES)
            where.append(p.geom.op("&&")(near))
        if query.bbox:
            env = envelope(query.bbox)
            where.append(p.geom.op("&&")(env))
            where.append(func.ST_Intersects(p.geom, env))
        text = fold(query.q)  # fold is idempotent: a query folded by the caller is unchanged
        if text:
            where.append(p.search.like(shared.like_pattern(text), escape="\\"))
        if query.source is not None:
            where.append(p.source == query.source)
        return where

    def _in_area(self, query: PlaceQuery) -> list[Place]:
        """Every place the query keeps in its area, the border rule applied (geo.borders)."""
        assert query.area is not None
        area = self.area(query.area)
        stmt = select(*_PLACE_COLUMNS).where(*self._where(query)).order_by(places_t.c.id)
        found = [self._place(r) for r in self._rows(stmt)]
        if area is None:
            return []
        city_areas = self.areas(area.city)
        keep = in_area(area, city_areas, [p.lon for p in found], [p.lat for p in found])
        return [p for p, ok in zip(found, keep, strict=True) if ok]

    def places(self, query: PlaceQuery) -> list[Place]:
        if query.area is not None:
            end = None if query.limit is None else query.offset + query.limit
            return self._in_area(query)[query.offset : end]
        stmt = select(*_PLACE_COLUMNS).where(*self._where(query)).order_by(places_t.c.id)
        if query.offset:
            stmt = stmt.offset(query.offset)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return [self._place(r) for r in self._rows(stmt)]

    def count_places(self, query: PlaceQuery) -> int:
        if query.area is not None:
            return len(self._in_area(query))
        stmt = select(func.count()).select_from(places_t).where(*self._where(query))
        return int(self._read(lambda conn: conn.execute(stmt).scalar_one()))

    def place(self, place_id: str) -> Place | None:
        rows = self._rows(select(*_PLACE_COLUMNS).where(places_t.c.id == place_id))
        return self._place(rows[0]) if rows else None

    def nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> list[tuple[Place, float]]:
        """query.limit and query.offset are ignored: ``limit`` says how many.

        KNN (<->) on 4326 geometry ranks by degrees, not metres, so it only finds a radius:
        the geodesic distance r of its limit-th candidate bounds the true answer. Every match
        within r is then fetched through a lon/lat box and ranked by (geodesic metres, id).
        """
        if limit <= 0:
            return []
        if query.area is not None:  # the area's places, the border rule applied, then ranked
            inside = self._in_area(query)
            metres = geodesic_many_m(lon, lat, [p.lon for p in inside], [p.lat for p in inside])
            pairs = zip(inside, map(float, metres), strict=True)
            return sorted(pairs, key=lambda pd: (pd[1], pd[0].id))[:limit]
        where = self._where(query)

        x, y = func.ST_X(places_t.c.geom).label("x"), func.ST_Y(places_t.c.geom).label("y")

        def within(conn: Connection) -> tuple[Sequence[Any], float]:
            knn = conn.execute(  # only the coordinates: they give the radius
                select(x, y)
                .where(*where)
                .order_by(places_t.c.geom.op("<->")(point_sql(lon, lat)))
                .limit(limit)
            ).all()
            radius = math.inf
            if len(knn) == limit:  # else fewer matches than asked for: all of them are wanted
                radius = float(
                    geodesic_many_m(lon, lat, [r.x for r in knn], [r.y for r in knn]).max()
                )
            box = shared.search_box(lon, lat, radius) if math.isfinite(radius) else None
            near = [] if box is None else [places_t.c.geom.op("&&")(envelope(box))]
            rows = conn.execute(select(*_PLACE_COLUMNS, x, y).where(*where, *near)).all()
            return rows, radius

        rows, radius = self._read(within)
        dist = geodesic_many_m(lon, lat, [r.x for r in rows], [r.y for r in rows])
        kept = sorted(
            (float(d), r.id, i) for i, (r, d) in enumerate(zip(rows, dist, strict=True))
            if d <= radius
        )[:limit]
        return [(self._place(rows[i]), d) for d, _, i in kept]

    def place_hashes(self, city: str) -> dict[str, tuple[str, str | None, str]]:
        p = places_t.c
        rows = self._rows(select(p.id, p.content_hash, p.source, p.status).where(p.city == city))
        return {r.id: (r.content_hash, r.source, r.status) for r in rows}

    def renamed(self, kind: str, old_id: str) -> str | None:
        a = id_aliases_t.c
        rows = self._rows(select(a.new_id).where(a.old_id == old_id, a.kind == kind))
        return str(rows[0].new_id) if rows else None

    def apply_places(self, changes: PlaceChanges) -> None:
        """Rows whose content hash is unchanged are left alone, updated_at included."""
        stamp = now_iso()
        latest = {p.id: p for p in changes.upsert}  # the last one given for an id wins
        p = places_t.c
        history: list[Change] = []
        with self._tx() as conn:
            if changes.categories:
                self._upsert_categories(conn, changes.categories)
            stored: dict[str, tuple[str, Place]] = {}
            if latest:
                stored = {
                    r.id: (r.content_hash, self._place(r))
                    for r in conn.execute(
                        select(*_PLACE_HASHED)
                        .where(one_of(p.id, list(latest)))
                        .with_for_update()
                    )
                }
            rows = []
            for place in latest.values():
                digest = place.content_hash()
                old = stored.get(place.id)
                if old is not None and old[0] == digest:
                    continue
                row = shared.place_values(place, _PLACE_FIELDS, stamp=stamp, digest=digest)
                row["geom"] = wkb(Point(place.lon, place.lat))
                rows.append(row)
                before = old[1] if old is not None else None
                change = shared.import_change(before, place, changes.source)
                if change is not None:
                    history.append(change)
            if rows:
                conn.execute(_upsert(places_t, "id"), rows)
            closing: list[Place] = []
            if changes.close:
                closing = [
                    self._place(r)
                    for r in conn.execute(
                        select(*_PLACE_COLUMNS)
                        .where(one_of(p.id, list(changes.close)), p.status != "closed")
                        .with_for_update()
                    )
                ]
                for place in closing:
                    before = dataclasses.replace(place)
                    place.status = "closed"
                    change = shared.import_change(before, place, changes.source)
                    if change is not None:
                        history.append(change)
                if closing:
                    conn.execute(
                        update(places_t)
                        .where(p.id == bindparam("b_id"))
                        .values(
                            status="closed",
                            updated_at=stamp,
                            content_hash=bindparam("b_hash"),
                        ),
                        [{"b_id": c.id, "b_hash": c.content_hash()} for c in closing],
                    )
            if history:
                for change in history:
                    change.at = stamp
                conn.execute(
                    pg_insert(changes_t), [shared.change_values(c) for c in history]
                )
        refresh_statistics(self._engine, places_t, len(rows) + len(closing))

    # -- writes one record at a time, with their history ----------------------------------
    @staticmethod
    def _record(conn: Connection, change: Change, stamp: str) -> Change:
        """Insert one change in the caller's transaction; sets its ``at`` and ``id``."""
        change.at = stamp
        stmt = pg_insert(changes_t).values(shared.change_values(change))
        change.id = int(conn.execute(stmt.returning(changes_t.c.id)).scalar_one())
        return change

    def write_place(self, place: Place, expected: str | None, change: Change) -> Place:
        """The row is locked (SELECT … FOR UPDATE) from the check to the commit, so of two
        writers holding the same ETag the second sees the first's hash and gets StaleWrite."""
        stamp = now_iso()
        p = places_t.c
        try:
            with self._tx() as conn:
                old = conn.execute(
                    select(*_PLACE_HASHED)
                    .where(p.id == place.id)
                    .with_for_update()
                ).first()
                before = self._place(old) if old is not None else None
                if expected is None and before is not None:
                    raise AlreadyExists(f"a place with id {place.id!r} exists already")
                if expected is not None:
                    if before is None or old is None:
                        raise NotFound(f"no place with id {place.id!r}")
                    stored_hash = old.content_hash
                    shared.check_etag(place.id, expected, stored_hash, before.content_hash())
                diff = place_diff(before, place)
                if not diff:
                    raise shared.Unchanged(before)
                row = shared.place_values(
                    place, _PLACE_FIELDS, stamp=stamp, digest=place.content_hash()
                )
                row["geom"] = wkb(Point(place.lon, place.lat))
                if old is None:  # a creator racing another for the same id loses here
                    done = conn.execute(
                        pg_insert(places_t).values(row).on_conflict_do_nothing(
                            index_elements=[p.id]
                        )
                    )
                    if done.rowcount == 0:
                        raise AlreadyExists(f"a place with id {place.id!r} exists already")
                else:
                    conn.execute(update(places_t).where(p.id == place.id).values(row))
                change.fields = diff
                self._record(conn, change, stamp)
                return self._place(
                    conn.execute(select(*_PLACE_COLUMNS).where(p.id == place.id)).one()
                )
        except shared.Unchanged as same:
            stored: Place = same.record
            return stored

    def write_area(self, area: Area, expected: str, change: Change) -> Area:
        stamp = now_iso()
        a = areas_t.c
        try:
            with self._tx() as conn:
                old = conn.execute(
                    select(*_AREA_HASHED).where(a.id == area.id).with_for_update()
                ).first()
                if old is None:
                    raise NotFound(f"no area with id {area.id!r}")
                before = self._area(old)
                shared.check_etag(area.id, expected, old.content_hash, before.content_hash())
                after = self._area(old)
                after.contacts = list(area.contacts)
                diff = area_diff(before, after)
                if not diff:
                    raise shared.Unchanged(before)
                conn.execute(
                    update(areas_t)
                    .where(a.id == area.id)
                    .values(
                        contacts=[c.as_dict() for c in after.contacts],
                        content_hash=after.content_hash(),
                    )
                )
                change.fields = diff
                self._record(conn, change, stamp)
                return after
        except shared.Unchanged as same:
            stored: Area = same.record
            return stored

    def changes(
        self, kind: str, record_id: str | None = None, city: str | None = None
    ) -> list[Change]:
        c = changes_t.c
        stmt = select(changes_t).where(c.kind == kind)
        if record_id is not None:
            stmt = stmt.where(c.record_id == record_id)
        if city is not None:
            stmt = stmt.where(c.city == city)
        rows = self._rows(stmt.order_by(c.id))
        return [shared.change_from_row(r._mapping, dict(r.fields or {})) for r in rows]

    # -- towns -----------------------------------------------------------------------------
    def towns(self, city: str, q: str | None = None, limit: int | None = None) -> list[Town]:
        t = towns_t.c
        stmt = select(
            t.id, t.city, t.name, t.kana, t.area, t.source, t.demo,
            func.ST_X(t.geom).label("lon"), func.ST_Y(t.geom).label("lat"),
        ).where(t.city == city)
        text = fold(q)
        if text:
            stmt = stmt.where(t.search.like(shared.like_pattern(text), escape="\\"))
        found = [shared.town_from_row(r._mapping) for r in self._rows(stmt)]
        return shared.rank_towns(found, q, limit)

    def put_towns(self, towns: list[Town]) -> None:
        if not towns:
            return
        rows = [
            shared.town_values(t, "lon", "lat") | {"geom": wkb(Point(t.lon, t.lat))}
            for t in towns
        ]
        with self._tx() as conn:
            conn.execute(_upsert(towns_t, "id"), rows)
        refresh_statistics(self._engine, towns_t, len(rows))

    # -- walking networks --------------------------------------------------------------------
    def put_network(self, city: str, blob: bytes, meta: dict[str, Any]) -> None:
        row = {"city": city, "blob": blob, "meta": meta, "updated_at": now_iso()}
        with self._tx() as conn:
            conn.execute(_upsert(networks_t, "city"), [row])

    def network(self, city: str) -> tuple[bytes, dict[str, Any]] | None:
        n = networks_t.c
        stmt = select(n.blob, n.meta).where(n.city == city).execution_options(**{BINARY: True})
        rows = self._rows(stmt)
        if not rows:
            return None
        return bytes(rows[0].blob), dict(rows[0].meta or {})

    def network_meta(self, city: str) -> dict[str, Any] | None:
        n = networks_t.c
        rows = self._rows(select(n.meta).where(n.city == city))
        return dict(rows[0].meta or {}) if rows else None

    # -- population ------------------------------------------------------------------------
    def put_population(self, cells: list[PopulationCell]) -> None:
        if not cells:
            return
        rows = [
            shared.population_values(c) | {"geom": wkb(c.geometry)} for c in cells
        ]
        with self._tx() as conn:
            conn.execute(_upsert(population_t, "id"), shared.last_wins(rows, "id"))
        refresh_statistics(self._engine, population_t, len(rows))

    def population(self, city: str) -> list[PopulationCell]:
        p = population_t.c
        stmt = (
            select(*(c for c in population_t.c if c.name != "content_hash"))
            .where(p.city == city)
            .order_by(p.id)
        )
        rows = self._rows(stmt)
        return [shared.population_from_row(r._mapping, to_shape(r.geom)) for r in rows]

    def population_hashes(self, city: str) -> dict[str, str]:
        return self._hashes(population_t, city)

    # -- coverage kept by a batch ------------------------------------------------------------
    def put_coverage(self, record: StoredCoverage) -> None:
        with self._tx() as conn:
            conn.execute(_upsert(coverage_t, "city"), [record.summary() | record.documents()])

    def stored_coverage(self, city: str) -> StoredCoverage | None:
        rows = self._rows(select(coverage_t).where(coverage_t.c.city == city))
        return from_row(rows[0]._mapping, dict(rows[0]._mapping)) if rows else None

    def coverage_summaries(self) -> list[StoredCoverage]:
        c = coverage_t.c
        stmt = select(*(c[name] for name in SUMMARY_FIELDS), c.categories).order_by(c.city)
        return [from_row(r._mapping, {"categories": r.categories}) for r in self._rows(stmt)]
