"""A city's verification queue with each place's areas: what the editor, its CSV download and
``tsudoi stale`` show (the ordering itself is layers/verification.py's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from boundaries.area_membership import AreaIndex
from geo.model import STATUSES, Place
from geo.store.base import PlaceQuery, Store
from layers.verification import QueueRow, queue_rows, stale_months

#: The queue covers what residents see: gathering places (venues are candidate sites).
QUEUE_KINDS = ("gathering",)


def city_places(store: Store, code: str, kinds: tuple[str, ...] = QUEUE_KINDS) -> list[Place]:
    """Every place of the city of these kinds, whatever its status."""
    return store.places(PlaceQuery(city=code, kinds=kinds, statuses=STATUSES))


def stale_queue(
    store: Store,
    code: str,
    today: date,
    months: int | None = None,
    *,
    index: AreaIndex | None = None,
    keep: Callable[[Place, list[str]], bool] | None = None,
) -> list[QueueRow]:
    """The city's queue as of ``today``: ``months`` or the city's setting; ``keep(place, area
    ids)`` narrows it (the editor keeps the places it lists the signed-in person)."""
    places = city_places(store, code)
    index = index or AreaIndex(code, store.areas(code))
    names = {a.id: a.name for a in index.areas}
    ids = index.ids_at([p.lon for p in places], [p.lat for p in places])
    if keep is not None:
        kept = [(p, a) for p, a in zip(places, ids, strict=True) if keep(p, a)]
        places, ids = [p for p, _ in kept], [a for _, a in kept]
    wanted = stale_months(store, code) if months is None else months
    return queue_rows(places, today, wanted, [[names[i] for i in a] for a in ids])
