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
    sheet: str | None = None  # the XLSX sheet the row is on

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f", sheet '{self.sheet}'"
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
        out: dict[str, object] = {"file": self.file}
        if self.sheet:
            out["sheet"] = self.sheet
        out.update({
            self.row_label: self.row,
            "field": self.field,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
            "hint": self.hint,
        })  # fmt: skip
        return out


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


class InvalidParameter(UsageError):
    """One parameter the caller gave cannot be used: an unknown category, an age other than 65.

    ``parameter`` is named as the API names it (``speed_kmh``); the CLI shows ``--speed-kmh``.
    """

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"{parameter}: {reason}")

    def as_option(self) -> str:
        """The same message naming the command-line option."""
        return f"--{self.parameter.replace('_', '-')}: {self.reason}"


class UnknownCity(TsudoiError):
    """A municipal code that no municipality of Japan has."""

    def __init__(self, code: str, reason: str | None = None) -> None:
        self.code = code
        super().__init__(
            reason or f"unknown municipal code {code!r}: give a JIS code such as 15100"
        )


class NotFound(TsudoiError):
    """A record asked for by id that the store does not hold (a place, an area)."""


class Renamed(TsudoiError):
    """A record asked for by the id it had before ids carried their source: it answers under
    its new id (``parameter``: the query parameter that named it; None: the path)."""

    def __init__(self, kind: str, old_id: str, new_id: str, parameter: str | None = None) -> None:
        self.kind = kind
        self.old_id = old_id
        self.new_id = new_id
        self.parameter = parameter
        super().__init__(f"{kind} {old_id!r} is now {new_id!r}")


class MissingData(TsudoiError):
    """The city lacks data the answer needs (population, a walking network): not the caller's
    fault, nor the store's failure, but something an operator has to import first.

    The message speaks to whoever asked (an API user); ``remedy`` is the command that provides
    the data, which the CLI adds.
    """

    def __init__(self, message: str, remedy: str | None = None) -> None:
        self.remedy = remedy
        super().__init__(message)


class Withheld(TsudoiError):
    """The record exists but the answer would disclose what stays private (a home's location)."""


class StoreError(TsudoiError):
    """The store could not be opened or written (connection, schema, file)."""


class StaleWrite(TsudoiError):
    """A write based on a version of the record that is no longer current (ETag mismatch)."""

    def __init__(self, record_id: str, current_etag: str) -> None:
        self.record_id = record_id
        self.current_etag = current_etag
        super().__init__(
            f"{record_id} has changed since it was read: read it again and repeat the change"
        )


class AlreadyExists(TsudoiError):
    """A record created under an id some record already has."""


class Unauthenticated(TsudoiError):
    """A write, or an internal read, asked for without credentials, or with ones that are not
    valid (an unknown or revoked token, a disabled account, a wrong password)."""


class Forbidden(TsudoiError):
    """Credentials that are valid but do not reach this record (another city, another area, a
    viewer's write)."""


class PreconditionRequired(TsudoiError):
    """A change sent without If-Match: without the version read, a lost update cannot be told."""


class TooManyAttempts(TsudoiError):
    """Too many failed sign-ins from one address for one account; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)
