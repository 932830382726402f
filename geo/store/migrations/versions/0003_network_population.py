"""Walking networks (one compressed array blob per city) and population cells.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

``population.geom`` is a generic geometry: a mesh or a town polygon is a Polygon (or
MultiPolygon), a town without a boundary is its representative Point.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import BYTEA, JSONB

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "networks",
        sa.Column("city", sa.Text(collation="C"), primary_key=True),
        sa.Column("blob", BYTEA, nullable=False),
        sa.Column("meta", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("updated_at", sa.Text, nullable=False),  # ISO 8601 UTC, set by the store
    )
    # The blob is already compressed (np.savez_compressed): don't let TOAST try again.
    op.execute("ALTER TABLE networks ALTER COLUMN blob SET STORAGE EXTERNAL")

    op.create_table(
        "population",
        sa.Column("id", sa.Text(collation="C"), primary_key=True),
        sa.Column("city", sa.Text(collation="C"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("total", sa.Float(precision=53), nullable=False),
        sa.Column("age65", sa.Float(precision=53), nullable=False),
        sa.Column("age75", sa.Float(precision=53), nullable=False),
        sa.Column("year", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("kind IN ('mesh', 'town')", name="population_kind"),
    )
    op.create_index("population_geom", "population", ["geom"], postgresql_using="gist")
    op.create_index("population_city", "population", ["city"])


def downgrade() -> None:
    op.drop_table("population")
    op.drop_table("networks")
