"""`import_areas` held to the issue on both stores: N03 wards merged, repairs, contacts, CRSs.

The committed fixture tests/data/imports/niigata_wards_n03_simplified.geojson is 新潟市's N03 wards
(40 features, islands and exclaves as separate features) simplified to ~80 m; daily-living areas,
shapefiles and GeoPackages are built from it per test under tmp_path.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, box, mapping, shape
from shapely.ops import unary_union

from boundaries.area_import import AreaImportOptions, import_areas
from geo.errors import InputError, Problem, UsageError
from geo.ingest.report import ImportReport
from geo.model import Contact
from geo.store.base import Store

DATA = Path(__file__).parent / "data" / "imports"
WARDS = DATA / "niigata_wards_n03_simplified.geojson"
NIIGATA = "15100"
W = "15100-L1-"  # a ward's area id: {city}-L{level}-{the file's own id, its JIS code}
TAKASAKI = "10202"
MAEBASHI = "10201"
WARD_NAMES = {
    "15101": "北区",
    "15102": "東区",
    "15103": "中央区",
    "15104": "江南区",
    "15105": "秋葉区",
    "15106": "南区",
    "15107": "西区",
    "15108": "西蒲区",
}


# --- helpers ---------------------------------------------------------------------------------


def run(store: Store, path: Path, city: str = NIIGATA, **options: Any) -> ImportReport:
    return import_areas(store, path, AreaImportOptions(city=city, **options))


def refused(store: Store, path: Path, city: str = NIIGATA, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        run(store, path, city, **options)
    return caught.value.problems


def ward_features() -> list[dict[str, Any]]:
    return json.loads(WARDS.read_text(encoding="utf-8"))["features"]


def ward_shapes() -> dict[str, Any]:
    """Each ward's geometry as the file gives it: the union of its features."""
    parts: dict[str, list[Any]] = {}
    for f in ward_features():
        parts.setdefault(f["properties"]["ward_code"], []).append(shape(f["geometry"]))
    return {code: unary_union(geoms) for code, geoms in parts.items()}


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def feature(geometry: Any, **props: Any) -> dict[str, Any]:
    geo = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {"type": "Feature", "properties": props, "geometry": geo}


def chuo_districts(tmp_path: Path, **extra: Any) -> Path:
    """中央区 cut in two at 139.05°E: two daily-living areas with the ward as their parent."""
    chuo = ward_shapes()["15103"]
    west = chuo.intersection(box(138.9, 37.8, 139.05, 38.0))
    east = chuo.intersection(box(139.05, 37.8, 139.2, 38.0))
    return write_geojson(
        tmp_path / "chuo_districts.geojson",
        [
            feature(west, 圏域コード="C1", 圏域名="中央西圏域", 上位地区="15103", **extra),
            feature(east, 圏域コード="C2", 圏域名="中央東圏域", 上位地区="15103", **extra),
        ],
    )


def areas_as_dicts(store: Store, city: str = NIIGATA) -> list[dict[str, Any]]:
    out = []
    for area in store.areas(city):
        row = asdict(area)
        row["geometry"] = area.geometry.normalize().wkb_hex
        out.append(row)
    return out


def near(a: Any, b: Any, tolerance: float = 1e-6) -> bool:
    return bool(shapely.hausdorff_distance(a, b) < tolerance)


def one(problems: list[Problem], **where: Any) -> Problem:
    found = [p for p in problems if all(getattr(p, k) == v for k, v in where.items())]
    assert len(found) == 1, f"expected one problem with {where}, got {problems}"
    return found[0]


# --- N03 wards --------------------------------------------------------------------------------


def test_n03_wards_merge_into_eight_multipolygon_areas(store: Store) -> None:
    report = run(store, WARDS, level=1)

    assert (report.rows, report.added, report.updated, report.unchanged) == (40, 8, 0, 0)
    areas = store.areas(NIIGATA)
    assert {a.id.removeprefix(W): a.name for a in areas} == WARD_NAMES
    expected = ward_shapes()
    for area in areas:
        assert area.level == 1 and area.parent is None and area.city == NIIGATA
        assert isinstance(area.geometry, MultiPolygon) and area.geometry.is_valid
        assert near(area.geometry, expected[area.id.removeprefix(W)]), area.name  # no part lost
        assert area.source == "国土数値情報 行政区域 N03 (2022-01-01)"
    by_id = {a.id: a for a in areas}
    assert len(by_id[W + "15108"].geometry.geoms) > 1  # 西蒲区: its islands and exclaves kept
    assert len(by_id[W + "15103"].geometry.geoms) > 1  # 中央区, with a part off the outline
    assert "西蒲区: 18 features merged into one area" in report.notes


def test_reimporting_wards_changes_nothing_and_says_so(store: Store) -> None:
    run(store, WARDS, level=1)
    before = areas_as_dicts(store)

    report = run(store, WARDS, level=1)

    assert (report.added, report.updated, report.unchanged, report.missing) == (0, 0, 8, [])
    assert "all unchanged" in report.summary()
    assert areas_as_dicts(store) == before


def test_ward_ids_are_the_same_from_geojson_geopackage_and_a_name_only_file(
    store: Store, tmp_path: Path
) -> None:
    geopandas = pytest.importorskip("geopandas")
    run(store, WARDS, level=1)
    before = areas_as_dicts(store)
    gpkg = tmp_path / "wards.gpkg"
    geopandas.read_file(WARDS).to_file(gpkg, layer="wards", driver="GPKG")

    report = run(store, gpkg, level=1)

    assert (report.added, report.updated, report.unchanged) == (0, 0, 8)
    assert areas_as_dicts(store) == before


def test_features_without_ids_are_merged_by_name(store: Store, tmp_path: Path) -> None:
    features = [feature(f["geometry"], 区名=f["properties"]["ward_name"]) for f in ward_features()]
    path = write_geojson(tmp_path / "names_only.geojson", features)

    report = run(store, path, level=1, name_field="区名")

    assert report.added == 8
    areas = store.areas(NIIGATA)
    assert sorted(a.name for a in areas) == sorted(WARD_NAMES.values())
    assert all(a.id.startswith("15100-L1-") for a in areas)
    assert run(store, path, level=1, name_field="区名").unchanged == 8


def test_a_ward_missing_from_the_file_is_listed(store: Store, tmp_path: Path) -> None:
    run(store, WARDS, level=1)
    fewer = [f for f in ward_features() if f["properties"]["ward_code"] != "15107"]

    report = run(store, write_geojson(tmp_path / WARDS.name, fewer), level=1)

    assert report.missing == [(W + "15107", "西区")]
    assert report.unchanged == 7 and not report.changed
    assert store.area(W + "15107") is not None  # nothing is ever deleted


def test_dry_run_writes_nothing(store: Store) -> None:
    report = run(store, WARDS, level=1, dry_run=True)

    assert report.dry_run and report.added == 8
    assert store.areas(NIIGATA) == []


# --- levels and parents ------------------------------------------------------------------------


def test_level_two_areas_with_a_parent(store: Store, tmp_path: Path) -> None:
    run(store, WARDS, level=1)

    report = run(store, chuo_districts(tmp_path), level=2)

    assert report.added == 2
    districts = store.areas(NIIGATA, level=2)
    assert [(a.id, a.name, a.parent) for a in districts] == [
        ("15100-L2-C1", "中央西圏域", W + "15103"),
        ("15100-L2-C2", "中央東圏域", W + "15103"),
    ]
    assert all(isinstance(a.geometry, MultiPolygon) for a in districts)
    assert len(store.areas(NIIGATA, level=1)) == 8
    assert run(store, chuo_districts(tmp_path), level=2).unchanged == 2


def test_parent_field_option(store: Store, tmp_path: Path) -> None:
    run(store, WARDS, level=1)
    chuo = ward_shapes()["15103"]
    path = write_geojson(
        tmp_path / "d.geojson", [feature(chuo, id="C9", name="中央圏域", 区コード="15103")]
    )

    run(store, path, level=2, parent_field="区コード")

    area = store.area("15100-L2-C9")
    assert area is not None and area.parent == W + "15103"


def test_unknown_parent_is_refused_naming_the_feature(store: Store, tmp_path: Path) -> None:
    problems = refused(store, chuo_districts(tmp_path), level=2)  # the wards are not imported

    problem = one(problems, row=1)
    assert (problem.row_label, problem.field, problem.value) == ("feature", "上位地区", "15103")
    assert "not a known area" in problem.reason
    assert problem.hint is not None and "parent level first" in problem.hint
    assert store.areas(NIIGATA) == []


def test_level_column_in_the_file(store: Store, tmp_path: Path) -> None:
    features = [dict(f, properties={**f["properties"], "level": "1"}) for f in ward_features()]
    run(store, write_geojson(tmp_path / "w.geojson", features))

    assert {a.level for a in store.areas(NIIGATA)} == {1}


def test_level_below_one_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError):
        run(store, WARDS, level=0)


@pytest.mark.parametrize("option", ["name_field", "id_field", "parent_field"])
def test_a_column_named_by_an_option_but_absent_is_a_usage_error(store: Store, option: str) -> None:
    with pytest.raises(UsageError, match="no column named '圏域名称'"):
        run(store, WARDS, level=1, **{option: "圏域名称"})
    assert store.areas(NIIGATA) == []


# --- geometry ---------------------------------------------------------------------------------


def test_bow_tie_polygon_is_repaired_and_reported(store: Store, tmp_path: Path) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[139.02, 37.90], [139.04, 37.92], [139.04, 37.90], [139.02, 37.92], [139.02, 37.90]]
        ],
    }
    assert not shape(bow_tie).is_valid
    path = write_geojson(tmp_path / "bow.geojson", [feature(bow_tie, id="B1", name="蝶形圏域")])

    report = run(store, path)

    assert report.added == 1
    assert len(report.repaired) == 1
    assert report.repaired[0].startswith("feature 1 (蝶形圏域): repaired Self-intersection")
    area = store.area("15100-L2-B1")
    assert area is not None and area.geometry.is_valid
    assert isinstance(area.geometry, MultiPolygon) and len(area.geometry.geoms) == 2
    assert area.geometry.area == pytest.approx(0.0002, rel=1e-6)  # both triangles kept


def test_polygon_without_area_is_refused(store: Store, tmp_path: Path) -> None:
    flat = {  # collinear: GEOS calls it valid
        "type": "Polygon",
        "coordinates": [[[139.02, 37.90], [139.03, 37.91], [139.04, 37.92], [139.02, 37.90]]],
    }
    good = feature(ward_shapes()["15103"], id="C1", name="中央圏域")
    path = write_geojson(tmp_path / "flat.geojson", [good, feature(flat, id="F", name="線圏域")])

    problems = refused(store, path)
    problem = one(problems, row=2)

    assert len(problems) == 1
    assert problem.field == "geometry" and "no area" in problem.reason
    assert store.areas(NIIGATA) == []


def test_polygon_that_cannot_be_repaired_is_refused(store: Store, tmp_path: Path) -> None:
    spike = {  # a ring that doubles back on itself: make_valid leaves only a line
        "type": "Polygon",
        "coordinates": [[[139.02, 37.90], [139.04, 37.92], [139.02, 37.90], [139.02, 37.90]]],
    }
    assert not shape(spike).is_valid
    path = write_geojson(tmp_path / "spike.geojson", [feature(spike, id="S", name="棘圏域")])

    problem = one(refused(store, path), row=1)

    assert problem.field == "geometry" and "cannot be repaired" in problem.reason


def test_points_and_empty_geometry_are_refused(store: Store, tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature({"type": "Point", "coordinates": [139.03, 37.91]}, id="P", name="点"),
            {"type": "Feature", "properties": {"id": "N", "name": "なし"}, "geometry": None},
        ],
    )

    problems = refused(store, path)

    assert "must be a polygon" in one(problems, row=1).reason
    assert "no geometry" in one(problems, row=2).reason
    assert {p.field for p in problems} == {"geometry"}


def test_area_far_outside_the_city_is_refused(store: Store, tmp_path: Path) -> None:
    tokyo = box(139.74, 35.67, 139.76, 35.69)
    path = write_geojson(
        tmp_path / "mixed.geojson",
        [
            feature(ward_shapes()["15103"], id="C1", name="中央圏域"),
            feature(tokyo, id="T1", name="千代田圏域"),
        ],
    )

    problems = refused(store, path)
    assert len(problems) == 1

    problem = one(problems, row=2)
    assert "outside the city" in problem.reason and problem.value == "千代田圏域"
    assert problem.hint is not None and "--city" in problem.hint
    assert store.areas(NIIGATA) == []


def test_wrong_city_code_refuses_every_area(store: Store) -> None:
    problems = refused(store, WARDS, city=TAKASAKI, level=1)

    assert len(problems) == 8 and all("outside the city" in p.reason for p in problems)


def test_duplicate_id_with_another_name_is_refused(store: Store, tmp_path: Path) -> None:
    features = ward_features()
    features[5] = dict(features[5], properties={**features[5]["properties"], "ward_code": "15101"})
    path = write_geojson(tmp_path / "dup.geojson", features)

    problems = refused(store, path, level=1)

    problem = one(problems, row=6)
    assert problem.field == "ward_code" and "duplicate id" in problem.reason
    assert "feature 1" in problem.reason
    assert store.areas(NIIGATA) == []


def test_zipped_shapefile_in_plane_rectangular_crs_imports_in_lon_lat(
    store: Store, tmp_path: Path
) -> None:
    geopandas = pytest.importorskip("geopandas")
    frame = geopandas.read_file(WARDS).to_crs("EPSG:6676")  # JGD2011 / 平面直角座標系 第VIII系
    assert frame.total_bounds[0] < 1e5  # metres, not degrees
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "新潟市_区.shp", encoding="CP932")
    (folder / "新潟市_区.cpg").unlink(missing_ok=True)  # as many Japanese shapefiles come
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in sorted(folder.iterdir()):
            z.write(part, f"N03/{part.name}")

    report = run(store, archive, level=1)

    assert report.added == 8
    expected = ward_shapes()
    areas = store.areas(NIIGATA)
    assert {a.id.removeprefix(W): a.name for a in areas} == WARD_NAMES  # CP932 names read right
    for area in areas:
        minx, miny, maxx, maxy = area.geometry.bounds
        assert 138.7 < minx < maxx < 139.3 and 37.6 < miny < maxy < 38.1
        assert near(area.geometry, expected[area.id.removeprefix(W)]), area.name


# --- contacts ---------------------------------------------------------------------------------


def test_contacts_from_a_json_list_and_from_role_columns(store: Store, tmp_path: Path) -> None:
    run(store, WARDS, level=1)
    chuo = ward_shapes()["15103"]
    west = chuo.intersection(box(138.9, 37.8, 139.05, 38.0))
    east = chuo.intersection(box(139.05, 37.8, 139.2, 38.0))
    hokatsu = {
        "role": "地域包括支援センター",
        "name": "地域包括支援センター 白山",
        "phone": "025-228-0000",
        "hours": "8:30〜17:30",
    }
    path = write_geojson(
        tmp_path / "contacts.geojson",
        [
            feature(
                west,
                id="C1",
                name="中央西圏域",
                parent="15103",
                contacts=json.dumps([hokatsu], ensure_ascii=False),
            ),
            feature(
                east,
                id="C2",
                name="中央東圏域",
                parent="15103",
                地域包括支援センター="地域包括支援センター 万代",
                地域包括支援センター_電話番号="025-246-0000",
                地域包括支援センター_住所="新潟市中央区万代1-1",
                生活支援コーディネーター_氏名="新潟　花子",
                生活支援コーディネーター_電話="025-246-1111",
            ),
        ],
    )

    run(store, path, level=2)

    west_area, east_area = store.area("15100-L2-C1"), store.area("15100-L2-C2")
    assert west_area is not None and east_area is not None
    assert west_area.contacts == [Contact(**hokatsu)]
    assert east_area.contacts == [
        Contact(
            role="地域包括支援センター",
            name="地域包括支援センター 万代",
            phone="025-246-0000",
            address="新潟市中央区万代1-1",
        ),
        Contact(role="生活支援コーディネーター", name="新潟　花子", phone="025-246-1111"),
    ]


def test_contacts_as_a_native_geojson_list(store: Store, tmp_path: Path) -> None:
    coordinator = {"role": "生活支援コーディネーター", "name": "新潟 太郎", "phone": "025-000-0000"}
    path = write_geojson(
        tmp_path / "c.geojson",
        [feature(ward_shapes()["15103"], id="C1", name="中央圏域", contacts=[coordinator])],
    )

    run(store, path)

    area = store.area("15100-L2-C1")
    assert area is not None and area.contacts == [Contact(**coordinator)]


def test_unreadable_contacts_are_refused_naming_the_feature(store: Store, tmp_path: Path) -> None:
    chuo = ward_shapes()["15103"]
    path = write_geojson(
        tmp_path / "c.geojson",
        [
            feature(chuo, id="C1", name="中央圏域", contacts='[{"role": "協議体"}]'),
            feature(chuo, id="C2", name="中央圏域2", contacts="{not json"),
        ],
    )

    problems = refused(store, path)

    assert one(problems, row=1).field == "contacts"
    assert "role and a name" in one(problems, row=1).reason
    assert "not a JSON list" in one(problems, row=2).reason


# --- ids across cities -----------------------------------------------------------------------


def test_the_same_district_code_in_two_cities_does_not_collide(
    store: Store, tmp_path: Path
) -> None:
    takasaki = write_geojson(
        tmp_path / "takasaki.geojson",
        [feature(box(138.998, 36.317, 139.008, 36.327), id="10001", name="高崎第1地区")],
    )
    maebashi = write_geojson(
        tmp_path / "maebashi.geojson",
        [feature(box(139.058, 36.385, 139.068, 36.395), id="10001", name="前橋第1地区")],
    )

    run(store, takasaki, city=TAKASAKI)
    run(store, maebashi, city=MAEBASHI)

    assert [(a.id, a.name) for a in store.areas(TAKASAKI)] == [("10202-L2-10001", "高崎第1地区")]
    assert [(a.id, a.name) for a in store.areas(MAEBASHI)] == [("10201-L2-10001", "前橋第1地区")]


def test_kml_polygons_with_the_same_name_are_one_area(store: Store, tmp_path: Path) -> None:
    def placemark(name: str, ring: str) -> str:
        return (
            f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing>"
            f"<coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
            "</Placemark>"
        )

    kml = tmp_path / "districts.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>第2層</name>'
        + placemark("中央地区", "139.00,36.32,0 139.01,36.32,0 139.01,36.33,0 139.00,36.32,0")
        + placemark("中央地区", "139.02,36.32,0 139.03,36.32,0 139.03,36.33,0 139.02,36.32,0")
        + placemark("並榎地区", "139.00,36.335,0 139.01,36.335,0 139.01,36.345,0 139.00,36.335,0")
        + "</Folder></Document></kml>",
        encoding="utf-8",
    )

    report = run(store, kml, city=TAKASAKI, level=2)

    assert (report.rows, report.added) == (3, 2)
    areas = {a.name: a for a in store.areas(TAKASAKI)}
    assert len(areas["中央地区"].geometry.geoms) == 2


# --- both stores -----------------------------------------------------------------------------


@pytest.mark.postgis
def test_both_stores_hold_the_same_areas_after_the_same_imports(
    gpkg_store: Store, postgis_store: Store, tmp_path: Path
) -> None:
    def load(store: Store) -> list[dict[str, Any]]:
        return [
            run(store, WARDS, level=1).as_dict(),
            run(store, chuo_districts(tmp_path, 連絡先="[]"), level=2).as_dict(),
            run(store, WARDS, level=1).as_dict(),
        ]

    assert load(gpkg_store) == load(postgis_store)
    assert areas_as_dicts(gpkg_store) == areas_as_dicts(postgis_store)
    assert gpkg_store.area_hashes(NIIGATA) == postgis_store.area_hashes(NIIGATA)


# --- real data: the unsimplified N03 wards (tests/data/source) ---------------------------------


def test_real_n03_wards_file(gpkg_store: Store, real_data: Path) -> None:
    path = real_data / "niigata" / "wards_n03.geojson"
    report = run(gpkg_store, path, level=1)

    assert (report.rows, report.added) == (40, 8)
    areas = gpkg_store.areas(NIIGATA)
    assert {a.id.removeprefix(W): a.name for a in areas} == WARD_NAMES
    assert all(isinstance(a.geometry, MultiPolygon) and a.geometry.is_valid for a in areas)
    assert run(gpkg_store, path, level=1).unchanged == 8
