"""What every reader returns: rows of properties plus a lon/lat geometry, whatever the format.

The area, place, population and network imports only map these rows to their own model, so the
format modules (geojson, ogr, kml, table) and the `read_features` dispatcher all build the same
`FeatureSource`. Kept apart from the dispatcher so the format modules can use it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from geo.errors import Problem

FORMATS = ("geojson", "gpkg", "shapefile", "kml", "csv", "xlsx")


@dataclass
class Row:
    """One feature, placemark or spreadsheet line."""

    # 1-based feature/placemark number; for CSV/XLSX the row a spreadsheet shows (header = 1;
    # a CSV record with line breaks inside quoted cells is one row, as Excel shows it)
    number: int
    props: dict[str, Any]
    geometry: BaseGeometry | None  # always EPSG:4326 lon/lat, 2D


@dataclass
class FeatureSource:
    """Everything read from one file, in the same shape whatever the format was."""

    path: Path
    name: str
    format: str  # one of FORMATS
    row_label: str  # "row" for csv/xlsx, "placemark" for kml, "feature" otherwise
    columns: list[str]
    rows: list[Row]
    encoding: str | None = None  # the text encoding actually used (CSV, shapefile .dbf)
    problems: list[Problem] = field(default_factory=list)
    geometry_columns: list[str] = field(default_factory=list)  # CSV/XLSX columns geometry came from
    source_crs: str | None = None  # CRS the file declared, before transforming to EPSG:4326
    # column → label, from a second header line of labels (read with label_line=True), as in
    # e-Stat statistics CSVs: line 1 holds codes (T001102001 …), line 2 their names (人口（総数）…)
    labels: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None  # the XLSX worksheet read, named in problems


@dataclass
class ReadOptions:
    """The caller's choices for one file, passed down to the format that uses them."""

    layer: str | None  # GeoPackage layer, worksheet, or member of a zip holding several files
    lat_field: str | None  # CSV/XLSX coordinate columns (the same one twice: a 'lat,lon' cell)
    lon_field: str | None
    label_line: bool = False  # CSV/XLSX: a second header line of labels, as e-Stat writes
