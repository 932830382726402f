"""A write's JSON body, read and parsed here so that anything a caller sends (not JSON, NaN,
too large, wrong encoding) is a 422 naming the body, never a 5xx."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

from fastapi import Depends, Request

from geo.errors import InputError, Problem

BODY = "request body"
MAX_BODY_BYTES = 1_000_000  # one place or one area's contacts: far below this


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


async def json_body(request: Request) -> Any:
    """The parsed body; an empty body is an empty object (a change of nothing)."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise InputError([Problem(BODY, f"larger than {MAX_BODY_BYTES:,} bytes")])
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError([Problem(BODY, f"not JSON (UTF-8): {exc}")]) from None
    bad = _unstorable(value, "")
    if bad is not None:
        where, reason = bad
        raise InputError([Problem(BODY, reason, field=where or None)])
    return value


MAX_INTEGER = 2**53 - 1  # the integers JSON carries exactly everywhere (RFC 7493, I-JSON)
SURROGATE = "a \\u escape of half a surrogate pair is not text (it cannot be stored as UTF-8)"
HUGE = f"a number beyond ±{MAX_INTEGER:,} (2^53 - 1) cannot be stored and read back exactly"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable(value: Any, path: str) -> tuple[str, str] | None:
    """Where (``a.b[0]``) and why a part of the value is valid JSON but not storable: a lone
    surrogate (``"\\ud800"``) in a string or key, or a number no store nor JSON encoder
    takes back (``1e400``; ``1e20``, which jsonb reads back as a 21-digit integer); None
    when all is well. These were 500s from the stores."""
    if isinstance(value, str):
        return None if _encodable(value) else (path, SURROGATE)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):  # float: PostgreSQL's jsonb gives 1e20 back as an int
        return None if abs(value) <= MAX_INTEGER else (path, HUGE)
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if not _encodable(key):
                return inner.encode("utf-8", "backslashreplace").decode(), SURROGATE
            found = _unstorable(item, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _unstorable(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


JsonBody = Annotated[Any, Depends(json_body)]


def body_schema(description: str, required: bool = True) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads its JSON itself (for /docs)."""
    return {
        "requestBody": {
            "required": required,
            "description": description,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
