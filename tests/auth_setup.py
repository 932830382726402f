"""What the sign-in tests share: a store holding two cities with areas and their people, the
app on it with two routes that use the real principal dependencies (as the write routes do), and
signing in through the real form."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from shapely.geometry import MultiPolygon, box

from geo.accounts import User
from geo.model import Area, City
from geo.store.base import AreaChanges, Store
from service.app import create_app
from service.auth.passwords import hash_password
from service.auth.principal import PrincipalDep, WriterDep

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
    def square(x: float, y: float) -> MultiPolygon:
        return MultiPolygon([box(x, y, x + 0.06, y + 0.06)])

    store.apply_areas(AreaChanges(upsert=[
        Area("15100-chuo", NIIGATA, 1, "中央区", square(139.00, 37.88)),
        Area("15100-higashi", NIIGATA, 1, "東区", square(139.06, 37.88)),
        Area("15202-chuo", NAGAOKA, 1, "長岡中央", square(138.84, 37.43)),
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


def app_with_probe(store: Store) -> FastAPI:
    """The app, with GET /test/whoami (who the request speaks for) and POST/PATCH/DELETE
    /test/change (which needs credentials, as a write does)."""
    app = create_app(store)

    def whoami(request: Request, principal: PrincipalDep) -> dict[str, Any]:
        if principal is None:
            return {"who": None, "via": request.state.via}
        return {"who": principal.who, "role": principal.role, "city": principal.city,
                "areas": list(principal.areas), "via": principal.via,
                "state_via": request.state.via}

    def change(principal: WriterDep) -> dict[str, Any]:
        return {"who": principal.who, "via": principal.via}

    app.add_api_route("/test/whoami", whoami, methods=["GET"])
    app.add_api_route("/test/change", change, methods=["POST", "PATCH", "DELETE"])
    return app
