"""Coverage and gaps: which neighbourhoods have no gathering place within an older adult's walk."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.analysis import MAX_GAPS
from service.coverage_formats import (
    CsvLang,
    coverage_csv,
    coverage_geojson,
    gaps_csv,
    gaps_geojson,
    geopackage,
)
from service.deps import AnalysisDep, CityDep, CoverageDep, StoreDep

GPKG = "application/geopackage+sqlite3"
CsvLangParam = Annotated[
    CsvLang,
    Query(description="CSV headers: en (the JSON's names) or ja (Japanese, shares in %)"),
]

router = APIRouter(tags=["coverage"])


CSV = "text/csv; charset=utf-8"


def download(body: str | bytes, media_type: str, filename: str) -> Response:
    """A file to save (Content-Disposition: attachment)."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/api/cities/{code}/coverage", summary="Coverage of older residents, per area")
def coverage(
    city: CityDep,
    params: CoverageDep,
    store: StoreDep,
    analysis: AnalysisDep,
    format: Annotated[Literal["json", "csv", "geojson", "gpkg"], Query()] = "json",
    lang: CsvLangParam = "en",
) -> Any:
    """Older residents within the walk of a gathering place, per area and for the city."""
    code = city.code
    result = analysis.model(store, code).coverage(**params.arguments(store, city))
    if format == "csv":
        return download(coverage_csv(result, lang), CSV, f"coverage-{code}.csv")
    if format == "geojson":
        return coverage_geojson(result, store.areas(code))
    if format == "gpkg":
        data = geopackage(coverage_geojson(result, store.areas(code)), f"coverage_{code}")
        return download(data, GPKG, f"coverage-{code}.gpkg")
    return result.as_dict()


@router.get(
    "/api/cities/{code}/coverage/gaps", summary="Uncovered cells ranked by older population"
)
def gaps(
    city: CityDep,
    params: CoverageDep,
    store: StoreDep,
    analysis: AnalysisDep,
    limit: Annotated[int | None, Query(ge=1, le=MAX_GAPS)] = None,
    min_uncovered_share: Annotated[float, Query(ge=0, le=1)] = 0.5,
    format: Annotated[Literal["geojson", "csv", "gpkg"], Query()] = "geojson",
    lang: CsvLangParam = "en",
) -> Any:
    """Cells whose older residents are mostly beyond the walk, most uncovered people first."""
    code = city.code
    result = analysis.model(store, code).gaps(
        **params.arguments(store, city), min_uncovered_share=min_uncovered_share, limit=limit
    )
    if format == "csv":
        return download(gaps_csv(result, lang), CSV, f"gaps-{code}.csv")
    geoms = {c.id: c.geometry for c in store.population(code)}
    if format == "gpkg":
        return download(
            geopackage(gaps_geojson(result, geoms), f"gaps_{code}"), GPKG, f"gaps-{code}.gpkg"
        )
    return gaps_geojson(result, geoms)
