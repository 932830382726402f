"""The parts beside a .shp, and the code page of its .dbf when no .cpg names one.

Without a .cpg (and with no code-page byte) GDAL decodes a .dbf as ISO-8859-1, which turns the
CP932 text of most Japanese shapefiles into mojibake without any error; the bytes are looked at
here instead.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path


def sibling(path: Path, suffix: str) -> Path | None:
    """The shapefile part beside `path`, whatever the case of its extension (.DBF, .Prj ...)."""
    wanted = (path.stem + suffix).lower()
    try:
        return next((c for c in path.parent.iterdir() if c.name.lower() == wanted), None)
    except OSError:
        return None


def cpg_encoding(shp: Path) -> str | None:
    """The code page a .cpg names ('UTF-8', 'CP932', '932', 'SJIS'), if Python knows it."""
    raw = _part_bytes(shp, ".cpg")
    if raw is None:
        return None
    declared = raw.decode("ascii", errors="ignore").strip()
    if declared.isdigit():
        declared = "utf-8" if declared == "65001" else f"cp{declared}"
    try:
        return codecs.lookup(declared).name
    except LookupError:
        return None


def dbf_guess(shp: Path) -> str | None:
    """The encoding the .dbf's text bytes decode in ('UTF-8', 'CP932'), whatever a .cpg says."""
    raw = _part_bytes(shp, ".dbf", 8 * 1024 * 1024)
    if raw is None:
        return None
    return _guess_encoding(_dbf_texts(raw))


def _part_bytes(shp: Path, suffix: str, limit: int = -1) -> bytes | None:
    """The first ``limit`` bytes (all: -1) of a part beside the .shp; None if missing/unreadable."""
    part = sibling(shp, suffix)
    if part is None:
        return None
    try:
        with part.open("rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def dbf_encoding(shp: Path) -> str | None:
    """Guess the .dbf code page when no .cpg says it (None: let GDAL decide)."""
    if sibling(shp, ".cpg") is not None:
        return None
    return dbf_guess(shp)


def _dbf_texts(data: bytes) -> list[bytes]:
    """Field names and character-field values of a dBASE file, as raw bytes."""
    if len(data) < 32:
        return []
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    texts: list[bytes] = []
    text_fields: list[tuple[int, int]] = []
    offset = 1  # each record starts with the deletion flag
    for start in range(32, min(header_len, len(data)) - 31, 32):
        if data[start] == 0x0D:
            break
        descriptor = data[start : start + 32]
        texts.append(descriptor[:11].split(b"\x00", 1)[0])
        length = descriptor[16]
        if chr(descriptor[11]) in "CM":
            text_fields.append((offset, length))
        offset += length
    if record_len <= 0:
        return texts
    for record_start in range(header_len, len(data) - record_len + 1, record_len):
        record = data[record_start : record_start + record_len]
        texts.extend(record[a : a + n] for a, n in text_fields)
    return texts


def _guess_encoding(texts: Iterable[bytes]) -> str | None:
    """UTF-8 if every non-ASCII text decodes as UTF-8, else CP932 if that decodes more of them.

    A fixed-width field may cut the last multibyte character, so an error at the very end of a
    value does not count against either encoding.
    """
    non_ascii = utf8_bad = cp932_bad = 0
    for raw in texts:
        value = raw.rstrip(b" \x00")
        if value.isascii():
            continue
        non_ascii += 1
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.reason != "unexpected end of data":
                utf8_bad += 1
        try:
            value.decode("cp932")
        except UnicodeDecodeError as e:
            if e.reason != "incomplete multibyte sequence":
                cp932_bad += 1
    if not non_ascii:
        return None
    if not utf8_bad:
        return "UTF-8"
    if cp932_bad < utf8_bad:
        return "CP932"
    return None
