"""Coverage and gaps: which neighbourhoods have no gathering place within an older adult's walk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from geo.analysis.coverage import DEFAULT_MINUTES, DEFAULT_SPEED_KMH, CoverageModel
from geo.store.base import Store
from service.analysis import AnalysisCache
from service.coverage_formats import (
    coverage_csv,
    coverage_geojson,
    gaps_csv,
    gaps_geojson,
    geopackage,
)
from service.deps import get_store
from service.problems import ProblemError
from service.routes.cities import held_city

GPKG = "application/geopackage+sqlite3"

router = APIRouter(tags=["coverage"])


@dataclass
class CoverageParams:
    """How far an older resident walks, and whose coverage is asked for."""

    minutes: Annotated[float, Query(gt=0, le=120, description="Walking minutes (default 10)")] = (
        DEFAULT_MINUTES
    )
    speed_kmh: Annotated[
        float, Query(gt=0, le=10, description="Walking speed, km/h (default 3: 50 m/min)")
    ] = DEFAULT_SPEED_KMH
    age: Annotated[int, Query(description="65 or 75: whose coverage")] = 65
    category: Annotated[
        str | None, Query(description="Gathering-place categories that count, comma-separated")
    ] = None

    def __post_init__(self) -> None:
        if self.age not in (65, 75):
            raise ProblemError(400, "Invalid parameter", f"age must be 65 or 75, not {self.age}")

    def categories(self) -> list[str] | None:
        """The category list, or None for every gathering category."""
        if not self.category:
            return None
        return [c.strip() for c in self.category.split(",") if c.strip()] or None


def analysis_cache(request: Request) -> AnalysisCache:
    cache: AnalysisCache | None = getattr(request.app.state, "analysis", None)
    if cache is None:
        cache = request.app.state.analysis = AnalysisCache()
    return cache


def _model(request: Request, store: Store, code: str) -> CoverageModel:
    held_city(store, code)
    return analysis_cache(request).model(store, code)


def known_categories(store: Store, code: str, wanted: list[str] | None) -> None:
    if wanted is None:
        return
    known = {c.slug for c in store.categories(code)}
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ProblemError(400, "Invalid parameter", f"unknown category: {', '.join(unknown)}")


@router.get("/api/cities/{code}/coverage", summary="Coverage of older residents, per area")
def coverage(
    code: str,
    request: Request,
    params: Annotated[CoverageParams, Depends()],
    store: Annotated[Store, Depends(get_store)],
    format: Annotated[Literal["json", "csv", "geojson", "gpkg"], Query()] = "json",
) -> Any:
    """Older residents within the walk of a gathering place, per area and for the city."""
    model = _model(request, store, code)
    known_categories(store, code, params.categories())
    result = model.coverage(
        minutes=params.minutes,
        speed_kmh=params.speed_kmh,
        age=params.age,
        categories=params.categories(),
    )
    if format == "csv":
        return Response(
            coverage_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="coverage-{code}.csv"'},
        )
    if format == "geojson":
        return coverage_geojson(result, store.areas(code))
    if format == "gpkg":
        data = geopackage(coverage_geojson(result, store.areas(code)), f"coverage_{code}")
        return Response(
            data,
            media_type=GPKG,
            headers={"Content-Disposition": f'attachment; filename="coverage-{code}.gpkg"'},
        )
    return result.as_dict()


@router.get(
    "/api/cities/{code}/coverage/gaps", summary="Uncovered cells ranked by older population"
)
def gaps(
    code: str,
    request: Request,
    params: Annotated[CoverageParams, Depends()],
    store: Annotated[Store, Depends(get_store)],
    limit: Annotated[int | None, Query(ge=1, le=100000)] = None,
    min_uncovered_share: Annotated[float, Query(ge=0, le=1)] = 0.5,
    format: Annotated[Literal["geojson", "csv", "gpkg"], Query()] = "geojson",
) -> Any:
    """Cells whose older residents are mostly beyond the walk, most uncovered people first."""
    model = _model(request, store, code)
    known_categories(store, code, params.categories())
    result = model.gaps(
        minutes=params.minutes,
        speed_kmh=params.speed_kmh,
        age=params.age,
        categories=params.categories(),
        min_uncovered_share=min_uncovered_share,
        limit=limit,
    )
    if format == "csv":
        return Response(
            gaps_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="gaps-{code}.csv"'},
        )
    geoms = {c.id: c.geometry for c in store.population(code)}
    if format == "gpkg":
        data = geopackage(gaps_geojson(result, geoms), f"gaps_{code}")
        return Response(
            data,
            media_type=GPKG,
            headers={"Content-Disposition": f'attachment; filename="gaps-{code}.gpkg"'},
        )
    return gaps_geojson(result, geoms)
