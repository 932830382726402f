"""geo.io on real files in real formats, as the area, place and population imports use it."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.errors import InputError, UsageError
from geo.io.features import read_features
from geo.io.source import FeatureSource
from geo.japan.coords import japan_point_problem, swapped

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "data" / "readers"
SOURCE = HERE / "data" / "source"  # real files, see tests/data/README.md
COMMUNITY_CSV = SOURCE / "standard-dataset" / "takamatsu_community_center.csv"
POPULATION_CSV = SOURCE / "standard-dataset" / "takamatsu_population_by_town_age_202602.csv"
WARD_POPULATION = SOURCE / "niigata" / "ward_population_2020_monthly.csv"


@pytest.fixture
def wards(real_data: Path) -> Path:
    """新潟市's 8 wards as 40 N03 features (islands and exclaves apart), unsimplified."""
    return real_data / "niigata" / "wards_n03.geojson"


def only_problem(error: pytest.ExceptionInfo[InputError]):
    assert len(error.value.problems) == 1
    return error.value.problems[0]


def wards_gdf(wards: Path):
    gpd = pytest.importorskip("geopandas")
    return gpd.read_file(wards)


# --- CSV: 自治体標準オープンデータセット -------------------------------------------------------


def test_standard_dataset_csv_gives_points_from_latitude_longitude_and_line_numbers() -> None:
    source = read_features(COMMUNITY_CSV)
    assert source.format == "csv"
    assert source.row_label == "row"
    assert source.encoding == "utf-8"
    assert source.columns[:3] == ["#property", "latitude", "longitude"]
    assert source.geometry_columns == ["latitude", "longitude"]
    assert source.problems == []
    first = source.rows[0]
    assert first.number == 2  # the header is line 1
    assert first.props["name"] == "高松市日新コミュニティセンター"
    assert first.props["referenceObject"] is None  # empty cell
    assert first.geometry == Point(134.03246917, 34.34758361)
    assert len(source.rows) == 52
    assert all(r.geometry is not None for r in source.rows)


def test_cp932_csv_is_decoded_and_reports_its_encoding(tmp_path: Path) -> None:
    text = COMMUNITY_CSV.read_text(encoding="utf-8")
    sjis = tmp_path / "community_sjis.csv"
    sjis.write_bytes(text.encode("cp932"))
    source = read_features(sjis)
    assert source.encoding == "cp932"
    assert source.rows[0].props["name"] == "高松市日新コミュニティセンター"
    assert source.rows[0].geometry == read_features(COMMUNITY_CSV).rows[0].geometry


def test_utf8_bom_csv_keeps_the_hash_property_key_without_bom(tmp_path: Path) -> None:
    bom = tmp_path / "community_bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + COMMUNITY_CSV.read_bytes())
    source = read_features(bom)
    assert source.encoding == "utf-8-sig"
    assert source.columns[0] == "#property"
    assert source.rows[0].props["#property"] == "1"


def test_combined_location_column_is_read_latitude_first() -> None:
    source = read_features(POPULATION_CSV)
    assert source.geometry_columns == ["location"]
    assert source.problems == []
    first = source.rows[0]
    assert first.props["regionName"] == "塩屋町"
    assert first.props["location"] == "34.342286,134.055021"
    assert first.geometry == Point(134.055021, 34.342286)
    assert first.props["totalPopulation"] == "402"  # CSV values stay text


def test_csv_without_coordinate_columns_has_no_geometry_and_no_problems() -> None:
    source = read_features(WARD_POPULATION)
    assert source.geometry_columns == []
    assert source.problems == []
    assert all(r.geometry is None for r in source.rows)
    assert source.columns[0] == "column_1"  # the blank pandas index header gets a name
    assert source.rows[1].props["市・区名"] == "北区"


def test_swapped_coordinates_in_one_row_are_a_problem_with_japanese_hint() -> None:
    source = read_features(FIXTURES / "swapped.csv")
    assert [r.geometry is None for r in source.rows] == [False, True, False]
    assert len(source.problems) == 1
    problem = source.problems[0]
    assert (problem.row, problem.row_label, problem.field) == (3, "row", "latitude")
    assert problem.value == "134.03656833"
    assert "緯度と経度が逆" in (problem.hint or "")
    assert "swapped.csv, row 3, field 'latitude'" in str(problem)


def test_text_in_latitude_cell_names_the_spreadsheet_row_and_field() -> None:
    source = read_features(FIXTURES / "text_in_latitude.csv")
    # the quoted note of the 2nd record spans lines 3-4, but Excel shows that record as one
    # row (row 3): the 3rd record is row 4, not line 5
    assert [r.number for r in source.rows] == [2, 3, 4, 5]
    assert source.rows[1].props["note"] == "備考が\n二行にわたる"
    assert len(source.problems) == 1  # row 5 has both cells empty: not a reader problem
    problem = source.problems[0]
    assert (problem.row, problem.field, problem.value) == (4, "latitude", "不明")
    assert "not a number" in problem.reason
    assert source.rows[2].geometry is None
    assert source.rows[3].geometry is None


def test_one_empty_coordinate_is_a_problem_but_both_empty_is_not(tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    path.write_text("name,lat,lng\nA,34.3,\nB,,\nC,,134.0\n", encoding="utf-8")
    source = read_features(path)
    assert [(p.row, p.field) for p in source.problems] == [(2, "lng"), (4, "lat")]
    assert all(r.geometry is None for r in source.rows)


def test_full_width_spaced_and_dms_numbers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "zenkaku.csv"
    path.write_text(
        "名称,緯度,経度\n"
        "A,３４．３４７５, １３４．０３２４ \n"
        "B,北緯34度20分51秒,東経134度1分57秒\n",
        encoding="utf-8",
    )
    source = read_features(path)
    assert source.problems == []
    assert source.rows[0].geometry == Point(134.0324, 34.3475)
    b = source.rows[1].geometry
    assert b is not None
    assert b.y == pytest.approx(34 + 20 / 60 + 51 / 3600)
    assert b.x == pytest.approx(134 + 1 / 60 + 57 / 3600)


def test_world_geodetic_columns_are_preferred_over_tokyo_datum(tmp_path: Path) -> None:
    path = tmp_path / "datum.csv"
    path.write_text(
        "名称,緯度(日本測地系),経度(日本測地系),緯度（世界測地系）,経度（世界測地系）\n"
        "A,34.3446,134.0355,34.3475,134.0324\n",
        encoding="utf-8",
    )
    source = read_features(path)
    assert source.geometry_columns == ["緯度（世界測地系）", "経度（世界測地系）"]
    assert source.rows[0].geometry == Point(134.0324, 34.3475)


def test_tab_delimited_file_and_title_line_above_header(tmp_path: Path) -> None:
    path = tmp_path / "salons.tsv"
    path.write_text(
        "高松市 通いの場一覧 (令和7年4月)\n\nname\tLat\tLon\nサロンA\t34.3\t134.0\n",
        encoding="utf-8",
    )
    source = read_features(path)
    assert source.columns == ["name", "Lat", "Lon"]
    assert source.rows[0].number == 4
    assert source.rows[0].geometry == Point(134.0, 34.3)


def test_explicit_lat_lon_fields_override_detection(tmp_path: Path) -> None:
    path = tmp_path / "explicit.csv"
    path.write_text("name,北,東\nA,34.3,134.0\n", encoding="utf-8")
    assert read_features(path).geometry_columns == []
    source = read_features(path, lat_field="北", lon_field="東")
    assert source.rows[0].geometry == Point(134.0, 34.3)
    with pytest.raises(UsageError) as missing:
        read_features(path, lat_field="緯度", lon_field="東")
    assert "no column named '緯度'" in str(missing.value) and "北" in str(missing.value)
    with pytest.raises(UsageError):
        read_features(path, lat_field="北")


def test_wkt_geometry_column_including_ewkt_in_plane_rectangular(tmp_path: Path) -> None:
    path = tmp_path / "wkt.csv"
    path.write_text(
        'name,WKT\nA,"POINT (134.05 34.34)"\n'
        'B,"SRID=6676;POINT (-40000 120000)"\nC,"POINT (oops)"\n',
        encoding="utf-8",
    )
    source = read_features(path)
    assert source.geometry_columns == ["WKT"]
    assert source.rows[0].geometry == Point(134.05, 34.34)
    b = source.rows[1].geometry
    assert b is not None and 137 < b.x < 139 and 36 < b.y < 38  # EPSG:6676 is zone VIII
    assert [(p.row, p.field) for p in source.problems] == [(4, "WKT")]


def test_csv_whose_first_line_is_data_is_refused_as_headerless(tmp_path: Path) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text("1,34.3475,134.0324,日新\n2,34.3445,134.0365,二番丁\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_features(path)
    problem = only_problem(error)
    assert problem.file == "noheader.csv"
    assert "header" in problem.reason


def test_unquoted_comma_in_a_value_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "comma.csv"
    path.write_text("name,lat,lon\nA,34.3,134.0,extra\nB,34.4,134.1,,\n", encoding="utf-8")
    source = read_features(path)
    assert [(p.row, p.value) for p in source.problems] == [(2, "extra")]
    assert source.rows[1].geometry == Point(134.1, 34.4)


# --- GeoJSON ---------------------------------------------------------------------------------


def test_geojson_wards_are_polygons_in_lonlat_with_properties(wards: Path) -> None:
    source = read_features(wards)
    assert source.format == "geojson"
    assert source.row_label == "feature"
    assert source.columns == ["ward_code", "ward_name", "source"]
    assert len(source.rows) == 40
    assert {r.props["ward_name"] for r in source.rows} >= {"北区", "中央区", "西蒲区"}
    assert all(isinstance(r.geometry, Polygon | MultiPolygon) for r in source.rows)
    minx, miny, maxx, maxy = source.rows[0].geometry.bounds  # type: ignore[union-attr]
    assert 138 < minx < maxx < 140 and 37 < miny < maxy < 38.5


def test_gzipped_geojson_reads_like_the_plain_file(tmp_path: Path, wards: Path) -> None:
    packed = tmp_path / "wards_n03.geojson.gz"
    packed.write_bytes(gzip.compress(wards.read_bytes()))
    plain, unpacked = read_features(wards), read_features(packed)
    assert unpacked.format == "geojson"
    assert unpacked.name == "wards_n03.geojson.gz"
    assert [r.props for r in unpacked.rows] == [r.props for r in plain.rows]
    assert unpacked.rows[5].geometry.equals(plain.rows[5].geometry)  # type: ignore[union-attr]


def test_geojson_null_geometry_and_a_single_feature(tmp_path: Path) -> None:
    collection = tmp_path / "places.geojson"
    collection.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": None, "properties": {" 名称 ": "住所のみ"}},
                    {
                        "type": "Feature",
                        "id": 7,
                        "geometry": {"type": "Point", "coordinates": [134.05, 34.34]},
                        "properties": {"名称": "サロン"},
                    },
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    source = read_features(collection)
    assert [r.geometry for r in source.rows] == [None, Point(134.05, 34.34)]
    assert source.rows[0].props == {"名称": "住所のみ"}  # key stripped
    assert source.rows[1].props == {"名称": "サロン", "id": 7}
    single = tmp_path / "one.json"
    single.write_text(
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[139.0,37.9]},"properties":{}}'
    )
    assert read_features(single).rows[0].geometry == Point(139.0, 37.9)


def test_geojson_legacy_crs_member_is_transformed_to_lonlat(tmp_path: Path) -> None:
    path = tmp_path / "plane.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6676"}},
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [-40000, 120000]},
                    }
                ],
            }
        )
    )
    source = read_features(path)
    assert source.source_crs == "EPSG:6676"
    point = source.rows[0].geometry
    assert point is not None
    # easting -40 km, northing 120 km from the zone VIII origin (138.5E, 36N), x = easting
    assert point.x == pytest.approx(138.05, abs=0.01) and point.y == pytest.approx(37.08, abs=0.01)


def test_geojson_in_metres_without_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "metres.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[-40000,120000]}}]}'
    )
    with pytest.raises(InputError) as error:
        read_features(path)
    assert "not longitude/latitude" in only_problem(error).reason


# --- GeoPackage and Shapefile ----------------------------------------------------------------


def test_single_layer_gpkg_is_read_without_naming_the_layer(tmp_path: Path, wards: Path) -> None:
    import pyogrio

    path = tmp_path / "wards.gpkg"
    pyogrio.write_dataframe(wards_gdf(wards), path, layer="wards")
    source = read_features(path)
    assert source.format == "gpkg"
    assert source.row_label == "feature"
    assert len(source.rows) == 40
    assert source.rows[0].number == 1
    assert source.rows[0].props["ward_name"] == "北区"
    assert source.rows[0].geometry is not None


def test_gpkg_with_several_layers_needs_layer_and_the_hint_lists_them(
    tmp_path: Path, wards: Path
) -> None:
    import pyogrio

    gdf = wards_gdf(wards)
    path = tmp_path / "areas.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="wards")
    pyogrio.write_dataframe(gdf.iloc[:3], path, layer="圏域")
    with pytest.raises(InputError) as error:
        read_features(path)
    problem = only_problem(error)
    assert problem.file == "areas.gpkg"
    assert "wards" in (problem.hint or "") and "圏域" in (problem.hint or "")
    assert len(read_features(path, layer="圏域").rows) == 3
    with pytest.raises(InputError):
        read_features(path, layer="nope")


def test_zipped_gpkg_passes_layer_on_to_the_geopackage(tmp_path: Path, wards: Path) -> None:
    import pyogrio

    gdf = wards_gdf(wards)
    path = tmp_path / "areas.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="wards")
    pyogrio.write_dataframe(gdf.iloc[:2], path, layer="two")
    archive = tmp_path / "areas.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(path, "export/areas.gpkg")
    source = read_features(archive, layer="two")
    assert (source.format, source.name, len(source.rows)) == ("gpkg", "areas.zip", 2)


def test_gpkg_in_jgd2011_plane_rectangular_comes_back_in_lonlat(
    tmp_path: Path, wards: Path
) -> None:
    import pyogrio

    gdf = wards_gdf(wards)
    path = tmp_path / "wards_6676.gpkg"
    pyogrio.write_dataframe(gdf.to_crs(6676), path)
    source = read_features(path)
    assert source.source_crs == "EPSG:6676"
    for row, original in zip(source.rows, gdf.geometry, strict=True):
        assert row.geometry is not None
        assert row.geometry.equals_exact(original, tolerance=1e-6)


def _zip_shapefile(gdf, tmp_path: Path, name: str, *, encoding: str = "UTF-8") -> Path:
    import pyogrio

    folder = tmp_path / "shp_parts"
    folder.mkdir()
    pyogrio.write_dataframe(gdf, folder / f"{name}.shp", encoding=encoding)
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, f"{name}/{part.name}")  # in a subfolder, as cities often zip them
    return archive


def test_zipped_shapefile_in_a_subfolder_in_epsg6676_comes_back_in_lonlat(
    tmp_path: Path, wards: Path
) -> None:
    gdf = wards_gdf(wards)
    archive = _zip_shapefile(gdf.to_crs(6676), tmp_path, "wards_6676")
    source = read_features(archive)
    assert source.format == "shapefile"
    assert source.name == "wards_6676.zip"
    assert [r.props["ward_name"] for r in source.rows] == list(gdf["ward_name"])
    for row, original in zip(source.rows, gdf.geometry, strict=True):
        assert row.geometry is not None
        assert row.geometry.equals_exact(original, tolerance=1e-6)


def test_cp932_shapefile_without_cpg_is_not_mojibake(tmp_path: Path, wards: Path) -> None:
    import pyogrio

    path = tmp_path / "wards.shp"
    pyogrio.write_dataframe(wards_gdf(wards), path, encoding="cp932")
    path.with_suffix(".cpg").unlink()  # as many real Japanese shapefiles come
    source = read_features(path)
    assert source.encoding == "cp932"
    assert source.rows[0].props["ward_name"] == "北区"
    assert source.rows[0].props["source"].startswith("国土数値情報")


@pytest.mark.filterwarnings("ignore:Could not decode error message:RuntimeWarning")
def test_utf8_shapefile_with_cut_japanese_field_names_and_no_shx_is_read(
    tmp_path: Path, real_data: Path
) -> None:
    gpd = pytest.importorskip("geopandas")
    import pyogrio

    shelters = gpd.read_file(real_data / "niigata" / "gsi_shelters.geojson")
    path = tmp_path / "shelters.shp"
    # .dbf field names hold 10 bytes, so '都道府県名及び市町村名' is cut inside a UTF-8 character
    pyogrio.write_dataframe(shelters, path, encoding="UTF-8")
    path.with_suffix(".shx").unlink()
    source = read_features(path)
    assert source.encoding == "utf-8"
    assert "都道府" in source.columns
    assert source.rows[0].props["施設・"] == shelters.iloc[0]["施設・場所名"]
    assert source.rows[0].geometry == shelters.geometry.iloc[0]


def test_shapefile_in_metres_without_prj_is_refused_with_a_hint(
    tmp_path: Path, wards: Path
) -> None:
    import pyogrio

    path = tmp_path / "plane.shp"
    pyogrio.write_dataframe(wards_gdf(wards).to_crs(6676), path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as error:
        read_features(path)
    problem = only_problem(error)
    assert "not longitude/latitude" in problem.reason
    assert ".prj" in (problem.hint or "")


def test_zip_with_two_shapefiles_needs_layer(tmp_path: Path, wards: Path) -> None:
    import pyogrio

    gdf = wards_gdf(wards)
    for stem in ("a", "b"):
        pyogrio.write_dataframe(gdf.iloc[:2], tmp_path / f"{stem}.shp")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("[ab].*"):
            zf.write(part, part.name)
    with pytest.raises(InputError) as error:
        read_features(archive)
    assert "a, b" in (only_problem(error).hint or "")
    assert len(read_features(archive, layer="b").rows) == 2


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_uses_excel_row_numbers_iso_dates_and_native_numbers(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "通いの場"
    sheet["A1"] = "通いの場一覧 (デモ用の仮データ)"  # a title above the table
    sheet.append([])
    sheet.append(["名称", "緯度", "経度", "開始日", "定員"])
    sheet.append(["日新サロン", 34.34758361, 134.03246917, datetime(2024, 4, 1), 20])
    sheet.append([None, None, None, None, None])
    sheet.append(["二番丁サロン", "北緯", 134.0365, date(2024, 5, 2), 15.5])
    other = workbook.create_sheet("圏域")
    other.append(["圏域", "location"])
    other.append(["中央", "34.34,134.05"])
    path = tmp_path / "places.xlsx"
    workbook.save(path)

    source = read_features(path)
    assert source.format == "xlsx"
    assert source.columns == ["名称", "緯度", "経度", "開始日", "定員"]
    assert [r.number for r in source.rows] == [4, 6]
    first = source.rows[0]
    assert first.props["開始日"] == "2024-04-01"
    assert first.props["定員"] == 20
    assert first.geometry == Point(134.03246917, 34.34758361)
    assert [(p.row, p.field, p.value) for p in source.problems] == [(6, "緯度", "北緯")]

    area = read_features(path, layer="圏域")
    assert area.rows[0].geometry == Point(134.05, 34.34)


# --- KML / KMZ -------------------------------------------------------------------------------


def _check_my_maps(source: FeatureSource) -> None:
    assert source.format == "kml"
    assert source.row_label == "placemark"
    assert len(source.rows) == 2
    salon, area = source.rows
    assert salon.number == 1 and area.number == 2
    assert salon.props["name"] == "日新ふれあいサロン"
    assert salon.props["description"].startswith("毎週火曜 10:00〜<br>")
    assert salon.props["住所"] == "高松市瀬戸内町22-9"
    assert salon.props["開催日"] == "毎週火曜"
    assert salon.props["folder"] == "サロン・通いの場"
    assert salon.props["kml_id"] == "salon-1"
    assert salon.props["style_url"] == "#icon-1899-0288D1"
    assert salon.geometry == Point(134.0324692, 34.3475836)
    assert area.props["folder"] == "日常生活圏域"
    assert area.props["圏域コード"] == "C01"
    assert area.props["description"] is None
    assert isinstance(area.geometry, Polygon)
    assert len(area.geometry.interiors) == 1
    assert area.geometry.exterior.coords[0] == (134.03, 34.33)
    assert {"name", "description", "住所", "開催日", "圏域コード", "folder"} <= set(source.columns)


def test_google_my_maps_kml_gives_folders_extended_data_point_and_polygon() -> None:
    source = read_features(FIXTURES / "my_maps.kml")
    assert source.problems == []
    _check_my_maps(source)


def test_kmz_reads_the_same_as_its_kml(tmp_path: Path) -> None:
    kmz = tmp_path / "my_maps.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "my_maps.kml", "doc.kml")
        zf.writestr("images/icon-1.png", b"\x89PNG\r\n")
    source = read_features(kmz)
    assert source.name == "my_maps.kmz"
    _check_my_maps(source)


def test_old_namespace_kml_nested_folders_multigeometry_and_bad_coordinates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.kml"
    path.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1" xmlns:gx="http://www.google.com/kml/ext/2.2">
 <Document><name>doc</name>
  <Folder><name>北区</name>
   <Folder><name>サロン</name>
    <Placemark><name>two points</name>
     <ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="定員">12</SimpleData></SchemaData>
     </ExtendedData>
     <MultiGeometry>
      <Point><coordinates>139.1,37.9</coordinates></Point>
      <Point><coordinates>139.2, 37.8, 0</coordinates></Point>
     </MultiGeometry>
    </Placemark>
   </Folder>
  </Folder>
  <Placemark><name>walk</name><gx:Track><gx:coord>139 37 0</gx:coord></gx:Track></Placemark>
  <Placemark><name>swapped</name><Point><coordinates>37.9,139.1</coordinates></Point></Placemark>
 </Document>
</kml>""",
        encoding="utf-8",
    )
    source = read_features(path)
    multi, track, bad = source.rows
    assert multi.props["folder"] == "サロン"
    assert multi.props["folder_path"] == "北区 / サロン"
    assert multi.props["定員"] == "12"
    assert multi.geometry is not None and multi.geometry.geom_type == "MultiPoint"
    assert track.geometry is None and track.props["folder"] is None
    assert bad.geometry is None
    assert [(p.row, p.row_label, p.field) for p in source.problems] == [
        (3, "placemark", "coordinates")
    ]
    assert "緯度と経度が逆" in (source.problems[0].hint or "")


def test_kml_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.kml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&x;</name></Placemark></kml>'
    )
    with pytest.raises(InputError) as error:
        read_features(path)
    assert only_problem(error).file == "evil.kml"


# --- whole-file failures ---------------------------------------------------------------------


def test_unknown_extension_raises_input_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "places.docx"
    path.write_bytes(b"not a table")
    with pytest.raises(InputError) as error:
        read_features(path)
    problem = only_problem(error)
    assert problem.file == "places.docx"
    assert ".docx" in problem.reason
    assert "places.docx" in str(error.value)


def test_missing_file_raises_input_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        read_features(tmp_path / "nowhere.geojson")
    problem = only_problem(error)
    assert problem.file == "nowhere.geojson"
    assert "not found" in problem.reason


def test_empty_and_corrupt_files_raise_input_error(tmp_path: Path) -> None:
    for name, content in [
        ("empty.csv", b""),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": ['),
        ("broken.gpkg", b"SQLite format 3\x00 but not really"),
        ("broken.xlsx", b"PK\x03\x04 nope"),
        ("broken.zip", b"PK\x05\x06"),
        ("broken.kml", b"<kml><Placemark>"),
        ("old.xls", b"\xd0\xcf\x11\xe0"),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InputError) as error:
            read_features(path)
        assert only_problem(error).file == name


def test_zip_without_any_supported_file_lists_what_it_holds(tmp_path: Path) -> None:
    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.pdf", b"%PDF")
    with pytest.raises(InputError) as error:
        read_features(archive)
    assert "readme.pdf" in (only_problem(error).hint or "")


def test_real_files_copied_with_upper_case_extension_are_recognised(
    tmp_path: Path, wards: Path
) -> None:
    copy = tmp_path / "WARDS.GEOJSON"
    shutil.copy(wards, copy)
    assert len(read_features(copy).rows) == 40


# --- geo.japan.coords ------------------------------------------------------------


def test_japan_point_problem_explains_swapped_zero_and_outside() -> None:
    assert japan_point_problem(134.0324, 34.3475) is None
    reason, hint = japan_point_problem(34.3475, 134.0324)  # type: ignore[misc]
    assert reason == "latitude and longitude look swapped"
    assert hint is not None and hint.startswith("緯度と経度が逆のようです")
    assert japan_point_problem(0, 0) == (
        "point at 0,0 (missing coordinates?)",
        "緯度・経度が入力されていないようです",
    )
    assert japan_point_problem(26.9, 60.5)[0] == "outside Japan"  # type: ignore[index]
    assert swapped(34.3, 134.0) and not swapped(134.0, 34.3)


def test_real_standard_dataset_points_are_all_plausible_in_japan() -> None:
    source = read_features(COMMUNITY_CSV)
    points = [r.geometry for r in source.rows]
    assert all(p is not None and japan_point_problem(p.x, p.y) is None for p in points)
