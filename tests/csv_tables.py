"""Reading and writing the CSV tables the import tests spoil and fix, as Excel would."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path


def table(path: Path) -> list[list[str]]:
    """A CSV's rows, header first (a BOM or none)."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Rows as a CSV with CRLF line ends; ``utf-8-sig`` writes the BOM Excel writes."""
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


def rejects_of(path: Path) -> list[list[str]]:
    """A rejects file's rows, after checking it starts with the BOM Excel needs for UTF-8."""
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
