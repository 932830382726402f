"""What routes take from the request: the store, and query parameters grouped as they travel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query, Request

from geo.model import KINDS, STATUSES
from geo.store.base import PlaceQuery, Store
from geo.text import fold
from service.problems import ProblemError


def get_store(request: Request) -> Store:
    """The store the app was created with."""
    store: Store = request.app.state.store
    return store


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(v.strip() for v in value.split(",") if v.strip())


@dataclass
class PointParams:
    """A WGS84 point given as lat and lon."""

    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS84, degrees)")]
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS84, degrees)")]


@dataclass
class PlaceFilterParams:
    """Which places a list shows; by default the active gathering places."""

    category: Annotated[
        str | None, Query(description="Category slugs, comma-separated (e.g. salon,chanoma)")
    ] = None
    kind: Annotated[str, Query(description="gathering, venue or all (default gathering)")] = (
        "gathering"
    )
    status: Annotated[
        str, Query(description="active, paused, closed, comma-separated, or all (default active)")
    ] = "active"
    q: Annotated[str | None, Query(max_length=200, description="Text in name, kana or address")] = (
        None
    )

    def query(self, city: str | None) -> PlaceQuery:
        """The store query these parameters mean; unknown values are a 400."""
        kinds = KINDS if self.kind == "all" else _split(self.kind)
        for k in kinds:
            if k not in KINDS:
                raise ProblemError(
                    400, "Invalid parameter", f"kind must be gathering, venue or all, not {k!r}"
                )
        statuses = STATUSES if self.status == "all" else _split(self.status)
        for s in statuses:
            if s not in STATUSES:
                raise ProblemError(
                    400,
                    "Invalid parameter",
                    f"status must be active, paused, closed or all, not {s!r}",
                )
        q = fold(self.q) if self.q else None
        return PlaceQuery(
            city=city,
            categories=_split(self.category),
            kinds=tuple(kinds),
            statuses=tuple(statuses),
            q=q or None,
        )


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """'minLon,minLat,maxLon,maxLat' → a tuple, checked."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise ProblemError(
            400, "Invalid parameter", "bbox must be four numbers: minLon,minLat,maxLon,maxLat"
        )
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ProblemError(
            400,
            "Invalid parameter",
            "bbox must be minLon,minLat,maxLon,maxLat with min ≤ max, in degrees",
        )
    return (minx, miny, maxx, maxy)
