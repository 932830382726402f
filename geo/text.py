"""Folding text for matching and search only; stored text is never rewritten."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u3000・･\-‐－ー―]+")


def _kata_to_hira(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def fold(text: str | None) -> str:
    """NFKC, lower case, katakana to hiragana, no spaces or dashes: 'サロン　Ａ' ~ 'さろんa'."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text).lower()
    t = _kata_to_hira(t)
    return _SPACES.sub("", t)


def clean(value: object) -> str | None:
    """Trim a cell to text, or None when empty; the text itself is kept as given."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas/openpyxl
        return None
    text = str(value).strip()
    return text or None
