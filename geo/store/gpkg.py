"""The embedded store: one GeoPackage file (SQLite), so Tsudoi runs with nothing but pip install.

Areas, places, towns and population cells are ordinary GeoPackage feature tables that QGIS and
GDAL open as layers; cities, categories and walking networks are attribute tables (the schema and
its migrations: :mod:`geo.store.gpkg_schema`). Boxes and nearest places are found on the
places' GeoPackage R-tree (:mod:`geo.store.gpkg_rtree`), the exact tests run on the rows found;
area predicates run in shapely over the city's areas, kept decoded per store revision.
What both stores share (search text, records ⇄ rows) is in :mod:`geo.store.shared`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from shapely.geometry import Point

from geo.accounts import ApiToken, User
from geo.analysis.stored import SUMMARY_FIELDS, StoredCoverage, from_row
from geo.borders import assign_point, in_area
from geo.errors import AlreadyExists, NotFound, StoreError
from geo.history import Change, area_diff, place_diff
from geo.model import Area, Category, City, Place, PopulationCell, Town
from geo.store import gpkg_rtree, gpkg_schema, near_index, shared
from geo.store.base import AreaChanges, CityCounts, PlaceChanges, PlaceQuery, Store
from geo.store.gpkg_geometry import from_blob, register_functions, to_blob
from geo.store.gpkg_nearby import NearbyReads
from geo.store.shared import now_iso
from geo.text import fold

T = TypeVar("T")

# Place fields stored as plain columns: every field but those with their own encoding.
_PLACE_TEXT_FIELDS = tuple(
    f.name for f in fields(Place) if f.name not in {"lon", "lat", "schedule_rules", "extra", "demo"}
)


class GpkgStore(NearbyReads, Store):
    """Everything a :class:`~geo.store.base.Store` holds, in one GeoPackage file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None, timeout=30
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store file {self.path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        register_functions(self._db)  # the R-tree triggers call them on every write
        self._area_cache: dict[str, tuple[int, list[Area]]] = {}
        self._near = near_index.NearCache()
        self._init_schema()

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute(  # any write, by any process, moves the store's revision on
                    "INSERT INTO tsudoi_meta VALUES ('revision', '1') ON CONFLICT (key)"
                    " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise StoreError(f"could not write {self.path}: {exc}") from exc
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def use_wal(self) -> None:
        """Switch the file to write-ahead logging (kept in the file): readers in other
        processes are never blocked by the one writer. GDAL and QGIS read such files too."""
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")

    async def _on_loop(self, read: Callable[[], T]) -> T:
        """A read on the event loop itself when the file is free: a small read of a local file
        takes less than a hop to a worker thread and back. When another thread holds the file
        (an import, a long listing), the read waits in a thread instead, never on the loop."""
        if self._lock.acquire(blocking=False):
            try:
                return read()
            finally:
                self._lock.release()
        return await asyncio.to_thread(read)

    async def revision_now(self) -> int:
        return await self._on_loop(self.revision)

    async def page_now(self, query: PlaceQuery) -> tuple[int, list[Place], int]:
        return await self._on_loop(lambda: self.read_page(query))

    async def nearby_now(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> tuple[int, list[tuple[Place, float]]]:
        return await self._on_loop(lambda: self.read_nearby(lon, lat, limit, query))

    def revision(self) -> int:
        row = self._query("SELECT value FROM tsudoi_meta WHERE key='revision'")
        return int(row[0][0]) if row else 0

    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _init_schema(self) -> None:
        try:
            with self._lock:
                version = gpkg_schema.stored_version(self._db, self.path)
            if version is None:
                with self._tx() as db:
                    gpkg_schema.create(db)
            elif version < gpkg_schema.SCHEMA_VERSION:
                with self._tx() as db:
                    gpkg_schema.migrate(db, version)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use {self.path} as a store: {exc}") from exc

    @staticmethod
    def _upsert(db: sqlite3.Connection, table: str, rows: list[dict[str, Any]], *key: str) -> None:
        """Insert rows or update them in place by ``key``, every column but the key."""
        if not rows:
            return
        cols = list(rows[0])
        db.executemany(
            f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c}=excluded.{c}" for c in cols if c not in key),
            [[r[c] for c in cols] for r in rows],
        )

    # -- cities ----------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        with self._tx() as db:
            self._upsert(db, "cities", [shared.city_values(city)], "code")

    def cities(self) -> list[City]:
        rows = self._query(
            "SELECT code, name, prefecture, crs_epsg, name_kana, name_en, parent_code"
            " FROM cities ORDER BY code"
        )
        return [City(**dict(r)) for r in rows]

    def city_counts(self, code: str) -> CityCounts:
        return shared.city_counts(
            self._query(
                "SELECT level, count(*) FROM areas WHERE city=? GROUP BY level ORDER BY level",
                (code,),
            ),
            self._query(
                "SELECT kind, count(*) FROM places WHERE city=? AND status='active'"
                " GROUP BY kind ORDER BY kind",
                (code,),
            ),
        )

    # -- categories ------------------------------------------------------------------------
    def put_categories(self, categories: list[Category]) -> None:
        with self._tx() as db:
            self._write_categories(db, categories)

    @classmethod
    def _write_categories(cls, db: sqlite3.Connection, categories: list[Category]) -> None:
        rows = [shared.category_values(c) for c in categories]
        cls._upsert(db, "categories", rows, "city", "slug")

    def categories(self, city: str | None = None) -> list[Category]:
        rows = self._query(
            "SELECT city, slug, label_ja, label_en, color, kind, icon, sort FROM categories"
            " WHERE city = '' OR city = ?",
            (city or "",),
        )
        return shared.merge_categories(shared.category_from_row(r) for r in rows)

    # -- areas -----------------------------------------------------------------------------
    @staticmethod
    def _area_from_row(r: sqlite3.Row) -> Area:
        contacts = json.loads(r["contacts"] or "[]")
        return shared.area_from_row(r, from_blob(r["geom"]), contacts)

    def _city_areas(self, city: str) -> list[Area]:
        """The city's areas, decoded once per store revision (a write by any process moves it)."""
        revision = self.revision()
        cached = self._area_cache.get(city)
        if cached and cached[0] == revision:
            return cached[1]
        rows = self._query("SELECT * FROM areas WHERE city=? ORDER BY level, id", (city,))
        areas = [self._area_from_row(r) for r in rows]
        self._area_cache[city] = (revision, areas)
        return areas

    def areas(self, city: str, level: int | None = None) -> list[Area]:
        return [a for a in self._city_areas(city) if level is None or a.level == level]

    def area(self, area_id: str) -> Area | None:
        rows = self._query("SELECT * FROM areas WHERE id=?", (area_id,))
        return self._area_from_row(rows[0]) if rows else None

    def areas_at(self, city: str, lon: float, lat: float) -> list[Area]:
        return assign_point(city, self._city_areas(city), lon, lat)

    def area_hashes(self, city: str) -> dict[str, str]:
        return self._hashes("areas", city)

    def _hashes(self, table: str, city: str) -> dict[str, str]:
        """id → content hash of the city's rows in ``table``."""
        rows = self._query(f"SELECT id, content_hash FROM {table} WHERE city=?", (city,))
        return {r["id"]: r["content_hash"] for r in rows}

    def apply_areas(self, changes: AreaChanges) -> None:
        rows = []
        for a in changes.upsert:
            row = shared.area_values(a)
            row.update(
                geom=to_blob(a.geometry),
                contacts=json.dumps(row["contacts"], ensure_ascii=False),
                demo=int(a.demo),
            )
            rows.append(row)
        with self._tx() as db:
            self._upsert(db, "areas", rows, "id")
            self._update_extent(db, "areas")

    # -- places ----------------------------------------------------------------------------
    @staticmethod
    def _place_from_row(r: sqlite3.Row) -> Place:
        rules = json.loads(r["schedule_rules"]) if r["schedule_rules"] else None
        extra = json.loads(r["extra"] or "{}")
        return shared.record_from_row(Place, r, schedule_rules=rules, extra=extra)

    def _where(
        self, query: PlaceQuery, ring: tuple[float, float, float, float] | None = None
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.city:
            clauses.append("city = ?")
            params.append(query.city)
        for column, values in (
            ("category", query.categories),
            ("kind", query.kinds),
            ("status", query.statuses),
        ):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        if query.q and fold(query.q):
            clauses.append("search LIKE ? ESCAPE '\\'")
            params.append(shared.like_pattern(fold(query.q)))
        if query.source is not None:
            clauses.append("source = ?")
            params.append(query.source)
        for window in (query.bbox, ring):
            if window:  # the R-tree finds the candidates; the columns hold the exact points
                indexed, box_params = gpkg_rtree.in_box("places", "geom", "fid", window)
                minx, miny, maxx, maxy = window
                clauses.append(f"{indexed} AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
                params.extend([*box_params, minx, maxx, miny, maxy])
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _matching_rows(
        self,
        query: PlaceQuery,
        ring: tuple[float, float, float, float] | None = None,
        columns: str = "*",
    ) -> list[sqlite3.Row]:
        """Rows matching the query (and within ``ring``, a search box of nearby()), by id;
        ``columns`` must include lon and lat."""
        where, params = self._where(query, ring)
        rows = self._query(f"SELECT {columns} FROM places{where} ORDER BY id", params)
        if query.area is not None:
            area = self.area(query.area)
            if area is None:
                return []
            lons = [float(r["lon"]) for r in rows]
            lats = [float(r["lat"]) for r in rows]
            inside = in_area(area, self._city_areas(area.city), lons, lats)
            rows = [r for r, ok in zip(rows, inside, strict=True) if ok]
        # a bbox needs nothing more: the SQL range test on the exact lon and lat columns,
        # bounds included, is what covers() of the box would say (shapely here was 14 % of
        # an uncached bbox answer)
        return rows

    def places(self, query: PlaceQuery) -> list[Place]:
        rows = self._matching_rows(query)
        end = None if query.limit is None else query.offset + query.limit
        return [self._place_from_row(r) for r in rows[query.offset : end]]

    def count_places(self, query: PlaceQuery) -> int:
        if query.area is None and not query.bbox:
            where, params = self._where(query)
            return int(self._query(f"SELECT count(*) FROM places{where}", params)[0][0])
        return len(self._matching_rows(query))

    def place(self, place_id: str) -> Place | None:
        rows = self._query("SELECT * FROM places WHERE id=?", (place_id,))
        return self._place_from_row(rows[0]) if rows else None

    def place_hashes(self, city: str) -> dict[str, tuple[str, str | None, str]]:
        return {
            r["id"]: (r["content_hash"], r["source"], r["status"])
            for r in self._query(
                "SELECT id, content_hash, source, status FROM places WHERE city=?", (city,)
            )
        }

    def renamed(self, kind: str, old_id: str) -> str | None:
        rows = self._query(
            "SELECT new_id FROM id_aliases WHERE old_id=? AND kind=?", (old_id, kind)
        )
        return str(rows[0][0]) if rows else None

    @staticmethod
    def _place_row(p: Place, stamp: str, digest: str) -> dict[str, Any]:
        """Every column of a place's row: geometry, search text, JSON as text."""
        row = shared.place_values(p, _PLACE_TEXT_FIELDS, stamp=stamp, digest=digest)
        row.update(
            geom=to_blob(Point(p.lon, p.lat)),
            lon=p.lon,
            lat=p.lat,
            schedule_rules=(
                json.dumps(p.schedule_rules, ensure_ascii=False)
                if p.schedule_rules is not None
                else None
            ),
            extra=json.dumps(p.extra, ensure_ascii=False, sort_keys=True),
            demo=int(p.demo),
        )
        return row

    def apply_places(self, changes: PlaceChanges) -> None:
        stamp = now_iso()
        history: list[Change] = []
        with self._tx() as db:
            if changes.categories:
                self._write_categories(db, changes.categories)
            for p in changes.upsert:
                digest = p.content_hash()
                old = db.execute("SELECT * FROM places WHERE id=?", (p.id,)).fetchone()
                if old is not None and old["content_hash"] == digest:
                    continue
                before = self._place_from_row(old) if old is not None else None
                self._upsert(db, "places", [self._place_row(p, stamp, digest)], "id")
                change = shared.import_change(before, p, changes.source)
                if change is not None:
                    history.append(change)
            for place_id in changes.close:
                current = db.execute("SELECT * FROM places WHERE id=?", (place_id,)).fetchone()
                if current is None or current["status"] == "closed":
                    continue
                before = self._place_from_row(current)
                closed = self._place_from_row(current)
                closed.status = "closed"
                db.execute(
                    "UPDATE places SET status='closed', updated_at=?, content_hash=? WHERE id=?",
                    (stamp, closed.content_hash(), place_id),
                )
                change = shared.import_change(before, closed, changes.source)
                if change is not None:
                    history.append(change)
            self._update_extent(db, "places")
            for change in history:
                self._record(db, change, stamp)

    # -- writes one record at a time, with their history ----------------------------------
    @staticmethod
    def _record(db: sqlite3.Connection, change: Change, stamp: str) -> Change:
        """Insert one change in the caller's transaction; sets its ``at`` and ``id``."""
        change.at = stamp
        row = shared.change_values(change)
        row["fields"] = json.dumps(change.fields, ensure_ascii=False)
        cols = list(row)
        cur = db.execute(
            f"INSERT INTO changes ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
            [row[c] for c in cols],
        )
        change.id = int(cur.lastrowid or 0)
        return change

    def write_place(self, place: Place, expected: str | None, change: Change) -> Place:
        stamp = now_iso()
        try:
            with self._tx() as db:
                old = db.execute("SELECT * FROM places WHERE id=?", (place.id,)).fetchone()
                before = self._place_from_row(old) if old is not None else None
                if expected is None and before is not None:
                    raise AlreadyExists(f"a place with id {place.id!r} exists already")
                if expected is not None:
                    if before is None or old is None:
                        raise NotFound(f"no place with id {place.id!r}")
                    stored_hash = old["content_hash"]
                    shared.check_etag(place.id, expected, stored_hash, before.content_hash())
                diff = place_diff(before, place)
                if not diff:
                    raise shared.Unchanged(before)
                self._upsert(db, "places", [self._place_row(place, stamp, place.content_hash())],
                             "id")  # fmt: skip
                self._update_extent(db, "places")
                change.fields = diff
                self._record(db, change, stamp)
                row = db.execute("SELECT * FROM places WHERE id=?", (place.id,)).fetchone()
                return self._place_from_row(row)
        except shared.Unchanged as same:
            stored: Place = same.record
            return stored

    def write_area(self, area: Area, expected: str, change: Change) -> Area:
        stamp = now_iso()
        try:
            with self._tx() as db:
                old = db.execute("SELECT * FROM areas WHERE id=?", (area.id,)).fetchone()
                if old is None:
                    raise NotFound(f"no area with id {area.id!r}")
                before = self._area_from_row(old)
                shared.check_etag(area.id, expected, old["content_hash"], before.content_hash())
                after = self._area_from_row(old)
                after.contacts = list(area.contacts)
                diff = area_diff(before, after)
                if not diff:
                    raise shared.Unchanged(before)
                db.execute(
                    "UPDATE areas SET contacts=?, content_hash=? WHERE id=?",
                    (
                        json.dumps([c.as_dict() for c in after.contacts], ensure_ascii=False),
                        after.content_hash(),
                        area.id,
                    ),
                )
                change.fields = diff
                self._record(db, change, stamp)
                return after
        except shared.Unchanged as same:
            stored: Area = same.record
            return stored

    def changes(
        self, kind: str, record_id: str | None = None, city: str | None = None
    ) -> list[Change]:
        sql = "SELECT * FROM changes WHERE kind=?"
        params: list[Any] = [kind]
        if record_id is not None:
            sql += " AND record_id=?"
            params.append(record_id)
        if city is not None:
            sql += " AND city=?"
            params.append(city)
        rows = self._query(sql + " ORDER BY id", params)
        return [shared.change_from_row(r, json.loads(r["fields"] or "{}")) for r in rows]

    # -- people, tokens and settings ---------------------------------------------------------
    def put_user(self, user: User) -> None:
        email = user.email.strip().lower()
        with self._tx() as db:
            old = db.execute("SELECT created_at FROM users WHERE email=?", (email,)).fetchone()
            created = old["created_at"] if old else (user.created_at or now_iso())
            row = shared.user_values(user, created)
            row.update(areas=json.dumps(row["areas"], ensure_ascii=False),
                       disabled=int(user.disabled))  # fmt: skip
            self._upsert(db, "users", [row], "email")

    @staticmethod
    def _user(r: sqlite3.Row) -> User:
        return shared.user_from_row(r, json.loads(r["areas"] or "[]"))

    def user(self, email: str) -> User | None:
        rows = self._query("SELECT * FROM users WHERE email=?", (email.strip().lower(),))
        return self._user(rows[0]) if rows else None

    def users(self, city: str | None = None) -> list[User]:
        if city is None:
            rows = self._query("SELECT * FROM users ORDER BY email")
        else:
            rows = self._query("SELECT * FROM users WHERE city=? ORDER BY email", (city,))
        return [self._user(r) for r in rows]

    def put_token(self, token: ApiToken) -> None:
        with self._tx() as db:
            old = db.execute("SELECT created_at FROM api_tokens WHERE id=?", (token.id,)).fetchone()
            created = old["created_at"] if old else (token.created_at or now_iso())
            row = shared.token_values(token, created)
            row["areas"] = json.dumps(row["areas"], ensure_ascii=False)
            self._upsert(db, "api_tokens", [row], "id")

    @staticmethod
    def _token(r: sqlite3.Row) -> ApiToken:
        return shared.token_from_row(r, json.loads(r["areas"] or "[]"))

    def token(self, token_id: str) -> ApiToken | None:
        rows = self._query("SELECT * FROM api_tokens WHERE id=?", (token_id,))
        return self._token(rows[0]) if rows else None

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        rows = self._query("SELECT * FROM api_tokens WHERE token_hash=?", (token_hash,))
        return self._token(rows[0]) if rows else None

    def tokens(self, city: str | None = None) -> list[ApiToken]:
        if city is None:
            rows = self._query("SELECT * FROM api_tokens ORDER BY id")
        else:
            rows = self._query("SELECT * FROM api_tokens WHERE city=? ORDER BY id", (city,))
        return [self._token(r) for r in rows]

    def setting(self, name: str) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE name=?", (name,))
        return str(rows[0][0]) if rows else None

    def put_setting(self, name: str, value: str) -> None:
        with self._tx() as db:
            self._upsert(db, "settings", [{"name": name, "value": value}], "name")

    # -- towns -----------------------------------------------------------------------------
    def towns(self, city: str, q: str | None = None, limit: int | None = None) -> list[Town]:
        sql = "SELECT id, city, name, kana, area, source, demo, lon, lat FROM towns WHERE city=?"
        params: list[Any] = [city]
        if q and fold(q):
            sql += " AND search LIKE ? ESCAPE '\\'"
            params.append(shared.like_pattern(fold(q)))
        found = [shared.town_from_row(r) for r in self._query(sql, params)]
        return shared.rank_towns(found, q, limit)

    def put_towns(self, towns: list[Town]) -> None:
        rows = []
        for t in towns:
            row = shared.town_values(t)
            row.update(geom=to_blob(Point(t.lon, t.lat)), demo=int(t.demo), lon=t.lon, lat=t.lat)
            rows.append(row)
        with self._tx() as db:
            self._upsert(db, "towns", rows, "id")

    # -- walking networks --------------------------------------------------------------------
    def put_network(self, city: str, blob: bytes, meta: dict[str, Any]) -> None:
        row = {
            "city": city,
            "blob": sqlite3.Binary(blob),
            "meta": json.dumps(meta, ensure_ascii=False),
            "updated_at": now_iso(),
        }
        with self._tx() as db:
            self._upsert(db, "networks", [row], "city")

    def network(self, city: str) -> tuple[bytes, dict[str, Any]] | None:
        rows = self._query("SELECT blob, meta FROM networks WHERE city=?", (city,))
        if not rows:
            return None
        return bytes(rows[0]["blob"]), json.loads(rows[0]["meta"] or "{}")

    def network_meta(self, city: str) -> dict[str, Any] | None:
        rows = self._query("SELECT meta FROM networks WHERE city=?", (city,))
        return json.loads(rows[0]["meta"] or "{}") if rows else None

    # -- population ------------------------------------------------------------------------
    def put_population(self, cells: list[PopulationCell]) -> None:
        rows = []
        for c in cells:
            row = shared.population_values(c)
            row.update(geom=to_blob(c.geometry), demo=int(c.demo))
            rows.append(row)
        with self._tx() as db:
            self._upsert(db, "population", rows, "id")
            self._update_extent(db, "population")

    def population(self, city: str) -> list[PopulationCell]:
        rows = self._query(
            "SELECT geom, id, city, kind, code, name, total, age65, age75, year, source, demo"
            " FROM population WHERE city=? ORDER BY id",
            (city,),
        )
        return [shared.population_from_row(r, from_blob(r["geom"])) for r in rows]

    def population_hashes(self, city: str) -> dict[str, str]:
        return self._hashes("population", city)

    # -- coverage kept by a batch ------------------------------------------------------------
    def put_coverage(self, record: StoredCoverage) -> None:
        row = record.summary() | {
            k: None if v is None else json.dumps(v, ensure_ascii=False)
            for k, v in record.documents().items()
        }
        with self._tx() as db:
            self._upsert(db, "coverage_results", [row], "city")

    def stored_coverage(self, city: str) -> StoredCoverage | None:
        rows = self._query("SELECT * FROM coverage_results WHERE city=?", (city,))
        if not rows:
            return None
        r = rows[0]
        docs = {k: None if r[k] is None else json.loads(r[k])
                for k in ("categories", "areas", "cells", "notes")}  # fmt: skip
        return from_row(r, docs)

    def coverage_summaries(self) -> list[StoredCoverage]:
        rows = self._query(
            f"SELECT {', '.join(SUMMARY_FIELDS)}, categories FROM coverage_results ORDER BY city"
        )
        return [
            from_row(r, {"categories": None if r["categories"] is None
                         else json.loads(r["categories"])})
            for r in rows
        ]  # fmt: skip

    @staticmethod
    def _update_extent(db: sqlite3.Connection, table: str) -> None:
        """Keep gpkg_contents' extent current, as QGIS zooms to it."""
        if table == "places":
            ext = db.execute("SELECT min(lon), min(lat), max(lon), max(lat) FROM places").fetchone()
        else:
            boxes = [from_blob(r[0]).bounds for r in db.execute(f"SELECT geom FROM {table}")]
            arr = np.array(boxes) if boxes else None
            ext = (
                (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())
                if arr is not None
                else (None, None, None, None)
            )
        db.execute(
            "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?,"
            " last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
            (*[None if v is None else float(v) for v in ext], table),
        )
