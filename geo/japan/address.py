"""Japanese addresses folded for matching, and the prefecture and municipality they name.

Only for matching: stored text stays as given. Real lists write one town many ways — full or
half width, 三丁目 or 3丁目 or 3-, 大字/字 or not, 旭ヶ丘/旭ケ丘/旭が丘, 市之町/市ノ町, with or
without prefecture and city, and in Kyoto a street direction (河原町通三条上る) before the town.
``normalise`` maps all of these to one form; the gazetteer keys its town names the same way, so
both sides always fold alike. The municipality an address names is parsed with N03's names from
the bundled gazetteer (郡 and designated cities' wards included), so an importer can refuse a row
of another city with both names; a name two municipalities share (府中市, 伊達市) without its
prefecture is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from geo.japan import town_data

_SPACE = re.compile(r"\s+")
_POSTCODE = re.compile(r"^〒?\d{3}-?\d{4}")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−─━"})
_LONG_VOWEL_DASH = re.compile(r"(?<=\d)ー(?=\d)")
#: Variant spellings of one kana/kanji in place names: ヶ/ケ/が, の/ノ/之/乃, old kanji forms.
_VARIANTS = str.maketrans(
    "ヶヵがガノ之乃﨑髙檮龍邊邉澤濱嶋齋齊舘淵籠檜瀧廣櫻藪曾莊",
    "ケケケケののの崎高梼竜辺辺沢浜島斎斉館渕篭桧滝広桜薮曽荘",
)
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
#: A kanji number followed by a counter of the address system (丁目, Hokkaido's 条 and 線,
#: Iwate's 地割, 号 of numbered 大字, 番町 and Niigata's の町): only these are rewritten, so 一宮町
#: or 八幡 stay as they are (both sides are folded alike, so that is safe either way).
_KANJI_NUMBER = re.compile(
    r"[〇一二三四五六七八九十百千]+(?=丁目|丁|条|線|地割|号|番町|番丁|[のノ之乃]町)"
)
#: Kyoto's street directions: …通…上る/下る/東入/西入 come before the town name.
_DIRECTION = re.compile(r"(?:[上下]ケ?[るル]|[東西]入[るル]?)")


def kanji_number(text: str) -> int:
    """三 → 3, 十二 → 12, 二十 → 20, 百五 → 105; 二〇 (digit by digit) → 20."""
    if not any(c in _KANJI_UNITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total = current = 0
    for char in text:
        if char in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[char]
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[char]
    return total + current


def normalise(text: str) -> str:
    """The matching form of an address or a place name.

    NFKC (full width → half width), no spaces or postcode, one dash, one spelling of the
    ヶ and の variants and of a few old kanji, arabic numbers before 丁目/条/線/地割/号, and
    no 大字/字 (which real addresses write or leave out at will).
    """
    t = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    t = _POSTCODE.sub("", t)
    t = _LONG_VOWEL_DASH.sub("-", t.translate(_DASHES)).translate(_VARIANTS)
    t = _KANJI_NUMBER.sub(lambda m: str(kanji_number(m.group(0))), t)
    return t.replace("大字", "").replace("字", "")


def after_street_direction(text: str) -> str | None:
    """What follows the last Kyoto street direction (上る, 下ル, 東入 …) of normalised text,
    or None when it has none: '河原町通三条上る下丸屋町' → '下丸屋町'."""
    ends = [m.end() for m in _DIRECTION.finditer(text)]
    return text[ends[-1]:] if ends else None


@dataclass(frozen=True)
class Named:
    """The prefecture and municipality an address starts with, and the text after them.

    ``codes`` holds every municipality the words could mean: one when the address is clear,
    several when a name is shared and the prefecture is missing (府中市 → 13206 and 34208),
    none when only a prefecture is named.
    """

    prefecture: str | None
    codes: tuple[str, ...]
    rest: str  # normalised
    words: str  # the normalised municipality words matched, '' when none

    @property
    def code(self) -> str | None:
        """The municipality named, or None when there is none or more than one."""
        return self.codes[0] if len(self.codes) == 1 else None


@dataclass(frozen=True)
class _Names:
    prefectures: tuple[str, ...]
    forms: dict[str, tuple[str, ...]]  # normalised name form → codes
    longest: int


@functools.cache
def _names() -> _Names:
    """Every way an address writes a municipality: 菰野町, 三重郡菰野町, 京都市, 京都市中京区,
    and a ward alone (中京区)."""
    forms: dict[str, set[str]] = {}
    munis = town_data.index()
    for muni in munis.values():
        spellings = {muni.name, muni.county + muni.name}
        ward = muni.ward_name
        if ward:
            spellings.add(ward)
        for spelling in spellings:
            forms.setdefault(normalise(spelling), set()).add(muni.code)
    prefectures = tuple(sorted({m.prefecture for m in munis.values()}, key=len, reverse=True))
    return _Names(
        prefectures,
        {k: tuple(sorted(v)) for k, v in forms.items()},
        max(len(k) for k in forms),
    )


def parse_municipality(address: str) -> Named | None:
    """The prefecture and municipality ``address`` names at its start, or None if neither.

    The longest municipality name wins (三重郡川越町 over 川越町, 京都市中京区 over 京都市);
    with a prefecture only its municipalities count, so 東京都府中市 is 13206 while 府中市 alone
    is ambiguous (13206, 34208).
    """
    text = normalise(address)
    names = _names()
    prefecture = next((p for p in names.prefectures if text.startswith(p)), None)
    rest = text[len(prefecture):] if prefecture else text
    munis = town_data.index()
    for size in range(min(names.longest, len(rest)), 0, -1):
        codes = names.forms.get(rest[:size])
        if codes and prefecture:
            codes = tuple(c for c in codes if munis[c].prefecture == prefecture)
        if codes:
            return Named(prefecture, codes, rest[size:], rest[:size])
    if prefecture:
        return Named(prefecture, (), rest, "")
    return None


def municipality_code(address: str) -> str | None:
    """The JIS code of the municipality ``address`` names, or None when it names none or its
    words fit several municipalities (伊達市 without 北海道 or 福島県)."""
    named = parse_municipality(address)
    return named.code if named else None


def display_name(code: str) -> str:
    """'京都府京都市中京区', '三重県三重郡川越町': the municipality as a message names it."""
    muni = town_data.municipality(code)
    return f"{muni.prefecture}{muni.county}{muni.name}"
