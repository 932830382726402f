"""Partial imports: the rows that pass go in, the refused ones come back as a CSV to fix.

Why: one bad row (a shelter 16 m outside the outline, a typo in a count) must not keep a
city's whole list out, yet an import that drops rows silently loses data. With
``--skip-invalid`` the rows with a problem are taken out and the rest is read again (a row
refused for repeating another's id may pass once the other is gone, a town list is drawn
without its unknown towns), until only good rows are left; the refused ones are written,
every original column plus ``reason``, to a CSV that Excel opens (UTF-8 with BOM). Fixed and
imported again, that file completes its source: it is part of the source, so it lists no
records as missing and never closes any. Without the flag an import stays all or nothing.

Every import goes through `Rejects`, so this happens once, here; it also stamps an XLSX
sheet's name on the problems and drops the ``reason`` column when a rejects file comes back.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generic, TypeVar

from shapely.geometry import Point

from geo.errors import Problem
from geo.ingest import pipeline
from geo.ingest.report import ImportReport
from geo.io.source import FeatureSource, Row
from geo.storable import SURROGATE, Unstorable, is_text, shown, unstorable

T = TypeVar("T")
REASON = "reason"
SUFFIX = ".rejected.csv"
_PASSES = 5  # taking rows out seldom uncovers new problems; a file that keeps doing so is refused


@dataclass(frozen=True)
class SkipOptions:
    """--skip-invalid and --rejected FILE, as every import takes them."""

    skip_invalid: bool = False
    rejected: Path | None = None  # default: <stem>.rejected.csv beside the input


def rejects_path(source: Path, explicit: Path | None = None) -> Path:
    """Where the refused rows go: the file named, else ``<stem>.rejected.csv`` beside the input."""
    if explicit is not None:
        return explicit
    name = source.name.removesuffix(".gz")
    stem = name.removesuffix(SUFFIX) + ".rejected" if name.endswith(SUFFIX) else Path(name).stem
    return source.with_name(stem + SUFFIX)


def is_rejects_file(name: str) -> bool:
    """Whether a file is a rejects file written by a partial import (by its name)."""
    return name.endswith(SUFFIX)


def source_name(name: str) -> str | None:
    """The source a rejects file belongs to: its original's stem (None for any other file)."""
    return name.removesuffix(SUFFIX).removesuffix(".rejected") if is_rejects_file(name) else None


@dataclass
class Rejects(Generic[T]):
    """One import's reading, all or none or (with --skip-invalid) the good rows only."""

    src: FeatureSource
    report: ImportReport
    opts: SkipOptions = field(default_factory=SkipOptions)
    problems: list[Problem] = field(default_factory=list)  # what still refuses the file
    refused: dict[int, list[Problem]] = field(default_factory=dict)  # row → why it was taken out
    written: Path | None = None

    def __post_init__(self) -> None:
        if is_rejects_file(self.src.name) and REASON in self.src.columns:
            self.src = _without_reason(self.src)

    @property
    def part_of_source(self) -> bool:
        """A rejects file brings back some rows of its source: the others are not missing."""
        return is_rejects_file(self.src.name)

    def collect(self, read: Callable[[FeatureSource], tuple[list[Problem], T]]) -> T:
        """Read the file's rows with ``read`` (problems and what they became); with
        --skip-invalid, again without the refused rows until none is left, or a problem
        concerns the whole file.

        A row holding text that is no UTF-8 (a lone surrogate, which a GeoJSON escape can
        carry) is refused before ``read`` sees it: no store takes such text, and ids and hashes
        made from it would fail on the way."""
        notes, repaired = list(self.report.notes), list(self.report.repaired)
        untext = [self._stamped(p) for p in not_text(self.src)]
        current = _without(self.src, {p.row for p in untext})
        if self.opts.skip_invalid:
            for p in untext:
                self.refused.setdefault(p.row or 0, []).append(p)
            untext = []
        for _ in range(_PASSES):
            self.report.notes, self.report.repaired = list(notes), list(repaired)
            problems, result = read(current)
            self.problems = [self._stamped(p) for p in problems]
            if untext:  # in the file's order
                self.problems = sorted([*untext, *self.problems], key=lambda p: p.row or 0)
            rows = {p.row for p in self.problems if p.row is not None}
            if not self.opts.skip_invalid or not rows or any(p.row is None for p in self.problems):
                return result
            for p in self.problems:
                if p.row is not None:
                    self.refused.setdefault(p.row, []).append(p)
            current = _without(current, rows)
        return result

    def accept(self) -> None:
        """Refuse the file (store untouched) if problems are left; else count, and write, the
        rows taken out."""
        pipeline.accept(self.report, self.problems)
        self.report.rejected = len(self.refused)
        if not self.refused:
            return
        path = rejects_path(self.src.path, self.opts.rejected)
        self.report.rejected_file = str(path)
        if not self.report.dry_run:
            write_rejects(path, self.src, self.refused)
            self.written = path

    def _stamped(self, p: Problem) -> Problem:
        """The problem with the sheet it is on (an XLSX row number alone is ambiguous)."""
        if self.src.sheet and p.row is not None and p.file == self.src.name and not p.sheet:
            p.sheet = self.src.sheet
        return p


def not_text(src: FeatureSource) -> list[Problem]:
    """One problem per row whose cells (keys, text, text inside lists and objects) hold a lone
    surrogate, naming its column (`geo.storable`)."""
    found: list[Problem] = []
    for row in src.rows:
        for key, value in row.props.items():
            text = str(key)
            bad = unstorable(value, text_only=True) if is_text(text) else Unstorable("", SURROGATE)
            if bad is not None:
                found.append(Problem(
                    src.name, bad.reason + (f" (at {bad.where})" if bad.where else ""),
                    row=row.number, row_label=src.row_label, field=shown(text), value=bad.value,
                ))  # fmt: skip
                break
    return found


def _without(src: FeatureSource, rows: AbstractSet[int | None]) -> FeatureSource:
    """The file without some of its rows (and their reader's problems)."""
    if not rows:
        return src
    return replace(
        src,
        rows=[r for r in src.rows if r.number not in rows],
        problems=[p for p in src.problems if p.row not in rows],
    )


def write_rejects(path: Path, src: FeatureSource, refused: dict[int, list[Problem]]) -> None:
    """The refused rows, every original column plus ``reason``, as a CSV Excel opens; text that
    is no UTF-8 (a lone surrogate, refused for that) is written as its escape, ``\\ud800``."""
    geometry = _geometry_columns(src)
    reason = REASON if REASON not in src.columns else "rejected_" + REASON
    header = [*src.columns, *geometry, reason]
    with path.open("w", encoding="utf-8-sig", errors="backslashreplace", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for row in src.rows:
            if row.number in refused:
                cells = [_cell(row.props.get(c)) for c in src.columns]
                out.writerow([*cells, *_geometry_cells(row, geometry), why(refused[row.number])])


def why(problems: list[Problem]) -> str:
    """A row's reasons in one cell: field, reason, value and hint of each."""
    parts = []
    for p in problems:
        text = (f"{p.field}: " if p.field else "") + p.reason
        if p.value is not None and p.value != "":
            text += f" (value: {p.value})"
        if p.hint:
            text += f" — {p.hint}"
        parts.append(text)
    return "; ".join(dict.fromkeys(parts))


def _geometry_columns(src: FeatureSource) -> list[str]:
    """The columns a row's geometry is written to when the file has it outside its columns:
    latitude/longitude for points, WKT otherwise (both read back by the CSV reader)."""
    if src.geometry_columns or all(r.geometry is None for r in src.rows):
        return []
    if all(r.geometry is None or isinstance(r.geometry, Point) for r in src.rows):
        return ["latitude", "longitude"]
    return ["wkt"]


def _geometry_cells(row: Row, columns: list[str]) -> list[str]:
    g = row.geometry
    if not columns:
        return []
    if g is None or g.is_empty:
        return [""] * len(columns)
    if columns == ["wkt"]:
        return [g.wkt]
    assert isinstance(g, Point)
    return [repr(g.y), repr(g.x)]


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _without_reason(src: FeatureSource) -> FeatureSource:
    """A rejects file read back: its ``reason`` column was ours, not the source's."""
    rows = [Row(r.number, {k: v for k, v in r.props.items() if k != REASON}, r.geometry)
            for r in src.rows]  # fmt: skip
    return replace(src, columns=[c for c in src.columns if c != REASON], rows=rows)
