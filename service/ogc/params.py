"""What the OGC API's routes take from the request, as dataclasses checked once (tipg's habit):
the output format (``f``, else the Accept header), the page of items, the filters of each kind
of collection, and the rule that a query parameter a route does not declare is refused.

OGC API – Features answers a parameter it cannot use with 400 (``service/problems.py`` turns the
API's 422 into 400 under /ogc), so a client that misspells ``bbox`` learns it instead of
receiving every feature.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from geo.errors import InvalidParameter
from service.deps import MAX_ID, MAX_OFFSET, BboxParams, PlaceFilterParams, Text

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000  # a larger limit is answered with this many and a next link, as OGC asks
MAX_LEVEL = 9

HTML = "text/html"
JSON = "application/json"
GEOJSON = "application/geo+json"

Lang = Annotated[Literal["ja", "en"] | None, Query(description="HTML views: ja (default) or en")]


def _accepts_html(accept: str) -> bool:
    """Whether the Accept header prefers HTML to JSON (a browser's does; GDAL's and curl's not)."""
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best[media.lower()] = max(quality, best.get(media.lower(), 0.0))
    html = best.get(HTML, 0.0)
    json = max(best.get(JSON, 0.0), best.get(GEOJSON, 0.0), best.get("application/*", 0.0))
    return html > 0 and html > json


@dataclass
class OutputFormat:
    """``f=json`` or ``f=html``; without ``f``, HTML when the Accept header prefers it."""

    request: Request
    f: Annotated[
        Literal["json", "html"] | None,
        Query(description="json or html (default: as the Accept header says, else json)"),
    ] = None
    lang: Lang = None

    @property
    def html(self) -> bool:
        """Whether to answer with the HTML view."""
        if self.f is not None:
            return self.f == "html"
        return _accepts_html(self.request.headers.get("accept", ""))


@dataclass
class ItemsPage(BboxParams):
    """Which items: inside the bbox (checked as the API checks it, into ``box``), ``limit`` of
    them after skipping ``offset``."""

    limit: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_OFFSET,
            description=f"Items per page (default {DEFAULT_LIMIT}; more than {MAX_LIMIT} is "
            f"answered with {MAX_LIMIT} and a next link)",
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Skip this many items first (default 0)")
    ] = 0

    @property
    def size(self) -> int:
        """The page size served: the limit asked for, at most MAX_LIMIT."""
        return min(self.limit, MAX_LIMIT)


@dataclass
class PlaceFilters(PlaceFilterParams):
    """Filters on the places' public properties: the API listing's own, and the area."""

    area: Annotated[
        Text | None,
        Query(max_length=MAX_ID, description="Places: only those inside this area (its id)"),
    ] = None


@dataclass
class AreaFilters:
    """Filters on the areas' public properties."""

    level: Annotated[
        int | None,
        Query(ge=1, le=MAX_LEVEL, description="Areas: only this level (1 = ward …)"),
    ] = None
    parent: Annotated[
        Text | None, Query(max_length=MAX_ID, description="Areas: only those inside this one")
    ] = None


PLACE_FILTERS = tuple(f.name for f in fields(PlaceFilters))
AREA_FILTERS = tuple(f.name for f in fields(AreaFilters))


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route declares, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def refuse_unknown_parameters(request: Request) -> None:
    """A query parameter the route does not declare is a 400 naming it (OGC's rule)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route.dependant)
    for name in request.query_params:
        if name not in known:
            raise InvalidParameter(
                name, f"unknown parameter; this route takes {', '.join(sorted(known))}"
            )


def refuse_filters_of_the_other_kind(request: Request, filters: tuple[str, ...], kind: str) -> None:
    """Place filters on an areas collection, or area filters on a places one, are refused."""
    for name in filters:
        if name in request.query_params:
            raise InvalidParameter(name, f"does not apply to a collection of {kind}")
