"""Road-line files: the checks a line file passes before `geo.walk` reads it into arrays.

The walking-network build reads road lines with pyogrio straight into arrays, not through
`read_features`, but a wrong file must fail in the same words as every other import, and a
GeoPackage's layer must be chosen the same way.
"""

from __future__ import annotations

from pathlib import Path

from geo.io._files import check_file, file_kind
from geo.io._problems import fail
from geo.io.ogr import choose_gpkg_layer

_LINE_KINDS = ("geojson", "gpkg", "shapefile", "zip")


def vector_layer(path: str | Path, layer: str | None = None) -> str | None:
    """Check a vector file as `read_features` would, and name the GeoPackage layer to read.

    The file must exist, be non-empty and be GeoJSON, GeoPackage or a Shapefile (.shp or .zip);
    a GeoPackage's layer is chosen as the imports choose it (the only data layer, else the one
    named, else an error listing them). Returns ``layer`` unchanged for other formats. Raises
    InputError naming the file.
    """
    p = Path(path)

    def line_kind(name: str) -> str:
        kind = file_kind(name)
        if kind not in _LINE_KINDS:
            fail(
                name,
                f"unknown line file type '{p.suffix or name}'",
                hint="road lines: GeoJSON (.geojson), GeoPackage (.gpkg), Shapefile (.shp or .zip)",
            )
        return kind

    name, kind = check_file(
        p, folder_hint="give the .shp inside it, or a .zip of it", kind=line_kind
    )
    if kind == "gpkg":
        return choose_gpkg_layer(p, name, layer)
    return layer
