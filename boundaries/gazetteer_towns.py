"""The towns residents search by name (町名で探す) in a city that imported none: the bundled
gazetteer's, so every city of Japan has the search without `tsudoi import towns`.

Imported towns win: a city that holds towns of its own is searched in those only.
"""

from __future__ import annotations

import functools

from geo.errors import UnknownCity
from geo.japan import gazetteer, town_data
from geo.japan.address import normalise
from geo.model import Town
from geo.store.shared import rank_towns, town_search_text
from geo.text import fold

SOURCE = gazetteer.CREDIT


@functools.lru_cache(maxsize=32)
def _towns(city: str) -> tuple[tuple[Town, str, str], ...]:
    """Every town of the city with a point, as Town records with their folded search text and
    their name as addresses are matched (三丁目 = 3丁目, ヶ = ケ)."""
    try:
        found = gazetteer.towns(city)
    except UnknownCity:
        return ()
    out = []
    for t in found:
        ward = town_data.municipality(t.ward_code).ward_name if t.ward_code else None
        town = Town(
            id=f"{city}-gazetteer-{t.ward_code or city}-{t.name}",
            city=city,
            name=t.name,
            lon=t.lon,
            lat=t.lat,
            area=ward,
            source=SOURCE,
        )
        out.append((town, town_search_text(town), normalise(t.name)))
    return tuple(out)


def search(city: str, q: str | None, limit: int | None) -> list[Town]:
    """The gazetteer's towns of the city whose name (or ward) holds q, ranked as a store does;
    扇町2丁目 finds 扇町二丁目."""
    key, as_address = fold(q), normalise(q or "")
    hits = [t for t, text, name in _towns(city) if not key or key in text or as_address in name]
    return rank_towns(hits, q, limit)


def all_towns(city: str) -> list[Town]:
    """Every town the gazetteer has for the city (the search folds and ranks them itself)."""
    return [t for t, _, _ in _towns(city)]
