"""Areas say where their polygon came from: drawn, or built from a list of towns.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column(
        "areas",
        sa.Column("geometry_source", sa.Text, nullable=False, server_default="drawn"),
    )
    op.create_check_constraint(
        "areas_geometry_source",
        "areas",
        "geometry_source IN ('drawn', 'town-points', 'town-boundaries')",
    )


def downgrade() -> None:
    op.drop_constraint("areas_geometry_source", "areas", type_="check")
    op.drop_column("areas", "geometry_source")
