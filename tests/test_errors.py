"""Errors, on both stores: what a caller sends is answered with a 4xx before it reaches a store.

A small slice of two cities, built here: 新潟市 (places, towns, an area; no population and no
walking network) and 高崎市 (population and places; no network). Every text parameter refuses
control characters and every number has bounds (422), missing data is a 409 worded for API
users, and the CLI refuses what the API refuses with exit code 2.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient

from geo.japan.municipalities import get_city
from geo.model import Area, Place, PopulationCell, Town
from geo.store.base import AreaChanges, PlaceChanges, Store
from geo.store.gpkg import GpkgStore
from service.app import create_app

Tsudoi = Callable[..., subprocess.CompletedProcess[str]]  # the conftest fixture `tsudoi`

NIIGATA, TAKASAKI = "15100", "10202"
CITY_HALL = {"lat": 37.9161, "lon": 139.0236}
SALON = "15100-salon-1"
HOME = "15100-home-1"


def _mesh(cid: str, lon: float, lat: float, a65: float) -> PopulationCell:
    box = shapely.box(lon, lat, lon + 0.003, lat + 0.002)
    return PopulationCell(cid, TAKASAKI, "mesh", cid, 3 * a65, a65, a65 / 2, box)


def fill(store: Store) -> None:
    """Two cities, a few places of each kind; only 高崎市 has population, neither a network."""
    for code in (NIIGATA, TAKASAKI):
        store.put_city(get_city(code))
    store.apply_places(PlaceChanges(upsert=[
        Place(SALON, NIIGATA, "gathering", "salon", "万代サロン", 139.0236, 37.9161),
        Place("15100-hall-1", NIIGATA, "venue", "hall", "万代公民館", 139.03, 37.92),
        Place(HOME, NIIGATA, "gathering", "salon", "自宅サロン", 139.025, 37.915,
              location_precision="town"),
        Place("10202-salon-1", TAKASAKI, "gathering", "salon", "高崎サロン", 139.003, 36.322),
        Place("10202-hall-1", TAKASAKI, "venue", "hall", "高崎公民館", 139.012, 36.326),
    ]))  # fmt: skip
    store.put_towns([
        Town("15100-t1", NIIGATA, "万代", 139.04, 37.915, kana="ばんだい"),
        Town("15100-t2", NIIGATA, "関屋", 139.01, 37.91, kana="せきや"),
    ])  # fmt: skip
    chuo = shapely.MultiPolygon([shapely.box(139.0, 37.88, 139.06, 37.94)])
    store.apply_areas(AreaChanges(upsert=[Area("15100-chuo", NIIGATA, 1, "中央区", chuo)]))
    store.put_population([
        _mesh(f"m{i}", 139.0 + 0.003 * i, 36.32 + 0.002 * (i % 3), 10.0 + i) for i in range(9)
    ])  # fmt: skip


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    fill(store)
    with TestClient(create_app(store)) as c:
        yield c


def _problem(response: Any, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["status"], body["title"]) == (status, title), body
    assert body["detail"]
    return body


# -- what the issue found: 503 on PostGIS, 200 on GeoPackage ---------------------------------
@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/cities/15100/places?offset=9223372036854775808", "query.offset"),
        ("/api/cities/15100/places?offset=1000000001", "query.offset"),
        ("/api/cities/15100/places?q=%00", "query.q"),
        ("/api/cities/15100/towns?q=%00", "query.q"),
        ("/api/places/nearby?lat=37.9161&lon=139.0236&category=%00", "query.category"),
        ("/api/cities/15100/places?area=%00", "query.area"),
        ("/api/cities/15100/places?category=salon%0A", "query.category"),
        ("/api/places/a%00b", "path.place_id"),
        ("/api/places/a%1Bb/isochrone", "path.place_id"),
        ("/api/categories?city=15100%00", "query.city"),
        ("/api/cities/15100/suggestions?candidates=hall%7F", "query.candidates"),
        ("/api/cities/15100/places?limit=50001", "query.limit"),
        ("/api/cities/15100/towns?limit=9223372036854775808", "query.limit"),
        ("/api/cities/15100/coverage?age=9223372036854775808", "query.age"),
        ("/api/cities/15100/coverage?minutes=1e400", "query.minutes"),
        ("/api/isochrone?lat=nan&lon=139.0236", "query.lat"),
    ],
)
def test_what_a_caller_sent_is_a_422_never_the_stores_failure(
    client: TestClient, url: str, parameter: str
) -> None:
    body = _problem(client.get(url), 422, "Invalid parameter")
    assert [e["location"] for e in body["errors"]] == [parameter]


@pytest.mark.parametrize(
    ("url", "parameter", "words"),
    [
        ("/api/cities/15100/places?kind=house", "kind", "gathering, venue or all"),
        ("/api/cities/15100/places?status=gone", "status", "active, paused, closed or all"),
        ("/api/cities/15100/places?bbox=1,2,3", "bbox", "four numbers"),
        ("/api/cities/10202/coverage?age=70", "age", "65 or 75"),
        ("/api/cities/10202/coverage?category=nope", "category", "unknown category: nope"),
        ("/api/cities/10202/suggestions?candidates=nosuch", "candidates", "unknown category"),
    ],
)
def test_values_that_cannot_be_used_are_422_naming_the_parameter(
    client: TestClient, url: str, parameter: str, words: str
) -> None:
    body = _problem(client.get(url), 422, "Invalid parameter")
    (error,) = body["errors"]
    assert error["location"] == f"query.{parameter}" and error["message"] in body["detail"]
    assert words in body["detail"]


# -- missing data: 409, worded for whoever asked ----------------------------------------------
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/api/cities/15100/coverage", "no population data"),
        ("/api/cities/15100/coverage/gaps?format=csv", "no population data"),
        ("/api/cities/15100/suggestions", "no population data"),
        ("/api/isochrone?lat=37.9161&lon=139.0236&city=15100", "no walking network"),
        ("/api/isochrone?lat=37.9161&lon=139.0236", "walking network"),
        (f"/api/places/{SALON}/isochrone", "no walking network"),
    ],
)
def test_missing_data_is_a_409_in_api_words(client: TestClient, url: str, words: str) -> None:
    body = _problem(client.get(url), 409, "Missing data")
    assert words in body["detail"]
    assert "tsudoi" not in body["detail"] and "--city" not in body["detail"]  # no CLI wording


def test_not_found_and_not_public(client: TestClient) -> None:
    _problem(client.get("/api/places/no-such-place"), 404, "Not found")
    _problem(client.get("/api/places/no-such-place/isochrone"), 404, "Not found")
    _problem(client.get("/api/cities/15100/places?area=nowhere"), 404, "Not found")
    _problem(client.get("/api/cities/10202/places?area=15100-chuo"), 404, "Not found")
    _problem(client.get("/api/cities/99999/towns"), 404, "Unknown city")
    _problem(client.get("/api/cities/abc"), 404, "Unknown city")
    _problem(client.get("/api/places/nearby?lat=37.9&lon=139&city=99999"), 404, "Unknown city")
    _problem(client.get(f"/api/places/{HOME}/isochrone"), 409, "Not public")


def test_text_that_is_not_a_control_character_is_answered(client: TestClient) -> None:
    """Wildcards, backslashes and broken UTF-8 are text like any other; ids up to 1,000."""
    for url in (
        "/api/cities/15100/places?q=%25", "/api/cities/15100/places?q=_",
        "/api/cities/15100/places?q=%5C", "/api/cities/15100/places?q=%ED%A0%80",
        "/api/cities/15100/towns?q=%C0%80", "/api/cities/15100/places?offset=1000000000",
        "/api/cities/15100/places?category=,,", "/api/places/nearby?lat=37.9&lon=139&city=",
    ):  # fmt: skip
        assert client.get(url).status_code == 200, url
    assert client.get("/api/places/" + "x" * 1000).status_code == 404
    _problem(client.get("/api/places/" + "x" * 1001), 422, "Invalid parameter")


def _openapi_parameters(client: TestClient) -> list[tuple[str, dict[str, Any]]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(path, p) for path, ops in paths.items() if "get" in ops  # writes: POST/PATCH only
            for p in ops["get"].get("parameters", [])]  # fmt: skip


def _types(schema: dict[str, Any]) -> set[str]:
    return {s.get("type", "") for s in schema.get("anyOf", [schema])} - {"null"}


def test_every_number_has_bounds_and_every_text_a_length(client: TestClient) -> None:
    params = _openapi_parameters(client)
    assert len(params) > 40
    for path, p in params:
        schema, types = p["schema"], _types(p["schema"])
        if types & {"integer", "number"}:
            bounds = {k for s in schema.get("anyOf", [schema]) for k in s}
            assert "maximum" in bounds, f"{path} {p['name']} has no maximum"
            assert bounds & {"minimum", "exclusiveMinimum"}, f"{path} {p['name']} has no minimum"
        elif types == {"string"}:
            lengths = {k for s in schema.get("anyOf", [schema]) for k in s}
            assert lengths & {"maxLength", "enum"}, f"{path} {p['name']} has no maximum length"


def test_every_text_parameter_refuses_control_characters(client: TestClient) -> None:
    """Each string parameter of every route, in turn, given a NUL: one 422 naming it (a 400
    under /ogc, as OGC API – Features asks)."""
    paths = client.get("/openapi.json").json()["paths"]
    checked = 0
    for path, ops in paths.items():
        if "get" not in ops:  # a write-only path (verify, restore): its body is checked instead
            continue
        params = ops["get"].get("parameters", [])
        required = {
            p["name"]: CITY_HALL[p["name"]] for p in params if p["in"] == "query" and p["required"]
        }
        for p in params:
            if _types(p["schema"]) != {"string"}:
                continue
            url, query = path.replace("{" + p["name"] + "}", "a%00b"), dict(required)
            if p["in"] == "query":
                query[p["name"]] = "a\x00b"
            url = url.replace("{code}", NIIGATA).replace("{place_id}", SALON)
            url = url.replace("{collection_id}", f"{NIIGATA}-places").replace("{feature_id}", SALON)
            status = 400 if url.startswith("/ogc") else 422
            body = _problem(client.get(url, params=query), status, "Invalid parameter")
            assert [e["location"] for e in body["errors"]] == [f"{p['in']}.{p['name']}"], url
            checked += 1
    assert checked >= 15


# -- the same answers on both stores ----------------------------------------------------------
HOSTILE = [
    "/api/cities/15100/places?offset=9223372036854775808",
    "/api/cities/15100/places?q=%00",
    "/api/cities/15100/towns?q=%00",
    "/api/places/nearby?lat=37.9161&lon=139.0236&category=%00",
    "/api/places/%00",
    "/api/cities/15100/places?area=%00",
    "/api/cities/15100/places?q=%25",
    "/api/cities/15100/places?q=%5C",
    "/api/cities/15100/places?q=%ED%A0%80",
    "/api/cities/15100/places?offset=1000000000",
    "/api/cities/15100/coverage",
    "/api/isochrone?lat=37.9161&lon=139.0236",
    "/api/cities/10202/suggestions?candidates=nosuch",
    f"/api/places/{HOME}/isochrone",
]


@pytest.mark.postgis
def test_both_stores_answer_bad_requests_alike(gpkg_store: Store, postgis_store: Store) -> None:
    answers = []
    for store in (gpkg_store, postgis_store):
        fill(store)
        with TestClient(create_app(store)) as c:
            answers.append([(r.status_code, r.json()) for r in map(c.get, HOSTILE)])
    for url, a, b in zip(HOSTILE, *answers, strict=True):
        assert a == b, url
        assert a[0] < 500, url


# -- the CLI refuses what the API refuses -----------------------------------------------------
@pytest.fixture
def takasaki_db(tmp_path: Path) -> Path:
    db = tmp_path / "t.gpkg"
    store = GpkgStore(db)
    try:
        from layers.categories import ensure_default_categories

        ensure_default_categories(store)
        fill(store)
    finally:
        store.close()
    return db


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("suggest", "--candidates", "nosuch"), "--candidates: unknown category: nosuch"),
        (("coverage", "--category", "nope"), "--category: unknown category: nope"),
        (("suggest", "--age", "70"), "--age: must be 65 or 75"),
        (("coverage", "--minutes", "0"), "--minutes: must be more than 0"),
        (("coverage", "--speed-kmh", "11"), "--speed-kmh: must be more than 0 and at most 10"),
        (("coverage", "--gaps", "--limit", "0"), "--limit: must be 1 to"),
        (("suggest", "--k", "21"), "--k: must be 1 to 20"),
    ],
)
def test_cli_refuses_what_the_api_refuses(
    tmp_path: Path, takasaki_db: Path, args: tuple[str, ...], words: str, tsudoi: Tsudoi
) -> None:
    result = tsudoi(*args, "--city", TAKASAKI, "--db", takasaki_db, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr and not result.stdout
    assert "Traceback" not in result.stderr


def test_cli_missing_data_says_what_to_import(
    tmp_path: Path, takasaki_db: Path, tsudoi: Tsudoi
) -> None:
    result = tsudoi("suggest", "--city", NIIGATA, "--db", takasaki_db, cwd=tmp_path)
    assert result.returncode == 2
    assert "no population data" in result.stderr
    assert re.search(r"tsudoi import population FILE --city 15100", result.stderr)
    ok = tsudoi("suggest", "--city", TAKASAKI, "--candidates", "hall", "--k", "1",
                "--db", takasaki_db, cwd=tmp_path)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "candidates: venues:hall (1)" in ok.stdout
