"""GeoPackage stores as an older Tsudoi wrote them, for the upgrade tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def as_version(path: Path, version: int, *statements: str) -> None:
    """Undo later steps with ``statements`` and mark the file as written at ``version``."""
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
        db.execute("UPDATE tsudoi_meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.close()


def version_of(path: Path) -> str:
    """The schema version the file says it is at."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone()
    db.close()
    return str(row[0])
