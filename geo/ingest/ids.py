"""Stable ids: from the source's own id column when it has one, else derived deterministically."""

from __future__ import annotations

import functools
import hashlib
import re

from geo.errors import UnknownCity
from geo.japan.municipalities import wards
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
    """The source id when it already names this city (a ward's JIS code such as 15103 in 15100,
    or an id written as `{city}-…`), else `{city}-{source id}`; without one,
    `{city}-L{level}-{hash of the folded name}`.

    Area ids are unique across cities, so a district code like 10001 used by two cities of the
    same prefecture must not be kept bare: the second city's import would overwrite the first's.
    """
    if source_id:
        sid = _safe(source_id)
        if sid == city or sid.startswith(f"{city}-") or sid in _ward_codes(city):
            return sid
        return f"{city}-{sid}"
    return f"{city}-L{level}-{hashlib.sha1(fold(name).encode('utf-8')).hexdigest()[:10]}"


@functools.lru_cache(maxsize=64)
def _ward_codes(city: str) -> frozenset[str]:
    try:
        return frozenset(w.code for w in wards(city))
    except UnknownCity:
        return frozenset()


def population_id(
    city: str, kind: str, source_id: str | None, name: str, ward: str | None = None
) -> str:
    """`{city}-mesh-{mesh code}`, `{city}-town-{source id}`, or for a town without an id
    `{city}-town-{hash of its folded name}` (with its ward, when the file gives one, since town
    names repeat across a designated city's wards)."""
    if source_id:
        return f"{city}-{kind}-{_safe(source_id)}"
    key = f"{fold(ward)}|{fold(name)}" if ward else fold(name)
    return f"{city}-{kind}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"
