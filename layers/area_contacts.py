"""An area's contacts as an editor sends them: a JSON list of objects, each checked by field,
so a coordinator's typo is named (422) and never stored."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from geo.errors import InputError, Problem
from geo.model import Contact
from geo.text import clean

BODY = "request body"
MAX_TEXT = 1000
_KEYS = tuple(f.name for f in fields(Contact))
_REQUIRED = ("role", "name")


def contacts_from_patch(patch: object) -> list[Contact]:
    """The contacts of a merge patch ``{"contacts": [...]}`` (the only field an area edit may
    change; its polygon and names come by import)."""
    if not isinstance(patch, Mapping):
        raise InputError([Problem(BODY, "must be a JSON object: {\"contacts\": [...]}")])
    problems = [
        Problem(BODY, "cannot be changed here (areas come by import); only contacts",
                field=str(k))
        for k in patch if k != "contacts"
    ]  # fmt: skip
    if "contacts" not in patch:
        problems.append(Problem(BODY, "required", field="contacts"))
    raw = patch.get("contacts")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(Problem(BODY, "must be a JSON list of contacts", field="contacts"))
        raw = []
    out = [_contact(i, item, problems) for i, item in enumerate(raw)]
    if problems:
        raise InputError(problems)
    return [c for c in out if c is not None]


def _contact(i: int, item: Any, problems: list[Problem]) -> Contact | None:
    where = f"contacts[{i}]"
    if not isinstance(item, Mapping):
        problems.append(Problem(BODY, "must be an object with role and name", field=where))
        return None
    values: dict[str, str | None] = {}
    first = len(problems)
    for key, value in item.items():
        if key not in _KEYS:
            problems.append(Problem(BODY, "unknown field; fields: " + ", ".join(_KEYS),
                                    field=f"{where}.{key}"))  # fmt: skip
            continue
        if value is not None and not isinstance(value, str):
            problems.append(Problem(BODY, "must be text or null", field=f"{where}.{key}",
                                    value=repr(value)))  # fmt: skip
            continue
        if value is not None and (
            len(value) > MAX_TEXT or any(unicodedata.category(ch) == "Cc" for ch in value)
        ):
            problems.append(Problem(BODY, f"one line of at most {MAX_TEXT} characters",
                                    field=f"{where}.{key}"))  # fmt: skip
            continue
        values[key] = clean(value)
    for key in _REQUIRED:
        if not values.get(key) and not any(p.field == f"{where}.{key}" for p in problems):
            problems.append(Problem(BODY, "required", field=f"{where}.{key}"))
    if len(problems) > first:
        return None
    return Contact(**values)  # type: ignore[arg-type]
