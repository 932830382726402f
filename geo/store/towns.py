"""Town search rules both stores share, so they answer a typed town name identically."""

from __future__ import annotations

from geo.model import Town
from geo.text import fold


def town_search_text(town: Town) -> str:
    """The folded text a typed town name is matched against."""
    return fold(" ".join(t for t in (town.name, town.kana, town.area) if t))


def rank_towns(towns: list[Town], q: str | None, limit: int | None) -> list[Town]:
    """Order matches: names starting with the query first, then shorter names, then name and id."""
    if q:
        key = fold(q)
        towns = sorted(
            towns, key=lambda t: (not fold(t.name).startswith(key), len(t.name), t.name, t.id)
        )
    else:
        towns = sorted(towns, key=lambda t: t.id)
    return towns if limit is None else towns[:limit]
