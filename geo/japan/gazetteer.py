"""Every 町丁目/大字 of Japan with a representative point, and addresses matched to them.

Why: many real lists of サロン and 通いの場 give a 住所 and no coordinates. Such a row is placed at
its town's point, from the bundled gazetteer (geo/japan/town_data.py; Geolonia 住所データ,
CC BY 4.0, © Geolonia), read one municipality at a time. A town is found as the longest town
name the normalised address starts with once its prefecture, city and ward are taken off
(geo/japan/address.py says how text is normalised); 3-5-1 after a name that only exists with
丁目 means 3丁目, and a 小字 after the town is used when the gazetteer has it.

Precision of a match: ``koaza`` (a 小字's point), ``town`` (the 町丁目 or 大字 itself) or
``ooaza`` (only the name before 丁目 matched, e.g. 朝日町 of 朝日町一〜六丁目: the mean of its
丁目 points).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from geo.japan import town_data
from geo.japan.address import after_street_direction, normalise, parse_municipality
from geo.japan.town_data import CREDIT, Municipality

__all__ = ["CREDIT", "NoMatch", "Town", "TownMatch", "match_town", "towns"]

Precision = Literal["koaza", "town", "ooaza"]
Reason = Literal[
    "empty", "other_municipality", "other_prefecture", "no_town", "ambiguous_town", "no_point"
]

#: Numbered parts of one name: 朝日町三丁目, 古町通十三番町, 五十嵐二の町 (normalised).
_CHOME = re.compile(r"^(.+?)(\d+)(?:丁目|番町|の町)$")
_CHOME_ORIGINAL = re.compile(r"[〇一二三四五六七八九十百千\d]+(?:丁目|番町|[のノ之乃]町)$")
_NUMBER_AFTER = re.compile(r"(\d+)(丁目|丁|番町|の町|-|の|$)")
_COUNTERS = ("丁目", "丁", "番町", "の町")
_HINT_HEAD = re.compile(r"^[^\d-]{1,12}")
_NO_OOAZA = "（大字なし）"


@dataclass(frozen=True)
class Town:
    """A town with its point; ``ward_code`` is its ward when the city has wards, else None."""

    name: str
    lat: float
    lon: float
    ward_code: str | None


@dataclass(frozen=True)
class TownMatch:
    """Where an address lands: the town (and 小字) it names and that place's point."""

    code: str  # the municipality holding the town: the ward, for a designated city
    town: str  # as the gazetteer writes it ('朝日町一丁目'); the bare name for ``ooaza``
    koaza: str | None
    lat: float
    lon: float
    precision: Precision
    matched: str  # the normalised words of the address that named the place


@dataclass(frozen=True)
class NoMatch:
    """Why an address was not placed, with the nearest town names of the city as hints."""

    reason: Reason
    hints: tuple[str, ...] = ()
    named: tuple[str, ...] = ()  # the municipalities the address names, when not this city


@dataclass(frozen=True)
class _Entry:
    code: str
    town: str
    lat: float | None
    lon: float | None


@dataclass
class _Index:
    """Matching keys of one municipality or of a designated city's wards together."""

    keys: dict[str, list[_Entry]]
    chome: dict[str, dict[int, list[_Entry]]]  # base key → 丁目 number → entries
    bases: dict[str, str]  # base key → the name before 丁目 as written ('朝日町')
    koaza: dict[tuple[str, str], dict[str, _Entry]]  # (code, town) → koaza key → entry
    hints: dict[str, str]  # key → name shown in a hint
    longest: int


def _mean(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    if not points:
        return None, None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _entries(code: str) -> tuple[list[_Entry], dict[str, list[_Entry]]]:
    """Towns of one municipality (a town given only by its 小字 gets their mean point) and
    each town's 小字; the 小字 of （大字なし） are towns in their own right."""
    grouped: dict[str, list[town_data.Row]] = defaultdict(list)
    for row in town_data.rows(code):
        grouped[row.town].append(row)
    towns: list[_Entry] = []
    koaza: dict[str, list[_Entry]] = {}
    for name, rows in grouped.items():
        subs = [_Entry(code, r.koaza, r.lat, r.lon) for r in rows if r.koaza]
        if name == _NO_OOAZA:
            towns += subs
            continue
        base = [r for r in rows if not r.koaza]
        if base:
            lat, lon = base[0].lat, base[0].lon
        else:
            lat, lon = _mean([(p[1], p[2]) for p in _located(subs)])
        towns.append(_Entry(code, name, lat, lon))
        koaza[name] = subs
    return towns, koaza


def _label(entry: _Entry) -> str:
    """The town as a hint names it: with its ward ('中京区下丸屋町') when it has one."""
    return f"{town_data.municipality(entry.code).ward_name or ''}{entry.town}"


def _add_town(idx: _Index, entry: _Entry, koaza: list[_Entry], several: bool) -> None:
    key = normalise(entry.town)
    idx.keys.setdefault(key, []).append(entry)
    idx.hints.setdefault(key, _label(entry) if several else entry.town)
    idx.koaza[(entry.code, entry.town)] = {normalise(k.town): k for k in koaza}
    chome = _CHOME.match(key)
    if chome:
        base = chome.group(1)
        idx.chome.setdefault(base, {}).setdefault(int(chome.group(2)), []).append(entry)
        idx.bases.setdefault(base, _CHOME_ORIGINAL.sub("", entry.town))
        idx.hints.setdefault(base, idx.bases[base])  # '番町' is the nearer hint for '番長'


def _add_short_bases(idx: _Index) -> None:
    """関屋下川原町 of 関屋下川原町一〜二丁目 is also found as 関屋下川原 (real lists drop the 町
    before the number), unless that is a name of its own."""
    for base in list(idx.chome):
        short = base.removesuffix("町")
        if short != base and len(short) >= 2 and short not in idx.keys and short not in idx.chome:
            idx.chome[short] = idx.chome[base]
            idx.bases[short] = idx.bases[base]


@functools.lru_cache(maxsize=64)
def _index(codes: tuple[str, ...]) -> _Index:
    idx = _Index({}, {}, {}, {}, {}, 1)
    for code in codes:
        towns, koaza = _entries(code)
        for entry in towns:
            _add_town(idx, entry, koaza.get(entry.town, []), len(codes) > 1)
    _add_short_bases(idx)
    idx.longest = max([len(k) for k in [*idx.keys, *idx.chome]] or [1])
    return idx


def _scope_codes(muni: Municipality) -> tuple[str, ...]:
    """The municipalities whose towns a city holds: a designated city's wards, else itself."""
    return tuple(town_data.wards(muni.code)) or (muni.code,)


def towns(city_code: str) -> list[Town]:
    """Every town of a municipality that has a point, by name; a designated city's code gives
    its wards' towns (with ``ward_code``). Raises UnknownCity for a code the gazetteer lacks."""
    muni = town_data.municipality(city_code)
    codes = _scope_codes(muni)
    out: list[Town] = []
    for code in codes:
        ward = code if town_data.municipality(code).parent else None
        for entry in _entries(code)[0]:
            if entry.lat is not None and entry.lon is not None:
                out.append(Town(entry.town, entry.lat, entry.lon, ward))
    return sorted(out, key=lambda t: (t.name, t.ward_code or ""))


@dataclass(frozen=True)
class _Found:
    entries: list[_Entry]
    size: int  # characters of the text that named the town
    precision: Precision
    town: str


def _chome_found(idx: _Index, key: str, tail: str) -> _Found | None:
    """The town for a name that has 丁目: '朝日町' + '3丁目…' or '3-5-1' → 朝日町三丁目; with no
    usable number, the name as a whole (``ooaza``) unless a town of exactly that name exists."""
    group = idx.chome[key]
    number = _NUMBER_AFTER.match(tail)
    if number and int(number.group(1)) in group:
        counter = number.group(2) if number.group(2) in _COUNTERS else ""
        entries = group[int(number.group(1))]
        return _Found(entries, len(key) + len(number.group(1) + counter), "town", entries[0].town)
    if key in idx.keys:
        return None
    every = [e for entries in group.values() for e in entries]
    return _Found(every, len(key), "ooaza", idx.bases[key])


def _longest(idx: _Index, text: str) -> _Found | None:
    for size in range(min(idx.longest, len(text)), 0, -1):
        key, tail = text[:size], text[size:]
        if key[-1].isdigit() and tail[:1].isdigit():
            continue  # '東1' must not match the start of '東12'
        found = _chome_found(idx, key, tail) if key in idx.chome else None
        if found is None and key in idx.keys:
            found = _Found(idx.keys[key], size, "town", idx.keys[key][0].town)
        if found is not None:
            return found
    return None


def _find(idx: _Index, text: str) -> _Found | None:
    """The town ``text`` starts with. After a Kyoto street direction (…通…上る) when the text
    has one, unless the direction's characters belong to the town name itself (東入船町)."""
    direct = _longest(idx, text)
    after = after_street_direction(text)
    if not after:
        return direct
    skipped = len(text) - len(after)
    if direct is not None and direct.size >= skipped:
        return direct
    found = _longest(idx, after)
    if found is None:
        return direct
    return _Found(found.entries, found.size + skipped, found.precision, found.town)


def _hints(idx: _Index, text: str) -> tuple[str, ...]:
    head = _HINT_HEAD.match(text)
    words = head.group(0) if head else text[:12]
    close = difflib.get_close_matches(words, list(idx.hints), n=5, cutoff=0.3)
    return tuple(dict.fromkeys(idx.hints[k] for k in close))


def _located(entries: list[_Entry]) -> list[tuple[_Entry, float, float]]:
    return [(e, e.lat, e.lon) for e in entries if e.lat is not None and e.lon is not None]


def _koaza(idx: _Index, entry: _Entry, tail: str) -> tuple[_Entry, float, float, str] | None:
    """The 小字 of ``entry`` that ``tail`` starts with (longest first), if it has a point."""
    subs = idx.koaza.get((entry.code, entry.town), {})
    for size in range(len(tail), 0, -1):
        sub = subs.get(tail[:size])
        if sub is not None and sub.lat is not None and sub.lon is not None:
            return sub, sub.lat, sub.lon, tail[:size]
    return None


def _point(found: _Found, idx: _Index, text: str) -> TownMatch | NoMatch:
    """The TownMatch for a found town: its 小字 when the text goes on with one; a 丁目 the
    gazetteer has no point for falls back to the name as a whole."""
    if len({e.code for e in found.entries}) > 1:  # one name in two wards, no ward given
        return NoMatch("ambiguous_town", tuple(sorted(_label(e) for e in found.entries)))
    matched = text[: found.size]
    located = _located(found.entries)
    if located and found.precision == "town":
        entry, lat, lon = located[0]
        sub = _koaza(idx, entry, text[found.size:])
        if sub is not None:
            return TownMatch(entry.code, entry.town, sub[0].town, sub[1], sub[2], "koaza",
                             matched + sub[3])
        return TownMatch(entry.code, entry.town, None, lat, lon, "town", matched)
    base = _CHOME.match(normalise(found.entries[0].town))
    if found.precision == "town" and base and base.group(1) in idx.chome:
        group = idx.chome[base.group(1)]
        found = _Found([e for g in group.values() for e in g], len(base.group(1)), "ooaza",
                       idx.bases[base.group(1)])
        located = _located(found.entries)
        matched = text[: found.size]
    if not located:
        return NoMatch("no_point", (found.town,))
    lat = sum(p[1] for p in located) / len(located)
    lon = sum(p[2] for p in located) / len(located)
    return TownMatch(located[0][0].code, found.town, None, lat, lon, "ooaza", matched)


def _own(muni: Municipality) -> set[str]:
    return {muni.code, *town_data.wards(muni.code), *([muni.parent] if muni.parent else [])}


def _texts_for(muni: Municipality, address: str) -> tuple[tuple[str, ...], list[str]] | NoMatch:
    """The municipalities to search and the texts to try (after the address's prefecture and
    city first; whole, for a town named like its city: 蘭越町蘭越町), or why the address
    belongs elsewhere."""
    text = normalise(address)
    named = parse_municipality(address)
    scope = _scope_codes(muni)
    if named is None:
        return scope, [text]
    bare = text.removeprefix(named.prefecture or "")
    if not named.codes:
        if named.prefecture != muni.prefecture:
            return NoMatch("other_prefecture")
        return scope, [bare]
    mine = [c for c in named.codes if c in _own(muni)]
    if mine:
        code = mine[0]
        return (scope if code in (muni.code, muni.parent) else (code,)), [named.rest, bare]
    # Another municipality's name, unless the words are one of this city's towns (栄町 is a
    # town in many cities and also 千葉県印旛郡栄町): then the town name, as long, wins.
    found = _find(_index(scope), bare)
    if named.prefecture is None and found and found.size >= len(named.words):
        return scope, [bare]
    return NoMatch("other_municipality", named=named.codes)


def match_town(city_code: str, address: str) -> TownMatch | NoMatch:
    """Place ``address`` in a town of the municipality ``city_code`` (5-digit JIS code).

    NoMatch when the text is empty, names another municipality or prefecture, or starts with
    no town of the city (then with the closest town names as hints). Raises UnknownCity for a
    code the gazetteer lacks.
    """
    muni = town_data.municipality(city_code)
    if not normalise(address):
        return NoMatch("empty")
    resolved = _texts_for(muni, address)
    if isinstance(resolved, NoMatch):
        return resolved
    codes, texts = resolved
    idx = _index(codes)
    for text in texts:
        found = _find(idx, text)
        if found is not None:
            return _point(found, idx, text)
    return NoMatch("no_town", _hints(idx, texts[0]))
