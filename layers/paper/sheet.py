"""What a printed sheet lists: numbered places, their coming dates, and whom to ask in the area.

Paper cannot refresh, so each entry carries the next three dates from the one schedule engine and
the sheet says the day they were computed on. Texts stay plain here; the template escapes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from geo.model import Area, Category, Contact, Place
from layers.folium.cards import safe_color, schedule_text
from layers.schedule import Lang, next_occurrences, short_date_text

NEXT_DATES = 3  # how many coming dates a sheet lists per place


@dataclass(frozen=True)
class Entry:
    """One numbered place of the list, the same number as its marker on the map."""

    number: int
    name: str
    category: str
    color: str
    lon: float
    lat: float
    address: str | None
    schedule: str | None
    next_dates: tuple[str, ...]
    phone: str | None
    fee: str | None
    town_only: bool  # held in a private home: the map shows its town, not the house


def dates_line(entry: Entry, lang: Lang) -> str:
    """The next dates as the sheet prints them under the schedule: 「12/2(水)・12/16(水)」, or
    "next 2 Dec, 16 Dec" (the English schedule beside them names the weekday)."""
    if lang == "ja":
        return "・".join(entry.next_dates)
    return "next " + ", ".join(entry.next_dates)


def coming_dates(place: Place, now: datetime, lang: Lang, count: int = NEXT_DATES) -> list[str]:
    """The next ``count`` sessions as 「12/2(水)」, none without rules or when not active."""
    if not place.schedule_rules or place.status != "active":
        return []
    try:
        found = next_occurrences(place.schedule_rules, now, count)
    except (ValueError, TypeError, KeyError):  # as the API: a bad stored rule hides the dates
        return []
    return [short_date_text(occ.date, lang) for occ in found]


def _order(categories: dict[str, Category]) -> Callable[[Place], tuple[int, str, str, str]]:
    def key(place: Place) -> tuple[int, str, str, str]:
        cat = categories.get(place.category)
        return (cat.sort if cat else 1000, place.category, place.kana or place.name, place.id)

    return key


def entries(
    places: Sequence[Place], categories: Sequence[Category], now: datetime, lang: Lang
) -> list[Entry]:
    """The places numbered from 1: by category (as the legend orders them), then by reading."""
    by_slug = {c.slug: c for c in categories}
    ordered = sorted(places, key=_order(by_slug))
    out = []
    for number, place in enumerate(ordered, start=1):
        cat = by_slug.get(place.category)
        label = (cat.label_en if lang == "en" else cat.label_ja) if cat else place.category
        out.append(
            Entry(
                number=number,
                name=place.name,
                category=label,
                color=safe_color(cat.color if cat else None),
                lon=place.lon,
                lat=place.lat,
                address=place.address,
                schedule=schedule_text(place, lang, brief=True),
                next_dates=tuple(coming_dates(place, now, lang)),
                phone=place.phone,
                fee=place.fee,
                town_only=place.location_precision == "town",
            )
        )
    return out


def area_contacts(area: Area, areas: Sequence[Area]) -> tuple[Area, list[Contact]]:
    """Whom to ask: the area's own contacts, else those of the nearest wider area that has some
    (a 地区 without its own listing falls back to its 圏域's 包括). Returns the area they belong
    to with them."""
    by_id = {a.id: a for a in areas}
    current: Area | None = area
    seen: set[str] = set()
    while current is not None and current.id not in seen:
        if current.contacts:
            return current, list(current.contacts)
        seen.add(current.id)
        current = by_id.get(current.parent) if current.parent else None
    return area, []
