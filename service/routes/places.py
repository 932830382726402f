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
from starlette.concurrency import run_in_threadpool

from boundaries.area_membership import AreaIndex
from geo.errors import InvalidParameter, NotFound
from geo.model import City, Place
from geo.store.base import PlaceQuery, Store
from geo.walk.distance import geodesic_many_m
from geo.walk.network import WalkNetwork
from geo.walk.shortest import nearest_source_distances
from geo.walk.walking_time import STRAIGHT_LINE, WALK_SPEED_M_PER_MIN, walking_minutes
from layers.place_privacy import needs_town_point, public_distance_m, published
from service.auth.principal import Principal, PrincipalDep
from service.city_places import city_places, city_places_cache
from service.deps import (
    MAX_ID,
    AnalysisDep,
    BboxDep,
    BboxParams,
    CityCode,
    CityCodeQuery,
    CityDep,
    FiltersDep,
    PagingDep,
    PagingParams,
    PlaceFilterParams,
    PlaceId,
    PointDep,
    PointParams,
    ReadCacheDep,
    StoreDep,
    Text,
    city_at,
    follow_renamed,
    seems_held,
)
from service.etags import VARY, quoted
from service.fast_json import Body, FastJSONResponse, json_bytes
from service.listing_cache import ListingCache
from service.place_export import check_area, export_places
from service.read_cache import RevisionCache
from service.routes.coverage import download
from service.serialize import feature_collection, now_in_japan, place_feature

WALK_SEARCH_M = 5000.0  # farther walks fall back to the straight line

router = APIRouter(tags=["places"])


FAST_LIMIT = 1000  # a page of at most this many is read on the event loop, in one statement


@router.get("/api/cities/{code}/places", summary="The city's places as GeoJSON")
async def list_places(
    code: CityCode,
    request: Request,
    filters: FiltersDep,
    bbox: BboxDep,
    paging: PagingDep,
    store: StoreDep,
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
    small = paging.limit is not None and paging.limit <= FAST_LIMIT
    internal = principal is not None and principal.sees_internal(code)
    fast = format == "json" and sort == "id" and area is None and small and not internal
    if fast and seems_held(read_cache, code):
        return await _page(code, request, filters, bbox, paging, store, read_cache)
    revision = await store.revision_now()
    city = await city_at(store, code, revision, read_cache)
    return await run_in_threadpool(
        _list_places, city, request, filters, bbox, paging, store, revision, read_cache,
        principal, area, format, sort, lat, lon,
    )


async def _page(
    code: str,
    request: Request,
    filters: PlaceFilterParams,
    bbox: BboxParams,
    paging: PagingParams,
    store: Store,
    read_cache: RevisionCache,
) -> Response:
    """A small page of public fields (a map's view, a list's page), uncached: the revision,
    the rows and their count in one read on the event loop (Store.page_now), the city checked
    at that revision. Kept out of the listing cache, where thousands of different views would
    push out the whole listings that are worth keeping."""
    query = replace(
        filters.query(code), bbox=bbox.box, limit=paging.limit, offset=paging.offset
    )
    revision, found, matched = await store.page_now(query)
    await city_at(store, code, revision, read_cache)
    now = now_in_japan().replace(second=0, microsecond=0)
    areas: AreaIndex | None = read_cache.peek(("area-index", code), revision)
    if areas is None:
        areas = await run_in_threadpool(_area_index, store, read_cache, code, revision)
    if any(needs_town_point(p) for p in found):  # the towns' points are read for these
        found = await run_in_threadpool(published, store, found)
    features = _features(found, areas, now)
    body = json_bytes(
        feature_collection(features, numberMatched=matched, numberReturned=len(features))
    )
    return _varies(Body(body).response(request))


def _area_index(store: Store, read_cache: RevisionCache, code: str, revision: int) -> AreaIndex:
    """The city's areas ready for point tests, built once per revision."""
    return read_cache.get(
        ("area-index", code), revision, lambda: AreaIndex(code, store.areas(code))
    )


def _list_places(
    city: City,
    request: Request,
    filters: PlaceFilterParams,
    bbox: BboxParams,
    paging: PagingParams,
    store: Store,
    revision: int,
    read_cache: RevisionCache,
    principal: Principal | None,
    area: str | None,
    format: str,
    sort: str,
    lat: float | None,
    lon: float | None,
) -> Response:
    """The listing in a worker thread: files, areas, sorted pages, internal fields and whole
    listings (cached)."""
    code = city.code
    query = filters.query(code)
    check_area(store, code, area, follow_renames=True)
    query = replace(query, area=area, bbox=bbox.box, limit=paging.limit, offset=paging.offset)
    now = now_in_japan().replace(second=0, microsecond=0)  # one clock for the whole listing
    if format != "json":
        file = export_places(store, code, query, format, now.replace(tzinfo=None))
        return download(file.body, file.media_type, file.filename)
    if sort != "id":
        return _sorted_page(request, store, read_cache, revision, query, now, sort, lat, lon)

    def areas() -> AreaIndex:  # only when the listing is built
        return _area_index(store, read_cache, code, revision)

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
    return _features(places, index, now, internal), matched


def _features(
    places: list[Place], areas: AreaIndex, now: datetime, internal: bool = False
) -> list[dict[str, Any]]:
    """The places (as published) as the listing's features, each with its areas."""
    in_areas = areas.ids_at([p.lon for p in places], [p.lat for p in places])
    return [place_feature(p, areas=a, now=now, internal=internal)
            for p, a in zip(places, in_areas, strict=True)]  # fmt: skip


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
async def nearby(
    point: PointDep,
    filters: FiltersDep,
    store: StoreDep,
    analysis: AnalysisDep,
    read_cache: ReadCacheDep,
    city: CityCodeQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
) -> Response:
    """Nearest first, each with distance_m and walking_min; ``method`` says how they were measured.

    Along the streets when the city has a walking network (the straight-line nearest few are
    re-ranked by their walk); otherwise the geodesic straight line, and the minutes are an estimate.
    """
    code = city or None
    if code and not seems_held(read_cache, code):  # an unknown city: its 404 before anything
        await city_at(store, code, await store.revision_now(), read_cache)
    query = filters.query(code)
    # one read on the event loop: the revision and the straight-line nearest, with a few more
    # for walks to re-rank should the city have a network (the first `limit` of the nearest
    # `wanted` are the nearest `limit`); a city that had none is guessed to have none still,
    # and read again in the rare case the revision read with the rows says otherwise
    wanted = max(3 * limit, limit + 20)
    asked = limit if code and analysis.had_none(code) else wanted
    revision, found = await store.nearby_now(point.lon, point.lat, asked, query)
    if code:
        await city_at(store, code, revision, read_cache)
    network_city = code or (found[0][0].city if found else None)
    net: WalkNetwork | None = None
    if network_city:
        seen = analysis.seen(network_city, revision)
        if seen is None:
            net = await run_in_threadpool(analysis.network, store, network_city, revision)
        else:
            net = seen[0]
    if net is not None and asked < wanted:
        revision, found = await store.nearby_now(point.lon, point.lat, wanted, query)
    if net is None:
        found = found[:limit]
    if net is not None or any(needs_town_point(p) for p, _ in found):  # reads and walks
        return await run_in_threadpool(_nearby_answer, store, point, found, net, limit)
    return _nearby_answer(store, point, found, net, limit)


def _nearby_answer(
    store: Store,
    point: PointParams,
    found: list[tuple[Place, float]],
    net: WalkNetwork | None,
    limit: int,
) -> Response:
    """The nearest as features: walked along the streets with a network, else straight."""
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
    now = now_in_japan()  # one clock for the answer: places with the same rules share the work
    return FastJSONResponse(
        feature_collection(
            [place_feature(p, d, now=now) for p, d in hits],
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
    its city. ``ETag`` is the version a change sends back in ``If-Match``. No 304 for
    ``If-None-Match``: the answer's 次回開催 moves on with the date while the version stays, and a
    resident's card must not keep yesterday's next date."""
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
    feature = place_feature(published(store, [place])[0], internal=internal)
    return FastJSONResponse(feature, headers=headers)
