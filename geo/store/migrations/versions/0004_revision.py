"""A store-wide revision number, moved on by every write, so caches can tell they are current.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "store_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rev", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="store_revision_one_row"),
    )
    op.execute("INSERT INTO store_revision (id, rev) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("store_revision")
