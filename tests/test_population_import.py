"""Population import, on both stores: e-Stat mesh CSVs, 町丁目 age tables, joins, refusals.

The mesh fixture (tests/data/population/estat_mesh_niigata_500m.csv) is laid out as e-Stat
publishes 地域メッシュ統計: Shift_JIS, a line of column codes and a line of Japanese labels, secret
cells (``*``) whose people e-Stat added to the cell in HTKSAKI, ``-`` for none. Its codes are
real 1/2 meshes over central 新潟市 (an 8 × 8 block around 新潟駅) plus three cells of the same
first mesh far from the city; its counts are made up but consistent (65+ ≤ total, 75+ ≤ 65+).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pyogrio
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from shapely.ops import unary_union

from boundaries.population_import import (
    PopulationImportOptions,
    age_band,
    count_value,
    import_population,
)
from geo.errors import InputError, UsageError
from geo.japan.crs import project_geometry, unproject_geometry
from geo.japan.mesh import mesh_polygon
from geo.japan.municipalities import get_city, outline
from geo.model import Area, PopulationCell, Town
from geo.store.base import AreaChanges, Store
from geo.store.gpkg import GpkgStore
from geo.store.gpkg_schema import SCHEMA_VERSION

HERE = Path(__file__).parent
MESH_CSV = HERE / "data" / "population" / "estat_mesh_niigata_500m.csv"
TAKAMATSU_POP = (
    HERE / "data" / "source" / "standard-dataset" / "takamatsu_population_by_town_age_202602.csv"
)
NIIGATA, TAKAMATSU = "15100", "37201"
FAR_CELLS = {"563934401", "563934212", "563945461"}  # 阿賀町・五泉市 side, 20–50 km from the city
SECRET_CELLS = {"563960744", "563970021"}
Run = Callable[..., subprocess.CompletedProcess[str]]


def estat_rows(path: Path) -> tuple[list[str], list[str], list[list[str]]]:
    """The fixture read independently of Tsudoi: codes line, labels line, data lines."""
    lines = list(csv.reader(io.StringIO(path.read_bytes().decode("cp932"))))
    return lines[0], lines[1], lines[2:]


def independent_mesh_sums(path: Path) -> dict[str, tuple[int, int, int]]:
    codes, labels, rows = estat_rows(path)
    at = {label: i for i, label in enumerate(labels) if label}
    wanted = (at["人口（総数）"], at["６５歳以上人口　総数"], at["７５歳以上人口　総数"])

    def n(text: str) -> int:
        return 0 if text in ("*", "-") else int(text)

    return {r[0]: tuple(n(r[i]) for i in wanted) for r in rows}  # type: ignore[misc]


def opts(city: str = NIIGATA, **kw: object) -> PopulationImportOptions:
    return PopulationImportOptions(city=city, **kw)  # type: ignore[arg-type]


# -- e-Stat mesh ------------------------------------------------------------------------------


def test_estat_mesh_csv_imports_cells_with_polygons_from_their_codes(store: Store) -> None:
    report = import_population(store, MESH_CSV, opts(year="2020"))
    expected = independent_mesh_sums(MESH_CSV)
    inside = {code: v for code, v in expected.items() if code not in FAR_CELLS}
    assert report.added == len(inside) == 64 and report.rows == 67 and not report.problems
    assert any("3 cells away from the city were skipped" in n for n in report.notes)
    assert any("2 cells are secret" in n for n in report.notes)
    assert any("1/2 mesh (500 m)" in n for n in report.notes)
    cells = store.population(NIIGATA)
    assert [c.id for c in cells] == sorted(f"{NIIGATA}-mesh-{code}" for code in inside)
    for cell in cells:
        assert cell.kind == "mesh" and cell.year == "2020" and cell.source == MESH_CSV.name
        assert (cell.total, cell.age65, cell.age75) == inside[cell.code]
        assert cell.geometry.equals_exact(mesh_polygon(cell.code), 0)
        assert cell.age75 <= cell.age65 <= cell.total
    by_code = {c.code: c for c in cells}
    for code in SECRET_CELLS:
        assert (by_code[code].total, by_code[code].age65, by_code[code].age75) == (0, 0, 0)
    # 新潟駅 (37.912 N, 139.061 E) is in 1/2 mesh 5639-60-94-2, worked by hand in test_mesh
    station = [c for c in cells if c.geometry.covers(Point(139.061, 37.912))]
    assert [c.code for c in station] == ["563960942"]
    # the cells tile the block: no gaps, no overlaps
    union = unary_union([c.geometry for c in cells])
    assert union.area == pytest.approx(sum(c.geometry.area for c in cells), rel=1e-9)
    assert isinstance(union, Polygon) and len(union.interiors) == 0
    totals = [sum(v[i] for v in inside.values()) for i in range(3)]
    assert any(f"{totals[0]:,} people, {totals[1]:,} aged 65+, {totals[2]:,} aged 75+" in n
               for n in report.notes)


def test_reimport_is_unchanged_and_dry_run_writes_nothing(store: Store) -> None:
    dry = import_population(store, MESH_CSV, opts(year="2020", dry_run=True))
    assert dry.added == 64 and store.population(NIIGATA) == []
    import_population(store, MESH_CSV, opts(year="2020"))
    again = import_population(store, MESH_CSV, opts(year="2020"))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 64) and not again.changed
    other_year = import_population(store, MESH_CSV, opts(year="2021", dry_run=True))
    assert other_year.updated == 64


def test_newer_column_codes_and_a_single_header_line(store: Store, tmp_path: Path) -> None:
    codes, labels, rows = estat_rows(MESH_CSV)
    # other census years number their columns differently; the labels are what we match on
    newer = [c.replace("T001102", "T001141") for c in codes]
    two_lines = tmp_path / "tblT001141H5639.txt"
    text = "\r\n".join(",".join(r) for r in [newer, labels, *rows]) + "\r\n"
    two_lines.write_bytes(text.encode("cp932"))
    # and the same table saved with the labels as its only header (UTF-8, as from a spreadsheet)
    one_line = tmp_path / "mesh_labels_as_header.csv"
    header = [c if not lab else lab for c, lab in zip(codes, labels, strict=True)]
    one_line.write_text(
        "\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8-sig"
    )
    first = import_population(store, two_lines, opts())
    assert first.added == 64
    assert "T001141001 人口（総数）" in first.notes[1]
    second = import_population(store, one_line, opts(city=NIIGATA))
    # same cells; only the source (file name) differs
    assert second.updated == 64 and second.added == 0
    assert [c.total for c in store.population(NIIGATA)] == [
        v[0] for k, v in sorted(independent_mesh_sums(MESH_CSV).items()) if k not in FAR_CELLS
    ]


def _mesh_csv(tmp_path: Path, rows: list[str], name: str = "mesh.csv") -> Path:
    head = (
        "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001102001,T001102019,T001102022\r\n"
        ",,,,人口（総数）,６５歳以上人口　総数,７５歳以上人口　総数\r\n"
    )
    path = tmp_path / name
    path.write_bytes((head + "".join(r + "\r\n" for r in rows)).encode("cp932"))
    return path


def test_bad_rows_are_named_by_file_line_and_field(store: Store, tmp_path: Path) -> None:
    bad = _mesh_csv(tmp_path, [
        "563960942,0,,,1200,400,200",
        "563960945,0,,,1200,400,200",  # quadrant 5
        "563960943,0,,,1200,abc,200",
        "563960944,0,,,1200,400,500",  # 75+ > 65+
        "563960942,0,,,10,4,2",  # the same cell twice
        "56396094,0,,,10,4,2",  # a 3rd mesh among 1/2 meshes
        ",0,,,10,4,2",
        "563960952,0,,,-3,0,0",
    ])  # fmt: skip
    with pytest.raises(InputError) as caught:
        import_population(store, bad, opts())
    text = str(caught.value)
    assert "mesh.csv, row 4, field 'KEY_CODE'" in text and "1 (south-west)" in text
    assert (
        "mesh.csv, row 5, field 'T001102019': not a count of people (６５歳以上人口　総数)" in text
    )
    assert "row 6, field 'T001102022': more people aged 75+ than aged 65+" in text
    assert "row 7, field 'KEY_CODE': duplicate id: row 3 has the same id" in text
    assert "row 8, field 'KEY_CODE': a 3rd mesh (1 km) cell among 1/2 mesh (500 m) cells" in text
    assert "row 9, field 'KEY_CODE': empty mesh code" in text
    assert "row 10, field 'T001102001': a negative count" in text
    assert store.population(NIIGATA) == []


def test_dashes_and_secret_cells_count_zero(store: Store, tmp_path: Path) -> None:
    path = _mesh_csv(tmp_path, [
        "563960942,0,,,1200,400,-",
        "563960943,1,563960942,,*,*,*",
    ])  # fmt: skip
    report = import_population(store, path, opts())
    cells = {c.code: c for c in store.population(NIIGATA)}
    assert (cells["563960942"].age75, cells["563960943"].total) == (0, 0)
    assert any("1 cells are secret" in n for n in report.notes)


def test_a_file_for_another_city_is_refused(store: Store) -> None:
    with pytest.raises(InputError, match="none of the 67 mesh cells lies in the city 37201"):
        import_population(store, MESH_CSV, opts(city=TAKAMATSU))


def test_imported_areas_decide_which_cells_are_kept(store: Store) -> None:
    station = MultiPolygon([box(139.055, 37.905, 139.065, 37.915)])
    store.apply_areas(AreaChanges([Area("15100-x", NIIGATA, 1, "駅前（テスト）", station)]))
    import_population(store, MESH_CSV, opts())
    assert {c.code for c in store.population(NIIGATA)} >= {"563960942"}
    assert len(store.population(NIIGATA)) < 64


def test_columns_are_found_by_label_and_band() -> None:
    assert age_band("man14") == ("m", 65, 69)
    assert age_band("woman18") == ("f", 85, None)
    assert age_band("woman1") == ("f", 0, 4)
    assert age_band("T001102019", "６５歳以上人口　総数") == ("t", 65, None)
    assert age_band("T1", "うち７５歳以上") == ("t", 75, None)
    assert age_band("x", "７０～７４歳　女") == ("f", 70, 74)
    assert age_band("65-69歳") == ("t", 65, 69)
    assert age_band("age75+") == ("t", 75, None)
    assert age_band("T1", "外国人人口　総数") is None
    assert age_band("T1", "１人世帯数　一般世帯数") is None
    assert age_band("numberOfHouseholds") is None
    assert count_value("1,234") == (1234.0, "ok")
    assert count_value("＊") == (0.0, "secret") and count_value("-") == (0.0, "none")
    assert count_value("") == (0.0, "blank") and count_value("abc") == (None, "bad")


def test_a_file_without_age_columns_says_what_was_looked_for(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "no_ages.csv"
    path.write_text("KEY_CODE,人口\n563960942,1200\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column for 65\+ or 75\+ of the population"):
        import_population(store, path, opts())


# -- 町丁目 tables -------------------------------------------------------------------------------


def takamatsu_area(store: Store) -> None:
    """A stand-in boundary for 高松市: the bundled outline (女木島 and 男木島 included) widened
    by 2 km, as the outline check does."""
    epsg = get_city(TAKAMATSU).crs_epsg
    shape = unproject_geometry(project_geometry(outline(TAKAMATSU), epsg).buffer(2000), epsg)
    geom = shape if isinstance(shape, MultiPolygon) else MultiPolygon([shape])
    standin = Area("37201-standin", TAKAMATSU, 1, "高松市（テスト用）", geom)
    store.apply_areas(AreaChanges([standin]))


def test_real_takamatsu_file_is_refused_for_its_one_misplaced_row(store: Store) -> None:
    with pytest.raises(InputError) as caught:
        import_population(store, TAKAMATSU_POP, opts(city=TAKAMATSU))
    problems = caught.value.problems
    # row 45 (松島町３丁目) has latitude = longitude − 100; rows 192–193 (女木町, 男木町), once
    # refused as well, lie on islands that the bundled outline now keeps
    assert [(p.row, p.field) for p in problems] == [(45, "location")]
    assert "lat 34.069518, lon 134.069518" in str(problems[0])
    assert store.population(TAKAMATSU) == []


def test_takamatsu_by_age_band_with_a_row_joined_to_a_stored_town(
    store: Store, tmp_path: Path
) -> None:
    lines = TAKAMATSU_POP.read_text(encoding="utf-8").splitlines()
    rows = list(csv.DictReader(lines))
    # line 45 (松島町３丁目): its location is wrong in the source; without it, the row is placed
    # at the town point of the same name in the store (a stand-in point in 松島町)
    fixed = tmp_path / "takamatsu_population.csv"
    body = lines[44].rsplit(',"', 1)[0] + ","
    fixed.write_text("\n".join([*lines[:44], body, *lines[45:]]) + "\n", encoding="utf-8")
    takamatsu_area(store)
    store.put_towns([Town("37201-t-matsu3", TAKAMATSU, "松島町３丁目", 134.0620, 34.3380)])
    report = import_population(store, fixed, opts(city=TAKAMATSU, year="2025"))
    assert report.added == 235 and not report.problems
    assert "234 placed by own location" in report.notes[0]
    assert "1 placed by stored town point" in report.notes[0]
    assert "the file's survey date (2026-02-01) was kept" in " ".join(report.notes)
    cells = store.population(TAKAMATSU)

    def band(row: dict[str, str], bands: range) -> int:
        return sum(int(row[f"{sex}{k}"]) for sex in ("man", "woman") for k in bands)

    # independent sums: 65+ = bands 14–18, 75+ = bands 16–18
    assert sum(c.age65 for c in cells) == sum(band(r, range(14, 19)) for r in rows) == 120_999
    assert sum(c.age75 for c in cells) == sum(band(r, range(16, 19)) for r in rows) == 72_026
    assert sum(c.total for c in cells) == sum(int(r["totalPopulation"]) for r in rows)
    by_name = {c.name: c for c in cells}
    for r in rows:
        cell = by_name[r["regionName"]]
        assert (cell.age65, cell.age75) == (band(r, range(14, 19)), band(r, range(16, 19)))
        assert cell.kind == "town" and cell.year == "2026-02-01"
        assert cell.id.startswith("37201-town-")
    assert by_name["松島町３丁目"].geometry.equals(Point(134.0620, 34.3380))
    lat, lon = map(float, rows[0]["location"].split(","))
    assert by_name[rows[0]["regionName"]].geometry.equals(Point(lon, lat))
    again = import_population(store, fixed, opts(city=TAKAMATSU, year="2025"))
    assert again.unchanged == 235 and not again.changed


def _town_csv(tmp_path: Path, rows: list[str], location: bool = False) -> Path:
    head = "町丁目名,総数,65歳以上,75歳以上" + (",緯度,経度" if location else "")
    path = tmp_path / "towns.csv"
    path.write_bytes(("\r\n".join([head, *rows]) + "\r\n").encode("cp932"))
    return path


def test_towns_join_polygons_given_with_boundaries(store: Store, tmp_path: Path) -> None:
    polys = {
        "東堀通": box(139.045, 37.918, 139.050, 37.922),
        "本町通": box(139.040, 37.920, 139.045, 37.925),
    }
    boundaries = tmp_path / "towns.geojson"
    boundaries.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(g), "properties": {"S_NAME": n, "名称": "x"}}
        for n, g in polys.items()
    ]}, ensure_ascii=False), encoding="utf-8")
    path = _town_csv(tmp_path, ["東堀通,1200,400,210", "本町通,800,300,150"])
    report = import_population(store, path, opts(boundaries=boundaries))
    assert report.added == 2 and "2 placed by --boundaries polygon" in report.notes[0]
    cells = {c.name: c for c in store.population(NIIGATA)}
    assert cells["東堀通"].geometry.equals(polys["東堀通"])
    assert (cells["本町通"].total, cells["本町通"].age65, cells["本町通"].age75) == (800, 300, 150)
    with pytest.raises(UsageError, match="--boundary-name-field"):
        import_population(store, path, opts(boundaries=boundaries, boundary_name_field="町名"))
    named = import_population(store, path, opts(boundaries=boundaries,
                                                boundary_name_field="S_NAME"))
    assert named.unchanged == 2


def test_a_town_placed_nowhere_is_refused(store: Store, tmp_path: Path) -> None:
    store.put_towns([Town("15100-t-1", NIIGATA, "東堀通", 139.047, 37.920)])
    path = _town_csv(tmp_path, ["東堀通,1200,400,210", "寺尾東,800,300,150"])
    with pytest.raises(InputError) as caught:
        import_population(store, path, opts())
    text = str(caught.value)
    assert "towns.csv, row 3, field '町丁目名': no location, and no town of this name" in text
    assert "tsudoi import towns" in text and store.population(NIIGATA) == []


def test_a_town_outside_the_city_is_refused(store: Store, tmp_path: Path) -> None:
    path = _town_csv(tmp_path, ["東堀通,1200,400,210,37.920,139.047",
                                "丸の内,800,300,150,35.6812,139.7640"], location=True)
    with pytest.raises(InputError, match=r"row 3, field '緯度': outside the city"):
        import_population(store, path, opts())


# -- the stores -------------------------------------------------------------------------------


def test_store_round_trip_upsert_and_order(store: Store) -> None:
    cells = [
        PopulationCell("15100-town-b", NIIGATA, "town", "b", 10, 4, 2, Point(139.05, 37.92),
                       name="東堀通", year="2026-02-01", source="t.csv"),
        PopulationCell("15100-mesh-563960942", NIIGATA, "mesh", "563960942", 1200.5, 400, 210,
                       mesh_polygon("563960942"), year="2020", source="m.csv"),
        PopulationCell("15100-town-a", NIIGATA, "town", "a", 30, 12, 6,
                       MultiPolygon([box(139.0, 37.9, 139.01, 37.91)]), name="本町", demo=True),
        PopulationCell("37201-town-a", TAKAMATSU, "town", "a", 5, 1, 0, Point(134.05, 34.34)),
    ]
    store.put_population(cells)
    got = store.population(NIIGATA)
    assert [c.id for c in got] == ["15100-mesh-563960942", "15100-town-a", "15100-town-b"]
    assert got == sorted(cells[:3], key=lambda c: c.id)  # geometries compare exactly
    assert store.population_hashes(NIIGATA) == {c.id: c.content_hash() for c in cells[:3]}
    changed = replace(cells[0], total=11.0)
    store.put_population([changed])
    assert store.population(NIIGATA)[2].total == 11.0
    assert store.population_hashes(NIIGATA)["15100-town-b"] == changed.content_hash()
    assert [c.id for c in store.population(TAKAMATSU)] == ["37201-town-a"]


def test_gpkg_population_is_a_layer_gdal_opens(tmp_path: Path) -> None:
    store = GpkgStore(tmp_path / "t.gpkg")
    import_population(store, MESH_CSV, opts())
    store.close()
    layers = {str(name): kind for name, kind in pyogrio.list_layers(tmp_path / "t.gpkg")}
    assert layers["population"] in ("Unknown", "Geometry", None)  # a generic GEOMETRY column
    frame = pyogrio.read_dataframe(tmp_path / "t.gpkg", layer="population")
    assert len(frame) == 64 and frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].equals(mesh_polygon(frame["code"].iloc[0]))


def test_gpkg_schema_2_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.gpkg"
    GpkgStore(path).close()
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TABLE networks; DROP TABLE population;"
        " DELETE FROM gpkg_contents WHERE table_name IN ('networks', 'population');"
        " DELETE FROM gpkg_geometry_columns WHERE table_name = 'population';"
        " UPDATE tsudoi_meta SET value = '2' WHERE key = 'schema_version';"
    )
    db.commit()
    db.close()
    store = GpkgStore(path)
    store.put_population([PopulationCell("15100-town-a", NIIGATA, "town", "a", 3, 2, 1,
                                         Point(139.05, 37.92))])
    store.put_network(NIIGATA, b"blob", {"nodes": 0})
    assert store.network(NIIGATA) == (b"blob", {"nodes": 0})
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert db.execute(
        "SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name='population'"
    ).fetchone() == ("GEOMETRY",)
    db.close()


# -- the command ------------------------------------------------------------------------------


def test_cli_imports_reports_and_refuses(tsudoi: Run, tmp_path: Path) -> None:
    db = tmp_path / "t.gpkg"
    done = tsudoi("import", "population", MESH_CSV, "--city", NIIGATA, "--year", "2020",
                  "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "64 added" in done.stdout and "aged 65+" in done.stdout
    again = tsudoi("import", "population", MESH_CSV, "--city", NIIGATA, "--year", "2020",
                   "--db", db, "--json", cwd=tmp_path)
    body = json.loads(again.stdout)
    assert again.returncode == 0 and body["unchanged"] == 64 and body["added"] == 0
    bad = _mesh_csv(tmp_path, ["563960945,0,,,1200,400,200"])
    refused = tsudoi("import", "population", bad, "--city", NIIGATA, "--db", db, "--json",
                     cwd=tmp_path)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["problems"][0]["row"] == 3
    usage = tsudoi("import", "population", MESH_CSV, "--city", NIIGATA,
                   "--boundary-name-field", "S_NAME", "--db", db, cwd=tmp_path)
    assert usage.returncode == 2 and "--boundaries" in usage.stderr
    store = GpkgStore(db)
    try:
        assert len(store.population(NIIGATA)) == 64
        assert get_city(NIIGATA).code in {c.code for c in store.cities()}
    finally:
        store.close()
