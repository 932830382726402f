"""Address text folded for matching, and the prefecture and municipality an address names.

Codes are the JIS codes of the bundled gazetteer's N03 names, e.g. 26104 京都市中京区,
24344 三重郡川越町, 13206 東京都府中市 and 34208 広島県府中市.
"""

from __future__ import annotations

import pytest

from geo.errors import UnknownCity
from geo.japan.address import (
    after_street_direction,
    display_name,
    kanji_number,
    municipality_code,
    normalise,
    parse_municipality,
)


@pytest.mark.parametrize(
    ("kanji", "number"),
    [("一", 1), ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("百五", 105),
     ("二〇", 20), ("千二百", 1200)],
)
def test_kanji_number(kanji: str, number: int) -> None:
    assert kanji_number(kanji) == number


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("番町三丁目", "番町3丁目"),
        ("番町十二丁目", "番町12丁目"),
        ("番町１２丁目", "番町12丁目"),
        ("ＡＢＣ　ビル", "ABCビル"),
        ("１－２－３", "1-2-3"),
        ("1ー2ー3", "1-2-3"),
        ("1−2‐3", "1-2-3"),
        ("旭ヶ丘", "旭ケ丘"),
        ("旭が丘", "旭ケ丘"),
        ("旭ヵ丘", "旭ケ丘"),
        ("市ノ町", "市之町"),
        ("市の町", "市乃町"),
        ("大字当新田", "当新田"),
        ("字北川原", "北川原"),
        ("北一条西二丁目", "北1条西2丁目"),
        ("第一地割", "第1地割"),
        ("五十嵐二の町", "五十嵐2ノ町"),
        ("古町通十三番町", "古町通13番町"),
        ("大渕", "大淵"),
        ("〒760-8571高松市", "高松市"),
    ],
)
def test_spellings_that_fold_alike(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_numbers_elsewhere_and_text_around_stay() -> None:
    assert normalise("一宮町") == "一宮町"  # no counter after 一: not a number
    assert normalise("八幡") == "八幡"
    assert normalise("センター") == "センター"  # ー between letters is a long vowel
    assert normalise("番町1-8-15 市役所4階") == "番町1-8-15市役所4階"


def test_street_directions() -> None:
    assert after_street_direction("河原町通3条上る下丸屋町") == "下丸屋町"
    assert after_street_direction("河原町通3条上ル下丸屋町") == "下丸屋町"
    assert after_street_direction(normalise("烏丸通塩小路下がる東塩小路町")) == "東塩小路町"
    assert after_street_direction("今出川通烏丸東入玄武町") == "玄武町"
    assert after_street_direction("寺町通二条下る東入ル妙満寺前町") == "妙満寺前町"
    assert after_street_direction("番町1-8-15") is None


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("京都府京都市中京区河原町通三条上る下丸屋町", "26104"),
        ("京都市中京区下丸屋町", "26104"),
        ("中京区下丸屋町", "26104"),  # a ward name only one city has
        ("京都市", "26100"),
        ("京都府宇治市宇治琵琶45", "26204"),
        ("宇治市宇治琵琶45", "26204"),
        ("三重県三重郡川越町大字当新田100", "24344"),
        ("三重郡川越町当新田", "24344"),
        ("川越町当新田", "24344"),
        ("東京都府中市宮西町2-24", "13206"),
        ("広島県府中市府川町315", "34208"),
        ("広島県安芸郡府中町大通3", "34302"),
        ("北海道伊達市鹿島町", "01233"),
        ("福島県伊達市保原町", "07213"),
        ("東京都北区王子", "13117"),
        ("千葉県袖ヶ浦市坂戸市場", "12229"),  # N03 writes 袖ケ浦市
        ("新潟県新潟市江南区いぶき野1-1-1", "15104"),
        ("堺市堺区南瓦町3-1", "27141"),
        ("ｋｙｏｔｏ", None),
        ("番町1-8-15", None),
    ],
)
def test_municipality_code(address: str, code: str | None) -> None:
    assert municipality_code(address) == code


@pytest.mark.parametrize(
    ("address", "codes"),
    [
        ("府中市宮西町2-24", ("13206", "34208")),
        ("伊達市保原町", ("01233", "07213")),
        ("北区王子", None),  # 東京都北区 and the 北区 of eleven designated cities
    ],
)
def test_shared_names_without_prefecture_are_ambiguous(
    address: str, codes: tuple[str, ...] | None
) -> None:
    named = parse_municipality(address)
    assert named is not None and named.code is None
    if codes:
        assert named.codes == codes
    else:
        assert "13117" in named.codes and "26101" in named.codes and len(named.codes) > 5
    assert municipality_code(address) is None


def test_parse_keeps_what_follows_and_the_prefecture_alone() -> None:
    named = parse_municipality("京都市中京区河原町通三条上る下丸屋町")
    assert named is not None
    assert (named.prefecture, named.codes, named.words) == (None, ("26104",), "京都市中京区")
    assert named.rest == "河原町通3条上る下丸屋町"
    only = parse_municipality("香川県番町1-8-15")
    assert only is not None and (only.prefecture, only.codes, only.rest) == (
        "香川県", (), "番町1-8-15"
    )
    assert parse_municipality("番町1-8-15") is None


def test_display_name() -> None:
    assert display_name("26104") == "京都府京都市中京区"
    assert display_name("24344") == "三重県三重郡川越町"
    assert display_name("26100") == "京都府京都市"
    with pytest.raises(UnknownCity):
        display_name("00000")
