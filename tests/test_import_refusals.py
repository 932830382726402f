"""Every import refused against a store that already holds that kind of data: the message names
the row (or feature) and the field, and the store is left exactly as it was. Real files, both
stores: 新潟市's wards and town points, 高松市's community centres and population by 町, 宇部市's
streets."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.population_import import PopulationImportOptions, import_population
from boundaries.town_import import TownImportOptions, import_towns
from geo.errors import InputError
from geo.japan.municipalities import get_city
from geo.store.base import PlaceQuery, Store
from geo.walk.city_network import build_network, save_network
from layers.place_import import PlaceImportOptions, import_places
from tests.csv_tables import table, write_csv

DATA = Path(__file__).parent / "data"
CENTRES = DATA / "source" / "standard-dataset" / "takamatsu_community_center.csv"
POPULATION = DATA / "source" / "standard-dataset" / "takamatsu_population_by_town_age_202602.csv"
WARDS = DATA / "imports" / "niigata_wards_n03_simplified.geojson"
TOWNS = DATA / "imports" / "niigata_towns_sample.geojson"
UBE_EDGES = DATA / "source" / "ube" / "walk_edges_osm.geojson.gz"
TAKAMATSU, NIIGATA, UBE = "37201", "15100", "35202"


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def refusal(store: Store, city: str, attempt: Callable[[], object]) -> str:
    """The one problem ``attempt`` is refused for, once checked that the city's data is as it
    was."""
    before = everything(store, city)
    with pytest.raises(InputError) as caught:
        attempt()
    assert everything(store, city) == before
    (problem,) = caught.value.problems
    return str(problem)


def everything(store: Store, city: str) -> dict[str, Any]:
    """All a city holds, to compare before and after a refused import."""
    return {
        "areas": sorted((a.id, a.name, a.level, a.geometry.wkb) for a in store.areas(city)),
        "places": [asdict(p) for p in store.places(PlaceQuery(city=city, kinds=(), statuses=()))],
        "categories": sorted(c.slug for c in store.categories(city)),
        "towns": sorted((t.id, t.name, t.lon, t.lat) for t in store.towns(city)),
        "population": store.population_hashes(city),
        "network": store.network(city),
        "revision": store.revision(),
    }


def test_areas(store: Store, tmp_path: Path) -> None:
    import_areas(store, WARDS, AreaImportOptions(city=NIIGATA, level=1))
    data = json.loads(WARDS.read_text(encoding="utf-8"))
    for f in data["features"]:
        f["properties"]["level"] = 1
    data["features"][5]["properties"]["level"] = "第一層"
    path = write_json(tmp_path / "wards.geojson", data)

    problem = refusal(
        store, NIIGATA, lambda: import_areas(store, path, AreaImportOptions(city=NIIGATA))
    )
    assert problem.startswith("wards.geojson, feature 6, field 'level': level must be")


def test_places(store: Store, tmp_path: Path) -> None:
    options = PlaceImportOptions(city=TAKAMATSU, category="hall")
    import_places(store, CENTRES, options)
    rows = table(CENTRES)
    rows[7][3] = "高松市 新しい名前"  # a change that would be written, were the file accepted
    rows[30][1], rows[30][2] = rows[30][2], rows[30][1]  # row 31: latitude and longitude swapped
    path = write_csv(tmp_path / CENTRES.name, rows)

    problem = refusal(store, TAKAMATSU, lambda: import_places(store, path, options))
    assert problem.startswith("takamatsu_community_center.csv, row 31, field 'latitude': ")
    assert "緯度と経度が逆" in problem


def test_towns(store: Store, tmp_path: Path) -> None:
    import_towns(store, TOWNS, TownImportOptions(city=NIIGATA))
    data = json.loads(TOWNS.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["name"] = "新しい町"
    data["features"][11]["geometry"]["coordinates"] = [135.5023, 34.6937]  # 大阪市役所
    path = write_json(tmp_path / "towns.geojson", data)

    problem = refusal(
        store, NIIGATA, lambda: import_towns(store, path, TownImportOptions(city=NIIGATA))
    )
    assert problem.startswith("towns.geojson, feature 12, field 'geometry': outside the city")


def test_population(store: Store, tmp_path: Path) -> None:
    rows = table(POPULATION)[:40]
    options = PopulationImportOptions(city=TAKAMATSU)
    import_population(store, write_csv(tmp_path / "population.csv", rows), options)
    total, age75 = rows[0].index("totalPopulation"), rows[0].index("woman18")
    rows[3][total] = str(int(rows[3][total]) + 5)  # a change that would be written
    rows[25][age75] = "-3"  # row 26
    path = write_csv(tmp_path / "population.csv", rows)

    problem = refusal(store, TAKAMATSU, lambda: import_population(store, path, options))
    assert problem.startswith("population.csv, row 26, field 'woman18': a negative count")


def test_network(store: Store, tmp_path: Path) -> None:
    with gzip.open(UBE_EDGES, "rt", encoding="utf-8") as fh:
        streets = json.load(fh)
    streets["features"] = streets["features"][:400]
    path = write_json(tmp_path / "streets.geojson", streets)
    epsg = get_city(UBE).crs_epsg
    save_network(store, UBE, build_network(path, UBE, epsg))
    hall = {"type": "Point", "coordinates": [131.2467, 33.9515]}
    streets["features"][2]["geometry"] = hall  # a hall's point dropped among the streets
    write_json(path, streets)

    problem = refusal(store, UBE, lambda: build_network(path, UBE, epsg))
    assert problem.startswith("streets.geojson, feature 3, field 'geometry': a Point, not")


# -- values no store gives back (geo.storable): valid in the file, refused like any bad value ----

BEYOND = "a number beyond ±9,007,199,254,740,991"


def centres_geojson(path: Path, rows: int = 10) -> dict[str, Any]:
    """The first community centres as a GeoJSON FeatureCollection, each with a number of users
    (a column no field reads: kept in the place's extra)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r[2]), float(r[1])]},
            "properties": {"id": r[0], "name": r[3], "address": r[4], "利用者数": 1000 + i},
        }
        for i, r in enumerate(table(CENTRES)[1 : rows + 1])
    ]
    return {"type": "FeatureCollection", "features": features}


@pytest.mark.parametrize(
    "column, value, reason",
    [
        ("利用者数", 1e20, BEYOND),  # jsonb gives it back as the integer 100000000000000000000
        ("利用者数", 2**70, BEYOND),  # beyond 64 bits: no answer holding it could be written
        ("利用者数", float("inf"), BEYOND),  # Infinity, which Python's JSON reader takes
        ("メモ", "二階\ud800", "surrogate"),  # a \ud800 escape: no UTF-8 text
        ("\udc00", "x", "surrogate"),  # in a key
        ("schedule_rules", [{"weekdays": [1], "start": "10:00", "every": 1e20}], "(at [0].every)"),
    ],
)
def test_places_with_a_value_no_store_gives_back(
    store: Store, tmp_path: Path, column: str, value: object, reason: str
) -> None:
    options = PlaceImportOptions(city=TAKAMATSU, category="hall")
    data = centres_geojson(tmp_path)
    path = write_ascii_json(tmp_path / "centres.geojson", data)
    import_places(store, path, options)
    data["features"][0]["properties"]["name"] = "高松市 新しい名前"  # would be written
    data["features"][3]["properties"][column] = value
    write_ascii_json(path, data)

    problem = refusal(store, TAKAMATSU, lambda: import_places(store, path, options))
    shown = column.encode("utf-8", "backslashreplace").decode()
    assert problem.startswith(f"centres.geojson, feature 4, field '{shown}': ")
    assert reason in problem


def write_ascii_json(path: Path, data: dict[str, Any]) -> Path:
    """JSON with every non-ASCII character escaped, so a lone surrogate is written as the
    ``\\ud800`` escape a file can hold (and Infinity as the word Python's reader takes)."""
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    return path


def test_areas_with_a_lone_surrogate_in_a_name(store: Store, tmp_path: Path) -> None:
    import_areas(store, WARDS, AreaImportOptions(city=NIIGATA, level=1))
    data = json.loads(WARDS.read_text(encoding="utf-8"))
    data["features"][5]["properties"]["ward_name"] += "\ud800"
    path = write_ascii_json(tmp_path / "wards.geojson", data)

    problem = refusal(
        store, NIIGATA, lambda: import_areas(store, path, AreaImportOptions(city=NIIGATA, level=1))
    )
    assert problem.startswith("wards.geojson, feature 6, field 'ward_name': a \\u escape")


def test_towns_with_a_lone_surrogate_in_a_name(store: Store, tmp_path: Path) -> None:
    import_towns(store, TOWNS, TownImportOptions(city=NIIGATA))
    data = json.loads(TOWNS.read_text(encoding="utf-8"))
    data["features"][11]["properties"]["name"] = "\udfff町"
    path = write_ascii_json(tmp_path / "towns.geojson", data)

    problem = refusal(
        store, NIIGATA, lambda: import_towns(store, path, TownImportOptions(city=NIIGATA))
    )
    assert problem.startswith("towns.geojson, feature 12, field 'name': a \\u escape")
    assert "(value: '\\\\udfff町')" in problem  # printable, as the rejects file writes it


def test_population_with_a_count_beyond_what_a_store_gives_back(
    store: Store, tmp_path: Path
) -> None:
    rows = table(POPULATION)[:40]
    options = PopulationImportOptions(city=TAKAMATSU)
    import_population(store, write_csv(tmp_path / "population.csv", rows), options)
    total = rows[0].index("totalPopulation")
    rows[25][total] = "1e20"  # row 26: more people than there are, and no store gives it back
    path = write_csv(tmp_path / "population.csv", rows)

    problem = refusal(store, TAKAMATSU, lambda: import_population(store, path, options))
    assert problem.startswith(f"population.csv, row 26, field 'totalPopulation': {BEYOND}")
