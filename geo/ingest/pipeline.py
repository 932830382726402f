"""The one way every import goes: rows to records, all or none, a plan, one transaction.

An importer maps its file's rows to records (its own columns, its own model) and collects the
problems in a `Batch`; from there every import is the same:

1. `accept`: any problem refuses the whole file and the store is left untouched (with
   --skip-invalid, `geo.ingest.rejects` takes the refused rows out first); a value no store
   gives back (`geo.storable`) is such a problem of its row: text that is no UTF-8 in any cell,
   found before the importer reads the row (`Rejects.collect`), a number beyond 2^53 in a
   record, found as the batch keeps it;
2. `apply`: the records are compared with the stored ones (`geo.ingest.changes`), the report
   counts, for the import's source, added, updated and unchanged, lists the stored records the
   file no longer holds and the records of other sources that look like the same place
   (`geo.ingest.duplicates`: reported, never merged), and unless it is a dry run the
   `Destination` writes them in one store transaction.

What later concerns every import belongs in these two steps, once: which rows a partial import
refuses (`accept`), what a source's stored records are and which of them look like duplicates
of incoming ones (`Destination`, `apply`), and what the report counts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Generic, Protocol, TypeVar

from geo.errors import InputError, Problem, UsageError
from geo.ingest.changes import ChangeSet, Record, compare
from geo.ingest.duplicates import Located, possible_duplicates
from geo.ingest.report import ImportReport
from geo.io.columns import find_column, problems_for_duplicates
from geo.storable import SURROGATE, Unstorable, is_text, shown, unstorable
from geo.store.base import Store
from geo.text import clean

R = TypeVar("R", bound=Record)
S = TypeVar("S")


class SourceFile(Protocol):
    """What the pipeline needs of a file read by `geo.io`: its name, how it calls a row, and
    the problems its reader found in single rows."""

    @property
    def name(self) -> str: ...

    @property
    def row_label(self) -> str: ...

    @property
    def problems(self) -> list[Problem]: ...


@dataclass
class Batch(Generic[R]):
    """The records a file's rows became, each with its row number, and what was wrong."""

    file: str
    row_label: str
    problems: list[Problem] = field(default_factory=list)
    rows: list[tuple[int, R]] = field(default_factory=list)
    # record field → the file's column it was read from, to name a refused value as the user
    # sees it; a field without one is named itself, a dict without one by its keys (extra)
    columns: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, src: SourceFile, columns: Mapping[str, str | None] | None = None) -> Batch[R]:
        """An empty batch for a file, starting with the problems its reader found."""
        return cls(src.name, src.row_label, list(src.problems), columns=dict(columns or {}))

    @property
    def records(self) -> list[R]:
        return [r for _, r in self.rows]

    def refuse(
        self,
        row: int | None,
        reason: str,
        *,
        field: str | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        """Record a problem that refuses the row (None: the whole file)."""
        self.problems.append(
            Problem(
                file=self.file,
                row=row,
                row_label=self.row_label,
                field=field,
                value=value,
                reason=reason,
                hint=hint,
            )
        )

    def keep(self, row: int, record: R) -> None:
        """Keep the row's record, unless it holds a value no store gives back (then the row
        is refused, as any other bad row)."""
        if self.storable(row, record):
            self.rows.append((row, record))

    def storable(self, row: int, record: object) -> bool:
        """Whether every value of the record comes back from a store as given; if not, the
        row is refused naming the column the value came from. `keep` asks it; an importer
        whose records do not go through `keep` asks it itself."""
        found = _unstorable_field(record, self.columns)
        if found is None:
            return True
        column, bad = found
        reason = f"{bad.reason} (at {bad.where})" if bad.where else bad.reason
        self.refuse(row, reason, field=column, value=bad.value)
        return False

    def refuse_repeats(self, field: str, keyed: Iterable[tuple[int, str]] | None = None) -> None:
        """One problem per row whose id repeats an earlier row's; `keyed` gives other keys
        than the kept records' ids as (row, key)."""
        if keyed is None:
            keyed = [(n, r.id) for n, r in self.rows]
        self.problems.extend(problems_for_duplicates(self.file, self.row_label, keyed, field))


def _unstorable_field(
    record: object, columns: Mapping[str, str | None]
) -> tuple[str, Unstorable] | None:
    """The column a record's first value no store gives back was read from, and why; None
    when there is none. The record is a dataclass; a field the importer read from no one
    column and holding a dict (a place's ``extra``) holds the row's other columns by name."""
    if not is_dataclass(record):
        return None
    # the id last: made from other fields, a problem in it is best named by theirs
    for f in sorted(fields(record), key=lambda f: f.name == "id"):
        value = getattr(record, f.name)
        column = columns.get(f.name)
        if column is None and isinstance(value, dict):
            for key, item in value.items():
                if not is_text(str(key)):
                    return shown(str(key)), Unstorable("", SURROGATE)
                bad = unstorable(item)
                if bad is not None:
                    return str(key), bad
            continue
        bad = unstorable(value)
        if bad is not None:
            return shown(column or f.name), bad
    return None


def find_columns(
    columns: Sequence[str],
    fields: Mapping[str, Sequence[str]],
    explicit: Mapping[str, str | None],
) -> dict[str, str | None]:
    """Each field's column: the one the caller named, else the first of its names present."""
    return {f: find_column(columns, names, explicit.get(f)) for f, names in fields.items()}


def named_fields(
    fields: Mapping[str, str], known: Iterable[str], **aliases: str | None
) -> dict[str, str]:
    """The columns the caller named: ``--field NAME=COLUMN`` and the older ``--name-field`` kin
    (``aliases``, by field), as one mapping; a field this import does not read is a usage error."""
    allowed = list(dict.fromkeys(known))
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise UsageError(
            f"--field {unknown[0]}=…: this import has no field {unknown[0]!r}; "
            "its fields: " + ", ".join(allowed)
        )
    named = {f: c for f, c in aliases.items() if c}
    for f, c in fields.items():
        if f in named and named[f] != c:
            raise UsageError(f"--field {f}={c} and the option for {f} ({named[f]}) disagree")
        named[f] = c
    return named


def explain_guesses(
    problems: Iterable[Problem],
    cols: Mapping[str, str | Sequence[str] | None],
    named: Mapping[str, str],
) -> None:
    """Say, on a problem in a column found by its name, that it was a guess and how to name
    another: a `区分` column taken for one field may well be meant for another. Said on the
    first problem of each such column. ``cols``: each field's column (or those summed into it)."""
    guessed: dict[str, str] = {}
    for f, found in cols.items():
        if f not in named and found:
            guessed.update((c, f) for c in ([found] if isinstance(found, str) else found))
    told: set[str] = set()  # once per column: the first row it fails on says it
    for p in problems:
        field = guessed.get(p.field or "")
        if p.row is None or field is None or p.field in told or "--field" in (p.hint or ""):
            continue
        told.add(p.field or "")
        note = (
            f"the column {p.field!r} was taken as {field} by its name; if it is not, "
            f"name the right one with --field {field}=COLUMN"
        )
        p.hint = f"{p.hint}; {note}" if p.hint else note


def text_of(props: Mapping[str, Any], column: str | None) -> str | None:
    """A row's trimmed text in a column (None when blank or when the file lacks the column)."""
    return clean(props.get(column)) if column else None


def file_error(file: str, reason: str, hint: str | None = None) -> InputError:
    """The error refusing a whole file (no column to read, nothing to place …)."""
    return InputError([Problem(file=file, reason=reason, hint=hint)])


def no_name_column(file: str, looked_for: Sequence[str]) -> InputError:
    """The error for a file without a name column (every area and place has a name)."""
    hint = "name a column with --field name=COLUMN; looked for: " + ", ".join(looked_for)
    return file_error(file, "no name column", hint)


def accept(report: ImportReport, problems: list[Problem]) -> None:
    """All or none: any problem refuses the file, with every problem found, before any write."""
    if problems:
        report.problems = problems
        report.rejected = len({p.row for p in problems if p.row is not None}) or len(problems)
        raise InputError(problems)


Named = list[tuple[str, str]]  # (id, name) of stored records, for the report


class Destination(ABC, Generic[R, S]):
    """Where one kind of record is kept, as an import sees it: what the file's records are
    compared with, which stored records the file speaks for, and the one write."""

    def __init__(self, store: Store, city: str, source: str) -> None:
        self.store = store
        self.city = city
        self.source = source  # the file's stem (or --source): whose stored records it speaks for

    @abstractmethod
    def stored(self) -> Mapping[str, S]:
        """id → a summary (content hash, the record …) of each stored record of the city."""

    @abstractmethod
    def unchanged(self, record: R, old: S) -> bool:
        """Whether the record is the same as the stored one summarised by `old`."""

    @abstractmethod
    def missing(self, stored: Mapping[str, S], in_file: AbstractSet[str]) -> Named:
        """(id, name) of the stored records the file speaks for but no longer holds."""

    def located(self, records: Sequence[R]) -> list[Located]:
        """The records as points with names, for the duplicate check; by default none."""
        return []

    def others(self) -> list[Located]:
        """The stored records the incoming ones may duplicate (other sources'); by default none."""
        return []

    def closes(self, missing: Named) -> list[str]:
        """Ids of missing records the import closes; by default none are touched."""
        return []

    def must_write(self, changes: ChangeSet[R]) -> bool:
        """Whether a real run writes; by default only when something changes."""
        return changes.any

    @abstractmethod
    def write(self, changes: ChangeSet[R]) -> None:
        """Apply the changes in one store transaction."""


class HashedRecord(Record, Protocol):
    def content_hash(self) -> str: ...


H = TypeVar("H", bound=HashedRecord)


class HashedDestination(Destination[H, str]):
    """Records the store keeps with their content hash: a record is unchanged when its hash is."""

    def unchanged(self, record: H, old: str) -> bool:
        return old == record.content_hash()


def apply(
    report: ImportReport,
    records: Sequence[R],
    to: Destination[R, S],
    *,
    dry_run: bool,
    part_of_source: bool = False,
) -> ChangeSet[R]:
    """Count what the records change in the store, then (unless a dry run) write them.

    ``part_of_source``: the file brings back some records of its source (a fixed rejects
    file), so the source's other records are not missing and none is closed.
    """
    stored = to.stored()
    changes = compare(records, stored, to.unchanged)
    changes.missing = [] if part_of_source else to.missing(stored, {r.id for r in records})
    changes.closed = to.closes(changes.missing)
    report.added = changes.count("added")
    report.updated = changes.count("updated")
    report.unchanged = changes.count("unchanged")
    report.missing = changes.missing
    report.closed = len(changes.closed)
    report.source = to.source
    incoming = to.located(records)
    if incoming:
        report.duplicates = possible_duplicates(incoming, to.others(), to.source)
    if not dry_run and to.must_write(changes):
        to.write(changes)
    return changes
