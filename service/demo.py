"""The bundled demo city: real wards and halls of 新潟市 with stand-in areas and places.

The pack is built by scripts/build_demo.py from ../shared/data and loaded through the same
importers a city uses, so the demo also proves the import path.
"""

from __future__ import annotations

import json
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.town_import import TownImportOptions, import_towns
from geo.municipalities import get_city
from geo.report import ImportReport
from geo.store.base import Store
from layers.place_import import PlaceImportOptions, import_places

DEMO_CITY = "15100"


def _pack_file(stem: str) -> Path:
    folder = files("service") / "demo_data" / DEMO_CITY
    for suffix in (".geojson", ".geojson.gz"):
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            with as_file(candidate) as path:
                return Path(path)
    raise FileNotFoundError(f"demo pack file {stem} is missing from the package")


def demo_credits() -> dict[str, Any]:
    """The demo notice and the data credits the sources require."""
    with as_file(files("service") / "demo_data" / DEMO_CITY / "credits.json") as path:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def load_demo(store: Store) -> list[ImportReport]:
    """Import the demo pack; a second run changes nothing."""
    store.put_city(get_city(DEMO_CITY))
    return [
        import_areas(store, _pack_file("areas_wards"), AreaImportOptions(city=DEMO_CITY, level=1)),
        import_areas(store, _pack_file("areas_daily"), AreaImportOptions(city=DEMO_CITY, level=2)),
        import_places(
            store,
            _pack_file("halls"),
            PlaceImportOptions(city=DEMO_CITY, category="hall", kind="venue"),
        ),
        import_places(store, _pack_file("places"), PlaceImportOptions(city=DEMO_CITY)),
        import_towns(store, _pack_file("towns"), TownImportOptions(city=DEMO_CITY)),
    ]
