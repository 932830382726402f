"""The standard dataset's availableDate/startTime/endTime columns as free text and a weekly rule.

The cells are read with the free-text parser's own readers (``tokens``), so 「月〜金」, 「月曜日」,
「８時３０分」 and 「10:00:00」 mean here what they mean in a written schedule.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from layers.schedule import tokens
from layers.schedule.rules import hhmm


def _weekdays(text: str) -> list[int]:
    """'月火水木金', '月・水・金', '月〜金' → [0, 1, 2, 3, 4] / [0, 2, 4] (Monday is 0)."""
    return sorted(tokens.weekday_list(unicodedata.normalize("NFKC", text)))


def _time(text: str | None) -> str | None:
    """'8:30', '08:30:00', '８時３０分' → '08:30'; None when the cell does not start with a time."""
    if not text:
        return None
    return hhmm(tokens.clock_at_start(unicodedata.normalize("NFKC", text).strip()))


def schedule_from_columns(
    days: str | None, start: str | None, end: str | None, note: str | None
) -> tuple[str | None, list[dict[str, Any]] | None]:
    """Free text as a resident would read it, and a weekly rule when the days can be read.

    Parameters
    ----------
    days
        availableDate / 利用可能曜日, e.g. 「月火水木金」.
    start, end
        startTime / endTime, e.g. 「8:30」.
    note
        availableDateNote, added to the text in brackets.

    Returns
    -------
    tuple
        The text (None when every cell is empty) and the rules (None without weekdays).
    """
    parts = [p for p in (days, "〜".join(t for t in (start, end) if t) or None) if p]
    text = " ".join(parts)
    if note:
        text = f"{text}（{note}）" if text else note
    rules = None
    weekdays = _weekdays(days or "")
    if weekdays:
        rules = [{"weekdays": weekdays, "weeks": None, "start": _time(start), "end": _time(end)}]
    return (text or None), rules
