"""Municipality lookup, outlines, plane-rectangular zones and the reproducible data build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point

from geo.errors import UnknownCity
from geo.japan import crs
from geo.japan import municipalities as m
from geo.walk.distance import geodesic_many_m

ROOT = Path(__file__).resolve().parent.parent
NIIGATA_CITY_HALL = (139.0236, 37.9161)
TOKYO_STATION = (139.7671, 35.6812)


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


def test_designated_city_outline_is_the_union_of_its_wards() -> None:
    city = m.outline("15100")
    wards = shapely.union_all([m.outline(w.code) for w in m.wards("15100")])
    assert isinstance(city, MultiPolygon)
    assert city.symmetric_difference(wards).area < 1e-6 * city.area


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


def _build(source: Path, output: Path) -> bytes:
    script = ROOT / "scripts" / "build_municipalities.py"
    subprocess.run(
        [sys.executable, str(script), "--source", str(source), "--output", str(output)],
        check=True,
        capture_output=True,
    )
    return output.read_bytes()


def test_build_is_reproducible_and_matches_bundled_data(tmp_path: Path, real_data: Path) -> None:
    source = real_data / "japan" / "municipalities_n03_simplified.geojson"
    first = _build(source, tmp_path / "a.json.gz")
    second = _build(source, tmp_path / "b.json.gz")
    assert first == second
    bundled = ROOT / "geo" / "japan" / "data" / "municipalities.json.gz"
    assert first == bundled.read_bytes(), "bundled data is stale: rerun the build script"
    assert len(first) < 1_500_000
