"""The schedule rule: what a stored rule may say, how it is checked, and its canonical form.

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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.errors import TsudoiError

RULE_KEYS = frozenset({"weekdays", "weeks", "start", "end", "months", "dates", "skip_holidays"})


class ScheduleError(TsudoiError, ValueError):
    """A rule that cannot be read: a typo in stored data must not silently mean 'never'."""


@dataclass(frozen=True)
class Rule:
    """A checked rule, in the form the calendar and the describer work on."""

    weekdays: frozenset[int]
    weeks: frozenset[int] | None
    dates: frozenset[int] | None
    months: frozenset[int] | None
    start: int | None  # minutes after midnight
    end: int | None
    skip_holidays: bool = True


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


def _optional_list(
    raw: Mapping[str, Any], key: str, allowed: Iterable[int]
) -> frozenset[int] | None:
    value = raw.get(key)
    return None if value is None else _int_list(value, key, allowed)


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


def hhmm(minutes: int | None) -> str | None:
    """Minutes after midnight as stored ("08:30"); None stays None."""
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def read_rule(raw: Mapping[str, Any]) -> Rule:
    """Check one stored rule; every way it can be wrong is a ScheduleError naming the key."""
    if not isinstance(raw, Mapping):
        raise ScheduleError(f"schedule rule must be an object, got {raw!r}")
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise ScheduleError(f"schedule rule: unknown keys {sorted(unknown)}")
    weekdays = _int_list(raw.get("weekdays") or [], "weekdays", range(7))
    weeks = _optional_list(raw, "weeks", (1, 2, 3, 4, 5, -1))
    dates = _optional_list(raw, "dates", range(1, 32))
    months = _optional_list(raw, "months", range(1, 13))
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
    return Rule(weekdays, weeks, dates, months, start, end, skip)


def weeks_in_order(weeks: frozenset[int]) -> list[int]:
    """1st, 2nd … and the last (-1) at the end, as people write them."""
    return sorted(weeks, key=lambda w: (w < 0, w))


def rule_dict(r: Rule) -> dict[str, Any]:
    """A checked rule back as a stored dict, with defaults only where they differ."""
    out: dict[str, Any] = {
        "weekdays": sorted(r.weekdays),
        "weeks": None if r.weeks is None else weeks_in_order(r.weeks),
        "start": hhmm(r.start),
        "end": hhmm(r.end),
    }
    if r.months is not None:
        out["months"] = sorted(r.months)
    if r.dates is not None:
        out["dates"] = sorted(r.dates)
    if not r.skip_holidays:
        out["skip_holidays"] = False
    return out


def read_rules(rules: Sequence[Mapping[str, Any]] | None) -> list[Rule]:
    """Every stored rule checked; no rules (None or empty) is an empty list."""
    return [read_rule(r) for r in rules or ()]


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
    return [rule_dict(r) for r in read_rules(rules)]
