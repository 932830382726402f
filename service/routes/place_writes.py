"""Changing places: create, change (a merge patch with If-Match), verify, restore, and the
history that records each of them. Nothing is ever deleted: closing is ``status: closed``.

Every route asks the principal (geo.accounts) whether it may write a record of the place's city
lying in the place's areas, under the listing's 200 m border rule; a move needs both the old and
the new point in its areas. The store compares the version the writer read with the stored one
in the write's own transaction (412 when they differ), so of two writers that read the same
version exactly one succeeds, and the history holds exactly that change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from geo.accounts import Principal
from geo.errors import InvalidParameter, NotFound, StaleWrite
from geo.history import Action, Change
from geo.model import Place
from geo.store.base import Store
from layers.place_edit import apply_patch, place_from_body
from layers.place_privacy import published
from layers.place_restore import restored
from service.auth.principal import PrincipalDep, WriterDep
from service.deps import CityDep, PlaceId, ReadCacheDep, RevisionDep, StoreDep, follow_renamed
from service.etags import VARY, expected_version, optional_version, quoted
from service.fast_json import FastJSONResponse
from service.read_cache import RevisionCache
from service.request_body import JsonBody, body_schema
from service.serialize import history_json, now_in_japan, place_feature
from service.write_access import (
    area_index,
    areas_of,
    require_reader,
    require_write,
    signed_in,
    via_of,
)

router = APIRouter(tags=["editing"])

VERIFY_RETRIES = 3  # a verification without If-Match retries when a change slips in between


class _Writes:
    """What every place write needs: the store, its areas per revision, and who is writing."""

    def __init__(
        self, store: Store, cache: RevisionCache, revision: int, principal: Principal,
        request: Request,
    ) -> None:  # fmt: skip
        self.store = store
        self.cache = cache
        self.revision = revision
        self.principal = principal
        self.request = request

    def areas(self, place: Place) -> tuple[str, ...]:
        index = area_index(self.cache, self.store, self.revision, place.city)
        return areas_of(index, place.lon, place.lat)

    def place(self, place_id: str) -> Place:
        """The stored place, 404 (or 308 to its new id) when there is none; 403 unless the
        principal may change it where it is."""
        place = self.store.place(place_id)
        if place is None:
            follow_renamed(self.store, "place", place_id)
            raise NotFound(f"no place with id {place_id!r}")
        require_write(self.principal, place.city, self.areas(place), place_id)
        return place

    def may_move(self, before: Place | None, after: Place) -> None:
        """A new point must lie in the principal's areas as well (the old one was checked)."""
        if before is None or (before.lon, before.lat) != (after.lon, after.lat):
            require_write(self.principal, after.city, self.areas(after),
                          f"the new location of {after.id}")  # fmt: skip

    def write(self, place: Place, expected: str | None, action: Action) -> Place:
        change = Change(
            kind="place", record_id=place.id, city=place.city, who=self.principal.who,
            via=via_of(self.request), action=action,
        )  # fmt: skip
        return self.store.write_place(place, expected, change)

    def answer(self, place: Place, status: int = 200, **headers: str) -> Response:
        """The place as stored, internal fields included (a writer is of its city), its areas,
        and its new ETag."""
        shown = published(self.store, [place])[0]
        feature = place_feature(shown, areas=list(self.areas(place)), internal=True)
        return FastJSONResponse(
            feature, status_code=status,
            headers={"ETag": quoted(place.content_hash()), "Vary": VARY,
                     "Cache-Control": "private, no-cache", **headers},
        )  # fmt: skip


@router.post("/api/cities/{code}/places", status_code=201, summary="Add a place",
             openapi_extra=body_schema("The place's fields with lon and lat, or a GeoJSON "
                                       "Feature with a Point"))  # fmt: skip
def create_place(
    city: CityDep, body: JsonBody, principal: WriterDep, request: Request, store: StoreDep,
    cache: ReadCacheDep, revision: RevisionDep,
) -> Response:  # fmt: skip
    """A new place from a JSON object of its fields with ``lon`` and ``lat`` (or a GeoJSON
    Feature with a Point); ``name`` and ``category`` required. Its id is
    ``{city}-editor-{random}``, its source ``editor``. 201 with Location and ETag."""
    w = _Writes(store, cache, revision, principal, request)
    if principal.city != city.code or principal.role == "viewer":
        require_write(principal, city.code, (), f"city {city.code}")  # 403 before any 422
    place = place_from_body(store, city.code, body)
    w.may_move(None, place)
    stored = w.write(place, None, "create")
    return w.answer(stored, 201, Location=f"/api/places/{stored.id}")


@router.patch("/api/places/{place_id}", summary="Change a place (JSON merge patch, If-Match)",
              openapi_extra=body_schema("The fields to change; null clears one"))  # fmt: skip
def patch_place(
    place_id: PlaceId, body: JsonBody, principal: WriterDep, request: Request, store: StoreDep,
    cache: ReadCacheDep, revision: RevisionDep,
) -> Response:  # fmt: skip
    """Set the fields given (``null`` clears one), checked as an import checks a row (422
    naming the field). ``If-Match`` with the ETag read is required: 428 without, 412 (with the
    current ETag) when the place has changed since. ``status: closed`` closes it; nothing is
    deleted. 200 with the place and its new ETag."""
    w = _Writes(store, cache, revision, principal, request)
    place = w.place(place_id)
    expected = expected_version(request, place_id, place.content_hash())
    changed = apply_patch(store, place, body)
    w.may_move(place, changed)
    closing = changed.status == "closed" and place.status != "closed"
    return w.answer(w.write(changed, expected, "close" if closing else "update"))


@router.post("/api/places/{place_id}/verify", summary="Mark a place's details as checked today")
def verify_place(
    place_id: PlaceId, principal: WriterDep, request: Request, store: StoreDep,
    cache: ReadCacheDep, revision: RevisionDep,
) -> Response:  # fmt: skip
    """情報を確認しました: ``last_verified`` (最終確認日) becomes today's date in Japan. If-Match
    is optional here (checked when sent): a verification means the same whatever was read."""
    w = _Writes(store, cache, revision, principal, request)
    today = now_in_japan().date().isoformat()
    for attempt in range(VERIFY_RETRIES):
        place = w.place(place_id)  # read (and allowed) again on each attempt
        expected = optional_version(request, place_id, place.content_hash())
        checked = replace(place, last_verified=today)
        try:
            return w.answer(w.write(checked, expected, "verify"))
        except StaleWrite:
            if request.headers.get("if-match") or attempt == VERIFY_RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@router.get("/api/places/{place_id}/history", summary="Every recorded change of a place")
def place_history(
    place_id: PlaceId, principal: PrincipalDep, store: StoreDep
) -> dict[str, Any]:
    """Newest first: who (``user:…``, ``token:…``, ``import``), when, through what (editor,
    api, import with its source), the action and each changed field [before, after]. For the
    roles of the place's city only (401 anonymous, 403 others)."""
    signed_in(principal)
    place = store.place(place_id)
    if place is None:
        follow_renamed(store, "place", place_id)
        raise NotFound(f"no place with id {place_id!r}")
    require_reader(signed_in(principal), place.city)
    return history_json(place_id, place.content_hash(), store.changes("place", place_id))


@router.post("/api/places/{place_id}/restore", summary="Restore a place as it was after a change",
             openapi_extra=body_schema('{"change": ID}, an id from the history'))  # fmt: skip
def restore_place(
    place_id: PlaceId, body: JsonBody, principal: WriterDep, request: Request, store: StoreDep,
    cache: ReadCacheDep, revision: RevisionDep,
) -> Response:  # fmt: skip
    """Body ``{"change": ID}`` (an id from the history): every change after it is undone field
    by field, recorded as a new change (action ``restore``). Needs If-Match like a PATCH."""
    w = _Writes(store, cache, revision, principal, request)
    place = w.place(place_id)
    expected = expected_version(request, place_id, place.content_hash())
    if not isinstance(body, Mapping) or set(body) != {"change"}:
        raise InvalidParameter("change", 'send {"change": ID}, an id from the history')
    back = restored(place, store.changes("place", place_id), body["change"])
    w.may_move(place, back)
    return w.answer(w.write(back, expected, "restore"))
