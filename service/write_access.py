"""Who may change which record: a place's areas under the 200 m border rule, asked of the
principal (geo.accounts decides; this only gathers what it needs), and through what a write came."""

from __future__ import annotations

from fastapi import Request

from boundaries.area_membership import AreaIndex
from geo.accounts import Principal
from geo.errors import Forbidden, Unauthenticated
from geo.history import Via
from geo.model import Area
from geo.store.base import Store
from service.read_cache import RevisionCache


def area_index(cache: RevisionCache, store: Store, revision: int, city: str) -> AreaIndex:
    """The city's areas ready for point tests, shared with the listing (one per revision)."""
    return cache.get(("area-index", city), revision, lambda: AreaIndex(city, store.areas(city)))


def areas_of(index: AreaIndex, lon: float, lat: float) -> tuple[str, ...]:
    """The ids of the areas a point lies in, one per level (the listing's ``areas``)."""
    return tuple(index.ids_at([lon], [lat])[0])


def area_and_parents(store: Store, area: Area) -> tuple[str, ...]:
    """An area and the wider ones holding it: a ward's coordinator keeps its districts' contacts."""
    ids = [area.id]
    parent = area.parent
    while parent and parent not in ids:
        ids.append(parent)
        found = store.area(parent)
        parent = found.parent if found is not None else None
    return tuple(ids)


def require_write(principal: Principal, city: str, areas: tuple[str, ...], what: str) -> None:
    """403 unless the principal may change a record of ``city`` lying in ``areas``."""
    if principal.may_write(city, areas):
        return
    if principal.city != city:
        raise Forbidden(f"{principal.who} is for city {principal.city}, not {city}")
    if principal.role == "viewer":
        raise Forbidden(f"{principal.who} is a viewer: it sees, it changes nothing")
    raise Forbidden(
        f"{what} lies outside the areas of {principal.who} ({', '.join(principal.areas)})"
    )


def signed_in(principal: Principal | None) -> Principal:
    """401 for an anonymous request (checked in the route, after its parameters: a malformed
    id is a 422 whoever asks)."""
    if principal is None:
        raise Unauthenticated("sign in, or send 'Authorization: Bearer <token>', to read this")
    return principal


def require_reader(principal: Principal, city: str) -> None:
    """403 unless the principal is one of the city's roles (who sees internal fields)."""
    if not principal.sees_internal(city):
        raise Forbidden(f"{principal.who} is for city {principal.city}, not {city}")


def via_of(request: Request) -> Via:
    """``api`` for a bearer token, ``editor`` for a signed-in session (as the sign-in layer
    says in ``request.state.via`` when it sets it)."""
    via = getattr(request.state, "via", None)
    if via == "api" or via == "editor":
        return "api" if via == "api" else "editor"
    return "api" if request.headers.get("authorization") else "editor"
