"""The embedded and PostGIS stores, loaded with the same demo, give the same answers: every route
of the API and every page, with its status code, on both demo cities (新潟市 walks in straight
lines, 宇部市 along its streets), coverage, gaps and suggestions computed on each store.

Refusals are compared store with store (status, content type, problem body), not with a fixed
status: which 4xx a refusal carries is the routes' business; that both stores agree is this one's.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyogrio
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.accounts import ApiToken
from geo.store.gpkg import GpkgStore
from geo.store.postgis import PostgisStore
from service.app import create_app
from service.auth.tokens import token_hash
from service.demo import load_demo
from service.routes import pages, print_page
from tests.conftest import STORE_TABLES

VIEWER_SECRET = "tsudoi_parity-viewer-secret"

pytestmark = pytest.mark.postgis

NIIGATA_HALL = {"lat": 37.9161, "lon": 139.0236}  # 新潟市役所
UBE_CENTRE = {"lat": 33.95, "lon": 131.25}
UBE_PLACE = "35202-places-d0001"
NIIGATA_PLACE = "15100-places-d0001"
PRIVATE_HOME = "15100-places-d0017"  # location_precision: town


@dataclass(frozen=True)
class Ask:
    """One request: the route as documented, the concrete path, its query, and whether a 2xx
    answer is expected (``ok``) or a 4xx problem."""

    route: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    signed_in: bool = False  # with a viewer's token of the city (the history is for its roles)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return self.path + (f"?{query}" if query else "")


def _asks() -> list[Ask]:
    city = "/api/cities/{code}"
    places, walks, towns = f"{city}/places", f"{city}/walks", f"{city}/towns"
    clusters = f"{city}/clusters"
    cov, gaps, sugg = f"{city}/coverage", f"{city}/coverage/gaps", f"{city}/suggestions"
    iso, place_iso = "/api/isochrone", "/api/places/{place_id}/isochrone"
    return [
        Ask("/healthz", "/healthz"),
        Ask("/api/cities", "/api/cities"),
        *(Ask(city, f"/api/cities/{c}") for c in ("15100", "35202")),
        Ask(city, "/api/cities/10202", ok=False),  # a municipality this store does not hold
        Ask(city, "/api/cities/99999", ok=False),  # no municipality
        Ask("/api/categories", "/api/categories"),
        *(Ask("/api/categories", "/api/categories", {"city": c}) for c in ("15100", "35202")),
        Ask(f"{city}/areas", "/api/cities/15100/areas"),
        Ask(f"{city}/areas", "/api/cities/15100/areas", {"level": 2, "simplify_m": 50}),
        Ask(f"{city}/areas", "/api/cities/35202/areas", {"level": 1}),
        Ask(f"{city}/areas", "/api/cities/10202/areas", ok=False),
        Ask(f"{city}/areas/at", "/api/cities/15100/areas/at", NIIGATA_HALL),
        Ask(f"{city}/areas/at", "/api/cities/35202/areas/at", UBE_CENTRE),
        Ask(f"{city}/areas/at", "/api/cities/15100/areas/at", {"lat": 37.9161}, ok=False),
        Ask(places, "/api/cities/15100/places", {"status": "all", "kind": "all"}),
        Ask(places, "/api/cities/15100/places",
            {"category": "salon", "bbox": "139.0,37.8,139.2,38.0"}),
        Ask(places, "/api/cities/15100/places", {"area": "15100-L1-15103"}),
        Ask(places, "/api/cities/15100/places", {"q": "カフェ", "limit": 5, "offset": 2}),
        Ask(places, "/api/cities/35202/places", {"status": "active,paused", "kind": "all"}),
        Ask(places, "/api/cities/35202/places",
            {"category": "salon,dementia-cafe", "area": "35202-L2-d03"}),
        Ask(places, "/api/cities/15100/places",
            {"format": "csv", "status": "all", "kind": "all"}),
        Ask(places, "/api/cities/15100/places", {"format": "kml", "area": "15100-L1-15103"}),
        Ask(places, "/api/cities/35202/places", {"format": "gpkg", "category": "salon"}),
        Ask(places, "/api/cities/35202/places", {"format": "geojson", "q": "サロン"}),
        Ask(places, "/api/cities/15100/places", {"format": "xlsx"}, ok=False),
        Ask(places, "/api/cities/15100/places", {"bbox": "139.0,37.8"}, ok=False),
        Ask(places, "/api/cities/15100/places", {"kind": "hall"}, ok=False),
        Ask(places, "/api/cities/15100/places", {"sort": "name", "limit": 20, "offset": 5}),
        Ask(places, "/api/cities/15100/places",
            {"sort": "distance", **NIIGATA_HALL, "limit": 30, "category": "salon"}),
        Ask(places, "/api/cities/15100/places", {"sort": "distance"}, ok=False),
        Ask(clusters, "/api/cities/15100/clusters", {"zoom": 10}),
        Ask(clusters, "/api/cities/15100/clusters",
            {"zoom": 13, "bbox": "139.0,37.85,139.1,37.95", "status": "all"}),
        Ask(clusters, "/api/cities/35202/clusters", {"zoom": 12, "category": "salon"}),
        Ask(clusters, "/api/cities/15100/clusters", {"zoom": 12, "area": "15100-L1-15103"}),
        Ask(clusters, "/api/cities/15100/clusters", {"zoom": 40}, ok=False),
        Ask(clusters, "/api/cities/15100/clusters", {"zoom": 9, "bbox": "1,2,3"}, ok=False),
        Ask("/api/places/{place_id}", f"/api/places/{UBE_PLACE}"),
        Ask("/api/places/{place_id}", f"/api/places/{PRIVATE_HOME}"),
        Ask("/api/places/{place_id}", "/api/places/35202-halls-P20-373"),
        Ask("/api/places/{place_id}", "/api/places/15100-places-nope", ok=False),
        Ask("/api/places/{place_id}/history", f"/api/places/{NIIGATA_PLACE}/history",
            signed_in=True),
        Ask("/api/places/{place_id}/history", f"/api/places/{NIIGATA_PLACE}/history", ok=False),
        Ask("/api/places/{place_id}/history", f"/api/places/{UBE_PLACE}/history",
            signed_in=True, ok=False),  # another city's place: 403
        Ask("/api/areas/{area_id}", "/api/areas/15100-L1-15103"),
        Ask("/api/areas/{area_id}", "/api/areas/15100-L1-nope", ok=False),
        Ask("/api/areas/{area_id}/history", "/api/areas/15100-L1-15103/history", signed_in=True),
        Ask("/api/areas/{area_id}/history", "/api/areas/15100-L1-15103/history", ok=False),
        Ask("/api/overview", "/api/overview"),
        Ask("/api/overview", "/api/overview", {"prefecture": "15", "sort": "name"}),
        Ask("/api/overview", "/api/overview", {"prefecture": "99"}, ok=False),
        Ask("/api/places/nearby", "/api/places/nearby", {**NIIGATA_HALL, "limit": 20}),
        Ask("/api/places/nearby", "/api/places/nearby",
            {"lat": 37.80, "lon": 139.10, "limit": 5, "kind": "venue"}),
        Ask("/api/places/nearby", "/api/places/nearby",
            {**UBE_CENTRE, "limit": 10, "city": "35202"}),
        Ask("/api/places/nearby", "/api/places/nearby", {**UBE_CENTRE, "category": "salon"}),
        Ask("/api/places/nearby", "/api/places/nearby", {"lat": 95, "lon": 131.25}, ok=False),
        Ask(walks, "/api/cities/35202/walks", UBE_CENTRE),
        Ask(walks, "/api/cities/15100/walks", NIIGATA_HALL),
        Ask(walks, "/api/cities/35202/walks", {"lat": 33.95}, ok=False),
        Ask(towns, "/api/cities/15100/towns", {"q": "古町"}),
        Ask(towns, "/api/cities/15100/towns", {"q": "ふる", "limit": 3}),
        Ask(towns, "/api/cities/35202/towns", {"q": "琴芝"}),
        Ask(towns, "/api/cities/10202/towns", {"q": "本町"}, ok=False),
        *(Ask(cov, f"/api/cities/{c}/coverage") for c in ("15100", "35202")),
        Ask(cov, "/api/cities/35202/coverage", {"format": "csv", "age": 75}),
        Ask(cov, "/api/cities/35202/coverage", {"format": "geojson", "minutes": 16}),
        Ask(cov, "/api/cities/15100/coverage", {"format": "gpkg", "category": "salon,chanoma"}),
        Ask(cov, "/api/cities/15100/coverage", {"speed_kmh": 4.5, "category": "hall"}),
        Ask(cov, "/api/cities/35202/coverage", {"age": 70}, ok=False),
        Ask(cov, "/api/cities/35202/coverage", {"category": "nope"}, ok=False),
        Ask(cov, "/api/cities/10202/coverage", ok=False),
        Ask(gaps, "/api/cities/35202/coverage/gaps", {"limit": 20}),
        Ask(gaps, "/api/cities/15100/coverage/gaps", {"limit": 50, "min_uncovered_share": 0.9}),
        Ask(gaps, "/api/cities/35202/coverage/gaps", {"format": "csv", "age": 75}),
        Ask(gaps, "/api/cities/35202/coverage/gaps", {"format": "gpkg", "limit": 10}),
        Ask(gaps, "/api/cities/35202/coverage/gaps", {"min_uncovered_share": 2}, ok=False),
        Ask(sugg, "/api/cities/35202/suggestions", {"k": 3}),
        Ask(sugg, "/api/cities/15100/suggestions", {"k": 2, "age": 75, "candidates": "hall"}),
        Ask(sugg, "/api/cities/35202/suggestions", {"k": 0}, ok=False),
        Ask(sugg, "/api/cities/35202/suggestions", {"k": 3, "streets": "true", "format": "csv",
                                                     "lang": "ja"}),
        Ask(sugg, "/api/cities/15100/suggestions", {"k": 2, "streets": "true",
                                                     "format": "geojson"}),
        Ask(cov, "/api/cities/15100/coverage", {"format": "csv", "lang": "ja"}),
        Ask(gaps, "/api/cities/15100/coverage/gaps", {"format": "csv", "lang": "ja"}),
        Ask(iso, "/api/isochrone", UBE_CENTRE),
        Ask(iso, "/api/isochrone", {**UBE_CENTRE, "minutes": 5, "speed_kmh": 4, "city": "35202"}),
        Ask(iso, "/api/isochrone", {**NIIGATA_HALL, "city": "15100"}, ok=False),  # no network
        Ask(iso, "/api/isochrone", NIIGATA_HALL, ok=False),  # no network around the point
        Ask(place_iso, f"/api/places/{UBE_PLACE}/isochrone"),
        Ask(place_iso, "/api/places/35202-halls-P20-373/isochrone", {"minutes": 15}),
        Ask(place_iso, f"/api/places/{PRIVATE_HOME}/isochrone", ok=False),  # never from a home
        Ask(place_iso, "/api/places/15100-places-d0014/isochrone", ok=False),  # no network
        Ask("/", "/"),
        Ask("/favicon.ico", "/favicon.ico"),
        Ask("/map/{code}", "/map/15100"),
        Ask("/map/{code}", "/map/35202", {"lang": "en", "category": "salon", "place": UBE_PLACE}),
        Ask("/map/{code}", "/map/10202", ok=False),
        Ask("/coordinator/{code}", "/coordinator/35202"),
        Ask("/coordinator/{code}", "/coordinator/15100", {"lang": "en"}),
        *_ogc_asks(),
        Ask("/print/{code}", "/print/35202", {"area": "35202-L2-d03"}),  # streets drawn
        Ask("/print/{code}", "/print/15100",
            {"area": "15100-L1-15107", "lang": "en", "category": "salon"}),
        Ask("/print/{code}", "/print/15100", {"area": "35202-L2-d03"}, ok=False),
        Ask("/print/{code}", "/print/10202", {"area": "15100-L1-15107"}, ok=False),
    ]  # fmt: skip


def _ogc_asks() -> list[Ask]:
    """OGC API – Features: every route as JSON and as HTML, filters, paging and refusals."""
    coll, items = "/ogc/collections/{collection_id}", "/ogc/collections/{collection_id}/items"
    item = f"{items}/{{feature_id}}"
    niigata, ube = "/ogc/collections/15100-places", "/ogc/collections/35202-places"
    return [
        Ask("/ogc", "/ogc"),
        Ask("/ogc", "/ogc", {"f": "html", "lang": "en"}),
        Ask("/ogc", "/ogc", {"f": "xml"}, ok=False),
        Ask("/ogc/conformance", "/ogc/conformance"),
        Ask("/ogc/api", "/ogc/api"),
        Ask("/ogc/collections", "/ogc/collections"),
        Ask("/ogc/collections", "/ogc/collections", {"f": "html"}),
        Ask(coll, niigata),
        Ask(coll, "/ogc/collections/35202-areas", {"f": "html"}),
        Ask(coll, "/ogc/collections/10202-places", ok=False),  # a city this store does not hold
        Ask(items, f"{niigata}/items", {"limit": 5, "offset": 10}),
        Ask(items, f"{niigata}/items", {"category": "salon", "bbox": "139.0,37.8,139.2,38.0"}),
        Ask(items, f"{niigata}/items", {"area": "15100-L1-15103", "f": "html"}),
        Ask(items, f"{ube}/items", {"kind": "all", "status": "all", "limit": 5000}),
        Ask(items, "/ogc/collections/35202-areas/items", {"level": 2}),
        Ask(items, "/ogc/collections/15100-areas/items", {"bbox": "139.0,37.8,139.1,37.9"}),
        Ask(items, f"{niigata}/items", {"bbox": "139.0,37.8"}, ok=False),
        Ask(items, f"{niigata}/items", {"limit": 0}, ok=False),
        Ask(items, f"{niigata}/items", {"bbx": "139.0,37.8,139.2,38.0"}, ok=False),
        Ask(items, "/ogc/collections/15100-areas/items", {"category": "salon"}, ok=False),
        Ask(item, f"{niigata}/items/{PRIVATE_HOME}"),
        Ask(item, f"{ube}/items/{UBE_PLACE}"),  # as HTML it shows when each store wrote it
        Ask(item, "/ogc/collections/15100-areas/items/15100-L1-15103", {"f": "html"}),
        Ask(item, f"{niigata}/items/{UBE_PLACE}", ok=False),  # another city's place
    ]


ASKS = _asks()


@pytest.fixture(scope="module")
def clients(
    tmp_path_factory: pytest.TempPathFactory, postgis_engine: Engine, postgis_url: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """The demo loaded into a GeoPackage and into PostGIS, each behind its own app."""
    with postgis_engine.begin() as conn:
        conn.execute(
            text(f"TRUNCATE {', '.join(STORE_TABLES)}")
        )
    stores = [GpkgStore(tmp_path_factory.mktemp("parity") / "demo.gpkg"), PostgisStore(postgis_url)]
    for store in stores:
        load_demo(store)
        store.put_token(ApiToken("parity", "15100", "viewer", token_hash(VIEWER_SECRET)))
    with TestClient(create_app(stores[0])) as gpkg, TestClient(create_app(stores[1])) as postgis:
        yield gpkg, postgis
    for store in stores:
        store.close()


VOLATILE = ("updated_at", "seconds", "timeStamp")


def _strip(value: Any) -> Any:
    """Drop updated_at, which records when each store was written, the solver's seconds and
    the OGC API's timeStamp (the minute each answer was made)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _geopackage(data: bytes) -> list[tuple[str, Any]]:
    """Each layer's attribute rows and geometries (the files' own timestamps differ, and so do
    the places' updated_at, as in the JSON answers)."""
    path = io.BytesIO(data)
    layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    out = []
    for layer in layers:
        frame = pyogrio.read_dataframe(io.BytesIO(data), layer=layer)
        rows = frame.drop(columns=["geometry", "updated_at"], errors="ignore").astype(object)
        out.append((layer, rows.where(rows.notna(), None).to_dict("records")))
        out.append((layer, frame.geometry.to_wkb().tolist()))
    return out


def _body(response: httpx.Response) -> Any:
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        return _strip(response.json())
    if "geopackage" in kind:
        return _geopackage(response.content)
    if kind.startswith("image/x-icon"):
        return response.content
    return response.text


@pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")
@pytest.mark.parametrize("ask", ASKS, ids=str)
def test_both_stores_answer_identically(clients: tuple[TestClient, TestClient], ask: Ask) -> None:
    headers = {"Authorization": f"Bearer {VIEWER_SECRET}"} if ask.signed_in else {}
    a, b = (c.get(ask.path, params=ask.params, headers=headers) for c in clients)
    assert b.status_code == a.status_code, str(ask)
    if ask.ok:
        assert a.status_code == 200, a.text[:500]
    else:
        assert 400 <= a.status_code < 500, a.text[:500]
    for header in ("content-type", "content-disposition"):
        assert a.headers.get(header) == b.headers.get(header), header
    assert _history(_body(a)) == _history(_body(b)), f"{ask} differs between the stores"


def _history(body: Any) -> Any:
    """A history without what differs by store: each change's number and commit time."""
    if isinstance(body, dict) and isinstance(body.get("changes"), list):
        return {**body, "changes": [{k: v for k, v in c.items() if k not in ("id", "at")}
                                    for c in body["changes"]]}  # fmt: skip
    return body


def test_every_route_is_asked(tmp_path: Path) -> None:
    """A new route joins this table: every route of the API (its OpenAPI paths) and of the
    pages is asked, and at least once something it answers."""
    store = GpkgStore(tmp_path / "routes.gpkg")
    try:
        paths = create_app(store).openapi()["paths"]
    finally:
        store.close()
    # writes (POST, PATCH) are asked on both stores by tests/test_place_writes.py
    reads = {path for path, methods in paths.items() if "get" in methods}
    page_routes = [*pages.router.routes, *print_page.router.routes]
    routes = reads | {r.path for r in page_routes if isinstance(r, APIRoute)}
    assert {a.route for a in ASKS} == routes
    assert {a.route for a in ASKS if a.ok} == routes


def test_drawn_outlines_leave_the_stores_areas_alone(
    clients: tuple[TestClient, TestClient],
) -> None:
    """Simplifying outlines for drawing works on copies: the store's own areas, which later
    answers (a place's areas, areas at a point, coverage per area) use, stay exact."""
    for client in clients:
        exact = client.get("/api/cities/15100/areas").json()
        drawn = client.get("/api/cities/15100/areas", params={"simplify_m": 50}).json()
        assert drawn["features"][0]["geometry"] != exact["features"][0]["geometry"]
        assert client.get("/api/cities/15100/areas").json() == exact
