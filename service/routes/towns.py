"""Towns (町丁目): finding where a resident lives by the name they know, offline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from boundaries import gazetteer_towns
from service.deps import CityDep, StoreDep, Text

router = APIRouter(tags=["towns"])


@router.get("/api/cities/{code}/towns", summary="Town names and their points, matched by text")
def list_towns(
    city: CityDep,
    store: StoreDep,
    q: Annotated[Text | None, Query(max_length=100, description="Part of the name or kana")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 20,
) -> list[dict[str, Any]]:
    """Towns whose name or reading holds q, names starting with it first; from the bundled
    gazetteer when the city has imported no towns of its own."""
    found = store.towns(city.code, q, limit)
    if not found and not store.towns(city.code, None, 1):
        found = gazetteer_towns.search(city.code, q, limit)
    return [
        {
            "id": t.id,
            "name": t.name,
            "kana": t.kana,
            "area": t.area,
            "lat": t.lat,
            "lon": t.lon,
            "demo": t.demo,
        }
        for t in found
    ]
