"""The words of a written schedule: the one set of patterns for weekdays, weeks, dates and times.

Both readers use them: ``parse`` for free text (「毎月第2・第4水曜 10:00〜12:00」) and ``columns``
for the standard dataset's availableDate/startTime/endTime cells.  Text is NFKC-normalised first
(full-width digits and colons become ASCII).
"""

from __future__ import annotations

import re

WEEKDAYS_JA = "月火水木金土日"

SEP_WORD = r"(?:[・,、と]|及び|および)"
RANGE = r"(?:[〜~\-–—―‐−ー]|から)"
_WD = r"[月火水木金土日]"
_WD_ITEM = rf"{_WD}(?:曜日|曜)?"
TIME = r"(?:(?:午前|午後)\s*)?\d{1,2}(?::\d{2}|時(?:\d{1,2}分|半)?)"
CLOSED_WORD = r"(?:は|を)?(?:お?休み|休止|休館|休業|除く|のぞく|除き|なし)"
_OPEN_WORD = r"(?:開催|実施|開館|開所|営業|あり|やります)"
# Notes that change nothing about when a place meets; any other note makes the text unreadable.
_NOTES = "|".join(
    (
        "要予約", "予約制", "予約不要", "申込不要", "申し込み不要",
        "参加自由", "自由参加", "出入り自由", "入退室自由",
    )
)  # fmt: skip

_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("space", r"\s+"),
        ("holiday_open", rf"(?:祝日|祝祭日|祭日|祝休日)(?:も|でも){_OPEN_WORD}"),
        (
            "holiday_closed",
            rf"(?:祝日|祝祭日|祭日|祝休日|年末年始)(?:{SEP_WORD}?(?:祝日|年末年始))?{CLOSED_WORD}",
        ),
        ("time", rf"{TIME}(?:\s*{RANGE}\s*(?:{TIME})?)?(?:まで)?"),
        ("time_end", rf"{RANGE}\s*{TIME}(?:まで)?"),
        ("months_parity", rf"(?:偶数月|奇数月)(?:{CLOSED_WORD})?"),
        (
            "months",
            rf"\d{{1,2}}月?(?:\s*(?:{SEP_WORD}|{RANGE})\s*\d{{1,2}}月?)*月(?:{CLOSED_WORD})?",
        ),
        ("dates", rf"\d{{1,2}}日?(?:\s*{SEP_WORD}\s*\d{{1,2}}日?)*日"),
        (
            "weeks",
            rf"(?:第\s*[1-5]|最終)(?:週目?)?"
            rf"(?:\s*{SEP_WORD}\s*(?:第?\s*[1-5]|最終)(?:週目?)?)*",
        ),
        ("monthly", r"毎月|月例|各月"),
        ("weekly", r"毎週|週毎"),
        ("daily", r"毎日"),
        ("weekdays_word", r"平日"),
        ("weekdays", rf"{_WD_ITEM}(?:(?:\s*(?:{SEP_WORD}|{RANGE})\s*)?{_WD_ITEM})*"),
        ("note", _NOTES),
        ("sep", r"[、,;/()\[\]「」【】『』:・と]|及び|および|または|又は"),
        ("filler", r"の|に|で|は|開催|実施|予定|頃|ごろ|まで|より|曜日"),
    )
)
_CLOCK = re.compile(r"(午前|午後)?\s*(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分|(半))?)")
_TIME_AT_START = re.compile(TIME)


def tokenize(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) for each word, spaces dropped; None when a piece is no known word."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        for kind, pattern in _TOKENS:
            m = pattern.match(text, pos)
            if m and m.end() > pos:
                if kind != "space":
                    out.append((kind, m.group()))
                pos = m.end()
                break
        else:
            return None
    return out


def clock(text: str) -> int | None:
    """'10:00', '10時30分', '10時半', '午後1時' → minutes after midnight; None if not a time."""
    m = _CLOCK.fullmatch(text)
    if not m:
        return None
    hour = int(m.group(2))
    minute = int(m.group(3) or m.group(4) or 0) + (30 if m.group(5) else 0)
    if m.group(1) == "午後" and hour < 12:
        hour += 12
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def clock_at_start(text: str) -> int | None:
    """The time a cell starts with ('08:30:00', '8時30分〜'), in minutes; None without one."""
    m = _TIME_AT_START.match(text)
    return clock(m.group()) if m else None


def time_range(text: str, end_only: bool) -> tuple[int | None, int | None] | None:
    """'10:00〜12:00' / '午後1時〜3時' / '〜15:00' → (start, end) minutes; None if impossible."""
    times = re.findall(TIME, text)
    values = [clock(t) for t in times]
    if any(v is None for v in values):
        return None
    if end_only:
        return None, values[0]
    start = values[0]
    end = values[1] if len(values) > 1 else None
    if end is not None and start is not None:
        # 「午後1時〜3時」: the end inherits the afternoon.
        if times[0].startswith("午後") and not re.match("午前|午後", times[1]) and end < 12 * 60:
            end += 12 * 60
        if end <= start:
            return None
    return start, end


def numbers(text: str) -> list[int]:
    """Every number in the text, in order."""
    return [int(n) for n in re.findall(r"\d+", text)]


def months(text: str) -> set[int] | None:
    """'4月〜11月' / '4・8月' / '11〜3月' (wrapping) → a set of months."""
    body = re.sub(CLOSED_WORD + "$", "", text)
    items = re.findall(rf"(\d{{1,2}})月?|({RANGE})", body)
    out: set[int] = set()
    pending_range = False
    last: int | None = None
    for num, rng in items:
        if rng:
            pending_range = True
            continue
        n = int(num)
        if not 1 <= n <= 12:
            return None
        if pending_range and last is not None:
            span = (n - last) % 12
            out.update((last - 1 + k) % 12 + 1 for k in range(span + 1))
        out.add(n)
        last, pending_range = n, False
    return out


def weekday_list(text: str) -> set[int]:
    """'月・水・金' / '月〜金' / '月火水木金' / '火・土曜' → weekday numbers (Monday is 0)."""
    body = text.replace("曜日", "").replace("曜", "")
    out: set[int] = set()
    last: int | None = None
    pending_range = False
    i = 0
    while i < len(body):
        ch = body[i]
        if ch in WEEKDAYS_JA:
            n = WEEKDAYS_JA.index(ch)
            if pending_range and last is not None:
                k = last
                while k != n:
                    out.add(k)
                    k = (k + 1) % 7
            out.add(n)
            last, pending_range = n, False
            i += 1
        elif body.startswith("から", i):
            pending_range, i = True, i + 2
        elif re.match(RANGE, ch):
            pending_range, i = True, i + 1
        else:
            i += 1
    return out
