"""Building walk networks: OSM filtering and splitting, line files, CSR, fragments, blobs."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import osmium
import pyogrio.raw
import pytest
import shapely
from pyproj import Geod, Transformer

from geo.io.osm import WalkRules, is_walkable, rich_progress
from geo.walk.network import WalkNetwork, build_from_lines, build_from_osm

REPO = Path(__file__).resolve().parents[1]
UBE_PBF = REPO / "service" / "demo_data" / "35202" / "ube_walk.osm.pbf"
KOTKA_PBF = REPO / "tests" / "data" / "source" / "osm" / "kotka_test.osm.pbf"
UBE_EPSG = 6671  # JGD2011 / Japan Plane Rectangular CS III (Yamaguchi)
KOTKA_EPSG = 3067  # ETRS89 / TM35FIN
GEOD = Geod(ellps="WGS84")


def geodesic(coords: Sequence[Sequence[float]]) -> float:
    lons, lats = zip(*coords, strict=True)
    return float(GEOD.line_length(lons, lats))


# -- walkability rules ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "residential"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link", "foot": "yes"}, False),
        ({"highway": "path", "foot": "no"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"highway": "service", "access": "private", "foot": "yes"}, True),
        ({"highway": "service", "access": "no", "foot": "permissive"}, True),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "trunk"}, False),
        ({"highway": "trunk", "sidewalk": "both"}, True),
        ({"highway": "trunk_link", "sidewalk:left": "yes"}, True),
        ({"highway": "trunk", "sidewalk": "no"}, False),
        ({"highway": "trunk", "foot": "designated"}, True),
        ({"highway": "cycleway"}, True),
        ({"highway": "cycleway", "foot": "no"}, False),
        ({"highway": "construction"}, False),
        ({"highway": "path,residential"}, True),  # merged ways in some exports
        ({"highway": "primary;motorway"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_is_walkable(tags: dict[str, str], walkable: bool) -> None:
    assert is_walkable(tags) is walkable


def test_untagged_trunk_rule() -> None:
    assert is_walkable({"highway": "trunk"}, WalkRules(untagged_trunk=True))
    assert not is_walkable({"highway": "trunk", "foot": "no"}, WalkRules(untagged_trunk=True))


# -- a tiny OSM file -----------------------------------------------------------------------------
NODES = {
    1: (131.2500, 33.9500), 2: (131.2510, 33.9500), 3: (131.2520, 33.9500),
    4: (131.2530, 33.9500), 5: (131.2520, 33.9510), 6: (131.2520, 33.9520),
    7: (131.2540, 33.9500), 8: (131.2510, 33.9490), 9: (131.2525, 33.9510),
    10: (131.2525, 33.9515), 11: (131.2500, 33.9510), 12: (131.2500, 33.9490),
    13: (131.2510, 33.9530), 14: (131.2530, 33.9530), 15: (131.2540, 33.9490),
    16: (131.2540, 33.9510), 18: (131.2520, 33.9530), 19: (131.2520, 33.9550),
    20: (131.2520, 33.9560),
}  # fmt: skip
WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (100, [1, 2, 3, 4], {"highway": "residential", "name": "本町通り"}),
    (101, [3, 5, 6], {"highway": "footway"}),
    (102, [4, 7], {"highway": "motorway"}),
    (103, [2, 8], {"highway": "path", "foot": "no"}),
    (104, [5, 9, 10, 5], {"highway": "footway", "area": "yes"}),
    (105, [1, 11], {"highway": "service", "access": "private"}),
    (106, [1, 12], {"highway": "service", "access": "private", "foot": "yes"}),
    (107, [6, 13], {"highway": "trunk"}),
    (108, [6, 14], {"highway": "trunk", "sidewalk": "both"}),
    (109, [4, 15], {"highway": "cycleway"}),
    (110, [6, 18, 99, 19, 20], {"highway": "footway"}),  # node 99 is missing from the file
    (111, [4, 16], {"highway": "cycleway", "foot": "no"}),
    (112, [13, 14], {"building": "yes"}),
]


def write_osm(path: Path) -> Path:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='test'>"]
    for nid, (lon, lat) in NODES.items():
        lines.append(f"<node id='{nid}' version='1' lat='{lat}' lon='{lon}'/>")
    for wid, refs, tags in WAYS:
        lines.append(f"<way id='{wid}' version='1'>")
        lines += [f"<nd ref='{r}'/>" for r in refs]
        lines += [f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_osm_filter_and_split(tmp_path: Path) -> None:
    net = build_from_osm(write_osm(tmp_path / "tiny.osm"), UBE_EPSG)
    ids = net.node_id
    edges = {
        (int(w), int(ids[u]), int(ids[v])): i
        for i, (w, u, v) in enumerate(zip(net.edge_way_id, net.edge_u, net.edge_v, strict=True))
    }
    assert set(edges) == {
        (100, 1, 3),  # node 2 is only shared with the foot=no path: no split there
        (100, 3, 4),  # split where the footway joins
        (101, 3, 6),  # node 5 is only shared with an area=yes polygon
        (106, 1, 12),  # private service road with foot=yes
        (108, 6, 14),  # trunk with a sidewalk
        (109, 4, 15),  # cycleway, foot not forbidden
        (110, 6, 18),  # a way broken by a missing node becomes two pieces
        (110, 19, 20),
    }
    assert sorted(int(i) for i in ids) == [1, 3, 4, 6, 12, 14, 15, 18, 19, 20]
    for (way, a, b), i in edges.items():
        refs = next(r for w, r, _ in WAYS if w == way)
        shape = refs[refs.index(a) : refs.index(b) + 1]
        assert net.edge_length_m[i] == pytest.approx(geodesic([NODES[r] for r in shape]), rel=1e-9)
        np.testing.assert_allclose(net.edge_shape_lonlat(i), [NODES[r] for r in shape])
    assert net.edge_name[edges[(100, 1, 3)]] == "本町通り"
    assert net.edge_highway[edges[(108, 6, 14)]] == "trunk"
    # residential edge 1-3 runs along the parallel ≈ 0.002° of longitude
    assert 150 < net.edge_length_m[edges[(100, 1, 3)]] < 200
    report = net.fragments()
    assert report.count == 2 and report.sizes == (8, 2)  # 19-20 is cut off by the gap


def test_osm_untagged_trunk_rule(tmp_path: Path) -> None:
    net = build_from_osm(write_osm(tmp_path / "tiny.osm"), UBE_EPSG, rules=WalkRules(True))
    assert 107 in set(net.edge_way_id.tolist())


def test_osm_progress_callback(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int | None]] = []
    build_from_osm(write_osm(tmp_path / "tiny.osm"), UBE_EPSG, progress=lambda *a: calls.append(a))
    assert calls and calls[-1][1] == calls[-1][2]
    with rich_progress() as report:  # the CLI's bars; must accept the same calls
        net = build_from_osm(tmp_path / "tiny.osm", UBE_EPSG, progress=report)
    assert net.n_edges == 8


def test_kotka_pbf() -> None:
    path = KOTKA_PBF
    net = build_from_osm(path, KOTKA_EPSG)
    assert net.n_edges > 100
    highways = set(net.edge_highway.tolist())
    assert not highways & {"motorway", "motorway_link", "construction"}
    assert "cycleway" in highways and "footway" in highways
    # independent read of the file: which ways should be there, and how long each one is
    ways: dict[int, tuple[dict[str, str], float]] = {}
    for w in osmium.FileProcessor(str(path)).with_locations():
        if isinstance(w, osmium.osm.Way) and "highway" in w.tags:
            # the extract cuts some ways: only runs of nodes with a location count
            pts = [(n.lon, n.lat) if n.location.valid() else None for n in w.nodes]
            length = sum(
                geodesic([p, q]) for p, q in zip(pts[:-1], pts[1:], strict=True) if p and q
            )
            ways[w.id] = (dict(w.tags), length)
    kept = set(net.edge_way_id.tolist())
    for wid, (tags, length) in ways.items():
        forbidden = tags.get("foot") == "no" or tags["highway"].startswith("motorway")
        if forbidden or tags.get("area") == "yes":
            assert wid not in kept
        if tags["highway"] == "footway" and not forbidden and tags.get("area") != "yes":
            assert (wid in kept) == (length > 0)  # a way with < 2 located nodes is no line
    # splitting loses no length: edges of a way add up to the way
    per_way: dict[int, float] = defaultdict(float)
    for wid, length in zip(net.edge_way_id.tolist(), net.edge_length_m.tolist(), strict=True):
        per_way[wid] += length
    for wid, total in per_way.items():
        assert total == pytest.approx(ways[wid][1], rel=1e-9, abs=1e-6)
    report = net.fragments()
    assert report.count >= 1 and sum(report.sizes) == net.n_nodes
    assert 0 < report.largest_share <= 1


# -- line files ------------------------------------------------------------------------------
def write_geojson(path: Path, features: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def line(coords: list[list[float]], **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def test_lines_join_dedupe_and_multiparts(tmp_path: Path) -> None:
    a, b, c, d = [131.25, 33.95], [131.251, 33.95], [131.251, 33.951], [131.252, 33.951]
    b_near = [131.251 + 3e-7, 33.95]  # ~3 cm east of b: joins by tolerance, not by rounding
    e, f = [131.26, 33.96], [131.261, 33.96]
    feats: list[dict[str, object]] = [
        line([a, b], u=1, v=2, osmid="10", highway="residential", name="x", length=9999.0),
        line([b, a], u=2, v=1, osmid="10", highway="residential", name="x", length=9999.0),
        line([b_near, c], u=2, v=3, osmid="[11, 12]", highway="footway"),
        {
            "type": "Feature",
            "properties": {"u": 3, "v": 4, "osmid": "13", "highway": "path"},
            "geometry": {"type": "MultiLineString", "coordinates": [[c, d], [e, f]]},
        },
        line([a, [131.2505, 33.9505], b], u=1, v=2, osmid="14", highway="service"),  # parallel
    ]
    net = build_from_lines(write_geojson(tmp_path / "l.geojson", feats), UBE_EPSG)
    assert net.n_edges == 5  # reverse duplicate dropped, multipart split in two
    assert net.n_nodes == 6  # a, b(+b_near), c, d, e, f
    assert net.fragments().sizes == (4, 2)
    ab = geodesic([a, b])
    i_ab = int(np.flatnonzero(net.edge_way_id == 10)[0])
    assert net.edge_length_m[i_ab] == pytest.approx(ab, rel=1e-9)  # the length column is ignored
    assert set(net.edge_way_id.tolist()) == {10, 11, 13, 14}
    ia, ib = net.edge_u[i_ab], net.edge_v[i_ab]
    assert net.adjacency[ia, ib] == pytest.approx(ab)  # the straight edge, not the detour
    assert net.adjacency[ib, ia] == pytest.approx(ab)
    assert sorted(net.node_id[[ia, ib]].tolist()) == [1, 2]


def test_lines_reprojected_gpkg(tmp_path: Path) -> None:
    lonlat = np.array([[131.25, 33.95], [131.251, 33.9505], [131.252, 33.951]])
    x, y = Transformer.from_crs(4326, UBE_EPSG, always_xy=True).transform(
        lonlat[:, 0], lonlat[:, 1]
    )
    geoms = shapely.to_wkb(np.array([shapely.linestrings(np.column_stack([x, y]))]))
    path = tmp_path / "roads.gpkg"
    pyogrio.raw.write(
        str(path), geoms, [np.array(["residential"], dtype=object)], ["highway"],
        driver="GPKG", geometry_type="LineString", crs=f"EPSG:{UBE_EPSG}",
    )  # fmt: skip
    net = build_from_lines(path, UBE_EPSG)
    np.testing.assert_allclose(net.edge_lonlat, lonlat, atol=1e-8)
    assert net.edge_length_m[0] == pytest.approx(geodesic(lonlat.tolist()), rel=1e-7)
    assert net.edge_highway.tolist() == ["residential"]


# -- arrays, CSR, blobs ----------------------------------------------------------------------
def test_csr_parallel_min_and_loops() -> None:
    lon = [131.25, 131.251, 131.252]
    lat = [33.95, 33.95, 33.95]
    net = WalkNetwork.from_arrays(
        lon, lat, [0, 1, 0, 1, 2], [1, 0, 1, 1, 1], UBE_EPSG, length_m=[50.0, 30.0, 40.0, 5.0, 0.0]
    )
    dense = net.adjacency.toarray()
    assert dense[0, 1] == dense[1, 0] == 30.0
    assert net.adjacency[1, 1] == 0 and net.adjacency.nnz == 4  # loop left out, zero kept
    assert (net.adjacency != net.adjacency.T).nnz == 0
    assert net.fragments().count == 1


def test_blob_roundtrip(tmp_path: Path) -> None:
    net = build_from_osm(write_osm(tmp_path / "tiny.osm"), UBE_EPSG)
    back = WalkNetwork.from_bytes(net.to_bytes())
    for name in WalkNetwork._ARRAYS:
        np.testing.assert_array_equal(getattr(back, name), getattr(net, name))
    assert back.epsg == net.epsg
    assert (back.adjacency != net.adjacency).nnz == 0


# -- the real Ube network ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def ube_lines(real_data: Path) -> WalkNetwork:
    return build_from_lines(real_data / "ube" / "walk_edges_osm.geojson", UBE_EPSG)


@pytest.fixture(scope="module")
def ube_osm_trunk() -> WalkNetwork:
    return build_from_osm(UBE_PBF, UBE_EPSG, rules=WalkRules(untagged_trunk=True))


def test_ube_osm_matches_lines(ube_lines: WalkNetwork, ube_osm_trunk: WalkNetwork) -> None:
    lines, osm = ube_lines, ube_osm_trunk
    assert osm.total_length_m == pytest.approx(lines.total_length_m, rel=0.02)
    big_lines = int(np.sum(lines.in_largest()))
    big_osm = int(np.sum(osm.in_largest()))
    assert big_osm == pytest.approx(big_lines, rel=0.02)
    assert lines.fragments().largest_share > 0.95
    assert osm.fragments().largest_share > 0.95
    # OSM node ids survive in both builds
    assert np.intersect1d(lines.node_id, osm.node_id).size > 0.95 * osm.n_nodes


def test_ube_default_rules_drop_untagged_trunk(ube_osm_trunk: WalkNetwork) -> None:
    strict = build_from_osm(UBE_PBF, UBE_EPSG)
    hw = strict.edge_highway
    assert not np.isin(hw, ["trunk", "trunk_link"]).any()
    trunk = np.isin(ube_osm_trunk.edge_highway, ["trunk", "trunk_link"])
    assert trunk.any()
    dropped = ube_osm_trunk.total_length_m - strict.total_length_m
    assert dropped == pytest.approx(ube_osm_trunk.edge_length_m[trunk].sum(), rel=1e-9)


def test_ube_blob_loads_fast(ube_lines: WalkNetwork) -> None:
    blob = ube_lines.to_bytes()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        back = WalkNetwork.from_bytes(blob)
        times.append(time.perf_counter() - t0)
    print(f"\nUbe blob: {len(blob) / 1e6:.2f} MB, load {min(times) * 1000:.1f} ms")
    assert back.n_edges == ube_lines.n_edges
    assert min(times) < 0.5
