"""次回開催: the next date a place meets, from its schedule rules, skipping 祝日 and 年末年始.

A rule is a plain dict so it can live in GeoJSON, GeoPackage and PostGIS alike::

    {"weekdays": [2], "weeks": [2, 4], "start": "10:00", "end": "12:00"}   # 毎月第2・第4水曜
    {"weekdays": [1], "weeks": None, "start": "13:30", "end": "15:30"}     # 毎週火曜
    {"weekdays": [], "dates": [15], "start": None, "end": None}            # 毎月15日
    {"weekdays": [4], "weeks": [-1], "months": [4, 5, 6]}                   # 4〜6月の最終金曜

``weekdays`` counts from Monday = 0; ``weeks`` is None for every week, or the nth weekday of the
month (1–5; 5 only in months that have a fifth; -1 = the last); ``months`` and ``dates`` narrow
further; every given condition must hold.  ``skip_holidays`` (default true) drops 国民の祝日
(with 振替休日 and 国民の休日) and 年末年始 (12/29–1/3), which is how almost every salon and
茶の間 runs: the hall is closed and the volunteers are off.  A place that meets on holidays says
``"skip_holidays": false``.

Times are local Japan time; a timezone-aware ``after`` is converted to JST first.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

import holidays

from geo.errors import TsudoiError

__all__ = [
    "HORIZON_DAYS",
    "JST",
    "Occurrence",
    "ScheduleError",
    "closed_reason",
    "describe",
    "is_closed_day",
    "matches",
    "next_date",
    "next_occurrence",
    "normalize_rules",
    "parse_schedule",
]

HORIZON_DAYS = 400
"""How far ahead next_date looks: a year and a bit, so yearly rules and 年末年始 both fit."""

JST = timezone(timedelta(hours=9), "JST")  # Japan has had no daylight saving since 1951

Lang = Literal["ja", "en"]
_RULE_KEYS = frozenset({"weekdays", "weeks", "start", "end", "months", "dates", "skip_holidays"})
_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class ScheduleError(TsudoiError, ValueError):
    """A rule that cannot be read: a typo in stored data must not silently mean 'never'."""


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class _Rule:
    weekdays: frozenset[int]
    weeks: frozenset[int] | None
    dates: frozenset[int] | None
    months: frozenset[int] | None
    start: int | None  # minutes after midnight
    end: int | None
    skip_holidays: bool = True


@dataclass(frozen=True)
class Occurrence:
    """One session: its date and, when the rule gives them, its times ("HH:MM")."""

    date: date
    start: str | None = None
    end: str | None = None


def _int_list(value: Any, key: str, allowed: Iterable[int]) -> frozenset[int]:
    ok = set(allowed)
    if not isinstance(value, list | tuple):
        raise ScheduleError(f"schedule rule: {key} must be a list, got {value!r}")
    out: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item not in ok:
            raise ScheduleError(f"schedule rule: {key} has {item!r}, allowed {sorted(ok)}")
        out.add(item)
    return frozenset(out)


def _minutes(value: Any, key: str) -> int | None:
    if value is None:
        return None
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip()) if isinstance(value, str) else None
    if not m:
        raise ScheduleError(f"schedule rule: {key} must be 'HH:MM', got {value!r}")
    hour, minute = int(m.group(1)), int(m.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ScheduleError(f"schedule rule: {key} is not a time of day: {value!r}")
    return hour * 60 + minute


def _hhmm(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _rule(raw: Mapping[str, Any]) -> _Rule:
    if not isinstance(raw, Mapping):
        raise ScheduleError(f"schedule rule must be an object, got {raw!r}")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ScheduleError(f"schedule rule: unknown keys {sorted(unknown)}")
    weekdays = _int_list(raw.get("weekdays") or [], "weekdays", range(7))
    weeks_raw = raw.get("weeks")
    weeks = None if weeks_raw is None else _int_list(weeks_raw, "weeks", (1, 2, 3, 4, 5, -1))
    dates_raw = raw.get("dates")
    dates = None if dates_raw is None else _int_list(dates_raw, "dates", range(1, 32))
    months_raw = raw.get("months")
    months = None if months_raw is None else _int_list(months_raw, "months", range(1, 13))
    if not weekdays and not dates:
        raise ScheduleError("schedule rule: needs weekdays or dates")
    if weeks is not None and not weeks:
        raise ScheduleError("schedule rule: weeks is empty (use null for every week)")
    if weeks is not None and not weekdays:
        raise ScheduleError("schedule rule: weeks without weekdays")
    if months is not None and not months:
        raise ScheduleError("schedule rule: months is empty (leave it out for every month)")
    start, end = _minutes(raw.get("start"), "start"), _minutes(raw.get("end"), "end")
    if start is not None and end is not None and end <= start:
        raise ScheduleError(f"schedule rule: end {raw.get('end')} is not after {raw.get('start')}")
    skip = raw.get("skip_holidays", True)
    if not isinstance(skip, bool):
        raise ScheduleError(f"schedule rule: skip_holidays must be true or false, got {skip!r}")
    return _Rule(weekdays, weeks, dates, months, start, end, skip)


def _rule_dict(r: _Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "weekdays": sorted(r.weekdays),
        "weeks": None if r.weeks is None else sorted(r.weeks, key=lambda w: (w < 0, w)),
        "start": _hhmm(r.start),
        "end": _hhmm(r.end),
    }
    if r.months is not None:
        out["months"] = sorted(r.months)
    if r.dates is not None:
        out["dates"] = sorted(r.dates)
    if not r.skip_holidays:
        out["skip_holidays"] = False
    return out


def _rules(rules: Sequence[Mapping[str, Any]] | None) -> list[_Rule]:
    return [_rule(r) for r in rules or ()]


def normalize_rules(rules: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Validate rules and return them in canonical form (sorted lists, "HH:MM" times).

    Parameters
    ----------
    rules
        Rule dicts as stored on ``Place.schedule_rules``.

    Returns
    -------
    list of dict
        The same rules with defaults made explicit only where they differ from the default.

    Raises
    ------
    ScheduleError
        For unknown keys, out-of-range numbers, malformed times or an end before the start.
    """
    return [_rule_dict(r) for r in _rules(rules)]


# --------------------------------------------------------------------------- calendar


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


def _on_day(r: _Rule, day: date) -> bool:
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
    return any(_on_day(r, day) and not (closed and r.skip_holidays) for r in _rules(rules))


def _as_local(after: date | datetime) -> tuple[date, int | None]:
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
    """The first session on or after ``after``, with the times of the rule that gives it.

    Parameters
    ----------
    rules
        Schedule rules.
    after
        A date (that day counts), or a datetime (that day counts unless its session has
        ended; a session without an end time counts all day).
    skip_holidays
        False ignores holidays and 年末年始 for every rule.

    Returns
    -------
    Occurrence or None
        None when nothing matches within ``HORIZON_DAYS`` days.
    """
    parsed = _rules(rules)
    if not parsed:
        return None
    first, now = _as_local(after)
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
            return Occurrence(day, _hhmm(best.start), _hhmm(best.end))
    return None


def next_date(
    rules: Sequence[Mapping[str, Any]] | None,
    after: date | datetime,
    *,
    skip_holidays: bool = True,
) -> date | None:
    """次回開催: the first date on or after ``after`` that any rule gives.

    Parameters
    ----------
    rules
        Schedule rules (see the module docstring).
    after
        A date, or a datetime: then today counts only while today's session has not ended.
    skip_holidays
        Skip 国民の祝日 and 年末年始 (for rules that do not opt out); False ignores them.

    Returns
    -------
    datetime.date or None
        None when no date matches within ``HORIZON_DAYS`` days.

    Raises
    ------
    ScheduleError
        When a rule is malformed.
    """
    occ = next_occurrence(rules, after, skip_holidays=skip_holidays)
    return None if occ is None else occ.date


# --------------------------------------------------------------------------- parsing

_SEP_WORD = r"(?:[・,、と]|及び|および)"
_RANGE = r"(?:[〜~\-–—―‐−ー]|から)"
_WD = r"[月火水木金土日]"
_WD_ITEM = rf"{_WD}(?:曜日|曜)?"
_TIME = r"(?:(?:午前|午後)\s*)?\d{1,2}(?::\d{2}|時(?:\d{1,2}分|半)?)"
_CLOSED_WORD = r"(?:は|を)?(?:お?休み|休止|休館|休業|除く|のぞく|除き|なし)"
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
            rf"(?:祝日|祝祭日|祭日|祝休日|年末年始)(?:{_SEP_WORD}?(?:祝日|年末年始))?{_CLOSED_WORD}",
        ),
        ("time", rf"{_TIME}(?:\s*{_RANGE}\s*(?:{_TIME})?)?(?:まで)?"),
        ("time_end", rf"{_RANGE}\s*{_TIME}(?:まで)?"),
        ("months_parity", rf"(?:偶数月|奇数月)(?:{_CLOSED_WORD})?"),
        (
            "months",
            rf"\d{{1,2}}月?(?:\s*(?:{_SEP_WORD}|{_RANGE})\s*\d{{1,2}}月?)*月(?:{_CLOSED_WORD})?",
        ),
        ("dates", rf"\d{{1,2}}日?(?:\s*{_SEP_WORD}\s*\d{{1,2}}日?)*日"),
        (
            "weeks",
            rf"(?:第\s*[1-5]|最終)(?:週目?)?"
            rf"(?:\s*{_SEP_WORD}\s*(?:第?\s*[1-5]|最終)(?:週目?)?)*",
        ),
        ("monthly", r"毎月|月例|各月"),
        ("weekly", r"毎週|週毎"),
        ("daily", r"毎日"),
        ("weekdays_word", r"平日"),
        ("weekdays", rf"{_WD_ITEM}(?:(?:\s*(?:{_SEP_WORD}|{_RANGE})\s*)?{_WD_ITEM})*"),
        ("note", _NOTES),
        ("sep", r"[、,;/()\[\]「」【】『』:・と]|及び|および|または|又は"),
        ("filler", r"の|に|で|は|開催|実施|予定|頃|ごろ|まで|より|曜日"),
    )
)


@dataclass
class _Group:
    """The words between two separators: at most one day pattern and its times."""

    weekly: bool = False
    monthly: bool = False
    weekdays: set[int] = field(default_factory=set)
    weeks: set[int] | None = None
    dates: set[int] | None = None
    months: set[int] | None = None
    times: list[tuple[int | None, int | None]] = field(default_factory=list)
    skip_holidays: bool | None = None

    def has_days(self) -> bool:
        return bool(self.weekdays or self.dates)

    def day_spec(self) -> tuple[Any, ...]:
        return (self.weekly, self.monthly, frozenset(self.weekdays), self.weeks, self.dates)


def _clock(text: str) -> int | None:
    m = re.fullmatch(r"(午前|午後)?\s*(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分|(半))?)", text)
    if not m:
        return None
    hour = int(m.group(2))
    minute = int(m.group(3) or m.group(4) or 0) + (30 if m.group(5) else 0)
    if m.group(1) == "午後" and hour < 12:
        hour += 12
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _time_range(text: str, end_only: bool) -> tuple[int | None, int | None] | None:
    times = re.findall(_TIME, text)
    values = [_clock(t) for t in times]
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


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _months(text: str) -> set[int] | None:
    """'4月〜11月' / '4・8月' / '11〜3月' (wrapping) → a set of months."""
    body = re.sub(_CLOSED_WORD + "$", "", text)
    items = re.findall(rf"(\d{{1,2}})月?|({_RANGE})", body)
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


def _weekday_list(text: str) -> set[int]:
    """'月・水・金' / '月〜金' / '月火水木金' / '火・土曜' → weekday numbers."""
    body = text.replace("曜日", "").replace("曜", "")
    out: set[int] = set()
    last: int | None = None
    pending_range = False
    i = 0
    while i < len(body):
        ch = body[i]
        if ch in _WEEKDAYS_JA:
            n = _WEEKDAYS_JA.index(ch)
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
        elif re.match(_RANGE, ch):
            pending_range, i = True, i + 1
        else:
            i += 1
    return out


def _tokenize(text: str) -> list[tuple[str, str]] | None:
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


@dataclass
class _Parse:
    groups: list[_Group] = field(default_factory=list)
    excluded_months: set[int] = field(default_factory=set)
    holidays_open: bool = False
    holidays_closed: bool = False
    year_end_closed: bool = False


def _read_tokens(tokens: list[tuple[str, str]]) -> _Parse | None:
    state = _Parse()
    g = _Group()

    def close() -> None:
        nonlocal g
        state.groups.append(g)
        g = _Group()

    for kind, text in tokens:
        if kind == "sep":
            close()
        elif kind in ("filler", "note"):
            continue
        elif kind == "holiday_open":
            state.holidays_open = True
        elif kind == "holiday_closed":
            state.year_end_closed = state.year_end_closed or "年末年始" in text
            if re.match("祝|祭", text):
                state.holidays_closed = True
        elif kind in ("months", "months_parity"):
            if kind == "months_parity":
                found = set(range(2, 13, 2)) if text.startswith("偶数") else set(range(1, 13, 2))
            else:
                parsed = _months(text)
                if parsed is None:
                    return None
                found = parsed
            if re.search(_CLOSED_WORD + "$", text):
                state.excluded_months |= found
            else:
                if g.has_days() or g.times:
                    close()
                g.months = (g.months or set()) | found
        elif kind in ("time", "time_end"):
            span = _time_range(text, end_only=kind == "time_end")
            if span is None:
                return None
            g.times.append(span)
        elif kind == "monthly":
            g.monthly = True
        elif kind == "weekly":
            g.weekly = True
        elif kind in ("daily", "weekdays_word", "weekdays"):
            if g.times:
                close()
            if g.weekdays:
                return None  # 「第2水曜 金曜」: which Fridays? do not guess
            if kind == "daily":
                g.weekdays = set(range(7))
            elif kind == "weekdays_word":
                g.weekdays = set(range(5))
            else:
                g.weekdays = _weekday_list(text)
        elif kind == "weeks":
            if g.has_days() or g.weeks is not None or g.times:
                close()
            nums = [int(n) for n in re.findall(r"[1-5]", text)]
            g.weeks = set(nums) | ({-1} if "最終" in text else set())
        elif kind == "dates":
            if g.has_days() or g.weeks is not None or g.times:
                close()
            days = _numbers(text)
            if any(not 1 <= d <= 31 for d in days):
                return None
            g.dates = set(days)
    state.groups.append(g)
    return state


def _valid_days(g: _Group) -> bool:
    if g.weeks is not None and (not g.weekdays or g.dates is not None or g.weekly):
        return False
    if g.dates is not None and (g.weekdays or g.weekly):
        return False
    # 「毎月水曜」 names no week: once a month, or every week? do not guess.
    return not (g.monthly and g.weekdays and g.weeks is None)


def parse_schedule(text: str | None) -> list[dict[str, Any]] | None:
    """Read the common ways cities write a schedule into rules; None when unsure.

    Understands 毎週/毎月, 第n (with ・ 、 と lists and 最終), weekday lists and ranges
    (月・水・金, 月〜金, 月火水木金, 平日, 毎日), days of the month (毎月15日), months
    (4月〜11月の…, 8月は休み, 偶数月), times as 10:00 or 10時30分/10時半/午後1時 with any tilde
    or から…まで, full-width digits, several sessions separated by 、 and notes such as
    （祝日は休み）/（祝日も開催）/（要予約）.  Anything else — 隔週, 月1回, 不定期, a hall's
    name — makes the whole text unreadable, because a wrong 次回開催 is worse than none.

    Parameters
    ----------
    text
        The schedule as the city wrote it.

    Returns
    -------
    list of dict or None
        Rules in canonical form (see ``normalize_rules``), or None.
    """
    if not text or not text.strip():
        return None
    norm = unicodedata.normalize("NFKC", text).strip()
    tokens = _tokenize(norm)
    if tokens is None:
        return None
    state = _read_tokens(tokens)
    if state is None:
        return None
    if state.holidays_open and (state.holidays_closed or state.year_end_closed):
        return None  # open on 祝日 but closed over New Year: one flag cannot say both
    groups = [g for g in state.groups if g.has_days() or g.times or g.months or g.weeks]
    global_months: set[int] | None = None
    resolved: list[_Group] = []
    for g in groups:
        if g.weeks is not None and not g.weekdays:
            return None
        if not g.has_days() and not g.times:  # months alone: they qualify what follows
            global_months = (global_months or set()) | (g.months or set())
            continue
        if not g.has_days():  # times alone
            prev = resolved[-1] if resolved else None
            if prev is None:
                return None
            if not prev.times:  # 「第2水曜（10:00〜12:00）」
                prev.times = g.times
            else:  # 「毎週火曜 10:00〜12:00、13:00〜15:00」: another session, same days
                resolved.append(replace(prev, times=list(g.times)))
            continue
        if not _valid_days(g):
            return None
        resolved.append(g)
    if not resolved:
        return None
    # 「第1水曜、第3水曜 10:00〜12:00」: the time written last serves the bare days before it.
    for i in range(len(resolved) - 2, -1, -1):
        if not resolved[i].times:
            resolved[i].times = list(resolved[i + 1].times)
    rules: list[dict[str, Any]] = []
    for g in resolved:
        months = g.months if g.months is not None else global_months
        if state.excluded_months:
            months = (months if months is not None else set(range(1, 13))) - state.excluded_months
            if not months:
                return None
        raw: dict[str, Any] = {
            "weekdays": sorted(g.weekdays),
            "weeks": None if g.weeks is None else sorted(g.weeks),
        }
        if months is not None and months != set(range(1, 13)):
            raw["months"] = sorted(months)
        if g.dates is not None:
            raw["dates"] = sorted(g.dates)
        if state.holidays_open:
            raw["skip_holidays"] = False
        for start, end in g.times or [(None, None)]:
            raw_t = {**raw, "start": _hhmm(start), "end": _hhmm(end)}
            try:
                rule = _rule_dict(_rule(raw_t))
            except ScheduleError:
                return None
            if rule not in rules:
                rules.append(rule)
    return rules


# --------------------------------------------------------------------------- describing


def _runs(values: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for v in values:
        if runs and runs[-1][-1] + 1 == v:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _times_text(r: _Rule, dash: str) -> str:
    if r.start is not None and r.end is not None:
        return f"{_clock_text(r.start)}{dash}{_clock_text(r.end)}"
    if r.start is not None:
        return f"{_clock_text(r.start)}{dash}"
    if r.end is not None:
        return f"{dash}{_clock_text(r.end)}"
    return ""


def _weekdays_ja(days: frozenset[int]) -> str:
    parts = []
    for run in _runs(sorted(days)):
        if len(run) >= 3:
            parts.append(f"{_WEEKDAYS_JA[run[0]]}〜{_WEEKDAYS_JA[run[-1]]}")
        else:
            parts.extend(_WEEKDAYS_JA[d] for d in run)
    return "・".join(parts) + "曜"


def _months_ja(months: frozenset[int]) -> str:
    parts = []
    for run in _runs(sorted(months)):
        if len(run) >= 3:
            parts.append(f"{run[0]}月〜{run[-1]}月")
        else:
            parts.extend(f"{m}月" for m in run)
    return "・".join(parts)


def _describe_ja(r: _Rule) -> str:
    text = f"{_months_ja(r.months)}の" if r.months is not None else ""
    if r.dates is not None:
        days = "・".join(f"{d}日" for d in sorted(r.dates))
        text += ("" if r.months is not None else "毎月") + days
    elif r.weeks is not None:
        weeks = sorted(r.weeks, key=lambda w: (w < 0, w))
        text += ("" if r.months is not None else "毎月") + "・".join(
            "最終" if w < 0 else f"第{w}" for w in weeks
        )
        text += _weekdays_ja(r.weekdays)
    elif len(r.weekdays) == 7:
        text += "毎日"
    else:
        text += "毎週" + _weekdays_ja(r.weekdays)
    times = _times_text(r, "〜")
    return f"{text} {times}" if times else text


def _ordinal(n: int) -> str:
    if n < 0:
        return "last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _weekdays_en(days: frozenset[int]) -> str:
    parts = []
    for run in _runs(sorted(days)):
        if len(run) >= 3:
            parts.append(f"{_WEEKDAYS_EN[run[0]]} to {_WEEKDAYS_EN[run[-1]]}")
        else:
            parts.extend(_WEEKDAYS_EN[d] for d in run)
    return _and(parts)


def _describe_en(r: _Rule) -> str:
    if r.dates is not None:
        text = f"The {_and([_ordinal(d) for d in sorted(r.dates)])} of the month"
    elif r.weeks is not None:
        weeks = sorted(r.weeks, key=lambda w: (w < 0, w))
        text = f"{_and([_ordinal(w) for w in weeks])} {_weekdays_en(r.weekdays)} of the month"
        text = text[0].upper() + text[1:]
    elif len(r.weekdays) == 7:
        text = "Every day"
    else:
        text = f"Every {_weekdays_en(r.weekdays)}"
    if r.months is not None:
        month_parts = []
        for run in _runs(sorted(r.months)):
            if len(run) >= 3:
                month_parts.append(f"{_MONTHS_EN[run[0] - 1]} to {_MONTHS_EN[run[-1] - 1]}")
            else:
                month_parts.extend(_MONTHS_EN[m - 1] for m in run)
        text += f" ({_and(month_parts)} only)"
    times = _times_text(r, "–")
    if r.start is not None and r.end is None:
        times = f"from {_clock_text(r.start)}"
    elif r.end is not None and r.start is None:
        times = f"until {_clock_text(r.end)}"
    return f"{text}, {times}" if times else text


def describe(rules: Sequence[Mapping[str, Any]] | None, lang: Lang = "ja") -> str:
    """The rules as plain text: 「毎月第2・第4水曜 10:00〜12:00」 / "2nd and 4th Wednesday …".

    The Japanese text is written so that ``parse_schedule`` reads it back to the same rules.

    Parameters
    ----------
    rules
        Schedule rules.
    lang
        ``"ja"`` or ``"en"``.

    Returns
    -------
    str
        One line; rules joined by 「、」 (ja) or "; " (en); empty for no rules.

    Raises
    ------
    ScheduleError
        When a rule is malformed.
    """
    parsed = _rules(rules)
    if lang == "en":
        text = "; ".join(_describe_en(r) for r in parsed)
        if any(not r.skip_holidays for r in parsed):
            text += " (also on public holidays)"
        return text
    text = "、".join(_describe_ja(r) for r in parsed)
    if any(not r.skip_holidays for r in parsed):
        text += "（祝日も開催）"
    return text
