"""Areas from town lists (issue 8 §7) on both stores, with real town names and real polygons.

Files (tests/data/imports, credits in tests/data/CREDITS.md):
* town_list_sakaiminato.csv - every town of 境港市 (31204) in three 地区, as a city writes the
  list (UTF-8 with BOM, CRLF, the names as e-Stat writes them: 松ケ枝町, 夕日ヶ丘１丁目);
* town_list_takamatsu_cp932.csv - three 地区 of 高松市 (37201) by their 町丁目, as Excel saves a
  CSV (CP932, CRLF; 一丁目, ２丁目 and 3丁目; 花ノ宮町 and 上之町 for all their 丁目);
* estat_2015_sakaiminato_towns.zip - 境港市's 51 real 町丁・字 polygons of e-Stat's 2015 census
  boundaries (小地域), as e-Stat ships them: a zipped Shapefile in JGD2000 with a Shift_JIS .dbf.
The grouping of towns into 地区 is written for the tests; the names and polygons are real.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import Point
from test_import_areas import areas_as_dicts as stored

from boundaries.area_import import AreaImportOptions, import_areas
from geo.errors import InputError, Problem, UsageError
from geo.ingest.report import ImportReport
from geo.io.features import read_features
from geo.japan import gazetteer
from geo.japan.crs import project_geometry
from geo.japan.municipalities import get_city, outline
from geo.store.base import Store

DATA = Path(__file__).parent / "data" / "imports"
SAKAI_LIST = DATA / "town_list_sakaiminato.csv"
SAKAI_ESTAT = DATA / "estat_2015_sakaiminato_towns.zip"
TAKAMATSU_LIST = DATA / "town_list_takamatsu_cp932.csv"
WARDS = DATA / "niigata_wards_n03_simplified.geojson"
SAKAI, TAKAMATSU, NIIGATA = "31204", "37201", "15100"
SAKAI_AREAS = {
    "31204-L2-S1": "境地区",
    "31204-L2-S2": "上道・中浜地区",
    "31204-L2-S3": "外江・渡・余子地区",
}


def run(store: Store, path: Path, city: str, **options: Any) -> ImportReport:
    return import_areas(store, path, AreaImportOptions(city=city, **options))


def refused(store: Store, path: Path, city: str, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        run(store, path, city, **options)
    return caught.value.problems


def plane(city: str, geom: Any) -> Any:
    return project_geometry(geom, get_city(city).crs_epsg)


def rewrite(path: Path, target: Path, edit: Any, encoding: str = "utf-8-sig") -> Path:
    """The list with its lines edited, written as the original is (encoding, CRLF)."""
    lines = path.read_bytes().decode(encoding).splitlines()
    target.write_bytes(("\r\n".join(edit(lines)) + "\r\n").encode(encoding))
    return target


def town_point(city: str, name: str) -> Point:
    (town,) = [t for t in gazetteer.towns(city) if t.name == name]
    return Point(town.lon, town.lat)


# --- from town points --------------------------------------------------------------------------


def test_a_whole_city_list_tiles_the_outline_without_overlaps(store: Store) -> None:
    report = run(store, SAKAI_LIST, SAKAI)

    assert (report.what, report.rows, report.added) == ("areas", 3, 3)
    assert report.notes[0] == (
        "3 areas from 49 town rows; polygons from Voronoi cells of the city's 49 town points, "
        "clipped to the outline"
    )
    assert not any("in no area" in n for n in report.notes)  # every town is listed
    areas = store.areas(SAKAI)
    assert {a.id: a.name for a in areas} == SAKAI_AREAS
    assert {(a.level, a.parent, a.geometry_source) for a in areas} == {(2, None, "town-points")}
    shapes = [plane(SAKAI, a.geometry) for a in areas]
    city = plane(SAKAI, outline(SAKAI))
    assert sum(s.area for s in shapes) == pytest.approx(city.area, rel=0.01)
    assert shapely.union_all(shapes).symmetric_difference(city).area < 0.01 * city.area
    for a, b in combinations(shapes, 2):
        assert a.intersection(b).area < 1.0  # m²
    # each town lies in its own area
    assert areas[0].geometry.covers(town_point(SAKAI, "栄町"))
    assert areas[1].geometry.covers(town_point(SAKAI, "竹内町"))
    assert areas[2].geometry.covers(town_point(SAKAI, "夕日ヶ丘二丁目"))


def test_reimporting_a_town_list_changes_nothing(store: Store) -> None:
    run(store, SAKAI_LIST, SAKAI)
    before = stored(store, SAKAI)

    report = run(store, SAKAI_LIST, SAKAI)

    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)
    assert stored(store, SAKAI) == before


def test_an_excel_cp932_list_of_three_districts(store: Store) -> None:
    report = run(store, TAKAMATSU_LIST, TAKAMATSU)

    assert report.added == 3
    areas = {a.name: a for a in store.areas(TAKAMATSU)}
    assert set(areas) == {"栗林地区", "屋島地区", "木太地区"}
    ritsurin = areas["栗林地区"].geometry
    for town in ("栗林町二丁目", "栗林町三丁目", "花ノ宮町三丁目", "上之町二丁目", "藤塚町三丁目"):
        assert ritsurin.covers(town_point(TAKAMATSU, town)), town  # ２丁目, 3丁目, all 丁目
    assert ritsurin.covers(Point(134.0446, 34.3297))  # 栗林公園, in 栗林町
    assert areas["屋島地区"].geometry.covers(Point(134.1012, 34.3580))  # 屋島寺, 屋島東町
    assert not ritsurin.covers(town_point(TAKAMATSU, "藤塚町"))  # not listed: 丁目 only
    (left,) = [n for n in report.notes if "in no area" in n]
    assert left.startswith("218 of the city's 235 towns are in no area: ")
    assert "藤塚町、" in left and "丸亀町" in left


def test_an_island_town_draws_its_island(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "islands.csv"
    path.write_text("地区名,町丁目名\n女木地区,女木町\n男木地区,男木町\n", encoding="utf-8")

    run(store, path, TAKAMATSU)

    parts = plane(TAKAMATSU, outline(TAKAMATSU)).geoms  # the outline keeps every island
    for area, town in (("女木地区", "女木町"), ("男木地区", "男木町")):
        drawn = plane(TAKAMATSU, {a.name: a for a in store.areas(TAKAMATSU)}[area].geometry)
        point = plane(TAKAMATSU, town_point(TAKAMATSU, town))
        (island,) = [p for p in parts if p.covers(point)]
        assert island.difference(drawn).area < 0.01 * island.area, area  # the whole island
        assert drawn.area < 1.5 * island.area, area  # and islets nearer to it than to others
        assert 1e6 < island.area < 4e6  # 女木島 2.6 km², 男木島 1.4 km²


def test_a_ward_name_before_the_town_and_the_parent_ward(store: Store, tmp_path: Path) -> None:
    run(store, WARDS, NIIGATA, level=1)
    path = tmp_path / "chuo.csv"
    path.write_text(
        "圏域,町丁目,parent\n"
        "関屋圏域,関屋本村町一丁目,15103\n"
        "関屋圏域,新潟市中央区関屋本村町２丁目,\n"
        "関屋圏域,中央区白山浦一丁目,\n"
        "亀田圏域,亀田早通,15104\n",
        encoding="utf-8",
    )

    report = run(store, path, NIIGATA)

    assert report.added == 2
    by_name = {a.name: a for a in store.areas(NIIGATA, level=2)}
    sekiya, kameda = by_name["関屋圏域"], by_name["亀田圏域"]
    assert (sekiya.parent, kameda.parent) == ("15100-L1-15103", "15100-L1-15104")
    assert sekiya.geometry.covers(town_point(NIIGATA, "関屋本村町二丁目"))
    assert "clipped to the 8 ward areas" in report.notes[0]
    wards = {a.id: plane(NIIGATA, a.geometry) for a in store.areas(NIIGATA, level=1)}
    for area in (sekiya, kameda):  # cells among the ward's towns, clipped to the stored ward
        assert plane(NIIGATA, area.geometry).difference(wards[area.parent]).area < 1.0, area.name


# --- from --town-boundaries --------------------------------------------------------------------


def test_town_boundaries_from_estat_draw_the_areas(store: Store) -> None:
    report = run(store, SAKAI_LIST, SAKAI, town_boundaries=SAKAI_ESTAT)

    assert report.added == 3
    assert report.notes[0] == (
        "3 areas from 49 town rows; polygons from the towns' polygons (--town-boundaries)"
    )
    assert "2 of the city's 51 towns are in no area: 境水道、中海" in report.notes  # water
    estat = {r.props["MOJI"]: r.geometry for r in read_features(SAKAI_ESTAT).rows}
    listed = {}
    for line in SAKAI_LIST.read_text(encoding="utf-8-sig").splitlines()[1:]:
        code, _, town = line.split(",")
        listed.setdefault(f"31204-L2-{code}", []).append(town)
    for area in store.areas(SAKAI):
        assert area.geometry_source == "town-boundaries"
        expected = shapely.union_all([estat[t] for t in listed[area.id]])
        assert shapely.hausdorff_distance(area.geometry, expected) < 1e-7, area.name


def test_town_boundaries_replace_the_point_cells_as_an_update(store: Store) -> None:
    run(store, SAKAI_LIST, SAKAI)

    report = run(store, SAKAI_LIST, SAKAI, town_boundaries=SAKAI_ESTAT)

    assert (report.added, report.updated) == (0, 3)
    assert {a.geometry_source for a in store.areas(SAKAI)} == {"town-boundaries"}


def test_town_boundaries_of_another_city_are_refused(store: Store) -> None:
    with pytest.raises(InputError) as caught:
        run(store, TAKAMATSU_LIST, TAKAMATSU, town_boundaries=SAKAI_ESTAT)
    (problem,) = caught.value.problems
    assert "no named town polygons of 高松市 (37201)" in problem.reason
    assert "51 features are of other municipalities" in problem.reason


def test_town_boundaries_are_for_town_lists_only(store: Store) -> None:
    with pytest.raises(UsageError, match="--town-boundaries draws the areas of a town list"):
        run(store, WARDS, NIIGATA, level=1, town_boundaries=SAKAI_ESTAT)


# --- refusals: the store keeps what it holds ---------------------------------------------------


def test_an_unknown_town_is_refused_with_near_names(store: Store, tmp_path: Path) -> None:
    run(store, TAKAMATSU_LIST, TAKAMATSU)
    before = stored(store, TAKAMATSU)

    def misspell(lines: list[str]) -> list[str]:
        return [ln.replace("栗林町3丁目", "栗林町4丁目") for ln in lines]

    path = rewrite(TAKAMATSU_LIST, tmp_path / "t.csv", misspell, "cp932")

    (problem,) = refused(store, path, TAKAMATSU)

    assert (problem.row, problem.field, problem.value) == (4, "町丁目名", "栗林町4丁目")
    assert problem.reason == "unknown town: no town of 高松市 is called 栗林町4丁目"
    assert problem.hint is not None and problem.hint.startswith("近い町名: ")
    assert "栗林町一丁目" in problem.hint
    assert stored(store, TAKAMATSU) == before


def test_an_unknown_town_among_the_boundaries_is_refused(store: Store, tmp_path: Path) -> None:
    run(store, SAKAI_LIST, SAKAI, town_boundaries=SAKAI_ESTAT)
    before = stored(store, SAKAI)
    path = rewrite(SAKAI_LIST, tmp_path / "s.csv",
                   lambda ls: [*ls, "S2,上道・中浜地区,竹内団地二丁目"])  # fmt: skip

    (problem,) = refused(store, path, SAKAI, town_boundaries=SAKAI_ESTAT)

    assert (problem.row, problem.value) == (51, "竹内団地二丁目")
    assert problem.hint is not None and "竹内団地" in problem.hint
    assert stored(store, SAKAI) == before


def test_a_town_in_two_areas_is_refused(store: Store, tmp_path: Path) -> None:
    run(store, TAKAMATSU_LIST, TAKAMATSU)
    before = stored(store, TAKAMATSU)
    path = rewrite(TAKAMATSU_LIST, tmp_path / "t.csv",
                   lambda ls: [*ls, "木太地区,栗林町１丁目"], "cp932")  # fmt: skip

    problems = refused(store, path, TAKAMATSU)

    (problem,) = problems
    assert (problem.row, problem.field) == (15, "町丁目名")
    assert problem.reason == (
        "town 栗林町一丁目 is already in area 栗林地区 (row 2): a town belongs to one area"
    )
    assert stored(store, TAKAMATSU) == before


def test_a_name_two_wards_share_needs_the_ward(store: Store, tmp_path: Path) -> None:
    run(store, WARDS, NIIGATA, level=1)
    before = stored(store, NIIGATA)
    path = tmp_path / "n.csv"
    path.write_text("圏域,町丁目\n北山圏域,北山\n", encoding="utf-8")

    (problem,) = refused(store, path, NIIGATA)

    assert (problem.row, problem.field) == (2, "町丁目")
    assert problem.reason == "ambiguous town: 北山 is a town in 2 wards: 東区北山、江南区北山"
    assert problem.hint is not None
    assert problem.hint.startswith("give the ward (a 区 column, or the ward code as parent); ")
    assert "the column '町丁目' was taken as town by its name" in problem.hint
    assert "--field town=COLUMN" in problem.hint
    assert stored(store, NIIGATA) == before
    path.write_text("圏域,町丁目,区\n北山圏域,北山,江南区\n", encoding="utf-8")
    assert run(store, path, NIIGATA).added == 1


def test_rows_of_one_area_that_disagree_are_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "levels.csv"
    path.write_text(
        "area,town,level\n屋島地区,屋島西町,2\n屋島地区,屋島中町,\n屋島地区,屋島東町,3\n",
        encoding="utf-8",
    )

    (problem,) = refused(store, path, TAKAMATSU)

    assert (problem.row, problem.field, problem.value) == (4, "level", "3")
    assert problem.reason == "area 屋島地区: level differs from row 2 (2)"
    assert store.areas(TAKAMATSU) == []


# --- the stores and the API --------------------------------------------------------------------


def test_an_older_geopackage_gains_the_column_and_keeps_its_areas(tmp_path: Path) -> None:
    import sqlite3

    from geo.store.gpkg import GpkgStore
    from geo.store.gpkg_schema import SCHEMA_VERSION

    path = tmp_path / "old.gpkg"
    store = GpkgStore(path)
    run(store, WARDS, NIIGATA, level=1)
    store.close()
    db = sqlite3.connect(path)
    db.executescript(
        "ALTER TABLE areas DROP COLUMN geometry_source;"
        " UPDATE tsudoi_meta SET value = '3' WHERE key = 'schema_version';"
    )
    db.close()

    store = GpkgStore(path)
    try:
        assert {a.geometry_source for a in store.areas(NIIGATA)} == {"drawn"}
        assert run(store, WARDS, NIIGATA, level=1).unchanged == 8  # hashes still match
        run(store, SAKAI_LIST, SAKAI)
        assert {a.geometry_source for a in store.areas(SAKAI)} == {"town-points"}
    finally:
        store.close()
    db = sqlite3.connect(path)
    version = db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone()
    db.close()
    assert version == (str(SCHEMA_VERSION),)


@pytest.mark.postgis
def test_postgis_migration_gives_old_areas_drawn(blank_database_url: str) -> None:
    from sqlalchemy import create_engine, pool, text

    from geo.store.migrate import database_url, upgrade

    upgrade(blank_database_url, "0004")
    engine = create_engine(database_url(blank_database_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO areas (id, city, level, name, contacts, demo, content_hash, geom)"
                " VALUES ('15103', '15100', 1, '中央区', '[]', false, 'x',"
                " ST_Multi(ST_GeomFromText('POLYGON((139 37.9,139.1 37.9,139.1 38,139 37.9))',"
                " 4326)))"
            ))  # fmt: skip
        upgrade(blank_database_url, "0007")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, geometry_source FROM areas")).all()
            with pytest.raises(Exception, match="areas_geometry_source"):
                conn.execute(text("UPDATE areas SET geometry_source = 'guessed'"))
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("15103", "drawn")]


def test_the_api_says_where_each_polygon_came_from(store: Store) -> None:
    from fastapi.testclient import TestClient

    from service.app import create_app

    run(store, SAKAI_LIST, SAKAI)
    store.put_city(get_city(SAKAI))
    with TestClient(create_app(store)) as client:
        body = client.get(f"/api/cities/{SAKAI}/areas").json()
        at = client.get(f"/api/cities/{SAKAI}/areas/at", params={"lat": 35.5448, "lon": 133.2302})
    assert {f["properties"]["geometry_source"] for f in body["features"]} == {"town-points"}
    assert [a["name"] for a in at.json()] == ["境地区"]
    assert at.json()[0]["geometry_source"] == "town-points"


def test_the_command_line_imports_a_list_with_town_boundaries(tsudoi: Any, tmp_path: Path) -> None:
    done = tsudoi("import", "areas", SAKAI_LIST, "--city", SAKAI, "--town-boundaries", SAKAI_ESTAT,
                  "--db", tmp_path / "t.gpkg", cwd=tmp_path)  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == [
        "town_list_sakaiminato.csv: 3 areas — changed: 3 added, 0 updated, 0 unchanged",
        "  note: 3 areas from 49 town rows; polygons from the towns' polygons (--town-boundaries)",
        "  note: 2 of the city's 51 towns are in no area: 境水道、中海",
    ]
