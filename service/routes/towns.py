"""Towns (町丁目): finding where a resident lives by the name they know, offline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from boundaries import gazetteer_towns
from geo.japan.town_search import find_towns
from service.deps import CityDep, ReadCacheDep, RevisionDep, StoreDep, Text

router = APIRouter(tags=["towns"])


@router.get("/api/cities/{code}/towns", summary="Town names and their points, matched by text")
def list_towns(
    city: CityDep,
    store: StoreDep,
    revision: RevisionDep,
    read_cache: ReadCacheDep,
    q: Annotated[Text | None, Query(max_length=100, description="Part of the name or kana")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 20,
) -> list[dict[str, Any]]:
    """Towns whose name, reading or ward holds q (一丁目 = 1丁目, 大字/字, spaces and width
    folded), the exact name first, then names starting with it, in natural 丁目 order; from the
    bundled gazetteer when the city has imported no towns of its own."""
    code = city.code
    # read once per store revision, not per keystroke; imported towns win, else the gazetteer's
    towns = read_cache.get(
        ("towns", code), revision, lambda: store.towns(code) or gazetteer_towns.all_towns(code)
    )
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
        for t in find_towns(towns, q or "", limit)
    ]
