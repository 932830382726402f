"""Ids carry their source: places ``{city}-{source}-{id}``, areas ``{city}-L{level}-{id}``;
every old id is kept in ``id_aliases`` so a link to it still answers (geo.store.id_migration).

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from shapely import wkb

from geo.model import Place
from geo.store import id_migration, shared

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "id_aliases",
        sa.Column("old_id", sa.Text, primary_key=True),
        sa.Column("new_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('place', 'area')", name="id_aliases_kind"),
    )
    conn = op.get_bind()
    places = [
        shared.record_from_row(Place, r, lon=pt.x, lat=pt.y, extra=r["extra"] or {})
        for r, pt in _with_geometry(conn, "places", "status <> 'active', id")
    ]
    areas = [
        shared.area_from_row(r, geom, r["contacts"] or [])
        for r, geom in _with_geometry(conn, "areas", "level, id")
    ]
    moved_places = id_migration.move_places(places)
    moved_areas = id_migration.move_areas(areas)
    steps = (("places", "source", moved_places), ("areas", "parent", moved_areas))
    for table, _, moved in steps:
        rows = [{"key": m.key, "old": m.old} for m in moved if m.key != m.old]
        if rows:
            conn.execute(sa.text(f"UPDATE {table} SET id = :key WHERE id = :old"), rows)
    for table, column, moved in steps:  # a place's source, an area's parent change with the ids
        if moved:
            conn.execute(
                sa.text(f"UPDATE {table} SET id = :new, {column} = :value,"
                        " content_hash = :hash WHERE id = :key"),
                [{"new": m.new, "value": getattr(m, column), "hash": m.content_hash,
                  "key": m.key} for m in moved],
            )  # fmt: skip
    aliases = id_migration.aliases("place", moved_places) + id_migration.aliases(
        "area", moved_areas
    )
    if aliases:
        conn.execute(
            sa.text("INSERT INTO id_aliases (old_id, new_id, kind) VALUES (:old, :new, :kind)"),
            [{"old": o, "new": n, "kind": k} for o, n, k in aliases],
        )
    conn.execute(sa.text("UPDATE store_revision SET rev = rev + 1 WHERE id = 1"))


def _with_geometry(conn: sa.Connection, table: str, order: str) -> list[tuple[Any, Any]]:
    """Every row of the table as a mapping, with its geometry decoded."""
    rows = conn.execute(
        sa.text(f"SELECT *, ST_AsBinary(geom) AS wkb_geom FROM {table} ORDER BY {order}")
    ).mappings()
    return [(r, wkb.loads(bytes(r["wkb_geom"]))) for r in rows]


def downgrade() -> None:
    """Old ids back from the aliases (a record imported since keeps its new id)."""
    conn = op.get_bind()
    for table, kind in (("places", "place"), ("areas", "area")):
        conn.execute(
            sa.text(f"UPDATE {table} t SET id = a.old_id FROM id_aliases a"
                    " WHERE a.kind = :kind AND a.new_id = t.id"),
            {"kind": kind},
        )  # fmt: skip
    conn.execute(
        sa.text("UPDATE areas t SET parent = a.old_id FROM id_aliases a"
                " WHERE a.kind = 'area' AND a.new_id = t.parent"),
    )  # fmt: skip
    op.drop_table("id_aliases")
