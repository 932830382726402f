"""Rules and sessions in words, Japanese and English: 「毎月第2・第4水曜 10:00〜12:00」.

The Japanese text is written so that ``parse_schedule`` reads it back to the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from layers.schedule.calendar import Lang, Occurrence
from layers.schedule.rules import Rule, read_rules, weeks_in_order
from layers.schedule.tokens import WEEKDAYS_JA

_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DASH = {"ja": "〜", "en": "–"}


def _runs(values: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for v in values:
        if runs and runs[-1][-1] + 1 == v:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def _spans(values: frozenset[int], name: Callable[[int], str], to: str) -> list[str]:
    """Runs of three or more as 'first{to}last', shorter ones item by item."""
    parts: list[str] = []
    for run in _runs(sorted(values)):
        if len(run) >= 3:
            parts.append(f"{name(run[0])}{to}{name(run[-1])}")
        else:
            parts.extend(name(v) for v in run)
    return parts


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _times_text(start: int | None, end: int | None, dash: str) -> str:
    if start is not None and end is not None:
        return f"{_clock_text(start)}{dash}{_clock_text(end)}"
    if start is not None:
        return f"{_clock_text(start)}{dash}"
    if end is not None:
        return f"{dash}{_clock_text(end)}"
    return ""


def _weekdays_ja(days: frozenset[int]) -> str:
    return "・".join(_spans(days, lambda d: WEEKDAYS_JA[d], "〜")) + "曜"


def _describe_ja(r: Rule) -> str:
    text = ""
    if r.months is not None:
        text = "・".join(_spans(r.months, lambda m: f"{m}月", "〜")) + "の"
    every_month = "" if r.months is not None else "毎月"
    if r.dates is not None:
        text += every_month + "・".join(f"{d}日" for d in sorted(r.dates))
    elif r.weeks is not None:
        weeks = "・".join("最終" if w < 0 else f"第{w}" for w in weeks_in_order(r.weeks))
        text += every_month + weeks + _weekdays_ja(r.weekdays)
    elif len(r.weekdays) == 7:
        text += "毎日"
    else:
        text += "毎週" + _weekdays_ja(r.weekdays)
    times = _times_text(r.start, r.end, "〜")
    return f"{text} {times}" if times else text


def _ordinal(n: int) -> str:
    if n < 0:
        return "last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _weekdays_en(days: frozenset[int], plural: bool = False) -> str:
    ending = "s" if plural else ""
    return _and(_spans(days, lambda d: _WEEKDAYS_EN[d] + ending, " to "))


def _days_en(r: Rule, brief: bool = False) -> str:
    if r.dates is not None:
        return f"The {_and([_ordinal(d) for d in sorted(r.dates)])} of the month"
    if r.weeks is not None:
        weeks = _and([_ordinal(w) for w in weeks_in_order(r.weeks)])
        # "2nd Tuesdays" says "of the month" by the plural, in a third less room
        text = (f"{weeks} {_weekdays_en(r.weekdays, plural=True)}" if brief
                else f"{weeks} {_weekdays_en(r.weekdays)} of the month")
        return text[0].upper() + text[1:]
    if len(r.weekdays) == 7:
        return "Every day"
    return f"Every {_weekdays_en(r.weekdays)}"


def _describe_en(r: Rule, brief: bool = False) -> str:
    text = _days_en(r, brief)
    if r.months is not None:
        months = _spans(r.months, lambda m: _MONTHS_EN[m - 1], " to ")
        text += f" ({_and(months)} only)"
    times = _times_text(r.start, r.end, "–")
    if r.start is not None and r.end is None:
        times = f"from {_clock_text(r.start)}"
    elif r.end is not None and r.start is None:
        times = f"until {_clock_text(r.end)}"
    return f"{text}, {times}" if times else text


def describe(
    rules: Sequence[Mapping[str, Any]] | None, lang: Lang = "ja", brief: bool = False
) -> str:
    """The rules as plain text: 「毎月第2・第4水曜 10:00〜12:00」 / "2nd and 4th Wednesday …".

    The Japanese text is written so that ``parse_schedule`` reads it back to the same rules.

    Parameters
    ----------
    rules
        Schedule rules.
    lang
        ``"ja"`` or ``"en"``.
    brief
        English for a narrow column on paper: "2nd and 4th Wednesdays, 10:00–12:00", the
        plural saying "of the month" in a third less room; nothing is left out. Japanese is
        short already and does not change.

    Returns
    -------
    str
        One line; rules joined by 「、」 (ja) or "; " (en); empty for no rules.

    Raises
    ------
    ScheduleError
        When a rule is malformed.
    """
    parsed = read_rules(rules)
    if lang == "en":
        text = "; ".join(_describe_en(r, brief) for r in parsed)
        if any(not r.skip_holidays for r in parsed):
            text += " (also on public holidays)"
        return text
    text = "、".join(_describe_ja(r) for r in parsed)
    if any(not r.skip_holidays for r in parsed):
        text += "（祝日も開催）"
    return text


def date_text(day: date, lang: Lang, weekday: bool = True) -> str:
    """「2026年11月30日（月）」 / "Mon 30 November 2026"; without the weekday on request."""
    if lang == "ja":
        text = f"{day.year}年{day.month}月{day.day}日"
        return f"{text}（{WEEKDAYS_JA[day.weekday()]}）" if weekday else text
    text = f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS_EN[day.weekday()][:3]} {text}" if weekday else text


def short_date_text(day: date, lang: Lang) -> str:
    """「12/2(水)」 / "2 Dec": a coming date on paper, which says the year it was made (English
    leaves the weekday to the schedule beside it: its longer words cannot spare the room)."""
    if lang == "ja":
        return f"{day.month}/{day.day}({WEEKDAYS_JA[day.weekday()]})"
    return f"{day.day} {_MONTHS_EN[day.month - 1][:3]}"


def occurrence_text(occ: Occurrence, lang: Lang) -> str:
    """A session as a resident reads it: 「2026年11月30日（月） 13:30〜15:30」.

    An end time without a start is left out: "until 15:00" alone does not say when to come.
    """
    dash = _DASH[lang]
    start = _minutes(occ.start)
    times = _times_text(start, _minutes(occ.end), dash) if start is not None else ""
    return f"{date_text(occ.date, lang)} {times}" if times else date_text(occ.date, lang)


def _minutes(value: str | None) -> int | None:
    if value is None:
        return None
    hour, minute = value.split(":")
    return int(hour) * 60 + int(minute)
