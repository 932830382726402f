"""One prepared coverage model per city, rebuilt only when the city's data changes; and what
coverage, gaps and suggestions accept, checked alike for the API and the CLI.

Preparing (loading the network, spreading the population over streets, snapping places, one
Dijkstra pass per category) takes a second or more; a prepared model answers each question in
milliseconds. The fingerprint of what the model was built from tells when to rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from geo.analysis.coverage import CoverageModel
from geo.analysis.prepare import build_model
from geo.errors import InvalidParameter
from geo.store.base import Store
from geo.walk.city_network import load_network
from geo.walk.network import WalkNetwork
from service.listing_cache import data_fingerprint

AGES = (65, 75)  # whose coverage: residents aged 65+ or 75+
MAX_MINUTES = 120.0  # coverage, gaps and suggestions
MAX_ISOCHRONE_MINUTES = 60.0  # an isochrone draws every street reached: longer walks cost more
MAX_SPEED_KMH = 10.0
MAX_SITES = 20  # suggestions: K new sites at most
MAX_GAPS = 100_000  # gap cells listed at most


def check_walk(
    minutes: float, speed_kmh: float, age: int | None = None, max_minutes: float = MAX_MINUTES
) -> None:
    """The walk the API's query bounds allow, for callers without them (the CLI)."""
    if not 0 < minutes <= max_minutes:
        raise InvalidParameter("minutes", f"must be more than 0 and at most {max_minutes:g}")
    if not 0 < speed_kmh <= MAX_SPEED_KMH:
        raise InvalidParameter("speed_kmh", f"must be more than 0 and at most {MAX_SPEED_KMH:g}")
    if age is not None:
        check_age(age)


def check_age(age: int) -> int:
    """65 or 75: the two ages population statistics count."""
    if age not in AGES:
        raise InvalidParameter("age", f"must be 65 or 75, not {age}")
    return age


def split_list(text: str | None) -> list[str] | None:
    """'a, b,' → ['a', 'b']; nothing given (or only commas) → None."""
    if not text:
        return None
    return [c.strip() for c in text.split(",") if c.strip()] or None


def known_categories(
    store: Store, city: str, text: str | None, parameter: str = "category"
) -> list[str] | None:
    """The comma-separated category slugs, each one the city knows; None when none is given."""
    wanted = split_list(text)
    if wanted is None:
        return None
    known = {c.slug for c in store.categories(city)}
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InvalidParameter(parameter, f"unknown category: {', '.join(unknown)}")
    return wanted


@dataclass
class _Entry:
    fingerprint: str
    model: CoverageModel


class AnalysisCache:
    """Prepared models by city; thread-safe, so concurrent requests build a model once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._networks: dict[str, tuple[str, WalkNetwork]] = {}
        self._seen: dict[str, tuple[int, WalkNetwork | None]] = {}  # by revision, see network()

    def seen(self, city: str, revision: int) -> tuple[WalkNetwork | None] | None:
        """(the city's network or None) when :meth:`network` looked it up at ``revision``;
        None when it has not (then it must read the store)."""
        with self._lock:
            seen = self._seen.get(city)
        return (seen[1],) if seen is not None and seen[0] == revision else None

    def had_none(self, city: str) -> bool:
        """Whether the city's last look-up, at whatever revision, found no network."""
        with self._lock:
            seen = self._seen.get(city)
        return seen is not None and seen[1] is None

    def network(self, store: Store, city: str, revision: int | None = None) -> WalkNetwork | None:
        """The city's walking network, loaded once per stored version (isochrones need no more).

        Given the store's ``revision`` already read for this request, a city whose network was
        looked up at that revision is answered without another read.
        """
        if revision is not None:
            with self._lock:
                seen = self._seen.get(city)
            if seen is not None and seen[0] == revision:
                return seen[1]
        meta = store.network_meta(city)
        if meta is None:
            if revision is not None:
                with self._lock:
                    self._seen[city] = (revision, None)
            return None
        key = repr(sorted(meta.items()))
        with self._lock:
            cached = self._networks.get(city)
            if cached is not None and cached[0] == key:
                if revision is not None:
                    self._seen[city] = (revision, cached[1])
                return cached[1]
            loaded = load_network(store, city)
            net = loaded[0] if loaded is not None else None
            if net is not None:
                self._networks[city] = (key, net)
                if revision is not None:
                    self._seen[city] = (revision, net)
            return net

    def model(self, store: Store, city: str) -> CoverageModel:
        """The city's model, built now if its data changed since the last one."""
        fp = data_fingerprint(store, city)  # unchanged while the store's revision stands
        with self._lock:
            entry = self._entries.get(city)
            if entry is not None and entry.fingerprint == fp:
                return entry.model
            model = build_model(store, city)
            self._entries[city] = _Entry(fp, model)
            return model

