"""Values every store gives back as they were given: the one rule for what a write or an import
may keep as JSON or text.

Some values are valid in a file or a request yet no store can give them back: a lone surrogate
(``"\\ud800"``, a JSON escape of half a pair) is no UTF-8 text, so PostgreSQL and SQLite refuse
it or hand it back unreadable; a number beyond ±(2^53 - 1) does not come back exactly
(PostgreSQL's jsonb gives ``1e20`` back as a 21-digit integer, and an integer beyond 64 bits
breaks every answer that holds it); NaN is no JSON at all. Stored, each made every later read
of the record fail; so the write API and every import refuse them, naming where they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass

MAX_INTEGER = 2**53 - 1  # the integers JSON carries exactly everywhere (RFC 7493, I-JSON)
SURROGATE = "a \\u escape of half a surrogate pair is not text (it cannot be stored as UTF-8)"
HUGE = f"a number beyond ±{MAX_INTEGER:,} (2^53 - 1) cannot be stored and read back exactly"
NOT_A_NUMBER = "NaN is not a number JSON can carry (leave the cell empty instead)"


@dataclass(frozen=True)
class Unstorable:
    """Where in a value (``a.b[0]``; "" for the value itself) a part no store gives back lies,
    why, and that part as it can be shown (a number, or text with its surrogates escaped)."""

    where: str
    reason: str
    value: object = None


def is_text(text: str) -> bool:
    """Whether the string is UTF-8 text (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(text: str) -> str:
    """The string with any lone surrogate written as its escape, so it can be printed and
    stored in a message."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def unstorable(value: object, where: str = "", *, text_only: bool = False) -> Unstorable | None:
    """The first part of a JSON-like value (str, number, bool, None, dict, list, tuple, or a
    dataclass as the dict of its fields) that no store gives back, or None when all is well.
    Other types (geometries, dates) are the stores' own columns and pass. ``where`` is the
    path of ``value`` itself, for nested calls; ``text_only``: only its strings and keys (a
    file's cell, whose numbers may yet be stored as text)."""
    if isinstance(value, str):
        return None if is_text(value) else Unstorable(where, SURROGATE, shown(value))
    if isinstance(value, bool) or (text_only and isinstance(value, int | float)):
        return None
    if isinstance(value, float) and math.isnan(value):
        return Unstorable(where, NOT_A_NUMBER, value)
    if isinstance(value, int | float):  # float too: jsonb gives 1e20 back as an int; inf: 1e309
        return None if abs(value) <= MAX_INTEGER else Unstorable(where, HUGE, value)
    if is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and not is_text(key):
                return Unstorable(shown(inner), SURROGATE)
            found = unstorable(item, inner, text_only=text_only)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = unstorable(item, f"{where}[{i}]", text_only=text_only)
            if found is not None:
                return found
    return None
