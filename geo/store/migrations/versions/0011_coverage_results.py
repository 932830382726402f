"""A batch's coverage per city (tsudoi batch coverage, geo.analysis.stored): the city's figures
as columns, its areas, cells and notes as JSON documents; one row per city, replaced by the next.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27

Written after another branch's 0010; if the branches merge in another order, only
``down_revision`` changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "coverage_results",
        sa.Column("city", sa.Text(collation="C"), primary_key=True),
        sa.Column("computed_at", sa.Text, nullable=False),  # ISO 8601 UTC
        sa.Column("seconds", sa.Float(precision=53), nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("minutes", sa.Float(precision=53), nullable=False),
        sa.Column("speed_kmh", sa.Float(precision=53), nullable=False),
        sa.Column("threshold_m", sa.Float(precision=53), nullable=False),
        sa.Column("age", sa.Integer, nullable=False),
        sa.Column("max_distance_m", sa.Float(precision=53)),
        sa.Column("older_population", sa.Float(precision=53), nullable=False),
        sa.Column("covered_older_population", sa.Float(precision=53), nullable=False),
        sa.Column("covered_share", sa.Float(precision=53)),
        sa.Column("categories", JSONB),
        sa.Column("areas", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("cells", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("notes", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.CheckConstraint("method IN ('network', 'straight-line')", name="coverage_method"),
    )


def downgrade() -> None:
    op.drop_table("coverage_results")
