"""OGC API – Features at /ogc, on both stores: read by a real client, GDAL's OAPIF driver
(ogrinfo against the app under uvicorn, the demo loaded), with the same counts, ids and points as
the JSON API; its OpenAPI definition valid; paging by next links; filters as the API's; 400 for
what OGC refuses; the same public fields as the API (internal ones withheld, private homes at
their town's point); HTML views escaped and chosen by f= or the Accept header.

ogrinfo comes from gdal-bin; without it the GDAL tests skip, unless TSUDOI_REQUIRE_GDAL=1 (CI),
where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from geo.japan.municipalities import get_city
from geo.model import Area, Place, Town
from geo.store.base import AreaChanges, PlaceChanges, Store
from service.app import create_app
from service.demo import load_demo
from service.settings import Settings
from tests.browser.conftest import _serve
from tests.conftest import empty_postgis_store

REQUIRE_GDAL = "TSUDOI_REQUIRE_GDAL"
NIIGATA, TAKASAKI = "15100", "10202"
HOSTILE = "<script>alert(1)</script>サロン"
HOME = "15100-salon-home"


# ------------------------------------------------------------------------------ GDAL, the client


def _ogrinfo() -> str:
    found = shutil.which("ogrinfo")
    if found is None:
        reason = "ogrinfo is missing (apt-get install gdal-bin)"
        if os.environ.get(REQUIRE_GDAL) == "1":
            pytest.fail(f"{REQUIRE_GDAL}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def ogrinfo(*args: str) -> str:
    """ogrinfo's report; its failure (a 4xx it met, an unreadable answer) fails the test."""
    run = subprocess.run([_ogrinfo(), "-ro", *args], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "GDAL_HTTP_TIMEOUT": "60"})  # fmt: skip
    assert run.returncode == 0 and "ERROR" not in run.stderr, run.stdout + run.stderr
    return run.stdout


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def demo_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The demo in each store, served by uvicorn on a free port."""
    store: Store = request.getfixturevalue(f"_module_{request.param}")
    load_demo(store)
    url, server, thread = _serve(store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def _module_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    from geo.store.gpkg import GpkgStore

    store = GpkgStore(tmp_path_factory.mktemp("ogc") / "demo.gpkg")
    yield store
    store.close()


@pytest.fixture(scope="module")
def _module_postgis(postgis_engine: Any, postgis_url: str) -> Iterator[Store]:
    store = empty_postgis_store(postgis_engine, postgis_url)
    yield store
    store.close()


def _get(url: str) -> Any:
    import json
    from urllib.request import urlopen

    with urlopen(url, timeout=60) as r:  # noqa: S310 - the test's own server on 127.0.0.1
        return json.loads(r.read())


def _layers(report: str) -> dict[str, str]:
    """Layer name → geometry type, from ogrinfo's summary of a data source."""
    return dict(re.findall(r"^\d+: (\S+) \(title: .*\) \((.+)\)$", report, re.M))


def _counts(report: str) -> dict[str, int]:
    names = re.findall(r"^Layer name: (\S+)$", report, re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)$", report, re.M)]
    return dict(zip(names, counts, strict=True))


def test_ogrinfo_lists_every_citys_places_and_areas(demo_url: str) -> None:
    cities = [c["code"] for c in _get(f"{demo_url}/api/cities")]
    layers = _layers(ogrinfo("-so", f"OAPIF:{demo_url}/ogc"))
    assert cities == ["15100", "35202", "35215"]
    assert layers == {
        **{f"{c}-places": "Point" for c in cities},
        **{f"{c}-areas": "Multi Polygon" for c in cities},
    }


def test_ogrinfo_counts_what_the_api_lists(demo_url: str) -> None:
    for city in _get(f"{demo_url}/api/cities"):
        code = city["code"]
        report = ogrinfo("-so", f"OAPIF:{demo_url}/ogc", f"{code}-places", f"{code}-areas")
        places = _get(f"{demo_url}/api/cities/{code}/places")
        areas = _get(f"{demo_url}/api/cities/{code}/areas")
        assert _counts(report) == {
            f"{code}-places": places["numberMatched"],
            f"{code}-areas": len(areas["features"]),
        }, code
        assert places["numberMatched"] == len(places["features"]) == city["places"] > 50


def test_ogrinfo_reads_every_place_where_the_api_shows_it(demo_url: str) -> None:
    """All 新潟市 places, read page by page through the next links: the API's ids and points
    (a private home at its town's point, as the API publishes it), and no internal field."""
    report = ogrinfo("-al", "-q", f"OAPIF:{demo_url}/ogc", f"{NIIGATA}-places")
    ids = re.findall(r"^  id \(String\) = (.+)$", report, re.M)
    points = re.findall(r"^  POINT \(([-\d.]+) ([-\d.]+)\)$", report, re.M)
    read = {i: (float(x), float(y)) for i, (x, y) in zip(ids, points, strict=True)}
    api = _get(f"{demo_url}/api/cities/{NIIGATA}/places")["features"]
    assert len(read) == len(ids) == len(api) > 200
    for f in api:
        lon, lat = f["geometry"]["coordinates"]
        assert read[f["id"]] == pytest.approx((lon, lat), abs=1e-9), f["id"]
    assert "15100-places-d0017" in read  # a private home (location_precision: town)
    assert "internal_contact" not in report and "extra" not in report


# ------------------------------------------------------------------------------ the definition


def test_the_openapi_definitions_are_valid(demo_url: str) -> None:
    ogc = _get(f"{demo_url}/ogc/api")
    validate(ogc)
    validate(_get(f"{demo_url}/openapi.json"))
    assert sorted(ogc["paths"]) == [
        "/ogc", "/ogc/api", "/ogc/collections", "/ogc/collections/{collection_id}",
        "/ogc/collections/{collection_id}/items",
        "/ogc/collections/{collection_id}/items/{feature_id}", "/ogc/conformance",
    ]  # fmt: skip
    limit = next(
        p for p in ogc["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]
        if p["name"] == "limit"
    )  # fmt: skip
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (100, 1000)


# ------------------------------------------------------------------------------ a small city


def fill(store: Store) -> None:
    """新潟市 with a hostile name, a private home, internal fields and an area; 高崎市 a place."""
    for code in (NIIGATA, TAKASAKI):
        store.put_city(get_city(code))
    salon = {"kind": "gathering", "category": "salon"}
    store.apply_places(PlaceChanges(upsert=[
        *(Place(f"15100-salon-{i:02d}", NIIGATA, name=f"サロン{i}", lon=139.02 + i / 1000,
                lat=37.91, **salon) for i in range(7)),
        Place("15100-salon-xss", NIIGATA, name=HOSTILE, lon=139.03, lat=37.92,
              internal_contact="090-0000-0000 内部", extra={"内部メモ": "秘密"}, **salon),
        Place(HOME, NIIGATA, name="自宅サロン", lon=139.0251, lat=37.9151,
              location_precision="town", **salon),
        Place("15100-chanoma-1", NIIGATA, "gathering", "chanoma", "茶の間", 139.05, 37.93),
        Place("15100-hall-1", NIIGATA, "venue", "hall", "公民館", 139.03, 37.92),
        Place("10202-salon-1", TAKASAKI, name="高崎サロン", lon=139.003, lat=36.322, **salon),
    ]))  # fmt: skip
    store.put_towns([Town("15100-t1", NIIGATA, "万代", 139.04, 37.915)])
    import shapely

    chuo = shapely.MultiPolygon([shapely.box(139.0, 37.88, 139.035, 37.94)])
    store.apply_areas(AreaChanges(upsert=[Area("15100-chuo", NIIGATA, 1, "中央区", chuo)]))


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    fill(store)
    with TestClient(create_app(store)) as c:
        yield c


ITEMS = f"/ogc/collections/{NIIGATA}-places/items"


def _ids(body: dict[str, Any]) -> list[str]:
    return [f["id"] for f in body["features"]]


def test_the_landing_page_links_to_everything_a_client_needs(client: TestClient) -> None:
    body = client.get("/ogc").json()
    links = {link["rel"]: link for link in body["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    for link in body["links"]:
        assert link["href"].startswith("http://testserver/")
        assert client.get(link["href"]).status_code == 200, link
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    collections = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == [
        "10202-places", "10202-areas", "15100-places", "15100-areas"]  # fmt: skip
    assert collections[2]["title"] == "新潟市の集いの場"


def test_next_links_walk_every_item_once_as_the_api_lists_them(client: TestClient) -> None:
    api = _ids(client.get(f"/api/cities/{NIIGATA}/places").json())
    seen: list[str] = []
    url: str | None = f"{ITEMS}?limit=3"
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == len(api) and body["numberReturned"] <= 3
        seen += _ids(body)
        rels = {link["rel"]: link["href"] for link in body["links"]}
        assert ("prev" in rels) == (pages > 0)
        url = rels.get("next")
        pages += 1
    assert seen == api and pages == 4  # 10 places: 3 + 3 + 3 + 1
    last = client.get(f"{ITEMS}?limit=3&offset=9").json()
    prev = {link["rel"]: link["href"] for link in last["links"]}["prev"]
    assert parse_qs(urlsplit(prev).query)["offset"] == ["6"]


def test_a_limit_above_the_maximum_is_served_as_the_maximum(client: TestClient) -> None:
    body = client.get(f"{ITEMS}?limit=5000&offset=1").json()
    prev = {link["rel"]: link["href"] for link in body["links"]}["prev"]
    assert parse_qs(urlsplit(prev).query)["limit"] == ["1000"]
    assert body["numberReturned"] == 9


@pytest.mark.parametrize(
    "query",
    ["category=chanoma", "category=salon,chanoma", "kind=all", "kind=venue&status=all",
     "area=15100-chuo", "bbox=139.0,37.9,139.025,37.95", "q=茶の間"],
)  # fmt: skip
def test_filters_answer_what_the_apis_listing_answers(client: TestClient, query: str) -> None:
    ogc = client.get(f"{ITEMS}?{query}").json()
    api = client.get(f"/api/cities/{NIIGATA}/places?{query}").json()
    assert ogc["features"] == api["features"] and ogc["features"]
    assert ogc["numberMatched"] == api["numberMatched"]


def test_area_items_are_the_apis_areas(client: TestClient) -> None:
    ogc = client.get(f"/ogc/collections/{NIIGATA}-areas/items?level=1").json()
    assert ogc["features"] == client.get(f"/api/cities/{NIIGATA}/areas").json()["features"]
    assert client.get(f"/ogc/collections/{NIIGATA}-areas/items?level=2").json()["features"] == []
    far = client.get(f"/ogc/collections/{NIIGATA}-areas/items?bbox=139.1,37.8,139.2,37.85")
    assert far.json()["numberMatched"] == 0
    one = client.get(f"/ogc/collections/{NIIGATA}-areas/items/15100-chuo").json()
    assert one["properties"]["name"] == "中央区"


def _problem(response: Any, status: int, parameter: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if parameter:
        assert [e["location"] for e in body["errors"]] == [f"query.{parameter}"], body


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("bbx=139,37,140,38", "bbx"), ("bbox=139,37", "bbox"), ("bbox=140,37,139,38", "bbox"),
     ("limit=0", "limit"), ("limit=ten", "limit"), ("offset=-1", "offset"), ("f=xml", "f"),
     ("kind=house", "kind"), ("area=nowhere", "area"), ("level=1", "level"),
     ("lang=fr", "lang"), ("q=%00", "q")],
)  # fmt: skip
def test_what_ogc_refuses_is_a_400_naming_the_parameter(
    client: TestClient, query: str, parameter: str
) -> None:
    _problem(client.get(f"{ITEMS}?{query}"), 400, parameter)


def test_unknown_collections_and_items_are_404(client: TestClient) -> None:
    _problem(client.get("/ogc/collections/99999-places"), 404)
    _problem(client.get("/ogc/collections/15100-towns/items"), 404)
    _problem(client.get(f"{ITEMS}/no-such-place"), 404)
    _problem(client.get(f"{ITEMS}/10202-salon-1"), 404)  # another city's place
    _problem(client.get(f"/ogc/collections/{NIIGATA}-areas/items/{HOME}"), 404)
    _problem(client.get("/ogc/conformance?limit=1"), 400, "limit")
    _problem(client.get(f"/ogc/collections/{NIIGATA}-areas/items?category=salon"), 400, "category")
    assert client.get("/api/cities/15100/places?kind=house").status_code == 422  # API: 422


def test_internal_fields_stay_withheld_and_homes_at_their_town(client: TestClient) -> None:
    for url in (ITEMS, f"{ITEMS}/15100-salon-xss", f"{ITEMS}?f=html",
                f"{ITEMS}/15100-salon-xss?f=html"):  # fmt: skip
        text = client.get(url).text
        assert "090-0000-0000" not in text and "内部" not in text and "秘密" not in text, url
    home = client.get(f"{ITEMS}/{HOME}").json()
    assert home["geometry"]["coordinates"] == [139.04, 37.915]  # 万代's point, not the home's
    assert home == {**client.get(f"/api/places/{HOME}").json(), "links": home["links"],
                    "properties": home["properties"]}  # fmt: skip
    listed = next(f for f in client.get(ITEMS).json()["features"] if f["id"] == HOME)
    assert {k: v for k, v in home.items() if k != "links"} == listed


def test_html_views_are_chosen_by_f_or_accept_and_escape_the_data(client: TestClient) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    views = ("/ogc", "/ogc/conformance", "/ogc/collections", f"/ogc/collections/{NIIGATA}-places",
             ITEMS, f"{ITEMS}/15100-salon-xss")  # fmt: skip
    for url in views:
        page = client.get(url, headers=browser)
        assert page.headers["content-type"].startswith("text/html"), url
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert client.get(url, params={"f": "json"}, headers=browser).headers[
            "content-type"].startswith(("application/json", "application/geo+json"))  # fmt: skip
        assert client.get(url).headers["content-type"].startswith("application/")
        gdal = {"accept": "application/geo+json, application/json"}
        assert client.get(url, headers=gdal).headers["content-type"].startswith("application/")
    for url in (ITEMS, f"{ITEMS}/15100-salon-xss"):
        html = client.get(url, params={"f": "html"}).text
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    listing = client.get(ITEMS, params={"f": "html", "limit": 4, "offset": 4}).text
    assert "10件中 5〜8件目" in listing and 'rel="next"' in listing and 'rel="prev"' in listing
    english = client.get(f"/ogc/collections/{NIIGATA}-places", params={"f": "html", "lang": "en"})
    assert "Gathering places of Niigata" in english.text
