"""A small 新潟市 for the write API's tests: two daily-living areas side by side, a salon in
each imported from a CSV (so the history starts with the import), and a token for every role
the permission matrix asks about, 長岡市's admin among them."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import MultiPolygon, box

from geo.model import Area, City, Contact
from geo.store.base import AreaChanges, PlaceQuery, Store
from layers.categories import ensure_default_categories
from layers.place_import import PlaceImportOptions, import_places
from service.app import create_app
from service.auth.tokens import create_token

NIIGATA = "15100"
NAGAOKA = "15202"
WEST, EAST = "15100-west", "15100-east"
WEST_POINT = (139.03, 37.91)  # lon, lat inside WEST
EAST_POINT = (139.09, 37.91)
SOURCE = "salons"
ROLES = ("anonymous", "viewer", "coordinator_in", "coordinator_out", "other_city_admin", "admin")
HEADER = [
    "id", "name", "category", "lon", "lat", "phone", "schedule_rules", "内部連絡先", "担当",
]


def rows() -> list[list[str]]:
    """The salons file's rows (header first): one salon in each area."""
    return [
        HEADER,
        ["1", "西のサロン", "salon", str(WEST_POINT[0]), str(WEST_POINT[1]), "025-111-1111",
         '[{"weekdays": [1], "start": "10:00", "end": "12:00"}]', "代表 090-0000-0001", "佐藤"],
        ["2", "東のサロン", "salon", str(EAST_POINT[0]), str(EAST_POINT[1]), "025-222-2222",
         "", "代表 090-0000-0002", "鈴木"],
    ]  # fmt: skip


def write_csv(path: Path, table: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)
    return path


def import_salons(store: Store, path: Path, **options: Any) -> Any:
    return import_places(store, path, PlaceImportOptions(city=NIIGATA, source=SOURCE, **options))


@dataclass
class City9:
    """The city, its two salons' ids, a client, and each role's Authorization header."""

    store: Store
    client: TestClient
    csv: Path
    west: str = ""
    east: str = ""
    auth: dict[str, dict[str, str]] = field(default_factory=dict)

    def etag(self, place_id: str) -> str:
        got = self.client.get(f"/api/places/{place_id}")
        assert got.status_code == 200, got.text
        return got.headers["etag"]

    def area_etag(self, area_id: str) -> str:
        got = self.client.get(f"/api/areas/{area_id}")
        assert got.status_code == 200, got.text
        return got.headers["etag"]

    def headers(self, role: str, etag: str | None = None) -> dict[str, str]:
        out = dict(self.auth[role])
        if etag is not None:
            out["If-Match"] = etag
        return out


def build(store: Store, folder: Path) -> tuple[Store, Path, str, str]:
    """The data: cities, areas (WEST with a contact), the salons imported."""
    store.put_city(City(NIIGATA, "新潟市", "新潟県", 6676))
    store.put_city(City(NAGAOKA, "長岡市", "新潟県", 6676))
    ensure_default_categories(store)
    contact = Contact("地域包括支援センター", "西包括", phone="025-000-0001")
    store.apply_areas(AreaChanges(upsert=[
        Area(WEST, NIIGATA, 2, "西圏域", MultiPolygon([box(139.00, 37.88, 139.06, 37.94)]),
             contacts=[contact], source="test"),
        Area(EAST, NIIGATA, 2, "東圏域", MultiPolygon([box(139.06, 37.88, 139.12, 37.94)]),
             source="test"),
    ]))  # fmt: skip
    path = write_csv(folder / "salons.csv", rows())
    import_salons(store, path)
    by_name = {p.name: p.id for p in store.places(PlaceQuery(city=NIIGATA))}
    return store, path, by_name["西のサロン"], by_name["東のサロン"]


@contextmanager
def city9(store: Store, folder: Path) -> Iterator[City9]:
    """The city served by the app, with a bearer token per role."""
    store, path, west, east = build(store, folder)
    tokens = {
        "viewer": create_token(store, NIIGATA, "viewer")[1],
        "coordinator_in": create_token(store, NIIGATA, "coordinator", [WEST])[1],
        "coordinator_out": create_token(store, NIIGATA, "coordinator", [EAST])[1],
        "other_city_admin": create_token(store, NAGAOKA, "admin")[1],
        "admin": create_token(store, NIIGATA, "admin")[1],
    }
    auth: dict[str, dict[str, str]] = {"anonymous": {}}
    auth.update({role: {"Authorization": f"Bearer {s}"} for role, s in tokens.items()})
    with TestClient(create_app(store)) as client:
        yield City9(store, client, path, west, east, auth)
