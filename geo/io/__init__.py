"""Reading files: one module per format behind `read_features`, plus column finding.

Nothing is re-exported here (importing the package stays cheap); import from the module that
holds the thing:

- `geo.io.features.read_features`: any supported file → `geo.io.source.FeatureSource`
  (with `Row`); formats live in `geojson`, `ogr` (GeoPackage/Shapefile), `kml`, `table`
  (CSV/XLSX) and `archive` (zip/KMZ/.gz).
- `geo.io.lines.vector_layer`: the checks a road-line file passes before `geo.walk` reads it.
- `geo.io.osm`: walkable edges from OpenStreetMap extracts.
- `geo.io.columns`: finding a field among a file's columns by its many names.

Underscore modules are private helpers of these.
"""
