"""/edit/{code} without a browser: who gets the page (sign-in, another city), the strict page it
is (no inline code, scripts in order, private), and what /edit/{code}/places.json gives each role
— the places they may change (the viewer: every place, read-only), with ETags the write API
accepts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.accounts import User
from geo.store.gpkg import GpkgStore
from layers.messages import messages
from service.app import create_app
from service.auth.passwords import hash_password
from service.demo import load_demo
from service.settings import Settings

CITY = "15100"
PASSWORD = "editor-page-password"
STATIC = Path(__file__).resolve().parents[1] / "layers" / "static" / "tsudoi"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpkgStore]:
    s = GpkgStore(tmp_path_factory.mktemp("editor") / "demo.gpkg")
    load_demo(s)
    ward = next(a for a in s.areas(CITY) if a.level == 1)
    for email, city, role, areas in (
        ("admin@example.jp", CITY, "admin", []),
        ("ward@example.jp", CITY, "coordinator", [ward.id]),
        ("viewer@example.jp", CITY, "viewer", []),
        ("shunan@example.jp", "35215", "admin", []),
    ):
        s.put_user(User(email, city, role, hash_password(PASSWORD), areas=areas))  # type: ignore[arg-type]
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(store: GpkgStore) -> Any:
    return create_app(store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))


def signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = client.post("/login", data={"email": email, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    return client


def _config(html: str) -> dict[str, Any]:
    block = re.search(r'<script type="application/json" id="tsudoi-config">(.*?)</script>',
                      html, re.S)
    assert block is not None
    found: dict[str, Any] = json.loads(block.group(1))
    return found


def test_anonymous_people_are_sent_to_sign_in_and_back(app: Any) -> None:
    with TestClient(app) as anon:
        r = anon.get(f"/edit/{CITY}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fedit%2F15100"
        r = anon.get(f"/edit/{CITY}?lang=en", follow_redirects=False)
        assert r.headers["location"] == "/login?next=%2Fedit%2F15100%3Flang%3Den"
        data = anon.get(f"/edit/{CITY}/places.json")
        assert data.status_code == 401
        assert data.headers["content-type"] == "application/problem+json"


def test_someone_of_another_city_gets_a_403_page(app: Any) -> None:
    with signed_in(app, "shunan@example.jp") as other:
        r = other.get(f"/edit/{CITY}")
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
        assert "35215" in r.text and 'href="/edit/35215"' in r.text
        assert other.get(f"/edit/{CITY}/places.json").status_code == 403


def test_the_page_is_strict_and_private(app: Any) -> None:
    with signed_in(app, "admin@example.jp") as client:
        r = client.get(f"/edit/{CITY}")
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert r.headers["cache-control"].startswith("private")
        html = r.text
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert not re.search(r"\son[a-z]+=", html) and " style=" not in html
        assert "<style" not in html
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
        assert meta is not None and len(meta.group(1)) >= 20
        scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
        own = [s for s in scripts if s.startswith("/static/tsudoi/edit/")]
        assert scripts.index("/static/tsudoi/common.js") < scripts.index(own[0])
        assert own[-1] == "/static/tsudoi/edit/main.js"
        assert {f"/static/tsudoi/edit/{p.name}" for p in (STATIC / "edit").glob("*.js")} == set(own)
        for asset in [*scripts, "/static/tsudoi/edit.css"]:
            assert client.get(asset).status_code == 200, asset
        # the editor's labels go to the editor's scripts, not to the residents' pages
        labels = _config(html)["messages"]
        assert labels["I have checked this information"] == "情報を確認しました"
        residents = _config(client.get(f"/map/{CITY}").text)["messages"]
        assert "I have checked this information" not in residents
        assert residents["Last checked"] == "最終確認日" == messages("ja")["Last checked"]


def _data(app: Any, email: str) -> dict[str, Any]:
    with signed_in(app, email) as client:
        r = client.get(f"/edit/{CITY}/places.json")
        assert r.status_code == 200 and r.headers["cache-control"].startswith("private")
        found: dict[str, Any] = r.json()
        return found


def test_each_role_gets_the_places_it_may_change(app: Any, store: GpkgStore) -> None:
    admin = _data(app, "admin@example.jp")
    ward_user = store.user("ward@example.jp")
    assert ward_user is not None
    ward = ward_user.areas[0]
    coordinator = _data(app, "ward@example.jp")
    viewer = _data(app, "viewer@example.jp")
    # the viewer: every place the admin has, to read (internal fields too), none to change
    assert viewer["read_only"] is True and admin["read_only"] is False
    assert [p["id"] for p in viewer["places"]] == [p["id"] for p in admin["places"]]
    assert not any(p["may_write"] for p in viewer["places"])
    assert not any(a["may_write"] for a in viewer["areas"])
    assert all(p["may_write"] for p in admin["places"] + coordinator["places"])
    assert 0 < len(coordinator["places"]) < len(admin["places"])
    assert all(ward in p["areas"] for p in coordinator["places"])
    assert {a["id"] for a in coordinator["areas"] if a["may_write"]} == {ward}
    outside = [p for p in admin["places"] if ward not in p["areas"]]
    assert outside, "the city has places outside the coordinator's ward"
    kinds = {p["kind"] for p in admin["places"]}
    assert kinds == {"gathering", "venue"}
    # stalest first: never verified, then the oldest check
    checked = [p["last_verified"] or "" for p in admin["places"]]
    assert checked == sorted(checked)
    for p in admin["places"][:20]:
        stored = store.place(p["id"])
        assert stored is not None and p["etag"] == stored.content_hash()
        assert "internal_contact" in p and "extra" in p
    assert admin["stale_months"] == 6 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", admin["today"])


def test_an_address_is_placed_at_its_town(app: Any) -> None:
    with signed_in(app, "ward@example.jp") as client:
        r = client.get(f"/edit/{CITY}/locate", params={"address": "新潟市中央区古町通7番町1010"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["town"] == "古町通七番町" and body["precision"] == "town"
        assert abs(body["lat"] - 37.9227) < 0.01 and abs(body["lon"] - 139.045) < 0.01
        other = client.get(f"/edit/{CITY}/locate", params={"address": "宇治市宇治"})
        assert other.status_code == 422 and "宇治市" in other.json()["detail"]
        none = client.get(f"/edit/{CITY}/locate", params={"address": "新潟市中央区ありえない町"})
        assert none.status_code == 422 and "address" in none.json()["detail"]
        assert client.get(f"/edit/{CITY}/locate").status_code == 422
    with TestClient(app) as anon:
        assert anon.get(f"/edit/{CITY}/locate", params={"address": "古町通"}).status_code == 401


def test_no_residents_script_needs_a_label_kept_for_the_editor() -> None:
    """Labels flagged ``editor`` are left out of the residents' pages: none of their scripts
    may use one (it would show as its English id)."""
    from layers.messages import page_messages

    editor_only = set(messages("ja")) - set(page_messages("ja"))
    assert "I have checked this information" in editor_only and "Last checked" not in editor_only
    for path in STATIC.rglob("*.js"):
        if path.parent.name == "edit":
            continue
        used = set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
        assert used & editor_only == set(), path.name


def test_a_coordinators_csv_is_their_areas_queue(app: Any, store: GpkgStore) -> None:
    import csv
    import io

    data = _data(app, "ward@example.jp")
    due = [p for p in data["places"] if p["stale"] and p["status"] != "closed"]
    assert due and all(p["kind"] == "gathering" for p in due)
    with signed_in(app, "ward@example.jp") as client:
        r = client.get(f"/edit/{CITY}/stale.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [p["id"] for p in due]
    everyone = list(csv.reader(io.StringIO(
        signed_in(app, "admin@example.jp").get(f"/edit/{CITY}/stale.csv").text.lstrip("\ufeff"))))
    assert 0 < len(rows) < len(everyone)
