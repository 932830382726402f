"""The read API on the demo city, once per store; both stores must answer identically."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from geo.store.base import Store
from service.app import create_app
from service.demo import load_demo

CITY_HALL = {"lat": 37.9161, "lon": 139.0236}  # 新潟市役所, in 中央区
OTSUSHIMA_SCHOOL = {"lat": 33.991585, "lon": 131.718306}  # 大津島小学校, on the island (GSI)


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The demo loaded into one store, served by the app."""
    store: Store
    if request.param == "gpkg":
        from geo.store.gpkg import GpkgStore

        store = GpkgStore(tmp_path_factory.mktemp("api") / "demo.gpkg")
    else:
        from sqlalchemy import text

        from geo.store.postgis import PostgisStore

        engine = request.getfixturevalue("postgis_engine")
        with engine.begin() as conn:
            conn.execute(
                text("TRUNCATE places, areas, categories, cities, towns, networks, population")
            )
        store = PostgisStore(request.getfixturevalue("postgis_url"))
    load_demo(store)
    with TestClient(create_app(store)) as c:
        yield c
    store.close()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_healthz_answers_ok(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_cities_lists_niigata_with_its_areas_and_places(client: TestClient) -> None:
    cities = client.get("/api/cities").json()
    assert [c["code"] for c in cities] == ["15100", "35202", "35215"]
    niigata = cities[0]
    assert niigata["name"] == "新潟市" and niigata["prefecture"] == "新潟県"
    assert niigata["areas"] == {"1": 8, "2": 27}
    assert niigata["places"] >= 150
    assert niigata["crs"] == "EPSG:6676"


def test_cities_list_shunan_with_its_31_stand_in_chiku(client: TestClient) -> None:
    shunan = next(c for c in client.get("/api/cities").json() if c["code"] == "35215")
    assert shunan["name"] == "周南市" and shunan["prefecture"] == "山口県"
    assert shunan["areas"] == {"1": 1, "2": 31} and shunan["crs"] == "EPSG:6671"
    assert shunan["places"] > 80 and shunan["venues"] > 50
    chiku = client.get("/api/cities/35215/areas", params={"level": 2}).json()["features"]
    assert len(chiku) == 31
    city_area = "35215-L1-35215"  # the whole city, as the pack names it (35215), at level 1
    assert all(f["properties"]["demo"] and f["properties"]["parent"] == city_area for f in chiku)


def test_a_point_on_an_island_finds_its_chiku(client: TestClient) -> None:
    found = client.get("/api/cities/35215/areas/at", params=OTSUSHIMA_SCHOOL).json()
    assert [(a["level"], a["name"]) for a in found] == [(1, "周南市"), (2, "大津島地区（デモ）")]
    hub, coordinator = found[1]["contacts"]
    assert (hub["name"], hub["address"]) == ("大津島支所", "山口県周南市大字大津島1361-4")
    assert coordinator["role"] == "生活支援コーディネーター"
    assert "公開されていません" in found[1]["source"] and found[1]["demo"] is True
    sea = {"lat": 33.95, "lon": 131.70}  # the sea south of 大津島
    assert client.get("/api/cities/35215/areas/at", params=sea).json() == []


def test_city_by_code_and_unknown_codes(client: TestClient) -> None:
    assert client.get("/api/cities/15100").json()["name_en"] == "Niigata"
    _problem(client.get("/api/cities/10202"), 404)
    _problem(client.get("/api/cities/abc"), 404)


def test_areas_by_level(client: TestClient) -> None:
    wards = client.get("/api/cities/15100/areas", params={"level": 1}).json()
    daily = client.get("/api/cities/15100/areas", params={"level": 2}).json()
    assert len(wards["features"]) == 8 and len(daily["features"]) == 27
    assert {f["properties"]["parent"] for f in daily["features"]} <= {
        f["id"] for f in wards["features"]
    }
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in wards["features"])
    _problem(client.get("/api/cities/15100/areas", params={"level": 0}), 422)


def test_areas_at_a_point_give_ward_and_daily_area_with_contacts(client: TestClient) -> None:
    found = client.get("/api/cities/15100/areas/at", params=CITY_HALL).json()
    assert [a["level"] for a in found] == [1, 2]
    assert found[0]["name"] == "中央区"
    assert found[1]["parent"] == found[0]["id"]
    roles = {c["role"] for c in found[1]["contacts"]}
    assert "地域包括支援センター" in roles
    assert (
        client.get("/api/cities/15100/areas/at", params={"lat": 35.68, "lon": 139.76}).json() == []
    )


def test_places_default_to_active_gathering_places(client: TestClient) -> None:
    body = client.get("/api/cities/15100/places").json()
    props = [f["properties"] for f in body["features"]]
    assert body["numberReturned"] == len(props) == body["numberMatched"]
    assert props and all(p["kind"] == "gathering" and p["status"] == "active" for p in props)
    everything = client.get(
        "/api/cities/15100/places", params={"status": "all", "kind": "all"}
    ).json()
    kinds = {f["properties"]["kind"] for f in everything["features"]}
    assert kinds == {"gathering", "venue"}
    assert len(everything["features"]) > len(props)


def test_places_never_show_internal_fields(client: TestClient) -> None:
    body = client.get("/api/cities/15100/places", params={"status": "all"}).json()
    for feature in body["features"]:
        assert "internal_contact" not in feature["properties"]
        assert "extra" not in feature["properties"]
    one = client.get(f"/api/places/{body['features'][0]['id']}").json()
    assert "internal_contact" not in one["properties"]
    assert "内部用" not in client.get("/api/cities/15100/places", params={"status": "all"}).text


def test_places_filter_by_category_kind_area_bbox_and_text(client: TestClient) -> None:
    def count(**params: Any) -> int:
        return len(client.get("/api/cities/15100/places", params=params).json()["features"])

    total = count()
    per_category = {
        c: count(category=c)
        for c in ("salon", "chanoma", "community-cafe", "dementia-cafe", "kayoinoba", "model-house")
    }
    assert sum(per_category.values()) == total
    assert count(category="model-house") == 7  # 4 stand-ins, 4 real (実家の茶の間・紫竹 closed)
    assert count(category="salon,chanoma") == per_category["salon"] + per_category["chanoma"]
    assert count(kind="venue") > 50
    wards = client.get("/api/cities/15100/areas", params={"level": 1}).json()["features"]
    assert sum(count(area=w["id"]) for w in wards) == total
    inside = count(bbox="139.0,37.85,139.1,37.95")
    assert 0 < inside < total
    found = client.get("/api/cities/15100/places", params={"q": "ｻﾛﾝ"}).json()["features"]
    assert found and all(
        "サロン" in (f["properties"]["name"] + (f["properties"]["kana"] or ""))
        or "さろん" in (f["properties"]["kana"] or "")
        for f in found
    )


def test_places_page_with_limit_and_offset(client: TestClient) -> None:
    first = client.get("/api/cities/15100/places", params={"limit": 10}).json()
    second = client.get("/api/cities/15100/places", params={"limit": 10, "offset": 10}).json()
    assert first["numberReturned"] == 10 and first["numberMatched"] >= 150
    assert {f["id"] for f in first["features"]}.isdisjoint({f["id"] for f in second["features"]})


def test_place_by_id_and_unknown_id(client: TestClient) -> None:
    some = client.get("/api/cities/15100/places", params={"limit": 1}).json()["features"][0]
    one = client.get(f"/api/places/{some['id']}").json()
    assert one["id"] == some["id"] and one["geometry"]["type"] == "Point"
    _problem(client.get("/api/places/no-such-place"), 404)


def test_nearby_orders_by_geodesic_distance(client: TestClient) -> None:
    body = client.get(
        "/api/places/nearby", params={**CITY_HALL, "limit": 5, "city": "15100"}
    ).json()
    assert body["method"] == "straight-line"
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert len(distances) == 5 and distances == sorted(distances)
    geod = Geod(ellps="WGS84")
    for f in body["features"]:
        lon, lat = f["geometry"]["coordinates"]
        expected = geod.inv(CITY_HALL["lon"], CITY_HALL["lat"], lon, lat)[2]
        assert f["properties"]["distance_m"] == pytest.approx(expected, abs=0.1)
    salons = client.get("/api/places/nearby", params={**CITY_HALL, "category": "salon"}).json()
    assert {f["properties"]["category"] for f in salons["features"]} == {"salon"}


def test_categories_list_the_default_catalogue(client: TestClient) -> None:
    cats = client.get("/api/categories", params={"city": "15100"}).json()
    slugs = [c["slug"] for c in cats]
    for slug in (
        "salon",
        "chanoma",
        "community-cafe",
        "dementia-cafe",
        "kayoinoba",
        "model-house",
        "hall",
    ):
        assert slug in slugs
    hall = next(c for c in cats if c["slug"] == "hall")
    assert (
        hall["kind"] == "venue"
        and hall["label_ja"]
        and hall["label_en"]
        and hall["color"].startswith("#")
    )


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/places/nearby", {"lat": "abc", "lon": 139}, 422),
        ("/api/places/nearby", {"lat": 91, "lon": 139}, 422),
        ("/api/places/nearby", {"lon": 139}, 422),
        ("/api/places/nearby", {**CITY_HALL, "limit": 0}, 422),
        ("/api/places/nearby", {**CITY_HALL, "limit": 100000}, 422),
        ("/api/places/nearby", {**CITY_HALL, "city": "99999"}, 404),
        ("/api/cities/15100/places", {"bbox": "1,2,3"}, 422),
        ("/api/cities/15100/places", {"bbox": "139.1,37,139.0,38"}, 422),
        ("/api/cities/15100/places", {"kind": "house"}, 422),
        ("/api/cities/15100/places", {"status": "gone"}, 422),
        ("/api/cities/15100/places", {"area": "nowhere"}, 404),
        ("/api/cities/15100/places", {"limit": -1}, 422),
        ("/api/cities/15100/places", {"q": "x" * 500}, 422),
        ("/api/cities/15100/areas/at", {"lat": 37.9}, 422),
        ("/api/categories", {"city": "00000"}, 404),
        ("/api/no-such-route", {}, 404),
    ],
)
def test_bad_requests_get_problem_json(
    client: TestClient, path: str, params: dict[str, Any], status: int
) -> None:
    _problem(client.get(path, params=params), status)


def test_writes_are_not_allowed_on_read_routes(client: TestClient) -> None:
    _problem(client.post("/api/cities"), 405)


def test_geojson_is_compressed_when_asked(client: TestClient) -> None:
    r = client.get("/api/cities/15100/places", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"


def test_openapi_documents_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/healthz",
        "/api/cities",
        "/api/cities/{code}",
        "/api/cities/{code}/areas",
        "/api/cities/{code}/areas/at",
        "/api/cities/{code}/places",
        "/api/places/{place_id}",
        "/api/places/nearby",
        "/api/categories",
    ):
        assert path in spec["paths"], path
