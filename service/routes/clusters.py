"""Clusters: what a map of many places shows at one zoom and view, instead of every place.

A city of 20,000 places would send 1.2 MB of listing to every resident who opens its map. The
map asks instead for the clusters in its view: the city's places, read once per store revision
with the filters (service.city_places), are masked to the cells the view touches and gathered
on the zoom's Web-Mercator pixel grid (geo.point_clusters) in numpy; each answer is kept per
store revision, like the listing. A cell with a few places sends them as lean features (id,
name, category, precision), so the map can show a pin without the place's details.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from geo.point_clusters import CELL_PX, FEW, MAX_ZOOM, cell_window, gather
from geo.store.base import PlaceQuery
from service.city_places import CityPlaces, city_places, city_places_cache
from service.deps import (
    MAX_ID,
    BboxDep,
    CityDep,
    FiltersDep,
    ReadCacheDep,
    RevisionDep,
    StoreDep,
    Text,
)
from service.fast_json import Body, json_bytes
from service.listing_cache import ListingCache
from service.place_export import check_area

router = APIRouter(tags=["places"])

LEAN_FIELDS = ("name", "category", "location_precision", "placed_from")


def _cache(request: Request) -> ListingCache:
    cache: ListingCache | None = getattr(request.app.state, "cluster_cache", None)
    if cache is None:
        cache = request.app.state.cluster_cache = ListingCache(size=128)
    return cache


@router.get("/api/cities/{code}/clusters", summary="The city's places gathered per zoom")
def clusters(
    city: CityDep,
    request: Request,
    filters: FiltersDep,
    bbox: BboxDep,
    store: StoreDep,
    revision: RevisionDep,
    read_cache: ReadCacheDep,
    zoom: Annotated[int, Query(ge=0, le=MAX_ZOOM, description="The map's zoom (0–22)")],
    area: Annotated[
        Text | None,
        Query(max_length=MAX_ID, description="Only places inside this area (its id)"),
    ] = None,
) -> Response:
    """Clusters on a Web-Mercator grid of 64 px cells at ``zoom``, and the places of cells
    that hold three or fewer, for the view ``bbox`` (the whole city without one).

    Filters as the listing's (category, kind, status, q, area). ``numberMatched`` and
    ``categories`` count every place in the answer (clusters and places together).
    """
    code = city.code
    query = filters.query(code)
    check_area(store, code, area, follow_renames=True)
    window = cell_window(bbox.box, zoom).bbox() if bbox.box is not None else None
    query = replace(query, area=area, bbox=window)
    key = (code, repr(query), zoom, store.url, revision)
    cache = _cache(request)
    body = cache.get(key)
    if body is None:
        held = city_places(city_places_cache(request), read_cache, store, revision, query)
        body = Body(json_bytes(cluster_answer(held, query, zoom)))
        cache.put(key, body)
    return body.response(request)


def cluster_answer(held: CityPlaces, query: PlaceQuery, zoom: int) -> dict[str, Any]:
    """The answer as a dict: the grid, the totals, the clusters and the lone places."""
    chosen = held.select(query.categories, query.bbox)
    lons, lats = held.lons[chosen], held.lats[chosen]
    cats = held.categories[chosen].tolist()
    got = gather(lons, lats, cats, zoom)
    totals: dict[str, int] = {}
    for c in cats:
        totals[c] = totals.get(c, 0) + 1
    singles = [held.places[int(chosen[i])] for i in got.singles]
    return {
        "zoom": zoom,
        "grid": "web-mercator",
        "cell_px": CELL_PX,
        "few": FEW,
        "bbox": list(query.bbox) if query.bbox else None,
        "numberMatched": len(chosen),
        "categories": dict(sorted(totals.items())),
        "extent": (
            [float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())]
            if len(chosen)
            else None
        ),
        "clusters": [
            {
                "count": c.count,
                "lon": c.lon,
                "lat": c.lat,
                "bbox": list(c.bbox),
                "categories": c.categories,
            }
            for c in got.clusters
        ],
        "places": [
            {
                "type": "Feature",
                "id": p.id,
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {k: getattr(p, k) for k in LEAN_FIELDS},
            }
            for p in singles
        ],
    }
