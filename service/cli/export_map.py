"""`tsudoi export map`: one self-contained HTML file of the city's places (Folium), for a city's
website or a USB stick — Leaflet, the cluster plugin, the list panel, the details card and
the data inlined; nothing is requested but the basemap's tiles (TSUDOI_BASEMAP,
TSUDOI_TILE_URL as the service reads them; without tiles the markers show on a plain ground).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from geo.errors import InvalidParameter
from layers.folium import listing_map, page_html
from layers.place_privacy import published
from service.cli.common import CityOption, DbOption, opened, plain
from service.cli.export_places import (
    AreaFilter,
    CategoryFilter,
    LangOption,
    check_area_option,
    held_code,
)
from service.demo import DEMO_CITIES, demo_credits
from service.deps import PlaceFilterParams
from service.place_export import city_title
from service.serialize import now_in_japan
from service.settings import Settings


def map_file(
    city: CityOption,
    output: Annotated[Path, typer.Option("-o", "--output", help="The .html file to write")],
    category: CategoryFilter = None,
    area: AreaFilter = None,
    lang: LangOption = "ja",
    db: DbOption = None,
) -> None:
    """Write the city's active gathering places as one HTML file that works from disk."""
    if lang not in ("ja", "en"):
        raise InvalidParameter("lang", "must be ja or en")
    settings = Settings.from_env()
    now = now_in_japan().replace(second=0, microsecond=0, tzinfo=None)
    with opened(db) as store:
        code = held_code(store, city)
        check_area_option(store, code, area)
        query = replace(PlaceFilterParams(category=category).query(code), area=area)
        places = published(store, store.places(query))
        categories = store.categories(code)
        areas = store.areas(code)
    if area is not None:  # the chosen area and the areas inside it, not the whole city
        areas = [a for a in areas if a.id == area or a.parent == area]
    title = city_title(code, lang)  # type: ignore[arg-type]
    credits = demo_credits(code) if code in DEMO_CITIES else {}
    notice = None  # the demo's own notice, when the file holds any of its stand-in records
    if any(p.demo for p in places) or any(a.demo for a in areas):
        notice = credits.get("demo_notice_en" if lang == "en" else "demo_notice_ja")
    m = listing_map(
        places,
        categories,
        areas,
        lang=lang,  # type: ignore[arg-type]
        basemap=settings.basemap,
        title=title,
        demo_notice=notice,
        credits=[
            " ".join(filter(None, (c["source"], c.get("url")))) for c in credits.get("credits", [])
        ],
        now=now,
        panel=True,
    )
    output.write_text(page_html(m), encoding="utf-8")
    size = output.stat().st_size
    plain(f"wrote {output} ({len(places)} places, {size:,} bytes)")
