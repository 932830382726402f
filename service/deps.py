"""What routes take from the request: the store, the city, and query parameters grouped as they
travel (a point, a paging window, a bbox, a walk), each bounded and checked once here.

Every number has bounds and every text refuses control characters, so what a caller sends is
answered with a 4xx by the web layer before it can reach a store, and both stores answer alike.
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool

from geo.analysis.coverage import DEFAULT_MINUTES, DEFAULT_SPEED_KMH
from geo.errors import InvalidParameter, Renamed, UnknownCity
from geo.model import KINDS, STATUSES, City
from geo.store.base import PlaceQuery, Store
from geo.text import fold
from service.analysis import (
    AGES,
    MAX_ISOCHRONE_MINUTES,
    MAX_MINUTES,
    MAX_SPEED_KMH,
    AnalysisCache,
    check_age,
    known_categories,
    split_list,
)
from service.read_cache import RevisionCache

T = TypeVar("T")

MAX_OFFSET = 10**9  # far beyond any city's places, far below the 2^63 a database integer holds
MAX_PLACES = 50_000
MAX_ID = 1000  # place and area ids: city, category and the source's own id, made URL-safe


async def get_store(request: Request) -> Store:
    """The store the app was created with (async: no thread is needed to read app state)."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def store_revision(store: StoreDep) -> int:
    """The store's revision, read once per request (every dependency that asks shares it), on
    the event loop: no hop to a worker thread, and on PostGIS one read for the requests that
    ask at one moment (Store.revision_now)."""
    return await store.revision_now()


async def get_read_cache(request: Request) -> RevisionCache:
    """The app's cities, areas and networks, kept per store revision."""
    cache: RevisionCache = request.app.state.read_cache
    return cache


RevisionDep = Annotated[int, Depends(store_revision)]
ReadCacheDep = Annotated[RevisionCache, Depends(get_read_cache)]


async def analysis_cache(request: Request) -> AnalysisCache:
    """The app's prepared coverage models and networks, made on first use."""
    cache: AnalysisCache | None = getattr(request.app.state, "analysis", None)
    if cache is None:
        cache = request.app.state.analysis = AnalysisCache()
    return cache


AnalysisDep = Annotated[AnalysisCache, Depends(analysis_cache)]


def _printable(value: str) -> str:
    """Control characters (NUL, newlines, escapes) are never part of a name, slug or id."""
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]
PlaceId = Annotated[Text, Path(max_length=MAX_ID, description="The place's stable id")]


def follow_renamed(store: Store, kind: str, record_id: str, parameter: str | None = None) -> None:
    """Answer 308 to the new id of a place or area asked for by an id it had before ids
    carried their source (geo.store.id_migration); call it when no record has ``record_id``."""
    new_id = store.renamed(kind, record_id)
    if new_id is not None:
        raise Renamed(kind, record_id, new_id, parameter)


def follow_renamed_state(store: Store, request: Request) -> None:
    """A map link naming a place or area by an old id answers 308 to the link with its new id."""
    query = request.query_params
    if (place := query.get("place")) and store.place(place) is None:
        follow_renamed(store, "place", place, "place")
    if (area := query.get("area")) and store.area(area) is None:
        follow_renamed(store, "area", area, "area")


async def _held(store: Store, code: str, revision: int, cache: RevisionCache) -> City:
    """The city, from the cities held at this revision (read in a worker thread when new)."""
    held: dict[str, City] | None = cache.peek(("cities",), revision)
    if held is None:
        held = await run_in_threadpool(
            cache.get, ("cities",), revision, lambda: {c.code: c for c in store.cities()}
        )
    return _one_of(held, code)


def city_of(store: Store, code: str) -> City:
    """The city, read from the store now: for what runs outside a request (the command line)."""
    return _one_of({c.code: c for c in store.cities()}, code)


def _one_of(held: dict[str, City], code: str) -> City:
    if code in held:
        return held[code]
    if not (len(code) == 5 and code.isdigit()):
        raise UnknownCity(code, f"{code!r} is not a municipal code: give 5 digits such as 15100")
    raise UnknownCity(code, f"this service holds no data for city {code}")


CityCode = Annotated[Text, Path(max_length=16, description="JIS municipal code, e.g. 15100")]
CityCodeQuery = Annotated[
    Text | None, Query(max_length=16, description="A municipal code held, e.g. 15100")
]


def seems_held(cache: RevisionCache, code: str) -> bool:
    """Whether the cities last read held ``code``: a route may then read the revision with
    its rows and check the city at that revision (:func:`city_at`) after, in one round trip."""
    held: dict[str, City] | None = cache.latest(("cities",))
    return held is not None and code in held


async def city_at(store: Store, code: str, revision: int, cache: RevisionCache) -> City:
    """The city if the store holds it at ``revision``, else a 404 that says why."""
    return await _held(store, code, revision, cache)


async def held_city(
    code: CityCode,
    store: StoreDep,
    revision: RevisionDep,
    cache: ReadCacheDep,
) -> City:
    """The city of the path if the store holds it, else a 404 that says why."""
    return await _held(store, code, revision, cache)


async def held_city_or_none(
    store: StoreDep,
    revision: RevisionDep,
    cache: ReadCacheDep,
    city: CityCodeQuery = None,
) -> City | None:
    """The city named by ``city=``, checked like a path's; None when not given (or empty)."""
    return await _held(store, city, revision, cache) if city else None


CityDep = Annotated[City, Depends(held_city)]
OptionalCityDep = Annotated[City | None, Depends(held_city_or_none)]


@dataclass
class PointParams:
    """A WGS84 point given as lat and lon."""

    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS84, degrees)")]
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS84, degrees)")]


@dataclass
class PlaceFilterParams:
    """Which places a list shows; by default the active gathering places."""

    category: Annotated[
        Text | None,
        Query(max_length=500, description="Category slugs, comma-separated (e.g. salon,chanoma)"),
    ] = None
    kind: Annotated[
        Text, Query(max_length=100, description="gathering, venue or all (default gathering)")
    ] = "gathering"
    status: Annotated[
        Text,
        Query(
            max_length=100,
            description="active, paused, closed, comma-separated, or all (default active)",
        ),
    ] = "active"
    q: Annotated[
        Text | None, Query(max_length=200, description="Text in name, kana or address")
    ] = None

    def query(self, city: str | None) -> PlaceQuery:
        """The store query these parameters mean; unknown kinds or statuses are refused."""
        kinds = KINDS if self.kind == "all" else tuple(split_list(self.kind) or ())
        for k in kinds:
            if k not in KINDS:
                raise InvalidParameter("kind", f"must be gathering, venue or all, not {k!r}")
        statuses = STATUSES if self.status == "all" else tuple(split_list(self.status) or ())
        for s in statuses:
            if s not in STATUSES:
                raise InvalidParameter(
                    "status", f"must be active, paused, closed or all, not {s!r}"
                )
        q = fold(self.q) if self.q else None
        return PlaceQuery(
            city=city,
            categories=tuple(split_list(self.category) or ()),
            kinds=tuple(kinds),
            statuses=tuple(statuses),
            q=q or None,
        )


@dataclass
class PagingParams:
    """A window on a long list: at most ``limit`` items after skipping ``offset``."""

    limit: Annotated[
        int | None, Query(ge=1, le=MAX_PLACES, description="At most this many (default: all)")
    ] = None
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Skip this many first (default 0)")
    ] = 0


@dataclass
class BboxParams:
    """'minLon,minLat,maxLon,maxLat' in degrees, checked once; ``box`` holds the numbers."""

    bbox: Annotated[
        Text | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat")
    ] = None
    box: tuple[float, float, float, float] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.bbox is None:
            return
        try:
            values = tuple(float(p) for p in self.bbox.split(","))
        except ValueError:
            values = ()
        if len(values) != 4:
            raise InvalidParameter("bbox", "must be four numbers: minLon,minLat,maxLon,maxLat")
        minx, miny, maxx, maxy = values
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise InvalidParameter(
                "bbox", "must be minLon,minLat,maxLon,maxLat with min ≤ max, in degrees"
            )
        self.box = (minx, miny, maxx, maxy)


SpeedKmh = Annotated[
    float,
    Query(gt=0, le=MAX_SPEED_KMH, description="Walking speed, km/h (default 3: 50 m/min)"),
]


@dataclass
class WalkParams:
    """How far an older resident walks: minutes at a speed."""

    minutes: Annotated[
        float, Query(gt=0, le=MAX_MINUTES, description="Walking minutes (default 10)")
    ] = DEFAULT_MINUTES
    speed_kmh: SpeedKmh = DEFAULT_SPEED_KMH


@dataclass
class IsochroneWalkParams(WalkParams):
    """The walk an isochrone draws: every street reached is drawn, so the walk is shorter."""

    minutes: Annotated[
        float, Query(gt=0, le=MAX_ISOCHRONE_MINUTES, description="Walking minutes (default 10)")
    ] = DEFAULT_MINUTES


@dataclass
class CoverageParams(WalkParams):
    """The walk, whose coverage is asked for, and which gathering places count."""

    age: Annotated[
        int, Query(ge=min(AGES), le=max(AGES), description="65 or 75: whose coverage")
    ] = 65
    category: Annotated[
        Text | None,
        Query(
            max_length=500,
            description="Gathering-place categories that count, comma-separated",
        ),
    ] = None

    def __post_init__(self) -> None:
        check_age(self.age)

    def arguments(self, store: Store, city: City) -> dict[str, Any]:
        """What coverage, gaps and suggestions take: the walk, the age and the categories (each
        one known to the city; None for every gathering category)."""
        return {
            "minutes": self.minutes,
            "speed_kmh": self.speed_kmh,
            "age": self.age,
            "categories": known_categories(store, city.code, self.category),
        }


def on_loop(cls: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """A parameter bundle as an async dependency with the same query parameters.

    FastAPI runs a class dependency in a worker thread; a bundle only checks numbers and text,
    and each hop to a thread and back costs more than that, so it is built on the event loop.
    """

    async def build(**values: Any) -> T:
        return cls(**values)

    build.__signature__ = inspect.signature(cls)  # type: ignore[attr-defined]
    return build


# The bundles as route parameters: each built from the query string and checked once.
PointDep = Annotated[PointParams, Depends(on_loop(PointParams))]
FiltersDep = Annotated[PlaceFilterParams, Depends(on_loop(PlaceFilterParams))]
PagingDep = Annotated[PagingParams, Depends(on_loop(PagingParams))]
BboxDep = Annotated[BboxParams, Depends(on_loop(BboxParams))]
CoverageDep = Annotated[CoverageParams, Depends(on_loop(CoverageParams))]
IsochroneWalkDep = Annotated[IsochroneWalkParams, Depends(on_loop(IsochroneWalkParams))]
