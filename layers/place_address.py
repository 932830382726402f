"""A place row's address read against the city: placed at its town when it has no coordinates,
refused when it names another municipality.

Why: many real lists of サロン and 通いの場 give a 住所 and no coordinates, and a neighbour's row
(two 宇治市 hospitals in a 京都市 list) can lie within a border's width of the city. The town
comes from the bundled gazetteer (geo/japan/gazetteer.py, Geolonia 住所データ); the messages
from the one catalogue, Japanese first with the English as the hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.japan import town_data
from geo.japan.address import parse_municipality
from geo.japan.gazetteer import NoMatch, TownMatch, match_town
from geo.japan.municipalities import get_city
from layers.messages import translator

_JA = translator("ja")
_EN = translator("en")
_ELSEWHERE = "The address is in {named}, but --city is {code} ({city})"
_AMBIGUOUS = "The town is in several wards of {city}: {names}; write the ward"
_NO_TOWN = "No town of {city} matches the address"
_NEARBY = "Nearby town names: {names}"
_NO_HINT = "Check the town name against the city's list of 町丁目"
#: The catalogue entries this module uses (the catalogue test counts them as used).
MESSAGES = (_ELSEWHERE, _AMBIGUOUS, _NO_TOWN, _NEARBY, _NO_HINT)


@dataclass(frozen=True)
class Refusal:
    """Why an address cannot stand for this city: the reason in Japanese, the hint in English."""

    reason: str
    hint: str | None


def _names(codes: tuple[str, ...]) -> str:
    """'宇治市', or '府中市' once for a name two prefectures share."""
    return "・".join(dict.fromkeys(town_data.municipality(c).name for c in codes))


def _elsewhere(city: str, address: str, found: NoMatch) -> Refusal | None:
    """The refusal for an address of another municipality or prefecture, else None."""
    if found.reason == "other_municipality":
        named = _names(found.named)
    elif found.reason == "other_prefecture":
        parsed = parse_municipality(address)
        named = (parsed.prefecture if parsed else None) or "?"
    else:
        return None
    values = {"named": named, "code": city, "city": get_city(city).name}
    return Refusal(_JA(_ELSEWHERE, **values), _EN(_ELSEWHERE, **values))


def address_elsewhere(city: str, address: str | None) -> Refusal | None:
    """A refusal when ``address`` names a municipality other than ``city`` (or its wards)."""
    if not address:
        return None
    found = match_town(city, address)
    return _elsewhere(city, address, found) if isinstance(found, NoMatch) else None


def place_by_address(city: str, address: str) -> TownMatch | Refusal:
    """The town point an address lands on, or why it lands on none (with the nearest names)."""
    found = match_town(city, address)
    if isinstance(found, TownMatch):
        return found
    elsewhere = _elsewhere(city, address, found)
    if elsewhere is not None:
        return elsewhere
    name = get_city(city).name
    if found.reason == "ambiguous_town":
        names = "、".join(found.hints)
        values = {"city": name, "names": names}
        return Refusal(_JA(_AMBIGUOUS, **values), _EN(_AMBIGUOUS, **values))
    hint = _JA(_NEARBY, names="、".join(found.hints)) if found.hints else _JA(_NO_HINT)
    english = _EN(_NO_TOWN, city=name)
    return Refusal(_JA(_NO_TOWN, city=name), f"{hint} — {english}; or give its latitude/longitude")
