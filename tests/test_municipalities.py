"""Municipality lookup, outlines, plane-rectangular zones and the reproducible data build."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, shape

from geo.errors import UnknownCity
from geo.japan import crs
from geo.japan import municipalities as m
from geo.walk.distance import geodesic_many_m

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "geo" / "japan" / "data"
# the N03 file the bundled data is built from (= ../shared/data/japan/, see tests/data/README.md)
SOURCE = ROOT / "tests" / "data" / "source" / "japan" / "municipal_outlines_n03.geojson.gz"
NIIGATA_CITY_HALL = (139.0236, 37.9161)
TOKYO_STATION = (139.7671, 35.6812)
# Points on islands, each the representative point of its polygon in the N03 source.
MEGIJIMA = (134.0498, 34.3945)  # 女木島, 高松市: 2.635 km² in the source (2.62 km² official)
OGIJIMA = (134.0602, 34.4252)  # 男木島, 高松市: 1.347 km² (1.34 km² official)
OZUSHIMA = (131.6977, 34.0073)  # 大津島, 周南市: 4.778 km² (4.73 km² official)
SADO = (138.3514, 38.0673)  # 佐渡島, 佐渡市 15224
OFF_NIIGATA = (139.0236, 37.9950)  # 日本海, 5.0 km north of 新潟市's shore
#: Polygons per outline, counted in the N03 source (佐渡市: 佐渡島 and its 1,146 rocks and
#: islets; 五島市 is one of the 20 municipalities from the coarser simplification).
SOURCE_POLYGONS = {"37201": 162, "35215": 132, "15224": 1147, "15101": 3, "42211": 30}


def test_niigata_city_resolves_with_zone_viii_and_eight_wards() -> None:
    city = m.get_city("15100")
    assert (city.name, city.prefecture, city.crs_epsg) == ("新潟市", "新潟県", 6676)
    assert city.parent_code is None
    assert city.name_en == "Niigata"
    assert [w.code for w in m.wards("15100")] == [f"1510{i}" for i in range(1, 9)]


def test_niigata_ward_has_city_prefixed_name_and_parent() -> None:
    ward = m.get_city("15101")
    assert ward.name == "新潟市北区"
    assert ward.parent_code == "15100"
    assert ward.crs_epsg == 6676
    assert m.wards("15101") == []


def test_tokyo_special_ward_is_a_municipality_without_parent() -> None:
    ward = m.get_city("13101")
    assert (ward.name, ward.prefecture, ward.crs_epsg, ward.parent_code) == (
        "千代田区", "東京都", 6677, None,
    )


@pytest.mark.parametrize(
    ("code", "name", "prefecture", "epsg"),
    [
        ("10202", "高崎市", "群馬県", 6677),  # IX
        ("35215", "周南市", "山口県", 6671),  # III
        ("02201", "青森市", "青森県", 6678),  # X
        ("01100", "札幌市", "北海道", 6680),  # XII
        ("01202", "函館市", "北海道", 6679),  # XI
        ("01206", "釧路市", "北海道", 6681),  # XIII
        ("01207", "帯広市", "北海道", 6681),  # XIII by the GSI list, though west of 143°15'E
        ("01205", "室蘭市", "北海道", 6680),  # XII by the GSI list, though west of 141°15'E
        ("47201", "那覇市", "沖縄県", 6683),  # XV
        ("47207", "石垣市", "沖縄県", 6684),  # XVI
        ("47357", "南大東村", "沖縄県", 6685),  # XVII
        ("13421", "小笠原村", "東京都", 6682),  # XIV
        ("13401", "八丈町", "東京都", 6677),  # IX (伊豆諸島)
        ("46222", "奄美市", "鹿児島県", 6669),  # I
        ("46505", "屋久島町", "鹿児島県", 6670),  # II: east of 130°E
        ("46201", "鹿児島市", "鹿児島県", 6670),  # II
        ("42201", "長崎市", "長崎県", 6669),  # I
    ],
)
def test_zone_follows_gsi_table(code: str, name: str, prefecture: str, epsg: int) -> None:
    city = m.get_city(code)
    assert (city.name, city.prefecture, city.crs_epsg) == (name, prefecture, epsg)


@pytest.mark.parametrize("code", ["99999", "abc", "1510", "", "   ", "1510a", "1234567"])
def test_unknown_or_malformed_code_raises_unknown_city(code: str) -> None:
    with pytest.raises(UnknownCity):
        m.get_city(code)


def test_four_digit_code_hints_at_the_dropped_leading_zero() -> None:
    with pytest.raises(UnknownCity, match="02201"):
        m.get_city("2201")


def test_six_digit_code_with_check_digit_and_whitespace_is_accepted() -> None:
    assert m.get_city("151009").code == "15100"
    assert m.get_city(" 131016\n").code == "13101"
    assert m.get_city("１５１００").code == "15100"  # full-width digits as typed in Japanese


def test_six_digit_code_with_wrong_check_digit_is_refused() -> None:
    with pytest.raises(UnknownCity, match="check digit"):
        m.get_city("151008")


@pytest.mark.parametrize(("code", "digit"), [("15100", 9), ("13101", 6), ("01100", 2)])
def test_check_digit_matches_published_six_digit_codes(code: str, digit: int) -> None:
    assert m.check_digit(code) == digit


def test_name_given_as_code_says_which_code_matches() -> None:
    with pytest.raises(UnknownCity, match="15100"):
        m.get_city("新潟市")


def test_find_by_name_handles_repeated_names_and_prefixed_forms() -> None:
    assert [c.code for c in m.find_by_name("府中市")] == ["13206", "34208"]
    assert [c.code for c in m.find_by_name("新潟県新潟市")] == ["15100"]
    assert [c.code for c in m.find_by_name("新潟市北区")] == ["15101"]
    assert "15101" in [c.code for c in m.find_by_name("北区")]
    assert [c.code for c in m.find_by_name("Niigata")] == ["15100"]
    assert m.find_by_name("どこでもない町") == []


def test_all_cities_sorted_with_every_designated_city_and_its_wards() -> None:
    cities = m.all_cities()
    codes = [c.code for c in cities]
    assert codes == sorted(codes) and len(codes) == len(set(codes))
    by_code = {c.code: c for c in cities}
    parents = {c.parent_code for c in cities if c.parent_code}
    assert parents == {
        "01100", "04100", "11100", "12100", "14100", "14130", "14150", "15100", "22100",
        "22130", "23100", "26100", "27100", "27140", "28100", "33100", "34100", "40100",
        "40130", "43100",
    }
    for code in parents:
        assert by_code[code].parent_code is None
        assert all(w.name.startswith(by_code[code].name) for w in m.wards(code))
    assert len(cities) > 1800


def test_returned_city_is_a_copy_so_callers_cannot_corrupt_the_cache() -> None:
    m.get_city("15100").name = "changed"
    assert m.get_city("15100").name == "新潟市"


def _plane(code: str, geom: shapely.Geometry) -> shapely.Geometry:
    return crs.project_geometry(geom, m.get_city(code).crs_epsg)


def _island_of(code: str, lon: float, lat: float) -> shapely.Geometry:
    """The polygon of the outline that holds the point."""
    (poly,) = [p for p in m.outline(code).geoms if p.covers(Point(lon, lat))]
    return poly


def test_designated_city_outline_is_the_union_of_its_wards_without_gaps() -> None:
    city = m.outline("15100")
    wards = shapely.union_all([m.outline(f"1510{i}") for i in range(1, 9)])
    assert isinstance(city, MultiPolygon)
    assert wards.difference(city).area == 0.0  # every ward wholly inside its city
    # what the city adds are the slivers the source leaves between its separately simplified
    # wards (53,705 m² in all, the largest 5,108 m²), none of them land of another municipality
    extra = _plane("15100", city.difference(wards))
    assert extra.area == pytest.approx(53_705, abs=1)
    assert max(p.area for p in shapely.get_parts(extra)) < 6_000
    others = [c.code for c in m.all_cities() if c.code[:2] == "15" and c.code[:3] != "151"]
    others_union = shapely.union_all([m.outline(c) for c in others])
    assert _plane("15100", city.difference(wards).intersection(others_union)).area < 1.0


def test_point_in_a_gap_between_wards_is_in_the_city_but_in_no_ward() -> None:
    lon, lat = 139.023764, 37.84959  # 2.9 m from both 江南区 and 南区
    assert m.distance_outside_m("15100", lon, lat) == 0.0
    assert min(m.distance_outside_m(w.code, lon, lat) for w in m.wards("15100")) > 2.0


def test_enclave_of_another_municipality_stays_outside_the_designated_city() -> None:
    lon, lat = 138.96474, 37.69341  # a piece of 燕市 inside 新潟市南区
    assert m.distance_outside_m("15213", lon, lat) == 0.0
    assert m.distance_outside_m("15100", lon, lat) > 50


def test_takamatsu_keeps_megijima_and_ogijima() -> None:
    for point, km2 in ((MEGIJIMA, 2.635), (OGIJIMA, 1.347)):
        assert m.distance_outside_m("37201", *point) == 0.0
        assert m.outline("37201").contains(Point(point))
        island = _island_of("37201", *point)
        assert _plane("37201", island).area / 1e6 == pytest.approx(km2, abs=0.001)
        mainland = max(m.outline("37201").geoms, key=lambda p: p.area)
        assert _plane("37201", mainland).distance(_plane("37201", Point(point))) > 3_000


def test_shunan_keeps_its_islands() -> None:
    assert m.distance_outside_m("35215", *OZUSHIMA) == 0.0
    island = _island_of("35215", *OZUSHIMA)
    assert _plane("35215", island).area / 1e6 == pytest.approx(4.778, abs=0.001)
    assert len(m.outline("35215").geoms) == SOURCE_POLYGONS["35215"]


def test_sado_is_its_own_city_not_part_of_niigata() -> None:
    assert m.distance_outside_m("15224", *SADO) == 0.0
    assert m.distance_outside_m("15100", *SADO) == pytest.approx(50_857, abs=1)
    assert not m.outline("15100").intersects(m.outline("15224"))


def test_sea_point_five_km_off_the_coast_is_outside() -> None:
    lon, lat = OFF_NIIGATA
    d = m.distance_outside_m("15100", lon, lat)
    ring = shapely.segmentize(m.outline("15100").boundary, 0.0002)
    xy = shapely.get_coordinates(ring)
    assert d == pytest.approx(float(geodesic_many_m(lon, lat, xy[:, 0], xy[:, 1]).min()), rel=1e-3)
    assert d == pytest.approx(5_046, abs=1)
    niigata = [c.code for c in m.all_cities() if c.prefecture == "新潟県"]
    assert min(m.distance_outside_m(c, lon, lat) for c in niigata) == d  # open sea


@pytest.mark.parametrize(("code", "count"), sorted(SOURCE_POLYGONS.items()))
def test_outline_keeps_every_polygon_of_the_source(code: str, count: int) -> None:
    assert len(m.outline(code).geoms) == count


def test_every_outline_equals_the_source_coordinate_for_coordinate() -> None:
    with gzip.open(SOURCE, "rt", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    counts = {f["properties"]["code"]: len(f["geometry"]["coordinates"]) for f in features}
    assert {c: counts[c] for c in SOURCE_POLYGONS} == SOURCE_POLYGONS
    for feat in features:
        code = feat["properties"]["code"]
        assert shapely.equals_exact(m.outline(code), shape(feat["geometry"]), 0.0), code
    codes = {c.code for c in m.all_cities()}
    assert codes == set(counts) | {c.parent_code for c in m.all_cities() if c.parent_code}


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("07203", "郡山市"),  # 郡 in a city's name is no county
        ("23214", "蒲郡市"),
        ("29203", "大和郡山市"),
        ("01303", "当別町"),  # 石狩郡当別町
        ("13421", "小笠原村"),  # 小笠原支庁小笠原村
        ("13362", "利島村"),  # an island village the simplified list had left out
        ("47356", "渡名喜村"),
    ],
)
def test_names_are_read_without_county_or_subprefecture(code: str, name: str) -> None:
    assert m.get_city(code).name == name
    assert m.get_city(code).parent_code is None


@pytest.fixture
def fresh_index() -> Iterator[None]:
    """Empty the module's caches so the test sees a first load (and so do later tests)."""
    for fn in (m._index, m._by_name, m._outline, m._plane_outline):
        fn.cache_clear()
    yield
    for fn in (m._index, m._by_name, m._outline, m._plane_outline):
        fn.cache_clear()


def test_get_city_decodes_no_outline(fresh_index: None, monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    real = m.decode_outline

    def counting(blob: bytes, scale: int) -> MultiPolygon:
        decoded.append(len(blob))
        return real(blob, scale)

    monkeypatch.setattr(m, "decode_outline", counting)
    m.get_city("37201")
    m.all_cities()
    assert decoded == []
    m.outline("37201")
    assert len(decoded) == 1  # one municipality's blob, not the whole of Japan


def test_every_outline_is_a_valid_nonempty_multipolygon() -> None:
    for c in m.all_cities():
        geom = m.outline(c.code)
        assert isinstance(geom, MultiPolygon) and geom.is_valid and not geom.is_empty, c.code


def test_city_hall_is_inside_niigata_city_and_its_chuo_ward() -> None:
    assert m.distance_outside_m("15100", *NIIGATA_CITY_HALL) == 0.0
    assert m.distance_outside_m("15103", *NIIGATA_CITY_HALL) == 0.0
    assert m.outline("15100").contains(Point(NIIGATA_CITY_HALL))


def test_tokyo_station_is_far_outside_niigata_city() -> None:
    assert m.distance_outside_m("15100", *TOKYO_STATION) > 10_000


def test_distance_outside_is_metres_matching_geodesic_distance() -> None:
    lon, lat = TOKYO_STATION
    ring = shapely.segmentize(m.outline("15100").boundary, 0.0005)
    xy = shapely.get_coordinates(ring)
    geodesic = float(geodesic_many_m(lon, lat, xy[:, 0], xy[:, 1]).min())
    assert m.distance_outside_m("15100", lon, lat) == pytest.approx(geodesic, rel=1e-3)


def test_distance_outside_refuses_non_finite_coordinates() -> None:
    with pytest.raises(ValueError):
        m.distance_outside_m("15100", float("nan"), 37.9)


def test_zone_origins_project_to_zero_in_their_own_epsg() -> None:
    for zone, (lon, lat) in crs.ZONE_ORIGINS.items():
        x, y = crs.to_plane(crs.epsg_for_zone(zone))(lon, lat)
        assert abs(x) < 1e-3 and abs(y) < 1e-3, zone


def test_plane_epsg_accepts_short_prefecture_names_and_refuses_unknown_ones() -> None:
    assert crs.plane_epsg("新潟", 139.0, 37.9) == crs.plane_epsg("新潟県", 139.0, 37.9) == 6676
    assert crs.plane_epsg("東京", 139.7, 35.7) == 6677
    assert crs.plane_epsg("京都", 135.7, 35.0) == 6674
    with pytest.raises(ValueError):
        crs.plane_epsg("どこか県", 139.0, 37.9)


def test_hokkaido_falls_back_to_nearest_zone_origin_without_names() -> None:
    assert crs.plane_epsg("北海道", 140.7, 41.8) == 6679
    assert crs.plane_epsg("北海道", 141.35, 43.06) == 6680
    assert crs.plane_epsg("北海道", 144.38, 42.98) == 6681


def test_project_and_unproject_round_trip() -> None:
    geom = m.outline("15100")
    back = crs.unproject_geometry(crs.project_geometry(geom, 6676), 6676)
    assert shapely.equals_exact(geom, back, tolerance=1e-8)


def test_to_plane_refuses_non_zone_epsg() -> None:
    with pytest.raises(ValueError):
        crs.to_plane(4326)


def test_build_reproduces_the_bundled_data_within_size(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "build_municipalities.py"
    subprocess.run(
        [sys.executable, str(script), "--source", str(SOURCE), "--output-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    names = ("municipalities.json.gz", "municipal_outlines.bin")
    for name in names:
        built = (tmp_path / name).read_bytes()
        assert built == (DATA / name).read_bytes(), f"bundled {name} is stale: rerun the build"
    assert sum((DATA / n).stat().st_size for n in names) < 8_000_000
