"""The single-file map's list panel and details card, and its clustered markers.

A saved map for a city's website must work with no server: the places travel as one JSON
array inlined in the page (a fraction of what one folium Marker per place costs), and a short
script makes the cluster layers, the list and the markers from it. Each card is made here by
``cards.popup_html`` (every text escaped) and kept in an inert ``<template>``; the script only
clones it into place and sets names with ``textContent``. The cluster plugin is the vendored
copy, inlined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from importlib.resources import files
from typing import Any

import folium
from branca.element import Figure, MacroElement
from folium.template import Template

from geo.model import Category, Place
from layers.folium.cards import _label, _mark, e, layer_name, next_text, popup_html, safe_color
from layers.folium.elements import Raw, js
from layers.messages import translator
from layers.schedule import Lang, date_text

CLUSTER_DIR = "vendor/leaflet.markercluster-1.5.3"

PANEL_CSS = """
body { display: grid; grid-template-columns: minmax(240px, 340px) 1fr;
  grid-template-rows: auto minmax(0, 1fr); height: 100vh; }
.tsudoi-banner { grid-column: 1 / -1; grid-row: 1; }
.folium-map { grid-column: 2; grid-row: 2; width: auto !important; }
.leaflet-container { background: #eef1f4; }
#tsudoi-panel { grid-column: 1; grid-row: 2; overflow: auto; border-right: 1px solid #ced4da;
  font: 16px/1.5 system-ui, sans-serif; padding: 8px 12px; background: #fff; color: #212529; }
#tsudoi-panel h2 { font-size: 18px; margin: 4px 0; }
#tsudoi-panel .tsudoi-asof { font-size: 14px; color: #495057; margin: 0 0 6px; }
#tsudoi-list { list-style: none; margin: 0; padding: 0; }
#tsudoi-list li { border-bottom: 1px solid #e9ecef; }
#tsudoi-list button { display: block; width: 100%; text-align: left; background: none;
  border: 0; padding: 8px 2px; font: inherit; color: #1c3d8f; cursor: pointer; }
#tsudoi-list button:hover, #tsudoi-list button:focus-visible { background: #e7f0ff; }
#tsudoi-list .tsudoi-sub { display: block; font-size: 14px; color: #495057; }
#tsudoi-card .tsudoi-back { font: inherit; margin: 4px 0 8px; padding: 6px 10px; }
@media (max-width: 640px) {
  body { grid-template-columns: 1fr; grid-template-rows: auto 55vh auto; height: auto; }
  .folium-map { grid-column: 1; grid-row: 2; height: 55vh !important; }
  #tsudoi-panel { grid-column: 1; grid-row: 3; border-right: 0; }
}
"""

_SCRIPT = """
(function () {
  var map = MAP, control = CONTROL, data = DATA;
  var box = map.getContainer();  // a landmark of its own beside the list (the main content)
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', LABEL);
  var byId = {}, markers = {}, groups = {};
  var list = document.getElementById('tsudoi-list');
  var card = document.getElementById('tsudoi-card');
  var body = document.getElementById('tsudoi-card-body');
  var count = document.getElementById('tsudoi-count');
  var pins = {}, labels = {};
  data.categories.forEach(function (c) {
    pins[c.slug] = c.pin;
    labels[c.slug] = c.label;
    var g = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
    groups[c.slug] = g;
    if (c.show) { g.addTo(map); }
    control.addOverlay(g, c.layer);
  });
  function show(id) {
    var p = byId[id], tpl = document.getElementById('tsudoi-c-' + id);
    if (!p || !tpl) { return; }
    body.replaceChildren(tpl.content.cloneNode(true));
    list.hidden = true; count.hidden = true; card.hidden = false;
    var h = body.querySelector('h2');
    if (h) { h.tabIndex = -1; h.focus(); }
    var g = groups[p.c], m = markers[id];
    if (map.hasLayer(g)) { g.zoomToShowLayer(m, function () {}); }
    else { map.setView([p.lat, p.lon], Math.max(map.getZoom(), 15)); }
  }
  data.places.forEach(function (p) {
    byId[p.id] = p;
    var pin = document.createElement('span');
    pin.innerHTML = pins[p.c];  // the category's colour and mark, made and escaped in Python
    if (p.town) { pin.firstChild.className += ' tsudoi-pin-town'; }
    var said = document.createElement('span');
    said.className = 'tsudoi-sr';
    said.textContent = p.name + '（' + labels[p.c] + '）';
    pin.appendChild(said);
    var m = L.marker([p.lat, p.lon], {
      icon: L.divIcon({ html: pin, className: 'tsudoi-pin-icon', iconSize: [30, 30],
                        iconAnchor: [15, 15] }),
      title: p.name, keyboard: true
    });
    m.on('click', function () { show(p.id); });
    m.on('keypress', function (ev) {
      if (ev.originalEvent && ev.originalEvent.key === 'Enter') { show(p.id); }
    });
    groups[p.c].addLayer(m);
    markers[p.id] = m;
    var li = document.createElement('li');
    var b = document.createElement('button');
    b.type = 'button';
    b.appendChild(document.createTextNode(p.name));
    var sub = document.createElement('span');
    sub.className = 'tsudoi-sub';
    sub.textContent = p.sub;
    b.appendChild(sub);
    b.addEventListener('click', function () { show(p.id); });
    li.appendChild(b);
    list.appendChild(li);
  });
  document.getElementById('tsudoi-back').addEventListener('click', function () {
    card.hidden = true; list.hidden = false; count.hidden = false;
    var first = list.querySelector('button'); if (first) { first.focus(); }
  });
})();
"""


class PlacePanel(MacroElement):
    """The list panel and card (as page HTML) and the script that fills them and the map."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}
        {% macro script(this, kwargs) %}{{ this.script }}{% endmacro %}
        """
    )

    def __init__(self, markup: str, script: str) -> None:
        super().__init__()
        self._name = "PlacePanel"
        self.markup = markup
        self.script = script


def cluster_assets() -> tuple[str, str]:
    """The vendored marker-cluster plugin's JS and CSS, made safe to inline."""
    folder = files("layers").joinpath("static", *CLUSTER_DIR.split("/"))
    js_text = folder.joinpath("leaflet.markercluster.js").read_text(encoding="utf-8")
    css = "".join(
        folder.joinpath(name).read_text(encoding="utf-8")
        for name in ("MarkerCluster.css", "MarkerCluster.Default.css")
    )
    return js_text.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _sub_line(place: Place, cat: Category | None, now: datetime, lang: Lang) -> str:
    """Under a name in the list: the kind of place and, when known, the next date."""
    bits = [_label(cat, lang)]
    upcoming = next_text(place, now, lang)
    if upcoming:
        bits.append(upcoming)
    return " · ".join(bits)


def panel_data(
    groups: Sequence[tuple[Category | None, list[Place]]], now: datetime, lang: Lang
) -> dict[str, Any]:
    """The categories (as layers) and places (pin, card, list line) the script works from."""
    categories = []
    places = []
    for cat, members in groups:
        slug = cat.slug if cat else "_other"
        categories.append(
            {
                "slug": slug,
                "layer": layer_name(cat, len(members), lang),
                "show": cat is None or cat.kind == "gathering",
                "pin": _pin(cat, lang),
                "label": _label(cat, lang),
            }
        )
        for p in members:
            places.append(
                {
                    "id": p.id,
                    "c": slug,
                    "name": p.name,
                    "lat": round(p.lat, 6),
                    "lon": round(p.lon, 6),
                    "town": p.location_precision == "town",
                    "sub": _sub_line(p, cat, now, lang),
                }
            )
    return {"categories": categories, "places": places}


def _pin(cat: Category | None, lang: Lang) -> str:
    """A category's pin without the place's name (the script adds it as text)."""
    return (
        f'<span class="tsudoi-pin" style="background:{safe_color(cat.color if cat else None)}" '
        f'aria-hidden="true">{e(_mark(cat, lang))}</span>'
    )


def cards_markup(
    groups: Sequence[tuple[Category | None, list[Place]]], now: datetime, lang: Lang
) -> str:
    """Every place's card as an inert <template> (nothing in it loads or runs until shown),
    as HTML rather than JSON strings, whose escaped tags would double their weight."""
    return "".join(
        f'<template id="tsudoi-c-{e(p.id)}">{popup_html(p, cat, now, lang)}</template>'
        for cat, members in groups
        for p in members
    )


def panel_markup(count: int, now: datetime, lang: Lang) -> str:
    """The panel: heading, the date next dates were computed on, the list and the card."""
    t = translator(lang)
    as_of = t("Next dates as of {date}", date=date_text(now.date(), lang, weekday=False))
    return (
        f'<main id="tsudoi-panel" aria-label="{e(t("Places"))}">'
        f"<h2>{e(t('Places'))}</h2>"
        f'<p class="tsudoi-asof">{e(as_of)}</p>'
        f'<p id="tsudoi-count" class="tsudoi-asof">{e(t("{n} places shown", n=count))}</p>'
        '<ul id="tsudoi-list"></ul>'
        '<div id="tsudoi-card" hidden>'
        f'<button type="button" id="tsudoi-back" class="tsudoi-back">{e(t("Back to the list"))}'
        "</button>"
        '<div id="tsudoi-card-body" aria-live="polite"></div></div></main>'
    )


def add_panel(
    figure: Figure,
    map_name: str,
    control_name: str,
    groups: Sequence[tuple[Category | None, list[Place]]],
    now: datetime,
    lang: Lang,
) -> PlacePanel:
    """Inline the cluster plugin and the panel's CSS; return the panel element to add last."""
    cluster_js, cluster_css = cluster_assets()
    figure.header.add_child(Raw(f"<style>{cluster_css}{PANEL_CSS}</style>"), name="tsudoi_panel")
    figure.header.add_child(Raw(f"<script>{cluster_js}</script>"), name="cluster_js")
    data = panel_data(groups, now, lang)
    script = (
        _SCRIPT.replace("MAP", map_name, 1)
        .replace("CONTROL", control_name, 1)
        .replace("DATA", js(data), 1)
        .replace("LABEL", js(translator(lang)("Map of the places (the list is the same content)")))
    )
    markup = panel_markup(len(data["places"]), now, lang) + cards_markup(groups, now, lang)
    return PlacePanel(markup, script)


_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


def page_html(m: folium.Map) -> str:
    """The saved page: folium's own, with a viewport that lets a reader zoom the text
    (folium's forbids it, which fails WCAG 1.4.4)."""
    html = m.get_root().render()
    return _VIEWPORT.sub(
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">', html, count=1
    )
