"""Cities and their areas: the daily-living areas and whom to call in each."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query

from boundaries.display_geometry import for_display
from service.deps import CityDep, PointDep, StoreDep
from service.serialize import area_feature, area_properties, city_json, feature_collection

router = APIRouter(prefix="/api/cities", tags=["cities"])


@router.get("", summary="Cities this service holds, with counts")
def list_cities(store: StoreDep) -> list[dict[str, Any]]:
    """Every city with its code, names, and counts of areas and places."""
    return [city_json(c, store.city_counts(c.code)) for c in store.cities()]


@router.get("/{code}", summary="One city with counts")
def get_city(city: CityDep, store: StoreDep) -> dict[str, Any]:
    """A city's names, plane-rectangular CRS and counts."""
    return city_json(city, store.city_counts(city.code))


@router.get("/{code}/areas", summary="The city's areas as GeoJSON")
def list_areas(
    city: CityDep,
    store: StoreDep,
    level: Annotated[int | None, Query(ge=1, le=9, description="Only this level")] = None,
    simplify_m: Annotated[
        float | None,
        Query(
            ge=0,
            le=500,
            description="For drawing: simplify outlines by this many metres, round to ~0.1 m",
        ),
    ] = None,
) -> dict[str, Any]:
    """Areas with their contacts, optionally of one level (1 = ward/第1層, 2 = 日常生活圏域)."""
    areas = store.areas(city.code, level)
    if simplify_m is not None:  # copies: the store may hand out the areas it keeps in memory
        areas = [replace(a, geometry=for_display(a.geometry, city.crs_epsg, simplify_m))
                 for a in areas]  # fmt: skip
    return feature_collection([area_feature(a) for a in areas], numberReturned=len(areas))


@router.get("/{code}/areas/at", summary="The areas containing a point, with their contacts")
def areas_at(city: CityDep, point: PointDep, store: StoreDep) -> list[dict[str, Any]]:
    """Which areas a resident at this point belongs to, widest first, and whom to call."""
    return [area_properties(a) for a in store.areas_at(city.code, point.lon, point.lat)]
