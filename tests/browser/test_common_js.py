"""common.js in Chromium: the one JS copy of geo/text.py fold() folds as Python does.

The residents' list is searched in the page (instant, no request per key press), so the page's
folding must match the server's, which folds town names and the places' `q` filter: the same
query finds the same places in both. The strings are the tricky ones: half-width kana with
voicing marks, ligatures and squared words that NFKC expands, every character Python's regex
``\\s`` counts as a space (JavaScript's ``\\s`` is a different set), case rules with special
cases, characters outside the BMP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo.text import fold
from tests.browser.conftest import Server

pytestmark = pytest.mark.browser

TRICKY = [
    "サロン　Ａ", "ｻﾛﾝ", "さろん", "コミュニティ・カフェ", "ｺﾐｭﾆﾃｨ･ｶﾌｪ", "ﾃﾞｲｻｰﾋﾞｽ", "ｶﾞｷﾞｸﾞ",
    "ＡＢＣ－１２３", "ー―‐－-", "ヴァイオリン", "ヵヶ", "ヷヸヹヺ", "ゟゖ", "㈱テスト", "①②③",
    "㍻", "ﬁﬂ", "İstanbul", "ΣΑΣ ΟΔΟΣ", "Straße", "ǅ", "𠮷野家", "😀 カフェ",
    "tab\tnew\nline\rcr\x0bvt\x0cff", "a\x1cb\x1dc\x1ed\x1fe", "a\x85b", "a\xa0b", "a\u1680b",
    "a\u2000b\u2005c\u200ad", "a\u2028b\u2029c", "a\u202fb\u205fc", "a\u3000b",
    "a\ufeffb", "a\u200bb", "a\u2212b", "〜～", "新潟市中央区学校町通一番町（デモ）",
    "関屋本村町１丁目", "", "   ",
]


def test_fold_in_the_page_matches_geo_text_fold(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/map/15100")
    page.wait_for_function("() => window.Tsudoi && typeof window.Tsudoi.fold === 'function'")
    folded = page.evaluate("(texts) => texts.map((s) => window.Tsudoi.fold(s))", TRICKY)
    mismatched = [
        (text, got, fold(text)) for text, got in zip(TRICKY, folded, strict=True)
        if got != fold(text)
    ]
    assert mismatched == []


def test_fold_has_one_copy_in_the_page_scripts() -> None:
    scripts = Path(__file__).resolve().parents[2] / "layers" / "static" / "tsudoi"
    holders = [p.relative_to(scripts).as_posix() for p in sorted(scripts.rglob("*.js"))
               if "function fold(" in p.read_text(encoding="utf-8")]
    assert holders == ["common.js"]
