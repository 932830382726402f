"""Possible duplicates across sources: the same place listed by two files is reported, never merged.

Two sources never overwrite each other (their ids differ, `geo.ingest.ids`), so a salon that both
the city's list and the council's list hold would be shown twice. An import names each pair —
a record of another source with the same folded name (`geo.text.fold`) within 50 m — for a
person to decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from geo.text import fold
from geo.walk.distance import geodesic_m

DUPLICATE_WITHIN_M = 50.0  # geodesic metres


@dataclass(frozen=True)
class Located:
    """What a duplicate check needs of a record: its id, source, name and WGS84 point."""

    id: str
    source: str | None
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Duplicate:
    """An incoming record and a stored one of another source that look like the same place."""

    id: str
    other_id: str
    other_source: str | None
    name: str
    distance_m: float

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "other_id": self.other_id,
            "other_source": self.other_source,
            "name": self.name,
            "distance_m": round(self.distance_m, 1),
        }


def possible_duplicates(
    incoming: Iterable[Located], stored: Iterable[Located], source: str
) -> list[Duplicate]:
    """Each (incoming, stored) pair of different sources, same folded name, within 50 m."""
    by_name: dict[str, list[Located]] = {}
    for s in stored:
        if s.source != source:
            by_name.setdefault(fold(s.name), []).append(s)
    found: list[Duplicate] = []
    for r in incoming:
        for s in by_name.get(fold(r.name), []):
            d = geodesic_m(r.lon, r.lat, s.lon, s.lat)
            if d <= DUPLICATE_WITHIN_M and s.id != r.id:
                found.append(Duplicate(r.id, s.id, s.source, r.name, d))
    return found
