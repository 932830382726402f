"""The listing as a Folium map: category layers, area boundaries, details popups — no CDN.

Used in notebooks and by the static, self-contained export.  Three things differ from plain
Folium on purpose:

* **Assets.**  Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; city networks
  and tests are often offline and a CDN sees every visitor.  The map here loads only the
  vendored Leaflet (``layers/static/vendor/leaflet-1.9.4``), from ``static_prefix`` or inlined.
  The defaults are replaced on the map instance, never on the ``folium.Map`` class.
* **Escaping.**  Folium's ``Popup``/``Tooltip`` put their HTML inside a JavaScript template
  literal (so ``${…}`` in a place name would run) and need jQuery.  Popups and tooltips are
  bound here with JSON-escaped strings built from ``html.escape``-d text instead.
* **Colour is never the only cue.**  Each pin carries the category's mark (サ, 茶, カ …) and
  the layer list doubles as the legend.
"""

from __future__ import annotations

import base64
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from importlib.resources import files
from typing import Any, Literal
from urllib.parse import urlsplit

import folium
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from folium.utilities import JsCode
from shapely.geometry import mapping

from geo.model import Area, Category, Contact, Place
from layers.schedule import JST, ScheduleError, describe, next_occurrence, parse_schedule

__all__ = ["BASEMAPS", "LEAFLET_DIR", "listing_map", "leaflet_assets"]

Lang = Literal["ja", "en"]

LEAFLET_DIR = "vendor/leaflet-1.9.4"
"""Where the vendored Leaflet lives under ``layers/static`` (and under the service's /static)."""

BASEMAPS: dict[str, tuple[str, str, int]] = {
    "gsi-pale": (
        "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png",
        '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
        18,
    ),
    "gsi-std": (
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png",
        '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
        18,
    ),
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        19,
    ),
}
"""Named tile layers: URL template, attribution (trusted HTML), maximum zoom."""

_FALLBACK_COLOR = "#495057"
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'（）()、。「」]+")
_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

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

_TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "schedule": "日時",
        "next": "次回開催",
        "as_of": "{date}時点",
        "fee": "参加費",
        "address": "住所",
        "phone": "電話",
        "email": "メール",
        "organiser": "主催",
        "description": "内容",
        "accessibility": "バリアフリー",
        "url": "ウェブサイト",
        "last_verified": "最終確認日",
        "paused": "休止中",
        "closed": "終了しました",
        "town": "個人宅のため、場所は町丁目までの表示です",
        "demo_place": "デモ用の仮データ（架空の場所です）",
        "demo_notice": "デモ用の仮データを含みます（架空の場所・連絡先です）",
        "other": "その他",
        "level_1": "区・第1層",
        "level_2": "日常生活圏域・第2層",
        "level_n": "第{level}層",
        "hours": "受付",
        "map": "地図",
    },
    "en": {
        "schedule": "When",
        "next": "Next session",
        "as_of": "as of {date}",
        "fee": "Fee",
        "address": "Address",
        "phone": "Phone",
        "email": "Email",
        "organiser": "Run by",
        "description": "About",
        "accessibility": "Accessibility",
        "url": "Website",
        "last_verified": "Last verified",
        "paused": "Paused",
        "closed": "Closed",
        "town": "Held in a private home: shown at neighbourhood (町丁目) level only",
        "demo_place": "Demo data (デモ用の仮データ): a fictitious place",
        "demo_notice": "Contains demo data (デモ用の仮データ): places and contacts are fictitious",
        "other": "Other",
        "level_1": "Wards (level 1)",
        "level_2": "Daily-living areas (level 2)",
        "level_n": "Areas (level {level})",
        "hours": "Hours",
        "map": "Map",
    },
}

_CSS = """
.tsudoi-pin-icon { background: none; border: none; }
.tsudoi-pin {
  display: flex; align-items: center; justify-content: center;
  width: 30px; height: 30px; box-sizing: border-box; border-radius: 50%;
  border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,.55);
  color: #fff; font: bold 15px/1 system-ui, sans-serif;
}
.tsudoi-pin-town { border: 2px dashed #fff; }
.leaflet-marker-icon:focus-visible .tsudoi-pin { outline: 3px solid #111; outline-offset: 2px; }
.tsudoi-sr {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0,0,0,0); white-space: nowrap; border: 0;
}
.tsudoi-swatch {
  display: inline-flex; align-items: center; justify-content: center; width: 1.4em;
  height: 1.4em; border-radius: 50%; color: #fff; font-weight: bold; font-size: .85em;
  vertical-align: middle; margin-right: .25em;
}
.leaflet-control-layers { font-size: 15px; max-height: 70vh; overflow: auto; }
.tsudoi-popup { font-size: 16px; line-height: 1.5; }
.tsudoi-popup h2 { font-size: 18px; margin: 0 0 .2em; }
.tsudoi-popup .tsudoi-kana { font-size: 13px; color: #495057; margin: 0; }
.tsudoi-popup dl {
  display: grid; grid-template-columns: max-content 1fr; gap: .25em .7em; margin: .4em 0 0;
}
.tsudoi-popup dt { font-weight: bold; }
.tsudoi-popup dd { margin: 0; }
.tsudoi-popup .tsudoi-note { margin: .4em 0 0; font-size: 14px; }
.tsudoi-popup .tsudoi-demo { color: #a61e4d; font-weight: bold; }
.tsudoi-popup a { font-size: 16px; }
body { display: flex; flex-direction: column; }
.folium-map { flex: 1 1 auto; height: auto !important; min-height: 0; }
.tsudoi-banner {
  order: -1; padding: 6px 12px; background: #fff; border-bottom: 1px solid #ced4da;
  font: 16px/1.4 system-ui, sans-serif; text-align: center;
}
.tsudoi-banner h1 { font-size: 20px; margin: 0; }
.tsudoi-banner .tsudoi-demo-notice { margin: 2px 0 0; color: #a61e4d; font-weight: bold; }
@media (max-width: 600px) {
  .leaflet-control-attribution { font-size: 10px; max-height: 4.2em; overflow: auto; }
}
"""


class _Raw(Element):
    """Markup put in the page as is (not through Jinja: Leaflet's source is not a template)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._markup = markup

    def render(self, **kwargs: Any) -> str:
        return self._markup


def _js(value: object) -> str:
    """JSON for inside a <script>: no '<', '>', '&' or quote can end it, and Japanese text stays
    as UTF-8 (folium's \\uXXXX escapes make a city's popups six times larger)."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class _Bind(MacroElement):
    """``layer.bindPopup(html)`` / ``bindTooltip``, the HTML passed as an escaped JSON string."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}({{ this.args }});
        {% endmacro %}
        """
    )

    def __init__(
        self, method: Literal["bindPopup", "bindTooltip"], content: str, **options: Any
    ) -> None:
        super().__init__()
        self._name = "Bind"
        self.method = method
        self.args = f"{_js(content)}, {_js(options)}"


class _Attribution(MacroElement):
    """Adds the credits line to Leaflet's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.content }});
        {% endmacro %}
        """
    )

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.content = _js(content)


class _Banner(MacroElement):
    """The title and the demo notice, in a bar above the map (not hidden in a control, and
    never covering a popup)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}
        """
    )

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "Banner"
        self.markup = markup


_FIGURE_TEMPLATE = (
    "<!DOCTYPE html>\n"
    '<html lang="{{ this.lang }}">\n'
    "<head>\n"
    "{% if this.title %}<title>{{ this.title }}</title>{% endif %}"
    "    {{ this.header.render(**kwargs) }}\n"
    "</head>\n"
    "<body>\n"
    "    {{ this.html.render(**kwargs) }}\n"
    "</body>\n"
    "<script>\n"
    "    {{ this.script.render(**kwargs) }}\n"
    "</script>\n"
    "</html>\n"
)


# --------------------------------------------------------------------------- helpers


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _safe_url(url: str | None) -> str | None:
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


def _link(url: str, text: str | None = None) -> str:
    return (
        f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(text or url)}</a>'
    )


def _linkify(text: str) -> str:
    """Escape credit text and turn its http(s) URLs into links."""
    out: list[str] = []
    pos = 0
    for m in _URL_IN_TEXT.finditer(text):
        out.append(_e(text[pos : m.start()]))
        out.append(_link(m.group()))
        pos = m.end()
    out.append(_e(text[pos:]))
    return "".join(out)


def _tel(phone: str) -> str | None:
    """A tel: target of digits only, for a single Japanese number (10–11 digits from 0)."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    return digits if re.fullmatch(r"0\d{9,10}", digits) else None


def _phone_html(phone: str) -> str:
    target = _tel(phone)
    return f'<a href="tel:{target}">{_e(phone)}</a>' if target else _e(phone)


def _color(value: str | None) -> str:
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
        return _TEXT[lang]["other"]
    return cat.label_ja if lang == "ja" else cat.label_en


def _date_text(day: date, lang: Lang, weekday: bool = True) -> str:
    if lang == "ja":
        text = f"{day.year}年{day.month}月{day.day}日"
        return f"{text}（{_WEEKDAYS_JA[day.weekday()]}）" if weekday else text
    text = f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS_EN[day.weekday()]} {text}" if weekday else text


def _clock(hhmm: str) -> str:
    hour, minute = hhmm.split(":")
    return f"{int(hour)}:{minute}"


def _rules_of(place: Place) -> list[dict[str, Any]] | None:
    if place.schedule_rules:
        return place.schedule_rules
    return parse_schedule(place.schedule) if place.schedule else None


def _next_text(place: Place, now: datetime, lang: Lang) -> str | None:
    rules = _rules_of(place)
    if not rules or place.status != "active":
        return None
    try:
        occ = next_occurrence(rules, now)
    except ScheduleError:
        return None  # a bad stored rule hides the line; it never breaks the whole map
    if occ is None:
        return None
    text = _date_text(occ.date, lang)
    dash = "〜" if lang == "ja" else "–"
    if occ.start and occ.end:
        text += f" {_clock(occ.start)}{dash}{_clock(occ.end)}"
    elif occ.start:
        text += f" {_clock(occ.start)}{dash}"
    return text


def _schedule_text(place: Place, lang: Lang) -> str | None:
    rules = place.schedule_rules
    described = None
    if rules:
        try:
            described = describe(rules, lang)
        except ScheduleError:
            described = None
    if lang == "en" and described:
        return described
    return place.schedule or described


def _row(term: str, value_html: str | None) -> str:
    return f"<dt>{_e(term)}</dt><dd>{value_html}</dd>" if value_html else ""


def _popup_html(place: Place, cat: Category | None, now: datetime, lang: Lang) -> str:
    t = _TEXT[lang]
    color = _color(cat.color if cat else None)
    parts = [f'<div class="tsudoi-popup" lang="{lang}">', f"<h2>{_e(place.name)}</h2>"]
    if place.kana:
        parts.append(f'<p class="tsudoi-kana">{_e(place.kana)}</p>')
    parts.append(
        f'<p class="tsudoi-note"><span class="tsudoi-swatch" style="background:{color}" '
        f'aria-hidden="true">{_e(_mark(cat, lang))}</span>{_e(_label(cat, lang))}</p>'
    )
    if place.status != "active":
        parts.append(f'<p class="tsudoi-note"><strong>{_e(t[place.status])}</strong></p>')
    schedule = _schedule_text(place, lang)
    next_text = _next_text(place, now, lang)
    url = _safe_url(place.url)
    as_of = _e(t["as_of"].format(date=_date_text(now.date(), lang, weekday=False)))
    rows = [
        _row(t["schedule"], _e(schedule) if schedule else None),
        _row(t["next"], f"{_e(next_text)} <small>({as_of})</small>" if next_text else None),
        _row(t["fee"], _e(place.fee) if place.fee else None),
        _row(t["address"], _e(place.address) if place.address else None),
        _row(t["phone"], _phone_html(place.phone) if place.phone else None),
        _row(t["email"], _e(place.email) if place.email else None),
        _row(t["organiser"], _e(place.organiser) if place.organiser else None),
        _row(t["description"], _e(place.description) if place.description else None),
        _row(t["accessibility"], _e(place.accessibility) if place.accessibility else None),
        _row(t["url"], _link(url) if url else None),
        _row(t["last_verified"], _e(place.last_verified) if place.last_verified else None),
    ]
    parts.append("<dl>" + "".join(rows) + "</dl>")
    if place.location_precision == "town":
        parts.append(f'<p class="tsudoi-note">{_e(t["town"])}</p>')
    if place.demo:
        parts.append(f'<p class="tsudoi-note tsudoi-demo">{_e(t["demo_place"])}</p>')
    parts.append("</div>")
    return "".join(parts)


def _pin_html(place: Place, cat: Category | None, lang: Lang) -> str:
    town = " tsudoi-pin-town" if place.location_precision == "town" else ""
    return (
        f'<span class="tsudoi-pin{town}" style="background:{_color(cat.color if cat else None)}" '
        f'aria-hidden="true">{_e(_mark(cat, lang))}</span>'
        f'<span class="tsudoi-sr">{_e(place.name)}（{_e(_label(cat, lang))}）</span>'
    )


def _layer_name(cat: Category | None, count: int, lang: Lang) -> str:
    color = _color(cat.color if cat else None)
    return (
        f'<span class="tsudoi-swatch" style="background:{color}" aria-hidden="true">'
        f"{_e(_mark(cat, lang))}</span>{_e(_label(cat, lang))} ({count})"
    )


def _contact_html(c: Contact, lang: Lang) -> str:
    bits = [f"<strong>{_e(c.role)}</strong> {_e(c.name)}"]
    if c.phone:
        bits.append(f"{_e(_TEXT[lang]['phone'])}: {_phone_html(c.phone)}")
    if c.hours:
        bits.append(f"{_e(_TEXT[lang]['hours'])}: {_e(c.hours)}")
    if c.address:
        bits.append(_e(c.address))
    url = _safe_url(c.url)
    if url:
        bits.append(_link(url))
    return "<li>" + "<br>".join(bits) + "</li>"


def _area_popup(area: Area, lang: Lang) -> str | None:
    if not area.contacts:
        return None
    items = "".join(_contact_html(c, lang) for c in area.contacts)
    return (
        f'<div class="tsudoi-popup" lang="{lang}"><h2>{_e(area.name)}</h2>'
        f'<ul style="padding-left:1.1em;margin:.3em 0 0">{items}</ul></div>'
    )


def _level_name(level: int, count: int, lang: Lang) -> str:
    key = f"level_{level}" if level in (1, 2) else "level_n"
    return f"{_e(_TEXT[lang][key].format(level=level))} ({count})"


def _area_geojson(area: Area) -> dict[str, Any]:
    """The boundary, simplified to about 2 m and rounded, so a city's areas stay light."""
    geom = area.geometry.simplify(0.00002, preserve_topology=True)
    geom = shapely.set_precision(geom, 0.000001)
    return {"type": "Feature", "properties": {"level": area.level}, "geometry": mapping(geom)}


def _bounds(places: Sequence[Place], areas: Sequence[Area]) -> list[list[float]] | None:
    xs: list[float] = []
    ys: list[float] = []
    for p in places:
        xs.append(p.lon)
        ys.append(p.lat)
    for a in areas:
        minx, miny, maxx, maxy = a.geometry.bounds
        xs += [minx, maxx]
        ys += [miny, maxy]
    if not xs:
        return None
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def leaflet_assets(inline: bool, static_prefix: str = "/static") -> tuple[str, str]:
    """The Leaflet JS and CSS: URLs under ``static_prefix``, or their full text when inlined.

    Parameters
    ----------
    inline
        True for the file contents (CSS images made data: URIs, CSS comments dropped), False
        for ``{static_prefix}/vendor/leaflet-1.9.4/leaflet.js`` and ``…/leaflet.css``.
    static_prefix
        Where the service serves ``layers/static``.

    Returns
    -------
    tuple of str
        ``(js, css)``.
    """
    if not inline:
        prefix = static_prefix.rstrip("/")
        return f"{prefix}/{LEAFLET_DIR}/leaflet.js", f"{prefix}/{LEAFLET_DIR}/leaflet.css"
    folder = files("layers").joinpath("static", *LEAFLET_DIR.split("/"))
    js = folder.joinpath("leaflet.js").read_text(encoding="utf-8")
    css = folder.joinpath("leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments carry bug-tracker URLs

    def image(m: re.Match[str]) -> str:
        data = folder.joinpath("images", m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", image, css)
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _check_prefix(static_prefix: str) -> str:
    if re.search(r"[\s\"'<>\\]", static_prefix):
        raise ValueError(f"static_prefix must be a plain path or URL: {static_prefix!r}")
    scheme = urlsplit(static_prefix).scheme
    if scheme and scheme not in ("http", "https"):
        raise ValueError(f"static_prefix must be a path or an http(s) URL: {static_prefix!r}")
    return static_prefix


def _tiles(basemap: str, attribution: str | None) -> tuple[str, str, int]:
    if basemap in BASEMAPS:
        return BASEMAPS[basemap]
    if _safe_url(basemap) is None or not all(k in basemap for k in ("{z}", "{x}", "{y}")):
        raise ValueError(
            f"basemap must be one of {sorted(BASEMAPS)} or an http(s) URL template with "
            f"{{z}}/{{x}}/{{y}}: {basemap!r}"
        )
    if not attribution:
        raise ValueError("a custom basemap needs basemap_attribution (its licence requires it)")
    return basemap, _linkify(attribution), 19


def _by_category(
    places: Iterable[Place], categories: Sequence[Category]
) -> list[tuple[Category | None, list[Place]]]:
    known = {c.slug: c for c in categories}
    groups: dict[str | None, list[Place]] = {}
    for p in places:
        groups.setdefault(p.category if p.category in known else None, []).append(p)
    order = sorted(
        (slug for slug in groups if slug is not None),
        key=lambda s: (known[s].sort, s),
    )
    out: list[tuple[Category | None, list[Place]]] = [(known[s], groups[s]) for s in order]
    if None in groups:
        out.append((None, groups[None]))
    return out


# --------------------------------------------------------------------------- the map


def listing_map(
    places: list[Place],
    categories: list[Category],
    areas: list[Area] | None = None,
    *,
    lang: Lang = "ja",
    basemap: str | None = None,
    basemap_attribution: str | None = None,
    title: str | None = None,
    demo_notice: str | None = None,
    credits: list[str] | None = None,
    inline_assets: bool = False,
    static_prefix: str = "/static",
    now: date | datetime | None = None,
) -> folium.Map:
    """Build the listing map: one layer per category, area boundaries, details popups.

    Parameters
    ----------
    places
        Places to show (the caller filters: usually active gathering places).  Venue
        categories are listed but hidden until switched on.
    categories
        The categories the places refer to; unknown slugs go to an "その他" layer.
    areas
        Area boundaries, one layer per level, with the name as a tooltip and the area's
        contacts (地域包括支援センター …) as a popup.
    lang
        ``"ja"`` or ``"en"`` for labels; place text is shown as the city wrote it.
    basemap
        None for no tiles (nothing leaves the page), a name from ``BASEMAPS``
        (``"gsi-pale"``, ``"gsi-std"``, ``"osm"``) or an http(s) tile URL template.
    basemap_attribution
        Attribution text for a custom tile URL (URLs in it become links).
    title
        Shown above the map and as the page title.
    demo_notice
        Text of the visible demo notice; by default one is shown when any place or area
        has ``demo=True``.
    credits
        Data credits (text; URLs become links), added to the attribution line.
    inline_assets
        True inlines Leaflet so the saved HTML opens from disk with no server (use it in
        notebooks too); False links to ``static_prefix``, where the service serves
        ``layers/static``.
    static_prefix
        URL prefix of the service's static files.
    now
        When 次回開催 is counted from (default: now in Japan).  Popups say "as of" this date,
        since a saved export keeps it.

    Returns
    -------
    folium.Map
        Save with ``.save(path)`` or show in a notebook.

    Raises
    ------
    ValueError
        For an unknown basemap, a custom one without attribution, or an unsafe prefix.
    """
    areas = areas or []
    t = _TEXT[lang]
    if now is None:
        now_dt = datetime.now(JST).replace(tzinfo=None)
    elif isinstance(now, datetime):
        now_dt = now.astimezone(JST).replace(tzinfo=None) if now.tzinfo else now
    else:
        now_dt = datetime(now.year, now.month, now.day)

    bounds = _bounds(places, areas)
    single = bounds is not None and bounds[0] == bounds[1]
    notice = demo_notice
    if notice is None and (any(p.demo for p in places) or any(a.demo for a in areas)):
        notice = t["demo_notice"]
    popup_options: dict[str, Any] = {"maxWidth": 340, "maxHeight": 420}  # scrolls on a phone

    m = folium.Map(
        location=bounds[0] if bounds is not None and single else [36.2, 138.25],
        zoom_start=16 if single else 5,
        tiles=None,
        control_scale=True,
    )
    # Per instance: other maps in the same process keep folium's own defaults.
    js, css = leaflet_assets(inline_assets, _check_prefix(static_prefix))
    figure = m.get_root()
    assert isinstance(figure, Figure)
    if inline_assets:
        m.default_js = []
        m.default_css = []
        figure.header.add_child(_Raw(f"<style>{css}</style>"), name="leaflet_css")
        figure.header.add_child(_Raw(f"<script>{js}</script>"), name="leaflet_js")
    else:
        m.default_js = [("leaflet", js)]
        m.default_css = [("leaflet_css", css)]
    figure.header.add_child(_Raw(f"<style>{_CSS}</style>"), name="tsudoi_css")
    figure._template = Template(_FIGURE_TEMPLATE)
    figure.lang = lang  # type: ignore[attr-defined]
    figure.title = _e(title) if title else None

    if basemap is not None:
        url, attr, max_zoom = _tiles(basemap, basemap_attribution)
        folium.TileLayer(tiles=url, attr=attr, max_zoom=max_zoom, control=False).add_to(m)

    for level in sorted({a.level for a in areas}):
        level_areas = [a for a in areas if a.level == level]
        group = folium.FeatureGroup(name=_level_name(level, len(level_areas), lang))
        style = {
            "color": "#343a40" if level == 1 else "#1c7ed6",
            "weight": 3 if level == 1 else 2,
            "dashArray": None if level == 1 else "6 4",
            "fill": True,
            "fillOpacity": 0.0 if level == 1 else 0.04,
        }
        for area in level_areas:
            layer = folium.GeoJson(
                _area_geojson(area),
                style_function=lambda _f, s=style: s,
                zoom_on_click=False,
                control=False,
            )
            layer.add_child(_Bind("bindTooltip", _e(area.name), sticky=True))
            popup = _area_popup(area, lang)
            if popup:
                layer.add_child(_Bind("bindPopup", popup, **popup_options))
            layer.add_to(group)
        group.add_to(m)

    for cat, members in _by_category(places, categories):
        group = folium.FeatureGroup(
            name=_layer_name(cat, len(members), lang),
            show=cat is None or cat.kind == "gathering",
        )
        for place in members:
            marker = folium.Marker(
                location=[place.lat, place.lon],
                icon=folium.DivIcon(
                    html=_pin_html(place, cat, lang),
                    icon_size=(30, 30),
                    icon_anchor=(15, 15),
                    class_name="tsudoi-pin-icon",
                ),
                title=place.name,  # set as a DOM property by Leaflet, not parsed as HTML
            )
            marker.add_child(
                _Bind("bindPopup", _popup_html(place, cat, now_dt, lang), **popup_options)
            )
            marker.add_to(group)
        group.add_to(m)

    # The layer list is the legend: open on a wide screen, folded behind its button on a phone.
    folium.LayerControl(
        collapsed=JsCode("window.matchMedia('(max-width: 600px)').matches"),  # type: ignore[arg-type]
        position="topright",
    ).add_to(m)

    if title or notice:
        banner = '<div class="tsudoi-banner">'
        if title:
            banner += f"<h1>{_e(title)}</h1>"
        if notice:
            banner += f'<p class="tsudoi-demo-notice" role="note">{_e(notice)}</p>'
        m.add_child(_Banner(banner + "</div>"))
    if credits:
        m.add_child(_Attribution(" | ".join(_linkify(c) for c in credits)))

    if bounds is not None and not single:
        m.fit_bounds(bounds, padding=(20, 20))
    return m
