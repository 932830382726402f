"""The listing as files for other tools: CSV (自治体標準オープンデータセット layout, for Excel
and for our own import), KML (Google My Maps) and GeoPackage (QGIS).

Every format is built from the same rows (``columns``): public fields only, and the id columns
an import needs to give each place back its id, whatever the id scheme.
"""
