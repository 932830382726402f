"""Places say when their point came from their address (no coordinates in the file).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("places", sa.Column("placed_from", sa.Text, nullable=True))
    op.create_check_constraint(
        "places_placed_from", "places", "placed_from IS NULL OR placed_from IN ('address')"
    )


def downgrade() -> None:
    op.drop_constraint("places_placed_from", "places", type_="check")
    op.drop_column("places", "placed_from")
