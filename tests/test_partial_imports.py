"""--skip-invalid on every import, on both stores, with real files: the good rows go in, the
refused ones come back in a rejects CSV (every original column plus `reason`, UTF-8 with BOM)
and, fixed and imported again, complete the source. Without the flag nothing changes."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.population_import import PopulationImportOptions, import_population
from boundaries.town_import import TownImportOptions, import_towns
from geo.errors import InputError
from geo.ingest.rejects import SkipOptions, rejects_path, source_name
from geo.japan.municipalities import get_city
from geo.model import City
from geo.store.base import PlaceQuery, Store
from layers.place_import import PlaceImportOptions, import_places
from service.app import create_app
from service.fast_json import json_bytes
from service.serialize import place_feature
from tests.csv_tables import rejects_of, table, write_csv

DATA = Path(__file__).parent / "data"
CENTRES = DATA / "source" / "standard-dataset" / "takamatsu_community_center.csv"  # 52 rows
POPULATION = DATA / "source" / "standard-dataset" / "takamatsu_population_by_town_age_202602.csv"
WARDS = DATA / "imports" / "niigata_wards_n03_simplified.geojson"
TOWNS = DATA / "imports" / "niigata_towns_sample.geojson"
TAKAMATSU, NIIGATA = "37201", "15100"
SKIP = SkipOptions(skip_invalid=True)


def places(store: Store, city: str = TAKAMATSU) -> list[dict[str, Any]]:
    return [asdict(p) for p in store.places(PlaceQuery(city=city, kinds=(), statuses=()))]


def hall(**options: Any) -> PlaceImportOptions:
    return PlaceImportOptions(city=TAKAMATSU, category="hall", **options)


def test_places_skip_invalid_rows_then_the_fixed_rejects_complete_the_source(
    store: Store, tmp_path: Path
) -> None:
    rows = table(CENTRES)
    good = [list(r) for r in rows]
    rows[12][7] = "二階\n会議室"  # row 13: a multi-line note, valid; rows below keep their rows
    rows[4][1] = "不明"  # row 5: text in the latitude
    rows[9][1:3] = ["34.6937", "135.5023"]  # row 10: 大阪市役所
    rows[14][3] = ""  # row 15: no name
    path = write_csv(tmp_path / "centres.csv", rows)

    with pytest.raises(InputError) as caught:  # without the flag: all or nothing
        import_places(store, path, hall())
    assert sorted({p.row for p in caught.value.problems}) == [5, 10, 15]
    assert places(store) == []

    report = import_places(store, path, hall(skip=SKIP))

    rejected = tmp_path / "centres.rejected.csv"
    assert (report.rows, report.added, report.rejected) == (52, 49, 3)
    assert report.rejected_file == str(rejected)
    assert "3 row(s) rejected (written to" in report.summary()
    back = rejects_of(rejected)
    assert back[0] == rows[0] + ["reason"]
    assert [r[:-1] for r in back[1:]] == [rows[4], rows[9], rows[14]]
    assert back[1][-1].startswith("latitude: ") and "不明" in back[1][-1]
    assert "outside" in back[2][-1]
    assert back[3][-1].startswith("name: empty name")
    assert len(places(store)) == 49

    for fixed, original in zip(back[1:], (good[4], good[9], good[14]), strict=True):
        fixed[: len(original)] = original
    write_csv(rejected, back, encoding="utf-8-sig")
    again = import_places(store, rejected, hall(prune=True))

    assert (again.added, again.rejected, again.missing, again.closed) == (3, 0, [], 0)
    stored = places(store)
    assert sorted(int(p["source_id"]) for p in stored) == list(range(1, 53))
    assert all(p["status"] == "active" and "reason" not in p["extra"] for p in stored)
    assert {p["name"] for p in stored} == {r[3] for r in good[1:]}


def test_xlsx_problems_name_the_sheet_and_its_row(store: Store, tmp_path: Path) -> None:
    rows = table(CENTRES)[:11]
    rows[3][2] = "経度不明"  # sheet row 5 (a title line above the header)
    book = openpyxl.Workbook()
    book.active.title = "説明"
    book.active.append(["高松市コミュニティセンター一覧（説明のシート）"])
    sheet = book.create_sheet("施設一覧")
    sheet.append(["コミュニティセンター一覧"])
    for r in rows:
        sheet.append(r)
    path = tmp_path / "centres.xlsx"
    book.save(path)

    with pytest.raises(InputError) as caught:
        import_places(store, path, hall(layer="施設一覧"))
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row, problem.field) == ("施設一覧", 5, "longitude")
    assert str(problem).startswith("centres.xlsx, sheet '施設一覧', row 5, field 'longitude'")
    assert problem.as_dict()["sheet"] == "施設一覧"
    assert places(store) == []

    out = tmp_path / "to-fix" / "centres-rows.csv"
    out.parent.mkdir()
    report = import_places(store, path, hall(layer="施設一覧", skip=SkipOptions(True, out)))
    assert (report.added, report.rejected, report.rejected_file) == (9, 1, str(out))
    back = rejects_of(out)
    assert back[1][:-1] == [str(v) if v else "" for v in rows[3]][: len(back[1]) - 1]


def test_areas_skip_a_bad_feature_and_its_fixed_row_comes_back_with_its_polygon(
    store: Store, tmp_path: Path
) -> None:
    data = json.loads(WARDS.read_text(encoding="utf-8"))
    for f in data["features"]:
        f["properties"]["level"] = "1"
    (nishikan,) = [f for f in data["features"] if f["properties"]["ward_code"] == "15107"]
    nishikan["properties"]["level"] = "一"
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    report = import_areas(store, path, AreaImportOptions(city=NIIGATA, skip=SKIP))

    assert (report.added, report.rejected) == (7, 1)
    back = rejects_of(tmp_path / "wards.rejected.csv")
    assert back[0] == ["ward_code", "ward_name", "source", "level", "wkt", "reason"]
    props = nishikan["properties"]
    assert back[1][:4] == ["15107", props["ward_name"], props["source"], "一"]
    assert back[1][5].startswith("level: level must be a whole number")
    back[1][3] = "1"
    write_csv(tmp_path / "wards.rejected.csv", back, encoding="utf-8-sig")
    again = import_areas(store, tmp_path / "wards.rejected.csv", AreaImportOptions(city=NIIGATA))
    assert (again.added, again.missing) == (1, [])
    areas = {a.id: a for a in store.areas(NIIGATA)}
    assert len(areas) == 8
    whole = json.loads(WARDS.read_text(encoding="utf-8"))
    drawn = shape(next(f for f in whole["features"] if f["properties"]["ward_code"] == "15107")[
        "geometry"
    ])  # fmt: skip
    assert areas["15100-L1-15107"].geometry.symmetric_difference(drawn).area < 1e-12


def test_towns_skip_a_point_outside_the_city(store: Store, tmp_path: Path) -> None:
    data = json.loads(TOWNS.read_text(encoding="utf-8"))
    moved = data["features"][3]
    real = list(moved["geometry"]["coordinates"])
    moved["geometry"]["coordinates"] = [135.5023, 34.6937]
    path = tmp_path / "towns.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    dry = import_towns(store, path, TownImportOptions(city=NIIGATA, skip=SKIP, dry_run=True))
    assert (dry.added, dry.rejected) == (48, 1)
    assert "1 row(s) rejected (would go to" in dry.summary()
    assert not (tmp_path / "towns.rejected.csv").exists() and store.towns(NIIGATA) == []

    report = import_towns(store, path, TownImportOptions(city=NIIGATA, skip=SKIP))

    assert (report.added, report.rejected) == (48, 1)
    back = rejects_of(tmp_path / "towns.rejected.csv")
    assert back[0] == ["name", "area", "demo", "source", "latitude", "longitude", "reason"]
    assert back[1][0] == moved["properties"]["name"]
    back[1][4:6] = [str(real[1]), str(real[0])]
    write_csv(tmp_path / "towns.rejected.csv", back, encoding="utf-8-sig")
    again = import_towns(store, tmp_path / "towns.rejected.csv", TownImportOptions(city=NIIGATA))
    assert (again.added, again.missing) == (1, [])
    assert len(store.towns(NIIGATA)) == 49


def test_population_skips_a_bad_count_and_the_total_row(store: Store, tmp_path: Path) -> None:
    rows = table(POPULATION)
    header = rows[0]
    total = ["0", "37201", "", "香川県", "高松市", "2026-02-01 00:00:00", "市内全域"]
    total += [""] * (len(header) - len(total))
    man14 = header.index("man14")
    good = rows[20][man14]
    rows[20][man14] = "十二"  # row 22 once the total row is in
    rows.insert(1, total)
    path = write_csv(tmp_path / "population.csv", rows)

    report = import_population(store, path, PopulationImportOptions(city=TAKAMATSU, skip=SKIP))

    # 233 of 235 towns: ours, and the real file's 松島町３丁目, whose latitude repeats the
    # longitude's digits (34.069518, 134.069518), 30 km south in the sea
    assert (report.added, report.rejected) == (233, 2)
    assert any("1 total row(s) skipped, not a town: row 2 (市内全域)" in n for n in report.notes)
    back = rejects_of(tmp_path / "population.rejected.csv")
    assert [r[6] for r in back[1:]] == ["本町", "松島町３丁目"]
    assert back[1][man14] == "十二" and back[1][-1].startswith("man14: not a count of people")
    assert "--field 65+=COLUMN" in back[1][-1]  # man14 was found by its name
    assert back[2][-1].startswith("location: outside the city")
    back[1][man14] = good
    back[2][header.index("location")] = "34.3388,134.069518"  # as 松島町２丁目 lies
    write_csv(tmp_path / "population.rejected.csv", back, encoding="utf-8-sig")
    opts = PopulationImportOptions(city=TAKAMATSU)
    again = import_population(store, tmp_path / "population.rejected.csv", opts)
    assert (again.added, again.missing) == (2, [])
    assert len(store.population(TAKAMATSU)) == 235


def test_values_no_store_gives_back_go_to_the_rejects_and_every_read_works(
    store: Store, tmp_path: Path
) -> None:
    """A GeoJSON property of 1e20 (jsonb gives it back as a 21-digit integer), of 2**70 (no
    answer can hold it) or a lone surrogate (no UTF-8 text) was stored, and every later read
    of the place failed; now its feature is refused, and goes to the rejects file."""
    rows = table(CENTRES)[1:11]
    users: list[object] = [1000 + i for i in range(10)]
    users[2], users[4] = 1e20, 2**70  # features 3 and 5
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r[2]), float(r[1])]},
            "properties": {"id": r[0], "name": r[3], "利用者数": n, "メモ": "二階"},
        }
        for r, n in zip(rows, users, strict=True)
    ]
    features[6]["properties"]["メモ"] = "二階\ud800"  # feature 7: a \ud800 escape in the file
    path = tmp_path / "centres.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    before = store.revision()

    with pytest.raises(InputError) as caught:  # without the flag: all or nothing
        import_places(store, path, hall())
    assert [(p.row, p.field) for p in caught.value.problems] == [
        (3, "利用者数"), (5, "利用者数"), (7, "メモ"),
    ]  # fmt: skip
    assert str(caught.value.problems[0]).startswith(
        "centres.geojson, feature 3, field '利用者数': a number beyond ±9,007,199,254,740,991"
    )
    assert places(store) == [] and store.revision() == before

    report = import_places(store, path, hall(skip=SKIP))

    assert (report.added, report.rejected) == (7, 3)
    back = rejects_of(tmp_path / "centres.rejected.csv")
    assert back[0] == ["id", "name", "利用者数", "メモ", "latitude", "longitude", "reason"]
    assert [(r[0], r[2], r[3]) for r in back[1:]] == [
        (rows[2][0], "1e+20", "二階"), (rows[4][0], str(2**70), "二階"),
        (rows[6][0], "1006", "二階\\ud800"),  # written as its escape, to be fixed
    ]  # fmt: skip
    assert back[1][-1].startswith("利用者数: a number beyond") and "(value: 1e+20)" in back[1][-1]
    assert back[3][-1].startswith("メモ: a \\u escape of half a surrogate pair")
    stored = places(store)
    assert sorted((p["source_id"], p["extra"]["利用者数"]) for p in stored) == sorted(
        (r[0], n) for i, (r, n) in enumerate(zip(rows, users, strict=True)) if i not in (2, 4, 6)
    )
    for place in store.places(PlaceQuery(city=TAKAMATSU, kinds=(), statuses=())):
        json_bytes(place_feature(place, internal=True))  # the editor's answer, extra and all
    store.put_city(City(TAKAMATSU, "高松市", "香川県", get_city(TAKAMATSU).crs_epsg))
    with TestClient(create_app(store)) as client:
        listing = client.get(f"/api/cities/{TAKAMATSU}/places?kind=venue")
        assert listing.status_code == 200 and len(listing.json()["features"]) == 7
        for p in stored:
            assert client.get(f"/api/places/{p['id']}").status_code == 200


def test_numbers_beyond_2_53_in_a_geopackage_go_to_the_rejects(
    store: Store, tmp_path: Path
) -> None:
    """A GeoPackage's real and 64-bit integer columns carry them too."""
    geopandas = pytest.importorskip("geopandas")
    rows = table(CENTRES)[1:6]
    frame = geopandas.GeoDataFrame(
        {
            "name": [r[3] for r in rows],
            "延床面積": [120.5, 1e20, 98.0, 210.25, 77.0],  # row 2: a real of 1e20
            "登録番号": [1, 2, 2**60, 4, 5],  # row 3: an int64 beyond 2^53
        },
        geometry=geopandas.points_from_xy([float(r[2]) for r in rows], [float(r[1]) for r in rows]),
        crs="EPSG:4326",
    )
    path = tmp_path / "centres.gpkg"
    frame.to_file(path, layer="centres", driver="GPKG")

    with pytest.raises(InputError) as caught:
        import_places(store, path, hall())
    assert [(p.row, p.field) for p in caught.value.problems] == [(2, "延床面積"), (3, "登録番号")]
    assert places(store) == []

    report = import_places(store, path, hall(skip=SKIP))
    assert (report.added, report.rejected) == (3, 2)
    back = rejects_of(tmp_path / "centres.rejected.csv")
    assert [r[0] for r in back[1:]] == [rows[1][3], rows[2][3]]
    assert all("a number beyond" in r[-1] for r in back[1:])
    assert sorted(p["extra"]["延床面積"] for p in places(store)) == [77.0, 120.5, 210.25]


def test_a_problem_of_the_whole_file_still_refuses_it(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [["名称", "備考"], ["公民館", "高松市"]])
    with pytest.raises(InputError) as caught:
        import_places(store, path, hall(skip=SKIP))
    assert caught.value.problems[0].row is None
    assert not (tmp_path / "list.rejected.csv").exists()


def test_rejects_file_names() -> None:
    assert rejects_path(Path("/d/centres.xlsx")) == Path("/d/centres.rejected.csv")
    assert rejects_path(Path("/d/wards.geojson.gz")) == Path("/d/wards.rejected.csv")
    again = rejects_path(Path("/d/centres.rejected.csv"))
    assert again == Path("/d/centres.rejected.rejected.csv")
    assert source_name("centres.rejected.csv") == "centres"
    assert source_name("centres.csv") is None


def test_cli_skip_invalid_reports_both_counts(tsudoi: Any, tmp_path: Path) -> None:
    rows = table(CENTRES)[:11]
    rows[4][1] = "不明"
    path = write_csv(tmp_path / "centres.csv", rows)
    db = tmp_path / "t.gpkg"
    common = ("--city", TAKAMATSU, "--category", "hall", "--db", db)

    usage = tsudoi("import", "places", path, *common, "--rejected", "r.csv", cwd=tmp_path)
    assert usage.returncode == 2 and "--skip-invalid" in usage.stderr

    done = tsudoi("import", "places", path, *common, "--skip-invalid", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (body["added"], body["rejected"]) == (9, 1)
    assert body["rejected_file"] == str(tmp_path / "centres.rejected.csv")
    assert rejects_of(tmp_path / "centres.rejected.csv")[1][:-1] == rows[4]
