"""`import_places` held to the issue on both stores, with real files in the formats cities bring.

Fixtures: tests/data/imports (a 10-row excerpt of 高松市's 自治体標準オープンデータセット CSV, its
地域包括支援センター file, a Google My Maps KML for 高崎市, 新潟市's N03 wards simplified); binary
formats (XLSX, GeoPackage, KMZ) are written per test under tmp_path.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from boundaries.area_import import AreaImportOptions, import_areas
from geo.errors import InputError, Problem, UsageError
from geo.ingest.report import ImportReport
from geo.store.base import PlaceQuery, Store
from layers.place_import import PlaceImportOptions, import_places

DATA = Path(__file__).parent / "data" / "imports"
SOURCE = Path(__file__).parent / "data" / "source"  # real files, see tests/data/README.md
TAKAMATSU_CSV = DATA / "takamatsu_community_center_10.csv"
CC = "37201-takamatsu_community_center_10"  # ids: {city}-{source: the file's stem}-{#property}
SUPPORT_CSV = DATA / "takamatsu_support_centers.csv"
TAKASAKI_KML = DATA / "takasaki_mymaps.kml"
NIIGATA_WARDS = DATA / "niigata_wards_n03_simplified.geojson"

TAKAMATSU = "37201"
TAKASAKI = "10202"
NIIGATA = "15100"
LATER = "2099-01-01T00:00:00Z"


# --- helpers ---------------------------------------------------------------------------------


def run(store: Store, path: Path, city: str = TAKAMATSU, **options: Any) -> ImportReport:
    if city == TAKAMATSU and "category" not in options and "category_field" not in options:
        options["category"] = "hall"
    return import_places(store, path, PlaceImportOptions(city=city, **options))


def refused(store: Store, path: Path, city: str = TAKAMATSU, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        run(store, path, city, **options)
    assert caught.value.problems, "an InputError must carry its problems"
    return caught.value.problems


def snapshot(store: Store, city: str) -> list[dict[str, Any]]:
    """Every place of the city, whatever its kind or status, as plain dicts."""
    return [asdict(p) for p in store.places(PlaceQuery(city=city, kinds=(), statuses=()))]


def without_stamps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "updated_at"} for row in rows]


def csv_rows(path: Path = TAKAMATSU_CSV) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def edited(tmp_path: Path, change: Any, name: str = TAKAMATSU_CSV.name) -> Path:
    """A copy of the Takamatsu excerpt under the same file name (the same source), changed."""
    rows = csv_rows()
    change(rows)
    return write_csv(tmp_path / "edited" / name, rows)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Call it to stamp every write after that moment LATER, so a rewritten row shows it."""
    import geo.store.gpkg
    import geo.store.postgis

    def advance() -> str:
        monkeypatch.setattr(geo.store.gpkg, "now_iso", lambda: LATER)
        monkeypatch.setattr(geo.store.postgis, "now_iso", lambda: LATER)
        return LATER

    return advance


def one(problems: list[Problem], **where: Any) -> Problem:
    found = [p for p in problems if all(getattr(p, k) == v for k, v in where.items())]
    assert len(found) == 1, f"expected one problem with {where}, got {problems}"
    return found[0]


# --- the 自治体標準オープンデータセット CSV ----------------------------------------------------


def test_standard_dataset_csv_maps_each_column(store: Store) -> None:
    report = run(store, TAKAMATSU_CSV, category="hall")

    assert (report.added, report.updated, report.unchanged, report.rejected) == (10, 0, 0, 0)
    places = store.places(PlaceQuery(city=TAKAMATSU, kinds=()))
    assert [p.id for p in places] == sorted(f"{CC}-{n}" for n in range(1, 11))
    first = store.place(f"{CC}-1")
    assert first is not None
    assert (first.name, first.address, first.phone) == (
        "高松市日新コミュニティセンター",
        "高松市瀬戸内町22-9",
        "087-834-9911",
    )
    assert (first.lat, first.lon) == (34.34758361, 134.03246917)
    assert (first.kind, first.category, first.status) == ("venue", "hall", "active")
    assert first.source == "takamatsu_community_center_10" and first.source_id == "1"
    assert "latitude" not in first.extra and "longitude" not in first.extra


def test_standard_dataset_schedule_columns_become_rules(store: Store) -> None:
    run(store, SUPPORT_CSV, category="hall")

    place = store.place("37201-takamatsu_support_centers-1")
    assert place is not None
    assert place.name == "地域包括支援センター（高松市保健センター１階）"  # full-width １ kept
    assert place.schedule is not None and place.schedule.startswith("月火水木金 08:30〜17:00")
    assert place.schedule_rules == [
        {"weekdays": [0, 1, 2, 3, 4], "weeks": None, "start": "08:30", "end": "17:00"}
    ]
    assert place.url is not None and place.url.startswith("https://www.city.takamatsu")


def test_utf8_bom_and_cp932_give_the_same_ids_and_content(store: Store, tmp_path: Path) -> None:
    run(store, TAKAMATSU_CSV)
    before = snapshot(store, TAKAMATSU)
    raw = TAKAMATSU_CSV.read_text(encoding="utf-8")

    for label, data in (
        ("bom", codecs.BOM_UTF8 + raw.encode("utf-8")),
        ("cp932", raw.encode("cp932")),
    ):
        copy = tmp_path / label / TAKAMATSU_CSV.name  # same name: the same source
        copy.parent.mkdir()
        copy.write_bytes(data)
        report = run(store, copy)
        assert (report.added, report.updated, report.unchanged) == (0, 0, 10), label
        assert snapshot(store, TAKAMATSU) == before, label


def test_reimport_changes_nothing_and_says_so(store: Store, later: Any) -> None:
    run(store, TAKAMATSU_CSV)
    before = snapshot(store, TAKAMATSU)
    stamp = later()

    report = run(store, TAKAMATSU_CSV)

    assert (report.added, report.updated, report.unchanged, report.closed) == (0, 0, 10, 0)
    assert not report.changed and report.missing == []
    assert "all unchanged" in report.summary()
    after = snapshot(store, TAKAMATSU)
    assert after == before  # updated_at included
    assert stamp not in {p["updated_at"] for p in after}


def test_changing_one_row_reports_one_updated(store: Store, tmp_path: Path, later: Any) -> None:
    run(store, TAKAMATSU_CSV)
    stamp = later()

    def new_phone(rows: list[list[str]]) -> None:
        rows[4][5] = "087-834-0000"  # 亀阜 (line 5)

    report = run(store, edited(tmp_path, new_phone))

    assert (report.added, report.updated, report.unchanged) == (0, 1, 9)
    changed = store.place(f"{CC}-4")
    assert changed is not None and changed.phone == "087-834-0000"
    stamps = {p["id"]: p["updated_at"] for p in snapshot(store, TAKAMATSU)}
    assert [pid for pid, when in stamps.items() if when == stamp] == [f"{CC}-4"]


def test_an_import_records_each_change_with_its_source(store: Store, tmp_path: Path) -> None:
    run(store, TAKAMATSU_CSV)
    created = store.changes("place", city=TAKAMATSU)
    source = CC.removeprefix(f"{TAKAMATSU}-")
    stored = [p["id"] for p in snapshot(store, TAKAMATSU)]
    assert sorted(c.record_id for c in created) == sorted(stored)
    assert {(c.who, c.via, c.action, c.source) for c in created} == {
        ("import", "import", "create", source)
    }
    kameoka = store.place(f"{CC}-4")
    assert kameoka is not None
    (first,) = store.changes("place", f"{CC}-4")
    assert first.fields["name"] == [None, kameoka.name]
    assert first.fields["phone"] == [None, kameoka.phone]

    run(store, TAKAMATSU_CSV)  # unchanged: nothing recorded
    assert len(store.changes("place", city=TAKAMATSU)) == len(created)

    def new_phone(rows: list[list[str]]) -> None:
        rows[4][5] = "087-834-0000"  # 亀阜 (line 5)

    run(store, edited(tmp_path, new_phone))
    *_, last = store.changes("place", city=TAKAMATSU)
    assert (last.record_id, last.action, last.source) == (f"{CC}-4", "update", source)
    assert last.fields == {"phone": [kameoka.phone, "087-834-0000"]}
    closed = run(store, edited(tmp_path, lambda rows: rows.pop(3)), prune=True)
    assert closed.closed == 1
    *_, gone = store.changes("place", city=TAKAMATSU)
    assert (gone.record_id, gone.action, gone.fields) == (
        f"{CC}-3", "close", {"status": ["active", "closed"]}
    )


def test_a_row_missing_from_the_file_is_listed_and_prune_closes_it(
    store: Store, tmp_path: Path
) -> None:
    run(store, TAKAMATSU_CSV)
    shorter = edited(tmp_path, lambda rows: rows.pop(3))  # #property 3, 四番丁

    listed = run(store, shorter)
    assert listed.missing == [(f"{CC}-3", "高松市四番丁コミュニティセンター")]
    assert (listed.unchanged, listed.closed) == (9, 0)
    still = store.place(f"{CC}-3")
    assert still is not None and still.status == "active"

    dry = run(store, shorter, prune=True, dry_run=True)
    assert dry.closed == 1
    assert store.place(f"{CC}-3").status == "active"  # type: ignore[union-attr]

    pruned = run(store, shorter, prune=True)
    assert pruned.closed == 1 and pruned.missing == listed.missing
    closed = store.place(f"{CC}-3")
    assert closed is not None and closed.status == "closed"  # closed, never deleted
    assert store.count_places(PlaceQuery(city=TAKAMATSU, kinds=(), statuses=())) == 10
    assert store.count_places(PlaceQuery(city=TAKAMATSU, kinds=())) == 9

    again = run(store, shorter, prune=True)
    assert (again.closed, again.missing, again.changed) == (0, [], False)


def test_dry_run_writes_nothing(store: Store) -> None:
    report = run(store, TAKAMATSU_CSV, dry_run=True)

    assert report.dry_run and report.added == 10
    assert "would change" in report.summary()
    assert snapshot(store, TAKAMATSU) == []
    assert store.categories(TAKAMATSU) == []  # not even the default catalogue is seeded


def test_dry_run_then_import_report_the_same_counts(store: Store, tmp_path: Path) -> None:
    run(store, TAKAMATSU_CSV)
    changed = edited(tmp_path, lambda rows: rows[2].__setitem__(3, "高松市二番丁ｺﾐｭﾆﾃｨｾﾝﾀｰ"))

    dry = run(store, changed, dry_run=True)
    real = run(store, changed)

    assert (dry.added, dry.updated, dry.unchanged) == (real.added, real.updated, real.unchanged)
    assert (real.updated, real.unchanged) == (1, 9)
    place = store.place(f"{CC}-2")
    assert place is not None and place.name == "高松市二番丁ｺﾐｭﾆﾃｨｾﾝﾀｰ"  # half-width kept


# --- refused input: file, row, field, reason; the store untouched ------------------------------


def test_swapped_latitude_longitude_is_refused_naming_the_row(store: Store, tmp_path: Path) -> None:
    run(store, TAKAMATSU_CSV)
    before = snapshot(store, TAKAMATSU)

    def swap(rows: list[list[str]]) -> None:
        rows[3][1], rows[3][2] = rows[3][2], rows[3][1]  # line 4, #property 3

    bad = edited(tmp_path, swap)
    with pytest.raises(InputError) as caught:
        run(store, bad)

    problem = one(caught.value.problems, row=4)
    assert (problem.file, problem.row_label, problem.field) == (bad.name, "row", "latitude")
    assert problem.hint is not None and "緯度と経度が逆" in problem.hint
    assert len(caught.value.problems) == 1  # one problem for the row, not a second "no location"
    text = str(caught.value)
    assert f"{bad.name}, row 4, field 'latitude'" in text and "nothing was changed" in text
    assert snapshot(store, TAKAMATSU) == before


def test_swapped_coordinates_in_one_geojson_feature_are_refused(
    store: Store, tmp_path: Path
) -> None:
    features = [
        _point_feature("t1", "日新", 134.03246917, 34.34758361),
        _point_feature("t2", "二番丁", 34.34451944, 134.03656833),  # [lat, lon]
    ]
    path = _geojson(tmp_path / "halls.geojson", features)

    problems = refused(store, path, category="hall")

    problem = one(problems, row=2)
    assert problem.row_label == "feature" and problem.field == "geometry"
    assert problem.hint is not None and "緯度と経度が逆" in problem.hint
    assert snapshot(store, TAKAMATSU) == []


def test_point_outside_the_city_is_refused_with_a_hint(store: Store, tmp_path: Path) -> None:
    def to_osaka(rows: list[list[str]]) -> None:
        rows[6][1], rows[6][2] = "34.6937", "135.5023"  # line 7: 大阪市役所

    problems = refused(store, edited(tmp_path, to_osaka))

    problem = one(problems, row=7)
    assert problem.field == "latitude/longitude"
    assert "outside the city" in problem.reason and "126,208 m beyond its outline" in problem.reason
    assert problem.hint is not None and "--city" in problem.hint
    assert snapshot(store, TAKAMATSU) == []


def test_wrong_city_code_is_refused_for_every_row(store: Store) -> None:
    problems = refused(store, TAKAMATSU_CSV, city=TAKASAKI, category="hall")

    assert sorted(p.row for p in problems) == list(range(2, 12))
    # every 住所 says 高松市: refused by the address before the point is measured
    assert all(p.reason == "住所は高松市ですが、--city は 10202（高崎市）です" for p in problems)
    assert all(p.field == "address" for p in problems)


def test_outline_tolerance_is_200_m_without_areas(store: Store, tmp_path: Path) -> None:
    # measured against the bundled outline of 高崎市: 新町 is 73 m outside, 前橋駅 3.1 km
    near = write_csv(
        tmp_path / "near.csv",
        [["名称", "緯度", "経度"], ["新町のサロン", "36.27", "139.12"]],
    )
    far = write_csv(
        tmp_path / "far.csv",
        [["名称", "緯度", "経度"], ["前橋駅前サロン", "36.383", "139.073"]],
    )

    report = run(store, near, city=TAKASAKI, category="salon")
    assert report.added == 1
    assert report.across_border == ["2: 73 m outside, assigned to 高崎市"]
    problem = one(refused(store, far, city=TAKASAKI, category="salon"), row=2)
    assert "3,114 m beyond its outline" in problem.reason


def test_with_areas_imported_the_city_is_their_union(store: Store, tmp_path: Path) -> None:
    inside = ["中央区のサロン", "37.9161", "139.0236"]  # 新潟駅の近く
    shore = ["岸近くのサロン", "37.9370", "139.0400"]  # in the sea, 93 m off the coast
    offshore = ["沖合のサロン", "37.9450", "139.0420"]  # in the sea, 703 m off the coast
    header = ["名称", "緯度", "経度"]
    path = write_csv(tmp_path / "niigata.csv", [header, inside, shore, offshore])
    good = write_csv(tmp_path / "good.csv", [header, inside, shore])

    before_areas = one(refused(store, path, city=NIIGATA, category="salon"), row=4)
    assert "703 m beyond its outline" in before_areas.reason

    import_areas(store, NIIGATA_WARDS, AreaImportOptions(city=NIIGATA, level=1))
    problems = refused(store, path, city=NIIGATA, category="salon")

    problem = one(problems, row=4)
    assert "outside the city's imported areas (703 m away" in problem.reason
    assert [p.row for p in problems] == [4]
    report = run(store, good, city=NIIGATA, category="salon")
    assert report.added == 2 and report.across_border == ["3: 93 m outside, assigned to 中央区"]


def test_missing_coordinates_are_refused(store: Store, tmp_path: Path) -> None:
    def blank(rows: list[list[str]]) -> None:
        rows[8][1] = rows[8][2] = rows[8][4] = ""  # line 9: no point, no address

    problems = refused(store, edited(tmp_path, blank))

    problem = one(problems, row=9)
    assert problem.field == "latitude/longitude" and "no location" in problem.reason
    assert snapshot(store, TAKAMATSU) == []


def test_empty_and_missing_geojson_geometry_are_refused(store: Store, tmp_path: Path) -> None:
    features = [
        _point_feature("a", "日新", 134.03246917, 34.34758361),
        {"type": "Feature", "properties": {"id": "b", "name": "二番丁"}, "geometry": None},
        {
            "type": "Feature",
            "properties": {"id": "c", "name": "四番丁"},
            "geometry": {"type": "Point", "coordinates": []},
        },
        {"type": "Feature", "properties": {"id": "d", "name": "亀阜"}},
    ]
    problems = refused(store, _geojson(tmp_path / "halls.geojson", features), category="hall")

    assert sorted(p.row for p in problems) == [2, 3, 4]
    assert all(p.row_label == "feature" and p.field == "geometry" for p in problems)
    assert snapshot(store, TAKAMATSU) == []


def test_a_table_without_coordinate_columns_is_one_clear_problem(
    store: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", [["名称", "電話"], ["サロンA", "027-000-0000"]])

    problems = refused(store, path, city=TAKASAKI, category="salon")

    assert len(problems) == 1 and problems[0].row is None
    assert "no latitude/longitude columns and no address column" in problems[0].reason
    assert problems[0].hint is not None and "--field lat=" in problems[0].hint


def test_explicit_coordinate_columns(store: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        [["名称", "北緯(度)", "東経(度)"], ["サロンA", "36.3219", "139.0033"]],
    )

    report = run(
        store, path, city=TAKASAKI, category="salon", lat_field="北緯(度)", lon_field="東経(度)"
    )

    assert report.added == 1
    (place,) = store.places(PlaceQuery(city=TAKASAKI))
    assert (place.lat, place.lon) == (36.3219, 139.0033)


def test_duplicate_ids_are_refused_naming_both_rows(store: Store, tmp_path: Path) -> None:
    def repeat_id(rows: list[list[str]]) -> None:
        rows[6][0] = "3"  # line 7 takes the id of line 4

    problems = refused(store, edited(tmp_path, repeat_id))

    problem = one(problems, row=7)
    assert problem.field == "#property" and problem.value == f"{CC}-3"
    assert "duplicate id" in problem.reason and "row 4" in problem.reason
    assert snapshot(store, TAKAMATSU) == []


def test_every_problem_is_reported_at_once(store: Store, tmp_path: Path) -> None:
    def spoil(rows: list[list[str]]) -> None:
        rows[2][1], rows[2][2] = rows[2][2], rows[2][1]  # line 3 swapped
        rows[5][3] = "  "  # line 6 without a name
        rows[9][1] = "北緯34度"  # line 10 not a coordinate

    problems = refused(store, edited(tmp_path, spoil))

    assert sorted({p.row for p in problems}) == [3, 6, 10]
    assert one(problems, row=6).field == "name"


def test_unknown_kind_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError, match="gathering, venue"):
        run(store, TAKAMATSU_CSV, kind="hall")


@pytest.mark.parametrize("option", ["name_field", "id_field", "category_field"])
def test_a_column_named_by_an_option_but_absent_is_a_usage_error(store: Store, option: str) -> None:
    with pytest.raises(UsageError, match="no column named '施設名'"):
        run(store, TAKAMATSU_CSV, **{option: "施設名"})
    assert snapshot(store, TAKAMATSU) == []
    assert store.categories(TAKAMATSU) == []


# --- categories ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["salon", "サロン", "Salon", "ｻﾛﾝ", "ふれあい・いきいきサロン"])
def test_category_text_matches_slug_or_either_label(
    store: Store, tmp_path: Path, text: str
) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        [["名称", "緯度", "経度", "種別"], ["並榎町サロン", "36.3380", "139.0060", text]],
    )

    run(store, path, city=TAKASAKI)

    (place,) = store.places(PlaceQuery(city=TAKASAKI))
    assert place.category == "salon" and place.kind == "gathering"


def test_unknown_category_lists_the_known_ones(store: Store) -> None:
    problems = refused(store, TAKASAKI_KML, city=TAKASAKI)

    assert sorted(p.row for p in problems) == [9, 10]
    for problem in problems:
        assert (problem.row_label, problem.field, problem.value) == (
            "placemark",
            "folder",
            "居場所",
        )
        assert problem.reason == "unknown category"
        assert problem.hint is not None
        assert "salon (サロン)" in problem.hint and "kayoinoba (通いの場)" in problem.hint
        assert "--create-categories" in problem.hint
    assert snapshot(store, TAKASAKI) == []
    assert store.categories(TAKASAKI) == []


def test_unknown_category_option_lists_the_known_ones(store: Store) -> None:
    with pytest.raises(UsageError) as caught:
        run(store, TAKAMATSU_CSV, category="児童館")

    assert "hall (集会所・公民館)" in str(caught.value)
    assert "--create-categories" in str(caught.value)


def test_create_categories_adds_the_folder_as_a_city_category(store: Store) -> None:
    report = run(store, TAKASAKI_KML, city=TAKASAKI, create_categories=True)

    assert report.added == 10
    assert any("居場所" in note for note in report.notes)
    created = [c for c in store.categories(TAKASAKI) if c.city == TAKASAKI]
    assert [(c.label_ja, c.kind) for c in created] == [("居場所", "gathering")]
    ibasho = store.places(PlaceQuery(city=TAKASAKI, categories=(created[0].slug,)))
    assert sorted(p.name for p in ibasho) == [
        "㈱マルイチ集会室 みんなの居場所",
        "倉渕 ふらっと居場所",
    ]
    assert store.categories(NIIGATA) == [
        c for c in store.categories(TAKASAKI) if c.city is None
    ]  # the new category belongs to 高崎市 only

    again = run(store, TAKASAKI_KML, city=TAKASAKI, create_categories=True)
    assert (again.unchanged, again.notes) == (10, [])
    assert [c for c in store.categories(TAKASAKI) if c.city == TAKASAKI] == created


def test_kind_option_overrides_the_category_kind(store: Store) -> None:
    run(store, TAKAMATSU_CSV, category="salon", kind="venue")

    kinds = {p.kind for p in store.places(PlaceQuery(city=TAKAMATSU, kinds=()))}
    assert kinds == {"venue"}


# --- formats ---------------------------------------------------------------------------------


def test_google_my_maps_kml_folders_become_categories(store: Store) -> None:
    run(store, TAKASAKI_KML, city=TAKASAKI, create_categories=True)

    places = {p.name: p for p in store.places(PlaceQuery(city=TAKASAKI))}
    assert {
        name: places[name].category
        for name in ("並榎町ふれあいサロン", "箕郷 元気体操の会", "オレンジカフェたかさき")
    } == {
        "並榎町ふれあいサロン": "salon",
        "箕郷 元気体操の会": "kayoinoba",
        "オレンジカフェたかさき": "dementia-cafe",
    }
    salon = places["並榎町ふれあいサロン"]
    assert (salon.lon, salon.lat) == (139.006, 36.338)
    assert salon.address == "高崎市並榎町"
    assert salon.schedule == "第2・第4水曜 10:00〜12:00"
    assert salon.description is not None and "<br>" in salon.description  # kept as given


def test_kmz_gives_the_same_places_as_its_kml(store: Store, tmp_path: Path) -> None:
    run(store, TAKASAKI_KML, city=TAKASAKI, create_categories=True)
    before = snapshot(store, TAKASAKI)
    kmz = tmp_path / "takasaki_mymaps.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", TAKASAKI_KML.read_bytes())
        archive.writestr("images/icon-1.png", b"\x89PNG\r\n\x1a\n")  # My Maps ships its icons

    report = run(store, kmz, city=TAKASAKI, source=TAKASAKI_KML.name)

    assert (report.added, report.updated, report.unchanged) == (0, 0, 10)
    assert snapshot(store, TAKASAKI) == before


def test_xlsx_with_japanese_headers(store: Store, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "集いの場"
    sheet.append(["高崎市 集いの場一覧（令和7年4月1日現在）"])  # a title line above the header
    sheet.append(["名称", "住所", "緯度", "経度", "種別", "開催日時", "備考"])
    sheet.append(
        ["並榎町ふれあいサロン", "高崎市並榎町", 36.338, 139.006, "サロン", "第2水曜", None]
    )
    sheet.append(
        [
            "　㈱マルイチ　いきいき体操 ",
            "高崎市高松町",
            36.325,
            139.0,
            "通いの場",
            None,
            "駐車場なし",
        ]
    )
    sheet.append(
        ["オレンジカフェたかさき", "高崎市八島町", 36.3228, 139.0127, "認知症カフェ", None, None]
    )
    path = tmp_path / "takasaki.xlsx"
    book.save(path)

    report = run(store, path, city=TAKASAKI)

    assert report.added == 3
    places = {p.name: p for p in store.places(PlaceQuery(city=TAKASAKI))}
    assert set(places) == {
        "並榎町ふれあいサロン",
        "㈱マルイチ　いきいき体操",
        "オレンジカフェたかさき",
    }
    exercise = places["㈱マルイチ　いきいき体操"]  # trimmed; ㈱ and the inner 全角 space kept
    assert (exercise.category, exercise.address, exercise.description) == (
        "kayoinoba",
        "高崎市高松町",
        "駐車場なし",
    )
    assert (exercise.lat, exercise.lon) == (36.325, 139.0)
    assert places["並榎町ふれあいサロン"].schedule == "第2水曜"
    assert run(store, path, city=TAKASAKI).unchanged == 3


def test_standard_dataset_japanese_headers_in_xlsx(store: Store, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "都道府県コード又は市区町村コード",
            "NO",
            "名称",
            "名称_カナ",
            "所在地_連結表記",
            "緯度",
            "経度",
            "電話番号",
            "利用可能曜日",
            "開始時間",
            "終了時間",
            "URL",
            "備考",
        ]
    )
    sheet.append(
        [
            "102024",
            "0001",
            "高崎市南部地域包括支援センター",
            "タカサキシナンブチイキホウカツシエンセンター",
            "群馬県高崎市倉賀野町1234",
            36.3000,
            139.0620,
            "027-346-0000",
            "月火水木金",
            "8:30",
            "17:15",
            "https://www.city.takasaki.gunma.jp/",
            " 駐車場あり ",
        ]
    )
    path = tmp_path / "support.xlsx"
    book.save(path)

    run(store, path, city=TAKASAKI, category="hall")

    place = store.place("10202-support-0001")
    assert place is not None
    assert place.kana == "タカサキシナンブチイキホウカツシエンセンター"
    assert place.address == "群馬県高崎市倉賀野町1234" and place.phone == "027-346-0000"
    assert place.schedule_rules == [
        {"weekdays": [0, 1, 2, 3, 4], "weeks": None, "start": "08:30", "end": "17:15"}
    ]
    assert place.description == "駐車場あり"  # 備考, trimmed
    assert place.url == "https://www.city.takasaki.gunma.jp/"
    assert place.extra == {}  # the layout's city code is --city's: read, not kept as an extra


def test_cp932_text_is_stored_as_given(store: Store, tmp_path: Path) -> None:
    rows = [
        ["名称", "住所", "緯度", "経度", "種別", "電話番号"],
        [
            "　㈱髙橋商店 ふれあいサロン①　",
            "高崎市高松町３５－１",
            "36.3219",
            "139.0033",
            "サロン",
            "０２７－３２１－１１１１",
        ],
    ]
    path = write_csv(tmp_path / "sjis.csv", rows, encoding="cp932")

    run(store, path, city=TAKASAKI)

    (place,) = store.places(PlaceQuery(city=TAKASAKI))
    assert place.name == "㈱髙橋商店 ふれあいサロン①"
    assert place.address == "高崎市高松町３５－１"
    assert place.phone == "０２７－３２１－１１１１"


def test_geojson_geopackage_and_shapefile_give_the_same_places(
    store: Store, tmp_path: Path
) -> None:
    geopandas = pytest.importorskip("geopandas")
    features = [
        _point_feature("k-01", "並榎町ふれあいサロン", 139.006, 36.338, category="サロン"),
        _point_feature("k-02", "箕郷 元気体操の会", 138.958, 36.372, category="kayoinoba"),
        _point_feature(
            "k-03", "オレンジカフェたかさき", 139.0127, 36.3228, category="認知症カフェ"
        ),
    ]
    gj = _geojson(tmp_path / "places.geojson", features)
    gpkg = tmp_path / "places.gpkg"
    geopandas.read_file(gj).to_file(gpkg, layer="places", driver="GPKG")

    first = run(store, gj, city=TAKASAKI, source="takasaki-list")
    assert first.added == 3
    assert [p.id for p in store.places(PlaceQuery(city=TAKASAKI))] == [
        "10202-takasaki-list-k-01",
        "10202-takasaki-list-k-02",
        "10202-takasaki-list-k-03",
    ]
    before = snapshot(store, TAKASAKI)

    second = run(store, gpkg, city=TAKASAKI, source="takasaki-list")

    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert snapshot(store, TAKASAKI) == before

    shp = tmp_path / "shp" / "places.shp"
    shp.parent.mkdir()
    geopandas.read_file(gj).to_file(shp, encoding="UTF-8")
    third = run(store, shp, city=TAKASAKI, source="takasaki-list")

    assert (third.added, third.updated, third.unchanged) == (0, 0, 3)
    assert snapshot(store, TAKASAKI) == before


def test_ids_do_not_depend_on_row_order(store: Store, tmp_path: Path) -> None:
    rows = [
        ["名称", "緯度", "経度"],
        ["サロンA", "36.3219", "139.0033"],
        ["サロンB", "36.33", "139.01"],
    ]
    run(store, write_csv(tmp_path / "a" / "list.csv", rows), city=TAKASAKI, category="salon")
    ids = [p.id for p in store.places(PlaceQuery(city=TAKASAKI))]

    reordered = [rows[0], rows[2], rows[1]]
    report = run(
        store, write_csv(tmp_path / "b" / "list.csv", reordered), city=TAKASAKI, category="salon"
    )

    assert report.unchanged == 2
    assert [p.id for p in store.places(PlaceQuery(city=TAKASAKI))] == ids


# --- both stores -----------------------------------------------------------------------------


@pytest.mark.postgis
def test_both_stores_hold_the_same_places_after_the_same_imports(
    gpkg_store: Store, postgis_store: Store, tmp_path: Path
) -> None:
    def load(store: Store) -> list[ImportReport]:
        return [
            import_areas(store, NIIGATA_WARDS, AreaImportOptions(city=NIIGATA, level=1)),
            run(store, TAKAMATSU_CSV),
            run(store, SUPPORT_CSV, category="hall"),
            run(store, TAKASAKI_KML, city=TAKASAKI, create_categories=True),
            run(store, edited(tmp_path, lambda rows: rows.pop(5)), prune=True),
        ]

    reports = [[r.as_dict() for r in load(s)] for s in (gpkg_store, postgis_store)]

    assert reports[0] == reports[1]
    for city in (TAKAMATSU, TAKASAKI):
        assert without_stamps(snapshot(gpkg_store, city)) == without_stamps(
            snapshot(postgis_store, city)
        )
        assert gpkg_store.categories(city) == postgis_store.categories(city)
    assert gpkg_store.place_hashes(TAKAMATSU) == postgis_store.place_hashes(TAKAMATSU)


# --- real data: 高松市's files as published ---------------------------------------------------


def test_real_takamatsu_support_centre_file(store: Store) -> None:
    path = SUPPORT_CSV  # the whole real file

    assert run(store, path, category="hall").added == 7
    assert run(store, path, category="hall").unchanged == 7


def test_real_takamatsu_file_imports_whole_with_its_island_centres(gpkg_store: Store) -> None:
    """The bundled outline keeps 女木島 and 男木島, so their community centres (lines 37, 38),
    refused while it was simplified without islands, import with the rest and no city areas."""
    from geo.japan.municipalities import distance_outside_m

    path = SOURCE / "standard-dataset" / "takamatsu_community_center.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows[35:37]] == [
        "高松市女木コミュニティセンター",
        "高松市男木コミュニティセンター",
    ]
    islands = [(float(r["longitude"]), float(r["latitude"])) for r in rows[35:37]]
    assert all(distance_outside_m(TAKAMATSU, lon, lat) == 0.0 for lon, lat in islands)

    assert gpkg_store.areas(TAKAMATSU) == []
    assert run(gpkg_store, path, category="hall").added == 52


# --- small file builders ---------------------------------------------------------------------


def _point_feature(fid: str, name: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"id": fid, "name": name, **props},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_real_list_naming_its_places_in_a_school_name_column(store: Store) -> None:
    """新潟市's open list of 115 elementary schools names them in 学校名: found by its name."""
    path = SOURCE / "niigata" / "elementary_schools.csv"
    report = import_places(
        store, path, PlaceImportOptions(city=NIIGATA, category="hall", kind="venue")
    )
    assert report.added == 115 and report.problems == []
    names = {p.name for p in store.places(PlaceQuery(city=NIIGATA, kinds=()))}
    assert {"笹山小学校", "早通南小学校"} <= names


def test_a_private_home_in_a_city_without_towns_is_imported_and_recorded(
    store: Store, tmp_path: Path
) -> None:
    """Without towns a home is stored at a grid cell's centre; that point (once a numpy number)
    must go through the history's diff like any other."""
    path = write_csv(tmp_path / "homes.csv", [
        ["name", "category", "lon", "lat", "location_precision"],
        ["田中さん宅", "salon", "139.03", "37.91", "町丁目"],
    ])  # fmt: skip
    report = run(store, path, city=NIIGATA, category="salon")
    assert report.added == 1
    (place,) = snapshot(store, NIIGATA)
    assert place["location_precision"] == "town" and (place["lon"], place["lat"]) != (139.03, 37.91)
    (change,) = store.changes("place", place["id"])
    assert change.fields["lon"] == [None, place["lon"]] and type(place["lon"]) is float
