"""Coverage answers as JSON, CSV (with a BOM, for Excel) and GeoJSON, with the same names."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from shapely.geometry import mapping

from geo.analysis.coverage import CoverageResult, GapsResult
from geo.model import Area
from layers.exports.geopackage import geopackage_layers

AREA_COLUMNS = (
    "area_id",
    "name",
    "level",
    "older_population",
    "covered_older_population",
    "covered_share",
    "places",
    "median_distance_m",
    "p90_distance_m",
)
PARAM_COLUMNS = ("method", "minutes", "speed_kmh", "threshold_m", "age")


def _cell(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return "" if value is None else value


def coverage_csv(result: CoverageResult) -> str:
    """One row per area then the city total; the parameters repeat on every row."""
    data = result.as_dict()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([*AREA_COLUMNS, *PARAM_COLUMNS])
    params = [data[k] for k in PARAM_COLUMNS]
    for row in [*data["areas"], {**data["city"], "name": "市全体 (city total)"}]:
        w.writerow([_cell(row.get(k)) for k in AREA_COLUMNS] + params)
    return "\ufeff" + buf.getvalue()


def coverage_geojson(result: CoverageResult, areas: list[Area]) -> dict[str, Any]:
    """The areas with their coverage figures as properties, and the parameters at the top."""
    data = result.as_dict()
    by_id = {a.id: a for a in areas}
    features = [
        {
            "type": "Feature",
            "id": row["area_id"],
            "geometry": mapping(by_id[row["area_id"]].geometry)
            if row["area_id"] in by_id
            else None,
            "properties": row,
        }
        for row in data["areas"]
    ]
    meta = {k: v for k, v in data.items() if k != "areas"}
    return {"type": "FeatureCollection", **meta, "features": features}


GAP_COLUMNS = (
    "cell_id",
    "code",
    "area_id",
    "area_name",
    "older_population",
    "uncovered_older_population",
    "covered_share",
    "distance_m",
    "nearest_distance_m",
    "nearest_place_id",
    "lon",
    "lat",
)


def gaps_geojson(result: GapsResult, cell_geoms: dict[str, Any]) -> dict[str, Any]:
    """Gap cells (their polygon, or point) ranked by uncovered older population."""
    data = result.as_dict()
    features = []
    for rank, g in enumerate(data["gaps"], 1):
        geom = cell_geoms.get(g["cell_id"])
        features.append(
            {
                "type": "Feature",
                "id": g["cell_id"],
                "geometry": mapping(geom)
                if geom is not None
                else {"type": "Point", "coordinates": [g["lon"], g["lat"]]},
                "properties": {"rank": rank, **g},
            }
        )
    meta = {k: v for k, v in data.items() if k != "gaps"}
    return {"type": "FeatureCollection", **meta, "features": features}


def gaps_csv(result: GapsResult) -> str:
    """Gap cells, most uncovered older residents first, with a BOM for Excel."""
    data = result.as_dict()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["rank", *GAP_COLUMNS, *PARAM_COLUMNS])
    params = [data[k] for k in PARAM_COLUMNS]
    for rank, g in enumerate(data["gaps"], 1):
        w.writerow([rank, *(_cell(g.get(k)) for k in GAP_COLUMNS), *params])
    return "\ufeff" + buf.getvalue()


def geopackage(collection: dict[str, Any], layer: str) -> bytes:
    """A FeatureCollection as a GeoPackage file's bytes, for QGIS (figures as attributes)."""
    return geopackage_layers({layer: collection["features"]})
