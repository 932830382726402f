"""Places as CSV in the 自治体標準オープンデータセット layout, UTF-8 with a BOM so Excel reads it.

``tsudoi import places`` reads the file back to the same records, ids included (the identity
columns of ``layers.exports.columns``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from geo.model import Place
from layers.exports.columns import header, row
from layers.schedule import Lang


def places_csv(places: Sequence[Place], now: datetime, lang: Lang = "ja") -> str:
    """One row per place, the columns of ``columns.header()``; 次回開催 as of ``now``."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header(), lineterminator="\r\n")
    writer.writeheader()
    for place in places:
        writer.writerow(row(place, now, lang))
    return "\ufeff" + buf.getvalue()
