"""The verification queue: a city's places whose facts nobody has confirmed for N months.

A listing nobody checks goes stale, and a stale listing sends an older resident to a closed door.
Each coordinator works through the places not verified (最終確認日) within the city's setting
``stale_months:{city}`` (default 6), stalest first: never verified, then the oldest check. The
functions here are pure (places and today's date in, places out) so the editor, its CSV and
``tsudoi stale`` all order the queue alike.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from geo.errors import InvalidParameter
from geo.model import Place
from geo.store.base import Store

DEFAULT_STALE_MONTHS = 6
MAX_STALE_MONTHS = 120  # ten years: beyond that "stale" no longer sorts anything
JAPAN = ZoneInfo("Asia/Tokyo")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def today_in_japan() -> date:
    """The date on residents' calendars, whatever the server's time zone."""
    return datetime.now(JAPAN).date()


def setting_name(city: str) -> str:
    """The store setting that holds a city's number of months."""
    return f"stale_months:{city}"


def check_months(months: int) -> int:
    """A number of months the queue can use (1–120), else InvalidParameter naming it."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise InvalidParameter("stale_months", f"must be a whole number, got {months!r}")
    if not 1 <= months <= MAX_STALE_MONTHS:
        raise InvalidParameter(
            "stale_months", f"must be between 1 and {MAX_STALE_MONTHS}, got {months}"
        )
    return months


def stale_months(store: Store, city: str) -> int:
    """The city's setting, or the default when unset (a value that is no number is refused)."""
    raw = store.setting(setting_name(city))
    if raw is None:
        return DEFAULT_STALE_MONTHS
    try:
        return check_months(int(raw))
    except ValueError as exc:
        raise InvalidParameter(
            "stale_months", f"the stored setting is not a number: {raw!r}"
        ) from exc


def verified_on(place: Place) -> date | None:
    """The day the place was last verified, when its 最終確認日 reads as a date."""
    m = _ISO_DAY.match((place.last_verified or "").strip())
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def months_before(today: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    total = today.year * 12 + today.month - 1 - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(today.day, last))


def is_stale(place: Place, today: date, months: int) -> bool:
    """Not verified within ``months`` before ``today`` (never verified counts as stale)."""
    day = verified_on(place)
    return day is None or day < months_before(today, months)


def staleness_key(place: Place) -> tuple[int, str, str, str]:
    """Stalest first: never verified (or unreadable), then the oldest check; then by name, id."""
    day = verified_on(place)
    return (0 if day is None else 1, day.isoformat() if day else "", place.name, place.id)


def stalest_first(places: Iterable[Place]) -> list[Place]:
    """Every place, the ones most in need of a check first."""
    return sorted(places, key=staleness_key)


def verification_queue(places: Iterable[Place], today: date, months: int) -> list[Place]:
    """The places not verified within ``months``, stalest first; closed places are left out
    (nobody has to confirm a place that no longer meets)."""
    check_months(months)
    return stalest_first(p for p in places if p.status != "closed" and is_stale(p, today, months))


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue as the CSV and the command line show it."""

    place: Place
    areas: tuple[str, ...]  # the names of the areas it lies in, widest first
    days: int | None  # days since its last check; None: never checked


def queue_rows(
    places: Sequence[Place], today: date, months: int, areas: Sequence[Sequence[str]]
) -> list[QueueRow]:
    """The queue with each place's area names (``areas`` parallel to ``places``)."""
    names = {p.id: tuple(a) for p, a in zip(places, areas, strict=True)}
    out = []
    for place in verification_queue(places, today, months):
        day = verified_on(place)
        out.append(QueueRow(place, names[place.id], None if day is None else (today - day).days))
    return out


CSV_HEADER = (
    "ID", "名称", "種別", "地区", "住所", "電話番号", "主催者", "状態", "最終確認日", "経過日数",
)  # fmt: skip


def queue_csv(rows: Sequence[QueueRow]) -> str:
    """The queue as CSV for Excel: UTF-8 with a BOM, Japanese headings, CRLF line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        p = r.place
        writer.writerow([
            p.id, p.name, p.category, "・".join(r.areas), p.address or "", p.phone or "",
            p.organiser or "", p.status, p.last_verified or "",
            "" if r.days is None else r.days,
        ])  # fmt: skip
    return "\ufeff" + buf.getvalue()
