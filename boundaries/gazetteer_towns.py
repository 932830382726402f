"""The towns residents search by name (町名で探す) in a city that imported none: the bundled
gazetteer's, so every city of Japan has the search without `tsudoi import towns`.

Imported towns win: a city that holds towns of its own is searched in those only.
"""

from __future__ import annotations

import functools

from geo.errors import UnknownCity
from geo.japan import gazetteer, town_data
from geo.model import Town

SOURCE = gazetteer.CREDIT


@functools.lru_cache(maxsize=32)
def _towns(city: str) -> tuple[Town, ...]:
    """Every town of the city with a point, as Town records (the towns route folds and ranks
    them as it does a store's)."""
    try:
        found = gazetteer.towns(city)
    except UnknownCity:
        return ()
    return tuple(
        Town(
            id=f"{city}-gazetteer-{t.ward_code or city}-{t.name}",
            city=city,
            name=t.name,
            lon=t.lon,
            lat=t.lat,
            area=town_data.municipality(t.ward_code).ward_name if t.ward_code else None,
            source=SOURCE,
        )
        for t in found
    )


def all_towns(city: str) -> list[Town]:
    """Every town the gazetteer has for the city."""
    return list(_towns(city))
