"""Records as the API shows them: GeoJSON features, public fields only."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping

from geo.model import PUBLIC_PLACE_FIELDS, Area, Category, City, Place
from geo.store.base import CityCounts


def city_json(city: City, counts: CityCounts) -> dict[str, Any]:
    """A city with its names and what the store holds for it."""
    return {
        "code": city.code,
        "name": city.name,
        "name_kana": city.name_kana,
        "name_en": city.name_en,
        "prefecture": city.prefecture,
        "parent_code": city.parent_code,
        "crs": f"EPSG:{city.crs_epsg}",
        "areas": {str(level): n for level, n in sorted(counts.areas_by_level.items())},
        "areas_total": sum(counts.areas_by_level.values()),
        "places": counts.places_by_kind.get("gathering", 0),
        "venues": counts.places_by_kind.get("venue", 0),
    }


def area_properties(area: Area) -> dict[str, Any]:
    """An area's attributes with its contacts (all public: they are the city's service points)."""
    return {
        "id": area.id,
        "city": area.city,
        "level": area.level,
        "name": area.name,
        "name_kana": area.name_kana,
        "parent": area.parent,
        "contacts": [c.as_dict() for c in area.contacts],
        "source": area.source,
        "source_date": area.source_date,
        "demo": area.demo,
    }


def area_feature(area: Area, with_geometry: bool = True) -> dict[str, Any]:
    """An area as a GeoJSON feature."""
    return {
        "type": "Feature",
        "id": area.id,
        "geometry": mapping(area.geometry) if with_geometry else None,
        "properties": area_properties(area),
    }


def place_feature(place: Place, distance_m: float | None = None) -> dict[str, Any]:
    """A place as a GeoJSON feature; internal fields never appear."""
    props = {k: getattr(place, k) for k in PUBLIC_PLACE_FIELDS}
    if distance_m is not None:
        props["distance_m"] = round(distance_m, 1)
    return {
        "type": "Feature",
        "id": place.id,
        "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        "properties": props,
    }


def category_json(cat: Category) -> dict[str, Any]:
    """A category as the map legend needs it."""
    return {
        "slug": cat.slug,
        "label_ja": cat.label_ja,
        "label_en": cat.label_en,
        "color": cat.color,
        "kind": cat.kind,
        "icon": cat.icon,
        "city": cat.city,
        "sort": cat.sort,
    }


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection with extra foreign members (counts, method)."""
    return {"type": "FeatureCollection", **members, "features": features}
