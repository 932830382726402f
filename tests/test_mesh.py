"""JIS X 0410 地域メッシュ: codes worked by hand, sizes in metres, validation, round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point

from geo.japan import mesh
from geo.japan.mesh import MeshCodeError, mesh_code, mesh_codes, mesh_polygon, parse

GEOD = Geod(ellps="GRS80")  # JGD2011's ellipsoid
DEG_S = 1 / 3600


# Worked by hand from the standard, for the 3rd mesh 5339-45-22 (Nakano/Shinjuku, Tokyo):
#   1st 5339: lat 53 / 1.5 = 35°20′, lon 39 + 100 = 139°; the cell is 40′ × 1°
#   2nd 45:   lat + 4 × 5′ = 35°40′, lon + 5 × 7′30″ = 139°37′30″; 5′ × 7′30″
#   3rd 22:   lat + 2 × 30″ = 35°41′, lon + 2 × 45″ = 139°39′; 30″ × 45″
#   1/2 1:    the south-west quarter: 15″ × 22.5″; 4 is the north-east quarter
#   1/4 4:    the north-east quarter of that: 7.5″ × 11.25″
#   1/8 3:    the north-west quarter of that: 3.75″ × 5.625″
HAND: list[tuple[str, str, tuple[float, float, float, float]]] = [
    # code, level, (west, south, east, north) in degrees
    ("5339", "1", (139.0, 35 + 20 / 60, 140.0, 36.0)),
    ("533945", "2", (139 + 37.5 / 60, 35 + 40 / 60, 139 + 45 / 60, 35 + 45 / 60)),
    ("53394522", "3", (139 + 39 / 60, 35 + 41 / 60, 139 + 39.75 / 60, 35 + 41.5 / 60)),
    ("533945221", "1/2", (139 + 39 / 60, 35 + 41 / 60, 139 + 39 / 60 + 22.5 * DEG_S,
                          35 + 41 / 60 + 15 * DEG_S)),
    ("533945224", "1/2", (139 + 39 / 60 + 22.5 * DEG_S, 35 + 41 / 60 + 15 * DEG_S,
                          139 + 39.75 / 60, 35 + 41.5 / 60)),
    ("5339452214", "1/4", (139 + 39 / 60 + 11.25 * DEG_S, 35 + 41 / 60 + 7.5 * DEG_S,
                           139 + 39 / 60 + 22.5 * DEG_S, 35 + 41 / 60 + 15 * DEG_S)),
    ("53394522143", "1/8", (139 + 39 / 60 + 11.25 * DEG_S, 35 + 41 / 60 + 11.25 * DEG_S,
                            139 + 39 / 60 + 16.875 * DEG_S, 35 + 41 / 60 + 15 * DEG_S)),
]  # fmt: skip


@pytest.mark.parametrize(("code", "level", "bounds"), HAND, ids=[h[0] for h in HAND])
def test_hand_checked_corners(code: str, level: str, bounds: tuple[float, ...]) -> None:
    cell = parse(code)
    assert cell.level == level and cell.code == code
    assert cell.bounds == pytest.approx(bounds, abs=1e-12)
    poly = mesh_polygon(code)
    assert poly.bounds == pytest.approx(bounds, abs=1e-12)
    assert poly.exterior.is_ccw and len(poly.exterior.coords) == 5
    assert mesh.mesh_bounds(code) == cell.bounds


@pytest.mark.parametrize(
    ("lon", "lat", "level", "code"),
    [
        # 東京駅 (35.681236 N, 139.767125 E), the textbook example: 5339-46-11
        (139.767125, 35.681236, "3", "53394611"),
        (139.767125, 35.681236, "1", "5339"),
        (139.767125, 35.681236, "2", "533946"),
        # 新潟駅 (37.912 N, 139.061 E), by hand: lat × 1.5 = 56.868 → 56, lon → 39;
        # 37.912 − 37°20′ = 34.72′ → r 6 (30′), rest 4.72′ = 283.2″ → t 9 (270″), rest 13.2″ < 15″;
        # 139.061 − 139 = 3.66′ → s 0, 219.6″ → u 4 (180″), rest 39.6″ ≥ 22.5″: south-east, 2
        (139.061, 37.912, "1/2", "563960942"),
        (139.061, 37.912, 4, "563960942"),
        (139.061, 37.912, "500m", "563960942"),
    ],
)
def test_point_to_code(lon: float, lat: float, level: int | str, code: str) -> None:
    assert mesh_code(lon, lat, level) == code
    assert mesh_polygon(code).covers(Point(lon, lat))


@pytest.mark.parametrize(
    ("code", "height_m", "width_m"),
    [
        # near 35.69° N one second of latitude is 30.83 m and one of longitude 25.14 m
        ("53394522", 924.9, 1131.4),  # the "1 km" mesh
        ("533945221", 462.4, 565.8),  # 500 m
        ("5339452214", 231.2, 282.9),  # 250 m
        ("53394522143", 115.6, 141.4),  # 125 m
        ("533945", 9249.0, 11318.0),  # 10 km
    ],
)
def test_sizes_in_metres(code: str, height_m: float, width_m: float) -> None:
    w, s, e, n = parse(code).bounds
    mid = (s + n) / 2
    _, _, height = GEOD.inv(w, s, w, n)
    _, _, width = GEOD.inv(w, mid, e, mid)
    assert height == pytest.approx(height_m, rel=2e-3)
    assert width == pytest.approx(width_m, rel=2e-3)


def test_neighbours_share_edges_exactly() -> None:
    assert parse("53394522").east == parse("53394523").west
    assert parse("53394522").north == parse("53394532").south
    assert parse("53394529").east == parse("53394620").west  # across a 2nd-mesh edge
    assert parse("53397592").north == parse("54390502").south  # across a 1st-mesh edge
    assert parse("533945221").east == parse("533945222").west
    assert parse("533945221").north == parse("533945223").south


def test_children_tile_their_parent() -> None:
    parent = mesh_polygon("53394522")
    quarters = [mesh_polygon(f"53394522{q}") for q in "1234"]
    assert sum(q.area for q in quarters) == pytest.approx(parent.area, rel=1e-12)
    for q in "1234":
        assert parent.covers(mesh_polygon(f"53394522{q}"))
        assert mesh.parent(f"53394522{q}1", 3) == "53394522"
        assert mesh.parent(f"53394522{q}1", "1/2") == f"53394522{q}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("5339-45-22", "53394522"), ("５３３９４５２２", "53394522"), (53394522, "53394522"),
     (" 5339 45 22 ", "53394522"), (533945221.0, "533945221")],
)  # fmt: skip
def test_codes_are_read_as_people_write_them(given: object, expected: str) -> None:
    assert parse(given).code == expected


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("", "empty"),
        ("12345", "has 5 digits"),
        ("5339452", "5倍地域メッシュ"),
        ("533945221234", "has 12 digits"),
        ("53a9", "other than digits"),
        ("1234", "not in Japan's grid"),
        ("5399", "not in Japan's grid"),
        ("533985", "digits 5–6 (85) name a 2nd mesh, each 0–7"),
        ("533989", "digits 5–6 (89)"),
        ("533945220", "digit 9 (0)"),
        ("533945225", "1 (south-west), 2 (south-east), 3 (north-west) or 4 (north-east)"),
        ("5339452215", "digit 10 (5) names a 1/4 mesh"),
        ("53394522110", "digit 11 (0) names a 1/8 mesh"),
        (True, "not a mesh code"),
        (5339.5, "not a mesh code"),
    ],
)
def test_bad_codes_say_what_is_wrong(code: object, words: str) -> None:
    with pytest.raises(MeshCodeError, match=".*" + words.replace("(", r"\(").replace(")", r"\)")):
        parse(code)
    assert not mesh.is_valid(code)


def test_bad_levels_and_points() -> None:
    with pytest.raises(MeshCodeError, match="unknown mesh level"):
        mesh_code(139.7, 35.7, 7)
    with pytest.raises(MeshCodeError, match="outside Japan's mesh grid"):
        mesh_code(2.35, 48.86, 3)  # Paris
    with pytest.raises(MeshCodeError, match="finite"):
        mesh_code(float("nan"), 35.7, 3)
    with pytest.raises(MeshCodeError, match="finer"):
        mesh.parent("53394522", "1/2")
    assert mesh.level_name("4次メッシュ") == "1/2" and mesh.level_name("250m") == "1/4"


# -- properties --------------------------------------------------------------------------------

LEVELS = st.sampled_from(mesh.LEVELS)
JAPAN_LON = st.floats(122.0, 153.999, allow_nan=False)
JAPAN_LAT = st.floats(20.0, 45.99, allow_nan=False)


@st.composite
def codes(draw: st.DrawFn) -> str:
    level = draw(LEVELS)
    text = f"{draw(st.integers(30, 68)):02d}{draw(st.integers(22, 53)):02d}"
    if mesh.DIGITS[level] >= 6:
        text += "".join(str(draw(st.integers(0, 7))) for _ in range(2))
    if mesh.DIGITS[level] >= 8:
        text += "".join(str(draw(st.integers(0, 9))) for _ in range(2))
    text += "".join(str(draw(st.integers(1, 4))) for _ in range(mesh.DIGITS[level] - len(text)))
    return text


@settings(max_examples=300, deadline=None)
@given(lon=JAPAN_LON, lat=JAPAN_LAT, level=LEVELS)
def test_point_to_code_to_polygon_holds_the_point(lon: float, lat: float, level: str) -> None:
    code = mesh_code(lon, lat, level)
    assert len(code) == mesh.DIGITS[level]
    cell = parse(code)
    assert cell.level == level
    assert cell.polygon.covers(Point(lon, lat))
    # every coarser code is a prefix of the finer one
    for coarser in mesh.LEVELS[: mesh.LEVELS.index(level)]:
        assert code.startswith(mesh_code(lon, lat, coarser))


@settings(max_examples=300, deadline=None)
@given(code=codes())
def test_code_to_polygon_to_code(code: str) -> None:
    cell = parse(code)
    assert mesh_code(*cell.center, cell.level) == code
    assert mesh_code(cell.west, cell.south, cell.level) == code  # the corner belongs to the cell
    w, s, e, n = cell.bounds
    assert w < e and s < n


@settings(max_examples=50, deadline=None)
@given(
    points=st.lists(st.tuples(JAPAN_LON, JAPAN_LAT), min_size=1, max_size=30), level=LEVELS
)
def test_vectorised_equals_one_by_one(points: list[tuple[float, float]], level: str) -> None:
    lon, lat = np.array(points).T
    assert list(mesh_codes(lon, lat, level)) == [mesh_code(x, y, level) for x, y in points]
