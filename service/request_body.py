"""A write's JSON body, read and parsed here so that anything a caller sends (not JSON, NaN,
too large, wrong encoding) is a 422 naming the body, never a 5xx."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

from fastapi import Depends, Request

from geo.errors import InputError, Problem
from geo.storable import unstorable

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
    bad = unstorable(value)  # valid JSON that no store gives back (geo.storable)
    if bad is not None:
        raise InputError([Problem(BODY, bad.reason, field=bad.where or None)])
    return value


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
