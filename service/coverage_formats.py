"""Coverage answers as JSON, CSV (with a BOM, for Excel) and GeoJSON, with the same names.

CSV is read by people in a spreadsheet: people are whole numbers, metres whole, shares rounded
(3 decimals as a fraction; in ``lang=ja`` a percentage with one decimal), and with ``lang=ja``
the headers and the method are Japanese, from the one message catalogue.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from shapely.geometry import mapping

from geo.analysis.coverage import CoverageResult, GapsResult
from geo.model import Area
from layers.exports.geopackage import geopackage_layers
from layers.messages import translator

CsvLang = Literal["en", "ja"]
CITY_TOTAL = "市全体"

#: Kinds of figure, for rounding: people, metres, shares, degrees.
PEOPLE = frozenset(
    {"older_population", "covered_older_population", "uncovered_older_population",
     "newly_covered", "cumulative", "places"}
)  # fmt: skip
METRES = frozenset({"median_distance_m", "p90_distance_m", "distance_m", "threshold_m"})
SHARES = frozenset({"covered_share"})
DEGREES = frozenset({"lon", "lat"})

#: A column's header in lang=ja: the English msgid of layers/locale.
HEADERS = {
    "rank": "Rank",
    "area_id": "Area ID",
    "name": "Area",
    "area_name": "Area",
    "level": "Level",
    "older_population": "Older residents",
    "covered_older_population": "Within the walk",
    "uncovered_older_population": "Beyond the walk",
    "covered_share": "Share within the walk (%)",
    "places": "Places",
    "median_distance_m": "Median walk (m)",
    "p90_distance_m": "90% walk within (m)",
    "distance_m": "Walk to the nearest place (m, median of the cell)",
    "nearest_place_id": "Nearest place ID",
    "cell_id": "Cell ID",
    "code": "Cell code",
    "lon": "Longitude",
    "lat": "Latitude",
    "method": "Method",
    "minutes": "Walking minutes",
    "speed_kmh": "Walking speed (km/h)",
    "threshold_m": "Walking distance (m)",
    "age": "Age (and over)",
    "kind": "Kind of site",
    "site_name": "Name",
    "address": "Address",
    "newly_covered": "Newly within the walk",
    "cumulative": "Total newly within the walk",
}
METHODS = {
    "network": "Walking distance along the street network",
    "straight-line": "Straight-line distance (no street network)",
}


def rounded(key: str, value: Any, lang: CsvLang) -> Any:
    """A figure as a spreadsheet should show it; text and unknown figures as they are."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    if not math.isfinite(value):
        return None
    if key in PEOPLE or key in METRES:
        return round(value)
    if key in SHARES:
        return round(value * 100, 1) if lang == "ja" else round(value, 3)
    if key in DEGREES:
        return round(value, 6)
    return value


def write_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]], lang: CsvLang) -> str:
    """Rows as CSV with a BOM for Excel; headers are the keys, or in lang=ja their labels."""
    t: Callable[..., str] = translator(lang)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([t(HEADERS[c]) if lang == "ja" else c for c in columns])
    for row in rows:
        values = []
        for c in columns:
            v = row.get(c)
            if c == "method" and lang == "ja":
                v = t(METHODS.get(v, v)) if v else v
            values.append(_cell(rounded(c, v, lang)))
        w.writerow(values)
    return "\ufeff" + buf.getvalue()


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


def coverage_csv(result: CoverageResult, lang: CsvLang = "en") -> str:
    """One row per area then the city total (「市全体」); the parameters repeat on every row."""
    data = result.as_dict()
    params = {k: data[k] for k in PARAM_COLUMNS}
    rows = [{**row, **params} for row in [*data["areas"], {**data["city"], "name": CITY_TOTAL}]]
    return write_csv([*AREA_COLUMNS, *PARAM_COLUMNS], rows, lang)


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


def gaps_csv(result: GapsResult, lang: CsvLang = "en") -> str:
    """Gap cells, most uncovered older residents first, with a BOM for Excel; one distance,
    ``distance_m``: the median walk of the cell's older residents to their nearest place."""
    data = result.as_dict()
    params = {k: data[k] for k in PARAM_COLUMNS}
    rows = [{"rank": rank, **g, **params} for rank, g in enumerate(data["gaps"], 1)]
    return write_csv(["rank", *GAP_COLUMNS, *PARAM_COLUMNS], rows, lang)


def geopackage(collection: dict[str, Any], layer: str) -> bytes:
    """A FeatureCollection as a GeoPackage file's bytes, for QGIS (figures as attributes)."""
    return geopackage_layers({layer: collection["features"]})
