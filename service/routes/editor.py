"""The editor, /edit/{code}: the signed-in coordinators' page for keeping a city's places current.

The page itself is static HTML with a JSON config; what it edits comes from
``/edit/{code}/places.json`` (the places the person may change, internal fields included, each
with its ETag and areas, stalest first) and every change goes through the write API with
``If-Match`` and the session's CSRF token. Nothing here writes. The city's viewer, who reads
everything and changes nothing, is shown every place read-only instead of an empty editor; the
write API still refuses them. Pages and data vary by who is signed in, so they are never cached
by anyone but the browser (``Cache-Control: private``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from boundaries.area_membership import AreaIndex
from geo.accounts import Principal
from geo.errors import Forbidden, InvalidParameter, Unauthenticated
from geo.model import KINDS, Area, Place
from geo.store.base import Store
from layers.messages import messages, pick_language
from layers.place_address import Refusal, place_by_address
from layers.verification import (
    is_stale,
    queue_csv,
    stale_months,
    staleness_key,
    today_in_japan,
)
from service.auth.csrf import csrf_token
from service.auth.principal import PrincipalDep
from service.deps import CityDep, ReadCacheDep, RevisionDep, StoreDep, Text, city_of
from service.routes.pages import _city_page, html_page, render_template
from service.serialize import category_json, next_date_iso
from service.stale_queue import QUEUE_KINDS, city_places, stale_queue

router = APIRouter(tags=["editor"], include_in_schema=False)

LangParam = Annotated[str | None, Query(description="ja (default) or en")]
CodePath = Annotated[Text, Path(max_length=16)]
PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"}


def _login_redirect(request: Request, code: str, lang: str | None) -> RedirectResponse:
    """Anonymous: to the sign-in page, which comes back here afterwards."""
    back = f"/edit/{quote(code)}" + (f"?{urlencode({'lang': lang})}" if lang else "")
    return RedirectResponse(f"/login?{urlencode({'next': back})}", status_code=303)


def _forbidden_page(request: Request, code: str, lang: str | None, who: Principal) -> Response:
    lang = pick_language(lang)
    html = render_template("edit_forbidden.html", lang=lang, code=code, home=who.city)
    response = html_page(request, html, 403)
    response.headers.update(PRIVATE)
    return response


@router.get("/edit/{code}", response_class=HTMLResponse, summary="The editor of a city's places")
def editor_page(
    code: CodePath,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    lang: LangParam = None,
) -> Response:
    """The signed-in person's places, stalest first, with the form that changes them."""
    if principal is None:
        return _login_redirect(request, code, lang)
    if code in {c.code for c in store.cities()} and principal.city != code:
        return _forbidden_page(request, code, lang, principal)
    api = {
        "data": f"/edit/{code}/places.json",
        "stale_csv": f"/edit/{code}/stale.csv",
        "create": f"/api/cities/{code}/places",
        "place": "/api/places/",
        "area": "/api/areas/",
        "towns": f"/api/cities/{code}/towns",
        "locate": f"/edit/{code}/locate",
        "preview": "/api/schedule/preview",
        "map": f"/map/{code}",
    }
    read_only = principal.reads_only(code)
    me = {
        "who": principal.who,
        "role": principal.role,
        "areas": list(principal.areas),
        "read_only": read_only,
    }
    config = {"me": me, "messages": messages(pick_language(lang))}  # the editor's labels too
    response = _city_page(
        request,
        store,
        code,
        lang,
        "edit.html",
        api,
        extra_config=config,
        csrf_token=csrf_token(request),
        principal=principal,
        read_only=read_only,
    )
    response.headers.update(PRIVATE)
    return response


def _signed_in(principal: Principal | None, code: str) -> Principal:
    if principal is None:
        raise Unauthenticated("sign in to use the editor")
    if principal.city != code:
        raise Forbidden(f"you are signed in for city {principal.city}, not {code}")
    return principal


def _listed(who: Principal, code: str) -> Callable[[list[str]], bool]:
    """Which places the editor lists, by the areas a place lies in: those the person may change;
    for the city's viewer (who may change none) every one, to be shown read-only."""
    if who.reads_only(code):
        return lambda _areas: True
    return lambda areas: who.may_write(code, areas)


def _area_index(store: Store, code: str, revision: int, cache: Any) -> AreaIndex:
    found: AreaIndex = cache.get(
        ("area-index", code), revision, lambda: AreaIndex(code, store.areas(code))
    )
    return found


def editor_record(
    place: Place, areas: list[str], today: Any, months: int, may_write: bool = True
) -> dict[str, Any]:
    """A place as the editor holds it: every field (internal ones too), its ETag, its areas,
    whether it is due a check, its 次回開催 as the residents' card shows it, and whether the
    person may change it (false: the editor shows it read-only)."""
    record = asdict(place)
    record.pop("updated_at", None)
    record.update(
        etag=place.content_hash(),
        areas=areas,
        stale=place.kind in QUEUE_KINDS and is_stale(place, today, months),  # as the queue
        next_date=next_date_iso(place),
        updated_at=place.updated_at,
        may_write=may_write,
    )
    return record


def _area_record(area: Area, principal: Principal) -> dict[str, Any]:
    return {
        "id": area.id,
        "name": area.name,
        "level": area.level,
        "parent": area.parent,
        "contacts": [c.as_dict() for c in area.contacts],
        "etag": area.content_hash(),
        "may_write": principal.may_write(area.city, [area.id]),
    }


@router.get("/edit/{code}/places.json", summary="What the editor edits")
def editor_data(
    city: CityDep,
    store: StoreDep,
    principal: PrincipalDep,
    revision: RevisionDep,
    cache: ReadCacheDep,
) -> JSONResponse:
    """The places the signed-in person may change (both kinds, every status), stalest first —
    for the city's viewer every place, each marked ``may_write: false``, and ``read_only`` —;
    the city's areas with their contacts; the categories; the queue's months and today."""
    who = _signed_in(principal, city.code)
    index = _area_index(store, city.code, revision, cache)
    places = city_places(store, city.code, KINDS)
    ids = index.ids_at([p.lon for p in places], [p.lat for p in places])
    today = today_in_japan()
    months = stale_months(store, city.code)
    listed = _listed(who, city.code)
    mine = sorted(
        ((p, a) for p, a in zip(places, ids, strict=True) if listed(a)),
        key=lambda pa: staleness_key(pa[0]),
    )
    body = {
        "today": today.isoformat(),
        "stale_months": months,
        "read_only": who.reads_only(city.code),
        "places": [
            editor_record(p, a, today, months, who.may_write(city.code, a)) for p, a in mine
        ],
        "areas": [_area_record(a, who) for a in index.areas],
        "categories": [category_json(c) for c in store.categories(city.code)],
    }
    return JSONResponse(body, headers=PRIVATE)


@router.get("/edit/{code}/locate", summary="The town point an address lands on")
def locate_address(
    city: CityDep,
    principal: PrincipalDep,
    address: Annotated[Text, Query(min_length=1, max_length=300)],
) -> JSONResponse:
    """Where the editor puts a place from its address: the town (町丁目) the address names, at
    that town's point, as the place import places a row without coordinates; 422 with the
    reason and the nearest town names when the address lands on none."""
    _signed_in(principal, city.code)
    found = place_by_address(city.code, address)
    if isinstance(found, Refusal):
        raise InvalidParameter("address", found.reason + (f" ({found.hint})" if found.hint else ""))
    town = found.town + (found.koaza or "")
    body = {"town": town, "lat": found.lat, "lon": found.lon, "precision": found.precision}
    return JSONResponse(body, headers=PRIVATE)


@router.get("/edit/{code}/stale.csv", summary="The verification queue as CSV")
def stale_csv(
    code: CodePath,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    revision: RevisionDep,
    cache: ReadCacheDep,
    lang: LangParam = None,
) -> Response:
    """The signed-in person's queue (the places the editor lists them that are due a check),
    for Excel: UTF-8 with a BOM."""
    if principal is None:
        return _login_redirect(request, code, lang)
    city = city_of(store, code)
    listed = _listed(_signed_in(principal, city.code), city.code)
    today = today_in_japan()
    rows = stale_queue(
        store,
        city.code,
        today,
        index=_area_index(store, city.code, revision, cache),
        keep=lambda _place, areas: listed(areas),
    )
    name = f"stale-{city.code}-{today.isoformat()}.csv"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(queue_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
