"""The OGC API's collections: each city the store holds gives two, ``{code}-places`` and
``{code}-areas``, whose items are the very features the JSON API answers (the same public fields,
private homes at their town's point, internal fields never), so a GIS and the map agree.

``{code}-places`` holds what ``/api/cities/{code}/places`` lists by default, the active gathering
places; ``kind`` and ``status`` widen it as they widen the API's listing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Literal

import shapely
from fastapi import Depends, Path

from boundaries.area_membership import area_ids_at_points
from geo.errors import InvalidParameter, NotFound
from geo.model import Area, City
from geo.store.base import PlaceQuery, Store
from layers.messages import translator
from layers.place_privacy import published
from service.deps import StoreDep, Text
from service.ogc.params import AreaFilters, ItemsPage, PlaceFilters
from service.routes.pages import city_name
from service.routes.places import listing
from service.serialize import area_feature, place_feature

Kind = Literal["places", "areas"]
PLACES: Kind = "places"
AREAS: Kind = "areas"
KINDS: tuple[Kind, ...] = (PLACES, AREAS)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class OgcCollection:
    """One collection: a city's places or its areas."""

    city: City
    kind: Kind

    @property
    def id(self) -> str:
        """``{code}-places`` or ``{code}-areas``."""
        return f"{self.city.code}-{self.kind}"

    def title(self, lang: str) -> str:
        """The collection's name in the language asked for."""
        t = translator(lang)
        name = city_name(self.city, lang)
        if self.kind == PLACES:
            return t("Gathering places of {city}", city=name)
        return t("Areas of {city}", city=name)

    def description(self, lang: str) -> str:
        """What the collection holds, in words."""
        t = translator(lang)
        if self.kind == PLACES:
            return t(
                "Active gathering places by default, as the map lists them; kind=all and "
                "status=all add venues and paused or closed places."
            )
        return t("The city's wards, daily-living areas and districts, with their contacts.")


def collections_of(store: Store) -> list[OgcCollection]:
    """Every collection the store's cities give, by city code, places before areas."""
    return [OgcCollection(c, kind) for c in store.cities() for kind in KINDS]


def held_collection(
    collection_id: Annotated[
        Text, Path(max_length=100, description="{code}-places or {code}-areas, e.g. 15100-places")
    ],
    store: StoreDep,
) -> OgcCollection:
    """The collection of the path, else a 404 naming it."""
    for found in collections_of(store):
        if found.id == collection_id:
            return found
    raise NotFound(f"no collection {collection_id!r}: see /ogc/collections")


CollectionDep = Annotated[OgcCollection, Depends(held_collection)]


def extent(store: Store, coll: OgcCollection) -> list[float] | None:
    """The bounding box of everything the collection can show (places as published)."""
    if coll.kind == AREAS:
        areas = store.areas(coll.city.code)
        if not areas:
            return None
        bounds = shapely.total_bounds([a.geometry for a in areas])
    else:
        every = PlaceQuery(city=coll.city.code, kinds=("gathering", "venue"),
                           statuses=("active", "paused", "closed"))  # fmt: skip
        places = published(store, store.places(every))
        if not places:
            return None
        bounds = shapely.total_bounds(shapely.points([(p.lon, p.lat) for p in places]))
    return [round(float(v), 6) for v in bounds]


def place_items(
    store: Store, coll: OgcCollection, page: ItemsPage, filters: PlaceFilters, now: datetime
) -> tuple[list[dict[str, Any]], int]:
    """A page of the city's places as the API's listing gives them, and how many match."""
    code = coll.city.code
    query = filters.query(code)
    if filters.area is not None:
        found = store.area(filters.area)
        if found is None or found.city != code:
            raise InvalidParameter("area", f"city {code} has no area {filters.area!r}")
    query = replace(query, area=filters.area, bbox=page.box,
                    limit=page.size, offset=page.offset)  # fmt: skip
    return listing(store, code, query, now)


def _area_matches(area: Area, filters: AreaFilters, box: shapely.Geometry | None) -> bool:
    if filters.level is not None and area.level != filters.level:
        return False
    if filters.parent is not None and area.parent != filters.parent:
        return False
    return box is None or bool(area.geometry.intersects(box))


def area_items(
    store: Store, coll: OgcCollection, page: ItemsPage, filters: AreaFilters
) -> tuple[list[dict[str, Any]], int]:
    """A page of the city's areas (those meeting the bbox), and how many match."""
    box = shapely.box(*page.box) if page.box else None
    matched = [a for a in store.areas(coll.city.code) if _area_matches(a, filters, box)]
    shown = matched[page.offset : page.offset + page.size]
    return [area_feature(a) for a in shown], len(matched)


def one_item(store: Store, coll: OgcCollection, feature_id: str, now: datetime) -> dict[str, Any]:
    """One place or area of the collection's city, as its items show it; else a 404."""
    code = coll.city.code
    if coll.kind == AREAS:
        area = store.area(feature_id)
        if area is None or area.city != code:
            raise NotFound(f"collection {coll.id} has no item {feature_id!r}")
        return area_feature(area)
    place = store.place(feature_id)
    if place is None or place.city != code:
        raise NotFound(f"collection {coll.id} has no item {feature_id!r}")
    shown = published(store, [place])[0]
    (areas,) = area_ids_at_points(code, store.areas(code), [shown.lon], [shown.lat])
    return place_feature(shown, areas=areas, now=now)
