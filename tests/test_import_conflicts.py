"""A re-import after an edit keeps the edit and reports the conflict (both stores, and the
command line's text and --json); --overwrite-edits takes the file's values."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from geo.history import Change
from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from tests.conftest import Tsudoi
from tests.editing_city import NIIGATA, SOURCE, build, city9, import_salons, rows, write_csv


def _edit(store: Store, place_id: str, **values: Any) -> None:
    """A change through the API, as the write routes make it."""
    place = store.place(place_id)
    assert place is not None
    change = Change("place", place_id, NIIGATA, "token:abcd", "api", "update")
    store.write_place(replace(place, **values), place.content_hash(), change)


def test_a_reimport_keeps_an_edit_and_reports_the_conflict(store: Store, tmp_path: Path) -> None:
    with city9(store, tmp_path) as city:
        got = city.client.patch(f"/api/places/{city.west}", json={"phone": "025-999-9999"},
                                headers=city.headers("admin", city.etag(city.west)))
        assert got.status_code == 200, got.text
        who = city.store.changes("place", city.west)[-1].who
        table = rows()
        table[1][1] = "西のサロン（新）"  # the file changes the name, and not the phone
        report = import_salons(store, write_csv(tmp_path / "salons.csv", table))
    assert report.updated == 1
    [conflict] = report.conflicts
    assert (conflict.place, conflict.field, conflict.kept, conflict.file, conflict.who) == (
        city.west, "phone", "025-999-9999", "025-111-1111", who
    )
    assert not conflict.overwritten
    assert "1 edited field(s) kept" in report.summary()
    assert report.as_dict()["conflicts"][0]["kept"] == "025-999-9999"
    west = store.place(city.west)
    assert west is not None and west.phone == "025-999-9999" and west.name == "西のサロン（新）"
    last = store.changes("place", city.west)[-1]
    assert (last.via, last.source, last.fields) == (
        "import", SOURCE, {"name": ["西のサロン", "西のサロン（新）"]}
    )
    # the conflict stands until the file or the editor settles it
    again = import_salons(store, tmp_path / "salons.csv")
    assert [c.field for c in again.conflicts] == ["phone"] and again.unchanged == 2

    taken = import_salons(store, tmp_path / "salons.csv", overwrite_edits=True)
    assert [(c.field, c.overwritten) for c in taken.conflicts] == [("phone", True)]
    assert "replaced by the file's values" in taken.summary()
    west = store.place(city.west)
    assert west is not None and west.phone == "025-111-1111"
    assert import_salons(store, tmp_path / "salons.csv").conflicts == []


def test_an_edit_the_file_agrees_with_is_no_conflict(store: Store, tmp_path: Path) -> None:
    _, path, west, east = build(store, tmp_path)
    _edit(store, east, fee="無料", phone="025-000-0000")
    table = rows()
    table[0].append("料金")
    table[1].append("")
    table[2].append("無料")  # the city caught up with the fee, not the phone
    report = import_salons(store, write_csv(path, table))
    assert [(c.place, c.field) for c in report.conflicts] == [(east, "phone")]
    stored = store.place(east)
    assert stored is not None and (stored.fee, stored.phone) == ("無料", "025-000-0000")
    dry = import_salons(store, path, dry_run=True, overwrite_edits=True)
    assert [c.field for c in dry.conflicts] == ["phone"]
    stored = store.place(east)
    assert stored is not None and stored.phone == "025-000-0000"  # a dry run writes nothing


def test_the_command_line_lists_conflicts_and_overwrites_on_request(
    tmp_path: Path, tsudoi: Tsudoi
) -> None:
    db = tmp_path / "t.gpkg"
    store = GpkgStore(db)
    _, path, west, _ = build(store, tmp_path)
    _edit(store, west, phone="025-777-7777")
    store.close()
    args = ("import", "places", path, "--city", NIIGATA, "--source", SOURCE, "--db", db)
    text = tsudoi(*args, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert f"{west} phone: edit kept" in text.stdout and "025-777-7777" in text.stdout
    as_json = tsudoi(*args, "--json", cwd=tmp_path)
    [conflict] = json.loads(as_json.stdout)["conflicts"]
    assert conflict == {"place": west, "field": "phone", "kept": "025-777-7777",
                        "file": "025-111-1111", "who": "token:abcd", "overwritten": False}
    taken = tsudoi(*args, "--overwrite-edits", cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr
    assert "file's value taken (--overwrite-edits)" in taken.stdout
    store = GpkgStore(db)
    found = store.place(west)
    store.close()
    assert found is not None and found.phone == "025-111-1111"
