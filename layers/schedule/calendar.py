"""次回開催: which days a rule meets on, skipping 祝日 and 年末年始, and the next session.

Times are local Japan time; a timezone-aware ``after`` is converted to JST first.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

import holidays

from layers.schedule.rules import Rule, hhmm, read_rules

HORIZON_DAYS = 400
"""How far ahead next_date looks: a year and a bit, so yearly rules and 年末年始 both fit."""

JST = timezone(timedelta(hours=9), "JST")  # Japan has had no daylight saving since 1951

Lang = Literal["ja", "en"]


@dataclass(frozen=True)
class Occurrence:
    """One session: its date and, when the rule gives them, its times ("HH:MM")."""

    date: date
    start: str | None = None
    end: str | None = None


@lru_cache(maxsize=64)
def _holidays(year: int, language: str = "ja") -> dict[date, str]:
    return dict(holidays.Japan(years=year, language=language).items())


def _is_year_end(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def closed_reason(day: date, lang: Lang = "ja") -> str | None:
    """Why a usual session does not happen on ``day``: the holiday's name, 年末年始, or None.

    Parameters
    ----------
    day
        The date to check.
    lang
        ``"ja"`` for the official Japanese name (勤労感謝の日), ``"en"`` for the English one.

    Returns
    -------
    str or None
        The reason, or None on an ordinary day.
    """
    name = _holidays(day.year, "en_US" if lang == "en" else "ja").get(day)
    if name is not None:
        return name
    if _is_year_end(day):
        return "年末年始" if lang == "ja" else "New Year holidays"
    return None


def is_closed_day(day: date) -> bool:
    """True on 国民の祝日 (振替休日 and 国民の休日 included) and on 12/29–1/3."""
    return day in _holidays(day.year) or _is_year_end(day)


def _nth(day: date) -> int:
    return (day.day - 1) // 7 + 1


def _is_last(day: date) -> bool:
    return day.day + 7 > calendar.monthrange(day.year, day.month)[1]


def _on_day(r: Rule, day: date) -> bool:
    """The rule's calendar pattern, holidays aside."""
    if r.months is not None and day.month not in r.months:
        return False
    if r.dates is not None and day.day not in r.dates:
        return False
    if r.weekdays and day.weekday() not in r.weekdays:
        return False
    if r.weeks is not None:
        return _nth(day) in r.weeks or (-1 in r.weeks and _is_last(day))
    return True


def matches(
    rules: Sequence[Mapping[str, Any]] | None, day: date, *, skip_holidays: bool = True
) -> bool:
    """Whether any rule holds a session on ``day`` (holidays skipped as next_date does).

    Parameters
    ----------
    rules
        Schedule rules.
    day
        The date to test.
    skip_holidays
        False ignores holidays and 年末年始 for every rule; True lets each rule decide.

    Returns
    -------
    bool
    """
    closed = skip_holidays and is_closed_day(day)
    return any(_on_day(r, day) and not (closed and r.skip_holidays) for r in read_rules(rules))


def local_day(after: date | datetime) -> tuple[date, int | None]:
    """The day in Japan and, for a datetime, the minutes after midnight there."""
    if isinstance(after, datetime):
        if after.tzinfo is not None:
            after = after.astimezone(JST)
        return after.date(), after.hour * 60 + after.minute
    return after, None


def next_occurrence(
    rules: Sequence[Mapping[str, Any]] | None,
    after: date | datetime,
    *,
    skip_holidays: bool = True,
) -> Occurrence | None:
    """次回開催 with its times: the first session on or after ``after``.

    The API's ``next_date``, the Folium map's popups and the pages all come from here.

    Parameters
    ----------
    rules
        Schedule rules, as stored (see ``layers.schedule.rules``).
    after
        A date (that day counts), or a datetime (that day counts unless its session has
        ended; a session without an end time counts all day).
    skip_holidays
        Skip 国民の祝日 and 年末年始 (for rules that do not opt out); False ignores them.

    Returns
    -------
    Occurrence or None
        None when nothing matches within ``HORIZON_DAYS`` days.

    Raises
    ------
    ScheduleError
        When a rule is malformed.
    """
    parsed = read_rules(rules)
    if not parsed:
        return None
    first, now = local_day(after)
    for offset in range(HORIZON_DAYS + 1):
        day = first + timedelta(days=offset)
        closed = skip_holidays and is_closed_day(day)
        found = [
            r
            for r in parsed
            if _on_day(r, day)
            and not (closed and r.skip_holidays)
            and not (offset == 0 and now is not None and r.end is not None and now >= r.end)
        ]
        if found:
            best = min(found, key=lambda r: (r.start is None, r.start or 0))
            return Occurrence(day, hhmm(best.start), hhmm(best.end))
    return None


def next_occurrences(
    rules: Sequence[Mapping[str, Any]] | None,
    after: date | datetime,
    count: int,
    *,
    skip_holidays: bool = True,
) -> list[Occurrence]:
    """The next ``count`` sessions on or after ``after`` (fewer when the horizon ends first).

    For paper, which cannot refresh: a 回覧板 sheet lists the next three. Each is found as
    ``next_occurrence`` finds the first, from the day after the one before.
    """
    found: list[Occurrence] = []
    start: date | datetime = after
    while len(found) < count:
        occ = next_occurrence(rules, start, skip_holidays=skip_holidays)
        if occ is None:
            break
        found.append(occ)
        start = occ.date + timedelta(days=1)
    return found


def next_date(
    rules: Sequence[Mapping[str, Any]] | None,
    after: date | datetime,
    *,
    skip_holidays: bool = True,
) -> date | None:
    """次回開催 as a date alone: ``next_occurrence`` without the times."""
    occ = next_occurrence(rules, after, skip_holidays=skip_holidays)
    return None if occ is None else occ.date
