"""Initial PostGIS schema: cities, categories, areas, places.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Keys are ``COLLATE "C"`` so ``ORDER BY id`` is code-point order whatever the database locale,
which is the order the GeoPackage store and Python give; the contract tests compare them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

_KINDS = "kind IN ('gathering', 'venue')"


def _key() -> sa.Text:
    return sa.Text(collation="C")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "cities",
        sa.Column("code", _key(), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("prefecture", sa.Text, nullable=False),
        sa.Column("crs_epsg", sa.Integer, nullable=False),
        sa.Column("name_kana", sa.Text),
        sa.Column("name_en", sa.Text),
        sa.Column("parent_code", _key()),
    )

    op.create_table(
        "categories",
        sa.Column("city", _key(), nullable=False, server_default=""),  # '': default catalogue
        sa.Column("slug", _key(), nullable=False),
        sa.Column("label_ja", sa.Text, nullable=False),
        sa.Column("label_en", sa.Text, nullable=False),
        sa.Column("color", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("icon", sa.Text),
        sa.Column("sort", sa.Integer, nullable=False, server_default="100"),
        sa.PrimaryKeyConstraint("city", "slug"),
        sa.CheckConstraint(_KINDS, name="categories_kind"),
    )

    op.create_table(
        "areas",
        sa.Column("id", _key(), primary_key=True),
        sa.Column("city", _key(), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_kana", sa.Text),
        sa.Column("parent", _key()),
        sa.Column("contacts", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("source", sa.Text),
        sa.Column("source_date", sa.Text),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column(
            "geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False
        ),
    )
    op.create_index("areas_geom", "areas", ["geom"], postgresql_using="gist")
    op.create_index("areas_city_level", "areas", ["city", "level"])

    op.create_table(
        "places",
        sa.Column("id", _key(), primary_key=True),
        sa.Column("city", _key(), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("category", _key(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kana", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("schedule", sa.Text),
        sa.Column("schedule_rules", JSONB),
        sa.Column("fee", sa.Text),
        sa.Column("organiser", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("accessibility", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("location_precision", sa.Text, nullable=False),
        sa.Column("last_verified", sa.Text),
        sa.Column("internal_contact", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("source_id", sa.Text),
        sa.Column("extra", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.Text, nullable=False),  # ISO 8601 UTC, set by the store
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("search", sa.Text, nullable=False, server_default=""),  # geo.text.fold(...)
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint(_KINDS, name="places_kind"),
        sa.CheckConstraint("status IN ('active', 'paused', 'closed')", name="places_status"),
        sa.CheckConstraint(
            "location_precision IN ('exact', 'town')", name="places_location_precision"
        ),
    )
    op.create_index("places_geom", "places", ["geom"], postgresql_using="gist")
    op.create_index("places_city_category", "places", ["city", "category"])
    op.create_index("places_city_status", "places", ["city", "status"])


def downgrade() -> None:
    # The postgis extension stays: other schemas in the database may use it.
    for table in ("places", "areas", "categories", "cities"):
        op.drop_table(table)
