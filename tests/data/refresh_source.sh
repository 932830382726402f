#!/usr/bin/env bash
# Copy the real files the tests and the demo builders read from ../shared/data into
# tests/data/source: whole files, byte for byte; the larger GeoJSON files gzipped (-n: no name
# or time in the header, so a refresh of unchanged data changes nothing). See README.md here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${1:-$here/../../../shared/data}"
out="$here/source"

copy() { install -D -m 644 "$shared/$1" "$out/$1"; }
pack() { mkdir -p "$(dirname "$out/$1")"; gzip -9nc "$shared/$1" > "$out/$1.gz"; chmod 644 "$out/$1.gz"; }

pack niigata/wards_n03.geojson
pack niigata/town_points.geojson
pack niigata/gsi_shelters.geojson
copy niigata/ward_population_2020_monthly.csv
copy niigata/junior_high_schools.csv
copy niigata/elementary_schools.csv
copy niigata/model_houses_real.csv
pack ube/walk_edges_osm.geojson
copy ube/shelters_p20.geojson
copy shunan/shimin_centers.csv
pack shunan/gsi_shelters.geojson
pack shunan/town_points.geojson
copy osm/kotka_test.osm.pbf
copy japan/municipal_outlines_n03.geojson.gz
copy standard-dataset/takamatsu_community_center.csv
copy standard-dataset/takamatsu_population_by_town_age_202602.csv
copy standard-dataset/takamatsu_regional_comprehensive_support_center.csv
# ube/ube_walk.osm.pbf is not copied: the demo pack ships it (service/demo_data/35202/).
cmp -s "$shared/ube/ube_walk.osm.pbf" "$here/../../service/demo_data/35202/ube_walk.osm.pbf" \
  || echo "note: ube_walk.osm.pbf differs from the demo pack's copy" >&2
