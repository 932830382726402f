"""Site suggestions: where K new gathering places would newly reach the most older residents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from geo.analysis.siting import suggest_sites
from geo.store.base import Store
from service.deps import get_store
from service.routes.cities import held_city
from service.routes.coverage import CoverageParams, analysis_cache, known_categories

router = APIRouter(tags=["analysis"])


@router.get("/api/cities/{code}/suggestions", summary="K new sites that newly cover the most")
def suggestions(
    code: str,
    request: Request,
    params: Annotated[CoverageParams, Depends()],
    store: Annotated[Store, Depends(get_store)],
    k: Annotated[int, Query(ge=1, le=20, description="How many new sites")] = 3,
    candidates: Annotated[
        str | None, Query(description="Venue categories to choose from (default: every venue)")
    ] = None,
) -> dict[str, Any]:
    """Greedy picks with the newly covered count each; for K ≤ 10 also the proven optimum."""
    held_city(store, code)
    model = analysis_cache(request).model(store, code)
    cats = params.categories()
    known_categories(store, code, cats)
    cand = [c.strip() for c in candidates.split(",")] if candidates else None
    known_categories(store, code, cand)
    result = suggest_sites(
        model,
        k,
        minutes=params.minutes,
        speed_kmh=params.speed_kmh,
        age=params.age,
        categories=cats,
        candidate_categories=cand,
    )
    body = result.as_dict()
    for pick in body.get("greedy", []):
        venue = store.place(pick["id"]) if pick.get("kind") == "venue" else None
        pick["name"] = venue.name if venue is not None else None
    body["picks"] = body.get("greedy", [])
    return body
