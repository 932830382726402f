"""One area with its ETag, and its contacts changed by the city's people (If-Match with the
area's ETag), with the history of those changes. Polygons and names come by import only."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from geo.errors import NotFound
from geo.history import Change
from geo.model import Area
from geo.store.base import Store
from layers.area_contacts import contacts_from_patch
from service.auth.principal import PrincipalDep, WriterDep
from service.deps import MAX_ID, StoreDep, Text, follow_renamed
from service.etags import expected_version, not_modified, quoted
from service.fast_json import FastJSONResponse
from service.request_body import JsonBody, body_schema
from service.serialize import area_feature, history_json
from service.write_access import (
    area_and_parents,
    require_reader,
    require_write,
    signed_in,
    via_of,
)

router = APIRouter(tags=["editing"])

AreaId = Annotated[Text, Path(max_length=MAX_ID, description="The area's stable id")]


def _area(store: Store, area_id: str) -> Area:
    area = store.area(area_id)
    if area is None:
        follow_renamed(store, "area", area_id)
        raise NotFound(f"no area with id {area_id!r}")
    return area


@router.get("/api/areas/{area_id}", summary="One area as a GeoJSON feature, with its ETag")
def get_area(area_id: AreaId, store: StoreDep, request: Request) -> Response:
    """An area with its contacts (public: whom residents call). ``ETag`` is what a contacts
    change sends in ``If-Match``; ``If-None-Match`` with it answers 304."""
    area = _area(store, area_id)
    version = area.content_hash()
    headers = {"ETag": quoted(version), "Cache-Control": "no-cache"}
    if not_modified(request, version):
        return Response(status_code=304, headers=headers)
    return FastJSONResponse(area_feature(area), headers=headers)


@router.patch("/api/areas/{area_id}", summary="Change an area's contacts (If-Match)",
              openapi_extra=body_schema('{"contacts": [{"role", "name", "phone", …}, …]}'))
def patch_area(
    area_id: AreaId, body: JsonBody, principal: WriterDep, request: Request, store: StoreDep
) -> Response:
    """Body ``{"contacts": [{"role": …, "name": …, "phone": …}, …]}`` replaces the contacts.
    An admin of the city, or a coordinator of the area (or of a wider area holding it).
    If-Match with the area's ETag: 428 without, 412 when stale. 200 with the area and its ETag."""
    area = _area(store, area_id)
    require_write(principal, area.city, area_and_parents(store, area), area_id)
    expected = expected_version(request, area_id, area.content_hash())
    contacts = contacts_from_patch(body)
    change = Change(
        kind="area", record_id=area.id, city=area.city, who=principal.who,
        via=via_of(request), action="update",
    )  # fmt: skip
    stored = store.write_area(replace(area, contacts=contacts), expected, change)
    return FastJSONResponse(area_feature(stored), headers={"ETag": quoted(stored.content_hash())})


@router.get("/api/areas/{area_id}/history", summary="Every recorded change of an area")
def area_history(area_id: AreaId, principal: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """Newest first, as a place's history; for the roles of the area's city only."""
    signed_in(principal)  # 401 before telling whether the area exists
    area = _area(store, area_id)
    require_reader(signed_in(principal), area.city)
    return history_json(area_id, area.content_hash(), store.changes("area", area_id))
