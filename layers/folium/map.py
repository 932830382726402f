"""The listing map put together: the frame, the basemap, area layers, category layers, credits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import folium
import shapely
from branca.element import Figure
from folium.template import Template
from folium.utilities import JsCode
from shapely.geometry import mapping

from geo.model import Area, Category, Place
from layers.basemaps import BASEMAPS, Basemap
from layers.folium.assets import CSS, check_prefix, leaflet_assets
from layers.folium.cards import (
    area_popup,
    e,
    layer_name,
    level_name,
    link,
    linkify,
    pin_html,
    popup_html,
    safe_url,
)
from layers.folium.elements import FIGURE_TEMPLATE, Attribution, Banner, Bind, Raw
from layers.folium.panel import add_panel
from layers.messages import translator
from layers.schedule import JST, Lang

_POPUP_OPTIONS: dict[str, Any] = {"maxWidth": 340, "maxHeight": 420}  # scrolls on a phone


def _area_geojson(area: Area, tolerance: float = 0.00002) -> dict[str, Any]:
    """The boundary, simplified (by default to about 2 m) and rounded, so a city's areas stay
    light; the single-file map takes about 10 m, which a city-wide view cannot tell apart."""
    geom = area.geometry.simplify(tolerance, preserve_topology=True)
    grid = 0.000001 if tolerance <= 0.00002 else 0.00001  # about 0.1 m, or 1 m
    geom = shapely.set_precision(geom, grid)
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


def _check_template(url: str) -> str:
    if safe_url(url) is None or not all(k in url for k in ("{z}", "{x}", "{y}")):
        raise ValueError(
            f"basemap must be one of {sorted(BASEMAPS)} or an http(s) URL template with "
            f"{{z}}/{{x}}/{{y}}: {url!r}"
        )
    return url


def _tiles(basemap: str | Basemap, attribution: str | None) -> tuple[str, str, int] | None:
    """URL template, credit HTML and maximum zoom; None for the preset without tiles."""
    if isinstance(basemap, str) and basemap not in BASEMAPS:
        _check_template(basemap)
        if not attribution:
            raise ValueError("a custom basemap needs basemap_attribution (its licence requires it)")
        return basemap, linkify(attribution), 19
    preset = basemap if isinstance(basemap, Basemap) else BASEMAPS[basemap]
    if preset.url is None:
        return None
    if preset.attribution_url:
        credit = link(preset.attribution_url, preset.attribution)
    else:
        credit = linkify(preset.attribution)
    return _check_template(preset.url), credit, preset.max_zoom


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


def _local_now(now: date | datetime | None) -> datetime:
    """The moment 次回開催 is counted from, as a wall-clock time in Japan."""
    if now is None:
        return datetime.now(JST).replace(tzinfo=None)
    if isinstance(now, datetime):
        return now.astimezone(JST).replace(tzinfo=None) if now.tzinfo else now
    return datetime(now.year, now.month, now.day)


def _frame(m: folium.Map, lang: Lang, title: str | None, inline: bool, static_prefix: str) -> None:
    """Leaflet from our copy, our CSS, and the page's language and title.

    Folium's default assets are replaced on this map instance only: other maps in the same
    process keep folium's own defaults.
    """
    js, css = leaflet_assets(inline, check_prefix(static_prefix))
    figure = m.get_root()
    assert isinstance(figure, Figure)
    if inline:
        m.default_js = []
        m.default_css = []
        figure.header.add_child(Raw(f"<style>{css}</style>"), name="leaflet_css")
        figure.header.add_child(Raw(f"<script>{js}</script>"), name="leaflet_js")
    else:
        m.default_js = [("leaflet", js)]
        m.default_css = [("leaflet_css", css)]
    figure.header.add_child(Raw(f"<style>{CSS}</style>"), name="tsudoi_css")
    figure._template = Template(FIGURE_TEMPLATE)
    figure.lang = lang  # type: ignore[attr-defined]
    figure.title = e(title) if title else None


def _add_areas(
    m: folium.Map, areas: Sequence[Area], lang: Lang, tolerance: float = 0.00002
) -> None:
    """One layer per level, the name as a tooltip and the contacts as a popup."""
    for level in sorted({a.level for a in areas}):
        level_areas = [a for a in areas if a.level == level]
        group = folium.FeatureGroup(name=level_name(level, len(level_areas), lang))
        style = {
            "color": "#343a40" if level == 1 else "#1c7ed6",
            "weight": 3 if level == 1 else 2,
            "dashArray": None if level == 1 else "6 4",
            "fill": True,
            "fillOpacity": 0.0 if level == 1 else 0.04,
        }
        for area in level_areas:
            layer = folium.GeoJson(
                _area_geojson(area, tolerance),
                style_function=lambda _f, s=style: s,
                zoom_on_click=False,
                control=False,
            )
            layer.add_child(Bind("bindTooltip", e(area.name), sticky=True))
            popup = area_popup(area, lang)
            if popup:
                layer.add_child(Bind("bindPopup", popup, **_POPUP_OPTIONS))
            layer.add_to(group)
        group.add_to(m)


def _add_places(
    m: folium.Map,
    places: Sequence[Place],
    categories: Sequence[Category],
    now: datetime,
    lang: Lang,
) -> None:
    """One layer per category; venue categories listed but hidden until switched on."""
    for cat, members in _by_category(places, categories):
        group = folium.FeatureGroup(
            name=layer_name(cat, len(members), lang),
            show=cat is None or cat.kind == "gathering",
        )
        for place in members:
            marker = folium.Marker(
                location=[place.lat, place.lon],
                icon=folium.DivIcon(
                    html=pin_html(place, cat, lang),
                    icon_size=(30, 30),
                    icon_anchor=(15, 15),
                    class_name="tsudoi-pin-icon",
                ),
                title=place.name,  # set as a DOM property by Leaflet, not parsed as HTML
            )
            marker.add_child(Bind("bindPopup", popup_html(place, cat, now, lang), **_POPUP_OPTIONS))
            marker.add_to(group)
        group.add_to(m)


def _banner(title: str | None, notice: str | None) -> str | None:
    if not (title or notice):
        return None
    banner = '<header class="tsudoi-banner">'
    if title:
        banner += f"<h1>{e(title)}</h1>"
    if notice:
        banner += f'<p class="tsudoi-demo-notice" role="note">{e(notice)}</p>'
    return banner + "</header>"


def listing_map(
    places: list[Place],
    categories: list[Category],
    areas: list[Area] | None = None,
    *,
    lang: Lang = "ja",
    basemap: str | Basemap | None = None,
    basemap_attribution: str | None = None,
    title: str | None = None,
    demo_notice: str | None = None,
    credits: list[str] | None = None,
    inline_assets: bool = False,
    static_prefix: str = "/static",
    now: date | datetime | None = None,
    panel: bool = False,
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
        ``"ja"`` or ``"en"`` for labels (from the message catalogue); place text is shown as
        the city wrote it.
    basemap
        None for no tiles (nothing leaves the page), a preset name from
        ``layers.basemaps.BASEMAPS`` (``"gsi-pale"``, ``"osm"``, ``"none"``) — the same table
        the service's TSUDOI_BASEMAP reads —, a ``Basemap``, or an http(s) tile URL template.
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
        since a saved export keeps it.  次回開催 comes from the stored rules, as the API's
        ``next_date`` does; a place without rules shows none.
    panel
        True for the single-file map (``tsudoi export map``): markers in clusters, a list
        panel beside the map and the details card in it, the places inlined as one JSON
        array; implies ``inline_assets``.

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
    t = translator(lang)
    now_dt = _local_now(now)
    bounds = _bounds(places, areas)
    single = bounds is not None and bounds[0] == bounds[1]
    notice = demo_notice
    if notice is None and (any(p.demo for p in places) or any(a.demo for a in areas)):
        notice = t("This map contains stand-in demo data.")

    m = folium.Map(
        location=bounds[0] if bounds is not None and single else [36.2, 138.25],
        zoom_start=16 if single else 5,
        tiles=None,
        control_scale=True,
    )
    _frame(m, lang, title, inline_assets or panel, static_prefix)
    tiles = _tiles(basemap, basemap_attribution) if basemap is not None else None
    if tiles is not None:
        url, attr, max_zoom = tiles
        folium.TileLayer(tiles=url, attr=attr, max_zoom=max_zoom, control=False).add_to(m)
    _add_areas(m, areas, lang, 0.0001 if panel else 0.00002)
    if not panel:
        _add_places(m, places, categories, now_dt, lang)

    # The layer list is the legend: open on a wide screen, folded behind its button on a phone.
    control = folium.LayerControl(
        collapsed=JsCode("window.matchMedia('(max-width: 600px)').matches"),  # type: ignore[arg-type]
        position="topright",
    )
    control.add_to(m)
    if panel:
        figure = m.get_root()
        assert isinstance(figure, Figure)
        groups = _by_category(places, categories)
        m.add_child(add_panel(figure, m.get_name(), control.get_name(), groups, now_dt, lang))
    banner = _banner(title, notice)
    if banner:
        m.add_child(Banner(banner))
    if credits:
        m.add_child(Attribution(" | ".join(linkify(c) for c in credits)))
    if bounds is not None and not single:
        m.fit_bounds(bounds, padding=(20, 20))
    return m
