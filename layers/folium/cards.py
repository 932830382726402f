"""The HTML of the Folium map's pins, popups and layer names, every text from data escaped.

Labels come from the one message catalogue (``layers.messages``), 次回開催 and schedule words
from the schedule engine, so the export says what the residents' page and the API say.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from urllib.parse import urlsplit

from geo.model import Area, Category, Contact, Place
from layers.messages import translator
from layers.schedule import (
    Lang,
    ScheduleError,
    date_text,
    describe,
    next_occurrence,
    occurrence_text,
)

_FALLBACK_COLOR = "#495057"
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'（）()、。「」]+")

# One short mark per default category icon, so a pin reads without its colour.
_MARKS: dict[str, dict[str, str]] = {
    "ja": {
        "salon": "サ",
        "chanoma": "茶",
        "cafe": "カ",
        "dementia-cafe": "認",
        "kayoinoba": "通",
        "model-house": "モ",
        "hall": "館",
    },
    "en": {
        "salon": "S",
        "chanoma": "L",
        "cafe": "C",
        "dementia-cafe": "D",
        "kayoinoba": "K",
        "model-house": "M",
        "hall": "H",
    },
}


def e(text: object) -> str:
    """Text as HTML: nothing in it can become markup or end an attribute."""
    return html.escape(str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s) with a host; anything else (javascript:, data:) is dropped."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(url: str, text: str | None = None) -> str:
    """An escaped link that opens apart from the map and tells the target nothing."""
    return f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{e(text or url)}</a>'


def linkify(text: str) -> str:
    """Escape credit text and turn its http(s) URLs into links."""
    out: list[str] = []
    pos = 0
    for m in _URL_IN_TEXT.finditer(text):
        out.append(e(text[pos : m.start()]))
        out.append(link(m.group()))
        pos = m.end()
    out.append(e(text[pos:]))
    return "".join(out)


def _tel(phone: str) -> str | None:
    """A tel: target of digits only, for a single Japanese number (10–11 digits from 0)."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    return digits if re.fullmatch(r"0\d{9,10}", digits) else None


def _phone_html(phone: str) -> str:
    target = _tel(phone)
    return f'<a href="tel:{target}">{e(phone)}</a>' if target else e(phone)


def safe_color(value: str | None) -> str:
    """A category's colour when it is a hex colour, else a dark grey (it goes into markup)."""
    return value if value and _COLOR.fullmatch(value) else _FALLBACK_COLOR


def _mark(cat: Category | None, lang: Lang) -> str:
    if cat is None:
        return "・"
    if cat.icon and cat.icon in _MARKS[lang]:
        return _MARKS[lang][cat.icon]
    label = cat.label_ja if lang == "ja" else cat.label_en
    return (label.strip() or cat.slug)[:1].upper()


def _label(cat: Category | None, lang: Lang) -> str:
    if cat is None:
        t = translator(lang)
        return t("Other")
    return cat.label_ja if lang == "ja" else cat.label_en


def next_text(place: Place, now: datetime, lang: Lang) -> str | None:
    """次回開催 with its times, from the stored rules as the API takes its ``next_date``.

    A place without stored rules has none (its free text is shown, never guessed from), and
    neither has a paused or closed one.
    """
    if not place.schedule_rules or place.status != "active":
        return None
    try:
        occ = next_occurrence(place.schedule_rules, now)
    except (ValueError, TypeError, KeyError):  # as the API: a bad stored rule hides the line
        return None
    return None if occ is None else occurrence_text(occ, lang)


def schedule_text(place: Place, lang: Lang, brief: bool = False) -> str | None:
    """The schedule in words: the city's own text in Japanese, the rules described in English
    (``brief``: in the shorter English a printed sheet's column needs, see ``describe``)."""
    rules = place.schedule_rules
    described = None
    if rules:
        try:
            described = describe(rules, lang, brief)
        except ScheduleError:
            described = None
    if lang == "en" and described:
        return described
    return place.schedule or described


def _row(term: str, value_html: str | None) -> str:
    return f"<dt>{e(term)}</dt><dd>{value_html}</dd>" if value_html else ""


def _rows(place: Place, now: datetime, lang: Lang) -> str:
    t = translator(lang)
    schedule = schedule_text(place, lang)
    next_session = next_text(place, now, lang)
    next_html = None
    if next_session:
        as_of = t("as of {date}", date=date_text(now.date(), lang, weekday=False))
        next_html = f"{e(next_session)} <small>({e(as_of)})</small>"
    url = safe_url(place.url)
    rows = [
        _row(t("When"), e(schedule) if schedule else None),
        _row(t("Next date"), next_html),
        _row(t("Fee"), e(place.fee) if place.fee else None),
        _row(t("Address"), e(place.address) if place.address else None),
        _row(t("Phone"), _phone_html(place.phone) if place.phone else None),
        _row(t("Email"), e(place.email) if place.email else None),
        _row(t("Organiser"), e(place.organiser) if place.organiser else None),
        _row(t("About"), e(place.description) if place.description else None),
        _row(t("Accessibility"), e(place.accessibility) if place.accessibility else None),
        _row(t("Website"), link(url) if url else None),
        _row(t("Last checked"), e(place.last_verified) if place.last_verified else None),
    ]
    return "<dl>" + "".join(rows) + "</dl>"


def _notes(place: Place, lang: Lang) -> tuple[str | None, str | None, str | None]:
    """The status, private-home and demo notes a place needs (None where it needs none)."""
    t = translator(lang)
    status = {"paused": t("Paused for now"), "closed": t("No longer held")}.get(place.status)
    town = None
    if place.placed_from == "address":
        town = t("Placed from its address: the map shows its town's point.")
    elif place.location_precision == "town":
        town = t(
            "Held in a private home: the map shows the town only. "
            "Ask the organiser or your area's advice desk for the way."
        )
    demo = t("Demo data (デモ用の仮データ)") if place.demo else None
    return status, town, demo


def popup_html(place: Place, cat: Category | None, now: datetime, lang: Lang) -> str:
    """A place's details: its public fields only, 次回開催 "as of" ``now``."""
    status, town, demo = _notes(place, lang)
    color = safe_color(cat.color if cat else None)
    parts = [f'<div class="tsudoi-popup" lang="{lang}">', f"<h2>{e(place.name)}</h2>"]
    if place.kana:
        parts.append(f'<p class="tsudoi-kana">{e(place.kana)}</p>')
    parts.append(
        f'<p class="tsudoi-note"><span class="tsudoi-swatch" style="background:{color}" '
        f'aria-hidden="true">{e(_mark(cat, lang))}</span>{e(_label(cat, lang))}</p>'
    )
    if status:
        parts.append(f'<p class="tsudoi-note"><strong>{e(status)}</strong></p>')
    parts.append(_rows(place, now, lang))
    if town:
        parts.append(f'<p class="tsudoi-note">{e(town)}</p>')
    if demo:
        parts.append(f'<p class="tsudoi-note tsudoi-demo">{e(demo)}</p>')
    parts.append("</div>")
    return "".join(parts)


def pin_html(place: Place, cat: Category | None, lang: Lang) -> str:
    """The pin: the category's colour and mark, and the name for screen readers."""
    town = " tsudoi-pin-town" if place.location_precision == "town" else ""
    color = safe_color(cat.color if cat else None)
    return (
        f'<span class="tsudoi-pin{town}" style="background:{color}" '
        f'aria-hidden="true">{e(_mark(cat, lang))}</span>'
        f'<span class="tsudoi-sr">{e(place.name)}（{e(_label(cat, lang))}）</span>'
    )


def layer_name(cat: Category | None, count: int, lang: Lang) -> str:
    """A category's entry in the layer list, which is the legend: mark, label and count."""
    color = safe_color(cat.color if cat else None)
    return (
        f'<span class="tsudoi-swatch" style="background:{color}" aria-hidden="true">'
        f"{e(_mark(cat, lang))}</span>{e(_label(cat, lang))} ({count})"
    )


def _contact_html(c: Contact, lang: Lang) -> str:
    t = translator(lang)
    bits = [f"<strong>{e(c.role)}</strong> {e(c.name)}"]
    if c.phone:
        bits.append(f"{e(t('Phone'))}: {_phone_html(c.phone)}")
    if c.hours:
        bits.append(e(t("Hours: {hours}", hours=c.hours)))
    if c.address:
        bits.append(e(c.address))
    url = safe_url(c.url)
    if url:
        bits.append(link(url))
    return "<li>" + "<br>".join(bits) + "</li>"


def area_popup(area: Area, lang: Lang) -> str | None:
    """Who to ask in the area (地域包括支援センター …); None when the area lists no contact."""
    if not area.contacts:
        return None
    items = "".join(_contact_html(c, lang) for c in area.contacts)
    return (
        f'<div class="tsudoi-popup" lang="{lang}"><h2>{e(area.name)}</h2>'
        f'<ul style="padding-left:1.1em;margin:.3em 0 0">{items}</ul></div>'
    )


def level_name(level: int, count: int, lang: Lang) -> str:
    """An area level's entry in the layer list, with its count."""
    t = translator(lang)
    if level == 1:
        name = t("Level 1 (wider areas)")
    elif level == 2:
        name = t("Level 2 (daily-life areas)")
    else:
        name = t("Level {level}", level=level)
    return f"{e(name)} ({count})"
