"""A place changed by an editor or a script: a JSON merge patch, or a new place from a body,
checked as an import checks a row, so the API can never store what a file could not.

Every problem names its field and is collected before anything is refused (one 422 lists them
all). Text keeps what the caller wrote (trimmed), as an import does; schedule rules are checked by
the one schedule engine; a point must lie in the city under the import's 200 m border rule; a
place held in a private home is stored at its town's point, as an import stores it.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from geo.errors import InputError, Problem
from geo.ingest.extent import CityExtent
from geo.japan.coords import japan_point_problem
from geo.model import KINDS, PRECISIONS, STATUSES, Place
from geo.store.base import Store
from geo.text import clean
from layers.categories import CategoryMatcher
from layers.place_address import address_elsewhere
from layers.place_import import _OUTSIDE_HINT, _PRECISION_WORDS, _STATUS_WORDS
from layers.place_privacy import TownPoints, needs_town_point, public_place
from layers.schedule import ScheduleError, normalize_rules

BODY = "request body"  # what a problem's ``file`` names
SOURCE = "editor"  # the source of places created through the API or the editor
MAX_TEXT = 4000  # characters in one text field: a description, never a file

TEXT_FIELDS = (
    "kana", "address", "schedule", "fee", "organiser", "phone", "email", "description", "url",
    "accessibility", "internal_contact",
)  # fmt: skip
EDITABLE = frozenset({
    "kind", "category", "name", "schedule_rules", "status", "location_precision",
    "last_verified", "extra", "lon", "lat", *TEXT_FIELDS,
})  # fmt: skip
# Shown by the API but set by the service: a body may repeat them unchanged, never change them.
READ_ONLY = frozenset({
    "id", "city", "source", "source_id", "demo", "updated_at", "placed_from",
})  # fmt: skip
COMPUTED = frozenset({"next_date", "areas", "distance_m", "walking_min", "type"})
_LINE_BREAKS = frozenset("\n\r\t")


def new_place_id(city: str) -> str:
    """``{city}-editor-{random hex}``: unguessable, never one an import makes."""
    return f"{city}-{SOURCE}-{secrets.token_hex(6)}"


def apply_patch(store: Store, place: Place, patch: object) -> Place:
    """The place with a JSON merge patch (RFC 7396) applied: a field given is set, ``null``
    clears it (``extra`` merges key by key); InputError naming each wrong field."""
    if not isinstance(patch, Mapping):
        raise InputError([Problem(BODY, "must be a JSON object of the fields to change")])
    return _Edit(store, place, creating=False).apply(patch)


def place_from_body(store: Store, city: str, body: object) -> Place:
    """A new place (source ``editor``) from a JSON object of its fields with ``lon`` and
    ``lat``, or from a GeoJSON Feature with a Point; name and category are required."""
    fields = _flatten(body)
    base = Place(
        id=new_place_id(city), city=city, kind="gathering", category="", name="",
        lon=math.nan, lat=math.nan, source=SOURCE,
    )  # fmt: skip
    return _Edit(store, base, creating=True).apply(fields)


def _flatten(body: object) -> Mapping[str, Any]:
    """A Feature's properties with its point as lon/lat; a plain object as it is."""
    if not isinstance(body, Mapping):
        raise InputError([Problem(BODY, "must be a JSON object of place fields or a Feature")])
    if body.get("type") != "Feature":
        return body
    props = body.get("properties") or {}
    geometry = body.get("geometry")
    problems: list[Problem] = []
    if not isinstance(props, Mapping):
        problems.append(Problem(BODY, "must be an object", field="properties"))
        props = {}
    out = {k: v for k, v in props.items()}
    coords = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        problems.append(Problem(BODY, "a place must be a GeoJSON Point", field="geometry"))
    elif not isinstance(coords, list) or len(coords) < 2:
        problems.append(Problem(BODY, "a Point needs [lon, lat]", field="geometry"))
    else:
        out["lon"], out["lat"] = coords[0], coords[1]
    if problems:
        raise InputError(problems)
    return out


class _Edit:
    """One body applied to one place: each field checked, every problem collected."""

    def __init__(self, store: Store, place: Place, *, creating: bool) -> None:
        self.store = store
        self.place = place
        self.creating = creating
        self.problems: list[Problem] = []
        self._matcher: CategoryMatcher | None = None

    def refuse(self, field: str, reason: str, value: object = None, hint: str | None = None
               ) -> None:  # fmt: skip
        shown = value if value is None or isinstance(value, str) else repr(value)
        self.problems.append(Problem(BODY, reason, field=field, value=shown, hint=hint))

    @property
    def matcher(self) -> CategoryMatcher:
        if self._matcher is None:
            self._matcher = CategoryMatcher(self.store.categories(self.place.city))
        return self._matcher

    def apply(self, patch: Mapping[str, Any]) -> Place:
        values: dict[str, Any] = {}
        for key, value in patch.items():
            if not isinstance(key, str) or key not in EDITABLE:
                self._not_editable(key, value)
                continue
            checked = self.check(key, value)
            if checked is not _BAD:
                values[key] = checked
        if self.creating:
            for required in ("name", "category", "lon", "lat"):
                if required not in patch:
                    self.refuse(required, "required for a new place")
        if self.problems:
            raise InputError(self.problems)
        return self.finish(values)

    def _not_editable(self, key: object, value: object) -> None:
        name = str(key)
        if name in COMPUTED:
            return  # what a read adds (次回開催, areas): a body copied from a read may repeat it
        if name in READ_ONLY:
            if self.creating or value != getattr(self.place, name, None):
                self.refuse(name, "set by the service; it cannot be changed", value)
            return
        self.refuse(name, "unknown field", None,
                    "fields: " + ", ".join(sorted(EDITABLE)))  # fmt: skip

    def check(self, key: str, value: Any) -> Any:
        """The field's value as stored, or _BAD after a problem."""
        if key in TEXT_FIELDS:
            return self.text(key, value)
        return getattr(self, f"_{key}")(value)

    def text(self, key: str, value: Any, *, one_line: bool = False) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            self.refuse(key, "must be text (a JSON string) or null", value)
            return _BAD
        bad = [ch for ch in value if unicodedata.category(ch) == "Cc"
               and (one_line or ch not in _LINE_BREAKS)]  # fmt: skip
        if bad:
            self.refuse(key, "must not contain control characters", value)
            return _BAD
        if len(value) > MAX_TEXT:
            self.refuse(key, f"longer than {MAX_TEXT} characters", value[:40] + "…")
            return _BAD
        return clean(value)

    def _name(self, value: Any) -> Any:
        text = self.text("name", value, one_line=True)
        if text is None:
            self.refuse("name", "empty name")
            return _BAD
        return text

    def _category(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            self.refuse("category", "must be a category of the city (its slug)", value)
            return _BAD
        slug = self.matcher.match(value)
        if slug is None:
            self.refuse("category", "unknown category", value, "known: " + self.matcher.known())
            return _BAD
        return slug

    def _kind(self, value: Any) -> Any:
        if value not in KINDS:
            self.refuse("kind", "kind must be gathering or venue", value)
            return _BAD
        return value

    def _status(self, value: Any) -> Any:
        word = _STATUS_WORDS.get(value.lower()) if isinstance(value, str) else None
        if word is None:
            self.refuse("status", "status must be " + ", ".join(STATUSES), value,
                        "closing keeps the record: nothing is ever deleted")  # fmt: skip
            return _BAD
        return word

    def _location_precision(self, value: Any) -> Any:
        word = _PRECISION_WORDS.get(value.lower()) if isinstance(value, str) else None
        if word is None:
            self.refuse("location_precision", "must be " + " or ".join(PRECISIONS), value)
            return _BAD
        return word

    def _last_verified(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.refuse("last_verified", "must be a date YYYY-MM-DD or null", value)
        return _BAD

    def _schedule_rules(self, value: Any) -> Any:
        if value is None or value == []:
            return None
        if not isinstance(value, list):
            self.refuse("schedule_rules", "must be a JSON list of rules or null", value)
            return _BAD
        try:
            rules = normalize_rules(value)
        except ScheduleError as exc:
            self.refuse("schedule_rules", str(exc))
            return _BAD
        current = self.place.schedule_rules
        try:  # the same rules as stored, written another way: no change
            if current and normalize_rules(current) == rules:
                return current
        except ScheduleError:
            pass
        return rules

    def _extra(self, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.refuse("extra", "must be a JSON object (merged key by key) or null", value)
            return _BAD
        merged = merge_patch(self.place.extra, value)
        if _has_nul(merged):
            self.refuse("extra", "must not contain NUL characters")
            return _BAD
        return merged

    def _coordinate(self, key: str, value: Any, bound: float) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.refuse(key, "must be a number (degrees, WGS84)", value)
            return _BAD
        if not math.isfinite(value) or abs(value) > bound:
            self.refuse(key, f"must be a finite number between -{bound:g} and {bound:g}", value)
            return _BAD
        return float(value)

    def _lon(self, value: Any) -> Any:
        return self._coordinate("lon", value, 180)

    def _lat(self, value: Any) -> Any:
        return self._coordinate("lat", value, 90)

    def finish(self, values: dict[str, Any]) -> Place:
        """The place with the checked values, the point tested against the city, the kind
        following a new category, and a private home moved to its town's point."""
        before = self.place
        if "category" in values and "kind" not in values:
            values["kind"] = self.matcher.categories[values["category"]].kind
        moved = any(k in values and values[k] != getattr(before, k) for k in ("lon", "lat"))
        if moved:
            values["placed_from"] = None  # the point is now given, no longer its address's town
        place = replace(before, **values)
        if moved:
            self.check_point(place)
        address = values.get("address")
        if address and (elsewhere := address_elsewhere(place.city, address)) is not None:
            self.refuse("address", elsewhere.reason, address, elsewhere.hint)
        if self.problems:
            raise InputError(self.problems)
        if needs_town_point(place) and (moved or values.get("location_precision") == "town"):
            place = public_place(place, TownPoints(self.store.towns(place.city)))
        return place

    def check_point(self, place: Place) -> None:
        """In Japan, and in the city or within 200 m of its border, as an import requires."""
        lon, lat = place.lon, place.lat
        bad = japan_point_problem(lon, lat)
        if bad is not None:
            self.refuse("lon/lat", bad[0], f"lat {lat}, lon {lon}", bad[1])
            return
        where = CityExtent(self.store, place.city).where(lon, lat)
        if where.refused:
            self.refuse("lon/lat", where.reason(), f"lat {lat}, lon {lon}", _OUTSIDE_HINT)


_BAD = object()  # a field that failed its check (its problem is recorded)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _has_nul(value: Any) -> bool:
    """NUL cannot be stored as text by PostgreSQL (nor in jsonb): refused, never a 5xx."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
