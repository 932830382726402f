"""The records every part of Tsudoi exchanges: plain dataclasses, WGS84 coordinates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

Kind = Literal["gathering", "venue"]
KINDS: tuple[str, ...] = ("gathering", "venue")
Status = Literal["active", "paused", "closed"]
STATUSES: tuple[str, ...] = ("active", "paused", "closed")
Precision = Literal["exact", "town"]
PRECISIONS: tuple[str, ...] = ("exact", "town")
#: Where an area's polygon came from: drawn in the file, or built from a list of its towns
#: (Voronoi cells of the city's town points, or the towns' own polygons from --town-boundaries).
GeometrySource = Literal["drawn", "town-points", "town-boundaries"]
GEOMETRY_SOURCES: tuple[str, ...] = ("drawn", "town-points", "town-boundaries")
#: How a place's point was found when its file gave none: from its address, at its town's point.
PlacedFrom = Literal["address"]
PLACED_FROM: tuple[str, ...] = ("address",)


@dataclass
class City:
    """A municipality the store holds (the names come from the bundled N03 list)."""

    code: str
    name: str
    prefecture: str
    crs_epsg: int
    name_kana: str | None = None
    name_en: str | None = None
    parent_code: str | None = None  # a ward's designated city


@dataclass
class Contact:
    """Whom a resident calls about an area: its 地域包括支援センター, coordinator, council …"""

    role: str
    name: str
    phone: str | None = None
    fax: str | None = None
    address: str | None = None
    hours: str | None = None
    email: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Area:
    """A division of a city at some level (1 = ward/第1層, 2 = daily-living area/第2層 …)."""

    id: str
    city: str
    level: int
    name: str
    geometry: MultiPolygon
    parent: str | None = None
    name_kana: str | None = None
    contacts: list[Contact] = field(default_factory=list)
    source: str | None = None
    source_date: str | None = None
    demo: bool = False
    geometry_source: GeometrySource = "drawn"

    def content_hash(self) -> str:
        """Hash of everything a re-import could change, so unchanged rows are recognised.

        A drawn area hashes as it did before ``geometry_source`` existed, so the areas of a
        store written then are still found unchanged when their file is imported again.
        """
        contacts = [c.as_dict() for c in self.contacts]
        wkb = self.geometry.normalize().wkb_hex
        drawn = self.geometry_source == "drawn"
        skip = ("id", "geometry", "geometry_source") if drawn else ("id", "geometry")
        return _content_hash(self, skip, contacts=contacts, wkb=wkb)


@dataclass
class Town:
    """A 町丁目 or 大字 with its representative point: the name residents give for home."""

    id: str
    city: str
    name: str
    lon: float
    lat: float
    kana: str | None = None
    area: str | None = None  # the ward or district it belongs to, as text for display
    source: str | None = None
    demo: bool = False


@dataclass
class PopulationCell:
    """People counted in one cell: a JIS X 0410 mesh or a 町丁目 (polygon or point), with ages."""

    id: str
    city: str
    kind: Literal["mesh", "town"]
    code: str  # mesh code, or the town's name/code as the source gives it
    total: float
    age65: float  # 65 and over
    age75: float  # 75 and over
    geometry: BaseGeometry  # Polygon/MultiPolygon (mesh, town polygon) or Point (town point)
    name: str | None = None
    year: str | None = None  # survey date or year, as the source gives it
    source: str | None = None
    demo: bool = False

    def content_hash(self) -> str:
        """Hash of everything an import sets, so a re-import can count unchanged cells."""
        return _content_hash(self, ("geometry",), wkb=self.geometry.normalize().wkb_hex)


@dataclass
class Category:
    """A kind of place as a map layer: slug, labels, colour, and whether it counts as coverage."""

    slug: str
    label_ja: str
    label_en: str
    color: str
    kind: Kind = "gathering"
    icon: str | None = None
    city: str | None = None  # None: the default catalogue
    sort: int = 100


@dataclass
class Place:
    """A gathering place (shown and counted) or a venue (a candidate site)."""

    id: str
    city: str
    kind: Kind
    category: str
    name: str
    lon: float
    lat: float
    kana: str | None = None
    address: str | None = None
    schedule: str | None = None  # free text as the city writes it
    schedule_rules: list[dict[str, Any]] | None = None
    fee: str | None = None
    organiser: str | None = None
    phone: str | None = None
    email: str | None = None
    description: str | None = None
    url: str | None = None
    accessibility: str | None = None
    status: Status = "active"
    location_precision: Precision = "exact"
    last_verified: str | None = None
    internal_contact: str | None = None  # never shown publicly
    source: str | None = None
    source_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    demo: bool = False
    updated_at: str | None = None
    placed_from: PlacedFrom | None = None  # "address": no coordinates given, placed at its town

    def content_hash(self) -> str:
        """Hash of every field an import sets (not updated_at), to count unchanged rows.

        A place with coordinates of its own hashes as it did before ``placed_from`` existed,
        so a store written then finds its places unchanged when their file comes again.
        """
        skip = ("updated_at", "placed_from") if self.placed_from is None else ("updated_at",)
        return _content_hash(self, skip, lon=round(self.lon, 9), lat=round(self.lat, 9))


PUBLIC_PLACE_FIELDS: tuple[str, ...] = (
    "id",
    "city",
    "kind",
    "category",
    "name",
    "kana",
    "address",
    "schedule",
    "schedule_rules",
    "fee",
    "organiser",
    "phone",
    "email",
    "description",
    "url",
    "accessibility",
    "status",
    "location_precision",
    "placed_from",
    "last_verified",
    "source",
    "demo",
    "updated_at",
)
INTERNAL_PLACE_FIELDS: tuple[str, ...] = ("internal_contact", "extra")


def _content_hash(
    record: Area | PopulationCell | Place, skip: tuple[str, ...], **values: Any
) -> str:
    """Hash of the record's fields but ``skip``, with ``values`` in the place of some.

    fields() not asdict(): asdict deep-copies every value, which dominated large imports.
    """
    body = {f.name: getattr(record, f.name) for f in fields(record) if f.name not in skip}
    body.update(values)
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
