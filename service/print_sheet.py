"""The A4 sheet of an area's gathering places, for the 回覧板 and the 民生委員's bag.

One page serves both ways out: ``GET /print/{code}`` (printed from a browser) and
``tsudoi export print`` (the same HTML made into a PDF by ``layers.paper.pdf``). What it asks of the
store, and how it refuses a wrong city, area or category, is here once for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import segno
from markupsafe import Markup, escape

from geo.errors import InvalidParameter
from geo.model import Area, City, Contact
from geo.store.base import PlaceQuery, Store
from geo.walk.network import WalkNetwork
from layers.messages import pick_language, translator
from layers.paper.fit import FirstPage, Row, map_height
from layers.paper.map_svg import COMPACT_HEIGHT, Marker, area_map_svg
from layers.paper.sheet import Entry, area_contacts, dates_line, entries
from layers.place_privacy import published
from layers.schedule import Lang, date_text, short_date_text
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


_TIMES = re.compile(r"\d{1,2}:\d{2}[–〜]\d{1,2}:\d{2}")


def _unbroken(text: str) -> Markup:
    """The text escaped, each 「13:30〜15:30」 kept on one line: a time is never read in halves."""
    escaped = str(escape(text))
    return Markup(_TIMES.sub(lambda m: f'<span class="nowrap">{m.group()}</span>', escaped))


def _rows(listed: list[Entry], lang: Lang, t: Callable[..., str]) -> list[Row]:
    """The list as the estimate of its height reads it: the texts print.html puts in each cell."""
    return [Row(name=e.name + ("＊" if e.town_only else ""), address=e.address,
                when=[e.schedule or t("Ask the organiser"),
                      *([dates_line(e, lang)] if e.next_dates else [])],
                phone=e.phone, fee=e.fee) for e in listed]


def _kinds_text(labels: list[str], lang: str) -> str | None:
    return ("・" if lang == "ja" else ", ").join(labels) or None


def _contact_text(c: Contact, t: Callable[..., str]) -> str:
    """A contact's line as print.html writes it."""
    phone = f" {t('Phone')} {c.phone}" if c.phone else ""
    hours = f"（{c.hours}）" if c.hours else ""
    return f"{c.role} {c.name}{phone}{hours}"


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
    kind_labels = [labels.get(s, s) for s in choice.categories]
    city = city_name(choice.city, lang)
    title = t("Places to gather in {area}", area=choice.area.name)
    made_on = date_text(now.date(), lang_code, weekday=lang_code == "ja")
    # English words are longer: the note under the list's heading says "28 Nov 2026", in one line
    note_date = made_on if lang_code == "ja" else f"{short_date_text(now.date(), 'en')} {now.year}"
    contacts_area, contacts = area_contacts(choice.area, store.areas(code))
    link = base + choice.map_path()
    demo = any(p.demo for p in places) or choice.area.demo
    osm_streets = network is not None and (store.network_meta(code) or {}).get(
        "source_kind") == "osm"
    first = FirstPage(
        city=city, title=title, made_on=t("Made on {date}", date=made_on),
        kinds=_kinds_text(kind_labels, lang),
        side=[t("Scan for the live map of this area, with the latest dates:"),
              *([t("Streets © OpenStreetMap contributors.")] if osm_streets else [])],
        url=link,
        contacts=[_contact_text(c, t) for c in contacts] or [
            t("No contacts are listed for this area yet: ask the city's welfare office.")],
        note=t("Next dates as computed on {date}, holidays and the New Year break skipped; "
               "they may change.", date=note_date) if listed else "",
    )
    height = map_height(first, _rows(listed, lang_code, t))
    svg = area_map_svg(
        choice.area.geometry, choice.city.crs_epsg,
        [Marker(e.number, e.lon, e.lat, e.color) for e in listed],
        title=t("Map of {area} with the places numbered as in the list", area=choice.area.name),
        north=t("North"), network=network, height=height,
    )
    return render_template(
        "print.html",
        lang=lang, code=code, city_name=city, title=title, area=choice.area,
        kinds=_kinds_text(kind_labels, lang),
        entries=listed, map_svg=Markup(svg), short_map=height == COMPACT_HEIGHT,
        qr_svg=_qr_svg(link), map_url=link,
        contacts=contacts, contacts_area=contacts_area, made_on=made_on, note_date=note_date,
        demo=demo,
        unbroken=_unbroken, dates_line=lambda e: dates_line(e, lang_code),
        streets=network is not None, osm_streets=osm_streets,
        town_only=any(e.town_only for e in listed),
        other_lang_query=form_query([
            ("area", choice.area.id),
            *([("category", ",".join(choice.categories))] if choice.categories else []),
            ("lang", "ja" if lang == "en" else "en"),
        ]),
    )
