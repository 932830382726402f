"""What the sign-in tests share: a store holding two cities with areas and their people, the
app on it, and signing in through the real form."""

from __future__ import annotations

import re

import httpx

from fastapi.testclient import TestClient
from shapely.geometry import MultiPolygon, box

from geo.accounts import User
from geo.model import Area, City
from geo.store.base import AreaChanges, Store
from service.auth.passwords import hash_password

NIIGATA, NAGAOKA = "15100", "15202"
PASSWORD = "correct horse battery"
ADMIN = "admin@example.jp"
COORDINATOR = "Coord@Example.jp"  # kept lower-cased; signs in in any case
VIEWER = "viewer@example.jp"
OTHER_CITY = "nagaoka@example.jp"


def seed(store: Store) -> None:
    """Two cities, an area each (two for 新潟市), and a person of each role."""
    store.put_city(City(NIIGATA, "新潟市", "新潟県", 6676, "にいがたし", "Niigata"))
    store.put_city(City(NAGAOKA, "長岡市", "新潟県", 6676, "ながおかし", "Nagaoka"))
    store.apply_areas(AreaChanges(upsert=[
        Area("15100-chuo", NIIGATA, 1, "中央区", MultiPolygon([box(139.00, 37.88, 139.06, 37.94)])),
        Area("15100-higashi", NIIGATA, 1, "東区", MultiPolygon([box(139.06, 37.88, 139.12, 37.94)])),
        Area("15202-chuo", NAGAOKA, 1, "長岡中央", MultiPolygon([box(138.84, 37.43, 138.87, 37.46)])),
    ]))  # fmt: skip
    hashed = hash_password(PASSWORD)
    store.put_user(User(ADMIN, NIIGATA, "admin", hashed))
    store.put_user(User(COORDINATOR.lower(), NIIGATA, "coordinator", hashed, ["15100-chuo"]))
    store.put_user(User(VIEWER, NIIGATA, "viewer", hashed))
    store.put_user(User(OTHER_CITY, NAGAOKA, "admin", hashed))


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    """The hidden csrf_token of the page's form."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_: str | None = None,
            **query: str) -> httpx.Response:
    """Open the form and post it back, as a browser does (redirects are not followed)."""
    page = client.get("/login", params=query)
    data = {"email": email, "password": password, "csrf_token": form_token(page.text)}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data, params=query, follow_redirects=False)
