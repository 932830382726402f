"""CSV/TSV and Excel (.xlsx) tables: one row per line, geometry from coordinate columns.

Municipal spreadsheets come in UTF-8 with or without BOM, Shift_JIS (CP932) or UTF-16, with a
title line above the header and sometimes a second header line of labels (e-Stat); rows keep
the line number a person sees in the spreadsheet, so problems point at the right line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from contextlib import suppress
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from geo.errors import InputError, Problem
from geo.io._keys import clean_key, unique_keys
from geo.io._points import geometry_spec, is_blank, row_geometry
from geo.io._problems import clip, fail, short
from geo.io.source import FeatureSource, ReadOptions, Row

Line = tuple[int, list[Any]]  # (line number in the file, its cells)


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text table: BOM first, then UTF-8, then CP932 (Shift_JIS as Excel writes it)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)  # Excel's "Unicode text"
    else:
        candidates = ("utf-8", "cp932", "euc_jp")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    fail(
        name,
        "cannot decode the text: it is neither UTF-8 nor Shift_JIS (CP932)",
        hint="UTF-8 で保存してください",
    )


def _sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first lines use most (a title line may have none)."""
    lines = [line for line in text.splitlines()[:200] if line.strip()][:20]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, name: str, opts: ReadOptions) -> FeatureSource:
    """A CSV/TSV; each record numbered as a spreadsheet numbers its rows (a record holding line
    breaks in a quoted cell is one row, not one per physical line)."""
    text, encoding = _decode_text(data, name)
    if not text.strip():
        fail(name, "file is empty", hint="ファイルが空です")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    lines: list[Line] = []
    try:
        for number, cells in enumerate(reader, 1):  # a blank line is a (blank) row too
            lines.append((number, list(cells)))
    except csv.Error as e:
        fail(name, f"unreadable CSV at line {reader.line_num}: {e}")
    return _table_source(name, "csv", lines, opts, encoding=encoding, strict_width=True)


def read_xlsx(local: Path, name: str, opts: ReadOptions) -> FeatureSource:
    """The first worksheet of a workbook, or the one ``opts.layer`` names."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(local, read_only=True, data_only=True)
    except Exception as e:  # BadZipFile, KeyError, InvalidFileException ... for non-xlsx files
        fail(
            name,
            f"not a readable .xlsx file: {short(e)}",
            hint="Excel で .xlsx として保存し直してください",
        )
    try:
        sheets = workbook.worksheets
        if not sheets:
            fail(name, "the workbook has no worksheets")
        sheet = sheets[0]
        if opts.layer is not None:
            matches = [s for s in sheets if s.title == opts.layer] or [
                s for s in sheets if s.title.casefold() == opts.layer.strip().casefold()
            ]
            if not matches:
                fail(
                    name,
                    f"no sheet '{opts.layer}' in the workbook",
                    hint="sheets: " + ", ".join(s.title for s in sheets),
                )
            sheet = matches[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a wrong <dimension> would otherwise cut columns off
        lines = [
            (number, [_xlsx_value(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    except InputError:
        raise
    except Exception as e:  # corrupt sheet XML
        fail(name, f"cannot read the workbook: {short(e)}")
    finally:
        workbook.close()
    source = _table_source(name, "xlsx", lines, opts, encoding=None, strict_width=False)
    source.sheet = sheet.title
    for problem in source.problems:
        problem.sheet = sheet.title
    return source


def _xlsx_value(value: Any) -> Any:
    """Dates to ISO text (a date-only cell without 'T00:00:00'); blank text to None."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, str) and not value.strip():
        return None
    return value


_HEADER_HINT = "1行目に列名 (name, latitude, longitude …) を入れてください"
_COMMA_HINT = 'a value may contain an unquoted comma: カンマを含む値は "…" で囲んでください'
_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


def _looks_like_data(cells: list[Any]) -> bool:
    """A first line of numbers (or with a decimal such as 34.34) is data, not column names."""
    filled = [c for c in cells if not is_blank(c)]
    if not filled:
        return True
    texts = [unicodedata.normalize("NFKC", str(c)).strip() for c in filled]
    if any(_DECIMAL.match(t) for t in texts) or any(isinstance(c, float) for c in filled):
        return True
    return all(
        isinstance(c, int | float) or _is_number(t) for c, t in zip(filled, texts, strict=True)
    )


def _is_label_line(cells: list[Any]) -> bool:
    """A line of column labels: some text, and not one cell that is a number."""
    filled = [c for c in cells if not is_blank(c)]
    if not filled:
        return False
    for cell in filled:
        if isinstance(cell, int | float):
            return False
        if _is_number(unicodedata.normalize("NFKC", str(cell)).strip().replace(",", "")):
            return False
    return True


def _is_number(text: str) -> bool:
    """Whether ``float`` reads ``text`` (so also '1e3', 'inf' and ' 12 ')."""
    with suppress(ValueError):
        float(text)
        return True
    return False


def _header_index(lines: list[Line]) -> int:
    """Skip one-cell title lines above the header, as Japanese spreadsheets often have."""

    def filled(cells: list[Any]) -> int:
        return sum(not is_blank(c) for c in cells)

    head = lines[:20]
    if head and filled(head[0][1]) == 1 and any(filled(cells) >= 2 for _, cells in head):
        for index, (_, cells) in enumerate(head):
            if filled(cells) >= 2:
                return index
    return 0


def _table_source(
    name: str,
    fmt: str,
    all_lines: list[Line],
    opts: ReadOptions,
    *,
    encoding: str | None,
    strict_width: bool,
) -> FeatureSource:
    """Header, optional label line and rows of a table, with geometry from coordinate columns."""
    columns, body = _header(name, fmt, all_lines)
    spec = geometry_spec(columns, opts, name)
    problems: list[Problem] = []
    rows: list[Row] = []
    width = len(columns)
    labels: dict[str, str] = {}
    if opts.label_line and body and _is_label_line(body[0][1][:width]):
        labels = {
            column: clean_key(cell)
            for column, cell in zip(columns, body[0][1], strict=False)
            if not is_blank(cell)
        }
        body = body[1:]
    for number, cells in body:
        values = [None if is_blank(c) else c for c in cells]
        extra = [v for v in values[width:] if v is not None]
        if extra and strict_width:
            problems.append(
                Problem(
                    name,
                    f"{width + len(values[width:])} values but the header has {width} columns",
                    row=number,
                    row_label="row",
                    value=clip(", ".join(str(v) for v in extra)),
                    hint=_COMMA_HINT,
                )
            )
        values = (values + [None] * width)[:width]
        props = dict(zip(columns, values, strict=True))
        geometry = row_geometry(spec, props, number, name, problems) if spec else None
        rows.append(Row(number, props, geometry))
    return FeatureSource(
        path=Path(name),
        name=name,
        format=fmt,
        row_label="row",
        columns=columns,
        rows=rows,
        encoding=encoding,
        problems=problems,
        geometry_columns=spec.columns if spec else [],
        source_crs=None,
        labels=labels,
    )


def _header(name: str, fmt: str, all_lines: list[Line]) -> tuple[list[str], list[Line]]:
    """The column names, and the non-blank lines below the header line."""
    lines = [(n, cells) for n, cells in all_lines if any(not is_blank(c) for c in cells)]
    if not lines:
        what = "sheet" if fmt == "xlsx" else "file"
        fail(
            name,
            f"the {what} has no header line",
            hint=_HEADER_HINT,
        )
    start = _header_index(lines)
    header_number, header_cells = lines[start]
    while header_cells and is_blank(header_cells[-1]):
        header_cells = header_cells[:-1]
    if _looks_like_data(header_cells):
        fail(
            name,
            f"no header: line {header_number} looks like data, not column names",
            hint=_HEADER_HINT,
        )
    columns = unique_keys([None if is_blank(c) else str(c) for c in header_cells])
    return columns, lines[start + 1 :]
