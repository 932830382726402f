"""The GeoPackage store's places R-tree (gpkg_rtree_index): made and kept the GeoPackage way, so
GDAL reads it and keeps it correct, and every write of ours keeps it matching the rows."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from geo.errors import StaleWrite
from geo.history import Change
from geo.model import Place
from geo.store import gpkg_rtree
from geo.store.base import PlaceChanges, PlaceQuery
from geo.store.gpkg import GpkgStore
from geo.store.gpkg_geometry import register_functions
from geo.store.gpkg_schema import SCHEMA_VERSION

NIIGATA = "15100"


def _place(i: int, lon: float, lat: float) -> Place:
    return Place(
        id=f"{NIIGATA}-salon-{i:04}", city=NIIGATA, kind="gathering", category="salon",
        name=f"サロン{i}", lon=lon, lat=lat, source="test.csv",
    )


def _places(n: int, seed: int = 7) -> list[Place]:
    rng = random.Random(seed)
    return [_place(i, 138.9 + rng.random() * 0.3, 37.8 + rng.random() * 0.15) for i in range(n)]


def _index(path: Path) -> dict[int, tuple[float, float, float, float]]:
    db = sqlite3.connect(path)
    try:
        return {r[0]: r[1:] for r in db.execute("SELECT * FROM rtree_places_geom")}
    finally:
        db.close()


def _fids(path: Path) -> dict[str, tuple[int, float, float]]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT id, fid, lon, lat FROM places")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}
    finally:
        db.close()


def _assert_index_matches_rows(path: Path) -> None:
    """One index entry per row, its box holding the row's point (float32, rounded outward)."""
    index = _index(path)
    rows = _fids(path)
    assert sorted(index) == sorted(fid for fid, _, _ in rows.values())
    for fid, lon, lat in rows.values():
        minx, maxx, miny, maxy = index[fid]
        assert minx <= lon <= maxx and miny <= lat <= maxy
        assert maxx - minx < 1e-4 and maxy - miny < 1e-4  # a point: a float32 step wide


def test_a_new_store_declares_the_rtree_extension_and_its_triggers(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    GpkgStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT * FROM gpkg_extensions").fetchall() == [
        ("places", "geom", "gpkg_rtree_index", gpkg_rtree.DEFINITION, "write-only")
    ]
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert triggers == set(gpkg_rtree.trigger_names("places", "geom"))
    db.close()


def test_gdal_reads_the_index_and_answers_boxes_as_the_store_does(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    store.apply_places(PlaceChanges(upsert=_places(300)))
    box = (139.0, 37.85, 139.05, 37.9)
    ours = [p.id for p in store.places(PlaceQuery(bbox=box))]
    store.close()
    info = pyogrio.read_info(path, layer="places")
    assert info["capabilities"]["fast_spatial_filter"]  # GDAL found a valid gpkg_rtree_index
    theirs = sorted(pyogrio.read_dataframe(path, layer="places", bbox=box)["id"])
    assert 0 < len(ours) < 300
    assert theirs == ours


def test_every_write_keeps_the_index_matching_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    given = _places(50)
    store.apply_places(PlaceChanges(upsert=given))
    _assert_index_matches_rows(path)
    moved = replace(given[0], lon=139.5, lat=37.5)  # far from the others
    store.apply_places(PlaceChanges(upsert=[moved], close=[given[1].id]))
    _assert_index_matches_rows(path)
    near_moved = PlaceQuery(bbox=(139.49, 37.49, 139.51, 37.51))
    assert [p.id for p in store.places(near_moved)] == [moved.id]
    assert store.nearby(139.5, 37.5, 1, PlaceQuery())[0][0].id == moved.id
    old = (given[0].lon - 1e-6, given[0].lat - 1e-6, given[0].lon + 1e-6, given[0].lat + 1e-6)
    assert store.places(PlaceQuery(bbox=old)) == []
    store.close()
    db = sqlite3.connect(path)  # a plain SQLite client deletes: the trigger needs no ST_ function
    db.execute("DELETE FROM places WHERE id = ?", (given[2].id,))
    db.commit()
    db.close()
    _assert_index_matches_rows(path)


def test_a_row_gdal_appends_is_indexed_and_found(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    store.apply_places(PlaceChanges(upsert=_places(20)))
    store.close()
    added = gpd.GeoDataFrame(
        {
            "id": ["15100-salon-gdal"], "city": [NIIGATA], "kind": ["gathering"],
            "category": ["salon"], "name": ["QGISで足したサロン"], "status": ["active"],
            "location_precision": ["exact"], "extra": ["{}"], "demo": [0],
            "updated_at": ["2026-01-01T00:00:00Z"], "content_hash": ["x"], "search": [""],
            "lon": [139.7], "lat": [37.6],
        },
        geometry=[Point(139.7, 37.6)],
        crs="EPSG:4326",
    )
    pyogrio.write_dataframe(added, path, layer="places", append=True)  # GDAL runs the triggers
    _assert_index_matches_rows(path)
    store = GpkgStore(path)
    found = store.places(PlaceQuery(bbox=(139.69, 37.59, 139.71, 37.61)))
    assert [p.id for p in found] == ["15100-salon-gdal"]
    assert store.nearby(139.7, 37.6, 1, PlaceQuery())[0][0].id == "15100-salon-gdal"
    store.close()


def test_a_store_of_schema_6_gets_its_index_in_step_7(tmp_path: Path) -> None:
    path = tmp_path / "old.gpkg"
    store = GpkgStore(path)
    given = _places(80)
    store.apply_places(PlaceChanges(upsert=given))
    before = [p.id for p in store.places(PlaceQuery(bbox=(139.0, 37.85, 139.1, 37.9)))]
    store.close()
    db = sqlite3.connect(path)  # as Tsudoi wrote it before the R-tree (schema 6)
    for name in gpkg_rtree.trigger_names("places", "geom"):
        db.execute(f"DROP TRIGGER {name}")
    db.executescript(
        "DROP TABLE rtree_places_geom; DROP TABLE gpkg_extensions;"
        " UPDATE tsudoi_meta SET value = '6' WHERE key = 'schema_version';"
    )
    db.commit()
    db.close()
    store = GpkgStore(path)
    assert [p.id for p in store.places(PlaceQuery(bbox=(139.0, 37.85, 139.1, 37.9)))] == before
    store.close()
    _assert_index_matches_rows(path)
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert db.execute("SELECT count(*) FROM gpkg_extensions").fetchone() == (1,)
    db.close()


@pytest.mark.parametrize("limit", [1, 10, 60, 500])
def test_nearby_on_rings_answers_as_a_full_scan(tmp_path: Path, limit: int) -> None:
    """Sparse and dense places, near and far points, limits beyond the places held."""
    store = GpkgStore(tmp_path / "t.gpkg")
    given = _places(400) + [_place(1000 + i, 141.0 + i * 0.2, 43.0) for i in range(5)]
    store.apply_places(PlaceChanges(upsert=given))
    query = PlaceQuery()
    for lon, lat in [(139.05, 37.9), (138.0, 36.0), (141.3, 43.0), (-70.0, -30.0)]:
        got = store.nearby(lon, lat, limit, query)
        every = store.places(query)
        measured = sorted(
            ((p.id, d) for p, d in store.nearby(lon, lat, len(every), query)),
            key=lambda pd: (pd[1], pd[0]),
        )
        assert [(p.id, d) for p, d in got] == measured[:limit]
        assert len(got) == min(limit, len(given))
    store.close()


def test_write_place_keeps_the_index_and_extent_matching_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    given = _places(30)
    store.apply_places(PlaceChanges(upsert=given))

    def change(place_id: str, action: str) -> Change:
        return Change("place", place_id, NIIGATA, "user:a@example.jp", "editor", action)  # type: ignore[arg-type]

    new = _place(900, 140.2, 38.3)  # beyond every other: the extent grows
    store.write_place(new, None, change(new.id, "create"))
    _assert_index_matches_rows(path)
    moved = replace(given[0], lon=138.5, lat=37.2)
    store.write_place(moved, given[0].content_hash(), change(moved.id, "update"))
    _assert_index_matches_rows(path)
    assert [p.id for p in store.places(PlaceQuery(bbox=(138.49, 37.19, 138.51, 37.21)))] == [
        moved.id
    ]
    assert store.nearby(140.2, 38.3, 1, PlaceQuery())[0][0].id == new.id
    store.close()
    db = sqlite3.connect(path)
    extent = db.execute(
        "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'places'"
    ).fetchone()
    db.close()
    assert extent == (138.5, 37.2, 140.2, 38.3)
    assert pyogrio.read_info(path, layer="places")["capabilities"]["fast_spatial_filter"]


def test_a_row_qgis_edited_takes_the_etag_a_read_gives(tmp_path: Path) -> None:
    """QGIS does not know content_hash: a row it edited is written over with the ETag a read
    computes from the fields, and a stale write is told that one."""
    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    store.apply_places(PlaceChanges(upsert=_places(3)))
    target = _place(0, 0, 0).id
    db = sqlite3.connect(path)  # as a desktop edit would leave it: the hash not recomputed
    register_functions(db)  # the R-tree triggers', as QGIS registers its own
    db.execute("UPDATE places SET phone = '025-1', content_hash = 'x' WHERE id = ?", (target,))
    db.commit()
    db.close()
    read = store.place(target)
    assert read is not None and read.phone == "025-1"
    edit = Change("place", target, NIIGATA, "user:a@example.jp", "editor", "update")
    with pytest.raises(StaleWrite) as caught:
        store.write_place(replace(read, fee="無料"), "y", edit)
    assert caught.value.current_etag == read.content_hash()
    written = store.write_place(replace(read, fee="無料"), read.content_hash(), edit)
    assert written.fee == "無料"
    assert store.place_hashes(NIIGATA)[target][0] == written.content_hash()
    store.close()
