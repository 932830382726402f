"""GeoPackage files for QGIS: GeoJSON-like features written as named layers with pyogrio."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _flat(value: Any) -> Any:
    """Lists and objects (rules, contacts, notes) as JSON text: they are no GeoPackage type."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def geopackage_layers(layers: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    """A GeoPackage file's bytes with one layer per name, from GeoJSON features (WGS84).

    Features without geometry are left out; a layer with none is written empty, so the file
    always opens with the layers it promises.
    """
    import geopandas as gpd
    import pyogrio

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        for name, features in layers.items():
            kept = [f for f in features if f.get("geometry")]
            if kept:
                frame = gpd.GeoDataFrame.from_features(kept, crs="EPSG:4326")
            else:
                frame = gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
            for column in frame.columns:
                if column != "geometry":
                    frame[column] = frame[column].map(_flat)
            pyogrio.write_dataframe(
                frame,
                path,
                layer=name,
                driver="GPKG",
                append=path.exists(),
                geometry_type=None if kept else "Unknown",
            )
        return path.read_bytes()
