"""Stable ids: from the source's own id column when it has one, else derived deterministically."""

from __future__ import annotations

import hashlib
import re

from geo.text import fold

_UNSAFE = re.compile(r"[^0-9A-Za-z._~\-]+")


def _safe(value: str) -> str:
    """Keep ids URL-safe; other characters become a short hash so distinct values stay distinct."""
    text = value.strip()
    if _UNSAFE.search(text):
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
        stem = _UNSAFE.sub("-", text).strip("-")
        return f"{stem}-{digest}" if stem else digest
    return text


def place_id(
    city: str, category: str, source_id: str | None, name: str, lon: float, lat: float
) -> str:
    """`{city}-{category}-{source id}`, or a hash of name and location (to ~1 m) without one."""
    if source_id:
        return f"{city}-{_safe(category)}-{_safe(source_id)}"
    body = f"{fold(name)}|{lon:.5f}|{lat:.5f}"
    return f"{city}-{_safe(category)}-{hashlib.sha1(body.encode('utf-8')).hexdigest()[:12]}"


def area_id(city: str, source_id: str | None, level: int, name: str) -> str:
    """The source id when it already carries the prefecture code (e.g. a ward's JIS code 15103),
    else `{city}-{source id}`; without one, `{city}-L{level}-{hash of the folded name}`."""
    if source_id:
        sid = _safe(source_id)
        if len(sid) >= 5 and sid.startswith(city[:2]):
            return sid
        return f"{city}-{sid}"
    return f"{city}-L{level}-{hashlib.sha1(fold(name).encode('utf-8')).hexdigest()[:10]}"
