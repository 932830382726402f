"""The `tsudoi import` commands as a user runs them: exit codes, messages, --dry-run, --json.

Exit codes: 0 done, 1 input refused (nothing changed), 2 usage error. Each test runs the installed
console script (or `python -m service.cli`) in a subprocess against a throwaway store.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from geo.store.base import PlaceQuery, Store
from geo.store.gpkg import GpkgStore

DATA = Path(__file__).parent / "data" / "imports"
TAKAMATSU_CSV = DATA / "takamatsu_community_center_10.csv"
TAKASAKI_KML = DATA / "takasaki_mymaps.kml"
WARDS = DATA / "niigata_wards_n03_simplified.geojson"

#: 高松市's community centres as halls: the import most tests start from.
HALLS = ("import", "places", TAKAMATSU_CSV, "--city", "37201", "--category", "hall")
Run = Callable[..., subprocess.CompletedProcess[str]]


def places_in(db: Path | Store, city: str = "37201") -> list[dict[str, Any]]:
    store = GpkgStore(db) if isinstance(db, Path) else db
    try:
        return [asdict(p) for p in store.places(PlaceQuery(city=city, kinds=(), statuses=()))]
    finally:
        if isinstance(db, Path):
            store.close()


def swapped_copy(tmp_path: Path) -> Path:
    lines = TAKAMATSU_CSV.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")  # line 4, #property 3
    cells[1], cells[2] = cells[2], cells[1]
    lines[3] = ",".join(cells)
    bad = tmp_path / "swapped_halls.csv"
    bad.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return bad


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "tsudoi.gpkg"


@pytest.fixture
def run(tsudoi: Run, tmp_path: Path, db: Path) -> Run:
    """``tsudoi`` on the test's GeoPackage (``--db``), from its tmp_path."""
    return lambda *args: tsudoi(*args, "--db", db, cwd=tmp_path)


def test_good_import_exits_0_with_a_summary(run: Run, db: Path) -> None:
    first = run(*HALLS)
    assert first.returncode == 0, first.stderr
    assert (
        "takamatsu_community_center_10.csv (source takamatsu_community_center_10): 10 places"
        in first.stdout
    )
    assert "10 added, 0 updated, 0 unchanged" in first.stdout
    assert len(places_in(db)) == 10

    again = run(*HALLS)
    assert again.returncode == 0, again.stderr
    assert "10 places, all unchanged; nothing to do" in again.stdout


def test_a_second_source_is_kept_and_its_possible_duplicates_listed(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """The same ten centres under another name (--source): both kept, each pair named."""
    assert run(*HALLS).returncode == 0
    second = run(*HALLS, "--source", "公民館一覧（再掲）")
    assert second.returncode == 0, second.stderr
    assert "10 added" in second.stdout and len(places_in(db)) == 20
    lines = [x.strip() for x in second.stdout.splitlines() if "possible duplicate" in x]
    assert len(lines) == 10
    assert lines[0].endswith(
        "and 37201-takamatsu_community_center_10-1 (source takamatsu_community_center_10):"
        " 高松市日新コミュニティセンター, 0 m apart; both kept"
    )
    as_json = json.loads(run(*HALLS, "--json").stdout)
    assert as_json["source"] == "takamatsu_community_center_10" and as_json["unchanged"] == 10
    assert len(as_json["duplicates"]) == 10
    assert as_json["duplicates"][0]["id"] == "37201-takamatsu_community_center_10-1"


def test_refused_import_exits_1_naming_file_row_field_and_reason(
    run: Run, tmp_path: Path, db: Path
) -> None:
    assert run(*HALLS).returncode == 0
    before = places_in(db)

    result = run("import", "places", swapped_copy(tmp_path), *HALLS[3:])

    assert result.returncode == 1
    assert "swapped_halls.csv, row 4, field 'latitude'" in result.stderr
    assert "latitude out of range" in result.stderr and "緯度と経度が逆" in result.stderr
    assert "nothing was changed" in result.stderr
    assert places_in(db) == before


def test_a_refused_first_import_leaves_the_store_empty(run: Run, tmp_path: Path, db: Path) -> None:
    result = run("import", "places", swapped_copy(tmp_path), *HALLS[3:])

    assert result.returncode == 1
    store = GpkgStore(db)
    try:
        assert store.cities() == [] and store.categories("37201") == []
        assert places_in(store) == []
    finally:
        store.close()


def test_unknown_category_in_the_file_exits_1_listing_the_known_ones(run: Run) -> None:
    result = run("import", "places", TAKASAKI_KML, "--city", "10202")

    assert result.returncode == 1
    assert "takasaki_mymaps.kml, placemark 9, field 'folder': unknown category" in result.stderr
    assert "salon (サロン)" in result.stderr and "--create-categories" in result.stderr

    created = run("import", "places", TAKASAKI_KML, "--city", "10202", "--create-categories")
    assert created.returncode == 0, created.stderr
    assert "new categories: ibasho (居場所)" in created.stdout


def test_text_in_brackets_is_printed_as_given(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("名称,緯度,経度,種別\n[b]サロン,36.3219,139.0033,[red]\n", encoding="utf-8")

    result = run("import", "places", path, "--city", "10202")

    assert result.returncode == 1
    assert "(value: '[red]')" in result.stderr  # not swallowed as console markup


def test_unknown_city_code_exits_2_before_touching_the_store(run: Run, db: Path) -> None:
    result = run("import", "places", TAKAMATSU_CSV, "--city", "99999", "--category", "hall")

    assert result.returncode == 2
    assert "no municipality has the JIS code '99999'" in result.stderr
    assert not db.exists()

    by_name = run("import", "areas", WARDS, "--city", "新潟市")
    assert by_name.returncode == 2 and "15100" in by_name.stderr


@pytest.mark.parametrize("what", ["places", "areas"])
def test_name_field_that_does_not_exist_exits_2(run: Run, what: str) -> None:
    source, city = (TAKAMATSU_CSV, "37201") if what == "places" else (WARDS, "15100")
    extra = ["--category", "hall"] if what == "places" else ["--level", "1"]

    result = run("import", what, source, "--city", city, *extra, "--name-field", "施設名称")

    assert result.returncode == 2
    assert "no column named '施設名称'" in result.stderr


def test_bad_kind_exits_2(run: Run) -> None:
    result = run(*HALLS, "--kind", "hall")

    assert result.returncode == 2
    assert "--kind must be one of gathering, venue" in result.stderr


def test_lat_field_that_does_not_exist_exits_2(run: Run) -> None:
    result = run(*HALLS, "--lat-field", "北緯", "--lon-field", "longitude")

    assert result.returncode == 2


def test_missing_city_option_is_a_usage_error(run: Run) -> None:
    result = run("import", "places", TAKAMATSU_CSV)

    assert result.returncode == 2 and "--city" in result.stderr


def test_dry_run_reports_and_writes_nothing(run: Run, db: Path) -> None:
    result = run(*HALLS, "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "dry run: nothing was written" in result.stdout
    assert "would change: 10 added" in result.stdout
    store = GpkgStore(db)
    try:
        assert store.cities() == [] and places_in(store) == []
    finally:
        store.close()


def test_json_report_parses(run: Run) -> None:
    result = run(*HALLS, "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["file"] == TAKAMATSU_CSV.name and report["what"] == "places"
    assert (report["added"], report["updated"], report["unchanged"]) == (10, 0, 0)
    assert report["problems"] == [] and report["dry_run"] is False


def test_json_report_of_a_refused_import_lists_the_problems(run: Run, tmp_path: Path) -> None:
    result = run("import", "places", swapped_copy(tmp_path), *HALLS[3:], "--json")

    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["rejected"] is True
    (problem,) = body["problems"]
    assert problem["file"] == "swapped_halls.csv"
    assert (problem["row"], problem["field"]) == (4, "latitude")
    assert problem["reason"] == "latitude out of range -90..90"


def test_area_import_merges_and_reports_repairs(run: Run, tmp_path: Path) -> None:
    wards = run("import", "areas", WARDS, "--city", "15100", "--level", "1")
    assert wards.returncode == 0, wards.stderr
    assert "40 areas — changed: 8 added" in wards.stdout
    assert "note: 西蒲区: 18 features merged into one area" in wards.stdout

    bow_tie = tmp_path / "bow.geojson"
    ring = [[139.02, 37.90], [139.04, 37.92], [139.04, 37.90], [139.02, 37.92], [139.02, 37.90]]
    feature = {
        "type": "Feature",
        "properties": {"id": "B1", "name": "蝶形圏域", "parent": "15103"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    doc = {"type": "FeatureCollection", "features": [feature]}
    bow_tie.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    repaired = run("import", "areas", bow_tie, "--city", "15100")
    assert repaired.returncode == 0, repaired.stderr
    assert "repaired: feature 1 (蝶形圏域): repaired Self-intersection" in repaired.stdout


@pytest.mark.postgis
def test_import_into_postgis(
    tsudoi: Run, tmp_path: Path, postgis_store: Store, postgis_url: str
) -> None:
    args = ("--city", "37201", "--category", "hall", "--db", postgis_url)

    first = tsudoi("import", "places", TAKAMATSU_CSV, *args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "10 added" in first.stdout
    assert len(places_in(postgis_store)) == 10
    before = places_in(postgis_store)

    refused = tsudoi("import", "places", swapped_copy(tmp_path), *args, cwd=tmp_path)
    assert refused.returncode == 1 and "row 4" in refused.stderr
    assert places_in(postgis_store) == before
