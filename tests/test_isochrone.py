"""Isochrones: a river with one far bridge, cut edges measured by extent, real Ube data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from test_demand import _FROM, _TO, EPSG, OX, OY, plane_net
from test_shortest import UBE_SHELTERS

from geo.analysis.isochrone import edge_substrings, isochrone, place_isochrone, reached_intervals
from geo.io.osm import EdgeList
from geo.model import Place
from geo.walk.network import WalkNetwork, build_from_lines
from geo.walk.shortest import multi_source
from geo.walk.snap import snap_points


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _FROM.transform(x + OX, y + OY)
    return float(lon), float(lat)


def local(geom: shapely.Geometry) -> shapely.Geometry:
    """Plane geometry shifted back to the test's local metres."""
    return shapely.transform(geom, lambda xy: xy - [OX, OY])


def river() -> tuple[WalkNetwork, list[int], list[int]]:
    """Two 5 × 5 street grids (100 m blocks) across a 100 m river (y 400–500); the only
    bridge is 1.6 km east, so bank to bank is a 3.7 km walk."""
    xy: list[tuple[float, float]] = []
    edges: list[tuple[int, int]] = []

    def grid(y0: float) -> list[int]:
        base = len(xy)
        xy.extend((i * 100.0, y0 + j * 100.0) for j in range(5) for i in range(5))
        for j in range(5):
            for i in range(5):
                k = base + j * 5 + i
                if i < 4:
                    edges.append((k, k + 1))
                if j < 4:
                    edges.append((k, k + 5))
        return list(range(base, len(xy)))

    south, north = grid(0.0), grid(500.0)
    e_south, e_north = len(xy), len(xy) + 1
    xy += [(2000.0, 400.0), (2000.0, 500.0)]
    edges += [(south[24], e_south), (e_south, e_north), (e_north, north[4])]  # the far bridge
    return plane_net(xy, edges), south, north


def test_river_banks_do_not_merge_short_of_the_bridge() -> None:
    net, south, north = river()
    origin = lonlat(200, 380)  # on the south bank, 20 m from the water's edge street
    iso = isochrone(net, *origin, minutes=10)  # 500 m; the bridge path is 3.7 km
    assert iso.distance_m == pytest.approx(500)
    poly = local(iso.polygon)
    far_bank = [(net.node_x[k] - OX, net.node_y[k] - OY) for k in north]
    assert not any(poly.intersects(shapely.Point(p)) for p in far_bank)
    assert not poly.intersects(shapely.box(-50, 460, 450, 950))  # the far bank and beyond
    assert not poly.contains(shapely.Point(200, 450))  # the water itself
    assert poly.contains(shapely.Point(200, 380))
    # a budget past the bridge path does reach the other bank, through the bridge only
    long = local(isochrone(net, *origin, minutes=80).polygon)  # 4 km
    assert long.contains(shapely.Point(200, 700))
    assert not long.contains(shapely.Point(1000, 450))  # no street crosses the water there


def test_partly_reached_edge_is_cut_at_the_right_length() -> None:
    net = plane_net([(0, 0), (1000, 0)], [(0, 1)])
    iso = isochrone(net, *lonlat(0, 0), minutes=6, buffer_m=25)  # 300 m
    minx, miny, maxx, maxy = local(iso.streets).bounds
    assert (minx, maxx) == (pytest.approx(0, abs=1e-3), pytest.approx(300, abs=1e-3))
    minx, miny, maxx, maxy = local(iso.polygon).bounds
    assert minx == pytest.approx(-25, abs=1e-3) and maxx == pytest.approx(325, abs=1e-3)
    assert (miny, maxy) == (pytest.approx(-25, abs=1e-3), pytest.approx(25, abs=1e-3))
    assert iso.reached_length_m == pytest.approx(300, abs=1e-3)


def bent_edge() -> WalkNetwork:
    """One edge shaped (0,0) → (300,0) → (300,400), 700 m; and a stub at its far end."""
    pts = [lonlat(0, 0), lonlat(300, 0), lonlat(300, 400), lonlat(300, 500)]
    coords = np.array([pts[0], pts[1], pts[2], pts[2], pts[3]])
    return WalkNetwork.from_edge_list(
        EdgeList(
            node_id=np.array([1, 2, 3]),
            node_lon=np.array([pts[0][0], pts[2][0], pts[3][0]]),
            node_lat=np.array([pts[0][1], pts[2][1], pts[3][1]]),
            edge_u=np.array([0, 1]),
            edge_v=np.array([1, 2]),
            coord_offsets=np.array([0, 3, 5]),
            coords=coords,
            length_m=np.array([700.0, 100.0]),
            way_id=np.array([-1, -1]),
            highway=np.array(["residential", "footway"], dtype=object),
            name=np.array(["", ""], dtype=object),
        ),
        EPSG,
    )


def test_cut_on_a_bent_edge_follows_its_shape_and_is_no_hull() -> None:
    net = bent_edge()
    iso = isochrone(net, *lonlat(0, 0), minutes=10, buffer_m=25)  # 500 m: 300 east, 200 north
    streets = local(iso.streets)
    assert shapely.get_coordinates(streets) == pytest.approx(
        np.array([[0, 0], [300, 0], [300, 200]]), abs=1e-3
    )
    minx, miny, maxx, maxy = local(iso.polygon).bounds
    assert maxx == pytest.approx(325, abs=1e-3) and maxy == pytest.approx(225, abs=1e-3)
    assert not local(iso.polygon).contains(shapely.Point(150, 150))  # a hull would hold it


def test_edge_reached_from_both_ends_keeps_its_unreached_middle() -> None:
    # origin O(500,-100) joined to both ends of a 1000 m street by 510 m paths: with 700 m,
    # 190 m of the street is reached from each end and its middle 620 m is not
    net = plane_net([(0, 0), (1000, 0), (500, -100)], [(0, 1), (2, 0), (2, 1)], [1000, 510, 510])
    dist = multi_source(net, [2], limit_m=700).dist_m
    edge, f0, f1 = reached_intervals(net, dist, 700.0)
    on_street = edge == 0
    assert sorted(zip(f0[on_street], f1[on_street], strict=True)) == [
        (0.0, pytest.approx(0.19)),
        (pytest.approx(0.81), 1.0),
    ]
    pieces = edge_substrings(net, edge, f0, f1)
    assert shapely.length(pieces[on_street]).sum() == pytest.approx(380, abs=1e-3)
    iso = isochrone(net, *lonlat(500, -100), minutes=14)  # 700 m
    assert not local(iso.polygon).contains(shapely.Point(500, 0))


def test_snap_distance_is_walked_and_far_origins_reach_nothing() -> None:
    net = plane_net([(0, 0), (1000, 0)], [(0, 1)])
    iso = isochrone(net, *lonlat(500, 40), minutes=2)  # 100 m: 40 to the street, 60 each way
    assert iso.snap_m == pytest.approx(40, rel=1e-3)
    minx, _, maxx, _ = local(iso.streets).bounds
    assert (minx, maxx) == (pytest.approx(440, abs=0.1), pytest.approx(560, abs=0.1))
    assert iso.reached_length_m == pytest.approx(120, abs=0.1)
    assert local(iso.polygon).contains(shapely.Point(500, 40))  # the walk to the street
    far = isochrone(net, *lonlat(500, 400), minutes=2)
    assert far.polygon.is_empty and far.reached_length_m == 0 and far.notes
    home = Place("h", "x", "gathering", "salon", "home", *lonlat(500, 0),
                 location_precision="town")  # fmt: skip
    assert any("町丁目" in n for n in place_isochrone(net, home, minutes=2).notes)


def test_ube_isochrone_holds_every_reached_node(real_data: Path) -> None:
    net = build_from_lines(real_data / "ube" / "walk_edges_osm.geojson", EPSG)
    _, _, wkb, _ = pyogrio.raw.read(str(UBE_SHELTERS))
    p = shapely.from_wkb(wkb)[0]
    iso = isochrone(net, shapely.get_x(p), shapely.get_y(p), minutes=10)
    assert iso.polygon.is_valid and iso.polygon.area > 0
    snap = snap_points(net, [shapely.get_x(p)], [shapely.get_y(p)])
    dist = multi_source(net, snap, limit_m=iso.distance_m).dist_m
    reached = np.flatnonzero(np.isfinite(dist))
    assert reached.size > 5
    nodes = shapely.points(net.node_x[reached], net.node_y[reached])
    assert (shapely.distance(iso.polygon, nodes) < 1e-6).all()
    # without filling block interiors the polygon is exactly the band around reached streets
    bare = isochrone(net, shapely.get_x(p), shapely.get_y(p), minutes=10, fill_holes_m2=0)
    origin = shapely.Point(*_TO.transform(shapely.get_x(p), shapely.get_y(p)))
    band = shapely.union(bare.streets, shapely.shortest_line(origin, bare.streets)).buffer(25.0)
    assert bare.polygon.difference(band).area < 1.0
    assert iso.polygon.area >= bare.polygon.area
    wgs = iso.polygon_wgs84
    assert 131 < wgs.centroid.x < 132 and 33 < wgs.centroid.y < 35
