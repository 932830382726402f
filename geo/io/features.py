"""`read_features`: one entry point for every file format cities bring.

The area, place, population and town imports call it and only map columns to their own model,
so the quirks of real files (Shift_JIS CSVs, shapefiles in a plane-rectangular CRS without a
.cpg, Google My Maps KML folders, Excel title rows) are handled once, in the format modules
(`geojson`, `ogr`, `kml`, `table`, `archive`); what they return is `geo.io.source.FeatureSource`.

Whole-file failures raise `InputError`; problems in single rows (an unreadable coordinate) are
collected in `FeatureSource.problems` and the row is kept with `geometry=None`, so the importing
domain can report every problem at once and decide what is fatal.
"""

from __future__ import annotations

from pathlib import Path

from geo.errors import UsageError
from geo.io._dispatch import IN_MEMORY, read_data, read_local
from geo.io._files import check_file, known_kind, read_bytes
from geo.io.archive import read_gzip, read_zip
from geo.io.source import FeatureSource, ReadOptions


def read_features(
    path: str | Path,
    *,
    layer: str | None = None,
    lat_field: str | None = None,
    lon_field: str | None = None,
    label_line: bool = False,
) -> FeatureSource:
    """Read any supported file into rows with EPSG:4326 geometry; InputError if it cannot be.

    ``label_line``: in a CSV/XLSX, a line right under the header that holds only text (no
    numbers) is a second header line of column labels, as e-Stat writes; it is taken into
    ``FeatureSource.labels`` instead of being read as a row. Row numbers stay file lines.
    """
    if (lat_field is None) != (lon_field is None):
        raise UsageError(
            "give both lat_field and lon_field "
            "(the same column twice for a combined 'lat,lon' column)"
        )
    p = Path(path)
    name, kind = check_file(
        p, folder_hint="give the .shp inside it, or a .zip of the shapefile", kind=known_kind
    )
    source = _read_kind(kind, p, name, ReadOptions(layer, lat_field, lon_field, label_line))
    source.path = p
    source.name = name
    return source


def _read_kind(kind: str, local: Path, name: str, opts: ReadOptions) -> FeatureSource:
    if kind in IN_MEMORY:
        return read_data(kind, read_bytes(local, name), name, opts)
    if kind in ("zip", "kmz"):
        return read_zip(local, name, opts, kmz=kind == "kmz")
    if kind.startswith("gz:"):
        return read_gzip(local, name, kind[3:], opts)
    return read_local(kind, local, name, opts)
