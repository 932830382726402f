"""The listing as a file: GeoJSON, CSV, KML or GeoPackage, for the API's ``?format=`` and for
``tsudoi export places`` alike, so both give the same bytes for the same filters.

Public fields only (private homes at their town's point, as every answer): there is no token
that could unlock internal fields, so none is ever written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from geo.errors import NotFound
from geo.japan.municipalities import get_city
from geo.store.base import PlaceQuery, Store
from layers.exports.csv_table import places_csv
from layers.exports.geopackage import geopackage_layers
from layers.exports.kml import places_kml
from layers.messages import translator
from layers.place_privacy import published
from layers.schedule import Lang
from service.deps import follow_renamed
from service.serialize import area_feature, feature_collection, place_feature

EXPORT_FORMATS = ("geojson", "csv", "kml", "gpkg")
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "kml": "application/vnd.google-earth.kml+xml",
    "gpkg": "application/geopackage+sqlite3",
}


@dataclass(frozen=True)
class Export:
    """A file to hand over: its bytes, media type and the name to save it as."""

    body: bytes
    media_type: str
    filename: str


def city_title(code: str, lang: Lang) -> str:
    """「新潟市の集いの場」, or "Niigata: places where neighbours gather", for a file's title."""
    city = get_city(code)
    name = (city.name_en or city.name) if lang == "en" else city.name
    return translator(lang)("{city}: places where neighbours gather", city=name)


def check_area(store: Store, code: str, area: str | None, follow_renames: bool = False) -> None:
    """An area filter must name one of the city's areas; a route (``follow_renames``) answers
    308 to an area asked for by the id it had before ids carried their source."""
    if area is None:
        return
    found = store.area(area)
    if found is None and follow_renames:
        follow_renamed(store, "area", area, "area")
    if found is None or found.city != code:
        raise NotFound(f"city {code} has no area {area!r}")


def export_places(
    store: Store,
    code: str,
    query: PlaceQuery,
    fmt: str,
    now: datetime,
    lang: Lang = "ja",
) -> Export:
    """The places of ``query`` as the public sees them, as a file in ``fmt``."""
    shown = published(store, store.places(query))
    stem = f"places-{code}"
    if fmt == "csv":
        body = places_csv(shown, now, lang).encode("utf-8")
    elif fmt == "kml":
        categories = store.categories(code)
        body = places_kml(shown, categories, city_title(code, lang), now, lang).encode()
    elif fmt == "gpkg":
        places = [place_feature(p, now=now) for p in shown]
        areas = [area_feature(a) for a in store.areas(code)]
        body = geopackage_layers({"places": places, "areas": areas})
    else:
        collection = feature_collection(
            [place_feature(p, now=now) for p in shown], numberReturned=len(shown)
        )
        body = json.dumps(collection, ensure_ascii=False).encode("utf-8")
    return Export(body, MEDIA_TYPES[fmt], f"{stem}.{fmt}")
