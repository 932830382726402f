"""Turning the standard dataset's availableDate/startTime/endTime columns into schedule rules."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_WEEKDAYS = "月火水木金土日"
_TIME = re.compile(r"^(\d{1,2})[:：時](\d{2})?")


def weekdays_from_text(text: str) -> list[int]:
    """'月火水木金' or '月・水・金' → [0, 1, 2, 3, 4] / [0, 2, 4] (Monday is 0)."""
    return sorted({_WEEKDAYS.index(ch) for ch in text if ch in _WEEKDAYS})


def hhmm(text: str | None) -> str | None:
    """'8:30', '08:30', '８時３０分' → '08:30'; None when it is not a time."""
    if not text:
        return None
    m = _TIME.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 24 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def schedule_from_columns(
    days: str | None, start: str | None, end: str | None, note: str | None
) -> tuple[str | None, list[dict[str, Any]] | None]:
    """Free text as a resident would read it, and a weekly rule when the days can be read."""
    parts = [p for p in (days, "〜".join(t for t in (start, end) if t) or None) if p]
    text = " ".join(parts)
    if note:
        text = f"{text}（{note}）" if text else note
    rules = None
    weekdays = weekdays_from_text(days or "")
    if weekdays:
        rules = [{"weekdays": weekdays, "weeks": None, "start": hhmm(start), "end": hhmm(end)}]
    return (text or None), rules
