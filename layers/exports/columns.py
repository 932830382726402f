"""What an export writes for a place: its public fields, and the columns that carry its identity.

The identity columns are kept here, in one table, so a change of the id scheme is made once:
the export writes the place's full id and what it was made from (the source and the source's
own id), and the place import (``layers.place_import``) gives a row with ``place_id`` that id
back, with ``place_source`` as its source, instead of making a new one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from geo.japan.municipalities import check_digit, get_city
from geo.model import Category, Place
from layers.folium.cards import next_text
from layers.schedule import Lang, ScheduleError, describe

# The identity columns: the full id, the source it was imported from, the source's own id (the
# 自治体標準 layout's NO). The import reads the first two back (see layers.place_import.FIELDS).
ID_COLUMN = "place_id"
SOURCE_COLUMN = "place_source"
SOURCE_ID_COLUMN = "NO"

# Columns the import reads but keeps nothing of: the city's code and name (the import is told
# the city), and 次回開催 (computed again from the rules whenever it is shown).
CITY_CODE_COLUMN = "都道府県コード又は市区町村コード"
CITY_NAME_COLUMN = "市区町村名"
NEXT_DATE_COLUMN = "次回開催"

# (column, Place field) in the order of the CSV: the 自治体標準オープンデータセット names where
# the layout has the field, our own names (which the import also reads) where it has not.
FIELD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("名称", "name"),
    ("名称_カナ", "kana"),
    ("category", "category"),
    ("kind", "kind"),
    ("所在地_連結表記", "address"),
    ("電話番号", "phone"),
    ("メールアドレス", "email"),
    ("開催日時", "schedule"),
    ("schedule_rules", "schedule_rules"),
    ("参加費", "fee"),
    ("主催", "organiser"),
    ("説明", "description"),
    ("バリアフリー情報", "accessibility"),
    ("URL", "url"),
    ("status", "status"),
    ("location_precision", "location_precision"),
    ("最終確認日", "last_verified"),
    ("demo", "demo"),
)
LAT_COLUMN, LON_COLUMN = "緯度", "経度"


def identity(place: Place) -> dict[str, str]:
    """The columns that give the place back its id on import, whatever the id is made of."""
    return {
        SOURCE_ID_COLUMN: place.source_id or "",
        ID_COLUMN: place.id,
        SOURCE_COLUMN: place.source or "",
    }


def cell(value: Any) -> str:
    """A field as text: rules as JSON, booleans as true/false, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)


def city_columns(city: str) -> dict[str, str]:
    """The layout's first columns: the 6-digit code (with its check digit) and the city's name."""
    return {CITY_CODE_COLUMN: f"{city}{check_digit(city)}", CITY_NAME_COLUMN: get_city(city).name}


def row(place: Place, now: datetime, lang: Lang = "ja") -> dict[str, str]:
    """One place as the CSV's cells (public fields only; never internal_contact or extras)."""
    out = {
        **city_columns(place.city),
        SOURCE_ID_COLUMN: place.source_id or "",
    }
    out.update({column: cell(getattr(place, name)) for column, name in FIELD_COLUMNS})
    out[LAT_COLUMN] = repr(place.lat)
    out[LON_COLUMN] = repr(place.lon)
    out[NEXT_DATE_COLUMN] = next_text(place, now, lang) or ""
    out.update(identity(place))
    return out


def header() -> list[str]:
    """The CSV's columns, in order."""
    return [
        CITY_CODE_COLUMN,
        SOURCE_ID_COLUMN,
        CITY_NAME_COLUMN,
        *(column for column, _ in FIELD_COLUMNS),
        LAT_COLUMN,
        LON_COLUMN,
        NEXT_DATE_COLUMN,
        ID_COLUMN,
        SOURCE_COLUMN,
    ]


def schedule_words(place: Place, lang: Lang = "ja") -> str | None:
    """The schedule as a resident reads it: the city's own words, else the rules described."""
    if place.schedule:
        return place.schedule
    if place.schedule_rules:
        try:
            return describe(place.schedule_rules, lang)
        except ScheduleError:
            return None
    return None


def category_label(cat: Category | None, slug: str, lang: Lang = "ja") -> str:
    """The category's name as the map shows it (the slug when the city lacks the category)."""
    if cat is None:
        return slug
    return cat.label_ja if lang == "ja" else cat.label_en
