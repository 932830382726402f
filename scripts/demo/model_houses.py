"""新潟市's real 地域の茶の間 / 地域包括ケア推進モデルハウス in the demo, in place of the stand-in
model house of their ward.

Why: the city's pages name five of them with an address and no coordinates. The pack ships
them as a city would write such a list (name, 住所, days, operator, status; no coordinates), so
the demo loads them through the place import, which places each at its 町丁目's point from the
gazetteer (``placed_from: address``). A row whose address matches no town (ラップ・オ・タガイーニ:
住所不明) is left out and its ward keeps its stand-in.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from geo.japan.gazetteer import TownMatch, match_town

FILE = "model_houses_real.csv"
CITY = "15100"
CATEGORY = "model-house"
SOURCE = "新潟市ウェブサイト（地域包括ケア推進モデルハウス・地域の茶の間の紹介）"
_NOTE = re.compile(r"\s*[（(][^）)]*[）)]\s*$")  # '(嶋岡医院跡地)', '(番地不明)' after the address
_CLOSED = ("運営終了", "閉鎖", "終了")
COLUMNS = ["id", "名称", "住所", "開催日時", "運営団体", "状態", "url", "備考"]


def _rows(shared: Path) -> list[dict[str, str]]:
    with (shared / "niigata" / FILE).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def real_houses(shared: Path) -> list[dict[str, str]]:
    """The real houses whose address names a town of the city, as rows of the shipped list."""
    out = []
    for n, row in enumerate(_rows(shared), start=1):
        address = _NOTE.sub("", row["address"]).strip()
        if not isinstance(match_town(CITY, address), TownMatch):
            continue
        closed = any(word in row["status"] for word in _CLOSED)
        out.append({
            "id": f"mh{n}", "名称": row["name"], "住所": address, "開催日時": row["schedule"],
            "運営団体": row["operator"], "状態": "終了" if closed else "活動中",
            "url": row["source_url"], "備考": row["status"] if closed else "", "ward": row["ward"],
        })  # fmt: skip
    return out


def write(path: Path, houses: list[dict[str, str]]) -> None:
    """UTF-8 with BOM and CRLF, as Excel saves a list (no coordinate columns)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(houses)
    path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))


def credit() -> dict[str, str | None]:
    return {
        "data": f"モデルハウス・地域の茶の間 ({FILE}; 実在の4か所。位置は住所から町丁目の代表点)",
        "source": SOURCE,
        "licence": "事実の情報 — credit 新潟市",
        "url": "https://www.city.niigata.lg.jp/iryo/korei/chiikihokatsucare/houkatsucaremh.html",
    }
