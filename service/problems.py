"""Errors as RFC 9457 problem documents, from one table: error type → (status, title).

Routes raise the typed errors of geo/errors.py and never choose a status themselves. Whatever a
caller sent that cannot be used is a 4xx; only the store's own failure is a 5xx, and its message
goes to the log, not to the caller.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo.errors import (
    AlreadyExists,
    Forbidden,
    InputError,
    InvalidParameter,
    MissingData,
    NotFound,
    PreconditionRequired,
    Renamed,
    StaleWrite,
    StoreError,
    TooManyAttempts,
    Unauthenticated,
    UnknownCity,
    UsageError,
    Withheld,
)

log = logging.getLogger("tsudoi")

PROBLEM_TYPE = "application/problem+json"

# The most specific type wins: an exception answers with the first of its classes (MRO) listed.
STATUS: dict[type[Exception], tuple[int, str]] = {
    Renamed: (308, "Permanent Redirect"),
    RequestValidationError: (422, "Invalid parameter"),
    InvalidParameter: (422, "Invalid parameter"),
    UsageError: (422, "Invalid request"),
    InputError: (422, "Invalid input"),
    UnknownCity: (404, "Unknown city"),
    NotFound: (404, "Not found"),
    MissingData: (409, "Missing data"),
    Withheld: (409, "Not public"),
    AlreadyExists: (409, "Already exists"),
    Unauthenticated: (401, "Sign-in required"),
    Forbidden: (403, "Not allowed"),
    StaleWrite: (412, "Changed since read"),
    PreconditionRequired: (428, "If-Match required"),
    TooManyAttempts: (429, "Too many attempts"),
    StoreError: (503, "Store unavailable"),
}
HTTP_TITLES = {404: "Not found", 405: "Method not allowed"}
# OGC API – Features answers a parameter it cannot use (unknown, malformed, out of bounds) with
# 400, where the rest of the API says 422; the same errors, the status its clients expect.
OGC_PREFIX = "/ogc"
SERVER_SIDE = "the service cannot answer now; its log says why"


def status_of(exc: Exception) -> tuple[int, str]:
    """The status and title the table gives this error (HTTP errors carry their own)."""
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, HTTP_TITLES.get(exc.status_code, "Error")
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    raise LookupError(f"no status for {type(exc).__name__}")  # only table types are handled


def _invalid(exc: RequestValidationError) -> list[dict[str, str]]:
    return [
        {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors()
    ]


def _extra(exc: Exception) -> dict[str, Any]:
    """What a client can act on beyond the detail: each invalid parameter, each input problem."""
    if isinstance(exc, RequestValidationError):
        return {"errors": _invalid(exc)}
    if isinstance(exc, InvalidParameter):
        return {"errors": [{"location": f"query.{exc.parameter}", "message": exc.reason}]}
    if isinstance(exc, InputError):
        return {"problems": [p.as_dict() for p in exc.problems]}
    return {}


def _detail(exc: Exception) -> str:
    if isinstance(exc, RequestValidationError):
        return "; ".join(f"{e['location']}: {e['message']}" for e in _invalid(exc))
    if isinstance(exc, StarletteHTTPException):
        return str(exc.detail)
    return str(exc)


def problem_response(request: Request, exc: Exception) -> JSONResponse:
    """A problem+json answer for one error, naming the request path as the instance."""
    status, title = status_of(exc)
    path = request.url.path
    if status == 422 and (path == OGC_PREFIX or path.startswith(OGC_PREFIX + "/")):
        status = 400
    if status >= 500:
        log.error("%s: %s", title, exc)
        detail = SERVER_SIDE
    else:
        detail = _detail(exc)
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **_extra(exc),
    }
    headers = _headers(request, exc)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def _headers(request: Request, exc: Exception) -> dict[str, str] | None:
    """What an error's status needs beside the body: where a renamed record is, how to sign in,
    when to try again, the version a stale write should have read."""
    if isinstance(exc, Renamed):
        return {"Location": renamed_location(request, exc)}
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="tsudoi"'}
    if isinstance(exc, TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, StaleWrite):
        return {"ETag": f'"{exc.current_etag}"'}
    return None


def renamed_location(request: Request, exc: Renamed) -> str:
    """The same request with the record's new id in the path segment or query parameter that
    named it by its old one (ids are URL-safe, so they are written as they are)."""
    url = request.url
    path, pairs = url.path, request.query_params.multi_items()
    if exc.parameter is None:
        path = "/".join(exc.new_id if seg == exc.old_id else seg for seg in path.split("/"))
    else:
        pairs = [(k, exc.new_id if k == exc.parameter and v == exc.old_id else v)
                 for k, v in pairs]  # fmt: skip
    return path + (f"?{urlencode(pairs)}" if pairs else "")


async def _answer(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Every type of the table, and HTTP errors, answered by the one handler."""
    for exc_type in (*STATUS, StarletteHTTPException):
        app.add_exception_handler(exc_type, _answer)
