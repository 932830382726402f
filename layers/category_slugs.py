"""ASCII slugs for the categories a file creates (--create-categories), from the label's reading.

Why: a slug goes into URLs (``?category=``), place ids and the API, where 地域包括支援せんた
(katakana folded to hiragana, the long vowel gone) helps nobody. The label is read with pykakasi
(kanji and kana to Hepburn), written as Japanese words are usually spelt in ASCII (包括 hōkatsu →
``hokatsu``), and the katakana loanwords cities use are given their English spelling
(センター → ``center``); a loanword the table lacks keeps its long vowels (スーパー → ``suupaa``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

MAX_LENGTH = 60

# Katakana loanwords in the names of community places, spelt as their source words.
_LOANWORDS: dict[str, str] = dict(
    pair.split()
    for pair in re.findall(
        r"\S+ \S+",
        """
センター center サロン salon カフェ cafe コミュニティ community コミュニティー community
ボランティア volunteer クラブ club ハウス house ルーム room モデル model サポート support
ステーション station プラザ plaza ホール hall スペース space ケア care オレンジ orange
ネット net ネットワーク network ワーク work サービス service スポーツ sports ヘルス health
グループ group ホーム home デイ day サークル circle カレッジ college ライフ life ランチ lunch
ティー tea パーク park ガーデン garden キッチン kitchen シニア senior ファミリー family
キッズ kids フレイル frailty ウォーキング walking ヨガ yoga ダンス dance カラオケ karaoke
マルシェ marche ショップ shop スーパー super ストア store オフィス office ライブラリー library
ギャラリー gallery スタジオ studio テラス terrace ラウンジ lounge ベース base ポイント point
ボッチャ boccia ゲーム game ミニ mini デイサービス day-service ヘルパー helper
リハビリ rehabilitation トレーニング training エクササイズ exercise カラダ karada オープン open
フリー free スクール school タウン town ステップ step アップ up ハウジング housing
プレイス place
""",
    )
)
_KATAKANA = re.compile(r"^[\u30a0-\u30ffー]+$")
_WORD = re.compile(r"[a-z0-9]+")
_LONG = (("ou", "o"), ("uu", "u"), ("oo", "o"))  # 包括 houkatsu → hokatsu, 大阪 oosaka → osaka
_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")


def one_line(label: str) -> str:
    """A label from a multi-line cell on one line: a break between Japanese characters goes,
    one between words becomes a space."""

    def join(m: re.Match[str]) -> str:
        before, after = m.string[m.start() - 1 : m.start()], m.string[m.end() : m.end() + 1]
        return " " if before.isascii() and after.isascii() else ""

    return _LINE_BREAK.sub(join, label.strip())


def slug_of(label: str) -> str:
    """The ASCII slug of a label: 地域包括支援センター → ``chiiki-hokatsu-shien-center``."""
    words: list[str] = []
    for token in _kakasi().convert(unicodedata.normalize("NFKC", one_line(label))):
        words.extend(_words(token))
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_LENGTH:
            break
        slug = longer
    return slug


def _words(token: dict[str, Any]) -> list[str]:
    """The ASCII words of one pykakasi token: loanwords by the table, other katakana as read
    (long vowels kept), kanji and hiragana with their long vowels as usually written."""
    orig = str(token["orig"])
    if _KATAKANA.match(orig):
        return [w for part in _loanword_parts(orig) for w in _WORD.findall(part)]
    text = str(token["hepburn"]).lower()
    if orig != text and not orig.isascii():
        for long, short in _LONG:
            text = text.replace(long, short)
    return _WORD.findall(text)


def _loanword_parts(run: str) -> list[str]:
    """A katakana run split into the table's loanwords (longest first) and the rest as read."""
    parts: list[str] = []
    rest = ""
    i = 0
    while i < len(run):
        hit = next(
            (w for n in range(len(run) - i, 0, -1) if (w := run[i : i + n]) in _LOANWORDS), None
        )
        if hit is None:
            rest += run[i]
            i += 1
            continue
        if rest:
            parts.append(_read(rest))
            rest = ""
        parts.append(_LOANWORDS[hit])
        i += len(hit)
    if rest:
        parts.append(_read(rest))
    return parts


def _read(katakana: str) -> str:
    """Katakana as Hepburn, long vowels kept (スーパー → suupaa)."""
    return "".join(str(t["hepburn"]) for t in _kakasi().convert(katakana)).lower()


@cache
def _kakasi() -> Any:
    """pykakasi's converter; its dictionaries load once, when a category is first created."""
    import pykakasi

    return pykakasi.kakasi()
