"""Exports of the listing: CSV that our import reads back to the same records (ids included) on
both stores, KML that GDAL opens with one layer per category, GeoPackage with places and areas,
and the API's ``?format=`` giving the same files with their media types and file names.

The places are 新潟市's demo pack (real town points, halls and stand-in places) through the
command line, plus a file of awkward records: markup in a name, ``&`` in a phone number, a
private home, a paused place without an id, internal fields that must never leave.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geo.japan.municipalities import get_city
from geo.model import Place
from geo.store.base import PlaceQuery, Store
from geo.store.gpkg import GpkgStore
from layers.exports.kml import MAX_PER_FOLDER, places_kml
from layers.place_import import PlaceImportOptions, import_places
from service.app import create_app
from tests.conftest import STORE_TABLES, Tsudoi

PACK = Path(__file__).resolve().parents[1] / "service" / "demo_data" / "15100"
NOW = datetime(2026, 11, 27, 9, 0)
INTERNAL = "内部メモ：鍵は自治会長宅 090-0000-0000"
EVERYTHING = PlaceQuery(city="15100", kinds=("gathering", "venue"),
                        statuses=("active", "paused", "closed"))  # fmt: skip
NOT_EXPORTED = ("updated_at", "internal_contact", "extra")  # internal, or the store's clock


def _awkward(folder: Path) -> Path:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.0236, 37.9161]},
         "properties": {"id": "x-1", "name": "<img src=x onerror=alert(1)> & 「茶の間」",
                        "category": "chanoma", "phone": "025-000-9999 & 内線12",
                        "address": "新潟市中央区学校町通一番町 <b>1</b>",
                        "schedule": "毎週月曜 10:00〜11:00", "internal_contact": INTERNAL,
                        "担当メモ": "extra column"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.0502, 37.9005]},
         "properties": {"name": "自宅サロン　ひだまり", "category": "salon",
                        "location_precision": "town", "status": "paused",
                        "schedule_rules": [{"weekdays": [2], "weeks": [2], "start": "13:30",
                                            "end": "15:00"}],
                        "kana": "ひだまり", "url": "https://example.jp/?a=1&b=2"}},
    ]  # fmt: skip
    path = folder / "awkward.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")  # fmt: skip
    return path


def _load(store: Store, folder: Path) -> None:
    """新潟市's pack and the awkward records, through the place import."""
    from boundaries.area_import import AreaImportOptions, import_areas
    from boundaries.town_import import TownImportOptions, import_towns

    store.put_city(get_city("15100"))  # as `tsudoi import` does
    import_areas(store, PACK / "areas_wards.geojson", AreaImportOptions(city="15100", level=1))
    import_towns(store, PACK / "towns.geojson", TownImportOptions(city="15100"))
    import_places(store, PACK / "places.geojson", PlaceImportOptions(city="15100"))
    import_places(store, PACK / "halls.geojson", PlaceImportOptions(city="15100"))
    import_places(store, _awkward(folder), PlaceImportOptions(city="15100"))


def _record(place: Place) -> dict[str, Any]:
    return {f.name: getattr(place, f.name) for f in fields(Place) if f.name not in NOT_EXPORTED}


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    _load(store, tmp_path)
    return store


def _db_of(store: Store, request: pytest.FixtureRequest) -> str:
    if isinstance(store, GpkgStore):
        return str(store.path)
    return str(request.getfixturevalue("postgis_url"))


def _emptied(store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the file is imported again: a new GeoPackage, or the PostGIS tables emptied."""
    if isinstance(store, GpkgStore):
        return str(tmp_path / "again.gpkg")
    engine = request.getfixturevalue("postgis_engine")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(STORE_TABLES)}"))
    return _db_of(store, request)


def test_csv_round_trips_through_the_import_to_identical_records(
    loaded: Store, tmp_path: Path, tsudoi: Tsudoi, request: pytest.FixtureRequest
) -> None:
    before = {p.id: _record(p) for p in loaded.places(EVERYTHING)}
    assert len(before) == 210 + 74 + 2  # the pack's places and halls, the awkward two
    out = tmp_path / "places.csv"
    r = tsudoi(
        "export",
        "places",
        "--city",
        "15100",
        "--format",
        "csv",
        "--kind",
        "all",
        "--status",
        "all",
        "-o",
        out,
        "--db",
        _db_of(loaded, request),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert INTERNAL not in data.decode("utf-8") and "担当メモ" not in data.decode("utf-8")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:4] == ["都道府県コード又は市区町村コード", "NO", "市区町村名", "名称"]
    loaded.close()

    target = _emptied(loaded, request, tmp_path)
    # the city's towns first: a private home is put at its town's point, as it was before
    r = tsudoi("import", "towns", PACK / "towns.geojson", "--city", "15100", "--db", target,
               cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    r = tsudoi("import", "places", out, "--city", "15100", "--db", target, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    from geo.store import open_store

    again = open_store(target)
    try:
        after = {p.id: _record(p) for p in again.places(EVERYTHING)}
        extras = [p.extra for p in again.places(EVERYTHING) if p.extra or p.internal_contact]
    finally:
        again.close()
    assert sorted(after) == sorted(before)
    for pid, record in before.items():
        assert after[pid] == record, pid
    assert extras == []  # the layout's city columns and 次回開催 are read, not kept


def test_kml_has_one_layer_per_category_with_the_right_counts(
    loaded: Store, tmp_path: Path
) -> None:
    with TestClient(create_app(loaded)) as client:
        r = client.get("/api/cities/15100/places", params={"format": "kml", "kind": "all"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.google-earth.kml+xml"
    assert r.headers["content-disposition"] == 'attachment; filename="places-15100.kml"'
    path = tmp_path / "places.kml"
    path.write_bytes(r.content)
    assert INTERNAL.encode() not in r.content
    expected: dict[str, int] = {}
    labels = {c.slug: c.label_ja for c in loaded.categories("15100")}
    for p in loaded.places(PlaceQuery(city="15100", kinds=("gathering", "venue"))):
        expected[labels[p.category]] = expected.get(labels[p.category], 0) + 1
    layers = {str(name): pyogrio.read_info(path, layer=str(name))["features"]
              for name, _ in pyogrio.list_layers(path)}  # fmt: skip
    assert layers == expected
    frame = pyogrio.read_dataframe(path, layer="地域の茶の間")
    column = {c.lower(): c for c in frame.columns}  # LIBKML and KML drivers differ in case
    hostile = frame[frame[column["name"]].str.startswith("<img")].iloc[0]
    assert hostile[column["name"]] == "<img src=x onerror=alert(1)> & 「茶の間」"
    assert "025-000-9999 & 内線12" in hostile[column["description"]]
    assert "毎週月曜 10:00〜11:00" in hostile[column["description"]]
    assert hostile["place_id"] == "15100-awkward-x-1" and "internal_contact" not in column


def test_kml_splits_a_category_beyond_my_maps_layer_limit(
    gpkg_store: GpkgStore, tmp_path: Path
) -> None:
    from layers.categories import DEFAULT_CATEGORIES

    many = [
        Place(id=f"15100-salon-{i}", city="15100", kind="gathering", category="salon",
              name=f"サロン{i}", lon=139.0 + i * 1e-5, lat=37.9)
        for i in range(MAX_PER_FOLDER + 5)
    ]  # fmt: skip
    path = tmp_path / "many.kml"
    path.write_text(places_kml(many, DEFAULT_CATEGORIES, "多い", NOW), encoding="utf-8")
    layers = {str(n): pyogrio.read_info(path, layer=str(n))["features"]
              for n, _ in pyogrio.list_layers(path)}  # fmt: skip
    assert layers == {"サロン (1/2)": MAX_PER_FOLDER, "サロン (2/2)": 5}
    assert "2005件あるため" in path.read_text(encoding="utf-8")


def _download(
    store: GpkgStore, tmp_path: Path, fmt: str, params: dict[str, str]
) -> tuple[Any, dict[str, Any]]:
    """The file the API gives for the filters, and the listing it must match."""
    _load(store, tmp_path)
    with TestClient(create_app(store)) as client:
        r = client.get("/api/cities/15100/places", params={"format": fmt, **params})
        listing = client.get("/api/cities/15100/places", params=params).json()
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-disposition"] == f'attachment; filename="places-15100.{fmt}"'
    return r, listing


def test_geopackage_has_places_and_areas_layers(gpkg_store: GpkgStore, tmp_path: Path) -> None:
    r, listing = _download(gpkg_store, tmp_path, "gpkg", {"category": "salon"})
    assert r.headers["content-type"] == "application/geopackage+sqlite3"
    path = tmp_path / "places.gpkg"
    path.write_bytes(r.content)
    layers = {str(n): pyogrio.read_info(path, layer=str(n))["features"]
              for n, _ in pyogrio.list_layers(path)}  # fmt: skip
    assert layers == {"places": len(listing["features"]), "areas": 8}
    places = pyogrio.read_dataframe(path, layer="places")
    assert set(places["id"]) == {f["id"] for f in listing["features"]}
    assert "internal_contact" not in places.columns and "next_date" in places.columns


def test_geopackage_of_no_place_still_has_its_layers(gpkg_store: GpkgStore, tmp_path: Path) -> None:
    r, listing = _download(gpkg_store, tmp_path, "gpkg", {"q": "どこにもない名前"})
    assert listing["features"] == []
    path = tmp_path / "none.gpkg"
    path.write_bytes(r.content)
    layers = {str(n): pyogrio.read_info(path, layer=str(n))["features"]
              for n, _ in pyogrio.list_layers(path)}  # fmt: skip
    assert layers == {"places": 0, "areas": 8}


def test_geojson_download_is_the_listing(gpkg_store: GpkgStore, tmp_path: Path) -> None:
    r, listing = _download(gpkg_store, tmp_path, "geojson", {"q": "茶の間"})
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert [f["id"] for f in body["features"]] == [f["id"] for f in listing["features"]]
    assert all("internal_contact" not in f["properties"] for f in body["features"])


@pytest.mark.parametrize("params", [{"format": "xlsx"}, {"format": "kml", "kind": "hall"}])
def test_unknown_format_or_filter_is_a_problem(
    gpkg_store: GpkgStore, tmp_path: Path, params: dict[str, str]
) -> None:
    _load(gpkg_store, tmp_path)
    with TestClient(create_app(gpkg_store)) as client:
        r = client.get("/api/cities/15100/places", params=params)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


def test_cli_refuses_an_unknown_format_city_or_area(
    gpkg_store: GpkgStore, tmp_path: Path, tsudoi: Tsudoi
) -> None:
    _load(gpkg_store, tmp_path)
    db = str(gpkg_store.path)
    r = tsudoi("export", "places", "--city", "15100", "--format", "xlsx", "-o",
               tmp_path / "x", "--db", db, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "format" in r.stderr
    r = tsudoi("export", "places", "--city", "10202", "--format", "csv", "-o",
               tmp_path / "x", "--db", db, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "10202" in r.stderr
    r = tsudoi("export", "map", "--city", "15100", "--area", "nope", "-o",
               tmp_path / "x", "--db", db, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "--area" in r.stderr
    assert not (tmp_path / "x").exists()
