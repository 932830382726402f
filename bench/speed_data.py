"""The load bench's data: ~12,500 real town points as places, the same in both stores.

Not a test. ``python bench/speed_data.py --db URL_OR_GPKG`` fills a store with the
町丁目/大字 points of 新潟県, 群馬県 and 富山県 from the Geolonia gazetteer (../shared/data/japan;
CC BY 4.0 © Geolonia), 12,501 points, as active gathering places of one city (新潟市,
15100) with 新潟市's 8 wards as its areas, so a listing does everything it does for a
real city (area membership, 次回開催 for the places with a schedule), and a population
point at each of 新潟市's 1,862 town points (counts made up from the index, flagged
demo) for coverage. One city holds them all so that Tsudoi's bbox query (city and
box) selects the same rows as a peer's box over the whole table. The points are
stand-ins: flagged demo, as the data README asks.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.japan.municipalities import get_city  # noqa: E402
from geo.model import Area, Place, PopulationCell  # noqa: E402
from geo.store import open_store  # noqa: E402
from geo.store.base import AreaChanges, PlaceChanges, PlaceQuery  # noqa: E402
from layers.categories import ensure_default_categories  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
PREFECTURES = ("新潟県", "群馬県", "富山県")
CITY = "15100"
CATEGORIES = ("salon", "salon", "kayoinoba", "chanoma", "community-cafe", "dementia-cafe")
WEEKLY = [{"weekdays": [1], "weeks": None, "start": "13:30", "end": "15:30"}]


def town_points() -> list[tuple[str, float, float]]:
    """(name, lon, lat) of every town of the bench's prefectures, in the gazetteer's order."""
    path = DATA / "japan" / "town_points_geolonia.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [
            (f"{r['municipality']}{r['town']}{r['koaza']}", float(r["lon"]), float(r["lat"]))
            for r in csv.DictReader(fh)
            if r["prefecture"] in PREFECTURES and r["lon"] and r["lat"]
        ]


def places() -> list[Place]:
    """One active gathering place at each town point; every fourth meets weekly."""
    return [
        Place(
            id=f"{CITY}-bench-{i:05d}",
            city=CITY,
            kind="gathering",
            category=CATEGORIES[i % len(CATEGORIES)],
            name=f"{name}のつどい",
            lon=lon,
            lat=lat,
            address=name,
            schedule="毎週火曜 13:30〜15:30" if i % 4 == 0 else None,
            schedule_rules=WEEKLY if i % 4 == 0 else None,
            source="bench",
            source_id=str(i),
            demo=True,
        )
        for i, (name, lon, lat) in enumerate(town_points())
    ]


def wards() -> list[Area]:
    """新潟市's 8 wards (N03) as the city's level-1 areas."""
    data = json.loads((DATA / "niigata" / "wards_n03.geojson").read_text(encoding="utf-8"))
    parts: dict[str, tuple[str, list[shapely.Geometry]]] = {}
    for f in data["features"]:
        code, name = str(f["properties"]["ward_code"]), f["properties"]["ward_name"]
        parts.setdefault(code, (name, []))[1].append(shape(f["geometry"]))
    return [
        Area(
            id=code,
            city=CITY,
            level=1,
            name=name,
            geometry=shapely.union_all(geoms),
            source="国土数値情報 N03",
            demo=True,
        )
        for code, (name, geoms) in sorted(parts.items())
    ]


def population() -> list[PopulationCell]:
    """A made-up count at each of 新潟市's town points (demo): coverage has people to count."""
    data = json.loads((DATA / "niigata" / "town_points.geojson").read_text(encoding="utf-8"))
    cells = []
    for i, f in enumerate(data["features"]):
        total = float(200 + (i * 37) % 900)
        cells.append(
            PopulationCell(
                id=f"{CITY}-bench-pop-{i:05d}",
                city=CITY,
                kind="town",
                code=f["properties"]["town"],
                total=total,
                age65=round(total * 0.31),
                age75=round(total * 0.17),
                geometry=Point(*f["geometry"]["coordinates"]),
                name=f["properties"]["town"],
                source="bench",
                demo=True,
            )
        )
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a .gpkg path or a postgresql+psycopg:// URL")
    args = parser.parse_args()
    store = open_store(args.db, auto_upgrade=True)
    try:
        store.put_city(get_city(CITY))
        ensure_default_categories(store)
        store.apply_areas(AreaChanges(upsert=wards()))
        store.apply_places(PlaceChanges(upsert=places()))
        store.put_population(population())
        n = store.count_places(PlaceQuery(city=CITY))
        print(f"{store.url}: {n} places in city {CITY}")
    finally:
        store.close()


if __name__ == "__main__":
    main()
