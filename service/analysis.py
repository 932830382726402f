"""One prepared coverage model per city, rebuilt only when the city's data changes.

Preparing (loading the network, spreading the population over streets, snapping places, one
Dijkstra pass per category) takes a second or more; a prepared model answers each question in
milliseconds. The fingerprint of what the model was built from tells when to rebuild.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from geo.analysis.coverage import CoverageModel
from geo.analysis.demand import spread_population
from geo.errors import UsageError
from geo.japan.municipalities import get_city
from geo.store.base import PlaceQuery, Store
from geo.walk.city_network import load_network
from geo.walk.network import WalkNetwork


@dataclass
class _Entry:
    fingerprint: str
    model: CoverageModel


def _fingerprint(store: Store, city: str) -> str:
    """What a model depends on has not changed while the store's revision has not moved."""
    return f"{store.url}@{store.revision()}"


class AnalysisCache:
    """Prepared models by city; thread-safe, so concurrent requests build a model once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._networks: dict[str, tuple[str, WalkNetwork]] = {}

    def network(self, store: Store, city: str) -> WalkNetwork | None:
        """The city's walking network, loaded once per stored version (isochrones need no more)."""
        meta = store.network_meta(city)
        if meta is None:
            return None
        key = repr(sorted(meta.items()))
        with self._lock:
            cached = self._networks.get(city)
            if cached is not None and cached[0] == key:
                return cached[1]
            loaded = load_network(store, city)
            net = loaded[0] if loaded is not None else None
            if net is not None:
                self._networks[city] = (key, net)
            return net

    def model(self, store: Store, city: str) -> CoverageModel:
        """The city's model, built now if its data changed since the last one."""
        fp = _fingerprint(store, city)
        with self._lock:
            entry = self._entries.get(city)
            if entry is not None and entry.fingerprint == fp:
                return entry.model
            model = build_model(store, city)
            self._entries[city] = _Entry(fp, model)
            return model


def build_model(store: Store, city: str) -> CoverageModel:
    """Load what the city holds and prepare a coverage model (network or straight-line)."""
    cells = store.population(city)
    if not cells:
        raise UsageError(
            f"city {city} has no population data: import it first "
            "(tsudoi import population FILE --city CODE)"
        )
    loaded = load_network(store, city)
    net = loaded[0] if loaded is not None else None
    demand = spread_population(cells, net, epsg=get_city(city).crs_epsg)
    places = store.places(PlaceQuery(city=city, kinds=("gathering", "venue")))
    return CoverageModel(net, places, demand, store.areas(city))
