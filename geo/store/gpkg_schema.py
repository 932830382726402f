"""The GeoPackage store's schema: its tables, and the steps that bring an older file up to date.

Tables are created and migrated in the store's write transaction, so a file
is never left half made. Every feature or attribute table is registered in ``gpkg_contents``
(and a feature table's geometry in ``gpkg_geometry_columns``) so QGIS and GDAL list it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from geo.errors import StoreError
from geo.model import Place
from geo.store import gpkg_rtree, id_migration, shared
from geo.store.gpkg_geometry import from_blob

# 2: towns; 3: networks, population; 4: areas.geometry_source; 5: places.placed_from;
# 6: ids by source, id_aliases; 7: the R-tree on places.geom (gpkg_rtree_index);
# 8: users, api_tokens, settings and the changes (history) of places and areas;
# 9: coverage_results (a batch's coverage per city)
SCHEMA_VERSION = 9
# The step that adds coverage_results: after step 8 (people, tokens, settings, history).
COVERAGE_STEP = 9
APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400  # GeoPackage 1.4

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)

# Schema version 4: where an area's polygon came from (geo.model.GEOMETRY_SOURCES)
_GEOMETRY_SOURCE = (
    "geometry_source TEXT NOT NULL DEFAULT 'drawn'"
    " CHECK (geometry_source IN ('drawn', 'town-points', 'town-boundaries'))"
)

# Schema version 5: a place placed from its address (geo.model.PLACED_FROM), else NULL
_PLACED_FROM = "placed_from TEXT CHECK (placed_from IS NULL OR placed_from IN ('address'))"

# Schema version 2: the towns
_V2_DDL = [
    """CREATE TABLE IF NOT EXISTS towns (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, name TEXT NOT NULL, kana TEXT, area TEXT, source TEXT,
        demo BOOLEAN NOT NULL DEFAULT 0, search TEXT NOT NULL DEFAULT '',
        lon DOUBLE NOT NULL, lat DOUBLE NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS towns_city ON towns (city)",
]

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

# Schema version 6: the ids records had before ids carried their source (geo.store.id_migration)
_V6_DDL = [
    """CREATE TABLE IF NOT EXISTS id_aliases (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, old_id TEXT NOT NULL UNIQUE,
        new_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('place', 'area')))""",
]

# Schema version 8: people, API tokens, settings, and every change to a place or an area
_V8_DDL = [
    """CREATE TABLE IF NOT EXISTS users (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, city TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
        password_hash TEXT, areas TEXT NOT NULL DEFAULT '[]',
        disabled BOOLEAN NOT NULL DEFAULT 0, created_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS users_city ON users (city)",
    """CREATE TABLE IF NOT EXISTS api_tokens (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, city TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
        token_hash TEXT NOT NULL UNIQUE, name TEXT, areas TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL, revoked_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS api_tokens_city ON api_tokens (city)",
    """CREATE TABLE IF NOT EXISTS settings (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('place', 'area')),
        record_id TEXT NOT NULL, city TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL,
        via TEXT NOT NULL, action TEXT NOT NULL, source TEXT, fields TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX IF NOT EXISTS changes_record ON changes (kind, record_id)",
    "CREATE INDEX IF NOT EXISTS changes_city ON changes (city)",
]

# Schema version COVERAGE_STEP: a batch's coverage per city (geo.analysis.stored), the city's
# figures as columns and its areas, cells and notes as JSON documents
_COVERAGE_DDL = [
    """CREATE TABLE IF NOT EXISTS coverage_results (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, city TEXT NOT NULL UNIQUE,
        computed_at TEXT NOT NULL, seconds DOUBLE NOT NULL,
        method TEXT NOT NULL CHECK (method IN ('network', 'straight-line')),
        minutes DOUBLE NOT NULL, speed_kmh DOUBLE NOT NULL, threshold_m DOUBLE NOT NULL,
        age INTEGER NOT NULL, max_distance_m DOUBLE, older_population DOUBLE NOT NULL,
        covered_older_population DOUBLE NOT NULL, covered_share DOUBLE,
        categories TEXT, areas TEXT NOT NULL DEFAULT '[]', cells TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '[]')""",
]
_COVERAGE_CONTENTS = [
    ("coverage_results", "attributes", "Tsudoi coverage per city, kept by tsudoi batch coverage")
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
    f"""CREATE TABLE IF NOT EXISTS areas (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, level INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT,
        parent TEXT, contacts TEXT NOT NULL DEFAULT '[]', source TEXT, source_date TEXT,
        demo BOOLEAN NOT NULL DEFAULT 0, content_hash TEXT NOT NULL,
        {_GEOMETRY_SOURCE})""",
    "CREATE INDEX IF NOT EXISTS areas_city_level ON areas (city, level)",
    f"""CREATE TABLE IF NOT EXISTS places (
        fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, id TEXT NOT NULL UNIQUE,
        city TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('gathering', 'venue')),
        category TEXT NOT NULL, name TEXT NOT NULL,
        kana TEXT, address TEXT, schedule TEXT, schedule_rules TEXT, fee TEXT, organiser TEXT,
        phone TEXT, email TEXT, description TEXT, url TEXT, accessibility TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'closed')),
        location_precision TEXT NOT NULL CHECK (location_precision IN ('exact', 'town')),
        last_verified TEXT,
        internal_contact TEXT, source TEXT, source_id TEXT, extra TEXT NOT NULL DEFAULT '{{}}',
        demo BOOLEAN NOT NULL DEFAULT 0, updated_at TEXT NOT NULL, content_hash TEXT NOT NULL,
        search TEXT NOT NULL DEFAULT '', lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
        {_PLACED_FROM})""",
    "CREATE INDEX IF NOT EXISTS places_city_category ON places (city, category)",
    *_V2_DDL,
    "CREATE INDEX IF NOT EXISTS places_city_status ON places (city, status)",
    *_V3_DDL,
    *_V6_DDL,
    *_V8_DDL,
    *_COVERAGE_DDL,
]

# gpkg_contents rows (table, data type, description) and gpkg_geometry_columns rows (table,
# column, geometry type, srs), by the schema version that added the tables; a new file lists
# them in the order create() gives
_V1_CONTENTS = [
    ("areas", "features", "Tsudoi areas (日常生活圏域 and wider divisions)"),
    ("places", "features", "Tsudoi places (gathering places and venues)"),
]
_V2_CONTENTS = [("towns", "features", "Tsudoi towns (町丁目 representative points)")]
_V1_ATTRIBUTES = [
    ("cities", "attributes", "Tsudoi cities"),
    ("categories", "attributes", "Tsudoi place categories"),
]
_V3_CONTENTS = [
    ("networks", "attributes", "Tsudoi walking networks (one compressed array blob per city)"),
    ("population", "features", "Tsudoi population cells (地域メッシュ or 町丁目) with 65+/75+"),
]
_V6_CONTENTS = [("id_aliases", "attributes", "Tsudoi ids records had before (old → new)")]
_V8_CONTENTS = [
    ("users", "attributes", "Tsudoi people who sign in (hashed passwords, city, role)"),
    ("api_tokens", "attributes", "Tsudoi API tokens (hashed secrets, city, role)"),
    ("settings", "attributes", "Tsudoi settings kept in the store"),
    ("changes", "attributes", "Tsudoi history: every change to a place or an area"),
]
_V1_GEOMETRY_COLUMNS = [("areas", "geom", "MULTIPOLYGON", 4326), ("places", "geom", "POINT", 4326)]
_V2_GEOMETRY_COLUMNS = [("towns", "geom", "POINT", 4326)]
_V3_GEOMETRY_COLUMNS = [("population", "geom", "GEOMETRY", 4326)]


def stored_version(db: sqlite3.Connection, path: Path) -> int | None:
    """The schema version of an existing store, or None for a blank file.

    Refuses a file made by something else or by a newer Tsudoi.
    """
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "tsudoi_meta" not in tables:
        raise StoreError(
            f"{path} is not a Tsudoi store (a GeoPackage or SQLite file made by "
            "something else); give another path"
        )
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(f"{path} is not a GeoPackage file")
    if "tsudoi_meta" not in tables:
        return None
    row = db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone()
    if row is None:
        return SCHEMA_VERSION
    if int(row[0]) > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer Tsudoi (schema {row[0]}); upgrade")
    return int(row[0])


def create(db: sqlite3.Connection) -> None:
    """Make a blank file a GeoPackage holding every table of the current schema."""
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {USER_VERSION}")
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
    _register(
        db,
        [
            *_V1_CONTENTS,
            *_V2_CONTENTS,
            *_V1_ATTRIBUTES,
            *_V3_CONTENTS,
            *_V6_CONTENTS,
            *_V8_CONTENTS,
            *_COVERAGE_CONTENTS,
        ],
        [*_V1_GEOMETRY_COLUMNS, *_V2_GEOMETRY_COLUMNS, *_V3_GEOMETRY_COLUMNS],
    )
    gpkg_rtree.create(db)
    _set_version(db)


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a store written by an older Tsudoi up to date (additive changes only)."""
    if version < 2:
        for stmt in _V2_DDL:
            db.execute(stmt)
        _register(db, _V2_CONTENTS, _V2_GEOMETRY_COLUMNS)
    if version < 3:
        for stmt in _V3_DDL:
            db.execute(stmt)
        _register(db, _V3_CONTENTS, _V3_GEOMETRY_COLUMNS)
    if version < 4:
        _add_column(db, "areas", _GEOMETRY_SOURCE)
    if version < 5:
        _add_column(db, "places", _PLACED_FROM)
    if version < 6:
        for stmt in _V6_DDL:
            db.execute(stmt)
        _register(db, _V6_CONTENTS, [])
        _move_ids(db)
    if version < 7:  # the places' R-tree, filled from the rows already there
        gpkg_rtree.create(db)
    if version < 8:
        for stmt in _V8_DDL:
            db.execute(stmt)
        _register(db, _V8_CONTENTS, [])
    if version < COVERAGE_STEP:
        for stmt in _COVERAGE_DDL:
            db.execute(stmt)
        _register(db, _COVERAGE_CONTENTS, [])
    _set_version(db)


def _move_ids(db: sqlite3.Connection) -> None:
    """Give every place and area today's id (`geo.store.id_migration`), keeping the old ones."""
    places = [
        shared.record_from_row(
            Place,
            r,
            schedule_rules=json.loads(r["schedule_rules"]) if r["schedule_rules"] else None,
            extra=json.loads(r["extra"] or "{}"),
        )
        for r in db.execute("SELECT * FROM places ORDER BY status != 'active', id")
    ]
    areas = [
        shared.area_from_row(r, from_blob(r["geom"]), json.loads(r["contacts"] or "[]"))
        for r in db.execute("SELECT * FROM areas ORDER BY level, id")
    ]
    moved_places = id_migration.move_places(places)
    moved_areas = id_migration.move_areas(areas)
    steps = (("places", "source", moved_places), ("areas", "parent", moved_areas))
    for table, _, moved in steps:
        db.executemany(
            f"UPDATE {table} SET id = ? WHERE id = ?",
            [(m.key, m.old) for m in moved if m.key != m.old],
        )
    for table, column, moved in steps:  # a place's source, an area's parent change with the ids
        db.executemany(
            f"UPDATE {table} SET id = ?, {column} = ?, content_hash = ? WHERE id = ?",
            [(m.new, getattr(m, column), m.content_hash, m.key) for m in moved],
        )
    db.executemany(
        "INSERT OR REPLACE INTO id_aliases (old_id, new_id, kind) VALUES (?, ?, ?)",
        id_migration.aliases("place", moved_places) + id_migration.aliases("area", moved_areas),
    )


def _add_column(db: sqlite3.Connection, table: str, definition: str) -> None:
    """ALTER TABLE … ADD COLUMN unless the column is there (a step run twice changes nothing)."""
    name = definition.split()[0]
    if name not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")


def _register(
    db: sqlite3.Connection,
    contents: list[tuple[str, str, str]],
    geometry_columns: list[tuple[str, str, str, int]],
) -> None:
    """List tables in gpkg_contents (features in WGS84) and their geometry columns."""
    for table, dtype, desc in contents:
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier,"
            " description, srs_id) VALUES (?,?,?,?,?)",
            (table, dtype, table, desc, 4326 if dtype == "features" else None),
        )
    db.executemany(
        "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)", geometry_columns
    )


def _set_version(db: sqlite3.Connection) -> None:
    db.execute(
        "INSERT OR REPLACE INTO tsudoi_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
    )
