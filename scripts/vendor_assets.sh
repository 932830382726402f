#!/usr/bin/env bash
# Re-vendor the browser assets from their npm release packages (served by Tsudoi itself: no CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack leaflet@1.9.4 leaflet.markercluster@1.5.3 axe-core@4.14.1 --silent >/dev/null)
for f in "$tmp"/*.tgz; do d="${f%.tgz}"; mkdir -p "$d"; tar xzf "$f" -C "$d"; done
V=layers/static/vendor
mkdir -p "$V/leaflet-1.9.4" "$V/leaflet.markercluster-1.5.3" tests/vendor/axe-core-4.14.1
cp -r "$tmp"/leaflet-1.9.4/package/dist/{leaflet.js,leaflet.css,images} "$V/leaflet-1.9.4/"
cp "$tmp"/leaflet-1.9.4/package/LICENSE "$V/leaflet-1.9.4/LICENSE"
cp "$tmp"/leaflet.markercluster-1.5.3/package/dist/{leaflet.markercluster.js,MarkerCluster.css,MarkerCluster.Default.css} "$V/leaflet.markercluster-1.5.3/"
cp "$tmp"/leaflet.markercluster-1.5.3/package/MIT-LICENCE.txt "$V/leaflet.markercluster-1.5.3/LICENSE"
cp "$tmp"/axe-core-4.14.1/package/{axe.min.js,LICENSE} tests/vendor/axe-core-4.14.1/
