"""Places: the listing a map shows, one place's details, and the nearest ones to a point."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from geo.store.base import Store
from service.deps import PlaceFilterParams, PointParams, get_store, parse_bbox
from service.problems import ProblemError
from service.routes.cities import held_city
from service.serialize import feature_collection, place_feature

router = APIRouter(tags=["places"])


@router.get("/api/cities/{code}/places", summary="The city's places as GeoJSON")
def list_places(
    code: str,
    filters: Annotated[PlaceFilterParams, Depends()],
    store: Annotated[Store, Depends(get_store)],
    area: Annotated[str | None, Query(description="Only places inside this area (its id)")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    limit: Annotated[int | None, Query(ge=1, le=50000)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Active gathering places by default; narrow by category, kind, status, area, bbox or text."""
    held_city(store, code)
    query = filters.query(code)
    if area is not None:
        found = store.area(area)
        if found is None or found.city != code:
            raise ProblemError(404, "Unknown area", f"city {code} has no area {area!r}")
    query = replace(query, area=area, bbox=parse_bbox(bbox), limit=limit, offset=offset)
    places = store.places(query)
    # Count only when the page is full: a full count() on every request is what slows peers down.
    truncated = limit is not None and len(places) == limit
    matched = store.count_places(query) if truncated or offset else offset + len(places)
    return feature_collection(
        [place_feature(p) for p in places], numberMatched=matched, numberReturned=len(places)
    )


@router.get("/api/places/nearby", summary="The nearest places to a point")
def nearby(
    point: Annotated[PointParams, Depends()],
    filters: Annotated[PlaceFilterParams, Depends()],
    store: Annotated[Store, Depends(get_store)],
    city: Annotated[str | None, Query(description="Only this city's places")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
) -> dict[str, Any]:
    """Nearest first, each with distance_m (straight-line until a walking network is built)."""
    if city is not None:
        held_city(store, city)
    hits = store.nearby(point.lon, point.lat, limit, filters.query(city))
    return feature_collection(
        [place_feature(p, d) for p, d in hits],
        numberReturned=len(hits),
        method="straight-line",
        note="geodesic straight-line distance in metres; walking distance is longer",
    )


@router.get("/api/places/{place_id}", summary="One place as a GeoJSON feature")
def get_place(place_id: str, store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    """A place's public details by its stable id."""
    place = store.place(place_id)
    if place is None:
        raise ProblemError(404, "Not found", f"no place with id {place_id!r}")
    return place_feature(place)
