"""A place as it was right after one change of its history: every later change undone field by
field, newest first, so restoring is itself a new change and nothing in between is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

from geo.errors import InvalidParameter
from geo.history import Change
from geo.model import Place

_PLACE_FIELDS = frozenset(f.name for f in fields(Place))


def restored(place: Place, history: Sequence[Change], change_id: object) -> Place:
    """``place`` (as stored now) with each change recorded after ``change_id`` undone.

    ``history`` is the place's changes, oldest first; a change id that is not one of them is
    refused naming the ``change`` field.
    """
    if isinstance(change_id, bool) or not isinstance(change_id, int):
        raise InvalidParameter("change", "must be the id (a number) of a change in the history")
    ids = [c.id for c in history]
    if change_id not in ids:
        raise InvalidParameter("change", f"{place.id} has no change {change_id}")
    later = [c for c in history if c.id is not None and c.id > change_id]
    values: dict[str, Any] = {}
    for change in sorted(later, key=lambda c: c.id or 0, reverse=True):
        for name, (before, _after) in change.fields.items():
            if name in _PLACE_FIELDS and name not in ("id", "city"):
                values[name] = before
    if "extra" in values and values["extra"] is None:
        values["extra"] = {}
    return replace(place, **values)
