"""次回開催 from schedule rules, checked by hand against the 2026/2027 calendar.

Calendar facts used below (Monday-first):
2026-07: Wednesdays 1, 8, 15, 22, 29.  2026-08: Wednesdays 5, 12, 19, 26.
2026-11-23 (Mon) 勤労感謝の日; 2026-11 Fridays 6, 13, 20, 27.  2026-09-22 (Tue) 国民の休日.
2026-05-06 (Wed) 振替休日.  2027-01-11 (Mon) 成人の日; 2027-02-01 is a Monday.
2026-12-29 (Tue) … 2027-01-03 年末年始; 2027-01-05 is a Tuesday.
2026-01 has five Thursdays (29th); Feb and Mar 2026 have four; 2026-04-30 is the fifth.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.schedule import (
    HORIZON_DAYS,
    JST,
    ScheduleError,
    closed_reason,
    describe,
    matches,
    next_date,
    next_occurrence,
    next_occurrences,
    normalize_rules,
    occurrence_text,
    parse_schedule,
    schedule_from_columns,
    short_date_text,
)

SECOND_FOURTH_WED = [{"weekdays": [2], "weeks": [2, 4], "start": "10:00", "end": "12:00"}]
WEEKLY_MON = [{"weekdays": [0], "weeks": None, "start": "13:30", "end": "15:30"}]
WEEKLY_TUE = [{"weekdays": [1], "weeks": None, "start": "13:30", "end": "15:30"}]


def test_second_and_fourth_wednesday() -> None:
    assert next_date(SECOND_FOURTH_WED, date(2026, 7, 1)) == date(2026, 7, 8)
    assert next_date(SECOND_FOURTH_WED, date(2026, 7, 8)) == date(2026, 7, 8)
    assert next_date(SECOND_FOURTH_WED, date(2026, 7, 9)) == date(2026, 7, 22)
    assert next_date(SECOND_FOURTH_WED, date(2026, 7, 23)) == date(2026, 8, 12)


def test_weekly_monday_on_labour_thanksgiving_day_moves_to_next_monday() -> None:
    assert next_date(WEEKLY_MON, date(2026, 11, 17)) == date(2026, 11, 30)


def test_second_monday_on_coming_of_age_day_moves_to_next_month() -> None:
    second_monday = [{"weekdays": [0], "weeks": [2], "start": None, "end": None}]
    assert next_date(second_monday, date(2027, 1, 1)) == date(2027, 2, 8)


def test_national_holiday_between_two_holidays_is_skipped() -> None:
    assert next_date(WEEKLY_TUE, date(2026, 9, 16)) == date(2026, 9, 29)


def test_substitute_holiday_is_skipped() -> None:
    weekly_wed = [{"weekdays": [2], "weeks": None, "start": None, "end": None}]
    assert next_date(weekly_wed, date(2026, 5, 1)) == date(2026, 5, 13)
    assert next_date(WEEKLY_MON, date(2027, 3, 16)) == date(2027, 3, 29)  # 3/22 振替休日


def test_year_end_break_is_skipped() -> None:
    assert next_date(WEEKLY_TUE, date(2026, 12, 28)) == date(2027, 1, 5)


def test_the_next_three_sessions_skip_holidays_and_the_year_end() -> None:
    """Paper lists three: each found as the first is, from the day after the one before."""
    coming = next_occurrences(WEEKLY_TUE, datetime(2026, 12, 15, 16, 0, tzinfo=JST), 3)
    # 12/15's session has ended; 12/29 falls in 年末年始
    assert [o.date for o in coming] == [date(2026, 12, 22), date(2027, 1, 5), date(2027, 1, 12)]
    assert coming[0].start == "13:30"
    assert [short_date_text(o.date, "ja") for o in coming] == [
        "12/22(火)", "1/5(火)", "1/12(火)"]
    assert short_date_text(date(2027, 1, 5), "en") == "5 Jan"
    leap_day = [{"weekdays": [], "dates": [29], "months": [2]}]  # fewer when the horizon ends
    assert [o.date for o in next_occurrences(leap_day, date(2027, 6, 1), 3)] == [
        date(2028, 2, 29)]
    assert next_occurrences(None, date(2026, 1, 1), 3) == []


def test_daily_rule_resumes_after_new_year() -> None:
    daily = [{"weekdays": list(range(7)), "weeks": None, "start": None, "end": None}]
    assert next_date(daily, date(2026, 12, 28)) == date(2026, 12, 28)
    assert next_date(daily, date(2026, 12, 29)) == date(2027, 1, 4)


def test_rule_that_meets_on_holidays_keeps_the_holiday() -> None:
    open_on_holidays = [{**WEEKLY_MON[0], "skip_holidays": False}]
    assert next_date(open_on_holidays, date(2026, 11, 17)) == date(2026, 11, 23)
    assert next_date(WEEKLY_MON, date(2026, 11, 17), skip_holidays=False) == date(2026, 11, 23)


def test_fifth_weekday_waits_for_a_month_that_has_one() -> None:
    fifth_thursday = [{"weekdays": [3], "weeks": [5], "start": None, "end": None}]
    assert next_date(fifth_thursday, date(2026, 1, 1)) == date(2026, 1, 29)
    assert next_date(fifth_thursday, date(2026, 1, 30)) == date(2026, 4, 30)


def test_last_friday_of_the_month() -> None:
    last_friday = [{"weekdays": [4], "weeks": [-1], "start": None, "end": None}]
    assert next_date(last_friday, date(2026, 11, 1)) == date(2026, 11, 27)
    assert next_date(last_friday, date(2026, 1, 1)) == date(2026, 1, 30)  # a fifth Friday


def test_day_of_month_rule_skips_a_holiday() -> None:
    third = [{"weekdays": [], "weeks": None, "dates": [3], "start": None, "end": None}]
    assert next_date(third, date(2026, 11, 1)) == date(2026, 12, 3)  # 11/3 文化の日


def test_months_narrow_a_rule() -> None:
    summer_only = [{**WEEKLY_TUE[0], "months": [4, 5, 6, 7, 8, 9, 10, 11]}]
    assert next_date(summer_only, date(2026, 11, 25)) == date(2027, 4, 6)


def test_datetime_after_the_end_time_gives_the_next_session() -> None:
    assert next_date(SECOND_FOURTH_WED, datetime(2026, 7, 8, 9, 0)) == date(2026, 7, 8)
    assert next_date(SECOND_FOURTH_WED, datetime(2026, 7, 8, 11, 59)) == date(2026, 7, 8)
    assert next_date(SECOND_FOURTH_WED, datetime(2026, 7, 8, 12, 0)) == date(2026, 7, 22)


def test_timezone_aware_datetime_is_read_in_japan_time() -> None:
    utc = UTC
    assert next_date(SECOND_FOURTH_WED, datetime(2026, 7, 8, 2, 0, tzinfo=utc)) == date(2026, 7, 8)
    assert next_date(SECOND_FOURTH_WED, datetime(2026, 7, 8, 3, 30, tzinfo=utc)) == date(
        2026, 7, 22
    )


def test_session_without_end_time_counts_all_day() -> None:
    rules = [{"weekdays": [2], "weeks": None, "start": "10:00", "end": None}]
    assert next_date(rules, datetime(2026, 7, 8, 20, 0)) == date(2026, 7, 8)


def test_earliest_of_several_rules_wins_with_its_times() -> None:
    rules = [
        {"weekdays": [5], "weeks": [1], "start": "10:00", "end": "11:30"},
        {"weekdays": [4], "weeks": [3], "start": "09:30", "end": "11:30"},
    ]
    occ = next_occurrence(rules, date(2026, 7, 5))
    assert occ is not None
    assert (occ.date, occ.start, occ.end) == (date(2026, 7, 17), "09:30", "11:30")


def test_impossible_rule_gives_none() -> None:
    never = [{"weekdays": [], "weeks": None, "dates": [31], "months": [2]}]
    assert next_date(never, date(2026, 1, 1)) is None
    assert next_date([], date(2026, 1, 1)) is None
    assert next_date(None, date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"weekdays": [7], "weeks": None},
        {"weekdays": [1], "weeks": [0]},
        {"weekdays": [1], "weeks": None, "start": "25:00"},
        {"weekdays": [1], "weeks": None, "start": "12:00", "end": "10:00"},
        {"weekdays": [], "weeks": None},
        {"weekdays": [1], "weeks": None, "every": "other week"},
        {"weekdays": [True], "weeks": None},
    ],
)
def test_malformed_rule_is_an_error_not_never(bad: dict[str, Any]) -> None:
    with pytest.raises(ScheduleError):
        next_date([bad], date(2026, 1, 1))


def test_closed_reason_names_the_holiday() -> None:
    assert closed_reason(date(2026, 11, 23)) == "勤労感謝の日"
    assert closed_reason(date(2026, 12, 30)) == "年末年始"
    assert closed_reason(date(2026, 11, 24)) is None
    assert closed_reason(date(2026, 11, 23), "en") == "Labor Thanksgiving Day"


def test_matches_agrees_with_next_date_on_a_holiday() -> None:
    assert not matches(WEEKLY_MON, date(2026, 11, 23))
    assert matches(WEEKLY_MON, date(2026, 11, 23), skip_holidays=False)
    assert matches(WEEKLY_MON, date(2026, 11, 30))


# ------------------------------------------------------------------ parse_schedule


def _r(weekdays: list[int], weeks: list[int] | None, start: str | None, end: str | None,
       **extra: Any) -> dict[str, Any]:
    return {"weekdays": weekdays, "weeks": weeks, "start": start, "end": end, **extra}


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("毎月第2・第4水曜 10:00〜12:00", [_r([2], [2, 4], "10:00", "12:00")]),
        ("第1・3木曜日 13:30～15:30", [_r([3], [1, 3], "13:30", "15:30")]),
        ("毎週火曜 13:30〜15:30", [_r([1], None, "13:30", "15:30")]),
        ("毎週月・水・金 9時～12時", [_r([0, 2, 4], None, "09:00", "12:00")]),
        ("毎月15日 10:00-11:30", [_r([], None, "10:00", "11:30", dates=[15])]),
        ("第2土曜日", [_r([5], [2], None, None)]),
        ("月火水木金", [_r([0, 1, 2, 3, 4], None, None, None)]),
        ("毎月最終金曜", [_r([4], [-1], None, None)]),
        ("毎月第１・第３火曜日　１０：００～１２：００", [_r([1], [1, 3], "10:00", "12:00")]),
        ("毎週月〜金 10:00〜16:00", [_r([0, 1, 2, 3, 4], None, "10:00", "16:00")]),
        ("毎週火・土曜 13:00〜16:00", [_r([1, 5], None, "13:00", "16:00")]),
        (
            "毎月第1土曜 10:00〜11:30、第3金曜 9:30〜11:30",
            [_r([5], [1], "10:00", "11:30"), _r([4], [3], "09:30", "11:30")],
        ),
        ("毎週水曜日 10時30分〜11時半", [_r([2], None, "10:30", "11:30")]),
        ("毎週水曜日 午後1時30分〜3時", [_r([2], None, "13:30", "15:00")]),
        ("第2・第4月曜日 10時から12時まで（祝日は休み）", [_r([0], [2, 4], "10:00", "12:00")]),
        ("毎月第2、第4金曜日 13:30–15:30", [_r([4], [2, 4], "13:30", "15:30")]),
        ("第２と第４の水曜日 10時〜12時 要予約", [_r([2], [2, 4], "10:00", "12:00")]),
        ("毎月1日・15日 10:00〜11:30", [_r([], None, "10:00", "11:30", dates=[1, 15])]),
        ("平日 9:00〜17:00", [_r([0, 1, 2, 3, 4], None, "09:00", "17:00")]),
        ("毎日 10:00〜16:00（年末年始は休み）", [_r(list(range(7)), None, "10:00", "16:00")]),
        ("土日 10:00〜15:00", [_r([5, 6], None, "10:00", "15:00")]),
        ("最終週の金曜 14:00〜16:00", [_r([4], [-1], "14:00", "16:00")]),
        ("第2水曜（10:00〜12:00）", [_r([2], [2], "10:00", "12:00")]),
        (
            "毎週火曜 10:00〜12:00、13:00〜15:00",
            [_r([1], None, "10:00", "12:00"), _r([1], None, "13:00", "15:00")],
        ),
        (
            "第1水曜、第3水曜 10:00〜12:00",
            [_r([2], [1], "10:00", "12:00"), _r([2], [3], "10:00", "12:00")],
        ),
        (
            "毎週月曜 9:30〜14:00（祝日も開催）",
            [_r([0], None, "09:30", "14:00", skip_holidays=False)],
        ),
        (
            "毎週木曜 10:00〜12:00（8月は休み）",
            [_r([3], None, "10:00", "12:00", months=[1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])],
        ),
        ("4月〜11月の第3日曜 9:00〜", [_r([6], [3], "09:00", None, months=list(range(4, 12)))]),
        ("11月〜3月 毎週土曜", [_r([5], None, None, None, months=[1, 2, 3, 11, 12])]),
        (
            "偶数月の第2火曜 10:00〜11:30",
            [_r([1], [2], "10:00", "11:30", months=[2, 4, 6, 8, 10, 12])],
        ),
    ],
)
def test_parse_schedule_reads_city_text(text: str, rules: list[dict[str, Any]]) -> None:
    assert parse_schedule(text) == rules


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "隔週火曜 10:00〜12:00",
        "月1回",
        "月2回程度",
        "不定期",
        "随時",
        "毎月水曜",  # which Wednesday?
        "毎週第2水曜",
        "第2",
        "10:00〜12:00",
        "第6水曜",
        "毎月32日",
        "毎週火曜 12:00〜10:00",
        "土日祝 10:00〜",  # open on holidays too: the rules cannot say it
        "祝日も開催、年末年始は休み",
        "公民館で開催",
        "第2水曜 金曜",
        "毎週火曜 25:00〜26:00",
    ],
)
def test_parse_schedule_gives_none_rather_than_guess(text: str) -> None:
    assert parse_schedule(text) is None


def test_parse_schedule_reads_every_demo_place() -> None:
    import json
    from pathlib import Path

    pack = Path(__file__).resolve().parents[1] / "service" / "demo_data" / "15100"
    features = json.loads((pack / "places.geojson").read_text(encoding="utf-8"))["features"]
    for f in features:
        props = f["properties"]
        if props.get("schedule") and props.get("schedule_rules"):
            assert parse_schedule(props["schedule"]) == normalize_rules(props["schedule_rules"]), (
                props["schedule"]
            )


# ------------------------------------------------------------------ dataset columns


@pytest.mark.parametrize(
    ("days", "start", "end", "weekdays", "times"),
    [
        ("月火水木金", "8:30", "17:00", [0, 1, 2, 3, 4], ("08:30", "17:00")),
        ("月〜金", "08:30:00", "17:00:00", [0, 1, 2, 3, 4], ("08:30", "17:00")),  # a range
        ("月曜日", "８時３０分", "12時半", [0], ("08:30", "12:30")),  # 曜日 is no Sunday
        ("月・水・金", "午後1時", None, [0, 2, 4], ("13:00", None)),
        ("土日祝", "9時", "夕方", [5, 6], ("09:00", None)),
    ],
)
def test_dataset_columns_are_read_as_a_written_schedule_is(
    days: str, start: str, end: str | None, weekdays: list[int], times: tuple[Any, Any]
) -> None:
    text, rules = schedule_from_columns(days, start, end, None)
    assert rules == [{"weekdays": weekdays, "weeks": None, "start": times[0], "end": times[1]}]
    assert text == " ".join(p for p in (days, "〜".join(t for t in (start, end) if t)) if p)


@pytest.mark.parametrize("days", ["月火水木金", "月〜金", "月曜日", "月・水・金", "火・土曜"])
def test_dataset_days_mean_what_they_mean_in_free_text(days: str) -> None:
    _, rules = schedule_from_columns(days, None, None, None)
    written = parse_schedule(f"毎週{days}")
    assert rules is not None and written is not None
    assert rules[0]["weekdays"] == written[0]["weekdays"]


def test_dataset_columns_without_days_give_text_only() -> None:
    text, rules = schedule_from_columns(None, "10:00", "12:00", "要予約")
    assert (text, rules) == ("10:00〜12:00（要予約）", None)
    assert schedule_from_columns(None, None, None, None) == (None, None)


# ------------------------------------------------------------------ describe


def test_describe_in_japanese_and_english() -> None:
    assert describe(SECOND_FOURTH_WED) == "毎月第2・第4水曜 10:00〜12:00"
    assert describe(SECOND_FOURTH_WED, "en") == (
        "2nd and 4th Wednesday of the month, 10:00–12:00"
    )
    assert describe(WEEKLY_TUE) == "毎週火曜 13:30〜15:30"
    assert describe(WEEKLY_TUE, "en") == "Every Tuesday, 13:30–15:30"
    last = [{"weekdays": [4], "weeks": [-1], "start": None, "end": None}]
    assert describe(last) == "毎月最終金曜"
    assert describe(last, "en") == "Last Friday of the month"
    fifteenth = [{"weekdays": [], "weeks": None, "dates": [15], "start": "10:00", "end": "11:30"}]
    assert describe(fifteenth) == "毎月15日 10:00〜11:30"
    assert describe(fifteenth, "en") == "The 15th of the month, 10:00–11:30"
    assert describe([]) == ""


def test_brief_english_for_paper_keeps_every_fact() -> None:
    """A printed sheet's column: the plural says "of the month"; weekly and dated rules, times,
    months and holidays are worded as on screen; Japanese does not change."""
    assert describe(SECOND_FOURTH_WED, "en", brief=True) == "2nd and 4th Wednesdays, 10:00–12:00"
    last = [{"weekdays": [4], "weeks": [-1], "start": None, "end": None}]
    assert describe(last, "en", brief=True) == "Last Fridays"
    span = [{"weekdays": [0, 1, 2], "weeks": [1], "start": "9:30", "end": None,
             "months": [4, 5, 6], "skip_holidays": False}]
    assert describe(span, "en", brief=True) == (
        "1st Mondays to Wednesdays (April to June only), from 9:30 (also on public holidays)")
    assert describe(WEEKLY_TUE, "en", brief=True) == describe(WEEKLY_TUE, "en")
    fifteenth = [{"weekdays": [], "weeks": None, "dates": [15], "start": "10:00", "end": "11:30"}]
    assert describe(fifteenth, "en", brief=True) == describe(fifteenth, "en")
    assert describe(SECOND_FOURTH_WED, "ja", brief=True) == describe(SECOND_FOURTH_WED)


def test_a_session_in_words_with_its_times() -> None:
    monday = next_occurrence(WEEKLY_MON, date(2026, 11, 17))
    assert monday is not None
    assert occurrence_text(monday, "ja") == "2026年11月30日（月） 13:30〜15:30"
    assert occurrence_text(monday, "en") == "Mon 30 November 2026 13:30–15:30"
    from_eight = [{"weekdays": [0], "weeks": None, "start": "08:00", "end": None}]
    occ = next_occurrence(from_eight, date(2026, 11, 17))
    assert occ is not None and occurrence_text(occ, "ja") == "2026年11月30日（月） 8:00〜"
    until = [{"weekdays": [0], "weeks": None, "start": None, "end": "15:00"}]
    occ = next_occurrence(until, date(2026, 11, 17))
    assert occ is not None and occurrence_text(occ, "en") == "Mon 30 November 2026"


# ------------------------------------------------------------------ properties

_JP = holidays.Japan(years=range(2000, 2092))


def _closed(d: date) -> bool:
    return d in _JP or (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def _oracle(rule: dict[str, Any], d: date) -> bool:
    """A second, deliberately plain reading of a rule, to check next_date against."""
    if rule.get("months") and d.month not in rule["months"]:
        return False
    if rule.get("dates") and d.day not in rule["dates"]:
        return False
    if rule["weekdays"] and d.weekday() not in rule["weekdays"]:
        return False
    if rule["weeks"] is None:
        return True
    nth = (d.day - 1) // 7 + 1
    last = d.day > calendar.monthrange(d.year, d.month)[1] - 7
    return nth in rule["weeks"] or (-1 in rule["weeks"] and last)


_times = st.sampled_from(
    [(None, None), ("09:30", "11:30"), ("10:00", "12:00"), ("13:30", "15:30"), ("10:00", None)]
)


@st.composite
def _rule(draw: st.DrawFn) -> dict[str, Any]:
    start, end = draw(_times)
    rule: dict[str, Any]
    if draw(st.booleans()) and draw(st.booleans()):
        days = draw(st.lists(st.integers(1, 31), min_size=1, max_size=3, unique=True))
        rule = {"weekdays": [], "weeks": None, "dates": sorted(days), "start": start, "end": end}
    else:
        weekdays = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True))
        weeks = draw(
            st.none() | st.lists(st.sampled_from([1, 2, 3, 4, 5, -1]), min_size=1, max_size=3,
                                 unique=True)
        )
        rule = {"weekdays": sorted(weekdays),
                "weeks": None if weeks is None else sorted(weeks, key=lambda w: (w < 0, w)),
                "start": start, "end": end}
    if draw(st.booleans()) and draw(st.booleans()):
        rule["months"] = sorted(draw(st.lists(st.integers(1, 12), min_size=1, max_size=6,
                                              unique=True)))
    return rule


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(_rule(), min_size=1, max_size=3),
    after=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
)
def test_next_date_matches_a_rule_is_open_and_is_the_first(
    rules: list[dict[str, Any]], after: date
) -> None:
    found = next_date(rules, after)
    end = found if found is not None else after + timedelta(days=HORIZON_DAYS + 1)
    day = after
    while day < end:
        assert _closed(day) or not any(_oracle(r, day) for r in rules), day
        day += timedelta(days=1)
    if found is not None:
        assert found >= after
        assert any(_oracle(r, found) for r in rules)
        assert not _closed(found)


@settings(max_examples=300, deadline=None)
@given(rules=st.lists(_rule(), min_size=1, max_size=3, unique_by=lambda r: repr(r)),
       open_on_holidays=st.booleans())
def test_describe_reads_back_to_the_same_rules(
    rules: list[dict[str, Any]], open_on_holidays: bool
) -> None:
    # A time written last serves bare days before it (as cities write), so give every rule
    # the same kind: all with times or none.
    has_time = rules[0]["start"] is not None
    rules = [r for r in rules if (r["start"] is not None) == has_time]
    if open_on_holidays:
        rules = [{**r, "skip_holidays": False} for r in rules]
    canonical = normalize_rules(rules)
    assert parse_schedule(describe(rules)) == canonical
