"""Places as KML for Google My Maps: a Folder per category, styled in the category's colour.

My Maps imports each Folder as a layer and takes at most 2,000 features per layer, so a
category with more is split into folders of at most ``MAX_PER_FOLDER`` (「サロン (1/2)」 …), and the
document's description says so. Text is written through ElementTree, which escapes it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from geo.model import PUBLIC_PLACE_FIELDS, Category, Place
from layers.exports.columns import category_label, identity, schedule_words
from layers.folium.cards import next_text
from layers.messages import translator
from layers.schedule import Lang, date_text

KML_NS = "http://www.opengis.net/kml/2.2"
MAX_PER_FOLDER = 2000  # Google My Maps' limit of features per layer

# The public fields that go to ExtendedData: all but those the Placemark says itself (name,
# point, and the description's schedule, address and phone), the identity columns (from
# columns.identity), demo (added as a flag) and the store's clock.
_OWN = {"id", "city", "name", "address", "phone", "schedule", "schedule_rules", "source",
        "demo", "updated_at"}  # fmt: skip
EXTENDED = tuple(f for f in PUBLIC_PLACE_FIELDS if f not in _OWN)


def _kml_color(color: str) -> str:
    """#rrggbb as KML's aabbggrr (opaque); a grey for anything else."""
    m = re.fullmatch(r"#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})", color or "")
    if not m:
        return "ff575049"
    r, g, b = m.groups()
    return f"ff{b}{g}{r}".lower()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _description(place: Place, now: datetime, lang: Lang) -> str:
    """Schedule in words, 次回開催, address and phone, one a line, as My Maps shows them."""
    t = translator(lang)
    lines = []
    for term, value in (
        (t("When"), schedule_words(place, lang)),
        (t("Next date"), next_text(place, now, lang)),
        (t("Address"), place.address),
        (t("Phone"), place.phone),
    ):
        if value:
            lines.append(f"{term}: {value}")
    return "\n".join(lines)


def _placemark(folder: ET.Element, place: Place, style: str, now: datetime, lang: Lang) -> None:
    mark = _sub(folder, "Placemark", id=place.id)
    _sub(mark, "name", place.name)
    _sub(mark, "description", _description(place, now, lang))
    _sub(mark, "styleUrl", f"#{style}")
    data = _sub(mark, "ExtendedData")
    # "description" is the Placemark's own element; the place's text goes as "about"
    fields = {("about" if n == "description" else n): getattr(place, n) for n in EXTENDED}
    fields["demo"] = "true" if place.demo else None
    for name, value in [*fields.items(), *identity(place).items()]:
        if value not in (None, ""):
            _sub(_sub(data, "Data", name=name), "value", str(value))
    point = _sub(mark, "Point")
    _sub(point, "coordinates", f"{place.lon!r},{place.lat!r}")


def _groups(
    places: Sequence[Place], categories: Sequence[Category]
) -> list[tuple[str, Category | None, list[Place]]]:
    known = {c.slug: c for c in categories}
    groups: dict[str, list[Place]] = {}
    for p in places:
        groups.setdefault(p.category, []).append(p)
    order = sorted(groups, key=lambda s: (known[s].sort if s in known else 10**6, s))
    return [(s, known.get(s), groups[s]) for s in order]


def places_kml(
    places: Sequence[Place],
    categories: Sequence[Category],
    title: str,
    now: datetime,
    lang: Lang = "ja",
) -> str:
    """The KML document: a Style and one or more Folders per category, a Placemark per place."""
    ET.register_namespace("", KML_NS)
    t = translator(lang)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", title)
    about = _sub(doc, "description")
    notes = [t("Next dates as of {date}", date=date_text(now.date(), lang, weekday=False))]
    groups = _groups(places, categories)
    for slug, cat, _ in groups:
        style = _sub(doc, "Style", id=f"cat-{slug}")
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", _kml_color(cat.color if cat else ""))
    for slug, cat, members in groups:
        label = category_label(cat, slug, lang)
        chunks = [members[i : i + MAX_PER_FOLDER] for i in range(0, len(members), MAX_PER_FOLDER)]
        if len(chunks) > 1:
            notes.append(
                t("{label}: {count} places, split into {parts} layers of at most {most}",
                  label=label, count=len(members), parts=len(chunks), most=MAX_PER_FOLDER)
            )  # fmt: skip
        for n, chunk in enumerate(chunks, 1):
            folder = _sub(doc, "Folder")
            _sub(folder, "name", label if len(chunks) == 1 else f"{label} ({n}/{len(chunks)})")
            for place in chunk:
                _placemark(folder, place, f"cat-{slug}", now, lang)
    about.text = "\n".join(notes)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
