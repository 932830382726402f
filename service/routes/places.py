"""Places: the listing a map shows, one place's details, and the nearest ones to a point."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from numpy.typing import NDArray

from boundaries.area_membership import AreaIndex
from geo.errors import InvalidParameter, NotFound
from geo.model import Place
from geo.store.base import PlaceQuery, Store
from geo.walk.distance import geodesic_many_m
from geo.walk.network import WalkNetwork
from geo.walk.shortest import nearest_source_distances
from geo.walk.walking_time import STRAIGHT_LINE, WALK_SPEED_M_PER_MIN, walking_minutes
from layers.place_privacy import needs_town_point, public_distance_m, published
from service.auth.principal import PrincipalDep
from service.city_places import city_places, city_places_cache
from service.deps import (
    MAX_ID,
    AnalysisDep,
    BboxDep,
    CityDep,
    FiltersDep,
    OptionalCityDep,
    PagingDep,
    PlaceId,
    PointDep,
    PointParams,
    ReadCacheDep,
    RevisionDep,
    StoreDep,
    Text,
    follow_renamed,
)
from service.etags import VARY, not_modified, quoted
from service.fast_json import Body, FastJSONResponse, json_bytes
from service.listing_cache import ListingCache
from service.place_export import export_places
from service.read_cache import RevisionCache
from service.routes.coverage import download
from service.serialize import feature_collection, now_in_japan, place_feature

WALK_SEARCH_M = 5000.0  # farther walks fall back to the straight line

router = APIRouter(tags=["places"])


@router.get("/api/cities/{code}/places", summary="The city's places as GeoJSON")
def list_places(
    city: CityDep,
    request: Request,
    filters: FiltersDep,
    bbox: BboxDep,
    paging: PagingDep,
    store: StoreDep,
    revision: RevisionDep,
    read_cache: ReadCacheDep,
    principal: PrincipalDep,
    area: Annotated[
        Text | None,
        Query(max_length=MAX_ID, description="Only places inside this area (its id)"),
    ] = None,
    format: Annotated[
        Literal["json", "geojson", "csv", "kml", "gpkg"],
        Query(description="json (default), or a file: geojson, csv, kml or gpkg"),
    ] = "json",
    sort: Annotated[
        Literal["id", "name", "distance"],
        Query(description="id (default), name (by reading), or distance from lat, lon"),
    ] = "id",
    lat: Annotated[
        float | None, Query(ge=-90, le=90, description="With sort=distance: from here (WGS84)")
    ] = None,
    lon: Annotated[
        float | None, Query(ge=-180, le=180, description="With sort=distance: from here (WGS84)")
    ] = None,
) -> Response:
    """Active gathering places by default; narrow by category, kind, status, area, bbox or text.

    Each place carries ``areas``: the ids of the city's areas it lies in, widest first, and
    ``next_date`` (次回開催). Built once per change of the city's data (and per minute).
    ``format`` gives the same places as a file to download: GeoJSON, CSV in the
    自治体標準オープンデータセット layout (UTF-8 with BOM), KML for Google My Maps, or GeoPackage
    with places and areas for QGIS. A principal of the city (a signed-in role or a token) also
    gets each place's internal fields; that answer is built for it alone, never cached.
    ``sort=name`` or ``sort=distance`` (with ``lat`` and ``lon``) pages a list sorted on the
    server, for a map of too many places to send at once (public fields only, for anyone).
    """
    code = city.code
    query = filters.query(code)
    if area is not None:
        found = store.area(area)
        if found is None:
            follow_renamed(store, "area", area, "area")
        if found is None or found.city != code:
            raise NotFound(f"city {code} has no area {area!r}")
    query = replace(query, area=area, bbox=bbox.box, limit=paging.limit, offset=paging.offset)
    now = now_in_japan().replace(second=0, microsecond=0)  # one clock for the whole listing
    if format != "json":
        file = export_places(store, code, query, format, now.replace(tzinfo=None))
        return download(file.body, file.media_type, file.filename)
    if sort != "id":
        return _sorted_page(request, store, read_cache, revision, query, now, sort, lat, lon)

    def areas() -> AreaIndex:  # only when the listing is built
        return read_cache.get(
            ("area-index", code), revision, lambda: AreaIndex(code, store.areas(code))
        )

    if principal is not None and principal.sees_internal(code):
        # internal fields: built for this principal, kept out of the shared cache
        private = Body(_listing_body(store, areas(), query, now, internal=True)).response(request)
        return _varies(private, "private, no-cache")
    key = (code, repr(query), store.url, revision, now)
    cache = _listing_cache(request)
    body = cache.get(key)
    if body is None:
        body = Body(_listing_body(store, areas(), query, now))
        cache.put(key, body)
    return _varies(body.response(request))


def _varies(response: Response, cache_control: str | None = None) -> Response:
    """Mark an answer that credentials change (internal fields): caches key it on them."""
    held = response.headers.get("vary")
    response.headers["Vary"] = f"{held}, {VARY}" if held else VARY
    if cache_control:
        response.headers["Cache-Control"] = cache_control
    return response


def _sorted_page(
    request: Request,
    store: Store,
    read_cache: RevisionCache,
    revision: int,
    query: PlaceQuery,
    now: datetime,
    sort: str,
    lat: float | None,
    lon: float | None,
) -> Response:
    """A page of the listing sorted by name or by distance, from the city's places read once
    per store revision (service.city_places)."""
    if sort == "distance" and (lat is None or lon is None):
        raise InvalidParameter("sort", "sort=distance needs lat and lon")
    held = city_places(city_places_cache(request), read_cache, store, revision, query)
    chosen = held.select(query.categories, query.bbox)
    if sort == "distance" and lat is not None and lon is not None:
        page = held.by_distance(chosen, lon, lat, query.offset, query.limit, now)
    else:
        page = held.by_name(chosen, query.offset, query.limit, now)
    body = Body(
        json_bytes(
            feature_collection(
                page,
                numberMatched=len(chosen),
                numberReturned=len(page),
                sort=sort,
            )
        )
    )
    return body.response(request)


def _listing_cache(request: Request) -> ListingCache:
    cache: ListingCache | None = getattr(request.app.state, "listing_cache", None)
    if cache is None:
        cache = request.app.state.listing_cache = ListingCache()
    return cache


def listing(
    store: Store,
    code: str,
    query: PlaceQuery,
    now: datetime,
    areas: AreaIndex | None = None,
    internal: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """The places of a listing as features (with ``areas`` and ``next_date``; internal fields
    only with ``internal``), and how many match the query in all: the API's listing and the OGC
    API's items share it."""
    places = published(store, store.places(query))
    # Count only when the page is full: a full count() on every request is what slows peers down.
    truncated = query.limit is not None and len(places) == query.limit
    matched = store.count_places(query) if truncated or query.offset else query.offset + len(places)
    index = areas if areas is not None else AreaIndex(code, store.areas(code))
    in_areas = index.ids_at([p.lon for p in places], [p.lat for p in places])
    features = [place_feature(p, areas=a, now=now, internal=internal)
                for p, a in zip(places, in_areas, strict=True)]  # fmt: skip
    return features, matched


def _listing_body(
    store: Store, areas: AreaIndex, query: PlaceQuery, now: datetime, internal: bool = False
) -> bytes:
    """The listing as JSON bytes (sent as built: a response model would re-validate thousands
    of plain features, which costs more than the query)."""
    features, matched = listing(store, areas.city, query, now, areas, internal)
    return json_bytes(
        feature_collection(features, numberMatched=matched, numberReturned=len(features))
    )


def _walked(net: WalkNetwork, point: PointParams, places: list[Place]) -> NDArray[np.float64]:
    """Metres along the streets from the point to each place; inf beyond the search radius."""
    return nearest_source_distances(
        net,
        [point.lon],
        [point.lat],
        [p.lon for p in places],
        [p.lat for p in places],
        limit_m=WALK_SEARCH_M,
    ).dist_m


@router.get("/api/places/nearby", summary="The nearest places to a point")
def nearby(
    point: PointDep,
    filters: FiltersDep,
    store: StoreDep,
    analysis: AnalysisDep,
    city: OptionalCityDep,
    revision: RevisionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
) -> Response:
    """Nearest first, each with distance_m and walking_min; ``method`` says how they were measured.

    Along the streets when the city has a walking network (the straight-line nearest few are
    re-ranked by their walk); otherwise the geodesic straight line, and the minutes are an estimate.
    """
    code = city.code if city is not None else None
    query = filters.query(code)
    # one query: the straight-line nearest, and a few more for walks to re-rank when the city
    # has a network (known before the query when the city is given)
    net = analysis.network(store, code, revision) if code else None
    wanted = limit if code and net is None else max(3 * limit, limit + 20)
    found = store.nearby(point.lon, point.lat, wanted, query)
    if not code and found:
        net = analysis.network(store, found[0][0].city, revision)
    if net is None:
        found = found[:limit]
    shown = published(store, [p for p, _ in found])
    straight = [
        public_distance_m(p, point.lon, point.lat) if needs_town_point(p) else d
        for p, (_, d) in zip(shown, found, strict=True)
    ]
    method = STRAIGHT_LINE
    distances = straight
    if net is not None and shown:
        walked = _walked(net, point, shown)
        # beyond the search radius or off the network: the straight line, which is a lower bound
        distances = [
            float(w) if math.isfinite(w) else s for w, s in zip(walked, straight, strict=True)
        ]
        method = "network"
    hits = sorted(zip(shown, distances, strict=True), key=lambda hit: (hit[1], hit[0].id))[:limit]
    note = (
        "walking distance along the street network in metres"
        if method == "network"
        else "geodesic straight-line distance in metres; walking distance is longer"
    )
    return FastJSONResponse(
        feature_collection(
            [place_feature(p, d) for p, d in hits],
            numberReturned=len(hits),
            method=method,
            speed_m_per_min=WALK_SPEED_M_PER_MIN,
            note=note,
        )
    )


@router.get("/api/cities/{code}/walks", summary="Walking distance from a point to every place")
def walks(
    city: CityDep,
    point: PointDep,
    store: StoreDep,
    analysis: AnalysisDep,
) -> dict[str, Any]:
    """For the residents' list and details card: along the streets when the city has a network.

    Places beyond the search radius or off the network keep the straight line, marked so.
    """
    code = city.code
    shown = published(
        store,
        store.places(
            PlaceQuery(
                city=code, kinds=("gathering", "venue"), statuses=("active", "paused", "closed")
            )
        ),
    )
    straight = geodesic_many_m(point.lon, point.lat, [p.lon for p in shown], [p.lat for p in shown])
    net = analysis.network(store, code)
    walked = None
    if net is not None and shown:
        walked = _walked(net, point, shown)
    out: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(shown):
        on_streets = walked is not None and math.isfinite(float(walked[i]))
        d = float(walked[i]) if on_streets and walked is not None else float(straight[i])
        out[p.id] = {
            "distance_m": round(d, 1),
            "walking_min": walking_minutes(d),
            "method": "network" if on_streets else STRAIGHT_LINE,
        }
    return {
        "method": "network" if net is not None else STRAIGHT_LINE,
        "speed_m_per_min": WALK_SPEED_M_PER_MIN,
        "walks": out,
    }


@router.get("/api/places/{place_id}", summary="One place as a GeoJSON feature, with its ETag")
def get_place(
    place_id: PlaceId, store: StoreDep, request: Request, principal: PrincipalDep
) -> Response:
    """A place's public details by its stable id; its internal fields too for a principal of
    its city. ``ETag`` is the version a change sends back in ``If-Match``; ``If-None-Match``
    with it answers 304."""
    place = store.place(place_id)
    if place is None:
        follow_renamed(store, "place", place_id)
        raise NotFound(f"no place with id {place_id!r}")
    internal = principal is not None and principal.sees_internal(place.city)
    version = place.content_hash()
    headers = {
        "ETag": quoted(version),
        "Vary": VARY,
        "Cache-Control": "private, no-cache" if internal else "no-cache",
    }
    if not_modified(request, version):
        return Response(status_code=304, headers=headers)
    feature = place_feature(published(store, [place])[0], internal=internal)
    return FastJSONResponse(feature, headers=headers)
