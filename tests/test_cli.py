"""The `tsudoi import` commands as a user runs them: exit codes, messages, --dry-run, --json.

Exit codes: 0 done, 1 input refused (nothing changed), 2 usage error. Each test runs the installed
console script (or `python -m service.cli`) in a subprocess against a throwaway store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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

_SCRIPT = Path(sys.executable).with_name("tsudoi")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "service.cli"]


def tsudoi(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TSUDOI_DATABASE_URL"}
    env.update(COLUMNS="200", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [*COMMAND, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


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


def test_good_import_exits_0_with_a_summary(tmp_path: Path, db: Path) -> None:
    first = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "37201",
        "--category",
        "hall",
        "--db",
        db,
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert "takamatsu_community_center_10.csv: 10 places" in first.stdout
    assert "10 added, 0 updated, 0 unchanged" in first.stdout
    assert len(places_in(db)) == 10

    again = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "37201",
        "--category",
        "hall",
        "--db",
        db,
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert "10 places, all unchanged; nothing to do" in again.stdout


def test_refused_import_exits_1_naming_file_row_field_and_reason(tmp_path: Path, db: Path) -> None:
    args = ("--city", "37201", "--category", "hall", "--db", db)
    assert tsudoi("import", "places", TAKAMATSU_CSV, *args, cwd=tmp_path).returncode == 0
    before = places_in(db)

    result = tsudoi("import", "places", swapped_copy(tmp_path), *args, cwd=tmp_path)

    assert result.returncode == 1
    assert "swapped_halls.csv, row 4, field 'latitude'" in result.stderr
    assert "latitude out of range" in result.stderr and "緯度と経度が逆" in result.stderr
    assert "nothing was changed" in result.stderr
    assert places_in(db) == before


def test_a_refused_first_import_leaves_the_store_empty(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        swapped_copy(tmp_path),
        "--city",
        "37201",
        "--category",
        "hall",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 1
    store = GpkgStore(db)
    try:
        assert store.cities() == [] and store.categories("37201") == []
        assert places_in(store) == []
    finally:
        store.close()


def test_unknown_category_in_the_file_exits_1_listing_the_known_ones(
    tmp_path: Path, db: Path
) -> None:
    result = tsudoi("import", "places", TAKASAKI_KML, "--city", "10202", "--db", db, cwd=tmp_path)

    assert result.returncode == 1
    assert "takasaki_mymaps.kml, placemark 9, field 'folder': unknown category" in result.stderr
    assert "salon (サロン)" in result.stderr and "--create-categories" in result.stderr

    created = tsudoi(
        "import",
        "places",
        TAKASAKI_KML,
        "--city",
        "10202",
        "--create-categories",
        "--db",
        db,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    assert "new categories: 居場所 (居場所)" in created.stdout


def test_text_in_brackets_is_printed_as_given(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("名称,緯度,経度,種別\n[b]サロン,36.3219,139.0033,[red]\n", encoding="utf-8")

    result = tsudoi("import", "places", path, "--city", "10202", "--db", db, cwd=tmp_path)

    assert result.returncode == 1
    assert "(value: '[red]')" in result.stderr  # not swallowed as console markup


def test_unknown_city_code_exits_2_before_touching_the_store(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "99999",
        "--category",
        "hall",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "no municipality has the JIS code '99999'" in result.stderr
    assert not db.exists()

    by_name = tsudoi("import", "areas", WARDS, "--city", "新潟市", "--db", db, cwd=tmp_path)
    assert by_name.returncode == 2 and "15100" in by_name.stderr


@pytest.mark.parametrize("what", ["places", "areas"])
def test_name_field_that_does_not_exist_exits_2(tmp_path: Path, db: Path, what: str) -> None:
    source, city = (TAKAMATSU_CSV, "37201") if what == "places" else (WARDS, "15100")
    extra = ["--category", "hall"] if what == "places" else ["--level", "1"]

    result = tsudoi(
        "import",
        what,
        source,
        "--city",
        city,
        *extra,
        "--name-field",
        "施設名称",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "no column named '施設名称'" in result.stderr


def test_bad_kind_exits_2(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "37201",
        "--category",
        "hall",
        "--kind",
        "hall",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "--kind must be one of gathering, venue" in result.stderr


def test_lat_field_that_does_not_exist_exits_2(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "37201",
        "--category",
        "hall",
        "--lat-field",
        "北緯",
        "--lon-field",
        "longitude",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 2


def test_missing_city_option_is_a_usage_error(tmp_path: Path, db: Path) -> None:
    result = tsudoi("import", "places", TAKAMATSU_CSV, "--db", db, cwd=tmp_path)

    assert result.returncode == 2 and "--city" in result.stderr


def test_dry_run_reports_and_writes_nothing(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "37201",
        "--category",
        "hall",
        "--dry-run",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "dry run: nothing was written" in result.stdout
    assert "would change: 10 added" in result.stdout
    store = GpkgStore(db)
    try:
        assert store.cities() == [] and places_in(store) == []
    finally:
        store.close()


def test_json_report_parses(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        TAKAMATSU_CSV,
        "--city",
        "37201",
        "--category",
        "hall",
        "--json",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["file"] == TAKAMATSU_CSV.name and report["what"] == "places"
    assert (report["added"], report["updated"], report["unchanged"]) == (10, 0, 0)
    assert report["problems"] == [] and report["dry_run"] is False


def test_json_report_of_a_refused_import_lists_the_problems(tmp_path: Path, db: Path) -> None:
    result = tsudoi(
        "import",
        "places",
        swapped_copy(tmp_path),
        "--city",
        "37201",
        "--category",
        "hall",
        "--json",
        "--db",
        db,
        cwd=tmp_path,
    )

    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["rejected"] is True
    (problem,) = body["problems"]
    assert problem["file"] == "swapped_halls.csv"
    assert (problem["row"], problem["field"]) == (4, "latitude")
    assert problem["reason"] == "latitude out of range -90..90"


def test_area_import_merges_and_reports_repairs(tmp_path: Path, db: Path) -> None:
    wards = tsudoi(
        "import", "areas", WARDS, "--city", "15100", "--level", "1", "--db", db, cwd=tmp_path
    )
    assert wards.returncode == 0, wards.stderr
    assert "40 areas — changed: 8 added" in wards.stdout
    assert "note: 西蒲区: 18 features merged into one area" in wards.stdout

    bow_tie = tmp_path / "bow.geojson"
    ring = [[139.02, 37.90], [139.04, 37.92], [139.04, 37.90], [139.02, 37.92], [139.02, 37.90]]
    bow_tie.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "B1", "name": "蝶形圏域", "parent": "15103"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    repaired = tsudoi("import", "areas", bow_tie, "--city", "15100", "--db", db, cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stderr
    assert "repaired: feature 1 (蝶形圏域): repaired Self-intersection" in repaired.stdout


@pytest.mark.postgis
def test_import_into_postgis(tmp_path: Path, postgis_store: Store, postgis_url: str) -> None:
    args = ("--city", "37201", "--category", "hall", "--db", postgis_url)

    first = tsudoi("import", "places", TAKAMATSU_CSV, *args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "10 added" in first.stdout
    assert len(places_in(postgis_store)) == 10
    before = places_in(postgis_store)

    refused = tsudoi("import", "places", swapped_copy(tmp_path), *args, cwd=tmp_path)
    assert refused.returncode == 1 and "row 4" in refused.stderr
    assert places_in(postgis_store) == before
