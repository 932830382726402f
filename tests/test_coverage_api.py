"""Coverage and gaps through the API and the CLI, on the demo cities, checked independently."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo.store.base import PlaceQuery
from geo.store.gpkg import GpkgStore
from service.app import create_app
from service.demo import load_demo


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("coverage") / "demo.gpkg"
    store = GpkgStore(path)
    load_demo(store)
    store.close()
    yield path


@pytest.fixture(scope="module")
def client(demo_path: Path) -> Iterator[TestClient]:
    store = GpkgStore(demo_path)
    with TestClient(create_app(store)) as c:
        yield c
    store.close()


def test_ube_coverage_walks_the_streets_and_says_so(client: TestClient) -> None:
    body = client.get("/api/cities/35202/coverage").json()
    assert body["method"] == "network"
    assert body["minutes"] == 10 and body["speed_kmh"] == 3 and body["threshold_m"] == 500
    city = body["city"]
    assert 0 < city["covered_older_population"] < city["older_population"]
    assert city["covered_share"] == pytest.approx(
        city["covered_older_population"] / city["older_population"]
    )
    levels = {a["level"] for a in body["areas"]}
    assert levels == {1, 2}
    daily = [a for a in body["areas"] if a["level"] == 2]
    assert sum(a["places"] for a in daily) <= city["places"]
    longer = client.get("/api/cities/35202/coverage", params={"minutes": 16}).json()["city"]
    assert longer["covered_older_population"] > city["covered_older_population"]


def test_niigata_straight_line_coverage_matches_an_independent_count(
    client: TestClient, demo_path: Path
) -> None:
    body = client.get("/api/cities/15100/coverage").json()
    assert body["method"] == "straight-line"
    store = GpkgStore(demo_path)
    try:
        cells = store.population("15100")
        places = store.places(PlaceQuery(city="15100"))
    finally:
        store.close()
    to_plane = Transformer.from_crs(4326, 6676, always_xy=True)
    px, py = to_plane.transform([p.lon for p in places], [p.lat for p in places])
    cx, cy = to_plane.transform([c.geometry.x for c in cells], [c.geometry.y for c in cells])
    dist, _ = cKDTree(np.column_stack([px, py])).query(np.column_stack([cx, cy]))
    older = np.array([c.age65 for c in cells])
    expected = float(older[dist <= 500].sum())
    assert body["city"]["older_population"] == pytest.approx(older.sum())
    assert body["city"]["covered_older_population"] == pytest.approx(expected)


def test_venues_never_count_as_coverage(client: TestClient) -> None:
    halls = client.get("/api/cities/15100/coverage", params={"category": "hall"})
    assert halls.status_code == 200
    assert halls.json()["city"]["covered_older_population"] == 0


def test_gaps_are_ranked_by_uncovered_older_population(client: TestClient) -> None:
    body = client.get("/api/cities/35202/coverage/gaps", params={"limit": 20}).json()
    props = [f["properties"] for f in body["features"]]
    assert len(props) == 20 and [p["rank"] for p in props] == list(range(1, 21))
    values = [p["uncovered_older_population"] for p in props]
    assert values == sorted(values, reverse=True)
    assert all(p["area_id"] for p in props)
    assert all(f["geometry"]["type"] == "Polygon" for f in body["features"])  # mesh cells
    assert body["method"] == "network"


def test_csv_opens_in_excel_with_the_same_names_as_json(client: TestClient) -> None:
    r = client.get("/api/cities/35202/coverage", params={"format": "csv", "age": 75})
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    json_keys = set(client.get("/api/cities/35202/coverage").json()["city"])
    assert json_keys - {"area_id"} <= set(rows[0]) | {"area_id"}
    assert rows[-1]["name"].startswith("市全体") and rows[-1]["age"] == "75"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"age": 70}, 422),
        ({"minutes": 0}, 422),
        ({"speed_kmh": "fast"}, 422),
        ({"category": "nope"}, 422),
        ({"format": "xml"}, 422),
    ],
)
def test_bad_coverage_parameters_are_problems(
    client: TestClient, params: dict[str, Any], status: int
) -> None:
    r = client.get("/api/cities/35202/coverage", params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")


def test_cli_coverage_writes_the_same_figures(
    demo_path: Path, tmp_path: Path, client: TestClient
) -> None:
    tsudoi = [sys.executable, "-m", "service.cli"]
    out = tmp_path / "c.csv"
    run = subprocess.run(
        [*tsudoi, "coverage", "--city", "35202", "--db", str(demo_path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))
    api = client.get("/api/cities/35202/coverage").json()["city"]
    # the CSV is for people: whole residents
    assert rows[-1]["covered_older_population"] == str(round(api["covered_older_population"]))
    none = subprocess.run(
        [*tsudoi, "coverage", "--city", "10202", "--db", str(demo_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert none.returncode == 2 and "no population data" in none.stderr


def test_isochrone_follows_streets_within_the_walk(client: TestClient) -> None:
    from pyproj import Geod
    from shapely.geometry import shape

    origin = {"lat": 33.95, "lon": 131.25}
    body = client.get("/api/isochrone", params={**origin, "minutes": 10}).json()
    (feature,) = body["features"]
    props = feature["properties"]
    assert props["method"] == "network" and props["city"] == "35202"
    assert props["distance_m"] == 500
    poly = shape(feature["geometry"])
    assert not poly.is_empty
    geod = Geod(ellps="WGS84")
    hull = poly.convex_hull  # (not a hull itself: tests/test_isochrone.py checks rivers)
    far = max(geod.inv(origin["lon"], origin["lat"], x, y)[2] for x, y in hull.exterior.coords)
    assert (
        far <= 500 + 25 + props["snap_m"] + 5
    )  # budget + band half-width + the walk to the street
    bigger = client.get("/api/isochrone", params={**origin, "minutes": 20}).json()
    assert shape(bigger["features"][0]["geometry"]).area > poly.area


def test_isochrone_needs_a_network_and_a_public_place(client: TestClient) -> None:
    r = client.get("/api/isochrone", params={"lat": 37.9, "lon": 139.0, "city": "15100"})
    assert r.status_code == 409 and "network" in r.json()["detail"]
    assert client.get("/api/places/nope/isochrone").status_code == 404
    some = client.get("/api/cities/35202/places", params={"limit": 1}).json()["features"][0]
    one = client.get(f"/api/places/{some['id']}/isochrone", params={"minutes": 5}).json()
    assert one["features"][0]["properties"]["place_id"] == some["id"]


def test_suggestions_pick_halls_that_newly_cover_the_most(client: TestClient) -> None:
    body = client.get("/api/cities/35202/suggestions", params={"k": 3}).json()
    picks = body["picks"]
    assert len(picks) == 3 and [p["rank"] for p in picks] == [1, 2, 3]
    gains = [p["newly_covered"] for p in picks]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    assert picks[-1]["cumulative"] == pytest.approx(sum(gains))
    assert all(p["kind"] == "venue" and p["name"] for p in picks)
    assert body["exact"]["optimal"] and body["exact"]["covered"] >= picks[-1]["cumulative"] - 1e-6
    assert body["already_covered"] + body["uncovered"] == pytest.approx(body["older_population"])


def test_geopackage_downloads_open_as_layers(client: TestClient, tmp_path: Path) -> None:
    import pyogrio

    r = client.get("/api/cities/35202/coverage", params={"format": "gpkg"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geopackage+sqlite3"
    path = tmp_path / "c.gpkg"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path)
    ids = {a["area_id"] for a in client.get("/api/cities/35202/coverage").json()["areas"]}
    assert set(frame["area_id"]) == ids and "covered_share" in frame.columns


def test_nearby_walks_the_streets_where_the_city_has_a_network(client: TestClient) -> None:
    from pyproj import Geod

    origin = {"lat": 33.95, "lon": 131.25}
    body = client.get("/api/places/nearby", params={**origin, "limit": 5}).json()
    assert body["method"] == "network"
    geod = Geod(ellps="WGS84")
    walks = [f["properties"]["distance_m"] for f in body["features"]]
    assert len(walks) == 5 and walks == sorted(walks)
    for f in body["features"]:
        lon, lat = f["geometry"]["coordinates"]
        straight = geod.inv(origin["lon"], origin["lat"], lon, lat)[2]
        assert f["properties"]["distance_m"] >= straight - 0.5  # a walk is never shorter
        assert f["properties"]["walking_min"] == max(1, -(-f["properties"]["distance_m"] // 50))
    niigata = client.get("/api/places/nearby", params={"lat": 37.9161, "lon": 139.0236}).json()
    assert niigata["method"] == "straight-line"


def test_walks_to_every_place_follow_the_streets_where_there_is_a_network(
    client: TestClient,
) -> None:
    from pyproj import Geod

    origin = {"lat": 33.95, "lon": 131.25}
    body = client.get("/api/cities/35202/walks", params=origin).json()
    assert body["method"] == "network" and body["speed_m_per_min"] == 50
    listed = client.get("/api/cities/35202/places", params={"status": "all", "kind": "all"})
    features = {f["id"]: f for f in listed.json()["features"]}
    assert set(body["walks"]) == set(features)
    geod = Geod(ellps="WGS84")
    for pid, walk in body["walks"].items():
        lon, lat = features[pid]["geometry"]["coordinates"]
        straight = geod.inv(origin["lon"], origin["lat"], lon, lat)[2]
        assert walk["distance_m"] >= straight - 0.5
    nearest = client.get("/api/places/nearby", params={**origin, "limit": 1}).json()["features"][0]
    assert body["walks"][nearest["id"]]["distance_m"] == nearest["properties"]["distance_m"]
    niigata = client.get("/api/cities/15100/walks", params={"lat": 37.9161, "lon": 139.0236})
    assert niigata.json()["method"] == "straight-line"


def test_a_write_by_another_process_is_seen_by_the_warm_service(
    client: TestClient, demo_path: Path
) -> None:
    """Runs last in this module: it closes Ube's places in the shared demo store."""
    from geo.store.base import PlaceChanges

    before = client.get("/api/cities/35202/coverage").json()["city"]
    assert before["covered_older_population"] > 0
    other = GpkgStore(demo_path)  # as a CLI import would, beside the running service
    try:
        ids = [p.id for p in other.places(PlaceQuery(city="35202"))]
        other.apply_places(PlaceChanges(close=ids))
    finally:
        other.close()
    after = client.get("/api/cities/35202/coverage").json()["city"]
    assert after["covered_older_population"] == 0 and after["places"] == 0


def _csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_is_rounded_for_people_and_japanese_with_lang_ja(client: TestClient) -> None:
    data = client.get("/api/cities/35202/coverage").json()
    english = _csv_rows(client.get("/api/cities/35202/coverage", params={"format": "csv"}).text)
    total = english[-1]
    assert total["name"] == "市全体"
    assert total["older_population"] == str(round(data["city"]["older_population"]))
    assert total["covered_share"] == str(round(data["city"]["covered_share"], 3))
    assert total["p90_distance_m"] in ("", str(round(data["city"]["p90_distance_m"] or 0)))
    japanese = _csv_rows(client.get("/api/cities/35202/coverage",
                                    params={"format": "csv", "lang": "ja"}).text)
    assert japanese[-1]["圏域"] == "市全体" and japanese[-1]["計算方法"] == "道路網に沿った徒歩距離"
    assert japanese[-1]["徒歩圏内の割合（%）"] == f"{data['city']['covered_share'] * 100:.1f}"
    gaps = _csv_rows(client.get("/api/cities/35202/coverage/gaps",
                                params={"format": "csv", "limit": 5}).text)
    assert "distance_m" in gaps[0] and "nearest_distance_m" not in gaps[0]  # one distance
    assert all(g["uncovered_older_population"].isdigit() for g in gaps)
    assert client.get("/api/cities/35202/coverage",
                      params={"format": "csv", "lang": "fr"}).status_code == 422


def test_suggestions_beyond_the_halls_are_street_points_with_an_address_and_area(
    client: TestClient,
) -> None:
    params = {"k": 5, "streets": "true"}
    body = client.get("/api/cities/35202/suggestions", params=params).json()
    assert body["candidates"] == "venues+nodes"
    kinds = {p["kind"] for p in body["picks"]}
    assert kinds <= {"venue", "node"} and "node" in kinds
    for p in body["picks"]:
        assert p["area_id"] and p["area_name"] and p["address"]
        assert (p["name"] is None) == (p["kind"] == "node")
        if p["kind"] == "node":
            assert p["address"].endswith("付近")
    halls_only = client.get("/api/cities/35202/suggestions", params={"k": 5}).json()
    assert body["greedy_covered"] >= halls_only["greedy_covered"] - 1e-6
    table = _csv_rows(client.get("/api/cities/35202/suggestions",
                                 params={**params, "format": "csv"}).text)
    assert [r["rank"] for r in table] == ["1", "2", "3", "4", "5"]
    assert [r["newly_covered"] for r in table] == [
        str(round(p["newly_covered"])) for p in body["picks"]]
    layer = client.get("/api/cities/35202/suggestions",
                       params={**params, "format": "geojson"}).json()
    assert [f["geometry"]["coordinates"] for f in layer["features"]] == [
        [p["lon"], p["lat"]] for p in body["picks"]]
