"""The next sessions of schedule rules as residents will see them, before they are saved: the
editor shows them under the rules it edits. Public and pure: nothing is read or written."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from geo.errors import InvalidParameter
from layers.schedule import (
    ScheduleError,
    date_text,
    describe,
    next_occurrences,
    normalize_rules,
    occurrence_text,
)
from service.serialize import now_in_japan

PREVIEW_DATES = 3
MAX_RULES = 20

router = APIRouter(tags=["places"])


class PreviewRequest(BaseModel):
    """Rules as a place stores them (``Place.schedule_rules``)."""

    schedule_rules: list[Any] = Field(max_length=MAX_RULES)


def _checked(rules: list[Any]) -> list[dict[str, Any]]:
    """The rules in canonical form; the first wrong one is a 422 naming its place and key."""
    for i, rule in enumerate(rules):
        try:
            normalize_rules([rule])
        except ScheduleError as exc:
            raise InvalidParameter(f"schedule_rules[{i}]", str(exc)) from exc
    return normalize_rules(rules)


@router.post("/api/schedule/preview", summary="The next three dates of schedule rules")
def schedule_preview(body: PreviewRequest) -> dict[str, Any]:
    """The next three sessions from now in Japan (祝日 and 年末年始 skipped as the rules say),
    and the rules in words, Japanese and English, as the residents' card and sheet show them.
    ``dates`` are ISO dates like a place's ``next_date``; ``sessions`` add times and text."""
    rules = _checked(body.schedule_rules)
    found = next_occurrences(rules, now_in_japan(), PREVIEW_DATES)
    return {
        "schedule_rules": rules,
        "dates": [o.date.isoformat() for o in found],
        "sessions": [
            {
                "date": o.date.isoformat(),
                "start": o.start,
                "end": o.end,
                "date_ja": date_text(o.date, "ja"),
                "date_en": date_text(o.date, "en"),
                "text_ja": occurrence_text(o, "ja"),
                "text_en": occurrence_text(o, "en"),
            }
            for o in found
        ],
        "text_ja": describe(rules, "ja"),
        "text_en": describe(rules, "en"),
    }
