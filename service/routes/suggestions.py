"""Site suggestions: where K new gathering places would newly reach the most older residents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from geo.analysis.siting import suggest_sites
from service.analysis import MAX_SITES, known_categories
from service.deps import AnalysisDep, CityDep, CoverageDep, StoreDep, Text

router = APIRouter(tags=["analysis"])


@router.get("/api/cities/{code}/suggestions", summary="K new sites that newly cover the most")
def suggestions(
    city: CityDep,
    params: CoverageDep,
    store: StoreDep,
    analysis: AnalysisDep,
    k: Annotated[int, Query(ge=1, le=MAX_SITES, description="How many new sites")] = 3,
    candidates: Annotated[
        Text | None,
        Query(max_length=500, description="Venue categories to choose from (default: every venue)"),
    ] = None,
) -> dict[str, Any]:
    """Greedy picks with the newly covered count each; for K ≤ 10 also the proven optimum."""
    model = analysis.model(store, city.code)
    result = suggest_sites(
        model,
        k,
        **params.arguments(store, city),
        candidate_categories=known_categories(store, city.code, candidates, "candidates"),
    )
    body = result.as_dict()
    for pick in body.get("greedy", []):
        venue = store.place(pick["id"]) if pick.get("kind") == "venue" else None
        pick["name"] = venue.name if venue is not None else None
    body["picks"] = body.get("greedy", [])
    return body
