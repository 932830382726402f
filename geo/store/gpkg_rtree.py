"""The GeoPackage R-tree spatial index (extension gpkg_rtree_index) on the places' geometry.

Made the GeoPackage way — a virtual rtree table ``rtree_places_geom``, its row in
gpkg_extensions and the triggers of the specification (GeoPackage 1.4, as GDAL writes them) — so
that QGIS and GDAL read it for their own box queries and keep it correct when they edit the
layer, and this store's bbox and nearby queries look up a few index nodes instead of every row.
The triggers call ST_MinX … ST_IsEmpty, which every connection that writes must register
(:func:`geo.store.gpkg_geometry.register_functions`; GDAL and QGIS register their own).
"""

from __future__ import annotations

import sqlite3

EXTENSION = "gpkg_rtree_index"
DEFINITION = "http://www.geopackage.org/spec120/#extension_rtree"

# table, geometry column, integer primary key: the feature tables that carry an R-tree
INDEXED = (("places", "geom", "fid"),)

_EXTENSIONS_DDL = """CREATE TABLE IF NOT EXISTS gpkg_extensions (
    table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
    definition TEXT NOT NULL, scope TEXT NOT NULL,
    CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"""

_BOX = "ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})"
_VALID_NEW = "(NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))"
_EMPTY_NEW = "(NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))"

# The triggers of GeoPackage 1.4 (insert, update2, update4 … update7, delete).
_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_insert AFTER INSERT ON {t}"
    f" WHEN {_VALID_NEW} BEGIN"
    f" INSERT OR REPLACE INTO rtree_{{t}}_{{c}} VALUES (NEW.{{i}}, {_BOX}); END",
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_update2 AFTER UPDATE OF {c} ON {t}"
    f" WHEN OLD.{{i}} = NEW.{{i}} AND {_EMPTY_NEW} BEGIN"
    " DELETE FROM rtree_{t}_{c} WHERE id = OLD.{i}; END",
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_update4 AFTER UPDATE ON {t}"
    f" WHEN OLD.{{i}} != NEW.{{i}} AND {_EMPTY_NEW} BEGIN"
    " DELETE FROM rtree_{t}_{c} WHERE id IN (OLD.{i}, NEW.{i}); END",
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_update5 AFTER UPDATE ON {t}"
    f" WHEN OLD.{{i}} != NEW.{{i}} AND {_VALID_NEW} BEGIN"
    " DELETE FROM rtree_{t}_{c} WHERE id = OLD.{i};"
    f" INSERT OR REPLACE INTO rtree_{{t}}_{{c}} VALUES (NEW.{{i}}, {_BOX}); END",
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_update6 AFTER UPDATE OF {c} ON {t}"
    f" WHEN OLD.{{i}} = NEW.{{i}} AND {_VALID_NEW}"
    " AND (OLD.{c} NOTNULL AND NOT ST_IsEmpty(OLD.{c})) BEGIN"
    " UPDATE rtree_{t}_{c} SET minx = ST_MinX(NEW.{c}), maxx = ST_MaxX(NEW.{c}),"
    " miny = ST_MinY(NEW.{c}), maxy = ST_MaxY(NEW.{c}) WHERE id = NEW.{i}; END",
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_update7 AFTER UPDATE OF {c} ON {t}"
    f" WHEN OLD.{{i}} = NEW.{{i}} AND {_VALID_NEW}"
    " AND (OLD.{c} ISNULL OR ST_IsEmpty(OLD.{c})) BEGIN"
    f" INSERT INTO rtree_{{t}}_{{c}} VALUES (NEW.{{i}}, {_BOX}); END",
    "CREATE TRIGGER IF NOT EXISTS rtree_{t}_{c}_delete AFTER DELETE ON {t}"
    " WHEN OLD.{c} NOT NULL BEGIN DELETE FROM rtree_{t}_{c} WHERE id = OLD.{i}; END",
)


def trigger_names(table: str, column: str) -> list[str]:
    """The names of the R-tree triggers on one table's geometry column."""
    return [
        f"rtree_{table}_{column}_{event}"
        for event in ("insert", "update2", "update4", "update5", "update6", "update7", "delete")
    ]


def create(db: sqlite3.Connection) -> None:
    """Add the R-tree, its extension row and triggers, and index the rows already there.

    Idempotent: run on a file that has them, it changes nothing but re-indexes the rows.
    """
    db.execute(_EXTENSIONS_DDL)
    for table, column, pk in INDEXED:
        db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS rtree_{table}_{column}"
            " USING rtree(id, minx, maxx, miny, maxy)"
        )
        db.execute(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, ?, ?, ?, 'write-only')",
            (table, column, EXTENSION, DEFINITION),
        )
        for trigger in _TRIGGERS:
            db.execute(trigger.format(t=table, c=column, i=pk))
        db.execute(
            f"INSERT OR REPLACE INTO rtree_{table}_{column}"
            f" SELECT {pk}, ST_MinX({column}), ST_MaxX({column}), ST_MinY({column}),"
            f" ST_MaxY({column}) FROM {table}"
            f" WHERE {column} NOT NULL AND NOT ST_IsEmpty({column})"
        )


def in_box(
    table: str, column: str, pk: str, box: tuple[float, float, float, float]
) -> tuple[str, list[float]]:
    """A SQL condition and its parameters keeping the rows whose index box meets ``box``
    (min lon, min lat, max lon, max lat): a superset of the points in it (the R-tree holds
    32-bit floats rounded outward), answered from the index alone."""
    minx, miny, maxx, maxy = box
    sql = (
        f"{pk} IN (SELECT id FROM rtree_{table}_{column}"
        " WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?)"
    )
    return sql, [minx, maxx, miny, maxy]
