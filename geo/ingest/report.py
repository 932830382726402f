"""What an import did or would do, in counts and names a coordinator can check."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from geo.errors import Problem
from geo.ingest.duplicates import Duplicate
from geo.ingest.edit_conflicts import EditConflict


@dataclass
class ImportReport:
    """Counts of one import; the same object for a dry run and a real one."""

    file: str
    what: str  # "areas", "places", "towns", "population cells", "walking network"
    city: str
    source: str = ""  # what the ids are scoped to: --source or the file's stem (areas: the file)
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_file: str | None = None  # where --skip-invalid wrote the refused rows
    closed: int = 0
    placed_from_address: int = 0  # places given no coordinates, placed at their town's point
    dry_run: bool = False
    missing: list[tuple[str, str]] = field(default_factory=list)  # (id, name) not in the file
    repaired: list[str] = field(default_factory=list)  # messages for repaired geometries
    across_border: list[str] = field(default_factory=list)  # "row N: … m outside, assigned to …"
    notes: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)  # of another source, not merged
    conflicts: list[EditConflict] = field(default_factory=list)  # fields edited since, kept
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.closed)

    def summary(self) -> str:
        """One line for the terminal and logs."""
        verb = "would change" if self.dry_run else "changed"
        named = self.source and self.source != self.file
        head = f"{self.file} (source {self.source})" if named else self.file
        if self.problems:
            return (
                f"{head}: {self.rejected} of {self.rows} {self.what} rejected; nothing was changed"
            )
        if not self.changed:
            return (
                f"{head}: {self.rows} {self.what}, all unchanged; nothing to do"
                + self._rejected_part()
            )
        return (
            f"{head}: {self.rows} {self.what} — {verb}: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged"
            + (f", {self.closed} closed" if self.closed else "")
            + (f"; {self.placed_from_address} placed from addresses"
               if self.placed_from_address else "")
            + (f"; {len(self.across_border)} assigned across a border"
               if self.across_border else "")
            + self._rejected_part()
            + self._conflicts_part()
        )  # fmt: skip

    def _conflicts_part(self) -> str:
        """How many edited fields the import kept (or, with --overwrite-edits, replaced)."""
        if not self.conflicts:
            return ""
        taken = sum(1 for c in self.conflicts if c.overwritten)
        if taken:
            return f"; {taken} edited field(s) replaced by the file's values (--overwrite-edits)"
        return f"; {len(self.conflicts)} edited field(s) kept over the file's values"

    def _rejected_part(self) -> str:
        """What --skip-invalid left out, and where it went."""
        if not self.rejected:
            return ""
        where = self.rejected_file or ""
        verb = "would go to" if self.dry_run else "written to"
        return f"; {self.rejected} row(s) rejected" + (f" ({verb} {where})" if where else "")

    def duplicate_lines(self) -> list[str]:
        """One line per possible duplicate, naming both ids, for the terminal."""
        return [
            f"possible duplicate: {d.id} and {d.other_id} (source {d.other_source}): "
            f"{d.name}, {d.distance_m:.0f} m apart; both kept"
            for d in self.duplicates
        ]

    def as_dict(self) -> dict[str, Any]:
        """Every field, in declaration order, as JSON-ready values (the CLI's --json)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["missing"] = [{"id": i, "name": n} for i, n in self.missing]
        out["duplicates"] = [d.as_dict() for d in self.duplicates]
        out["conflicts"] = [c.as_dict() for c in self.conflicts]
        out["problems"] = [p.as_dict() for p in self.problems]
        return out
