/* Tsudoi residents' map: the Leaflet map — markers in clusters, the selected place, "show all",
 * the chosen point. The map is optional: without Leaflet (or tiles) the list does everything. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$;

  M.map = null; /* the Leaflet map, or null when it could not start */
  var cluster = null;
  var markers = new Map(); /* id -> marker, made once per place as it is first shown */
  var onMap = new Set(); /* ids in the cluster layer now */
  var selection = null; /* the circle around a place shown at its town only */
  var hereMarker = null;
  var markersReady = Promise.resolve();
  var iconCache = new Map();

  /** A button under the zoom buttons that brings every listed place into view. */
  function fitControl() {
    var FitControl = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar tsd-fit");
        var button = L.DomUtil.create("button", "tsd-fit-button", box);
        button.type = "button";
        button.id = "fit-all";
        button.textContent = t("Show all");
        button.title = t("Show all the listed places on the map");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(button, "click", function () { M.fitToPlaces(); });
        return box;
      },
    });
    return new FitControl();
  }

  function clusterLayer() {
    return L.markerClusterGroup({
      chunkedLoading: true,
      chunkInterval: 120,
      animate: false,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      maxClusterRadius: 50,
      iconCreateFunction: function (c) {
        var n = c.getChildCount();
        var size = n < 10 ? "s" : n < 100 ? "m" : "l";
        return L.divIcon({
          html: pie(c.getAllChildMarkers(), n),
          className: "tsd-cluster tsd-cluster-" + size,
          iconSize: L.point(48, 48),
        });
      },
    });
  }

  /** A cluster's kinds: counts per category in the legend's order. */
  function kindsOf(children) {
    var counts = new Map();
    children.forEach(function (m) {
      var p = D.placeById.get(m.placeId);
      if (p) counts.set(p.category, (counts.get(p.category) || 0) + 1);
    });
    return D.categories.filter(function (c) { return counts.has(c.slug); })
      .map(function (c) { return { cat: c, n: counts.get(c.slug) }; });
  }

  /**
   * A cluster as a ring in its kinds' colours, each kind's share of the ring, around the count.
   * Built as elements with their style set from script (the CSP allows no inline style text).
   */
  function pie(children, n) {
    return M.ring(kindsOf(children), n);
  }

  /** The ring for counts per kind ([{cat, n}], in the legend's order) around the count n. */
  M.ring = function (kinds, n) {
    var stops = [];
    var at = 0;
    kinds.forEach(function (k) {
      var end = at + (k.n / n) * 360;
      stops.push(k.cat.color + " " + at.toFixed(1) + "deg " + end.toFixed(1) + "deg");
      at = end;
    });
    var ring = document.createElement("span");
    ring.className = "tsd-pie";
    ring.style.background = stops.length ? "conic-gradient(" + stops.join(", ") + ")" : "";
    ring.setAttribute("data-kinds", kinds.map(function (k) { return k.cat.slug + ":" + k.n; }).join(" "));
    var count = document.createElement("span");
    count.className = "tsd-cluster-count";
    count.textContent = String(Number(n));
    ring.appendChild(count);
    return ring;
  };

  /* Names and colours of markers and clusters as they come onto the map (Leaflet recreates
     their elements whenever clusters change). */
  function onLayerAdd(e) {
    var layer = e.layer;
    var node = layer.getElement && layer.getElement();
    if (!node) return;
    if (layer instanceof L.MarkerCluster) {
      var kinds = kindsOf(layer.getAllChildMarkers()).map(function (k) {
        return t("{category} {n}", { category: M.categoryLabel(k.cat), n: k.n });
      }).join(", ");
      node.setAttribute("aria-label", t("{n} places here. Press Enter to zoom in.", { n: layer.getChildCount() }) + " " + kinds);
      node.setAttribute("data-count", String(layer.getChildCount()));
    } else if (layer.placeId) {
      var p = D.placeById.get(layer.placeId);
      var cat = M.categoryOf(p.category);
      node.style.setProperty("--cat", cat.color);
      node.setAttribute("aria-label", t("{name} ({category})", { name: p.name, category: M.categoryLabel(cat) }));
      node.setAttribute("data-id", p.id);
      node.classList.toggle("is-selected", p.id === S.place);
    }
  }

  /* Enter or Space on a focused marker or cluster acts like a click. */
  function onMapKey(e) {
    var target = e.target;
    if (!(e.key === "Enter" || e.key === " ")) return;
    if (!target.classList || !(target.classList.contains("tsd-pin") || target.classList.contains("tsd-cluster"))) return;
    e.preventDefault();
    var wasCluster = target.classList.contains("tsd-cluster");
    target.click();
    if (wasCluster) {
      M.map.once("moveend", function () { $("map").focus(); });
    }
  }

  M.setupMap = function () {
    var map = T.createMap({
      credit: true,
      onTileError: function () {
        $("map-status").textContent = t("The background map cannot be loaded. The list, search and details still work.");
      },
    });
    if (!map) {
      $("map-status").textContent = t("The map could not start. The list still works.");
      return;
    }
    M.map = map;
    fitControl().addTo(map);
    /* on phones the list sheet covers the bottom of the map: the credit goes to the top there */
    var narrow = window.matchMedia && window.matchMedia("(max-width: 720px)").matches;
    L.control.attribution({
      position: narrow ? "topright" : "bottomright",
      prefix: '<a href="https://leafletjs.com/" rel="noopener">Leaflet</a>',
    }).addTo(map);
    map.createPane("areaLabels").style.zIndex = "650"; /* names above clusters and pins */
    cluster = clusterLayer();
    map.addLayer(cluster);
    map.on("layeradd", onLayerAdd);
    $("map").addEventListener("keydown", onMapKey);
    map.on("click", function (e) {
      M.setPoint(e.latlng.lat, e.latlng.lng, t("the point you tapped on the map"), { focus: true });
    });
    map.on("zoomend", M.updateAreaLabels);
    M.updateAreaLabels();
  };

  function iconFor(cat, town) {
    var key = cat.slug + (town ? "|town" : "");
    var icon = iconCache.get(key);
    if (!icon) {
      icon = L.divIcon({
        className: "tsd-pin" + (town ? " tsd-town" : ""),
        html: '<span class="tsd-glyph" aria-hidden="true">' + T.escapeHtml(cat.glyph) + "</span>",
        iconSize: L.point(44, 44),
        iconAnchor: L.point(22, 40),
      });
      iconCache.set(key, icon);
    }
    return icon;
  }

  M.pinIcon = iconFor;

  function markerFor(p) {
    var found = markers.get(p.id);
    if (found) return found;
    var cat = M.categoryOf(p.category);
    var town = p.props.location_precision === "town";
    var marker = L.marker([p.lat, p.lon], {
      icon: iconFor(cat, town),
      keyboard: true,
      title: p.name,
      alt: p.name,
      riseOnHover: true,
    });
    marker.placeId = p.id;
    marker.on("click", function () {
      M.openCard(p.id, { push: true, focus: true, fromMap: true });
    });
    markers.set(p.id, marker);
    return marker;
  }

  /**
   * Make the map's markers the filtered places: only the difference is added or removed.
   * Returns a Promise that settles once every marker is in the cluster layer (added in chunks).
   */
  M.updateMarkers = function () {
    if (!cluster) {
      markersReady = Promise.resolve();
      return markersReady;
    }
    var wanted = new Set(D.filtered.map(function (p) { return p.id; }));
    var remove = [];
    onMap.forEach(function (id) {
      if (!wanted.has(id)) remove.push(markers.get(id));
    });
    var add = [];
    D.filtered.forEach(function (p) {
      if (!onMap.has(p.id)) add.push(markerFor(p));
    });
    if (remove.length) cluster.removeLayers(remove);
    onMap = wanted;
    markersReady = new Promise(function (resolve) {
      if (!add.length) {
        resolve();
        return;
      }
      cluster.options.chunkProgress = function (done, total) {
        if (done >= total) {
          cluster.options.chunkProgress = null;
          resolve();
        }
      };
      cluster.addLayers(add);
    });
    return markersReady;
  };

  M.whenMarkersReady = function () {
    return markersReady;
  };

  /** Pixels of the map hidden under the bottom sheet on phones (0 beside the list on wide screens). */
  function sheetCover() {
    if (!M.map || !$("sheet-toggle")) return 0; /* the embed has no sheet: list and map take turns */
    var mapBox = M.map.getContainer().getBoundingClientRect();
    var panelBox = $("panel").getBoundingClientRect();
    if (panelBox.left >= mapBox.right || panelBox.right <= mapBox.left) return 0;
    return Math.max(0, mapBox.bottom - Math.max(panelBox.top, mapBox.top));
  }

  M.fitToPlaces = function () {
    if (!M.map || !D.filtered.length) return;
    var bounds = L.latLngBounds(D.filtered.map(function (p) { return [p.lat, p.lon]; }));
    M.map.fitBounds(bounds, {
      paddingTopLeft: [24, 24],
      paddingBottomRight: [24, 24 + sheetCover()],
      maxZoom: 15,
    });
  };

  /** Bring a point into the part of the map the sheet does not cover. */
  function clearOfSheet() {
    var cover = sheetCover();
    if (cover > 0) M.map.panBy([0, Math.round(cover / 2)], { animate: false });
  }

  function markSelected() {
    markers.forEach(function (marker, id) {
      var node = marker.getElement && marker.getElement();
      if (node) node.classList.toggle("is-selected", id === S.place);
    });
  }

  /**
   * Centre the map on a marker at the zoom where its cluster splits (spiderfied at the last
   * zoom). Done without animation and synchronously, unlike zoomToShowLayer, whose pending
   * callback fails when the list changes under it.
   */
  function revealMarker(marker) {
    var map = M.map;
    /* the marker stands alone one zoom above its lowest cluster's (markercluster's own rule) */
    var alone = marker.__parent._zoom + 1;
    var zoom = Math.min(map.getMaxZoom(), Math.max(map.getZoom(), alone, M.SELECTED_ZOOM));
    map.setView(marker.getLatLng(), zoom, { animate: false });
    var parent = cluster.getVisibleParent(marker);
    if (parent && parent !== marker && typeof parent.spiderfy === "function") parent.spiderfy();
  }

  /** Show the open place on the map (or none): highlighted, in view, clear of the sheet. */
  M.showSelection = function (p) {
    var map = M.map;
    if (!map) return;
    if (selection) {
      map.removeLayer(selection);
      selection = null;
    }
    markSelected();
    if (!p) return;
    if (p.props.location_precision === "town") {
      /* only the town is known to the public: show "somewhere around here", not a spot */
      selection = L.circle([p.lat, p.lon], {
        radius: 250, className: "tsd-selection-town", interactive: false,
      }).addTo(map);
    }
    var marker = markers.get(p.id);
    if (marker && onMap.has(p.id) && marker.__parent) {
      revealMarker(marker);
    } else {
      map.setView([p.lat, p.lon], Math.max(map.getZoom(), M.SELECTED_ZOOM), { animate: false });
    }
    clearOfSheet();
    markSelected();
  };

  /**
   * A chosen point at street level: centred, with the nearest listed place on the map too when
   * it is close enough for that zoom, clear of the sheet.
   */
  M.showPoint = function (point) {
    var map = M.map;
    if (!map) return;
    var here = L.latLng(point.lat, point.lon);
    var nearest = D.filtered.filter(function (p) { return D.walks.has(p.id); })[0];
    map.setView(here, M.STREET_ZOOM, { animate: false });
    if (nearest) {
      var both = L.latLngBounds([here, [nearest.lat, nearest.lon]]);
      var cover = sheetCover();
      var zoom = map.getBoundsZoom(both, false, L.point(96, 96 + cover));
      if (zoom >= M.SELECTED_ZOOM) {
        map.fitBounds(both, {
          paddingTopLeft: [48, 48], paddingBottomRight: [48, 48 + cover],
          maxZoom: M.STREET_ZOOM, animate: false,
        });
        return;
      }
    }
    clearOfSheet();
  };

  /** The star at the point "near me" measures from; null removes it. */
  M.markHere = function (point) {
    var map = M.map;
    if (!map) return;
    if (hereMarker) map.removeLayer(hereMarker);
    hereMarker = null;
    if (!point) return;
    hereMarker = L.marker([point.lat, point.lon], {
      icon: L.divIcon({
        className: "tsd-here",
        html: '<span class="tsd-here-mark" aria-hidden="true">★</span>',
        iconSize: L.point(36, 36),
      }),
      interactive: false,
      keyboard: false,
      zIndexOffset: 1000,
    }).addTo(map);
  };
})(window.Tsudoi);
