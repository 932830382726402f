#!/usr/bin/env bash
# How main_59f5c93.gpkg and main_59f5c93_postgis.sql were made: the imports below, run by Tsudoi
# at commit 59f5c93 (main before ids carried their source), from a worktree of that commit:
#
#   git worktree add --detach /tmp/tsudoi-59f5c93 59f5c93 && cd /tmp/tsudoi-59f5c93
#   PYTHON=…/.venv/bin/python bash …/build_main_stores.sh main_59f5c93.gpkg   # then VACUUM it
#   createdb D && psql -c 'CREATE EXTENSION postgis' D && tsudoi db upgrade --db URL(D)
#   PYTHON=… bash …/build_main_stores.sh URL(D)
#   pg_dump --no-owner --no-privileges --format=plain -T spatial_ref_sys D > main_59f5c93_postgis.sql
set -e
DB="$1"
run() { PYTHONPATH="$PWD" "${PYTHON:-python}" -m service.cli "$@" --db "$DB"; }
run import areas tests/data/imports/niigata_wards_n03_simplified.geojson --city 15100 --level 1
run import places tests/data/source/standard-dataset/takamatsu_community_center.csv --city 37201 --category hall
run import places tests/data/imports/takamatsu_support_centers.csv --city 37201 --category hall
run import places tests/data/imports/takasaki_mymaps.kml --city 10202 --category-field folder --create-categories
run import areas tests/data/imports/town_list_sakaiminato.csv --city 31204 --level 2
run import areas service/demo_data/35202/areas_center.geojson --city 35202 --level 1
run import areas service/demo_data/35202/areas_daily.geojson --city 35202 --level 2
