"""People, API tokens, settings, and the history of every change to a place or an area.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

_ROLE = "role IN ('admin', 'coordinator', 'viewer')"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("email", sa.Text, primary_key=True),  # lower-cased
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("areas", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint(_ROLE, name="users_role"),
        sa.CheckConstraint("email = lower(email)", name="users_email_lower"),
    )
    op.create_index("users_city", "users", ["city"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("areas", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text, nullable=True),
        sa.CheckConstraint(_ROLE, name="api_tokens_role"),
    )
    op.create_index("api_tokens_city", "api_tokens", ["city"])
    op.create_table(
        "settings",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("city", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("fields", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.CheckConstraint("kind IN ('place', 'area')", name="changes_kind"),
    )
    op.create_index("changes_record", "changes", ["kind", "record_id"])
    op.create_index("changes_city", "changes", ["city"])


def downgrade() -> None:
    for table in ("changes", "settings", "api_tokens", "users"):
        op.drop_table(table)
