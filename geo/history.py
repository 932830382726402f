"""What changed a record, and how: every write by an editor, a script or an import is one
:class:`Change` with each changed field's value before and after, so nothing is lost unseen and
any earlier version can be restored (as a new change)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from geo.model import Area, Place

Via = Literal["editor", "api", "import"]
VIAS: tuple[str, ...] = ("editor", "api", "import")
Action = Literal["create", "update", "verify", "restore", "close"]
ACTIONS: tuple[str, ...] = ("create", "update", "verify", "restore", "close")
RecordKind = Literal["place", "area"]

# What a place's history compares: every field but the bookkeeping ones.
_PLACE_SKIP = frozenset({"id", "city", "updated_at"})
_AREA_FIELDS = ("contacts",)  # what may be edited on an area; its polygon comes by import


@dataclass
class Change:
    """One committed write to one record: ``fields`` maps each changed field to [before, after]
    (JSON values; a created record has before = None for every field it sets)."""

    kind: RecordKind
    record_id: str
    city: str
    who: str  # "user:{email}", "token:{id}" or "import"
    via: Via
    action: Action
    fields: dict[str, list[Any]] = field(default_factory=dict)
    source: str | None = None  # an import's source id
    at: str | None = None  # set by the store when it commits (ISO 8601, UTC)
    id: int | None = None  # set by the store: the order changes were committed in


def _json(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def place_diff(before: Place | None, after: Place) -> dict[str, list[Any]]:
    """Each field whose value differs, as [before, after]; every set field for a new place."""
    out: dict[str, list[Any]] = {}
    for f in fields(Place):
        if f.name in _PLACE_SKIP:
            continue
        new = _json(getattr(after, f.name))
        old = _json(getattr(before, f.name)) if before is not None else None
        if before is None and new in (None, "", [], {}, False):
            continue
        if old != new:
            out[f.name] = [old, new]
    return out


def area_diff(before: Area, after: Area) -> dict[str, list[Any]]:
    """The editable fields of an area (its contacts) that differ, as [before, after]."""
    out: dict[str, list[Any]] = {}
    for name in _AREA_FIELDS:
        old, new = _json(getattr(before, name)), _json(getattr(after, name))
        if old != new:
            out[name] = [old, new]
    return out
