"""The residents' pages: the list of cities, and each city's map with its list of places.

Pages carry no data beyond a small JSON config (city, API addresses, basemap, labels); places and
areas come from the JSON API, compressed. Every page is sent with a Content-Security-Policy that
allows scripts, styles and connections only from this service and images also from the tile host;
who may frame a page is added by ``service/framing.py`` (this service only), or for /embed by its
route (``service/routes/embed.py``).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from geo.errors import TsudoiError
from geo.ingest.ids import source_of_file
from geo.japan.municipalities import outline
from geo.model import City
from geo.store.base import PlaceQuery, Store
from layers.messages import messages, page_messages, pick_language
from service.demo import DEMO_CITIES, demo_credits
from service.deps import follow_renamed_state, get_store
from service.settings import Settings

router = APIRouter(tags=["pages"], include_in_schema=False)

LangParam = Annotated[str | None, Query(description="ja (default) or en")]


@cache
def _templates() -> Environment:
    with as_file(files("service") / "templates") as folder:
        path = Path(folder)
    env = Environment(loader=FileSystemLoader(path), autoescape=True, undefined=StrictUndefined)
    # |tojson still escapes < > & ' as \u003c …, so the config cannot close its <script> block;
    # Japanese stays readable (and a third of the size) instead of \uXXXX escapes.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


def content_security_policy(settings: Settings, frame_ancestors: str | None = None) -> str:
    """Self only, plus the configured tile host for images; no inline script or style.

    ``frame_ancestors``, when given, is the pages that may frame this one (the /embed route's).
    """
    img = ["'self'", "data:"]
    origin = settings.basemap.origin()
    if origin:
        img.append(origin)
    framing = [f"frame-ancestors {frame_ancestors}"] if frame_ancestors else []
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(img)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            *framing,
        ]
    )


def _settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def render_template(name: str, **context: Any) -> str:
    """A page's HTML, its labels in ``context["lang"]`` from the catalogue; for the routes and
    for what the command line writes (the printed sheet's PDF is this page)."""
    labels = messages(context["lang"])

    def _(msgid: str, **values: Any) -> str:
        text = labels.get(msgid, msgid)
        for key, value in values.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    return _templates().get_template(name).render(_=_, **context)


def _render(
    request: Request, name: str, status: int = 200, *, frame_ancestors: str | None = None,
    **context: Any,
) -> HTMLResponse:
    return html_page(request, render_template(name, **context), status, frame_ancestors)


def html_page(
    request: Request, html: str, status: int = 200, frame_ancestors: str | None = None
) -> HTMLResponse:
    """A page with the headers every page carries (its CSP among them)."""
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = content_security_policy(
        _settings(request), frame_ancestors
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def city_name(city: City, lang: str) -> str:
    """The city's name in the page's language (Japanese when no English name is held)."""
    return (city.name_en or city.name) if lang == "en" else city.name


def _credits(code: str, lang: str) -> dict[str, Any]:
    if code not in DEMO_CITIES:
        return {"notice": None, "credits": []}
    data = demo_credits(code)
    notice = data.get("demo_notice_en" if lang == "en" else "demo_notice_ja")
    return {"notice": notice, "credits": data.get("credits", [])}


# Over this many active gathering places the residents' map asks the server for clusters in its
# view and for the list a page at a time (GET /api/cities/{code}/clusters, places?sort=name);
# a smaller city's map reads its whole listing once and filters it in the page.
PAGED_OVER = 2000
FIRST_PAGE = 50  # the list's page, as map/state.js LIST_PAGE
_FILE_IN_CREDIT = re.compile(r"[\w.-]+\.(?:geojson|csv|xlsx|kml|kmz|gpkg|shp|zip|gz)\b")


def source_titles(code: str) -> dict[str, str]:
    """A demo pack's file names → the title residents see as a place's source: the credited
    source of a real file, 'demo' for a stand-in one. Other cities name sources at import."""
    if code not in DEMO_CITIES:
        return {}
    data = demo_credits(code)
    titles = {name: "demo" for name in data.get("demo_files", [])}
    for credit in data.get("credits", []):
        for name in _FILE_IN_CREDIT.findall(credit.get("data") or ""):
            titles.setdefault(name, credit["source"])
    # places carry their source as an id made from the file's name (geo.ingest.ids)
    return {**{source_of_file(name): title for name, title in titles.items()}, **titles}


def _bounds(code: str) -> list[list[float]] | None:
    try:
        minx, miny, maxx, maxy = outline(code).bounds
    except (TsudoiError, KeyError):
        return None
    return [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The service's icon (three neighbours round a table), which browsers ask for unprompted."""
    with as_file(files("layers") / "static" / "tsudoi" / "favicon.ico") as path:
        cache = {"Cache-Control": "public, max-age=86400"}
        return FileResponse(Path(path), media_type="image/x-icon", headers=cache)


@router.get("/", response_class=HTMLResponse, summary="The cities this service holds")
def index_page(
    request: Request, store: Annotated[Store, Depends(get_store)], lang: LangParam = None
) -> HTMLResponse:
    """Each city with its number of gathering places, linking to its map."""
    lang = pick_language(lang)
    cities = [
        {
            "code": c.code,
            "name": city_name(c, lang),
            "places": store.city_counts(c.code).places_by_kind.get("gathering", 0),
        }
        for c in store.cities()
    ]
    return _render(request, "index.html", lang=lang, cities=cities)


def _city_page(
    request: Request,
    store: Store,
    code: str,
    lang: str | None,
    template: str,
    api: dict[str, str],
    demo_flag: bool = False,
    *,
    extra_config: dict[str, Any] | None = None,
    frame_ancestors: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """What the city's pages share: the city, credits, basemap, config; a page adds its own
    config (``extra_config``) and template values (``context``)."""
    lang = pick_language(lang)
    city = next((c for c in store.cities() if c.code == code), None)
    if city is None:
        return _render(request, "not_found.html", status=404, lang=lang, code=code)
    credits = _credits(code, lang)
    settings = _settings(request)
    config: dict[str, Any] = {
        "lang": lang,
        "city": {"code": code, "name": city_name(city, lang)},
        "api": api,
        "basemap": settings.basemap.as_config(),
        "bounds": _bounds(code),
    }
    if demo_flag:  # the residents' map shows a one-line demo notice
        config["demo"] = credits["notice"] is not None
        config["source_titles"] = source_titles(code)
        # a city of many places: the map asks for clusters and pages of the list instead
        config["paged"] = store.count_places(PlaceQuery(city=code)) > PAGED_OVER
    config.update(extra_config or {})
    config.setdefault("messages", page_messages(lang))  # the editor passes the whole catalogue
    return _render(
        request,
        template,
        frame_ancestors=frame_ancestors,
        lang=lang,
        city_name=city_name(city, lang),
        code=code,
        config=config,
        basemap=settings.basemap,
        demo_notice=credits["notice"],
        credits=credits["credits"],
        **context,
    )


@router.get("/map/{code}", response_class=HTMLResponse, summary="A city's map and list")
def map_page(
    code: str,
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    lang: LangParam = None,
) -> HTMLResponse:
    """The residents' map: layers, search, list, details card, near me; state in the URL."""
    follow_renamed_state(store, request)
    return _city_page(request, store, code, lang, "map.html", map_api(code), demo_flag=True)


def map_api(code: str) -> dict[str, str]:
    """The API addresses the residents' map scripts read (the map page's and the embed's)."""
    base = f"/api/cities/{code}"
    return {
        "places": f"{base}/places",
        "categories": f"/api/categories?city={code}",
        "areas": f"{base}/areas?simplify_m=10",
        "areas_at": f"{base}/areas/at",
        "towns": f"{base}/towns",
        "place": "/api/places/",
        "walks": f"{base}/walks",
        "clusters": f"{base}/clusters",
        "first_page": f"{base}/places?sort=name&limit={FIRST_PAGE}",
    }


@router.get("/coordinator/{code}", response_class=HTMLResponse, summary="A city's coverage")
def coordinator_page(
    code: str,
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    lang: LangParam = None,
) -> HTMLResponse:
    """The coordinators' page: coverage by area, gaps, isochrones, suggestions, downloads."""
    base = f"/api/cities/{code}"
    api = {
        "coverage": f"{base}/coverage",
        "gaps": f"{base}/coverage/gaps",
        "places": f"{base}/places",
        "suggestions": f"{base}/suggestions",
        "place_isochrone": "/api/places/{id}/isochrone",
        "isochrone": "/api/isochrone",
    }
    return _city_page(request, store, code, lang, "coordinator.html", api)
