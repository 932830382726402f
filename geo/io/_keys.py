"""Column names as files give them (blank, repeated, quoted, BOM-prefixed) made into usable keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

_KEY_STRIP = " \t\r\n\u3000\ufeff\"'“”‘’"


def clean_key(key: Any) -> str:
    """Column name without surrounding whitespace, BOM or quotes ('#property' keeps its '#')."""
    if key is None:
        return ""
    return str(key).strip(_KEY_STRIP)


def unique_keys(raw: Sequence[Any]) -> list[str]:
    """Clean names; name blank ones column_N and number repeats name_2, so no value is lost."""
    keys: list[str] = []
    seen: set[str] = set()
    for index, value in enumerate(raw, 1):
        key = clean_key(value) or f"column_{index}"
        candidate, n = key, 1
        while candidate in seen:
            n += 1
            candidate = f"{key}_{n}"
        seen.add(candidate)
        keys.append(candidate)
    return keys


def clean_props(raw: dict[Any, Any]) -> dict[str, Any]:
    """A feature's properties under cleaned, unique keys, values in their order."""
    keys = unique_keys(list(raw))
    return dict(zip(keys, raw.values(), strict=True))


def free_key(props: dict[str, Any], key: str, reserved: Iterable[str] = ()) -> str:
    """`key`, or key_2, key_3 … when it is taken, so a value never overwrites another."""
    taken = set(props) | set(reserved)
    candidate, n = key, 1
    while candidate in taken:
        n += 1
        candidate = f"{key}_{n}"
    return candidate


def strip_or_none(text: str | None) -> str | None:
    """Text without surrounding whitespace; None when nothing is left."""
    if text is None:
        return None
    return text.strip() or None
