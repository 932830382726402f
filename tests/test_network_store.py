"""`tsudoi network build`: Ube's real streets from OSM and from road lines, into both stores.

The CLI runs as users run it (a subprocess); the stored blob must give back exactly the arrays a
direct build gives, load fast, and carry meta that describes it (counts, length, fragments).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from geo.errors import InputError, UsageError
from geo.io.osm import WalkRules
from geo.store import open_store
from geo.store.base import Store
from geo.walk.city_network import build_network, load_network, save_network
from geo.walk.network import WalkNetwork, build_from_lines, build_from_osm

REPO = Path(__file__).resolve().parents[1]
UBE_PBF = REPO / "service" / "demo_data" / "35202" / "ube_walk.osm.pbf"
UBE, UBE_EPSG = "35202", 6671
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store URL the CLI is given: a fresh .gpkg path, or the emptied PostGIS database."""
    if request.param == "gpkg":
        yield str(tmp_path / "ube.gpkg")
    else:
        request.getfixturevalue("postgis_store")  # empties the tables
        yield request.getfixturevalue("postgis_url")


@pytest.fixture(scope="session")
def ube_lines(real_data: Path) -> Path:
    """Ube's real road lines (GeoJSON, each street in both directions, as osmnx exports it)."""
    return real_data / "ube" / "walk_edges_osm.geojson"


@pytest.fixture(scope="module")
def direct(ube_lines: Path) -> dict[str, WalkNetwork]:
    """The same builds made in-process, to compare the stored blobs with."""
    return {
        "osm": build_from_osm(UBE_PBF, UBE_EPSG),
        "lines": build_from_lines(ube_lines, UBE_EPSG),
        "osm-trunk": build_from_osm(UBE_PBF, UBE_EPSG, rules=WalkRules(untagged_trunk=True)),
    }


def assert_same(a: WalkNetwork, b: WalkNetwork) -> None:
    assert a.epsg == b.epsg
    for name in WalkNetwork._ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.adjacency != b.adjacency).nnz == 0
    np.testing.assert_array_equal(a.adjacency.indptr, b.adjacency.indptr)


@pytest.mark.parametrize(
    ("key", "kind", "flags"),
    [
        ("osm", "osm.pbf", []),
        ("lines", "geojson", []),
        ("osm-trunk", "osm.pbf", ["--untagged-trunk"]),
    ],
    ids=["osm.pbf", "geojson", "osm.pbf+trunk"],
)
def test_cli_builds_ube_into_the_store(
    tsudoi: Run, db: str, tmp_path: Path, direct: dict[str, WalkNetwork], ube_lines: Path,
    key: str, kind: str, flags: list[str],
) -> None:
    file = UBE_PBF if kind == "osm.pbf" else ube_lines
    started = time.perf_counter()
    done = tsudoi("network", "build", "--city", UBE, file, *flags, "--db", db, cwd=tmp_path)
    wall = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    net = direct[key]
    out = done.stdout
    km = net.total_length_m / 1000
    assert f"{net.n_nodes:,} nodes, {net.n_edges:,} edges, {km:,.1f} km" in out
    frag = net.fragments()
    assert f"fragments: {frag}" in out
    assert "smaller fragments (nodes each): " + ", ".join(f"{n:,}" for n in frag.sizes[1:4]) in out
    shown_load = re.search(r"loads in (\d+) ms", out)
    assert shown_load is not None

    store = open_store(db)
    try:
        t0 = time.perf_counter()
        found = load_network(store, UBE)
        load_s = time.perf_counter() - t0
        assert found is not None
        loaded, meta = found
        assert_same(loaded, net)
        blob = store.network(UBE)
        assert blob is not None and len(blob[0]) == meta["blob_bytes"]
        assert [c.code for c in store.cities()] == [UBE]
    finally:
        store.close()
    assert meta["source"] == file.name and meta["epsg"] == UBE_EPSG
    assert meta["source_kind"] == ("lines" if key == "lines" else "osm")
    assert meta["rules"] == {"untagged_trunk": key == "osm-trunk"}
    assert (meta["nodes"], meta["edges"]) == (net.n_nodes, net.n_edges)
    assert meta["total_length_m"] == pytest.approx(net.total_length_m, abs=0.05)
    assert meta["fragments"]["count"] == frag.count
    assert meta["fragments"]["sizes"] == list(frag.sizes[:20])
    assert meta["built_at"].endswith("Z") and meta["build_seconds"] > 0
    print(
        f"\nUbe {file.name}{' ' + ' '.join(flags) if flags else ''} → {db.split('/')[-1]}: "
        f"CLI {wall:.1f} s (build {meta['build_seconds']:.2f} s), blob "
        f"{meta['blob_bytes'] / 1e6:.2f} MB, load from store {load_s * 1000:.0f} ms "
        f"(CLI said {shown_load.group(1)} ms)"
    )
    assert load_s < 0.5


def test_a_rebuild_replaces_the_network(
    tsudoi: Run, db: str, tmp_path: Path, ube_lines: Path
) -> None:
    assert tsudoi("network", "build", "--city", UBE, UBE_PBF, "--db", db,
                  cwd=tmp_path).returncode == 0
    assert tsudoi("network", "build", "--city", UBE, ube_lines, "--db", db,
                  cwd=tmp_path).returncode == 0
    store = open_store(db)
    try:
        found = store.network(UBE)
        assert found is not None and found[1]["source"] == ube_lines.name
        assert store.network_meta(UBE) == found[1]
        assert store.network("15100") is None and store.network_meta("15100") is None
    finally:
        store.close()


def motorway_only(path: Path) -> Path:
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='test'>\n"
        "<node id='1' version='1' lat='33.95' lon='131.25'/>\n"
        "<node id='2' version='1' lat='33.95' lon='131.26'/>\n"
        "<node id='3' version='1' lat='33.96' lon='131.26'/>\n"
        "<way id='10' version='1'><nd ref='1'/><nd ref='2'/>"
        "<tag k='highway' v='motorway'/></way>\n"
        "<way id='11' version='1'><nd ref='2'/><nd ref='3'/>"
        "<tag k='highway' v='footway'/><tag k='foot' v='no'/></way>\n"
        "</osm>\n",
        encoding="utf-8",
    )
    return path


def test_motorway_only_osm_is_refused_clearly(tsudoi: Run, db: str, tmp_path: Path) -> None:
    done = tsudoi("network", "build", "--city", UBE, motorway_only(tmp_path / "m.osm"),
                  "--db", db, cwd=tmp_path)
    assert done.returncode == 1
    assert "m.osm: no walkable ways" in done.stderr
    assert "motorway" in done.stderr  # the hint says what is left out
    store = open_store(db)
    try:
        assert store.network(UBE) is None and store.cities() == []
    finally:
        store.close()


def test_refusals_and_usage_errors(tsudoi: Run, tmp_path: Path) -> None:
    db = tmp_path / "t.gpkg"
    wrong_city = tsudoi("network", "build", "--city", "15100", UBE_PBF, "--db", db,
                        cwd=tmp_path)
    assert wrong_city.returncode == 1 and "lies outside the city" in wrong_city.stderr
    missing = tsudoi("network", "build", "--city", UBE, tmp_path / "none.osm.pbf", "--db", db,
                     cwd=tmp_path)
    assert missing.returncode == 1 and "file not found" in missing.stderr
    (tmp_path / "roads.txt").write_text("x", encoding="utf-8")
    unknown = tsudoi("network", "build", "--city", UBE, tmp_path / "roads.txt", "--db", db,
                     cwd=tmp_path)
    assert unknown.returncode == 1 and "unknown line file type" in unknown.stderr
    (tmp_path / "broken.osm.pbf").write_bytes(b"not a pbf at all")
    broken = tsudoi("network", "build", "--city", UBE, tmp_path / "broken.osm.pbf", "--db", db,
                    cwd=tmp_path)
    assert broken.returncode == 1 and "not a readable OpenStreetMap file" in broken.stderr
    layer = tsudoi("network", "build", "--city", UBE, UBE_PBF, "--layer", "x", "--db", db,
                   cwd=tmp_path)
    assert layer.returncode == 2 and "--layer" in layer.stderr
    city = tsudoi("network", "build", "--city", "99999", UBE_PBF, "--db", db, cwd=tmp_path)
    assert city.returncode == 2


def test_gpkg_line_file_needs_a_layer_when_it_has_several(tmp_path: Path, ube_lines: Path) -> None:
    import pyogrio

    frame = pyogrio.read_dataframe(ube_lines, max_features=400)
    gpkg = tmp_path / "roads.gpkg"
    pyogrio.write_dataframe(frame, gpkg, layer="roads")
    pyogrio.write_dataframe(frame.iloc[:10], gpkg, layer="rivers")
    with pytest.raises(InputError, match="has 2 layers"):
        build_network(gpkg, UBE, UBE_EPSG)
    built = build_network(gpkg, UBE, UBE_EPSG, layer="roads")
    assert built.network.n_edges > 0 and built.meta["layer"] == "roads"
    with pytest.raises(UsageError, match="--untagged-trunk"):
        build_network(gpkg, UBE, UBE_EPSG, layer="roads", untagged_trunk=True)


def test_store_keeps_blob_and_meta_as_given(store: Store) -> None:
    blob = bytes(range(256)) * 1000
    meta = {"source": "宇部市の道.geojson", "nodes": 3, "fragments": {"sizes": [2, 1]}}
    store.put_network(UBE, blob, meta)
    assert store.network(UBE) == (blob, meta)
    store.put_network(UBE, b"second", {"nodes": 0})
    assert store.network(UBE) == (b"second", {"nodes": 0})
    assert store.network("15100") is None


def test_save_and_load_in_process(store: Store, direct: dict[str, WalkNetwork]) -> None:
    built = build_network(UBE_PBF, UBE, UBE_EPSG)
    assert any("--untagged-trunk" in n for n in built.notes)
    blob = save_network(store, UBE, built)
    found = load_network(store, UBE)
    assert found is not None
    assert_same(found[0], direct["osm"])
    assert found[1]["sha256"] == built.meta["sha256"] and len(blob) == found[1]["blob_bytes"]
    assert load_network(store, "15100") is None
