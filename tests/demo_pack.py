"""Reading a committed demo pack (service/demo_data/CODE) in the tests of its contents."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


class DemoPack:
    """A pack's files, read as the importers would, and its geometry in the city's plane."""

    def __init__(self, folder: Path, epsg: int) -> None:
        self.folder = folder
        self.to_plane = Transformer.from_crs(4326, epsg, always_xy=True)

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file())

    def json(self, name: str) -> Any:
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def features(self, name: str) -> list[dict[str, Any]]:
        features: list[dict[str, Any]] = self.json(name)["features"]
        return features

    def plane(self, geom: BaseGeometry) -> BaseGeometry:
        def fn(xy: np.ndarray) -> np.ndarray:
            x, y = self.to_plane.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, fn)

    @cache  # noqa: B019 - one instance per pack, alive for the whole test run
    def shapes(self, name: str) -> list[tuple[dict[str, Any], BaseGeometry]]:
        """Each feature's properties, and its geometry in the plane (metres)."""
        return [(f["properties"], self.plane(shape(f["geometry"]))) for f in self.features(name)]

    def phone_numbers(self, areas: str = "areas_daily.geojson") -> list[str]:
        """Every phone and fax number of the pack's places and of its areas' contacts
        (an areas GeoJSON, or a town list's contacts column)."""
        places = [f["properties"] for f in self.features("places.geojson")]
        numbers = [p["phone"] for p in places if p.get("phone") is not None]
        for contacts in self._area_contacts(areas):
            for c in contacts:
                numbers += [n for n in (c.get("phone"), c.get("fax")) if n is not None]
        return numbers

    def _area_contacts(self, areas: str) -> list[list[dict[str, Any]]]:
        if (self.folder / areas).exists():
            return [f["properties"]["contacts"] for f in self.features(areas)]
        with (self.folder / "areas_daily_towns.csv").open(encoding="utf-8-sig", newline="") as fh:
            return [json.loads(r["contacts"]) for r in csv.DictReader(fh) if r["contacts"]]
