"""Records as the API shows them: GeoJSON features, public fields only."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import mapping

from geo.history import Change
from geo.model import INTERNAL_PLACE_FIELDS, PUBLIC_PLACE_FIELDS, Area, Category, City, Place
from geo.store.base import CityCounts
from geo.walk.walking_time import walking_minutes
from layers.schedule import next_occurrence
from service.etags import quoted

log = logging.getLogger("tsudoi")

JAPAN = ZoneInfo("Asia/Tokyo")


def now_in_japan() -> datetime:
    """The time residents see on their clocks, whatever the server's time zone."""
    return datetime.now(JAPAN)


def next_date_iso(place: Place, now: date | datetime | None = None) -> str | None:
    """次回開催 as an ISO date, or None without rules, from the schedule engine's next session.

    Today counts while today's session has not ended (``now`` a datetime), or all day (a date).
    A listing passes one ``now`` for all its places, so places that share rules share the work.
    """
    if not place.schedule_rules:
        return None
    try:
        return _next_date_cached(repr(place.schedule_rules), now or now_in_japan(), place)
    except (ValueError, TypeError, KeyError) as exc:  # one odd rule must not break a listing
        log.warning("place %s: schedule rules not understood: %s", place.id, exc)
        return None


_NEXT_CACHE: dict[tuple[str, date | datetime], str | None] = {}


def _next_date_cached(key: str, now: date | datetime, place: Place) -> str | None:
    """Places with the same rules at the same moment share one answer (one listing's worth)."""
    cache_key = (key, now)
    if cache_key not in _NEXT_CACHE:
        if len(_NEXT_CACHE) > 4096:
            _NEXT_CACHE.clear()
        found = next_occurrence(place.schedule_rules, now)
        _NEXT_CACHE[cache_key] = found.date.isoformat() if found else None
    return _NEXT_CACHE[cache_key]


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
        "geometry_source": area.geometry_source,
    }


def area_feature(area: Area, with_geometry: bool = True) -> dict[str, Any]:
    """An area as a GeoJSON feature; ``label_point`` [lon, lat] is inside it, for its name."""
    props = area_properties(area)
    if with_geometry and not area.geometry.is_empty:
        # the largest part, so a ward's name sits on its mainland rather than an island
        part = max(getattr(area.geometry, "geoms", [area.geometry]), key=lambda g: g.area)
        pt = part.representative_point()
        props["label_point"] = [round(pt.x, 6), round(pt.y, 6)]
    return {
        "type": "Feature",
        "id": area.id,
        "geometry": mapping(area.geometry) if with_geometry else None,
        "properties": props,
    }


def place_feature(
    place: Place,
    distance_m: float | None = None,
    areas: list[str] | None = None,
    now: date | datetime | None = None,
    internal: bool = False,
) -> dict[str, Any]:
    """A place as a GeoJSON feature with its 次回開催 (``next_date``); internal fields only with
    ``internal`` (a principal of the place's city: the caller decides).

    ``distance_m`` (with ``walking_min``) when measured from a point; ``areas`` in a listing.
    """
    props = {k: getattr(place, k) for k in PUBLIC_PLACE_FIELDS}
    if internal:
        props.update({k: getattr(place, k) for k in INTERNAL_PLACE_FIELDS})
    props["next_date"] = next_date_iso(place, now)
    if distance_m is not None:
        props["distance_m"] = round(distance_m, 1)
        props["walking_min"] = walking_minutes(distance_m)
    if areas is not None:
        props["areas"] = areas
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


def change_json(change: Change) -> dict[str, Any]:
    """One entry of a record's history: who, when, through what, each field [before, after]."""
    return {
        "id": change.id,
        "at": change.at,
        "who": change.who,
        "via": change.via,
        "action": change.action,
        "source": change.source,
        "fields": change.fields,
    }


def history_json(record_id: str, version: str, changes: list[Change]) -> dict[str, Any]:
    """A place's or an area's history, newest first, with the version a restore sends back."""
    return {
        "id": record_id,
        "etag": quoted(version),
        "changes": [change_json(c) for c in reversed(changes)],
    }
