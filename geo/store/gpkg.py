"""The embedded store: one GeoPackage file (SQLite), so Tsudoi runs with nothing but pip install.

Areas and places are ordinary GeoPackage feature tables that QGIS and GDAL open as layers; cities
and categories are attribute tables. Spatial predicates run in shapely over the city's rows, which
is fast enough for the thousands of records a city holds; PostGIS is the store for more.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, box

from geo.errors import StoreError
from geo.model import Area, Category, City, Contact, Place, PopulationCell, Town
from geo.store.base import AreaChanges, CityCounts, PlaceChanges, PlaceQuery, Store
from geo.store.gpkg_geometry import from_blob, to_blob
from geo.store.towns import rank_towns, town_search_text
from geo.text import fold
from geo.walk.distance import geodesic_many_m

SCHEMA_VERSION = 3  # 2: towns; 3: networks, population
_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10400  # GeoPackage 1.4

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

# Schema version 3: the walking-network blobs and the population cells
_V3_DDL = [
    """CREATE TABLE IF NOT EXISTS networks (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, city TEXT NOT NULL UNIQUE,
        blob BLOB NOT NULL, meta TEXT NOT NULL DEFAULT '{}', updated_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS population (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('mesh', 'town')),
        code TEXT NOT NULL, name TEXT, total DOUBLE NOT NULL, age65 DOUBLE NOT NULL,
        age75 DOUBLE NOT NULL, year TEXT, source TEXT, demo BOOLEAN NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS population_city ON population (city)",
]

_DDL = [
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
        identifier TEXT UNIQUE, description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name))""",
    """CREATE TABLE IF NOT EXISTS tsudoi_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cities (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        prefecture TEXT NOT NULL, crs_epsg INTEGER NOT NULL, name_kana TEXT, name_en TEXT,
        parent_code TEXT)""",
    """CREATE TABLE IF NOT EXISTS categories (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, city TEXT NOT NULL DEFAULT '', slug TEXT NOT NULL,
        label_ja TEXT NOT NULL, label_en TEXT NOT NULL, color TEXT NOT NULL, kind TEXT NOT NULL,
        icon TEXT, sort INTEGER NOT NULL DEFAULT 100, UNIQUE (city, slug))""",
    """CREATE TABLE IF NOT EXISTS areas (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, level INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT,
        parent TEXT, contacts TEXT NOT NULL DEFAULT '[]', source TEXT, source_date TEXT,
        demo BOOLEAN NOT NULL DEFAULT 0, content_hash TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS areas_city_level ON areas (city, level)",
    """CREATE TABLE IF NOT EXISTS places (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('gathering', 'venue')),
        category TEXT NOT NULL, name TEXT NOT NULL,
        kana TEXT, address TEXT, schedule TEXT, schedule_rules TEXT, fee TEXT, organiser TEXT,
        phone TEXT, email TEXT, description TEXT, url TEXT, accessibility TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'closed')),
        location_precision TEXT NOT NULL CHECK (location_precision IN ('exact', 'town')),
        last_verified TEXT,
        internal_contact TEXT, source TEXT, source_id TEXT, extra TEXT NOT NULL DEFAULT '{}',
        demo BOOLEAN NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, content_hash TEXT NOT NULL,
        search TEXT NOT NULL DEFAULT '', lon DOUBLE NOT NULL, lat DOUBLE NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS places_city_category ON places (city, category)",
    """CREATE TABLE IF NOT EXISTS towns (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, name TEXT NOT NULL, kana TEXT, area TEXT, source TEXT,
        demo BOOLEAN NOT NULL DEFAULT 0, search TEXT NOT NULL DEFAULT '',
        lon DOUBLE NOT NULL, lat DOUBLE NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS towns_city ON towns (city)",
    "CREATE INDEX IF NOT EXISTS places_city_status ON places (city, status)",
    *_V3_DDL,
]

# gpkg_contents / gpkg_geometry_columns rows of the tables schema version 3 added
_V3_CONTENTS = [
    ("networks", "attributes", "Tsudoi walking networks (one compressed array blob per city)"),
    ("population", "features", "Tsudoi population cells (地域メッシュ or 町丁目) with 65+/75+"),
]
_V3_GEOMETRY_COLUMNS = [("population", "geom", "GEOMETRY", 4326)]

# Place fields stored as plain columns: every field but those with their own encoding.
_PLACE_TEXT_FIELDS = tuple(
    f.name for f in fields(Place) if f.name not in {"lon", "lat", "schedule_rules", "extra", "demo"}
)


def now_iso() -> str:
    """UTC timestamp as stored in updated_at (both stores use this)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def place_search_text(place: Place) -> str:
    """The folded text a search query is matched against (both stores use this)."""
    return fold(" ".join(t for t in (place.name, place.kana, place.address) if t))


def like_pattern(folded_query: str) -> str:
    """A LIKE pattern for a substring match, with LIKE's wildcards escaped by '\\'."""
    escaped = folded_query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class GpkgStore(Store):
    """Cities, categories, areas and places in one GeoPackage file."""

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
        self._area_cache: dict[str, tuple[int, list[Area]]] = {}
        self._version = 0
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
                self._version += 1

    def revision(self) -> int:
        row = self._query("SELECT value FROM tsudoi_meta WHERE key='revision'")
        return int(row[0][0]) if row else 0

    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _init_schema(self) -> None:
        try:
            with self._lock:
                app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
                tables = {
                    r[0]
                    for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                if tables and "tsudoi_meta" not in tables:
                    raise StoreError(
                        f"{self.path} is not a Tsudoi store (a GeoPackage or SQLite file made by "
                        "something else); give another path"
                    )
                if app_id not in (0, _APPLICATION_ID):
                    raise StoreError(f"{self.path} is not a GeoPackage file")
                if "tsudoi_meta" in tables:
                    row = self._db.execute(
                        "SELECT value FROM tsudoi_meta WHERE key='schema_version'"
                    ).fetchone()
                    if row and int(row[0]) > SCHEMA_VERSION:
                        raise StoreError(
                            f"{self.path} was written by a newer Tsudoi (schema {row[0]}); upgrade"
                        )
                    if row and int(row[0]) < SCHEMA_VERSION:
                        self._migrate(int(row[0]))
                    return
            with self._tx() as db:
                db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {_USER_VERSION}")
                for stmt in _DDL:
                    db.execute(stmt)
                db.executemany(
                    "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)",
                    [
                        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", None),
                        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", None),
                        ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude"),
                    ],
                )
                for table, dtype, desc in (
                    ("areas", "features", "Tsudoi areas (日常生活圏域 and wider divisions)"),
                    ("places", "features", "Tsudoi places (gathering places and venues)"),
                    ("towns", "features", "Tsudoi towns (町丁目 representative points)"),
                    ("cities", "attributes", "Tsudoi cities"),
                    ("categories", "attributes", "Tsudoi place categories"),
                    *_V3_CONTENTS,
                ):
                    db.execute(
                        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier,"
                        " description, srs_id) VALUES (?,?,?,?,?)",
                        (table, dtype, table, desc, 4326 if dtype == "features" else None),
                    )
                db.executemany(
                    "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)",
                    [
                        ("areas", "geom", "MULTIPOLYGON", 4326),
                        ("places", "geom", "POINT", 4326),
                        ("towns", "geom", "POINT", 4326),
                        *_V3_GEOMETRY_COLUMNS,
                    ],
                )
                db.execute(
                    "INSERT OR REPLACE INTO tsudoi_meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use {self.path} as a store: {exc}") from exc

    def _migrate(self, version: int) -> None:
        """Bring a store written by an older Tsudoi up to date (additive changes only)."""
        with self._tx() as db:
            if version < 2:
                for stmt in _DDL:
                    if "towns" in stmt:
                        db.execute(stmt)
                db.execute(
                    "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier,"
                    " description, srs_id) VALUES ('towns', 'features', 'towns',"
                    " 'Tsudoi towns (町丁目 representative points)', 4326)"
                )
                db.execute(
                    "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES"
                    " ('towns', 'geom', 'POINT', 4326, 0, 0)"
                )
            if version < 3:
                self._add_v3_tables(db)
            db.execute(
                "INSERT OR REPLACE INTO tsudoi_meta VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    @staticmethod
    def _add_v3_tables(db: sqlite3.Connection) -> None:
        """Schema 3: the walking-network blobs and the population cells."""
        for stmt in _V3_DDL:
            db.execute(stmt)
        for table, dtype, desc in _V3_CONTENTS:
            db.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier,"
                " description, srs_id) VALUES (?,?,?,?,?)",
                (table, dtype, table, desc, 4326 if dtype == "features" else None),
            )
        db.executemany(
            "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)",
            _V3_GEOMETRY_COLUMNS,
        )

    # -- cities ----------------------------------------------------------------------------
    def put_city(self, city: City) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO cities (code, name, prefecture, crs_epsg, name_kana, name_en,"
                " parent_code) VALUES (?,?,?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET"
                " name=excluded.name, prefecture=excluded.prefecture, crs_epsg=excluded.crs_epsg,"
                " name_kana=excluded.name_kana, name_en=excluded.name_en,"
                " parent_code=excluded.parent_code",
                (
                    city.code,
                    city.name,
                    city.prefecture,
                    city.crs_epsg,
                    city.name_kana,
                    city.name_en,
                    city.parent_code,
                ),
            )

    def cities(self) -> list[City]:
        rows = self._query(
            "SELECT code, name, prefecture, crs_epsg, name_kana, name_en, parent_code"
            " FROM cities ORDER BY code"
        )
        return [City(**dict(r)) for r in rows]

    def city_counts(self, code: str) -> CityCounts:
        counts = CityCounts()
        for r in self._query(
            "SELECT level, count(*) FROM areas WHERE city=? GROUP BY level ORDER BY level", (code,)
        ):
            counts.areas_by_level[int(r[0])] = int(r[1])
        for r in self._query(
            "SELECT kind, count(*) FROM places WHERE city=? AND status='active'"
            " GROUP BY kind ORDER BY kind",
            (code,),
        ):
            counts.places_by_kind[str(r[0])] = int(r[1])
        return counts

    # -- categories ------------------------------------------------------------------------
    def put_categories(self, categories: list[Category]) -> None:
        with self._tx() as db:
            self._write_categories(db, categories)

    @staticmethod
    def _write_categories(db: sqlite3.Connection, categories: list[Category]) -> None:
        db.executemany(
            "INSERT INTO categories (city, slug, label_ja, label_en, color, kind, icon, sort)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (city, slug) DO UPDATE SET"
            " label_ja=excluded.label_ja, label_en=excluded.label_en, color=excluded.color,"
            " kind=excluded.kind, icon=excluded.icon, sort=excluded.sort",
            [
                (c.city or "", c.slug, c.label_ja, c.label_en, c.color, c.kind, c.icon, c.sort)
                for c in categories
            ],
        )

    def categories(self, city: str | None = None) -> list[Category]:
        rows = self._query(
            "SELECT city, slug, label_ja, label_en, color, kind, icon, sort FROM categories"
            " WHERE city = '' OR city = ?",
            (city or "",),
        )
        merged: dict[str, Category] = {}
        for r in sorted(rows, key=lambda r: r["city"] != ""):  # defaults first, city's win
            merged[r["slug"]] = Category(
                slug=r["slug"],
                label_ja=r["label_ja"],
                label_en=r["label_en"],
                color=r["color"],
                kind=r["kind"],
                icon=r["icon"],
                city=r["city"] or None,
                sort=int(r["sort"]),
            )
        return sorted(merged.values(), key=lambda c: (c.sort, c.slug))

    # -- areas -----------------------------------------------------------------------------
    def _area_from_row(self, r: sqlite3.Row) -> Area:
        geom = from_blob(r["geom"])
        if not isinstance(geom, MultiPolygon):
            geom = MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom
        return Area(
            id=r["id"],
            city=r["city"],
            level=int(r["level"]),
            name=r["name"],
            geometry=geom,
            parent=r["parent"],
            name_kana=r["name_kana"],
            contacts=[Contact(**c) for c in json.loads(r["contacts"] or "[]")],
            source=r["source"],
            source_date=r["source_date"],
            demo=bool(r["demo"]),
        )

    def _city_areas(self, city: str) -> list[Area]:
        cached = self._area_cache.get(city)
        if cached and cached[0] == self._version:
            return cached[1]
        rows = self._query("SELECT * FROM areas WHERE city=? ORDER BY level, id", (city,))
        areas = [self._area_from_row(r) for r in rows]
        self._area_cache[city] = (self._version, areas)
        return areas

    def areas(self, city: str, level: int | None = None) -> list[Area]:
        return [a for a in self._city_areas(city) if level is None or a.level == level]

    def area(self, area_id: str) -> Area | None:
        rows = self._query("SELECT * FROM areas WHERE id=?", (area_id,))
        return self._area_from_row(rows[0]) if rows else None

    def areas_at(self, city: str, lon: float, lat: float) -> list[Area]:
        pt = Point(lon, lat)
        return [a for a in self._city_areas(city) if a.geometry.covers(pt)]

    def area_hashes(self, city: str) -> dict[str, str]:
        return {
            r["id"]: r["content_hash"]
            for r in self._query("SELECT id, content_hash FROM areas WHERE city=?", (city,))
        }

    def apply_areas(self, changes: AreaChanges) -> None:
        with self._tx() as db:
            for a in changes.upsert:
                db.execute(
                    "INSERT INTO areas (geom, id, city, level, name, name_kana, parent, contacts,"
                    " source, source_date, demo, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (id) DO UPDATE SET geom=excluded.geom, city=excluded.city,"
                    " level=excluded.level, name=excluded.name, name_kana=excluded.name_kana,"
                    " parent=excluded.parent, contacts=excluded.contacts, source=excluded.source,"
                    " source_date=excluded.source_date, demo=excluded.demo,"
                    " content_hash=excluded.content_hash",
                    (
                        to_blob(a.geometry),
                        a.id,
                        a.city,
                        a.level,
                        a.name,
                        a.name_kana,
                        a.parent,
                        json.dumps([c.as_dict() for c in a.contacts], ensure_ascii=False),
                        a.source,
                        a.source_date,
                        int(a.demo),
                        a.content_hash(),
                    ),
                )
            self._update_extent(db, "areas")

    # -- places ----------------------------------------------------------------------------
    @staticmethod
    def _place_from_row(r: sqlite3.Row) -> Place:
        values = {k: r[k] for k in _PLACE_TEXT_FIELDS}
        return Place(
            **values,
            lon=float(r["lon"]),
            lat=float(r["lat"]),
            schedule_rules=json.loads(r["schedule_rules"]) if r["schedule_rules"] else None,
            extra=json.loads(r["extra"] or "{}"),
            demo=bool(r["demo"]),
        )

    def _where(self, query: PlaceQuery) -> tuple[str, list[Any]]:
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
            params.append(like_pattern(fold(query.q)))
        if query.source is not None:
            clauses.append("source = ?")
            params.append(query.source)
        if query.bbox:
            minx, miny, maxx, maxy = query.bbox
            clauses.append("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
            params.extend([minx, maxx, miny, maxy])
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _matching_rows(self, query: PlaceQuery) -> list[sqlite3.Row]:
        where, params = self._where(query)
        rows = self._query(f"SELECT * FROM places{where} ORDER BY id", params)
        if query.area is not None:
            area = self.area(query.area)
            if area is None:
                return []
            lons = np.array([r["lon"] for r in rows], dtype=float)
            lats = np.array([r["lat"] for r in rows], dtype=float)
            inside = shapely.covers(area.geometry, shapely.points(lons, lats))
            rows = [r for r, ok in zip(rows, np.atleast_1d(inside), strict=True) if ok]
        if query.bbox:  # the SQL range test is the box itself; keep shapely for the edges
            b = box(*query.bbox)
            rows = [r for r in rows if b.covers(Point(r["lon"], r["lat"]))]
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

    def nearby(
        self, lon: float, lat: float, limit: int, query: PlaceQuery
    ) -> list[tuple[Place, float]]:
        rows = self._matching_rows(query)
        if not rows:
            return []
        dist = geodesic_many_m(lon, lat, [r["lon"] for r in rows], [r["lat"] for r in rows])
        order = sorted(range(len(rows)), key=lambda i: (float(dist[i]), rows[i]["id"]))[:limit]
        return [(self._place_from_row(rows[i]), float(dist[i])) for i in order]

    def place_hashes(self, city: str) -> dict[str, tuple[str, str | None, str]]:
        return {
            r["id"]: (r["content_hash"], r["source"], r["status"])
            for r in self._query(
                "SELECT id, content_hash, source, status FROM places WHERE city=?", (city,)
            )
        }

    def apply_places(self, changes: PlaceChanges) -> None:
        stamp = now_iso()
        with self._tx() as db:
            if changes.categories:
                self._write_categories(db, changes.categories)
            for p in changes.upsert:
                digest = p.content_hash()
                old = db.execute(
                    "SELECT content_hash, updated_at FROM places WHERE id=?", (p.id,)
                ).fetchone()
                if old is not None and old["content_hash"] == digest:
                    continue
                row = {k: getattr(p, k) for k in _PLACE_TEXT_FIELDS}
                row["updated_at"] = stamp
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
                    content_hash=digest,
                    search=place_search_text(p),
                )
                cols = list(row)
                db.execute(
                    f"INSERT INTO places ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
                    " ON CONFLICT (id) DO UPDATE SET "
                    + ", ".join(f"{c}=excluded.{c}" for c in cols if c != "id"),
                    [row[c] for c in cols],
                )
            for place_id in changes.close:
                current = db.execute("SELECT * FROM places WHERE id=?", (place_id,)).fetchone()
                if current is None or current["status"] == "closed":
                    continue
                closed = self._place_from_row(current)
                closed.status = "closed"
                db.execute(
                    "UPDATE places SET status='closed', updated_at=?, content_hash=? WHERE id=?",
                    (stamp, closed.content_hash(), place_id),
                )
            self._update_extent(db, "places")

    # -- towns -----------------------------------------------------------------------------
    def towns(self, city: str, q: str | None = None, limit: int | None = None) -> list[Town]:
        sql = "SELECT id, city, name, kana, area, source, demo, lon, lat FROM towns WHERE city=?"
        params: list[Any] = [city]
        if q and fold(q):
            sql += " AND search LIKE ? ESCAPE '\\'"
            params.append(like_pattern(fold(q)))
        rows = self._query(sql, params)
        found = [
            Town(
                id=r["id"],
                city=r["city"],
                name=r["name"],
                kana=r["kana"],
                area=r["area"],
                source=r["source"],
                demo=bool(r["demo"]),
                lon=float(r["lon"]),
                lat=float(r["lat"]),
            )
            for r in rows
        ]
        return rank_towns(found, q, limit)

    def put_towns(self, towns: list[Town]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO towns (geom, id, city, name, kana, area, source, demo, search, lon,"
                " lat) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
                " geom=excluded.geom,"
                " city=excluded.city, name=excluded.name, kana=excluded.kana, area=excluded.area,"
                " source=excluded.source, demo=excluded.demo, search=excluded.search,"
                " lon=excluded.lon, lat=excluded.lat",
                [
                    (
                        to_blob(Point(t.lon, t.lat)),
                        t.id,
                        t.city,
                        t.name,
                        t.kana,
                        t.area,
                        t.source,
                        int(t.demo),
                        town_search_text(t),
                        t.lon,
                        t.lat,
                    )
                    for t in towns
                ],
            )

    # -- walking networks --------------------------------------------------------------------
    def put_network(self, city: str, blob: bytes, meta: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO networks (city, blob, meta, updated_at) VALUES (?,?,?,?)"
                " ON CONFLICT (city) DO UPDATE SET blob=excluded.blob, meta=excluded.meta,"
                " updated_at=excluded.updated_at",
                (city, sqlite3.Binary(blob), json.dumps(meta, ensure_ascii=False), now_iso()),
            )

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
        with self._tx() as db:
            db.executemany(
                "INSERT INTO population (geom, id, city, kind, code, name, total, age65, age75,"
                " year, source, demo, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (id) DO UPDATE SET geom=excluded.geom, city=excluded.city,"
                " kind=excluded.kind, code=excluded.code, name=excluded.name,"
                " total=excluded.total, age65=excluded.age65, age75=excluded.age75,"
                " year=excluded.year, source=excluded.source, demo=excluded.demo,"
                " content_hash=excluded.content_hash",
                [
                    (
                        to_blob(c.geometry),
                        c.id,
                        c.city,
                        c.kind,
                        c.code,
                        c.name,
                        float(c.total),
                        float(c.age65),
                        float(c.age75),
                        c.year,
                        c.source,
                        int(c.demo),
                        c.content_hash(),
                    )
                    for c in cells
                ],
            )
            self._update_extent(db, "population")

    def population(self, city: str) -> list[PopulationCell]:
        rows = self._query(
            "SELECT geom, id, city, kind, code, name, total, age65, age75, year, source, demo"
            " FROM population WHERE city=? ORDER BY id",
            (city,),
        )
        return [
            PopulationCell(
                id=r["id"],
                city=r["city"],
                kind=r["kind"],
                code=r["code"],
                total=float(r["total"]),
                age65=float(r["age65"]),
                age75=float(r["age75"]),
                geometry=from_blob(r["geom"]),
                name=r["name"],
                year=r["year"],
                source=r["source"],
                demo=bool(r["demo"]),
            )
            for r in rows
        ]

    def population_hashes(self, city: str) -> dict[str, str]:
        return {
            r["id"]: r["content_hash"]
            for r in self._query("SELECT id, content_hash FROM population WHERE city=?", (city,))
        }

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
