"""The write API on both stores: who may do what (the whole matrix, every write route), lost
updates refused (428/412), history and restore, verification, closing without deleting,
internal fields only for the city's roles, and bad bodies answered 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from geo.store.base import PlaceQuery, Store
from service.serialize import now_in_japan
from tests.editing_city import (
    EAST,
    EAST_POINT,
    NIIGATA,
    ROLES,
    WEST,
    WEST_POINT,
    City9,
    city9,
)

OK_ROLES = {"coordinator_in", "admin"}
DENIED = {"anonymous": 401, "viewer": 403, "coordinator_out": 403, "other_city_admin": 403}


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[City9]:
    with city9(store, tmp_path) as c:
        yield c


def _problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def _fields_named(body: dict[str, Any]) -> set[str]:
    named = {p.get("field") for p in body.get("problems", [])}
    named |= {e["location"].split(".")[-1] for e in body.get("errors", [])}
    return {n for n in named if n}


def _history(city: City9, place_id: str) -> list[dict[str, Any]]:
    got = city.client.get(f"/api/places/{place_id}/history", headers=city.headers("admin"))
    assert got.status_code == 200, got.text
    changes: list[dict[str, Any]] = got.json()["changes"]
    return changes


# -- the matrix: every write route, every role --------------------------------------------------

Attempt = Callable[[City9, str], Response]


def _create(city: City9, role: str) -> Response:
    lon, lat = WEST_POINT
    body = {"name": f"新しいサロン {role}", "category": "salon", "lon": lon + 0.001, "lat": lat}
    return city.client.post(f"/api/cities/{NIIGATA}/places", json=body,
                            headers=city.headers(role))  # fmt: skip


def _patch(city: City9, role: str) -> Response:
    return city.client.patch(f"/api/places/{city.west}", json={"phone": f"025-{role[:3]}"},
                             headers=city.headers(role, city.etag(city.west)))  # fmt: skip


def _verify(city: City9, role: str) -> Response:
    return city.client.post(f"/api/places/{city.west}/verify", headers=city.headers(role))


def _restore(city: City9, role: str) -> Response:
    first = city.store.changes("place", city.west)[0].id
    # something to undo first, so an allowed restore changes the place
    city.client.patch(f"/api/places/{city.west}", json={"fee": f"{role} 100円"},
                      headers=city.headers("admin", city.etag(city.west)))  # fmt: skip
    return city.client.post(f"/api/places/{city.west}/restore", json={"change": first},
                            headers=city.headers(role, city.etag(city.west)))  # fmt: skip


def _patch_area(city: City9, role: str) -> Response:
    contacts = [{"role": "地域包括支援センター", "name": "西包括", "phone": f"025-{role[:4]}"}]
    return city.client.patch(f"/api/areas/{WEST}", json={"contacts": contacts},
                             headers=city.headers(role, city.area_etag(WEST)))  # fmt: skip


ROUTES: dict[str, tuple[Attempt, int]] = {
    "POST /api/cities/{code}/places": (_create, 201),
    "PATCH /api/places/{id}": (_patch, 200),
    "POST /api/places/{id}/verify": (_verify, 200),
    "POST /api/places/{id}/restore": (_restore, 200),
    "PATCH /api/areas/{id}": (_patch_area, 200),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_write_route_answers_each_role_as_the_matrix_says(city: City9, route: str) -> None:
    attempt, success = ROUTES[route]
    for role in ROLES:
        history_before = len(city.store.changes("place", city=NIIGATA)) + len(
            city.store.changes("area", city=NIIGATA)
        )
        got = attempt(city, role)
        if role in OK_ROLES:
            assert got.status_code == success, (role, got.text)
            assert got.headers["etag"].startswith('"')
        else:
            body = _problem(got, DENIED[role])
            assert body["title"] in ("Sign-in required", "Not allowed"), (role, body)
            if role == "anonymous":
                assert got.headers["www-authenticate"].startswith("Bearer")
            # a refused write records nothing (the restore's own preparation aside)
            after = len(city.store.changes("place", city=NIIGATA)) + len(
                city.store.changes("area", city=NIIGATA)
            )
            prepared = 1 if route.endswith("/restore") else 0
            assert after == history_before + prepared, role


def test_a_coordinator_creates_only_inside_its_areas(city: City9) -> None:
    lon, lat = EAST_POINT
    body = {"name": "東の新サロン", "category": "salon", "lon": lon, "lat": lat}
    url = f"/api/cities/{NIIGATA}/places"
    _problem(city.client.post(url, json=body, headers=city.headers("coordinator_in")), 403)
    made = city.client.post(url, json=body, headers=city.headers("coordinator_out"))
    assert made.status_code == 201, made.text
    new_id = made.json()["id"]
    assert new_id.startswith(f"{NIIGATA}-editor-")
    assert made.json()["properties"]["source"] == "editor"
    assert made.headers["location"] == f"/api/places/{new_id}"
    assert made.json()["properties"]["areas"] == [EAST]
    (change,) = city.store.changes("place", new_id)
    assert (change.action, change.via, change.who) == ("create", "api", change.who)
    assert change.who.startswith("token:")


def test_moving_a_place_needs_both_points_in_the_coordinators_areas(city: City9) -> None:
    lon, lat = EAST_POINT
    moved = city.client.patch(f"/api/places/{city.west}", json={"lon": lon, "lat": lat},
                              headers=city.headers("coordinator_in", city.etag(city.west)))
    _problem(moved, 403)
    within = city.client.patch(f"/api/places/{city.west}", json={"lon": WEST_POINT[0] + 0.002},
                               headers=city.headers("coordinator_in", city.etag(city.west)))
    assert within.status_code == 200, within.text
    assert within.json()["geometry"]["coordinates"][0] == pytest.approx(WEST_POINT[0] + 0.002)
    admin = city.client.patch(f"/api/places/{city.west}", json={"lon": lon, "lat": lat},
                              headers=city.headers("admin", city.etag(city.west)))
    assert admin.status_code == 200 and admin.json()["properties"]["areas"] == [EAST]


def test_history_is_for_the_citys_roles_only(city: City9) -> None:
    url = f"/api/places/{city.west}/history"
    _problem(city.client.get(url), 401)
    _problem(city.client.get(url, headers=city.headers("other_city_admin")), 403)
    for role in ("viewer", "coordinator_in", "coordinator_out", "admin"):
        got = city.client.get(url, headers=city.headers(role))
        assert got.status_code == 200, (role, got.text)
        (created,) = got.json()["changes"]
        assert (created["who"], created["via"], created["action"], created["source"]) == (
            "import", "import", "create", "salons"
        )
        assert created["fields"]["phone"] == [None, "025-111-1111"]


# -- lost updates -------------------------------------------------------------------------------


def test_a_change_without_if_match_is_refused_with_428(city: City9) -> None:
    url = f"/api/places/{city.west}"
    body = _problem(city.client.patch(url, json={"phone": "1"}, headers=city.headers("admin")),
                    428)  # fmt: skip
    assert "If-Match" in body["detail"]
    star = city.client.patch(url, json={"phone": "1"}, headers=city.headers("admin", "*"))
    _problem(star, 428)
    restore = city.client.post(f"{url}/restore", json={"change": 1}, headers=city.headers("admin"))
    _problem(restore, 428)
    area = city.client.patch(f"/api/areas/{WEST}", json={"contacts": []},
                             headers=city.headers("admin"))  # fmt: skip
    _problem(area, 428)
    assert city.client.get(url).json()["properties"]["phone"] == "025-111-1111"


def test_two_clients_with_one_etag_one_wins_one_gets_412(city: City9) -> None:
    etag = city.etag(city.west)
    first = city.client.patch(f"/api/places/{city.west}", json={"phone": "025-333-3333"},
                              headers=city.headers("admin", etag))  # fmt: skip
    second = city.client.patch(f"/api/places/{city.west}", json={"phone": "025-444-4444"},
                               headers=city.headers("coordinator_in", etag))  # fmt: skip
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag
    _problem(second, 412)
    assert second.headers["etag"] == first.headers["etag"]  # the version to read again
    assert city.client.get(f"/api/places/{city.west}").json()["properties"]["phone"] == (
        "025-333-3333"
    )
    edits = [c for c in _history(city, city.west) if c["via"] != "import"]
    assert len(edits) == 1
    assert edits[0]["fields"] == {"phone": ["025-111-1111", "025-333-3333"]}
    assert edits[0]["action"] == "update" and edits[0]["via"] == "api"
    # the loser, having read again, succeeds
    again = city.client.patch(f"/api/places/{city.west}", json={"phone": "025-444-4444"},
                              headers=city.headers("coordinator_in", second.headers["etag"]))
    assert again.status_code == 200, again.text


def test_weak_and_listed_etags_are_understood(city: City9) -> None:
    etag = city.etag(city.west)
    got = city.client.patch(f"/api/places/{city.west}", json={"fee": "無料"},
                            headers=city.headers("admin", f'"stale", W/{etag}'))  # fmt: skip
    assert got.status_code == 200, got.text


def test_get_carries_the_etag_and_answers_304_when_unchanged(city: City9) -> None:
    url = f"/api/places/{city.west}"
    first = city.client.get(url)
    etag = first.headers["etag"]
    assert "Authorization" in first.headers["vary"]
    # answered whole: the same version can carry another next_date tomorrow
    same = city.client.get(url, headers={"If-None-Match": etag})
    assert same.status_code == 200 and same.headers["etag"] == etag
    city.client.patch(url, json={"fee": "200円"}, headers=city.headers("admin", etag))
    changed = city.client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    area = city.client.get(f"/api/areas/{WEST}")
    assert area.status_code == 200 and area.json()["properties"]["contacts"][0]["name"] == "西包括"
    again = city.client.get(f"/api/areas/{WEST}", headers={"If-None-Match": area.headers["etag"]})
    assert again.status_code == 304


# -- history, restore, verify, close ------------------------------------------------------------


def test_restore_brings_the_old_values_back_as_a_new_change(city: City9) -> None:
    url = f"/api/places/{city.west}"
    created = _history(city, city.west)[0]["id"]
    rules = [{"weekdays": [3], "weeks": [2, 4], "start": "13:00", "end": "15:00"}]
    one = city.client.patch(url, json={"phone": "025-555-5555", "schedule_rules": rules},
                            headers=city.headers("admin", city.etag(city.west)))  # fmt: skip
    assert one.status_code == 200, one.text
    two = city.client.patch(url, json={"name": "西の茶の間", "internal_contact": None},
                            headers=city.headers("admin", city.etag(city.west)))  # fmt: skip
    assert two.status_code == 200, two.text
    back = city.client.post(f"{url}/restore", json={"change": created},
                            headers=city.headers("coordinator_in", city.etag(city.west)))
    assert back.status_code == 200, back.text
    props = back.json()["properties"]
    assert props["phone"] == "025-111-1111" and props["name"] == "西のサロン"
    assert props["schedule_rules"] == [{"weekdays": [1], "start": "10:00", "end": "12:00"}]
    assert props["internal_contact"] == "代表 090-0000-0001"
    newest = _history(city, city.west)[0]
    assert newest["action"] == "restore" and newest["who"].startswith("token:")
    assert newest["fields"]["phone"] == ["025-555-5555", "025-111-1111"]
    assert newest["fields"]["name"] == ["西の茶の間", "西のサロン"]
    assert len(_history(city, city.west)) == 4
    # restoring to the version after the first edit brings that edit back
    edit = _history(city, city.west)[2]["id"]
    again = city.client.post(f"{url}/restore", json={"change": edit},
                             headers=city.headers("admin", city.etag(city.west)))  # fmt: skip
    assert again.json()["properties"]["phone"] == "025-555-5555"
    assert again.json()["properties"]["name"] == "西のサロン"
    bad = city.client.post(f"{url}/restore", json={"change": 999999},
                           headers=city.headers("admin", city.etag(city.west)))  # fmt: skip
    assert "change" in _fields_named(_problem(bad, 422))


def test_verify_sets_today_in_japan(city: City9) -> None:
    got = city.client.post(f"/api/places/{city.west}/verify", headers=city.headers("admin"))
    assert got.status_code == 200, got.text
    today = now_in_japan().date().isoformat()
    assert got.json()["properties"]["last_verified"] == today
    assert city.client.get(f"/api/places/{city.west}").json()["properties"]["last_verified"] == (
        today
    )
    newest = _history(city, city.west)[0]
    assert newest["action"] == "verify" and newest["fields"] == {"last_verified": [None, today]}
    stale = city.client.post(f"/api/places/{city.west}/verify",
                             headers=city.headers("admin", '"not-the-current-one"'))
    _problem(stale, 412)


def test_closing_keeps_the_record(city: City9) -> None:
    url = f"/api/places/{city.west}"
    closed = city.client.patch(url, json={"status": "closed"},
                               headers=city.headers("admin", city.etag(city.west)))
    assert closed.status_code == 200 and closed.json()["properties"]["status"] == "closed"
    assert _history(city, city.west)[0]["action"] == "close"
    assert city.client.get(url).json()["properties"]["status"] == "closed"
    shown = city.client.get(f"/api/cities/{NIIGATA}/places").json()["features"]
    assert city.west not in [f["id"] for f in shown]
    listed = city.client.get(f"/api/cities/{NIIGATA}/places", params={"status": "closed"})
    assert [f["id"] for f in listed.json()["features"]] == [city.west]
    assert city.client.delete(url, headers=city.headers("admin")).status_code == 405
    paused = city.client.patch(url, json={"status": "paused"},
                               headers=city.headers("admin", city.etag(city.west)))
    assert paused.json()["properties"]["status"] == "paused"
    assert len(city.store.places(PlaceQuery(city=NIIGATA, statuses=()))) == 2


def test_the_residents_listing_shows_an_edit_at_once(city: City9) -> None:
    listing = f"/api/cities/{NIIGATA}/places"

    def phone() -> str:
        found = [f for f in city.client.get(listing).json()["features"] if f["id"] == city.west]
        value: str = found[0]["properties"]["phone"]
        return value

    assert phone() == "025-111-1111"
    assert phone() == "025-111-1111"  # now from the listing cache
    city.client.patch(f"/api/places/{city.west}", json={"phone": "025-666-6666"},
                      headers=city.headers("admin", city.etag(city.west)))  # fmt: skip
    assert phone() == "025-666-6666"


def test_contacts_of_an_area_are_changed_and_recorded(city: City9) -> None:
    contacts = [{"role": "地域包括支援センター", "name": "西包括", "phone": "025-000-9999"},
                {"role": "生活支援コーディネーター", "name": "山田", "email": "y@example.jp"}]
    got = city.client.patch(f"/api/areas/{WEST}", json={"contacts": contacts},
                            headers=city.headers("coordinator_in", city.area_etag(WEST)))
    assert got.status_code == 200, got.text
    shown = city.client.get(f"/api/cities/{NIIGATA}/areas/at",
                            params={"lon": WEST_POINT[0], "lat": WEST_POINT[1]}).json()
    assert [c["name"] for c in shown[0]["contacts"]] == ["西包括", "山田"]
    history = city.client.get(f"/api/areas/{WEST}/history", headers=city.headers("viewer"))
    (change,) = history.json()["changes"]
    assert change["fields"]["contacts"][0][0]["phone"] == "025-000-0001"
    _problem(city.client.patch(f"/api/areas/{EAST}", json={"contacts": contacts},
                               headers=city.headers("coordinator_in", city.area_etag(EAST))), 403)


# -- internal fields ----------------------------------------------------------------------------


def test_internal_fields_only_for_the_citys_roles(city: City9) -> None:
    url = f"/api/places/{city.west}"
    for role in ("anonymous", "other_city_admin"):
        props = city.client.get(url, headers=city.headers(role)).json()["properties"]
        assert "internal_contact" not in props and "extra" not in props, role
    for role in ("viewer", "coordinator_out", "admin"):
        got = city.client.get(url, headers=city.headers(role))
        assert got.json()["properties"]["internal_contact"] == "代表 090-0000-0001", role
        assert got.json()["properties"]["extra"] == {"担当": "佐藤"}
        assert "private" in got.headers["cache-control"]


@pytest.mark.parametrize("first", ["anonymous", "viewer"])
def test_the_shared_listing_cache_never_crosses_credentials(city: City9, first: str) -> None:
    listing = f"/api/cities/{NIIGATA}/places"
    order = [first, "viewer" if first == "anonymous" else "anonymous", first, "other_city_admin"]
    for role in order:
        got = city.client.get(listing, headers=city.headers(role))
        assert got.status_code == 200
        props = [f["properties"] for f in got.json()["features"]]
        internal = role == "viewer"
        assert all(("internal_contact" in p) == internal for p in props), role
        assert all(("extra" in p) == internal for p in props), role
        assert "Authorization" in got.headers["vary"]
        if internal:
            assert "private" in got.headers["cache-control"]
            assert {p["internal_contact"] for p in props} == {
                "代表 090-0000-0001", "代表 090-0000-0002"
            }


# -- bad bodies ---------------------------------------------------------------------------------

BAD_PATCHES: list[tuple[Any, str]] = [
    ({"status": "gone"}, "status"),
    ({"schedule_rules": [{"weekdays": [9]}]}, "schedule_rules"),
    ({"schedule_rules": "毎週火曜"}, "schedule_rules"),
    ({"category": "no-such-category"}, "category"),
    ({"location_precision": "approximate"}, "location_precision"),
    ({"lon": 0, "lat": 0}, "lon/lat"),
    ({"lon": 139.7, "lat": 35.68}, "lon/lat"),  # Tokyo: far outside 新潟市
    ({"lon": "139.03"}, "lon"),
    ({"lon": True}, "lon"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": "a\x00b"}, "name"),
    ({"phone": "025\x00"}, "phone"),
    ({"phone": 25}, "phone"),
    ({"description": "x" * 5000}, "description"),
    ({"extra": {"k": "a\x00"}}, "extra"),
    ({"extra": [1]}, "extra"),
    ({"kind": "shop"}, "kind"),
    ({"last_verified": "2024-13-01"}, "last_verified"),
    ({"no_such_field": 1}, "no_such_field"),
    ({"id": "15100-other"}, "id"),
    ({"address": "東京都千代田区丸の内1丁目"}, "address"),
]


def test_bad_patches_are_422_naming_the_field(city: City9) -> None:
    url = f"/api/places/{city.west}"
    before = city.etag(city.west)
    for patch, field in BAD_PATCHES:
        got = city.client.patch(url, json=patch, headers=city.headers("admin", before))
        body = _problem(got, 422)
        assert field in _fields_named(body), (patch, body)
    for raw in (b"{not json", b"[1, 2]", b'{"lon": NaN}', b"\xff\xfe", b"[" * 100000):
        got = city.client.patch(url, content=raw, headers={
            **city.headers("admin", before), "Content-Type": "application/json"})
        _problem(got, 422)
    huge = city.client.patch(url, content=b'{"lat": 1e400}', headers={
        **city.headers("admin", before), "Content-Type": "application/json"})
    assert "lat" in _fields_named(_problem(huge, 422))
    assert city.etag(city.west) == before  # nothing was written
    assert len(_history(city, city.west)) == 1


BAD_CREATES: list[tuple[Any, str]] = [
    ({"category": "salon", "lon": 139.03, "lat": 37.91}, "name"),
    ({"name": "x", "lon": 139.03, "lat": 37.91}, "category"),
    ({"name": "x", "category": "salon"}, "lon"),
    ({"name": "x", "category": "salon", "lon": 139.7, "lat": 35.68}, "lon/lat"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
      "properties": {"name": "x", "category": "salon"}}, "geometry"),
    ({"type": "Feature", "geometry": None, "properties": {"name": "x"}}, "geometry"),
    ({"name": "x", "category": "salon", "lon": 139.03, "lat": 37.91, "id": "mine"}, "id"),
]


def test_bad_creates_are_422_and_a_feature_creates(city: City9) -> None:
    url = f"/api/cities/{NIIGATA}/places"
    for body, field in BAD_CREATES:
        got = city.client.post(url, json=body, headers=city.headers("admin"))
        assert field in _fields_named(_problem(got, 422)), (body, got.json())
    feature = {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": list(WEST_POINT)},
        "properties": {"name": "体操の会", "category": "kayoinoba", "status": "paused",
                       "internal_contact": "会長宅", "extra": {"memo": "2階"},
                       "schedule_rules": [{"weekdays": [0, 3], "start": "9:30", "end": "10:30"}]},
    }  # fmt: skip
    made = city.client.post(url, json=feature, headers=city.headers("admin"))
    assert made.status_code == 201, made.text
    props = made.json()["properties"]
    assert props["status"] == "paused" and props["internal_contact"] == "会長宅"
    assert props["schedule_rules"] == [
        {"weekdays": [0, 3], "weeks": None, "start": "09:30", "end": "10:30"}
    ]
    unknown_city = city.client.post("/api/cities/99999/places", json=feature,
                                    headers=city.headers("admin"))  # fmt: skip
    _problem(unknown_city, 404)


def test_a_stale_token_or_unknown_place_is_4xx(city: City9) -> None:
    bad = {"Authorization": "Bearer tsudoi_nope", "If-Match": city.etag(city.west)}
    _problem(city.client.patch(f"/api/places/{city.west}", json={"fee": "1"}, headers=bad), 401)
    missing = city.client.patch("/api/places/15100-nothing", json={"fee": "1"},
                                headers=city.headers("admin", '"x"'))  # fmt: skip
    _problem(missing, 404)


# -- what a patch means ------------------------------------------------------------------------


def test_a_merge_patch_merges_extra_and_a_patch_of_nothing_records_nothing(city: City9) -> None:
    url = f"/api/places/{city.west}"
    etag = city.etag(city.west)
    same = city.client.patch(url, json={"phone": "025-111-1111", "areas": ["ignored"],
                                        "schedule_rules": [{"weekdays": [1], "start": "10:00",
                                                            "end": "12:00", "weeks": None}]},
                             headers=city.headers("admin", etag))  # fmt: skip
    assert same.status_code == 200 and same.headers["etag"] == etag
    assert len(_history(city, city.west)) == 1
    merged = city.client.patch(url, json={"extra": {"担当": None, "鍵": "公民館で借りる"}},
                               headers=city.headers("admin", etag))  # fmt: skip
    assert merged.json()["properties"]["extra"] == {"鍵": "公民館で借りる"}
    cleared = city.client.patch(url, json={"internal_contact": None, "phone": "  "},
                                headers=city.headers("admin", merged.headers["etag"]))
    props = cleared.json()["properties"]
    assert props["internal_contact"] is None and props["phone"] is None


def test_a_private_home_is_stored_at_its_towns_point_as_an_import_stores_it(city: City9) -> None:
    lon, lat = WEST_POINT[0] + 0.0012, WEST_POINT[1] + 0.0017
    made = city.client.post(f"/api/cities/{NIIGATA}/places", headers=city.headers("admin"), json={
        "name": "田中さん宅サロン", "category": "salon", "lon": lon, "lat": lat,
        "location_precision": "town",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    stored = city.store.place(made.json()["id"])
    assert stored is not None and stored.location_precision == "town"
    assert (stored.lon, stored.lat) != (lon, lat)  # the home never enters the store
    assert abs(stored.lon - lon) < 0.005 and abs(stored.lat - lat) < 0.005
    assert made.json()["geometry"]["coordinates"] == [stored.lon, stored.lat]


def test_bad_area_and_restore_bodies_are_422_naming_the_field(city: City9) -> None:
    etag = city.area_etag(WEST)
    bad_contacts: list[tuple[Any, str]] = [
        ({"contacts": "西包括"}, "contacts"),
        ({"contacts": [{"name": "西包括"}]}, "contacts[0].role"),
        ({"contacts": [{"role": "包括", "name": "x", "phone": 25}]}, "contacts[0].phone"),
        ({"contacts": [{"role": "包括", "name": "x\x00"}]}, "contacts[0].name"),
        ({"contacts": [{"role": "包括", "name": "x", "twitter": "@x"}]}, "contacts[0].twitter"),
        ({"contacts": ["x"]}, "contacts[0]"),
        ({"name": "新しい名前"}, "name"),
        ({}, "contacts"),
    ]
    for body, field in bad_contacts:
        got = city.client.patch(f"/api/areas/{WEST}", json=body,
                                headers=city.headers("admin", etag))  # fmt: skip
        assert field in _fields_named(_problem(got, 422)), (body, got.json())
    assert city.area_etag(WEST) == etag
    url = f"/api/places/{city.west}/restore"
    for body in ({"change": "1"}, {"change": True}, {}, [1], {"change": 1, "more": 2}):
        got = city.client.post(url, json=body, headers=city.headers("admin", city.etag(city.west)))
        assert "change" in _fields_named(_problem(got, 422)), body
