"""Finding a town (町丁目) by what a resident types, the way addresses are matched.

Why: people type 「関屋本村町1丁目」 where the list says 一丁目, add or drop 大字/字, spaces and
full-width digits. The typed text and each name are folded alike (geo.japan.address.normalise,
then geo.text.fold), a trailing number counts as a 丁目 number (「本村町1」, 「本村町一」), and
matches come in natural order, so 一丁目, 二丁目, 三丁目 … follow each other and 十丁目 comes last.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from pyproj import Geod

from geo.japan.address import kanji_number, normalise
from geo.model import Town
from geo.text import fold

_TRAILING_KANJI = re.compile(r"[〇一二三四五六七八九十]+$")
_DIGITS = re.compile(r"(\d+)")
_GEOD = Geod(ellps="GRS80")


@functools.lru_cache(maxsize=65536)
def town_key(text: str) -> str:
    """The matching form of a town name or of typed text: 一丁目 = 1丁目 = １丁目, no 大字/字."""
    return fold(normalise(text))


def query_key(text: str) -> str:
    """What was typed, folded; a kanji number at its end is read as a 丁目 number (本村町一)."""
    stripped = text.strip()
    tail = _TRAILING_KANJI.search(stripped)
    if tail and tail.start() > 0:
        stripped = stripped[: tail.start()] + str(kanji_number(tail.group(0)))
    return town_key(stripped)


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers compared as numbers: 2丁目 before 10丁目."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(text) if part
    )


def find_towns(towns: list[Town], q: str, limit: int | None = None) -> list[Town]:
    """Towns whose name, reading or ward holds q: exact names first, then names starting with
    it, each group in natural 丁目 order, then by ward and id."""
    key = query_key(q)
    if not key:
        return sorted(towns, key=lambda t: t.id)[:limit]
    found = []
    for t in towns:
        name = town_key(t.name)
        if key in name or key in fold(t.kana) or key in town_key(f"{t.area or ''}{t.name}"):
            found.append(
                (name != key, not name.startswith(key), natural_key(name), t.area or "", t.id, t)
            )
    found.sort(key=lambda row: row[:5])
    return [row[5] for row in found][:limit]


def nearest_town(towns: Sequence[tuple[str, float, float]], lon: float, lat: float) -> str | None:
    """The name of the town (name, lon, lat) nearest to a point, in geodesic metres: to say
    where a street point lies."""
    if not towns:
        return None
    n = len(towns)
    _, _, dist = _GEOD.inv([lon] * n, [lat] * n, [t[1] for t in towns], [t[2] for t in towns])
    best = min(range(n), key=lambda i: (dist[i], towns[i][0]))
    return towns[best][0]
