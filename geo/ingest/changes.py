"""Sorting a file's records against the stored ones: what an import adds, updates or leaves.

Every import counts the same way, whatever it stores: a record whose id the store lacks is
added, one the store holds alike is unchanged, any other is updated. Stored records that the
file speaks for but no longer holds are listed as missing; which ones those are is the
importer's to say (see `geo.ingest.pipeline.Destination.missing`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar


class Record(Protocol):
    """Anything an import stores under an id of its own."""

    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=Record)
S = TypeVar("S")
Change = Literal["added", "updated", "unchanged"]


@dataclass
class ChangeSet(Generic[R]):
    """A file's records in file order, each with what applying it would do to the store."""

    entries: list[tuple[R, Change]]
    missing: list[tuple[str, str]] = field(default_factory=list)  # (id, name) not in the file
    closed: list[str] = field(default_factory=list)  # ids of missing records the import closes

    @property
    def records(self) -> list[R]:
        return [r for r, _ in self.entries]

    @property
    def changed(self) -> list[R]:
        """The added and updated records, in file order: what a store must write."""
        return [r for r, c in self.entries if c != "unchanged"]

    def count(self, change: Change) -> int:
        return sum(1 for _, c in self.entries if c == change)

    @property
    def any(self) -> bool:
        """Whether applying would change the store at all (a closed record counts)."""
        return bool(self.closed) or any(c != "unchanged" for _, c in self.entries)


def compare(
    records: Iterable[R], stored: Mapping[str, S], unchanged: Callable[[R, S], bool]
) -> ChangeSet[R]:
    """Mark each record against the stored summary under its id (absent or None: added)."""
    entries: list[tuple[R, Change]] = []
    for record in records:
        old = stored.get(record.id)
        if old is None:
            entries.append((record, "added"))
        elif unchanged(record, old):
            entries.append((record, "unchanged"))
        else:
            entries.append((record, "updated"))
    return ChangeSet(entries)
