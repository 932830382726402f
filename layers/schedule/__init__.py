"""The one schedule engine: rules parsed, described, and 次回開催 computed, for API, maps, pages.

Callers import from here, never from the modules inside:

* ``rules`` — the stored rule, its checks and canonical form (``normalize_rules``);
* ``calendar`` — 祝日/年末年始, which days a rule meets, the next session (``next_occurrence``);
* ``tokens`` and ``parse`` — free text → rules (``parse_schedule``);
* ``columns`` — the standard dataset's availableDate/startTime/endTime → rules;
* ``describe`` — rules and sessions → words, Japanese and English.
"""

from layers.schedule.calendar import (
    HORIZON_DAYS,
    JST,
    Lang,
    Occurrence,
    closed_reason,
    is_closed_day,
    matches,
    next_date,
    next_occurrence,
    next_occurrences,
)
from layers.schedule.columns import schedule_from_columns
from layers.schedule.describe import date_text, describe, occurrence_text, short_date_text
from layers.schedule.parse import parse_schedule
from layers.schedule.rules import ScheduleError, normalize_rules

__all__ = [
    "HORIZON_DAYS",
    "JST",
    "Lang",
    "Occurrence",
    "ScheduleError",
    "closed_reason",
    "date_text",
    "describe",
    "is_closed_day",
    "matches",
    "next_date",
    "next_occurrence",
    "next_occurrences",
    "normalize_rules",
    "occurrence_text",
    "parse_schedule",
    "schedule_from_columns",
    "short_date_text",
]
