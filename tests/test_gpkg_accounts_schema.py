"""GeoPackage schema step 8: people, API tokens, settings and the history, as attribute tables
GDAL and QGIS list, made in a new file and added to a file written by an older Tsudoi."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio

from geo.accounts import User
from geo.model import Place
from geo.store.base import PlaceChanges
from geo.store.gpkg import GpkgStore
from geo.store.gpkg_schema import SCHEMA_VERSION

NEW_TABLES = {"users", "api_tokens", "settings", "changes"}


def _attribute_tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'attributes'")
        return {r[0] for r in rows}
    finally:
        db.close()


def test_a_new_store_lists_the_new_tables_for_gdal(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    GpkgStore(path).close()
    assert NEW_TABLES <= _attribute_tables(path)
    assert NEW_TABLES <= {name for name, _ in pyogrio.list_layers(path)}


def test_a_store_of_schema_7_gets_the_tables_in_step_8_and_keeps_its_places(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.gpkg"
    store = GpkgStore(path)
    salon = Place("15100-t-1", "15100", "gathering", "salon", "サロン", 139.0, 37.9)
    store.apply_places(PlaceChanges(upsert=[salon]))
    store.close()
    db = sqlite3.connect(path)  # as Tsudoi wrote it before step 8
    db.executescript(
        "DROP TABLE users; DROP TABLE api_tokens; DROP TABLE settings; DROP TABLE changes;"
        " DELETE FROM gpkg_contents WHERE table_name IN"
        " ('users', 'api_tokens', 'settings', 'changes');"
        " UPDATE tsudoi_meta SET value = '7' WHERE key = 'schema_version';"
    )
    db.commit()
    db.close()

    store = GpkgStore(path)
    assert store.place(salon.id) is not None
    assert store.changes("place") == []  # no history before step 8: nothing invented
    store.put_user(User("a@example.jp", "15100", "admin"))
    store.put_setting("secret_key", "k")
    assert store.user("A@example.jp") is not None and store.setting("secret_key") == "k"
    store.close()
    assert NEW_TABLES <= _attribute_tables(path)
    db = sqlite3.connect(path)
    version = db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone()
    db.close()
    assert version == (str(SCHEMA_VERSION),) and SCHEMA_VERSION >= 8
