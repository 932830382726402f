"""An area's contacts from a file's columns: a JSON list, numbered columns or role columns."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from geo.model import Contact
from geo.text import clean, fold

ROLES: tuple[str, ...] = (
    "地域包括支援センター",
    "高齢者あんしんセンター",
    "社会福祉協議会",
    "生活支援コーディネーター",
    "地域支え合い推進員",
    "推進員",
    "協議体",
)
_PARTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "名前", "氏名"),
    "phone": ("phone", "tel", "電話", "電話番号"),
    "fax": ("fax", "ファックス", "fax番号"),
    "address": ("address", "住所", "所在地"),
    "hours": ("hours", "受付時間", "開所時間", "時間"),
    "email": ("email", "mail", "メール"),
    "url": ("url", "ホームページ"),
}
_KNOWN = ("phone", "fax", "address", "hours", "email", "url")  # a JSON contact's other keys
_NUMBERED = re.compile(r"^contact_?(\d+)_?(.+)$", re.IGNORECASE)


class ContactError(ValueError):
    """A contacts cell that cannot be read; the message names the problem."""


def _part(suffix: str) -> str | None:
    key = fold(suffix).strip("_")
    for part, names in _PARTS.items():
        if key in {fold(n) for n in names} or key == part:
            return part
    if key == "role":
        return "role"
    return None


def contacts_from_props(props: Mapping[str, Any], json_column: str | None) -> list[Contact]:
    """Contacts from `contacts` (JSON), `contact_1_name`… or `地域包括支援センター_電話番号`."""
    out: list[Contact] = []
    if json_column and clean(props.get(json_column)):
        out = _json_contacts(props[json_column])
    numbered, by_role = _contact_columns(props)
    for n in sorted(numbered):
        fields = numbered[n]
        if "name" not in fields or "role" not in fields:
            raise ContactError(f"contact_{n}_… columns need both a role and a name")
        out.append(Contact(**fields))
    for role, fields in by_role.items():
        if "name" in fields:
            out.append(Contact(role=role, **fields))
    return out


def _json_contacts(raw: Any) -> list[Contact]:
    """Contacts from a JSON list (text, or already a list) of objects with a role and a name."""
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ContactError(f"not a JSON list of contacts: {exc}") from exc
    if not isinstance(items, list):
        raise ContactError("not a JSON list of contacts")
    out: list[Contact] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not clean(item.get("role")) or not clean(item.get("name")):
            raise ContactError(f"contact {i} needs a role and a name")
        known = {k: clean(item.get(k)) for k in _KNOWN}
        out.append(Contact(role=str(clean(item["role"])), name=str(clean(item["name"])), **known))
    return out


def _contact_columns(
    props: Mapping[str, Any],
) -> tuple[dict[int, dict[str, str]], dict[str, dict[str, str]]]:
    """The parts given in numbered columns (`contact_1_phone`) and in role columns
    (`地域包括支援センター_電話番号`), by number and by role."""
    numbered: dict[int, dict[str, str]] = {}
    by_role: dict[str, dict[str, str]] = {}
    for column, value in props.items():
        text = clean(value)
        if text is None:
            continue
        m = _NUMBERED.match(str(column))
        if m:
            part = _part(m.group(2))
            if part:
                numbered.setdefault(int(m.group(1)), {})[part] = text
            continue
        for role in ROLES:
            if str(column).startswith(role):
                part = _part(str(column)[len(role) :]) or ("name" if str(column) == role else None)
                if part and part != "role":
                    by_role.setdefault(role, {})[part] = text
                break
    return numbered, by_role
