"""The PostGIS store's tables as the Alembic revisions create them (geo/store/migrations):
used to build statements, never to create tables; and the expressions for their geometries."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    any_,
    bindparam,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

SRID = 4326
_SRID = SRID

metadata = MetaData()

cities_t = Table(
    "cities", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text), Column("prefecture", Text), Column("crs_epsg", Integer),
    Column("name_kana", Text), Column("name_en", Text), Column("parent_code", Text),
)

categories_t = Table(
    "categories", metadata,
    Column("city", Text, primary_key=True), Column("slug", Text, primary_key=True),
    Column("label_ja", Text), Column("label_en", Text), Column("color", Text),
    Column("kind", Text), Column("icon", Text), Column("sort", Integer),
)

areas_t = Table(
    "areas", metadata,
    Column("id", Text, primary_key=True),
    Column("city", Text), Column("level", Integer), Column("name", Text),
    Column("name_kana", Text), Column("parent", Text),
    Column("contacts", JSONB), Column("source", Text), Column("source_date", Text),
    Column("demo", Boolean), Column("content_hash", Text), Column("geometry_source", Text),
    Column("geom", Geometry("MULTIPOLYGON", srid=_SRID, spatial_index=False)),
)

places_t = Table(
    "places", metadata,
    Column("id", Text, primary_key=True),
    *(
        Column(name, Text)
        for name in (
            "city", "kind", "category", "name", "kana", "address", "schedule", "fee",
            "organiser", "phone", "email", "description", "url", "accessibility", "status",
            "location_precision", "last_verified", "internal_contact", "source", "source_id",
            "updated_at", "content_hash", "search", "placed_from",
        )
    ),
    Column("schedule_rules", JSONB(none_as_null=True)),
    Column("extra", JSONB),
    Column("demo", Boolean),
    Column("geom", Geometry("POINT", srid=_SRID, spatial_index=False)),
)

towns_t = Table(
    "towns", metadata,
    Column("id", Text, primary_key=True),
    Column("city", Text), Column("name", Text), Column("kana", Text), Column("area", Text),
    Column("source", Text), Column("demo", Boolean), Column("search", Text),
    Column("geom", Geometry("POINT", srid=_SRID, spatial_index=False)),
)

networks_t = Table(
    "networks", metadata,
    Column("city", Text, primary_key=True),
    Column("blob", LargeBinary), Column("meta", JSONB), Column("updated_at", Text),
)

population_t = Table(
    "population", metadata,
    Column("id", Text, primary_key=True),
    Column("city", Text), Column("kind", Text), Column("code", Text), Column("name", Text),
    Column("total", Float(precision=53)), Column("age65", Float(precision=53)),
    Column("age75", Float(precision=53)),
    Column("year", Text), Column("source", Text), Column("demo", Boolean),
    Column("content_hash", Text),
    Column("geom", Geometry("GEOMETRY", srid=_SRID, spatial_index=False)),
)

id_aliases_t = Table(  # revision 0009
    "id_aliases", metadata,
    Column("old_id", Text, primary_key=True), Column("new_id", Text), Column("kind", Text),
)

users_t = Table(  # revision 0010, as are the three below
    "users", metadata,
    Column("email", Text, primary_key=True),
    Column("city", Text), Column("role", Text), Column("password_hash", Text),
    Column("areas", JSONB), Column("disabled", Boolean), Column("created_at", Text),
)

api_tokens_t = Table(
    "api_tokens", metadata,
    Column("id", Text, primary_key=True),
    Column("city", Text), Column("role", Text), Column("token_hash", Text), Column("name", Text),
    Column("areas", JSONB), Column("created_at", Text), Column("revoked_at", Text),
)

settings_t = Table(
    "settings", metadata, Column("name", Text, primary_key=True), Column("value", Text),
)

changes_t = Table(
    "changes", metadata,
    Column("id", BigInteger, primary_key=True),
    *(Column(name, Text) for name in (
        "kind", "record_id", "city", "at", "who", "via", "action", "source",
    )),
    Column("fields", JSONB),
)

coverage_t = Table(  # revision 0011: a batch's coverage per city
    "coverage_results", metadata,
    Column("city", Text, primary_key=True), Column("computed_at", Text),
    *(Column(name, Float(precision=53)) for name in (
        "seconds", "minutes", "speed_kmh", "threshold_m", "max_distance_m", "older_population",
        "covered_older_population", "covered_share")),
    Column("method", Text), Column("age", Integer),
    Column("categories", JSONB(none_as_null=True)), Column("areas", JSONB),
    Column("cells", JSONB), Column("notes", JSONB),
)


def upsert(table: Table, *key: str, keep: tuple[str, ...] = ()) -> Insert:
    """Insert rows or update them in place by ``key``, every column but the key and ``keep``."""
    stmt = pg_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in key],
        set_={
            c.name: stmt.excluded[c.name] for c in table.c if c.name not in (*key, *keep)
        },
    )


def point_sql(lon: float, lat: float) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)


def one_of(column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
    """``column = ANY(array)``: one parameter however many ids an import brings (IN has a cap)."""
    return column == any_(bindparam(None, values, type_=ARRAY(Text)))


def envelope(box: tuple[float, float, float, float]) -> ColumnElement[Any]:
    return func.ST_MakeEnvelope(*box, SRID)


def wkb(geom: BaseGeometry) -> WKBElement:
    return from_shape(geom, srid=SRID)
