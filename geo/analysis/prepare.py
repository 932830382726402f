"""A city's coverage model, prepared from what the store holds: the one path every coverage
answer takes (the API and the CLI through service/analysis.py's cache, and the batch over many
cities, geo/analysis/batch.py), so a batch figure is the figure the city's own page shows."""

from __future__ import annotations

from geo.analysis.coverage import CoverageModel
from geo.analysis.demand import spread_population
from geo.errors import MissingData
from geo.japan.municipalities import get_city
from geo.store.base import PlaceQuery, Store
from geo.walk.city_network import load_network


def build_model(store: Store, city: str) -> CoverageModel:
    """Load what the city holds and prepare a coverage model (network or straight-line)."""
    cells = store.population(city)
    if not cells:
        raise MissingData(
            f"city {city} has no population data: coverage counts older residents by mesh cell "
            "or 町丁目, and none are held for this city",
            remedy=f"import them first (tsudoi import population FILE --city {city})",
        )
    loaded = load_network(store, city)
    net = loaded[0] if loaded is not None else None
    demand = spread_population(cells, net, epsg=get_city(city).crs_epsg)
    places = store.places(PlaceQuery(city=city, kinds=("gathering", "venue")))
    return CoverageModel(net, places, demand, store.areas(city))
