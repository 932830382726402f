"""Site suggestions: where K new gathering places would newly reach the most older residents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from geo.analysis.siting import suggest_sites
from service.analysis import MAX_SITES, known_categories
from service.deps import AnalysisDep, CityDep, CoverageDep, StoreDep, Text
from service.routes.coverage import CSV, CsvLangParam, download
from service.suggestion_formats import describe_picks, suggestions_csv, suggestions_geojson

router = APIRouter(tags=["analysis"])


#: Street points closer than this to a hall are not offered: there the hall is the suggestion.
HALL_PREFERRED_M = 200.0


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
    streets: Annotated[
        bool,
        Query(description="Also street points farther than 200 m from every venue (kind node)"),
    ] = False,
    format: Annotated[Literal["json", "csv", "geojson"], Query()] = "json",
    lang: CsvLangParam = "en",
) -> Any:
    """Greedy picks with the newly covered count each; for K ≤ 10 also the proven optimum."""
    model = analysis.model(store, city.code)
    result = suggest_sites(
        model,
        k,
        **params.arguments(store, city),
        candidate_categories=known_categories(store, city.code, candidates, "candidates"),
        streets_beyond_m=HALL_PREFERRED_M if streets else None,
    )
    body = result.as_dict()
    body["picks"] = body.get("greedy", [])
    describe_picks(store, city.code, body["picks"])
    if format == "csv":
        return download(suggestions_csv(body, lang), CSV, f"suggestions-{city.code}.csv")
    if format == "geojson":
        return suggestions_geojson(body)
    return body
