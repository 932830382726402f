"""The prepared model kept with the network (geo.analysis.prepared): the same answers as a model
built from the cells and places, on both stores, with networkx as the oracle; kept current as
cells and places change; and the per-cell area membership equal to the point-by-point rule."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyogrio.raw
import pytest
import shapely
from test_shortest import UBE_SHELTERS, nx_split_graph

from geo.analysis.coverage import CoverageModel, _unique_rows
from geo.analysis.demand import Demand
from geo.analysis.prepare import build_model
from geo.analysis.prepared import keep_prepared, stored_prepared
from geo.borders import assign_in_plane, assign_in_plane_grouped
from geo.japan.municipalities import get_city
from geo.model import Area, Place, PopulationCell
from geo.store.base import AreaChanges, PlaceChanges, Store
from geo.walk.city_network import BuiltNetwork, network_meta, save_network
from geo.walk.network import FORMAT_VERSION, WalkNetwork, build_from_lines
from geo.walk.snap import Snap
from layers.categories import DEFAULT_CATEGORIES

CITY = "35202"
EPSG = 6671
CATEGORIES = ("salon", "community-cafe", "kayoinoba")
INF = float("inf")


@pytest.fixture(scope="module")
def ube(real_data: Path) -> WalkNetwork:
    return build_from_lines(real_data / "ube" / "walk_edges_osm.geojson", EPSG)


def city_data(net: WalkNetwork) -> tuple[list[Place], list[PopulationCell], list[Area]]:
    """Ube's shelters as places, 12 × 12 random mesh-like cells over the built-up middle, and
    two wards whose border cuts cells in two (one leaves a strip to the nearest-area rule)."""
    _, _, wkb, _ = pyogrio.raw.read(str(UBE_SHELTERS))
    pts = shapely.from_wkb(wkb)[:16]
    places = [
        Place(f"{CITY}-s{i}", CITY, "venue" if i >= 12 else "gathering",
              "hall" if i >= 12 else CATEGORIES[i % 3], f"shelter {i}",
              float(shapely.get_x(p)), float(shapely.get_y(p)))
        for i, p in enumerate(pts)
    ]  # fmt: skip
    lon0, lat0 = float(np.median(net.node_lon)), float(np.median(net.node_lat))
    rng = np.random.default_rng(7)
    cells = []
    for i in range(12):
        for j in range(12):
            x, y = lon0 - 0.033 + j * 0.005625, lat0 - 0.025 + i * 0.004167
            t = float(rng.integers(0, 300))
            box = shapely.box(x, y, x + 0.005625, y + 0.004167)
            cells.append(PopulationCell(f"{CITY}-mesh-{i:02d}{j:02d}", CITY, "mesh", f"{i}{j}",
                                        t, 0.35 * t, 0.18 * t, box))  # fmt: skip
    mid = lon0 + 0.0013  # through cells, not along their sides
    areas = [
        Area(f"{CITY}-w", CITY, 1, "west", shapely.MultiPolygon([shapely.box(120, 20, mid, 50)])),
        Area(f"{CITY}-e", CITY, 1, "east",
             shapely.MultiPolygon([shapely.box(mid + 0.001, 20, 150, 50)])),  # a 90 m strip
        Area(f"{CITY}-n", CITY, 2, "north", shapely.MultiPolygon([shapely.box(120, lat0, 150, 50)]),
             f"{CITY}-w"),
    ]  # fmt: skip
    return places, cells, areas


def fill(store: Store, net: WalkNetwork) -> tuple[list[Place], list[PopulationCell]]:
    places, cells, areas = city_data(net)
    store.put_city(get_city(CITY))
    store.apply_places(PlaceChanges(upsert=places, categories=list(DEFAULT_CATEGORIES)))
    store.put_population(cells)
    store.apply_areas(AreaChanges(upsert=areas))
    meta = network_meta(net, city=CITY, source="walk_edges_osm.geojson", source_kind="lines")
    save_network(store, CITY, BuiltNetwork(network=net, meta=meta, notes=[]))  # network alone
    return places, cells


def answers(model: CoverageModel) -> list[dict[str, Any]]:
    out = []
    for query in ({}, {"minutes": 16, "age": 75}, {"categories": ["salon"]}):
        out.append(model.coverage(**query).as_dict())
        out.append(model.gaps(min_uncovered_share=0.0, **query).as_dict())
    return out


def assert_same_demand(a: Demand, b: Demand) -> None:
    for f in fields(Demand):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "snap":
            assert_same_snap(x, y)
        else:
            np.testing.assert_array_equal(x, y, err_msg=f.name)


def assert_same_snap(a: Snap, b: Snap) -> None:
    for f in fields(Snap):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def test_prepared_model_answers_as_one_built_from_cells(store: Store, ube: WalkNetwork) -> None:
    fill(store, ube)
    found = store.network(CITY)
    assert found is not None and stored_prepared(store, CITY, found[0]) == (None, None)
    fresh = build_model(store, CITY)  # spreads the cells and snaps the places now
    assert fresh.net is not None and fresh.net._tree is not None

    assert keep_prepared(store, CITY)
    meta = store.network_meta(CITY)
    assert meta is not None and meta["format_version"] == FORMAT_VERSION
    assert meta["prepared"]["demand_points"] == len(fresh.demand)
    assert meta["prepared"]["places_snapped"] == 16
    assert not keep_prepared(store, CITY)  # nothing changed: the blob is not written again
    found = store.network(CITY)
    assert found is not None and len(found[0]) == meta["blob_bytes"]
    demand, snaps = stored_prepared(store, CITY, found[0])
    assert demand is not None and snaps is not None

    prepared = build_model(store, CITY)
    assert prepared.net is not None and prepared.net._tree is None  # no STRtree was built
    assert_same_demand(prepared.demand, fresh.demand)
    assert fresh.place_snap is not None and prepared.place_snap is not None
    assert_same_snap(prepared.place_snap, fresh.place_snap)
    assert answers(prepared) == answers(fresh)
    np.testing.assert_array_equal(prepared._combo_of, fresh._combo_of)
    np.testing.assert_array_equal(prepared.cell_area, fresh.cell_area)

    # the independent oracle: networkx on the network cut at every place and demand point
    assert prepared.demand.snap is not None
    rng = np.random.default_rng(3)
    sample = rng.choice(len(prepared.demand), 120, replace=False)
    gathering = np.flatnonzero(prepared.places.kind == "gathering")
    g = nx_split_graph(ube, prepared.place_snap.take(gathering), prepared.demand.snap.take(sample))
    want = nx.multi_source_dijkstra_path_length(g, {("s", j) for j in range(gathering.size)})
    expect = np.array([want.get(("q", j), INF) for j in range(sample.size)])
    near = prepared.nearest()  # searched to the model's radius: farther is beyond reach
    assert near.limit_m is not None and (expect <= near.limit_m).sum() > 60
    expect[expect > near.limit_m] = INF
    np.testing.assert_allclose(near.dist_m[sample], expect, rtol=1e-9)


def test_changed_cells_and_places_are_prepared_again(store: Store, ube: WalkNetwork) -> None:
    places, cells = fill(store, ube)
    assert keep_prepared(store, CITY)

    # a cell's count changes: the kept demand no longer answers, the model spreads the cells
    store.put_population([replace(cells[40], total=999.0, age65=500.0, age75=200.0)])
    found = store.network(CITY)
    assert found is not None
    demand, snaps = stored_prepared(store, CITY, found[0])
    assert demand is None and snaps is not None
    changed = build_model(store, CITY)
    assert changed.demand.cell_age65[changed.demand.cell_id.tolist().index(cells[40].id)] == 500
    assert keep_prepared(store, CITY)  # what a population import now does
    again = build_model(store, CITY)
    assert_same_demand(again.demand, changed.demand)
    assert answers(again) == answers(changed)

    # a place moves 300 m east and one is added: they alone are snapped now
    moved = replace(places[0], lon=places[0].lon + 0.0033)
    added = replace(places[1], id=f"{CITY}-new", lat=places[1].lat + 0.002)
    store.apply_places(PlaceChanges(upsert=[moved, added]))
    partly = build_model(store, CITY)
    assert partly.net is not None and partly.net._tree is not None
    found = store.network(CITY)
    assert found is not None
    demand, _ = stored_prepared(store, CITY, found[0])
    assert demand is not None
    unaided = CoverageModel(WalkNetwork.from_bytes(found[0]), partly.places, demand,
                            store.areas(CITY))  # fmt: skip
    assert unaided.place_snap is not None and partly.place_snap is not None
    assert_same_snap(partly.place_snap, unaided.place_snap)
    assert answers(partly) == answers(unaided)
    assert keep_prepared(store, CITY)  # what a places import now does
    meta = store.network_meta(CITY)
    assert meta is not None and meta["prepared"]["places_snapped"] == 17
    assert build_model(store, CITY).net._tree is None  # type: ignore[union-attr]


def test_blobs_with_and_without_prepared_arrays_load_the_same_network(ube: WalkNetwork) -> None:
    plain = ube.to_bytes()
    extra = {"demand.x": np.arange(5.0), "demand.cell_id": np.array(["a", "bb"])}
    rich = ube.to_bytes(extra)
    assert WalkNetwork.extra_from_bytes(plain) == {}
    got = WalkNetwork.extra_from_bytes(rich)
    assert got.keys() == extra.keys()
    for k, v in extra.items():
        np.testing.assert_array_equal(got[k], v)
    a, b = WalkNetwork.from_bytes(plain), WalkNetwork.from_bytes(rich)
    for name in WalkNetwork._ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.adjacency != b.adjacency).nnz == 0 and a.epsg == b.epsg


@pytest.mark.parametrize("seed", range(6))
def test_grouped_membership_is_the_point_by_point_rule(seed: int) -> None:
    """Random cells of points, areas on two levels that overlap, leave gaps (the nearest-area
    rule) and cut through cells: the same (area, point) pairs as assigning each point."""
    rng = np.random.default_rng(seed)
    n_groups = 300
    centre = rng.uniform(0, 5000, (n_groups, 2))
    size = rng.integers(1, 30, n_groups)
    group = np.repeat(np.arange(n_groups), size)
    spread = rng.choice([0.0, 20.0, 150.0], n_groups)[group]
    x = centre[group, 0] + rng.uniform(-1, 1, group.size) * spread
    y = centre[group, 1] + rng.uniform(-1, 1, group.size) * spread
    order = rng.permutation(group.size)  # groups need not be contiguous
    x, y, group = x[order], y[order], group[order]
    geoms, levels = [], []
    for level, n in ((1, 3), (2, 8)):
        for _ in range(n):
            x0, y0 = rng.uniform(-500, 4000, 2)
            w, h = rng.uniform(300, 3000, 2)
            hole = shapely.Point(x0 + w / 2, y0 + h / 2).buffer(min(w, h) / 5)
            geoms.append(shapely.box(x0, y0, x0 + w, y0 + h).difference(hole))
            levels.append(level)
    geom_arr = np.array(geoms, dtype=object)
    want_a, want_p = assign_in_plane(geom_arr, levels, x, y)
    got_a, got_p = assign_in_plane_grouped(geom_arr, levels, x, y, group)
    assert sorted(zip(got_a.tolist(), got_p.tolist(), strict=True)) == sorted(
        zip(want_a.tolist(), want_p.tolist(), strict=True)
    )
    assert want_a.size > 0


def test_unique_rows_is_numpys() -> None:
    rng = np.random.default_rng(1)
    table = rng.integers(-1, 7, (5000, 3))
    combos, inverse = _unique_rows(table, 7)
    want, want_inv = np.unique(table, axis=0, return_inverse=True)
    np.testing.assert_array_equal(combos, want)
    np.testing.assert_array_equal(inverse, want_inv.reshape(-1))
