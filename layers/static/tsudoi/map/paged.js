/* Tsudoi residents' map for a city of many places (config.paged: more than 2,000): the page
 * never holds every place. The map asks the server for the clusters and lone places in its view
 * at its zoom (GET /api/cities/{code}/clusters), again after every move; the list asks for its
 * pages sorted on the server (places?sort=name, or sort=distance from the chosen point) and
 * loads the next on "show more"; the counts per kind come from one whole-city answer.
 * Search, kinds and area go to the server as the listing's filters. A smaller city's map is the
 * other files alone: this one changes nothing there. Loaded after card.js, before main.js. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$;
  var PAGE = M.LIST_PAGE;
  var pages = new Map(); /* url -> Promise of the answer, the last few */

  /** A list page or other answer, asked once (main.js asks for the first page this way). */
  M.getPage = function (url) {
    var found = pages.get(url);
    if (found) return found;
    found = T.getJson(url);
    found.catch(function () { pages.delete(url); });
    pages.set(url, found);
    if (pages.size > 24) pages.delete(pages.keys().next().value);
    return found;
  };

  if (!T.config.paged) return;

  var api = T.config.api;
  var layer = null; /* the clusters and lone places in view */
  var matched = 0; /* how many places the list has in all (the server's numberMatched) */
  var listKey = ""; /* the filters and order of the pages in D.filtered */
  var listAsked = 0, viewAsked = 0; /* a newer request wins */
  var listReady = Promise.resolve();
  var viewReady = Promise.resolve();
  var countsKey = null;
  var extent = null; /* [minLon, minLat, maxLon, maxLat] of every place the filters keep */

  /** Nothing ticked: nothing is shown, and nothing is asked. */
  function noneShown() {
    return S.shown !== null && S.shown.size === 0;
  }

  /** The listing's filters from the state (the kinds ticked unless `allKinds`). */
  function filters(allKinds) {
    var p = {};
    if (S.shown && !allKinds) p.category = Array.from(S.shown).sort().join(",");
    if (S.area) p.area = S.area;
    if (S.q) p.q = S.q;
    return p;
  }

  function withParams(url, first, more) {
    var all = {};
    Object.keys(first).forEach(function (k) { all[k] = first[k]; });
    Object.keys(more).forEach(function (k) { all[k] = more[k]; });
    return url + T.query(all);
  }

  /** The URL of a list page: the first page by name is exactly the one the head preloads. */
  function pageUrl(offset) {
    var order = S.point ? { sort: "distance", limit: PAGE } : { sort: "name", limit: PAGE };
    if (offset) order.offset = offset;
    var more = filters(false);
    if (S.point) {
      more.lat = S.point.lat.toFixed(5);
      more.lon = S.point.lon.toFixed(5);
    }
    return withParams(api.places, order, more);
  }

  function addPage(features) {
    features.forEach(function (f) {
      var p = M.toPlace(f, D.filtered.length);
      D.placeById.set(p.id, p);
      if (f.properties.distance_m !== undefined) {
        D.walks.set(p.id, {
          distance_m: f.properties.distance_m, minutes: f.properties.walking_min, estimate: true,
        });
      }
      M.categoryOf(p.category);
      D.filtered.push(p);
    });
  }

  M.recompute = function () {
    /* the server filters and sorts; D.filtered holds the pages loaded so far */
    if (S.point) D.walkMethod = "straight-line";
  };

  M.listTotal = function () {
    return matched;
  };

  var renderFromPages = M.renderList;
  M.renderList = function () {
    var url = pageUrl(0);
    var asked = ++listAsked;
    if (noneShown()) {
      D.filtered = [];
      matched = 0;
      listKey = url;
      renderFromPages();
      listReady = Promise.resolve();
      return;
    }
    if (url === listKey) {
      renderFromPages(); /* same pages, e.g. after the card closes: shown again as they are */
      return;
    }
    $("list-status").textContent = t("Loading places…");
    listReady = M.getPage(url).then(function (body) {
      if (asked !== listAsked) return;
      listKey = url;
      D.filtered = [];
      if (S.point) D.walks = new Map();
      matched = body.numberMatched;
      addPage(body.features);
      renderFromPages();
      if (!S.point && matched > D.filtered.length) announceShown();
    }, function () {
      if (asked !== listAsked) return;
      $("list-status").textContent = t("The places could not be loaded. Please reload the page.");
    });
  };

  function announceShown() {
    $("list-status").textContent = t("Showing {shown} of {n} places.", {
      shown: $("place-list").querySelectorAll(".place-item").length, n: matched,
    });
  }

  /** Load the next page, then show it; the status line says how many are shown now. */
  M.showMore = function () {
    var more = $("more");
    if (D.filtered.length >= matched) return Promise.resolve(M.appendListPage());
    var asked = listAsked;
    more.disabled = true;
    more.setAttribute("aria-busy", "true");
    $("list-status").textContent = t("Loading more places…");
    return M.getPage(pageUrl(D.filtered.length)).then(function (body) {
      more.disabled = false;
      more.removeAttribute("aria-busy");
      if (asked !== listAsked) return null;
      addPage(body.features);
      var first = M.appendListPage();
      announceShown();
      return first;
    }, function () {
      more.disabled = false;
      more.removeAttribute("aria-busy");
      $("list-status").textContent = t("More places could not be loaded. Please try again.");
      return null;
    });
  };

  /** Counts per kind before the ticks, and where the places are: one whole-city answer. */
  function refreshCounts() {
    var url = withParams(api.clusters, { zoom: 0 }, filters(true));
    if (url === countsKey) return;
    countsKey = url;
    M.getPage(url).then(function (body) {
      if (url !== countsKey) return;
      D.countsByCategory = new Map(Object.keys(body.categories).map(function (k) {
        return [k, body.categories[k]];
      }));
      extent = body.extent;
      baseLayerCounts();
    }).catch(function () { /* the legend keeps its last counts */ });
  }

  var baseLayerCounts = M.updateLayerCounts;
  M.updateLayerCounts = function () {
    baseLayerCounts();
    refreshCounts();
  };

  /* ------------------------------------------------------------------------------ the map */

  function kindsOf(counts) {
    return D.categories.filter(function (c) { return counts[c.slug]; })
      .map(function (c) { return { cat: c, n: counts[c.slug] }; })
      .concat(Object.keys(counts).filter(function (s) { return !D.catBySlug.has(s); })
        .map(function (s) { return { cat: M.categoryOf(s), n: counts[s] }; }));
  }

  /** A cluster: a button with its count and kinds; a press zooms in to its places. */
  function clusterMarker(c) {
    var n = Number(c.count);
    var size = n < 10 ? "s" : n < 100 ? "m" : "l";
    var kinds = kindsOf(c.categories);
    var marker = L.marker([c.lat, c.lon], {
      icon: L.divIcon({
        html: M.ring(kinds, n),
        className: "tsd-cluster tsd-cluster-" + size,
        iconSize: L.point(48, 48),
      }),
      keyboard: true,
    });
    var label = t("{n} places. Press Enter to zoom in.", { n: n }) + " " + kinds.map(function (k) {
      return t("{category} {n}", { category: M.categoryLabel(k.cat), n: k.n });
    }).join(", ");
    marker.on("add", function () {
      var node = marker.getElement();
      node.setAttribute("aria-label", label);
      node.setAttribute("data-count", String(n));
    });
    marker.on("click", function () {
      var map = M.map;
      var b = L.latLngBounds([c.bbox[1], c.bbox[0]], [c.bbox[3], c.bbox[2]]);
      /* places at one point (a town's, for homes and places placed from their address) never
         come apart: they are listed by the cluster instead */
      var onePoint = c.bbox[2] - c.bbox[0] < 1e-6 && c.bbox[3] - c.bbox[1] < 1e-6;
      if (onePoint || map.getZoom() >= map.getMaxZoom()) {
        listHere(c);
        return;
      }
      var zoom = Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 1, map.getBoundsZoom(b)));
      map.setView(b.getCenter(), zoom);
    });
    return marker;
  }

  /** A cluster that cannot come apart lists its places (the first page) beside it. */
  function listHere(c) {
    var url = withParams(api.places, { sort: "name", limit: PAGE, bbox: c.bbox.join(",") },
      filters(false));
    M.getPage(url).then(function (body) {
      var box = T.el("div", "tsd-here-list");
      box.appendChild(T.el("p", "tsd-here-title", t("{n} places at this point", { n: body.numberMatched })));
      var list = T.el("ul", "tsd-here-items");
      body.features.forEach(function (f) {
        var li = T.el("li");
        var b = T.el("button", "text-button", f.properties.name);
        b.type = "button";
        b.setAttribute("data-id", String(f.id));
        b.addEventListener("click", function () {
          M.map.closePopup();
          M.openCard(String(f.id), { push: true, focus: true, fromMap: true });
        });
        li.appendChild(b);
        list.appendChild(li);
      });
      box.appendChild(list);
      L.popup({ maxHeight: 280, autoPanPadding: [24, 24] })
        .setLatLng([c.lat, c.lon]).setContent(box).openOn(M.map);
      var first = list.querySelector("button");
      if (first) first.focus();
    }).catch(function () {
      $("map-status").textContent = t("The places could not be loaded. Please reload the page.");
    });
  }

  /** A lone place: its pin, named; a press opens its card (its details asked of the API). */
  function placeMarker(f) {
    var props = f.properties || {};
    var cat = M.categoryOf(props.category);
    var coords = f.geometry.coordinates;
    var marker = L.marker([coords[1], coords[0]], {
      icon: M.pinIcon(cat, props.location_precision === "town"),
      keyboard: true,
      title: props.name,
      riseOnHover: true,
    });
    marker.leanId = String(f.id);
    marker.on("add", function () {
      var node = marker.getElement();
      node.style.setProperty("--cat", cat.color);
      node.setAttribute("aria-label", t("{name} ({category})", { name: props.name, category: M.categoryLabel(cat) }));
      node.setAttribute("data-id", marker.leanId);
      node.classList.toggle("is-selected", marker.leanId === S.place);
    });
    marker.on("click", function () {
      M.openCard(marker.leanId, { push: true, focus: true, fromMap: true });
    });
    return marker;
  }

  function viewUrl() {
    var map = M.map;
    var b = map.getBounds();
    var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };
    var box = [
      clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -85, 85),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -85, 85),
    ].map(function (v) { return v.toFixed(5); }).join(",");
    return withParams(api.clusters, { zoom: Math.round(map.getZoom()), bbox: box }, filters(false));
  }

  /** The clusters and places in view, asked again after each move and each change of filter. */
  function refreshView() {
    if (!M.map || !layer) return Promise.resolve();
    var asked = ++viewAsked;
    if (noneShown()) {
      layer.clearLayers();
      return Promise.resolve();
    }
    return M.getPage(viewUrl()).then(function (body) {
      if (asked !== viewAsked) return;
      layer.clearLayers();
      body.clusters.forEach(function (c) { layer.addLayer(clusterMarker(c)); });
      body.places.forEach(function (f) { layer.addLayer(placeMarker(f)); });
    }, function () {
      if (asked !== viewAsked) return;
      $("map-status").textContent = t("The places could not be loaded. Please reload the page.");
    });
  }

  var baseSetup = M.setupMap;
  M.setupMap = function () {
    baseSetup();
    if (!M.map) return;
    layer = L.layerGroup().addTo(M.map);
    M.map.on("moveend", function () { viewReady = refreshView(); });
  };

  M.updateMarkers = function () {
    viewReady = refreshView();
    return Promise.all([listReady, viewReady]);
  };

  M.whenMarkersReady = function () {
    return viewReady;
  };

  /** "Show all": every place the filters keep, from the whole-city answer. */
  M.fitToPlaces = function () {
    if (!M.map) return;
    var url = withParams(api.clusters, { zoom: 0 }, filters(false));
    M.getPage(url).then(function (body) {
      var e = body.extent || extent;
      if (!e) return;
      M.map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { padding: [24, 24], maxZoom: 15 });
    }).catch(function () { /* the map stays where it is */ });
  };

  var baseSelection = M.showSelection;
  M.showSelection = function (p) {
    baseSelection(p);
    if (!layer) return;
    layer.eachLayer(function (m) {
      var node = m.getElement && m.getElement();
      if (node && m.leanId) node.classList.toggle("is-selected", m.leanId === S.place);
    });
  };

  /* the list comes in pages sorted by name or distance: grouping by kind is for small cities */
  var group = $("group-kind");
  if (group && group.parentNode) group.parentNode.hidden = true;
})(window.Tsudoi);
