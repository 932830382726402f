"""A store written by main before ids carried their source opens, upgrades, keeps every record,
and answers every old id with 308 to its new one (GeoPackage step 6, Alembic 0009).

The stores in tests/data/stores were built by main at 59f5c93 with
tests/data/stores/build_main_stores.sh (see tests/data/README.md): 新潟市's wards, 高松市's
community centres and then its support centres (which, in main, overwrote seven of them: both
files number their rows 1…N), 高崎市's My Maps export (no ids), 境港市's 地区 as a town list, and
宇部市's two demo levels with a parent.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, pool, text

from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from geo.store.migrate import database_url
from geo.store.postgis import PostgisStore
from layers.place_import import PlaceImportOptions, import_places
from service.app import create_app

REPO = Path(__file__).resolve().parents[1]
STORES = REPO / "tests" / "data" / "stores"
GPKG = STORES / "main_59f5c93.gpkg"
DUMP = STORES / "main_59f5c93_postgis.sql"
COMMUNITY = (
    REPO / "tests" / "data" / "source" / "standard-dataset" / "takamatsu_community_center.csv"
)
SUPPORT = REPO / "tests" / "data" / "imports" / "takamatsu_support_centers.csv"

PLACE_COLUMNS = "id, city, kind, category, name, address, phone, source_id, status"
AREA_COLUMNS = "id, city, level, name, parent"


@dataclass
class Old:
    """What main's store held, read with plain SQL before Tsudoi opens it."""

    places: dict[str, dict[str, Any]]
    areas: dict[str, dict[str, Any]]


def _rows(result: Any) -> dict[str, dict[str, Any]]:
    return {r["id"]: dict(r) for r in result}


@pytest.fixture
def gpkg_main(tmp_path: Path) -> Iterator[tuple[Old, Store]]:
    path = tmp_path / "main.gpkg"
    shutil.copy(GPKG, path)
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    old = Old(
        _rows(db.execute(f"SELECT {PLACE_COLUMNS}, lon, lat FROM places")),
        _rows(db.execute(f"SELECT {AREA_COLUMNS} FROM areas")),
    )
    assert (
        db.execute("SELECT value FROM tsudoi_meta WHERE key='schema_version'").fetchone()[0] == "4"
    )
    db.close()
    store = GpkgStore(path)
    yield old, store
    store.close()


@pytest.fixture
def postgis_main(blank_database_url: str) -> Iterator[tuple[Old, Store]]:
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail("psql is needed to load the PostGIS dump (postgresql-client)")
    url = database_url(blank_database_url)
    done = subprocess.run(
        [psql, "-q", "-v", "ON_ERROR_STOP=1", "-h", url.host or "127.0.0.1",
         "-p", str(url.port or 5432), "-U", url.username or "postgres", "-d", url.database or "",
         "-f", str(DUMP)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        old = Old(
            _rows(conn.execute(text(
                f"SELECT {PLACE_COLUMNS}, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM places"
            )).mappings()),
            _rows(conn.execute(text(f"SELECT {AREA_COLUMNS} FROM areas")).mappings()),
        )  # fmt: skip
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
    engine.dispose()
    store = PostgisStore(blank_database_url, auto_upgrade=True)
    yield old, store
    store.close()


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def upgraded(request: pytest.FixtureRequest) -> tuple[Old, Store]:
    """main's store, as it was and as this Tsudoi opened (and upgraded) it."""
    found: tuple[Old, Store] = request.getfixturevalue(f"{request.param}_main")
    return found


def _new_id(store: Store, kind: str, old_id: str) -> str:
    return store.renamed(kind, old_id) or old_id


def test_main_store_is_what_the_test_expects(upgraded: tuple[Old, Store]) -> None:
    old, _ = upgraded
    assert len(old.places) == 62 and len(old.areas) == 19
    assert old.places["37201-hall-1"]["name"].startswith("地域包括支援センター")  # overwritten


def test_every_record_is_kept_under_its_new_id(upgraded: tuple[Old, Store]) -> None:
    old, store = upgraded
    new_places = {_new_id(store, "place", pid): row for pid, row in old.places.items()}
    assert len(new_places) == len(old.places)  # no two old ids became one
    for new, row in new_places.items():
        place = store.place(new)
        assert place is not None, new
        assert (place.city, place.kind, place.category, place.name, place.address) == (
            row["city"], row["kind"], row["category"], row["name"], row["address"]
        )  # fmt: skip
        assert (place.phone, place.source_id, place.status) == (
            row["phone"], row["source_id"], row["status"]
        )  # fmt: skip
        assert (place.lon, place.lat) == pytest.approx((row["lon"], row["lat"]), abs=1e-9)
    assert "37201-takamatsu_support_centers-1" in new_places
    assert "37201-takamatsu_community_center-9" in new_places
    assert "10202-takasaki_mymaps-" in min(p for p in new_places if p.startswith("10202-"))

    new_areas = {_new_id(store, "area", aid): row for aid, row in old.areas.items()}
    assert len(new_areas) == len(old.areas)
    for new, row in new_areas.items():
        area = store.area(new)
        assert area is not None, new
        assert (area.city, area.level, area.name) == (row["city"], row["level"], row["name"])
        parent = row["parent"] and _new_id(store, "area", row["parent"])
        assert area.parent == parent
    assert set(new_areas) >= {"15100-L1-15101", "35202-L1-c01", "35202-L2-d07", "31204-L2-S1"}
    assert store.area("35202-L2-d01").parent == "35202-L1-c01"  # type: ignore[union-attr]


def test_every_old_id_answers_308_then_200(upgraded: tuple[Old, Store]) -> None:
    old, store = upgraded
    with TestClient(create_app(store)) as client:
        for pid in old.places:
            new = _new_id(store, "place", pid)
            assert new != pid, pid  # every place of main's store had a source: all moved
            moved = client.get(f"/api/places/{pid}", follow_redirects=False)
            assert moved.status_code == 308, pid
            assert moved.headers["location"] == f"/api/places/{new}"
            there = client.get(moved.headers["location"])
            assert there.status_code == 200 and there.json()["properties"]["id"] == new
        for aid, row in old.areas.items():
            new = _new_id(store, "area", aid)
            path = f"/api/cities/{row['city']}/places"
            answer = client.get(path, params={"area": aid, "kind": "venue"}, follow_redirects=False)
            if new == aid:  # made without a source id: it had its level already
                assert answer.status_code == 200, aid
                continue
            assert answer.status_code == 308, aid
            assert answer.headers["location"] == f"{path}?area={new}&kind=venue"
            assert client.get(answer.headers["location"]).status_code == 200
        pid = "37201-hall-3"
        walk = client.get(f"/api/places/{pid}/isochrone", follow_redirects=False)
        assert walk.status_code == 308
        assert walk.headers["location"] == f"/api/places/{_new_id(store, 'place', pid)}/isochrone"
        page = client.get(f"/map/37201?place={pid}&area=x", follow_redirects=False)
        assert page.status_code == 308
        assert page.headers["location"] == (
            f"/map/37201?place={_new_id(store, 'place', pid)}&area=x"
        )
        assert client.get("/api/places/37201-hall-999").status_code == 404  # never an id


def test_reimporting_main_s_files_finds_their_records_and_brings_back_the_lost_ones(
    upgraded: tuple[Old, Store],
) -> None:
    _, store = upgraded
    options = PlaceImportOptions(city="37201", category="hall")
    support = import_places(store, SUPPORT, options)
    assert (support.added, support.updated, support.unchanged) == (0, 0, 7)
    community = import_places(store, COMMUNITY, options)
    # main's store had lost seven community centres to the support centres' ids 1…8
    assert (community.added, community.updated, community.unchanged) == (7, 0, 45)
    assert store.place("37201-takamatsu_community_center-1") is not None
    assert store.place("37201-takamatsu_support_centers-1") is not None


def test_two_old_places_that_would_share_a_new_id_both_stay() -> None:
    """A file imported with a category column, re-imported after a row changed category, left
    two records under one source id (37201-salon-1 closed, 37201-chanoma-1 active): the
    active one takes the new id, the other keeps its old one, and nothing is lost."""
    from geo.model import Place
    from geo.store.id_migration import aliases, move_places

    def old(pid: str, category: str, status: str) -> Place:
        return Place(pid, "37201", "gathering", category, "サロン", 134.0, 34.3, status=status,  # type: ignore[arg-type]
                     source="list.csv", source_id="1")  # fmt: skip

    moved = move_places([old("37201-chanoma-1", "chanoma", "active"),
                         old("37201-salon-1", "salon", "closed")])  # fmt: skip

    assert [(m.old, m.new, m.source) for m in moved] == [
        ("37201-chanoma-1", "37201-list-1", "list"),
        ("37201-salon-1", "37201-salon-1", "list"),
    ]
    assert aliases("place", moved) == [("37201-chanoma-1", "37201-list-1", "place")]
