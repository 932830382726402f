"""Isochrones: the streets an older resident can walk in N minutes, as polygons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from shapely.geometry import mapping

from geo.analysis.coverage import DEFAULT_MINUTES, DEFAULT_SPEED_KMH
from geo.analysis.isochrone import Isochrone, isochrone
from geo.store.base import Store
from geo.walk.network import WalkNetwork
from service.deps import PointParams, get_store
from service.problems import ProblemError
from service.routes.cities import held_city
from service.routes.coverage import analysis_cache

router = APIRouter(tags=["analysis"])

Minutes = Annotated[float, Query(gt=0, le=60, description="Walking minutes (default 10)")]
Speed = Annotated[float, Query(gt=0, le=10, description="km/h (default 3: 50 m/min)")]


def _network(request: Request, store: Store, city: str) -> WalkNetwork:
    held_city(store, city)
    net = analysis_cache(request).network(store, city)
    if net is None:
        raise ProblemError(
            409,
            "No walking network",
            f"city {city} has no walking network: build one with "
            "`tsudoi network build`; isochrones follow streets, never a hull",
        )
    return net


def _city_at(store: Store, lon: float, lat: float) -> str:
    """The held city whose network's extent holds the point."""
    for city in store.cities():
        meta = store.network_meta(city.code)
        box = (meta or {}).get("bbox")
        if box and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
            return city.code
    raise ProblemError(
        404,
        "No walking network here",
        "no city held here has a walking network around this point; give city=",
    )


def _feature(iso: Isochrone, **props: Any) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": mapping(iso.polygon_wgs84),
                "properties": {
                    **props,
                    "minutes": iso.minutes,
                    "speed_kmh": iso.speed_kmh,
                    "distance_m": iso.distance_m,
                    "reached_length_m": round(iso.reached_length_m, 1),
                    "snap_m": None if iso.snap_m == float("inf") else round(iso.snap_m, 1),
                    "method": iso.method,
                    "notes": list(iso.notes),
                },
            }
        ],
    }


@router.get("/api/isochrone", summary="The area reachable on foot from a point")
def point_isochrone(
    request: Request,
    point: Annotated[PointParams, Depends()],
    store: Annotated[Store, Depends(get_store)],
    minutes: Minutes = DEFAULT_MINUTES,
    speed_kmh: Speed = DEFAULT_SPEED_KMH,
    city: Annotated[str | None, Query(description="The city whose streets to walk")] = None,
) -> dict[str, Any]:
    """Reached street segments (partly reached ones cut), drawn as polygons; never a hull."""
    code = city or _city_at(store, point.lon, point.lat)
    net = _network(request, store, code)
    iso = isochrone(net, point.lon, point.lat, minutes=minutes, speed_kmh=speed_kmh)
    return _feature(iso, city=code, lat=point.lat, lon=point.lon)


@router.get("/api/places/{place_id}/isochrone", summary="The area reachable on foot from a place")
def place_isochrone(
    place_id: str,
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    minutes: Minutes = DEFAULT_MINUTES,
    speed_kmh: Speed = DEFAULT_SPEED_KMH,
) -> dict[str, Any]:
    """Who can walk here: the streets within N minutes of the place."""
    place = store.place(place_id)
    if place is None:
        raise ProblemError(404, "Not found", f"no place with id {place_id!r}")
    if place.location_precision == "town":
        raise ProblemError(
            409,
            "Location not public",
            "this place is held in a private home; only its town is public",
        )
    net = _network(request, store, place.city)
    iso = isochrone(net, place.lon, place.lat, minutes=minutes, speed_kmh=speed_kmh)
    return _feature(iso, place_id=place.id, name=place.name, city=place.city)
