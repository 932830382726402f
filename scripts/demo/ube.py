#!/usr/bin/env python
"""Build the 宇部市 (35202) demo pack in service/demo_data/35202/ from the shared real data.

    python -m scripts.demo.ube [--shared PATH] [--out DIR]

Real inputs (see ../shared/data/README.md):
  * ube/ube_walk.osm.pbf        - a real walking network of central 宇部市 (© OpenStreetMap
                                  contributors, ODbL 1.0); bundled as it is, and built into the
                                  store when the demo loads (untagged trunk roads kept)
  * ube/shelters_p20.geojson    - designated shelters (国土数値情報 P20, MLIT); the halls among
                                  them become venues
  * the bundled 宇部市 outline    - geo.japan.municipalities.outline (国土数値情報 N03, MLIT)

Outputs:
  * ube_walk.osm.pbf                  the network, copied byte for byte (real)
  * areas_center.geojson              level 1: 「宇部市中心部（デモ）」, the network's extent: its
                                      streets widened by 150 m, simplified and clipped to the
                                      city outline (stand-in)
  * areas_daily.geojson               level 2: 7 stand-in 日常生活圏域 tiling level 1 (Voronoi
                                      cells of a seeded k-means of the network's nodes), named
                                      after the ふれあいセンター (地区) inside them (stand-in)
  * halls.geojson                     the real halls inside level 1, as venues (real)
  * places.geojson                    60 stand-in gathering places on network nodes, with some
                                      neighbourhoods left without any on purpose (stand-in)
  * population_mesh_250m_demo.csv     older population per 1/4 (250 m) mesh in the e-Stat
                                      地域メッシュ統計 CSV layout, proportional to the street
                                      length in each cell, with seeded noise (stand-in)
  * credits.json

Everything that is a stand-in carries ``demo: true`` and "（デモ）" in its name; the population
file says so in its own ``DEMO`` column. Phone numbers are 0836-000-NNNN, never assigned.
The output is byte-identical on every run: fixed seeds, no timestamps, sorted rows,
coordinates rounded to 7 decimals. What both demo cities share is in scripts/demo/common.py and
scripts/demo/places.py; the e-Stat CSV layout in scripts/demo/estat_mesh.py.
"""

from __future__ import annotations

import math
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.japan import mesh
from geo.japan.municipalities import get_city, outline
from geo.walk.city_network import build_network
from geo.walk.network import WalkNetwork
from scripts.demo import places
from scripts.demo.common import (
    DECIMALS,
    DEMO_DATA,
    PhoneBook,
    Plane,
    Town,
    area_contacts,
    area_feature,
    as_multipolygon,
    hall_feature,
    is_hall,
    kmeans,
    load,
    run_builder,
    write_collection,
    write_json,
)
from scripts.demo.estat_mesh import GROUPS, MeshCell, merge_secret_cells, population_csv, row_values

DEFAULT_OUT = DEMO_DATA / "35202"

CITY_CODE = "35202"
CITY_NAME = "宇部市"
PLANE_EPSG = 6671  # JGD2011 plane rectangular CS III (山口県)
PLANE = Plane(PLANE_EPSG)
SEED = 35202
NETWORK_FILE = "ube_walk.osm.pbf"
POPULATION_FILE = "population_mesh_250m_demo.csv"
BUFFER_M = 150.0  # the network's extent: its streets widened by this much
SIMPLIFY_M = 10.0
HOLE_FILL_M2 = 100_000.0  # holes smaller than 0.1 km² (a park, a block of fields) are filled
CENTER_ID = "c01"  # the ids a city's own file would give; stored as 35202-L1-c01
CENTER_NAME = "宇部市中心部（デモ）"
N_DAILY = 7
N_NEIGHBOURHOODS = 40  # small clusters of street nodes; some are left without places
GAP_SHARE = 0.2  # share of neighbourhoods with no gathering place, on purpose
PLACE_SPACING_M = 250.0  # stand-in places keep at least this far apart where they can
INNER_M = 5.0  # places sit at least this far inside their daily area
CATEGORY_TOTALS = {  # one model house added separately: 60 places in all
    "salon": 26,
    "chanoma": 8,
    "community-cafe": 7,
    "dementia-cafe": 6,
    "kayoinoba": 12,
}
# Stand-in population: central 宇部市 holds roughly 115,000 of the city's ~160,000 people
# (2020 census: 162,570; 65+ 33.5 %, 75+ about 18 %). Only the order of magnitude is real.
TARGET_PEOPLE = 115_000
SHARE_65 = 0.335
SHARE_75_OF_65 = 0.54

CENTER_SOURCE = (
    "デモ用の仮データ: OpenStreetMap の歩行ネットワーク（© OpenStreetMap contributors, ODbL 1.0）"
    "を 150 m 広げ、国土数値情報（行政区域データ）の市域で切り取った範囲"
)
DAILY_SOURCE = (
    "デモ用の仮データ: 歩行ネットワーク（© OpenStreetMap contributors）の交差点を"
    "k-means で分けたボロノイ領域"
)
PLACE_SOURCE = "デモ用の仮データ: 歩行ネットワーク（© OpenStreetMap contributors）の交差点に配置"
HALL_SOURCE = "国土数値情報（避難施設データ）P20, 国土交通省"
POPULATION_NOTE = "デモ用の仮データ（実在の統計ではありません）"

TO_WGS, TO_PLANE = PLANE.wgs_xy, PLANE.plane_xy
to_plane, to_wgs = PLANE.to_plane, PLANE.to_wgs

# ---------------------------------------------------------------------------------------------
# the network and its extent (level 1)


def fill_small_holes(geom: BaseGeometry, min_area: float) -> MultiPolygon:
    polys = []
    for p in as_multipolygon(geom).geoms:
        keep = [r for r in p.interiors if Polygon(r).area >= min_area]
        polys.append(Polygon(p.exterior, keep))
    return MultiPolygon(polys)


def build_center(net: WalkNetwork) -> tuple[MultiPolygon, MultiPolygon]:
    """(plane, written WGS84) of the network's extent, clipped to the city outline."""
    widened = shapely.union_all(shapely.buffer(net.edge_lines, BUFFER_M, quad_segs=4))
    city = to_plane(outline(CITY_CODE))
    clipped = shapely.intersection(widened.simplify(SIMPLIFY_M), city)
    clipped = fill_small_holes(shapely.make_valid(clipped), HOLE_FILL_M2)
    wgs = as_multipolygon(to_wgs(clipped))
    # Work on with the geometry that is written, so everything nests in what is committed.
    return as_multipolygon(to_plane(wgs)), wgs



def center_features(wgs: MultiPolygon) -> list[dict[str, Any]]:
    return [
        area_feature(
            wgs, area_id=CENTER_ID, city=CITY_CODE, name=CENTER_NAME, level=1, parent=None,
            source=CENTER_SOURCE, demo=True,
        )
    ]


# ---------------------------------------------------------------------------------------------
# real shelters: the halls (venues) and the 地区 names of the ふれあいセンター


@dataclass
class Shelter:
    no: str
    name: str
    address: str
    lon: float
    lat: float
    x: float
    y: float


def load_shelters(shared: Path) -> list[Shelter]:
    out = []
    for f in load(shared / "ube" / "shelters_p20.geojson"):
        p = f["properties"]
        lon, lat = (round(float(v), DECIMALS) for v in f["geometry"]["coordinates"])
        x, y = TO_PLANE.transform(lon, lat)
        out.append(Shelter(str(p["NO"]), p["P20_002"], p["P20_003"], lon, lat, x, y))
    out.sort(key=lambda s: int(s.no))
    if len({s.no for s in out}) != len(out):
        raise RuntimeError("duplicate shelter numbers")
    return out


def hall_features(shelters: list[Shelter], center: BaseGeometry) -> list[dict[str, Any]]:
    return [
        hall_feature(Point(s.lon, s.lat), hall_id=f"P20-{s.no}", city=CITY_CODE, name=s.name,
                     address=s.address, source=HALL_SOURCE)
        for s in shelters
        if is_hall(s.name) and center.contains(Point(s.x, s.y))
    ]  # fmt: skip


def district_points(shelters: list[Shelter]) -> list[Town]:
    """The ふれあいセンター (one per 地区 of 宇部市) as named points.

    '琴芝ふれあいセンター' → 琴芝.
    """
    out = []
    for s in shelters:
        if s.name.endswith("ふれあいセンター"):
            base = s.name.removesuffix("ふれあいセンター")
            out.append(Town(base, CITY_CODE, CITY_NAME, s.lon, s.lat, s.x, s.y))
    return out


# ---------------------------------------------------------------------------------------------
# level 2: stand-in 日常生活圏域


@dataclass
class DailyArea:
    id: str
    name: str
    base: str
    plane: BaseGeometry
    nodes: np.ndarray  # indices of the network nodes inside
    district: Town  # the named point it is called after (its centre for contacts)
    wgs: MultiPolygon = field(default_factory=MultiPolygon)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    inner: BaseGeometry | None = None


def usable_nodes(net: WalkNetwork, center: BaseGeometry) -> np.ndarray:
    """Nodes of the largest connected piece lying inside the level-1 area, in node order."""
    inside = shapely.contains_xy(center, net.node_x, net.node_y)
    return np.flatnonzero(inside & net.in_largest())


def street_names_near(net: WalkNetwork, geom: BaseGeometry) -> list[str]:
    """Named streets inside ``geom``, longest first (for areas without a 地区 point)."""
    lines = net.edge_lines
    hit = net.edge_tree.query(geom, predicate="intersects")
    lengths: dict[str, float] = {}
    for i in sorted(hit.tolist()):
        name = str(net.edge_name[i])
        if name and "," not in name and not name.startswith("国道"):
            lengths[name] = lengths.get(name, 0.0) + float(lines[i].intersection(geom).length)
    return sorted(lengths, key=lambda n: (-round(lengths[n], 3), n))


def build_daily(
    net: WalkNetwork, center: MultiPolygon, nodes: np.ndarray, districts: list[Town]
) -> list[DailyArea]:
    pts = np.column_stack([net.node_x[nodes], net.node_y[nodes]])
    labels = kmeans(pts, N_DAILY, SEED)
    centres = np.array([pts[labels == j].mean(axis=0) for j in range(N_DAILY)])
    extent = center.envelope.buffer(10_000)
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(centres), extend_to=extent, ordered=True
    ).geoms
    clusters = []
    for j, cell in enumerate(cells):
        if not cell.covers(Point(*centres[j])):
            raise RuntimeError("Voronoi cells are not in point order")
        geom = shapely.intersection(cell, center)
        inside = nodes[shapely.contains_xy(geom, pts[:, 0], pts[:, 1])]
        clusters.append((float(centres[j][0]), float(centres[j][1]), geom, inside))
    clusters.sort(key=lambda c: (c[0], c[1]))  # west -> east
    areas: list[DailyArea] = []
    used: set[str] = set()
    for cx, cy, geom, inside in clusters:
        mine = [d for d in districts if geom.contains(Point(d.x, d.y)) and d.town not in used]
        mine.sort(key=lambda d: ((d.x - cx) ** 2 + (d.y - cy) ** 2, d.town))
        if mine:
            district = mine[0]
        else:  # no ふれあいセンター inside: the longest named street, at the area's centre
            street = next(n for n in street_names_near(net, geom) if n not in used)
            rx, ry = geom.representative_point().coords[0]
            lon, lat = TO_WGS.transform(rx, ry)
            district = Town(street, CITY_CODE, CITY_NAME, lon, lat, rx, ry)
        used.add(district.town)
        area_id = f"d{len(areas) + 1:02d}"
        name = f"{district.town}圏域（デモ）"
        areas.append(DailyArea(area_id, name, district.town, geom, inside, district))
    for a in areas:
        a.wgs = as_multipolygon(to_wgs(a.plane))
        a.plane = as_multipolygon(to_plane(a.wgs))
        a.inner = a.plane.buffer(-INNER_M)
        shapely.prepare(a.inner)
    _check_tiling(center, areas)
    return areas


def _check_tiling(center: BaseGeometry, areas: list[DailyArea]) -> None:
    union = shapely.union_all([a.plane for a in areas])
    if abs(union.area - center.area) > 1e-4 * center.area:
        raise RuntimeError("daily areas do not cover the centre area")
    if abs(sum(a.plane.area for a in areas) - union.area) > 10.0:
        raise RuntimeError("daily areas overlap")
    if any(len(a.nodes) < 50 for a in areas):
        raise RuntimeError("a daily area holds almost no streets")


def add_contacts(areas: list[DailyArea], phones: PhoneBook) -> None:
    for i, a in enumerate(areas):
        address = f"{CITY_NAME}{a.base}地区（デモ）"
        council = (f"{CITY_NAME}社会福祉協議会 {a.base}地区担当（デモ）", f"{CITY_NAME}（デモ）")
        a.contacts = area_contacts(i, a.base, address, council, phones, number_every_fax=False)


def daily_features(areas: list[DailyArea]) -> list[dict[str, Any]]:
    return [
        area_feature(
            a.wgs, area_id=a.id, city=CITY_CODE, name=a.name, level=2, parent=CENTER_ID,
            source=DAILY_SOURCE, demo=True, contacts=a.contacts,
        )
        for a in areas
    ]


# ---------------------------------------------------------------------------------------------
# stand-in gathering places, on network nodes, with gaps left on purpose


@dataclass
class Spot:
    node: int
    lon: float
    lat: float
    x: float
    y: float


def node_spot(net: WalkNetwork, i: int) -> Spot:
    lon, lat = round(float(net.node_lon[i]), DECIMALS), round(float(net.node_lat[i]), DECIMALS)
    x, y = TO_PLANE.transform(lon, lat)
    return Spot(int(i), lon, lat, x, y)


def gap_nodes(net: WalkNetwork, nodes: np.ndarray, areas: list[DailyArea]) -> set[int]:
    """Nodes of the neighbourhoods deliberately left without a gathering place."""
    pts = np.column_stack([net.node_x[nodes], net.node_y[nodes]])
    sample = pts[::4]  # k-means on every 4th node, then every node to its nearest centre
    sample_labels = kmeans(sample, N_NEIGHBOURHOODS, SEED + 1, restarts=2)
    centres = np.array([sample[sample_labels == j].mean(axis=0) for j in range(N_NEIGHBOURHOODS)])
    labels = ((pts[:, None, :] - centres[None]) ** 2).sum(-1).argmin(axis=1)
    rng = random.Random(SEED + 1)
    order = list(range(N_NEIGHBOURHOODS))
    rng.shuffle(order)
    gaps: set[int] = set()
    left = round(GAP_SHARE * N_NEIGHBOURHOODS)
    for j in order:
        if left == 0:
            break
        members = set(nodes[labels == j].tolist())
        # every daily area keeps at least half of its nodes available for places
        if all(len(set(a.nodes.tolist()) - gaps - members) >= 0.5 * len(a.nodes) for a in areas):
            gaps |= members
            left -= 1
    return gaps


def nearest_district(districts: list[Town], x: float, y: float) -> Town:
    return min(districts, key=lambda d: ((d.x - x) ** 2 + (d.y - y) ** 2, d.town))


def nearest_street(net: WalkNetwork, x: float, y: float) -> str | None:
    """The name of a named street within 80 m, if any (for the stand-in address)."""
    p = Point(x, y)
    hit = net.edge_tree.query(p, predicate="dwithin", distance=80.0)
    best = None
    for i in sorted(hit.tolist()):
        name = str(net.edge_name[i])
        if not name or "," in name:
            continue
        d = float(net.edge_lines[i].distance(p))
        if best is None or (d, name) < best:
            best = (d, name)
    return best[1] if best else None


class SpotPicker:
    """Free nodes per area (inside it, outside the gaps), picked at least PLACE_SPACING_M from
    the places already placed where that can be (else the farthest of 60 tries)."""

    def __init__(
        self, net: WalkNetwork, areas: list[DailyArea], gaps: set[int], rng: random.Random
    ) -> None:
        self.net, self.rng = net, rng
        self.taken: list[Spot] = []
        self.free: dict[str, list[int]] = {}
        for a in areas:
            assert a.inner is not None
            ok = shapely.contains_xy(a.inner, net.node_x[a.nodes], net.node_y[a.nodes])
            self.free[a.id] = [
                int(i) for i, good in zip(a.nodes, ok, strict=True) if good and i not in gaps
            ]

    def nearest(self, a: DailyArea, x: float, y: float) -> Spot:
        """The free node of ``a`` nearest to (x, y), taken."""
        net = self.net
        best = min(
            self.free[a.id], key=lambda i: (net.node_x[i] - x) ** 2 + (net.node_y[i] - y) ** 2
        )
        spot = node_spot(net, best)
        self.taken.append(spot)
        return spot

    def pick(self, a: DailyArea) -> Spot:
        best: tuple[float, Spot] | None = None
        for _ in range(60):
            spot = node_spot(self.net, self.rng.choice(self.free[a.id]))
            gap = min((math.hypot(spot.x - s.x, spot.y - s.y) for s in self.taken), default=1e9)
            if best is None or gap > best[0]:
                best = (gap, spot)
            if gap >= PLACE_SPACING_M:
                break
        assert best is not None and best[0] > 0.0
        self.taken.append(best[1])
        return best[1]


def build_places(
    net: WalkNetwork,
    areas: list[DailyArea],
    nodes: np.ndarray,
    districts: list[Town],
    phones: PhoneBook,
) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    gaps = gap_nodes(net, nodes, areas)
    plan = places.place_plan(areas, {a.id: len(a.nodes) for a in areas}, CATEGORY_TOTALS, 3, rng)
    picker = SpotPicker(net, areas, gaps, rng)

    used_names: set[str] = set()
    records: list[tuple[DailyArea, str, Spot, Town, dict[str, Any]]] = []
    # The model house: at the node nearest the 地区 point of the area with most streets.
    house_area = max(areas, key=lambda a: (len(a.nodes), a.id))
    home = house_area.district
    spot = picker.nearest(house_area, home.x, home.y)
    name = f"地域包括ケア推進モデルハウス{home.town}（デモ）"
    used_names.add(name)
    organiser = f"{home.town}地区モデルハウス運営委員会（デモ）"
    records.append((house_area, "model-house", spot, home,
                    places.model_house_details(name, organiser, rng)))  # fmt: skip
    for a, category in plan:
        spot = picker.pick(a)
        district = nearest_district(districts, spot.x, spot.y)
        name, kana, organiser = places.identity(category, district, a.base, rng, used_names)
        records.append(
            (a, category, spot, district, places.details(category, name, kana, organiser, rng))
        )

    cat_order = places.category_order(CATEGORY_TOTALS)
    records.sort(key=lambda r: (r[0].id, cat_order[r[1]], r[4]["name"]))
    out = []
    for n, (_, category, spot, district, d) in enumerate(records, start=1):
        street = nearest_street(net, spot.x, spot.y)
        where = f"{CITY_NAME}{district.town}地区" + (f" {street}付近" if street else "")
        at = places.Where(spot.lon, spot.lat, f"{where}（デモ）", "exact")
        out.append(places.place_feature(n, CITY_CODE, category, d, at, phones, rng, PLACE_SOURCE))
    return out


# ---------------------------------------------------------------------------------------------
# stand-in older population: an e-Stat 地域メッシュ統計 CSV of 1/4 (250 m) meshes


# the share of men in each age group (Japan, 2020, roughly)
MALE_SHARE = {
    "0-14": 0.51, "15-19": 0.51, "20-64": 0.50, "65-74": 0.48, "75-84": 0.43,
    "85-94": 0.33, "95+": 0.18,
}  # fmt: skip




def mesh_cells(net: WalkNetwork, center: BaseGeometry) -> list[MeshCell]:
    """Every 1/4 mesh holding street inside the centre area, with that street's length (m)."""
    streets = shapely.intersection(net.edge_lines, center)
    streets = streets[~shapely.is_empty(streets)]
    dense = shapely.segmentize(streets, 20.0)
    xy = shapely.get_coordinates(dense)
    lon, lat = TO_WGS.transform(xy[:, 0], xy[:, 1])
    codes = sorted(set(mesh.mesh_codes(lon, lat, "1/4").tolist()))
    tree = shapely.STRtree(streets)
    out = []
    for code in codes:
        cell = to_plane(mesh.mesh_polygon(code))
        hit = tree.query(cell, predicate="intersects")
        length = float(shapely.length(shapely.intersection(streets[hit], cell)).sum())
        if length >= 1.0:
            out.append(MeshCell(code, length))
    return out


def _split(n: int, male_share: float, rng: np.random.Generator) -> tuple[int, int]:
    men = int(rng.binomial(n, male_share)) if n else 0
    return men, n - men


def fill_population(cells: list[MeshCell]) -> None:
    rng = np.random.default_rng(SEED)
    street = np.array([c.street_m for c in cells])
    weight = street * rng.lognormal(0.0, 0.35, len(cells))
    totals = np.floor(weight / weight.sum() * TARGET_PEOPLE + 0.5).astype(int)
    for c, t in zip(cells, totals.tolist(), strict=True):
        s65 = float(np.clip(rng.normal(SHARE_65, 0.06), 0.12, 0.65))
        s75 = s65 * float(np.clip(rng.normal(SHARE_75_OF_65, 0.05), 0.35, 0.7))
        a65 = round(t * s65)
        a75 = min(a65, round(t * s75))
        a85 = round(a75 * float(rng.uniform(0.24, 0.34)))
        a95 = round(a85 * float(rng.uniform(0.02, 0.07)))
        young = t - a65
        c0_14 = round(young * float(rng.uniform(0.13, 0.2)))
        c15_19 = round((young - c0_14) * float(rng.uniform(0.06, 0.09)))
        counts = {
            "0-14": c0_14, "15-19": c15_19, "20-64": young - c0_14 - c15_19,
            "65-74": a65 - a75, "75-84": a75 - a85, "85-94": a85 - a95, "95+": a95,
        }  # fmt: skip
        c.groups = {g: _split(counts[g], MALE_SHARE[g], rng) for g in GROUPS}
        c.foreign = _split(int(rng.binomial(t, 0.011)) if t else 0, 0.45, rng)
        h = max(1, round(t / float(rng.uniform(2.05, 2.4)))) if t else 0
        general = h - (1 if h > 20 and rng.random() < 0.3 else 0)
        one = round(general * float(rng.uniform(0.3, 0.42)))
        two = round(general * float(rng.uniform(0.26, 0.33)))
        c.households = (h, general, one, two)


def build_population(net: WalkNetwork, center: BaseGeometry) -> tuple[bytes, dict[str, int]]:
    cells = mesh_cells(net, center)
    fill_population(cells)
    merge_secret_cells(cells)
    for c in cells:
        v = row_values(c)
        if not (v[15] <= v[0] and v[18] <= v[15]):
            raise RuntimeError(f"inconsistent stand-in counts in {c.code}")
    open_cells = [c for c in cells if not c.secret]
    return population_csv(cells, POPULATION_NOTE), {
        "cells": len(cells),
        "secret": len(cells) - len(open_cells),
        "people": sum(c.total for c in open_cells),
        "age65": sum(row_values(c)[15] for c in open_cells),
        "age75": sum(row_values(c)[18] for c in open_cells),
    }


# ---------------------------------------------------------------------------------------------
# credits


def credits(population: dict[str, int]) -> dict[str, Any]:
    return {
        "city": CITY_CODE,
        "name": CITY_NAME,
        "demo_notice_ja": (
            "デモ用の仮データを含みます（中心部と日常生活圏域の範囲・集いの場・連絡先・"
            "高齢者人口は架空です）"
        ),
        "demo_notice_en": (
            "Contains stand-in demo data: the central area and daily-living areas, the "
            "gathering places, contacts and older population are fictitious. The walking "
            "network and the halls are real."
        ),
        "credits": [
            {
                "data": "歩行ネットワーク (ube_walk.osm.pbf; 中心部の範囲と集いの場の位置の元)",
                "source": "OpenStreetMap (osmnx で抽出した宇部市中心部の歩行ネットワーク)",
                "licence": "© OpenStreetMap contributors, ODbL 1.0",
                "url": "https://www.openstreetmap.org/copyright",
            },
            {
                "data": "公民館・ふれあいセンター・会館等 (halls.geojson; 圏域の名前の元)",
                "source": "「国土数値情報（避難施設データ）」(国土交通省) P20 を加工して作成",
                "licence": "国土数値情報 利用約款（出典を明記） — credit MLIT",
                "url": "https://nlftp.mlit.go.jp/ksj/",
            },
            {
                "data": "市域 (中心部の範囲の切り取り)",
                "source": (
                    "「国土数値情報（行政区域データ）」(国土交通省) N03 を加工して作成"
                ),
                "licence": "国土数値情報 利用約款（出典を明記） — credit MLIT",
                "url": "https://nlftp.mlit.go.jp/ksj/",
            },
            {
                "data": f"高齢者人口 ({POPULATION_FILE})",
                "source": (
                    "デモ用の仮データ: e-Stat 地域メッシュ統計（1/4 メッシュ）の CSV 形式で、"
                    "各メッシュ内の道路延長に比例させ乱数を加えた架空の人口"
                    f"（計 {population['people']:,} 人、65 歳以上 {population['age65']:,} 人、"
                    f"75 歳以上 {population['age75']:,} 人）。実在の統計ではありません"
                ),
                "licence": "—",
                "url": None,
            },
        ],
        "demo_files": [
            "areas_center.geojson", "areas_daily.geojson", "places.geojson", POPULATION_FILE,
        ],
        "real_files": ["halls.geojson", NETWORK_FILE],
        "network": {"file": NETWORK_FILE, "untagged_trunk": True},
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------


def build(shared: Path, out: Path) -> dict[str, int]:
    if get_city(CITY_CODE).crs_epsg != PLANE_EPSG:
        raise RuntimeError("宇部市's plane-rectangular zone is not EPSG:6671")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shared / "ube" / NETWORK_FILE, out / NETWORK_FILE)
    net = build_network(out / NETWORK_FILE, CITY_CODE, PLANE_EPSG, untagged_trunk=True).network
    center, center_wgs = build_center(net)
    shapely.prepare(center)
    shelters = load_shelters(shared)
    districts = district_points(shelters)
    nodes = usable_nodes(net, center)
    areas = build_daily(net, center, nodes, districts)
    add_contacts(areas, PhoneBook(101, area="0836"))

    center_feats = center_features(center_wgs)
    daily_feats = daily_features(areas)
    hall_feats = hall_features(shelters, center)
    place_feats = build_places(net, areas, nodes, districts, PhoneBook(1001, area="0836"))
    population, counts = build_population(net, center)

    write_collection(out / "areas_center.geojson", center_feats)
    write_collection(out / "areas_daily.geojson", daily_feats)
    write_collection(out / "halls.geojson", hall_feats)
    write_collection(out / "places.geojson", place_feats)
    (out / POPULATION_FILE).write_bytes(population)
    write_json(out / "credits.json", credits(counts))
    return {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "center": len(center_feats),
        "daily": len(daily_feats),
        "halls": len(hall_feats),
        "places": len(place_feats),
        "mesh_cells": counts["cells"],
        "secret_cells": counts["secret"],
        "people": counts["people"],
        "age65": counts["age65"],
        "age75": counts["age75"],
    }


def main(argv: list[str] | None = None) -> int:
    return run_builder(argv, __doc__, "ube", DEFAULT_OUT, build)


if __name__ == "__main__":
    raise SystemExit(main())
