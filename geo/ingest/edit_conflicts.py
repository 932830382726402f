"""A re-import never silently overwrites a correction: a field an editor or a script changed
since this source last wrote it keeps the edit when the file says otherwise, and the import lists
each such conflict (``--overwrite-edits`` takes the file's value, and still lists them).

The history tells which fields those are: for each place, the fields changed through the editor
or the API after the last import change of this source that wrote the same field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from geo.history import Change
from geo.model import Place
from geo.store.base import Store

_COMPARED = frozenset(f.name for f in fields(Place)) - {"id", "city", "updated_at"}


@dataclass(frozen=True)
class EditConflict:
    """One field of one place edited since the import, whose file value differs."""

    place: str
    field: str
    kept: Any  # the value in the store (the edit)
    file: Any  # the value the file gives
    who: str  # who made the edit ("user:…", "token:…")
    overwritten: bool = False  # --overwrite-edits: the file's value was taken

    def as_dict(self) -> dict[str, Any]:
        return {
            "place": self.place, "field": self.field, "kept": self.kept, "file": self.file,
            "who": self.who, "overwritten": self.overwritten,
        }  # fmt: skip

    def line(self) -> str:
        """One line for the terminal."""
        verb = "file's value taken (--overwrite-edits)" if self.overwritten else "edit kept"
        return (
            f"edited since the last import: {self.place} {self.field}: {verb}; "
            f"store {self.kept!r} ({self.who}), file {self.file!r}"
        )


def edited_fields(history: Sequence[Change], source: str) -> dict[str, dict[str, str]]:
    """place id → {field: who} of the fields edited (editor or API) since ``source``'s import
    last wrote them; ``history`` oldest first."""
    edited: dict[str, dict[str, str]] = {}
    for change in history:
        if change.via == "import":
            if change.source == source and change.record_id in edited:
                for name in change.fields:
                    edited[change.record_id].pop(name, None)
        else:
            held = edited.setdefault(change.record_id, {})
            held.update({name: change.who for name in change.fields})
    return {pid: names for pid, names in edited.items() if names}


def _same(a: Any, b: Any) -> bool:
    """Equal as stored: coordinates to the hash's precision, empty text as no text."""
    if isinstance(a, float) or isinstance(b, float):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        return numbers and round(a, 9) == round(b, 9)
    return bool(a == b) or (a in (None, "", [], {}) and b in (None, "", [], {}))


def keep_edits(
    store: Store, city: str, source: str, places: Sequence[Place], *, overwrite: bool = False
) -> tuple[list[Place], list[EditConflict]]:
    """The file's places with each edited field whose file value differs set back to the
    stored (edited) value, unless ``overwrite``; and every such conflict."""
    edited = edited_fields(store.changes("place", city=city), source)
    out: list[Place] = []
    conflicts: list[EditConflict] = []
    for place in places:
        names = edited.get(place.id)
        stored = store.place(place.id) if names else None
        if not names or stored is None:
            out.append(place)
            continue
        kept: dict[str, Any] = {}
        for name in sorted(names):
            if name not in _COMPARED:
                continue
            mine, theirs = getattr(stored, name), getattr(place, name)
            if _same(mine, theirs):
                continue
            conflicts.append(EditConflict(place.id, name, mine, theirs, names[name], overwrite))
            kept[name] = mine
        out.append(place if overwrite or not kept else replace(place, **kept))
    return out, conflicts
