"""The embedded and PostGIS stores, loaded with the same demo, give the same API answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geo.store.gpkg import GpkgStore
from geo.store.postgis import PostgisStore
from service.app import create_app
from service.demo import load_demo

pytestmark = pytest.mark.postgis

REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/api/cities", {}),
    ("/api/cities/15100", {}),
    ("/api/categories", {"city": "15100"}),
    ("/api/cities/15100/areas", {}),
    ("/api/cities/15100/areas/at", {"lat": 37.9161, "lon": 139.0236}),
    ("/api/cities/15100/places", {"status": "all", "kind": "all"}),
    ("/api/cities/15100/places", {"category": "salon", "bbox": "139.0,37.8,139.2,38.0"}),
    ("/api/cities/15100/places", {"area": "15103"}),
    ("/api/cities/15100/places", {"q": "カフェ", "limit": 5, "offset": 2}),
    ("/api/places/nearby", {"lat": 37.9161, "lon": 139.0236, "limit": 20}),
    ("/api/places/nearby", {"lat": 37.80, "lon": 139.10, "limit": 5, "kind": "venue"}),
]


def _strip(value: Any) -> Any:
    """Drop updated_at, which records when each store was written."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_both_stores_answer_identically(
    tmp_path: Any, postgis_engine: Any, postgis_url: str
) -> None:
    with postgis_engine.begin() as conn:
        conn.execute(
            text("TRUNCATE places, areas, categories, cities, towns, networks, population")
        )
    stores = [GpkgStore(tmp_path / "demo.gpkg"), PostgisStore(postgis_url)]
    answers = []
    for store in stores:
        load_demo(store)
        client = TestClient(create_app(store))
        answers.append(
            [_strip(client.get(path, params=params).json()) for path, params in REQUESTS]
        )
        store.close()
    for (path, params), a, b in zip(REQUESTS, answers[0], answers[1], strict=True):
        assert a == b, f"{path} {params} differs between the stores"
