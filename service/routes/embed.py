"""The residents' map on a city's own website: /embed for an iframe, /share to make the code.

``/embed/{code}`` is the residents' map without the site header, made for a small frame (the list
and the map behind tabs when narrow, the card inside the frame, one line of credits and a link to
the full map); it is the one page another site may frame, as TSUDOI_EMBED_ORIGINS says. Every
other page may be framed by this service only (``service/framing.py``).

``/share/{code}`` lets the city's web staff choose what the embed shows and copy the iframe code,
the link and a QR code (SVG, made here with segno). Its script (share/share.js) rebuilds the same
addresses and code as ``ShareChoice`` below while choices change; a browser test holds the two
to the same answer.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote_plus

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from geo.errors import InvalidParameter
from geo.model import Area
from layers.messages import LANGUAGES, pick_language, translator
from service.analysis import known_categories, split_list
from service.deps import CityDep, StoreDep, Text, follow_renamed, follow_renamed_state
from service.routes.pages import LangParam, _city_page, city_name, map_api

router = APIRouter(tags=["pages"], include_in_schema=False)

VIEWS = ("both", "map", "list")
SIZES = {"width": (280, 1600, 360), "height": (300, 1200, 450)}  # px: least, most, default
STATE_KEYS = ("category", "area", "q", "place", "lang")  # the map's URL state (map/state.js)

ViewParam = Annotated[str | None, Query(description="both (default), map or list")]
ListParam = Annotated[list[str] | None, Query()]


def form_query(pairs: Iterable[tuple[str, str]]) -> str:
    """A query string encoded as the browser's URLSearchParams does, so the page's script and
    the server write the same addresses ("*" kept, "~" and "," escaped, spaces as "+")."""
    return "&".join(
        f"{quote_plus(k, safe='*')}={quote_plus(v, safe='*')}".replace("~", "%7E") for k, v in pairs
    )


def escape_attr(text: str) -> str:
    """Text for an HTML attribute, escaped as common.js escapeHtml does."""
    for raw, safe in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#39;"),
    ):
        text = text.replace(raw, safe)
    return text


def iframe_snippet(src: str, title: str, width: int, height: int) -> str:
    """The code a website pastes: titled for screen readers, location allowed, loaded lazily."""
    return (
        f'<iframe src="{escape_attr(src)}" title="{escape_attr(title)}" width="{width}" '
        f'height="{height}" style="border:0;max-width:100%" allow="geolocation" '
        f'loading="lazy"></iframe>'
    )


def _with_query(path: str, pairs: list[tuple[str, str]]) -> str:
    query = form_query(pairs)
    return f"{path}?{query}" if query else path


@dataclass(frozen=True)
class ShareChoice:
    """What the share page's form chose: kinds (none: every kind), area, size, language, view."""

    categories: tuple[str, ...] = ()
    area: str = ""
    width: int = SIZES["width"][2]
    height: int = SIZES["height"][2]
    lang: str = "ja"
    view: str = "both"

    def _filters(self) -> list[tuple[str, str]]:
        pairs = [("category", ",".join(self.categories))] if self.categories else []
        if self.area:
            pairs.append(("area", self.area))
        if self.lang != "ja":
            pairs.append(("lang", self.lang))
        return pairs

    def map_path(self, code: str) -> str:
        """The full residents' map with the same filters: the link and the QR code's target."""
        return _with_query(f"/map/{code}", self._filters())

    def embed_path(self, code: str) -> str:
        extra = [("view", self.view)] if self.view != "both" else []
        return _with_query(f"/embed/{code}", self._filters() + extra)

    def print_path(self, code: str) -> str:
        """The A4 sheet of the chosen area (/print needs an area; the page offers it with one)."""
        return _with_query(f"/print/{code}", self._filters())

    def qr_path(self, code: str) -> str:
        return _with_query(f"/share/{code}/qr.svg", self._filters())


def _size(text: str | None, name: str) -> int:
    low, high, default = SIZES[name]
    try:
        value = int(str(text).strip())
    except ValueError:
        return default
    return min(high, max(low, value))


def _categories(values: list[str] | None, offered: list[str]) -> tuple[str, ...]:
    """Ticked kinds in the legend's order; none ticked, or all of them, is every kind."""
    wanted = {slug for v in values or [] for slug in split_list(v) or []}
    chosen = tuple(s for s in offered if s in wanted)
    return () if len(chosen) == len(offered) else chosen


def _area_groups(areas: list[Area]) -> list[dict[str, Any]]:
    """The city's areas as the map's menu groups them: each wider area, then those inside it."""
    by_id = {a.id: a for a in areas}
    roots = sorted(
        (a for a in areas if not (a.parent and a.parent in by_id)), key=lambda a: (a.level, a.name)
    )
    return [
        {
            "area": root,
            "children": sorted((a for a in areas if a.parent == root.id), key=lambda a: a.name),
        }
        for root in roots
    ]


def public_base(request: Request) -> str:
    """Where links that leave the service point: TSUDOI_PUBLIC_URL, else the address asked at."""
    configured: str | None = request.app.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


@router.get("/embed/{code}", response_class=HTMLResponse, summary="A city's map for an iframe")
def embed_page(
    request: Request,
    code: str,
    store: StoreDep,
    view: ViewParam = None,
    lang: LangParam = None,
) -> HTMLResponse:
    """The residents' map, compact, for a frame on another website; framed as the settings say."""
    follow_renamed_state(store, request)
    view = view if view in VIEWS else "both"
    query = request.query_params
    state = [(k, query[k]) for k in STATE_KEYS if query.get(k) and k != "lang"]
    if pick_language(lang) != "ja":
        state.append(("lang", pick_language(lang)))
    settings = request.app.state.settings
    return _city_page(
        request,
        store,
        code,
        lang,
        "embed.html",
        map_api(code),
        demo_flag=True,
        extra_config={"embed": {"view": view}},
        frame_ancestors=settings.embed_frame_ancestors(),
        view=view,
        full_map_url=_with_query(f"/map/{code}", state),
    )


@router.get("/share/{code}", response_class=HTMLResponse, summary="Embed code, link and QR code")
def share_page(
    request: Request,
    code: str,
    store: StoreDep,
    lang: LangParam = None,
    category: ListParam = None,
    area: str | None = None,
    width: str | None = None,
    height: str | None = None,
    map_lang: str | None = None,
    view: ViewParam = None,
) -> HTMLResponse:
    """Choose kinds, area, size, language and view; preview, copy the code, the link, the QR."""
    kinds = [c for c in store.categories(code) if c.kind == "gathering"]
    areas = store.areas(code)
    choice = ShareChoice(
        categories=_categories(category, [c.slug for c in kinds]),
        area=area if area in {a.id for a in areas} else "",
        width=_size(width, "width"),
        height=_size(height, "height"),
        lang=pick_language(map_lang or lang),
        view=view if view in VIEWS else "both",
    )
    base = public_base(request)
    city = next((c for c in store.cities() if c.code == code), None)
    titles = {
        lg: translator(lg)(
            "{city}: places where neighbours gather", city=city_name(city, lg) if city else code
        )
        for lg in LANGUAGES
    }
    return _city_page(
        request,
        store,
        code,
        lang,
        "share.html",
        {},
        extra_config={"share": {"base": base, "titles": titles, "sizes": SIZES}},
        choice=choice, kinds=kinds, area_groups=_area_groups(areas), sizes=SIZES,
        languages=LANGUAGES, views=VIEWS, embed_origins=request.app.state.settings.embed_origins,
        map_url=base + choice.map_path(code), embed_url=base + choice.embed_path(code),
        qr_url=choice.qr_path(code), print_url=choice.print_path(code),
        snippet=iframe_snippet(base + choice.embed_path(code), titles[choice.lang],
                               choice.width, choice.height),
    )


@router.get("/share/{code}/qr.svg", summary="A QR code of the link to the city's map")
def share_qr(
    city: CityDep,
    store: StoreDep,
    request: Request,
    category: Annotated[Text | None, Query(max_length=2000)] = None,
    area: Annotated[Text | None, Query(max_length=1000)] = None,
    lang: LangParam = None,
) -> Response:
    """An SVG QR code (error correction M, a four-module quiet zone) of the full map's link."""
    slugs = known_categories(store, city.code, category) or []
    if area:
        found = store.area(area)
        if found is None:
            follow_renamed(store, "area", area, "area")
        if found is None or found.city != city.code:
            raise InvalidParameter("area", f"city {city.code} has no area {area!r}")
    choice = ShareChoice(categories=tuple(slugs), area=area or "", lang=pick_language(lang))
    link = public_base(request) + choice.map_path(city.code)
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out, kind="svg", scale=4, border=4, dark="#000", light="#fff", title=link, xmldecl=False
    )
    return Response(
        out.getvalue(),
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": "default-src 'none'",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=3600",
        },
    )
