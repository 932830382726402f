"""The A4 sheet of an area's gathering places, for the 回覧板 and the 民生委員's bag.

One page serves both ways out: ``GET /print/{code}`` (printed from a browser) and
``tsudoi export print`` (the same HTML made into a PDF by ``layers.paper.pdf``). What it asks of the
store, and how it refuses a wrong city, area or category, is here once for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import segno
from markupsafe import Markup

from geo.errors import InvalidParameter
from geo.model import Area, City
from geo.store.base import PlaceQuery, Store
from geo.walk.network import WalkNetwork
from layers.messages import pick_language, translator
from layers.paper.map_svg import Marker, area_map_svg
from layers.paper.sheet import area_contacts, entries
from layers.place_privacy import published
from layers.schedule import Lang, date_text
from service.analysis import known_categories
from service.deps import city_of
from service.routes.embed import ShareChoice, form_query
from service.routes.pages import city_name, render_template


@dataclass(frozen=True)
class SheetChoice:
    """Which sheet: a held city, one of its areas, optionally some kinds, a language."""

    city: City
    area: Area
    categories: tuple[str, ...]
    lang: str

    def map_path(self) -> str:
        """The live map of the same area and kinds: the QR code's and the link's target."""
        share = ShareChoice(categories=self.categories, area=self.area.id, lang=self.lang)
        return share.map_path(self.city.code)


def choose(store: Store, code: str, area: str, category: str | None, lang: str | None
           ) -> SheetChoice:
    """The sheet asked for, checked: an unknown city, area or category is refused by name."""
    city = city_of(store, code)
    found = store.area(area) if area else None
    if found is None or found.city != code:
        raise InvalidParameter("area", f"city {code} has no area {area!r}")
    slugs = known_categories(store, code, category) or []
    return SheetChoice(city, found, tuple(slugs), pick_language(lang))


def _qr_svg(link: str) -> Markup:
    """The QR code (error correction M) as inline SVG: segno's own markup, in which the link is
    encoded as modules, never written as text."""
    qr = segno.make(link, error="m")
    return Markup(qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True))


def sheet_html(store: Store, choice: SheetChoice, base: str, now: datetime,
               network: WalkNetwork | None) -> str:
    """The sheet's page: ``base`` is the service's public address for the QR code and links,
    ``now`` the moment the next dates are computed from, ``network`` the city's streets."""
    code, lang = choice.city.code, choice.lang
    lang_code: Lang = "en" if lang == "en" else "ja"
    t = translator(lang)
    kinds = ("gathering", "venue") if choice.categories else ("gathering",)
    places = published(store, store.places(
        PlaceQuery(city=code, area=choice.area.id, categories=choice.categories, kinds=kinds)))
    categories = store.categories(code)
    listed = entries(places, categories, now, lang_code)
    labels = {c.slug: (c.label_en if lang == "en" else c.label_ja) for c in categories}
    city = city_name(choice.city, lang)
    title = t("Places to gather in {area}", area=choice.area.name)
    svg = area_map_svg(
        choice.area.geometry, choice.city.crs_epsg,
        [Marker(e.number, e.lon, e.lat, e.color) for e in listed],
        title=t("Map of {area} with the places numbered as in the list", area=choice.area.name),
        north=t("North"), network=network,
    )
    contacts_area, contacts = area_contacts(choice.area, store.areas(code))
    link = base + choice.map_path()
    osm_streets = network is not None and (store.network_meta(code) or {}).get(
        "source_kind") == "osm"
    return render_template(
        "print.html",
        lang=lang, code=code, city_name=city, title=title, area=choice.area,
        kinds=[labels.get(s, s) for s in choice.categories],
        entries=listed, map_svg=Markup(svg), qr_svg=_qr_svg(link), map_url=link,
        contacts=contacts, contacts_area=contacts_area,
        made_on=date_text(now.date(), lang_code),
        demo=any(p.demo for p in places) or choice.area.demo,
        streets=network is not None, osm_streets=osm_streets,
        town_only=any(e.town_only for e in listed),
        other_lang_query=form_query([
            ("area", choice.area.id),
            *([("category", ",".join(choice.categories))] if choice.categories else []),
            ("lang", "ja" if lang == "en" else "en"),
        ]),
    )
