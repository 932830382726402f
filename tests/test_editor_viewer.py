"""The editor for the city's viewer, on both stores: instead of an empty editor they get every
place and every area's contacts, internal fields included, marked read-only (``read_only``, each
``may_write: false``), on a page that says so at the top; every write from that session is still
refused (403, nothing recorded). An admin's and a coordinator's editor are as before; someone of
another city and anonymous callers get what they got."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.accounts import Principal, User
from geo.store.base import Store
from layers.messages import messages
from service.auth.passwords import hash_password
from tests.auth_setup import sign_in
from tests.editing_city import EAST, NAGAOKA, NIIGATA, WEST, City9, city9

PASSWORD = "viewer editor passphrase"
VIEWER, ADMIN, WARD, OTHER = (
    "viewer@example.jp",
    "admin@example.jp",
    "west@example.jp",
    "nagaoka@example.jp",
)
NOTICE = "You can view but not change these records."


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[City9]:
    with city9(store, tmp_path) as c:
        hashed = hash_password(PASSWORD)
        store.put_user(User(VIEWER, NIIGATA, "viewer", hashed))
        store.put_user(User(ADMIN, NIIGATA, "admin", hashed))
        store.put_user(User(WARD, NIIGATA, "coordinator", hashed, [WEST]))
        store.put_user(User(OTHER, NAGAOKA, "admin", hashed))
        yield c


def test_only_the_citys_viewer_reads_only() -> None:
    viewer = Principal("user:v", NIIGATA, "viewer")
    assert viewer.reads_only(NIIGATA) and not viewer.reads_only(NAGAOKA)
    for role in ("admin", "coordinator"):
        assert not Principal("user:x", NIIGATA, role).reads_only(NIIGATA)
    assert not Principal("user:w", NIIGATA, "coordinator", (WEST,)).reads_only(NIIGATA)


def _session(city: City9, email: str) -> TestClient:
    client = TestClient(city.client.app)
    assert sign_in(client, email, PASSWORD).status_code == 303
    return client


def _data(client: TestClient) -> dict[str, Any]:
    r = client.get(f"/edit/{NIIGATA}/places.json")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("private")
    found: dict[str, Any] = r.json()
    return found


def _config(html: str) -> dict[str, Any]:
    block = re.search(
        r'<script type="application/json" id="tsudoi-config">(.*?)</script>', html, re.S
    )
    assert block is not None
    found: dict[str, Any] = json.loads(block.group(1))
    return found


def test_the_viewer_gets_every_place_and_contact_marked_read_only(city: City9) -> None:
    viewer = _data(_session(city, VIEWER))
    admin = _data(_session(city, ADMIN))
    assert viewer["read_only"] is True and admin["read_only"] is False
    assert {p["id"] for p in viewer["places"]} == {city.west, city.east}
    assert [p["id"] for p in viewer["places"]] == [p["id"] for p in admin["places"]]
    assert all(p["may_write"] is False for p in viewer["places"])
    assert all(p["may_write"] is True for p in admin["places"])
    # every field, the internal ones too, as the admin's editor holds it
    by_id = {p["id"]: p for p in viewer["places"]}
    assert by_id[city.west]["internal_contact"] == "代表 090-0000-0001"
    assert by_id[city.west]["extra"] == {"担当": "佐藤"}
    for mine, theirs in zip(viewer["places"], admin["places"], strict=True):
        assert {k: v for k, v in mine.items() if k != "may_write"} == {
            k: v for k, v in theirs.items() if k != "may_write"
        }
    # the areas' contacts, none of them writable
    areas = {a["id"]: a for a in viewer["areas"]}
    assert set(areas) == {WEST, EAST} and not any(a["may_write"] for a in areas.values())
    assert [c["name"] for c in areas[WEST]["contacts"]] == ["西包括"]
    # and the same by the viewer's token
    token = city.client.get(f"/edit/{NIIGATA}/places.json", headers=city.headers("viewer"))
    assert token.json()["read_only"] is True and len(token.json()["places"]) == 2


def test_a_coordinators_editor_is_unchanged(city: City9) -> None:
    ward = _data(_session(city, WARD))
    assert ward["read_only"] is False
    assert [p["id"] for p in ward["places"]] == [city.west]
    assert ward["places"][0]["may_write"] is True
    assert {a["id"]: a["may_write"] for a in ward["areas"]} == {WEST: True, EAST: False}


def test_the_viewers_page_says_it_is_view_only(city: City9) -> None:
    viewer = _session(city, VIEWER)
    page = viewer.get(f"/edit/{NIIGATA}")
    assert page.status_code == 200 and page.headers["cache-control"].startswith("private")
    ja = messages("ja")
    assert ja[NOTICE] in page.text and 'id="read-only-notice"' in page.text
    assert re.search(r'<body class="[^"]*\bread-only\b', page.text)
    assert ja["The city's places (view only)"] in page.text
    assert _config(page.text)["me"]["read_only"] is True
    assert "/static/tsudoi/edit/readonly.js" in page.text
    # every control that would change a record is marked, the save button among them
    assert re.search(
        r'<p class="button-row save-row" data-write>\s*<button type="submit"[^>]*'
        r'id="save"',
        page.text,
    )
    english = html.unescape(viewer.get(f"/edit/{NIIGATA}?lang=en").text)
    assert NOTICE in english and "ask the city's administrator" in english
    for email in (ADMIN, WARD):
        theirs = _session(city, email).get(f"/edit/{NIIGATA}")
        assert theirs.status_code == 200 and 'id="read-only-notice"' not in theirs.text
        assert not re.search(r'<body class="[^"]*\bread-only\b', theirs.text)
        assert _config(theirs.text)["me"]["read_only"] is False


def test_the_viewers_session_still_writes_nothing(city: City9) -> None:
    """What the editor's buttons would send, with the page's CSRF token: 403 each, no change."""
    viewer = _session(city, VIEWER)
    page = viewer.get(f"/edit/{NIIGATA}").text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found is not None
    csrf = found.group(1)
    etag, area_etag = city.etag(city.west), city.area_etag(WEST)
    first = city.store.changes("place", city.west)[0].id
    revision = city.store.revision()
    place = f"/api/places/{city.west}"
    attempts = [
        ("PATCH", place, {"phone": "025-000-0000"}, etag),
        ("POST", f"{place}/verify", {}, etag),
        ("PATCH", place, {"status": "closed"}, etag),
        ("POST", f"{place}/restore", {"change": first}, etag),
        ("PATCH", f"/api/areas/{WEST}", {"contacts": []}, area_etag),
        (
            "POST",
            f"/api/cities/{NIIGATA}/places",
            {"name": "x", "category": "salon", "lon": 139.03, "lat": 37.91},
            None,
        ),
    ]
    for method, url, body, tag in attempts:
        headers = {"X-CSRF-Token": csrf, **({"If-Match": tag} if tag else {})}
        got = viewer.request(method, url, json=body, headers=headers)
        assert got.status_code == 403, (method, url, got.text)
    assert city.store.revision() == revision
    assert city.etag(city.west) == etag and city.area_etag(WEST) == area_etag


def test_the_viewers_queue_is_the_citys(city: City9) -> None:
    def ids(email: str) -> list[str]:
        r = _session(city, email).get(f"/edit/{NIIGATA}/stale.csv")
        assert r.status_code == 200
        return [row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))][1:]

    assert sorted(ids(VIEWER)) == sorted(ids(ADMIN)) == sorted([city.west, city.east])
    assert ids(WARD) == [city.west]


def test_another_city_and_anonymous_get_what_they_got(city: City9) -> None:
    other = _session(city, OTHER)
    page = other.get(f"/edit/{NIIGATA}")
    assert page.status_code == 403 and 'href="/edit/15202"' in page.text
    assert 'id="read-only-notice"' not in page.text
    assert other.get(f"/edit/{NIIGATA}/places.json").status_code == 403
    assert other.get(f"/edit/{NIIGATA}/stale.csv").status_code == 403
    token = city.client.get(
        f"/edit/{NIIGATA}/places.json", headers=city.headers("other_city_admin")
    )
    assert token.status_code == 403
    anon = TestClient(city.client.app)
    r = anon.get(f"/edit/{NIIGATA}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fedit%2F15100"
    assert anon.get(f"/edit/{NIIGATA}/places.json").status_code == 401
