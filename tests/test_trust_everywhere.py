"""The issue's two trust promises checked against every route the app has, on both stores, so a
route added later is checked too: internal fields (internal contact, extra columns) reach only
signed-in roles of that city, whatever the read path and format; and no route with an unsafe
method changes anything without credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from geo.accounts import User
from geo.store.base import Store
from service.auth.passwords import hash_password
from tests.auth_setup import sign_in
from tests.editing_city import NAGAOKA, NIIGATA, WEST, WEST_POINT, City9, city9

PASSWORD = "trust everywhere passphrase"
# the salons file's internal contacts and its extra column 担当: nobody outside the city sees them
SECRETS = ("090-0000-0001", "090-0000-0002", "佐藤", "鈴木")
LON, LAT = WEST_POINT
QUERIES = {
    "/api/isochrone": f"?lat={LAT}&lon={LON}&city={NIIGATA}",
    "/api/places/nearby": f"?lat={LAT}&lon={LON}",
    "/api/cities/{code}/areas/at": f"?lat={LAT}&lon={LON}",
    "/api/cities/{code}/walks": f"?lat={LAT}&lon={LON}",
    "/api/cities/{code}/clusters": "?zoom=12",
    "/edit/{code}/locate": "?q=西",
}
EXTRA_READS = (
    *(f"/api/cities/{NIIGATA}/places?format={f}" for f in ("geojson", "csv", "kml", "gpkg")),
    f"/api/cities/{NIIGATA}/places?limit=1",
    f"/api/cities/{NIIGATA}/places?q=サロン",
    f"/api/cities/{NIIGATA}/places?format=csv&sort=distance&lat={LAT}&lon={LON}",
    f"/ogc/collections/{NIIGATA}-places/items?f=html",
    f"/ogc/collections/{NIIGATA}-places/items?f=json",
    f"/api/places/nearby?lat={LAT}&lon={LON}&format=geojson",
    "/static/tsudoi/common.js",
)


def _routes(app: Any) -> list[APIRoute]:
    """Every API route, the included routers' too (FastAPI nests them out of app.routes)."""

    def walk(routes: list[Any]) -> Iterator[APIRoute]:
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes)
            elif isinstance(r, APIRoute):
                yield r

    return list(walk(app.routes))


def _url(path: str, city: City9) -> str:
    values = {"code": NIIGATA, "place_id": city.west, "id": city.west, "area_id": WEST,
              "collection_id": f"{NIIGATA}-places", "feature_id": city.west}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path) + QUERIES.get(path, "")


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[City9]:
    with city9(store, tmp_path) as c:
        hashed = hash_password(PASSWORD)
        store.put_user(User("nagaoka@example.jp", NAGAOKA, "admin", hashed))
        store.put_user(User("viewer@example.jp", NIIGATA, "viewer", hashed))
        store.put_user(User("admin@example.jp", NIIGATA, "admin", hashed))
        yield c


def _session(city: City9, email: str) -> TestClient:
    client = TestClient(city.client.app)
    assert sign_in(client, email, PASSWORD).status_code == 303
    return client


def _reads(city: City9) -> list[str]:
    gets = [r.path for r in _routes(city.client.app) if "GET" in (r.methods or ())]
    assert len(gets) > 30 and "/api/places/{place_id}" in gets
    return [*(_url(p, city) for p in gets), *EXTRA_READS]


def test_outsiders_never_see_internal_fields_on_any_read(city: City9) -> None:
    """Anonymous, another city's admin by token and by session: no read path, no format."""
    other = _session(city, "nagaoka@example.jp")
    askers: dict[str, tuple[TestClient, dict[str, str]]] = {
        "anonymous": (city.client, {}),
        "other city's token": (city.client, city.headers("other_city_admin")),
        "other city's session": (other, {}),
    }
    checked = 0
    for url in _reads(city):
        for who, (client, headers) in askers.items():
            got = client.get(url, headers=headers, follow_redirects=False)
            assert got.status_code < 500, (who, url, got.text[:300])
            for secret in SECRETS:
                assert secret.encode() not in got.content, (who, url, secret)
            checked += got.status_code == 200
    assert checked > 60  # most reads really answered, not refused


def test_the_citys_viewer_sees_them_where_the_api_promises(city: City9) -> None:
    """The place, the city's listing and the editor's list: by token and by session."""
    viewer = _session(city, "viewer@example.jp")
    for client, headers in ((city.client, city.headers("viewer")), (viewer, {})):
        place = client.get(f"/api/places/{city.west}", headers=headers)
        assert place.status_code == 200 and "090-0000-0001" in place.text and "佐藤" in place.text
        assert "private" in place.headers["cache-control"]
        listing = client.get(f"/api/cities/{NIIGATA}/places", headers=headers)
        assert {"代表 090-0000-0001", "代表 090-0000-0002"} <= {
            f["properties"].get("internal_contact") for f in listing.json()["features"]
        }
    # the editor: every place for the viewer, read-only; all to change for the city's admin
    read_only = viewer.get(f"/edit/{NIIGATA}/places.json")
    assert read_only.json()["read_only"] is True and "090-0000-0002" in read_only.text
    editor_list = _session(city, "admin@example.jp").get(f"/edit/{NIIGATA}/places.json")
    assert editor_list.status_code == 200 and "090-0000-0002" in editor_list.text
    # and the anonymous answer after them is not served from a cache they filled
    again = city.client.get(f"/api/cities/{NIIGATA}/places")
    assert "090-0000-0001" not in again.text


# a route with an unsafe method that changes nothing, and why it may answer anonymously
PUBLIC_WRITES = {
    "/api/schedule/preview": "pure: answers the dates of the rules it is sent",
    "/logout": "without a session there is nothing to end: 303 to /login",
    "/login": "the sign-in form itself: without its CSRF token 403",
}


def test_no_unsafe_method_changes_anything_anonymously(city: City9) -> None:
    """Every route with a method other than GET/HEAD, from the app's own list."""
    unsafe = [(m, r.path) for r in _routes(city.client.app)
              for m in sorted((r.methods or set()) - {"GET", "HEAD"})]  # fmt: skip
    assert len(unsafe) >= 6
    # the secret key is generated (a setting written once) at the first use: before counting
    assert city.client.get("/login").status_code == 200
    etag = city.etag(city.west)
    bodies: list[dict[str, Any]] = [
        {}, {"name": "x", "category": "salon", "lon": LON, "lat": LAT, "phone": "0",
             "change": city.store.changes("place", city.west)[0].id, "contacts": []},
    ]  # fmt: skip
    for method, path in unsafe:
        url = _url(path, city)
        for body in bodies:
            revision, history = city.store.revision(), len(city.store.changes("place"))
            got = city.client.request(method, url, json=body, follow_redirects=False,
                                      headers={"If-Match": etag})  # fmt: skip
            assert city.store.revision() == revision, (method, url)
            assert len(city.store.changes("place")) == history, (method, url)
            if path in PUBLIC_WRITES:
                assert got.status_code in (200, 303, 403, 422), (method, url, got.status_code)
                continue
            assert got.status_code == 401, (method, url, got.text)
            assert got.headers["www-authenticate"].startswith("Bearer")
            assert got.headers["content-type"].startswith("application/problem+json")
        # a form post (what a page elsewhere could send) is refused too: 401, or 415/422 as
        # the write routes read JSON only; either way nothing moves
        revision = city.store.revision()
        form = city.client.request(method, url, data={"name": "x"}, follow_redirects=False)
        assert form.status_code in (200, 303, 403, 401, 415, 422), (method, url)
        assert form.status_code != 200 or path in PUBLIC_WRITES, (method, url)
        assert city.store.revision() == revision, (method, url)
    assert city.etag(city.west) == etag


def test_history_names_who_and_through_what_for_every_way_in(city: City9) -> None:
    """The import with its source, a token via api (its own id), the session via editor (the
    person's email), for a place and an area's contacts alike."""
    admin = _session(city, "admin@example.jp")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/logout").text)
    assert csrf
    session = {"X-CSRF-Token": csrf.group(1)}
    token_id = next(t.id for t in city.store.tokens(NIIGATA) if t.role == "admin")
    url = f"/api/places/{city.west}"
    by_token = city.client.patch(url, json={"phone": "025-333-3333"},
                                 headers=city.headers("admin", city.etag(city.west)))
    by_session = admin.patch(url, json={"fee": "100円"},
                             headers={**session, "If-Match": city.etag(city.west)})
    assert by_token.status_code == by_session.status_code == 200, (by_token.text, by_session.text)
    contacts = [{"role": "地域包括支援センター", "name": "西包括", "phone": "025-000-7777"}]
    area = admin.patch(f"/api/areas/{WEST}", json={"contacts": contacts},
                       headers={**session, "If-Match": city.area_etag(WEST)})
    assert area.status_code == 200, area.text
    got = city.client.get(f"{url}/history", headers=city.headers("viewer")).json()["changes"]
    ways = [(c["who"], c["via"], c["action"], c["source"], sorted(c["fields"])) for c in got]
    assert ways[0][:2] == ("user:admin@example.jp", "editor") and ways[0][4] == ["fee"]
    assert ways[1][:2] == (f"token:{token_id}", "api") and ways[1][4] == ["phone"]
    assert ways[2][:4] == ("import", "import", "create", "salons")
    (area_change,) = city.client.get(f"/api/areas/{WEST}/history",
                                     headers=city.headers("viewer")).json()["changes"]
    assert (area_change["who"], area_change["via"]) == ("user:admin@example.jp", "editor")
    assert [c["phone"] for c in area_change["fields"]["contacts"][1]] == ["025-000-7777"]
