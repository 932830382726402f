"""What both stores share, written once: search text, time stamps, and records ⇄ row values.

A record becomes a dict of plain column values (``*_values``) and a row becomes a record again
(``*_from_row``); each backend only encodes what travels differently: geometry (GeoPackage
blobs or PostGIS WKB) and JSON (text in SQLite, JSONB in PostGIS). So both stores write the
same values, read them back the same way and answer a typed name or a query alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.accounts import ApiToken, User
from geo.errors import StaleWrite
from geo.history import Action, Change, place_diff
from geo.model import Area, Category, City, Contact, Place, PopulationCell, Town
from geo.store.base import CityCounts
from geo.text import fold
from geo.walk.distance import geodesic_many_m

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


class Row(Protocol):
    """A database row read by column name: a ``sqlite3.Row`` or SQLAlchemy's ``Row._mapping``."""

    def __getitem__(self, key: str, /) -> Any: ...


# -- search and time ---------------------------------------------------------------------------
def now_iso() -> str:
    """UTC timestamp as stored in updated_at."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def place_search_text(place: Place) -> str:
    """The folded text a search query is matched against."""
    return fold(" ".join(t for t in (place.name, place.kana, place.address) if t))


def town_search_text(town: Town) -> str:
    """The folded text a typed town name is matched against."""
    return fold(" ".join(t for t in (town.name, town.kana, town.area) if t))


def like_pattern(folded_query: str) -> str:
    """A LIKE pattern for a substring match, with LIKE's wildcards escaped by '\\'."""
    escaped = folded_query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def rank_towns(towns: list[Town], q: str | None, limit: int | None) -> list[Town]:
    """Order matches: names starting with the query first, then shorter names, then name and id."""
    if q:
        key = fold(q)
        towns = sorted(
            towns, key=lambda t: (not fold(t.name).startswith(key), len(t.name), t.name, t.id)
        )
    else:
        towns = sorted(towns, key=lambda t: t.id)
    return towns if limit is None else towns[:limit]


def city_counts(levels: Iterable[Iterable[Any]], kinds: Iterable[Iterable[Any]]) -> CityCounts:
    """Counts from (level, n) and (kind, n) rows, in the order the rows come."""
    counts = CityCounts()
    for level, n in levels:
        counts.areas_by_level[int(level)] = int(n)
    for kind, n in kinds:
        counts.places_by_kind[str(kind)] = int(n)
    return counts


# -- nearest places ----------------------------------------------------------------------------
# Lower bounds of the WGS84 ellipsoid's metres per degree (meridian at the equator: 110 574 m;
# parallel: a·cos φ ≥ 111 319 m·cos φ), rounded down so a search box only grows.
_M_PER_DEG_LAT = 110_000.0
_M_PER_DEG_LON_EQUATOR = 111_000.0


def search_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within ``radius_m`` geodesic metres of (lon, lat).

    A path of length r changes latitude by at most r / (metres per degree of meridian) and,
    staying inside that latitude band, longitude by at most r / (a·cos φmax).
    """
    margin = radius_m * (1 + 1e-9) + 1e-3
    dlat = margin / _M_PER_DEG_LAT
    lat_lo, lat_hi = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_max = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
    dlon = margin / (_M_PER_DEG_LON_EQUATOR * cos_max) if cos_max > 1e-6 else math.inf
    if dlon >= 180 or lon - dlon < -180 or lon + dlon > 180:  # a pole or the antimeridian
        return (-1e9, lat_lo, 1e9, lat_hi)
    return (lon - dlon, lat_lo, lon + dlon, lat_hi)


def nearest(
    lon: float, lat: float, found: Sequence[Place], radius_m: float, limit: int
) -> list[tuple[Place, float]]:
    """The ``limit`` nearest of ``found`` within ``radius_m``, by (geodesic metres, id).

    ``found`` must hold every match within the radius, so ties at the edge rank as a full scan.
    """
    dist = geodesic_many_m(lon, lat, [p.lon for p in found], [p.lat for p in found])
    ranked = sorted(
        ((p, float(d)) for p, d in zip(found, dist, strict=True) if d <= radius_m),
        key=lambda pd: (pd[1], pd[0].id),
    )
    return ranked[:limit]


# -- records → column values -------------------------------------------------------------------
def record_values(record: DataclassInstance, *skip: str) -> dict[str, Any]:
    """A record's fields as column values, by field name, but those in ``skip``."""
    return {f.name: getattr(record, f.name) for f in fields(record) if f.name not in skip}


def city_values(city: City) -> dict[str, Any]:
    """Every column of a city row."""
    return record_values(city)


def category_values(c: Category) -> dict[str, Any]:
    """Every column of a category row; the default catalogue is stored under city ''."""
    return record_values(c) | {"city": c.city or ""}


def area_values(a: Area) -> dict[str, Any]:
    """An area's columns but its geometry; contacts as plain dicts."""
    contacts = [c.as_dict() for c in a.contacts]
    return record_values(a, "geometry") | {"contacts": contacts, "content_hash": a.content_hash()}


def town_values(t: Town, *skip: str) -> dict[str, Any]:
    """A town's columns (but ``skip``), with the folded search text."""
    return record_values(t, *skip) | {"search": town_search_text(t)}


def population_values(c: PopulationCell) -> dict[str, Any]:
    """A population cell's columns but its geometry; counts as floats."""
    counts = {k: float(getattr(c, k)) for k in ("total", "age65", "age75")}
    return record_values(c, "geometry") | counts | {"content_hash": c.content_hash()}


def place_values(
    place: Place, columns: Iterable[str], *, stamp: str, digest: str
) -> dict[str, Any]:
    """The place's plain ``columns``, stamped and hashed, with its folded search text."""
    row = {k: getattr(place, k) for k in columns}
    row.update(updated_at=stamp, content_hash=digest, search=place_search_text(place))
    return row


def last_wins(rows: Iterable[dict[str, Any]], *key: str) -> list[dict[str, Any]]:
    """One row per key, the last one given: one upsert statement cannot touch a row twice."""
    return list({tuple(r[k] for k in key): r for r in rows}.values())


# -- rows → records ----------------------------------------------------------------------------
#: How a column is read back into a field declared with this type (others are taken as read).
_READ: dict[str, Callable[[Any], Any]] = {"bool": bool, "int": int, "float": float}


@cache
def _readers(cls: type[DataclassInstance]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    return tuple((f.name, _READ.get(str(f.type))) for f in fields(cls))


def record_from_row(cls: type[R], row: Row, **decoded: Any) -> R:
    """A record from a row holding a column per field, read by the field's declared type.

    ``decoded`` gives the fields the backend decodes itself (geometry, JSON …).
    """
    values = {
        name: row[name] if read is None else read(row[name])
        for name, read in _readers(cls)
        if name not in decoded
    }
    return cls(**values, **decoded)


def as_multipolygon(geom: BaseGeometry) -> BaseGeometry:
    """Areas are MultiPolygons: a single polygon becomes a one-part MultiPolygon."""
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def category_from_row(r: Row) -> Category:
    """A category from its row; the default catalogue's city '' reads as None."""
    return record_from_row(Category, r, city=r["city"] or None)


def merge_categories(categories: Iterable[Category]) -> list[Category]:
    """The default catalogue with a city's own over it (its slug wins), by (sort, slug)."""
    merged: dict[str, Category] = {}
    for c in sorted(categories, key=lambda c: c.city is not None):  # defaults first
        merged[c.slug] = c
    return sorted(merged.values(), key=lambda c: (c.sort, c.slug))


def area_from_row(r: Row, geometry: BaseGeometry, contacts: list[dict[str, Any]]) -> Area:
    """An area from its row, with the geometry and contacts as the backend decoded them."""
    return record_from_row(
        Area, r, geometry=as_multipolygon(geometry), contacts=[Contact(**c) for c in contacts]
    )


def town_from_row(r: Row) -> Town:
    """A town from a row that holds its point as ``lon`` and ``lat``."""
    return record_from_row(Town, r)


def population_from_row(r: Row, geometry: BaseGeometry) -> PopulationCell:
    """A population cell from its row, with the geometry as the backend decoded it."""
    return record_from_row(PopulationCell, r, geometry=geometry)


# -- people, tokens and history ---------------------------------------------------------------
class Unchanged(Exception):  # noqa: N818 — a signal, not an error
    """Raised inside a write's transaction when the write changes nothing: the transaction is
    rolled back (the store's revision stays), and the stored record is returned."""

    def __init__(self, record: Any) -> None:
        super().__init__()
        self.record = record


def user_values(user: User, created_at: str) -> dict[str, Any]:
    """A person's columns, the email lower-cased (the key); areas as a list."""
    return record_values(user) | {
        "email": user.email.strip().lower(),
        "areas": list(user.areas),
        "created_at": created_at,
    }


def token_values(token: ApiToken, created_at: str) -> dict[str, Any]:
    """A token's columns; areas as a list."""
    return record_values(token) | {"areas": list(token.areas), "created_at": created_at}


def change_values(change: Change) -> dict[str, Any]:
    """A change's columns but its id (the store numbers it)."""
    return record_values(change, "id")


def user_from_row(r: Row, areas: list[str]) -> User:
    """A person from its row, with the areas as the backend decoded them."""
    return record_from_row(User, r, areas=list(areas))


def token_from_row(r: Row, areas: list[str]) -> ApiToken:
    """A token from its row, with the areas as the backend decoded them."""
    return record_from_row(ApiToken, r, areas=list(areas))


def change_from_row(r: Row, changed: dict[str, list[Any]]) -> Change:
    """A change from its row, with the fields as the backend decoded them."""
    return record_from_row(Change, r, fields=changed, id=int(r["id"]))


def check_etag(record_id: str, expected: str, stored: str, current: str) -> None:
    """Refuse a write based on another version: ``expected`` must be the record's content hash,
    as stored or as its fields give it now (the ETag a read sends); the error names the latter."""
    if expected not in (stored, current):
        raise StaleWrite(record_id, current)


def import_change(before: Place | None, after: Place, source: str | None) -> Change | None:
    """The history of one place an import creates, changes or closes (None: nothing differs)."""
    diff = place_diff(before, after)
    if not diff:
        return None
    action: Action
    if before is None:
        action = "create"
    elif after.status == "closed" and before.status != "closed":
        action = "close"
    else:
        action = "update"
    return Change(
        kind="place", record_id=after.id, city=after.city, who="import", via="import",
        action=action, fields=diff, source=source,
    )  # fmt: skip
