"""ETags on the wire: a record's content hash in quotes, read back from If-Match and
If-None-Match, so a write based on an old read is refused (412) instead of losing an update."""

from __future__ import annotations

from fastapi import Request

from geo.errors import PreconditionRequired, StaleWrite

#: Whose answers differ by credentials: a shared cache must key them on these.
VARY = "Authorization, Cookie"


def quoted(content_hash: str) -> str:
    """The ETag header's value: a strong tag."""
    return f'"{content_hash}"'


def _tags(header: str) -> list[str]:
    """The bare hashes of a list of tags (``"abc"``, ``W/"abc"``); ``*`` stays ``*``."""
    out = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag:
            out.append(tag)
    return out


def expected_version(request: Request, record_id: str, current: str) -> str:
    """The version a change was based on, from If-Match: 428 without one (or with ``*``,
    which says nothing about what was read), 412 with the current ETag when it is not current.

    The store compares again in its transaction, so a write racing this check still loses.
    """
    tags = _tags(request.headers.get("if-match") or "")
    if not tags:
        raise PreconditionRequired(
            f"send If-Match with the ETag of {record_id} as you read it (GET it first), so a "
            "change made meanwhile is not overwritten"
        )
    if "*" in tags:
        raise PreconditionRequired(
            "If-Match: * is refused: send the ETag of the version you read"
        )
    if current not in tags:
        raise StaleWrite(record_id, current)
    return current


def optional_version(request: Request, record_id: str, current: str) -> str:
    """As :func:`expected_version` when If-Match is sent; the current version otherwise (a
    change, such as a verification, that means the same whatever was read)."""
    if not request.headers.get("if-match"):
        return current
    return expected_version(request, record_id, current)


def not_modified(request: Request, current: str) -> bool:
    """Whether If-None-Match names the current version (or is ``*``): answer 304."""
    tags = _tags(request.headers.get("if-none-match") or "")
    return "*" in tags or current in tags
