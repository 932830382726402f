"""Isochrones: the streets an older resident can walk in N minutes, as polygons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from shapely.geometry import mapping

from geo.analysis.isochrone import Isochrone, isochrone
from geo.errors import MissingData, NotFound, Withheld
from geo.store.base import Store
from geo.walk.network import WalkNetwork
from service.analysis import AnalysisCache
from service.deps import (
    AnalysisDep,
    IsochroneWalkDep,
    OptionalCityDep,
    PlaceId,
    PointDep,
    StoreDep,
    follow_renamed,
)

router = APIRouter(tags=["analysis"])


def _network(analysis: AnalysisCache, store: Store, city: str) -> WalkNetwork:
    net = analysis.network(store, city)
    if net is None:
        raise MissingData(
            f"city {city} has no walking network: isochrones follow the streets (never a hull), "
            "so none can be drawn for this city",
            remedy=f"build one with `tsudoi network build FILE --city {city}`",
        )
    return net


def _city_at(store: Store, lon: float, lat: float) -> str:
    """The held city whose network's extent holds the point."""
    for city in store.cities():
        meta = store.network_meta(city.code)
        box = (meta or {}).get("bbox")
        if box and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
            return city.code
    raise MissingData(
        "no city this service holds has a walking network around this point; "
        "give city= to name the city"
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
    point: PointDep,
    walk: IsochroneWalkDep,
    store: StoreDep,
    analysis: AnalysisDep,
    city: OptionalCityDep,
) -> dict[str, Any]:
    """Reached street segments (partly reached ones cut), drawn as polygons; never a hull."""
    code = city.code if city is not None else _city_at(store, point.lon, point.lat)
    net = _network(analysis, store, code)
    iso = isochrone(net, point.lon, point.lat, minutes=walk.minutes, speed_kmh=walk.speed_kmh)
    return _feature(iso, city=code, lat=point.lat, lon=point.lon)


@router.get("/api/places/{place_id}/isochrone", summary="The area reachable on foot from a place")
def place_isochrone(
    place_id: PlaceId,
    walk: IsochroneWalkDep,
    store: StoreDep,
    analysis: AnalysisDep,
) -> dict[str, Any]:
    """Who can walk here: the streets within N minutes of the place."""
    place = store.place(place_id)
    if place is None:
        follow_renamed(store, "place", place_id)
        raise NotFound(f"no place with id {place_id!r}")
    if place.location_precision == "town":
        raise Withheld("this place is held in a private home; only its town is public")
    net = _network(analysis, store, place.city)
    iso = isochrone(net, place.lon, place.lat, minutes=walk.minutes, speed_kmh=walk.speed_kmh)
    return _feature(iso, place_id=place.id, name=place.name, city=place.city)
