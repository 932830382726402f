"""What an import did or would do, in counts and names a coordinator can check."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from geo.errors import Problem


@dataclass
class ImportReport:
    """Counts of one import; the same object for a dry run and a real one."""

    file: str
    what: str  # "areas", "places", "towns", "population cells", "walking network"
    city: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    closed: int = 0
    placed_from_address: int = 0  # places given no coordinates, placed at their town's point
    dry_run: bool = False
    missing: list[tuple[str, str]] = field(default_factory=list)  # (id, name) not in the file
    repaired: list[str] = field(default_factory=list)  # messages for repaired geometries
    across_border: list[str] = field(default_factory=list)  # "row N: … m outside, assigned to …"
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.closed)

    def summary(self) -> str:
        """One line for the terminal and logs."""
        verb = "would change" if self.dry_run else "changed"
        if self.problems:
            return (
                f"{self.file}: {self.rejected} of {self.rows} {self.what} rejected; "
                "nothing was changed"
            )
        if not self.changed:
            return f"{self.file}: {self.rows} {self.what}, all unchanged; nothing to do"
        return (
            f"{self.file}: {self.rows} {self.what} — {verb}: {self.added} added, "
            f"{self.updated} updated, {self.unchanged} unchanged"
            + (f", {self.closed} closed" if self.closed else "")
            + (f"; {self.placed_from_address} placed from addresses"
               if self.placed_from_address else "")
            + (f"; {len(self.across_border)} assigned across a border"
               if self.across_border else "")
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        """Every field, in declaration order, as JSON-ready values (the CLI's --json)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["missing"] = [{"id": i, "name": n} for i, n in self.missing]
        out["problems"] = [p.as_dict() for p in self.problems]
        return out
