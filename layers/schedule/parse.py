"""Free text → schedule rules: the common ways cities write when a place meets.

The words are read by ``tokens``; here they are put together into groups (the words between two
separators: at most one day pattern and its times), the groups are resolved against each other
(a time written last serves the bare days before it), and each group becomes checked rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from layers.schedule import tokens
from layers.schedule.rules import ScheduleError, hhmm, read_rule, rule_dict

_ALL_MONTHS = set(range(1, 13))


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

    def has_days(self) -> bool:
        return bool(self.weekdays or self.dates)


@dataclass
class _Parse:
    groups: list[_Group] = field(default_factory=list)
    excluded_months: set[int] = field(default_factory=set)
    holidays_open: bool = False
    holidays_closed: bool = False
    year_end_closed: bool = False


class _Reader:
    """Reads tokens into groups; each handler returns False when the text cannot be trusted."""

    def __init__(self) -> None:
        self.state = _Parse()
        self.g = _Group()
        self._handlers: dict[str, Callable[[str, str], bool]] = {
            "sep": self._sep,
            "filler": self._skip,
            "note": self._skip,
            "holiday_open": self._holiday_open,
            "holiday_closed": self._holiday_closed,
            "months": self._months,
            "months_parity": self._months,
            "time": self._time,
            "time_end": self._time,
            "monthly": self._monthly,
            "weekly": self._weekly,
            "daily": self._weekdays,
            "weekdays_word": self._weekdays,
            "weekdays": self._weekdays,
            "weeks": self._weeks,
            "dates": self._dates,
        }

    def read(self, words: list[tuple[str, str]]) -> _Parse | None:
        for kind, text in words:
            if not self._handlers[kind](kind, text):
                return None
        self.state.groups.append(self.g)
        return self.state

    def _close(self) -> None:
        self.state.groups.append(self.g)
        self.g = _Group()

    def _sep(self, kind: str, text: str) -> bool:
        self._close()
        return True

    def _skip(self, kind: str, text: str) -> bool:
        return True

    def _holiday_open(self, kind: str, text: str) -> bool:
        self.state.holidays_open = True
        return True

    def _holiday_closed(self, kind: str, text: str) -> bool:
        self.state.year_end_closed = self.state.year_end_closed or "年末年始" in text
        if re.match("祝|祭", text):
            self.state.holidays_closed = True
        return True

    def _months(self, kind: str, text: str) -> bool:
        if kind == "months_parity":
            found = set(range(2, 13, 2)) if text.startswith("偶数") else set(range(1, 13, 2))
        else:
            parsed = tokens.months(text)
            if parsed is None:
                return False
            found = parsed
        if re.search(tokens.CLOSED_WORD + "$", text):
            self.state.excluded_months |= found
            return True
        if self.g.has_days() or self.g.times:
            self._close()
        self.g.months = (self.g.months or set()) | found
        return True

    def _time(self, kind: str, text: str) -> bool:
        span = tokens.time_range(text, end_only=kind == "time_end")
        if span is None:
            return False
        self.g.times.append(span)
        return True

    def _monthly(self, kind: str, text: str) -> bool:
        self.g.monthly = True
        return True

    def _weekly(self, kind: str, text: str) -> bool:
        self.g.weekly = True
        return True

    def _weekdays(self, kind: str, text: str) -> bool:
        if self.g.times:
            self._close()
        if self.g.weekdays:
            return False  # 「第2水曜 金曜」: which Fridays? do not guess
        if kind == "daily":
            self.g.weekdays = set(range(7))
        elif kind == "weekdays_word":
            self.g.weekdays = set(range(5))
        else:
            self.g.weekdays = tokens.weekday_list(text)
        return True

    def _weeks(self, kind: str, text: str) -> bool:
        if self.g.has_days() or self.g.weeks is not None or self.g.times:
            self._close()
        nums = [int(n) for n in re.findall(r"[1-5]", text)]
        self.g.weeks = set(nums) | ({-1} if "最終" in text else set())
        return True

    def _dates(self, kind: str, text: str) -> bool:
        if self.g.has_days() or self.g.weeks is not None or self.g.times:
            self._close()
        days = tokens.numbers(text)
        if any(not 1 <= d <= 31 for d in days):
            return False
        self.g.dates = set(days)
        return True


def _valid_days(g: _Group) -> bool:
    if g.weeks is not None and (not g.weekdays or g.dates is not None or g.weekly):
        return False
    if g.dates is not None and (g.weekdays or g.weekly):
        return False
    # 「毎月水曜」 names no week: once a month, or every week? do not guess.
    return not (g.monthly and g.weekdays and g.weeks is None)


def _resolve(groups: list[_Group]) -> tuple[list[_Group], set[int] | None] | None:
    """The groups that name days, with times attached; months alone qualify what follows."""
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
    return resolved, global_months


def _group_rule(g: _Group, global_months: set[int] | None, state: _Parse) -> dict[str, Any] | None:
    """A group's days as a rule without times; None when excluded months leave none."""
    months = g.months if g.months is not None else global_months
    if state.excluded_months:
        months = (months if months is not None else _ALL_MONTHS) - state.excluded_months
        if not months:
            return None
    raw: dict[str, Any] = {
        "weekdays": sorted(g.weekdays),
        "weeks": None if g.weeks is None else sorted(g.weeks),
    }
    if months is not None and months != _ALL_MONTHS:
        raw["months"] = sorted(months)
    if g.dates is not None:
        raw["dates"] = sorted(g.dates)
    if state.holidays_open:
        raw["skip_holidays"] = False
    return raw


def _rules(
    resolved: list[_Group], global_months: set[int] | None, state: _Parse
) -> list[dict[str, Any]] | None:
    rules: list[dict[str, Any]] = []
    for g in resolved:
        raw = _group_rule(g, global_months, state)
        if raw is None:
            return None
        for start, end in g.times or [(None, None)]:
            try:
                rule = rule_dict(read_rule({**raw, "start": hhmm(start), "end": hhmm(end)}))
            except ScheduleError:
                return None
            if rule not in rules:
                rules.append(rule)
    return rules


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
    words = tokens.tokenize(unicodedata.normalize("NFKC", text).strip())
    state = _Reader().read(words) if words is not None else None
    if state is None:
        return None
    if state.holidays_open and (state.holidays_closed or state.year_end_closed):
        return None  # open on 祝日 but closed over New Year: one flag cannot say both
    groups = [g for g in state.groups if g.has_days() or g.times or g.months or g.weeks]
    found = _resolve(groups)
    if found is None:
        return None
    return _rules(*found, state)
