"""How many A4 pages a sheet will take, estimated before it is drawn, to shorten the map only
when that saves a page.

English takes more room than Japanese on the same sheet (its schedules are words, not
「毎月第2水曜」), so a list that fits two pages in Japanese can spill onto a third in English.
A shorter map on page 1 leaves room for two or three more places; it is used only when the
estimate says it keeps the sheet a page shorter. The estimate reads the vendored font's advance
widths (BIZ UDPGothic, the font both the browser and the PDF use) and wraps each text as a line
breaker would: Japanese between any two characters, Latin at spaces. The lengths below are
those of ``layers/static/tsudoi/print.css``; change them together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files

from layers.paper.map_svg import COMPACT_HEIGHT, HEIGHT

PT = 25.4 / 72  # mm per point
PAGE_H = 297 - 9 - 10  # mm inside @page's margins
PAGE_W = 192  # .sheet's width
LINE = 12 * 1.25 * PT  # body: 12 pt, line-height 1.25
SAFETY = 4.0  # mm kept spare on each page: the estimate must err towards the shorter map
COLUMNS = (9, 66, 79, 38)  # the list's columns (mm, padding included)
CELL_PAD = 1.6  # a cell's left and right padding together
ROW_EXTRA = 1.2 + 0.2  # a row's top and bottom padding and its rule
HEAD_ROW = LINE + 1.0 + 0.4  # the column headings, repeated on every page
SIDE_W = PAGE_W - 118 - 4  # beside the map: the sheet less the map and the gap
QR, SHORT_QR = 32 + 2, 26 + 2  # the QR code and its margins, beside the full and short maps
H1_LINE = 20 * 1.2 * PT
H2 = 14 * 1.25 * PT + 2.0  # a section heading with its margins

_FONT_DIR = "static/vendor/biz-udpgothic-1.051"
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"  # kana, kanji, full-width forms: break anywhere
_WIDE = re.compile(f"[{_CJK}]")
_TOKENS = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+|\\s+")  # a character, a word, or spaces


@cache
def _advances(bold: bool) -> tuple[dict[int, int], float]:
    """Character → advance width in font units, and the units per em."""
    from fontTools.ttLib import TTFont  # read once, on the first sheet

    name = "BIZUDPGothic-Bold.woff" if bold else "BIZUDPGothic-Regular.woff"
    with as_file(files("layers") / _FONT_DIR / name) as path:
        font = TTFont(str(path), lazy=True)
        metrics = font["hmtx"].metrics
        widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
        return widths, float(font["head"].unitsPerEm)


def text_width(text: str, size_pt: float = 12, bold: bool = False) -> float:
    """The text's width in mm on one line (a character the font lacks counts as a full em)."""
    widths, em = _advances(bold)
    units = sum(widths.get(ord(c), em) for c in text)
    return units / em * size_pt * PT


def lines(text: str, width_mm: float, size_pt: float = 12, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a box ``width_mm`` wide (at least one)."""
    count, used = 1, 0.0
    for token in _TOKENS.findall(text):
        w = text_width(token, size_pt, bold)
        if token.isspace():
            used += w
            continue
        if used + w > width_mm and used > 0:
            count, used = count + 1, 0.0
        if w > width_mm and not _WIDE.match(token):  # a long word or address: broken anywhere
            extra = math.ceil(w / width_mm) - 1
            count, used = count + extra, w - extra * width_mm
        else:
            used += w
    return count


@dataclass(frozen=True)
class Row:
    """One place of the list as its three text columns print it."""

    name: str  # bold, with the ＊ of a private home
    address: str | None
    when: Sequence[str]  # the schedule, then the next dates: a line break between
    phone: str | None  # never broken
    fee: str | None

    def height(self) -> float:
        inner = [c - CELL_PAD for c in COLUMNS]
        left = lines(self.name, inner[1], bold=True) + (
            lines(self.address, inner[1]) if self.address else 0)
        middle = sum(lines(part, inner[2]) for part in self.when)
        right = (1 if self.phone else 0) + (lines(self.fee, inner[3]) if self.fee else 0)
        return max(left, middle, right, 1) * LINE + ROW_EXTRA


@dataclass(frozen=True)
class FirstPage:
    """What stands above the list on page 1, as texts."""

    city: str  # at 14 pt, before the title
    title: str  # at 20 pt
    made_on: str  # beside the title while it fits
    kinds: str | None
    side: Sequence[str]  # the paragraphs beside the map, under the QR code
    url: str
    contacts: Sequence[str]  # a paragraph each
    note: str  # under the list's heading

    def height(self, short: bool) -> float:
        """From the top of page 1 to the list's column headings, with the full or short map."""
        head = text_width(self.city + " ", 14, bold=True) + text_width(self.title, 20, bold=True)
        title_lines = math.ceil(head / PAGE_W)
        made_beside = head + 4 + text_width(self.made_on) <= PAGE_W * title_lines
        top = title_lines * H1_LINE + (0 if made_beside else LINE) + 1.6
        if self.kinds:
            top += lines(self.kinds, PAGE_W) * LINE
        side = (SHORT_QR if short else QR) + 1 + sum(lines(p, SIDE_W) for p in self.side) * LINE
        side += math.ceil(text_width(self.url) / SIDE_W) * LINE  # broken anywhere
        top += 2 + max((COMPACT_HEIGHT if short else HEIGHT) / 10, side)
        top += H2 + sum(lines(c, PAGE_W) for c in self.contacts) * LINE
        top += H2 + lines(self.note, PAGE_W) * LINE + 1.0
        return top


def pages(first: FirstPage, rows: Sequence[Row], short: bool) -> int:
    """The sheet's pages: rows are never split, and each page repeats the column headings."""
    count, room = 1, PAGE_H - SAFETY - first.height(short) - HEAD_ROW
    for row in rows:
        need = row.height()
        if need > room:
            count, room = count + 1, PAGE_H - SAFETY - HEAD_ROW
        room -= need
    return count


def map_height(first: FirstPage, rows: Sequence[Row]) -> int:
    """The map's height in its viewBox units (0.1 mm): the full one, unless the shorter one
    saves a page."""
    return COMPACT_HEIGHT if pages(first, rows, True) < pages(first, rows, False) else HEIGHT
