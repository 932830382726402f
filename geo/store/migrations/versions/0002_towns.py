"""Towns: 町丁目 representative points that residents search by name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "towns",
        sa.Column("id", sa.Text(collation="C"), primary_key=True),
        sa.Column("city", sa.Text(collation="C"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kana", sa.Text),
        sa.Column("area", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("search", sa.Text, nullable=False, server_default=""),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("towns_geom", "towns", ["geom"], postgresql_using="gist")
    op.create_index("towns_city", "towns", ["city"])


def downgrade() -> None:
    op.drop_table("towns")
