"""Typed errors, so the CLI and the web layer can each map one type to one answer."""

from __future__ import annotations

from dataclasses import dataclass, field


class TsudoiError(Exception):
    """Base of every error Tsudoi raises on purpose."""


@dataclass
class Problem:
    """One thing wrong with one piece of input, in the user's words."""

    file: str
    reason: str
    row: int | None = None
    row_label: str = "row"  # "row" for tables, "feature" for GeoJSON/GPKG, "placemark" for KML
    field: str | None = None
    value: object = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", {self.row_label} {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        text = f"{where}: {self.reason}"
        if self.value is not None and self.value != "":
            text += f" (value: {self.value!r})"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            self.row_label: self.row,
            "field": self.field,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
            "hint": self.hint,
        }


@dataclass
class InputError(TsudoiError):
    """Input that cannot be applied; carries every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{len(self.problems)} problem(s) in the input; nothing was changed"
        return "\n".join([head, *(f"  - {p}" for p in self.problems[:50])]) + (
            f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        )


class UsageError(TsudoiError):
    """The caller asked for something that cannot be meant (bad option, unknown format)."""


class UnknownCity(TsudoiError):
    """A municipal code that no municipality of Japan has."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        self.code = code
        super().__init__(
            reason or f"unknown municipal code {code!r}: give a JIS code such as 15100"
        )


class NotFound(TsudoiError):
    """A record asked for by id that the store does not hold."""


class StoreError(TsudoiError):
    """The store could not be opened or written (connection, schema, file)."""
