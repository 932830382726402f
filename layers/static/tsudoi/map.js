/* Tsudoi: the residents' map — category layers, search, list, details card, "near me".
 *
 * Plain JS, no build step, CSP-safe: no inline scripts or handlers, no eval, and every text that
 * comes from data is put in the page with textContent, never as HTML. Data comes from the JSON API
 * (GeoJSON, compressed); the page only carries a small config. The list is a full alternative to
 * the map: everything the map shows, the list shows, and the map is optional (tiles may fail).
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("tsudoi-config").textContent);
  var labels = config.messages || {};
  var lang = config.lang === "en" ? "en" : "ja";
  var LIST_PAGE = 50;
  var SELECTED_ZOOM = 15;

  /* ---------------------------------------------------------------- labels */

  /** A label from the catalogue (layers/locale), with {name} placeholders filled in. */
  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(labels, id) ? labels[id] : id;
    if (values) {
      Object.keys(values).forEach(function (key) {
        text = text.split("{" + key + "}").join(String(values[key]));
      });
    }
    return text;
  }

  /* ---------------------------------------------------------------- small DOM helpers */

  function $(id) {
    return document.getElementById(id);
  }

  /** An element with a class and text; text is always text, never HTML. */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function isHttpUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s]+$/i.test(url);
  }

  var COLOUR = /^#[0-9a-f]{3,8}$/i;

  /* ---------------------------------------------------------------- text folding for search */

  /* The same folding as geo/text.py fold(): NFKC, lower case, katakana to hiragana, spaces and
     dashes dropped, so 'ｻﾛﾝ', 'サロン' and 'さろん' all find a サロン. */
  var FOLD_DROP = /[\s\u3000・･\-‐－ー―]+/g;

  function fold(text) {
    if (!text) return "";
    var s = String(text).normalize("NFKC").toLowerCase();
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      out += c >= 0x30a1 && c <= 0x30f6 ? String.fromCharCode(c - 0x60) : s.charAt(i);
    }
    return out.replace(FOLD_DROP, "");
  }

  /* ---------------------------------------------------------------- distances and walking */

  /** Geodesic distance in metres on the WGS84 ellipsoid (Vincenty), as the API computes it. */
  function geodesicM(lat1, lon1, lat2, lon2) {
    var a = 6378137;
    var f = 1 / 298.257223563;
    var b = a * (1 - f);
    var rad = Math.PI / 180;
    var L = (lon2 - lon1) * rad;
    var U1 = Math.atan((1 - f) * Math.tan(lat1 * rad));
    var U2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, lambdaP, iter = 200;
    var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, sinLambda, cosLambda, sinAlpha, C;
    do {
      sinLambda = Math.sin(lambda);
      cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt(
        (cosU2 * sinLambda) * (cosU2 * sinLambda) +
          (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) * (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda)
      );
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cosSqAlpha : 0;
      C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
      lambdaP = lambda;
      lambda =
        L +
        (1 - C) * f * sinAlpha *
          (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaP) > 1e-12 && --iter > 0);
    if (iter === 0) {
      /* antipodal points only; never in one city. A sphere is close enough there. */
      var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
      var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
        Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
      return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
    }
    var uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
    var A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var deltaSigma =
      B * sinSigma *
      (cos2SigmaM +
        (B / 4) *
          (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
            (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return b * A * (sigma - deltaSigma);
  }

  /**
   * Walking distance and minutes from a point to each place: THE one place that knows where
   * walking figures come from. Where the city has a walking network (config.walking.method is
   * "network") the walks API measures along the streets; otherwise, or if that request fails,
   * the geodesic straight line at config.walking.speed_m_per_min (50 m a minute, an older
   * adult's pace), marked as an estimate.
   * Returns a Promise of Map(id -> {distance_m, minutes, estimate}).
   */
  function straightFrom(point, places) {
    var speed = (config.walking && config.walking.speed_m_per_min) || 50;
    var out = new Map();
    places.forEach(function (p) {
      var d = geodesicM(point.lat, point.lon, p.lat, p.lon);
      out.set(p.id, {
        distance_m: d,
        minutes: d <= 0 ? 0 : Math.max(1, Math.ceil(d / speed)),
        estimate: true,
      });
    });
    return out;
  }

  function walkingFrom(point, places) {
    var method = (config.walking && config.walking.method) || "straight-line";
    if (method !== "network" || !config.api.walks) return Promise.resolve(straightFrom(point, places));
    var url = config.api.walks + "?lat=" + encodeURIComponent(point.lat) +
      "&lon=" + encodeURIComponent(point.lon);
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (body) {
        var fallback = straightFrom(point, places);
        var out = new Map();
        places.forEach(function (p) {
          var w = body.walks[p.id];
          out.set(p.id, w
            ? { distance_m: w.distance_m, minutes: w.walking_min, estimate: w.method !== "network" }
            : fallback.get(p.id));
        });
        return out;
      })
      .catch(function () { return straightFrom(point, places); });
  }

  function formatDistance(m) {
    if (m < 1000) return t("{m} m", { m: Math.max(10, Math.round(m / 10) * 10) });
    return t("{km} km", { km: (m / 1000).toFixed(1) });
  }

  function formatWalk(w) {
    return t("About {min} min on foot ({distance})", {
      min: w.minutes,
      distance: formatDistance(w.distance_m),
    });
  }

  /* ---------------------------------------------------------------- dates */

  var dateFormat = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", {
    year: "numeric", month: "long", day: "numeric", weekday: "short", timeZone: "UTC",
  });
  var dayFormat = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", {
    year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
  });
  var shortDate = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ja-JP", {
    month: "long", day: "numeric", weekday: "short", timeZone: "UTC",
  });

  function parseIsoDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text || "");
    return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
  }

  function formatDate(text, format) {
    var d = parseIsoDate(text);
    return d ? (format || dateFormat).format(d) : text;
  }

  /* ---------------------------------------------------------------- state and the URL */

  var state = { shown: null, area: "", q: "", place: "", point: null };
  var categories = [];
  var catBySlug = new Map();
  var places = [];
  var placeById = new Map();
  var areas = [];
  var areaById = new Map();
  var walks = new Map();
  var filtered = [];
  var listShown = 0;
  var collator = new Intl.Collator("ja", { numeric: true });

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    state.shown = params.has("category")
      ? new Set(params.get("category").split(",").map(function (s) { return s.trim(); }).filter(Boolean))
      : null;
    state.area = params.get("area") || "";
    state.q = params.get("q") || "";
    state.place = params.get("place") || "";
  }

  function stateParams(langOverride) {
    var params = new URLSearchParams();
    if (state.shown) {
      var known = categories.map(function (c) { return c.slug; });
      var slugs = known.filter(function (s) { return state.shown.has(s); });
      state.shown.forEach(function (s) { if (known.indexOf(s) === -1) slugs.push(s); });
      params.set("category", slugs.join(","));
    }
    if (state.area) params.set("area", state.area);
    if (state.q) params.set("q", state.q);
    if (state.place) params.set("place", state.place);
    var l = langOverride || lang;
    if (l !== "ja") params.set("lang", l);
    return params;
  }

  function urlFor(langOverride) {
    var query = stateParams(langOverride).toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  /** Put the view in the address bar: "push" for a step the back button should undo. */
  function writeUrl(mode) {
    var url = urlFor();
    var here = window.location.pathname + window.location.search;
    if (url !== here) {
      if (mode === "push") window.history.pushState(null, "", url);
      else window.history.replaceState(null, "", url);
    }
    var other = lang === "ja" ? "en" : "ja";
    $("lang-switch").setAttribute("href", urlFor(other));
  }

  /* ---------------------------------------------------------------- categories */

  function categoryLabel(c) {
    return lang === "en" ? c.label_en || c.label_ja : c.label_ja || c.label_en;
  }

  function categoryOf(slug) {
    var found = catBySlug.get(slug);
    if (found) return found;
    found = { slug: slug, label_ja: slug, label_en: slug, color: "#495057", glyph: "?", kind: "gathering" };
    catBySlug.set(slug, found);
    categories.push(found);
    return found;
  }

  /** A colour pin with a glyph (the category's first character): never colour alone. */
  function pin(cat, extraClass) {
    var node = el("span", "pin" + (extraClass ? " " + extraClass : ""), cat.glyph);
    node.setAttribute("aria-hidden", "true");
    node.style.setProperty("--cat", cat.color);
    return node;
  }

  function isShown(slug) {
    return state.shown === null || state.shown.has(slug);
  }

  /* ---------------------------------------------------------------- filtering */

  function inArea(p) {
    return !state.area || (p.areas && p.areas.indexOf(state.area) !== -1);
  }

  var countsByCategory = new Map();

  function recompute() {
    var q = fold(state.q);
    var base = places.filter(function (p) {
      return inArea(p) && (!q || p.search.indexOf(q) !== -1);
    });
    countsByCategory = new Map();
    base.forEach(function (p) {
      countsByCategory.set(p.category, (countsByCategory.get(p.category) || 0) + 1);
    });
    filtered = base.filter(function (p) { return isShown(p.category); });
    if (state.point) {
      filtered.sort(function (a, b) {
        var wa = walks.get(a.id), wb = walks.get(b.id);
        return (wa ? wa.distance_m : Infinity) - (wb ? wb.distance_m : Infinity) || a.order - b.order;
      });
    }
  }

  /* ---------------------------------------------------------------- layers (legend) */

  function renderLayers() {
    var list = $("layer-list");
    list.textContent = "";
    categories.forEach(function (c) {
      if (c.kind !== "gathering") return;
      var li = el("li", "layer-item");
      var label = el("label", "layer");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = c.slug;
      box.checked = isShown(c.slug);
      box.addEventListener("change", onLayerToggle);
      label.appendChild(box);
      label.appendChild(pin(c));
      label.appendChild(el("span", "layer-label", categoryLabel(c)));
      var n = countsByCategory.get(c.slug) || 0;
      var count = el("span", "layer-count", t("{n} places", { n: n }));
      count.setAttribute("data-count", String(n));
      label.appendChild(count);
      li.appendChild(label);
      list.appendChild(li);
    });
    $("show-all").hidden = state.shown === null;
  }

  function updateLayerCounts() {
    var boxes = $("layer-list").querySelectorAll("input[type=checkbox]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.checked = isShown(box.value);
      var count = box.parentNode.querySelector(".layer-count");
      var n = countsByCategory.get(box.value) || 0;
      count.textContent = t("{n} places", { n: n });
      count.setAttribute("data-count", String(n));
    });
    $("show-all").hidden = state.shown === null;
    $("filters-state").textContent = state.shown !== null || state.area ? t("(narrowed)") : "";
  }

  function onLayerToggle(event) {
    var slug = event.target.value;
    var shown = state.shown ? new Set(state.shown) : new Set(gatheringSlugs());
    if (event.target.checked) shown.add(slug);
    else shown.delete(slug);
    state.shown = shown.size === gatheringSlugs().length ? null : shown;
    update({ push: true });
  }

  function gatheringSlugs() {
    return categories.filter(function (c) { return c.kind === "gathering"; })
      .map(function (c) { return c.slug; });
  }

  /* ---------------------------------------------------------------- the list */

  function nextDateText(p) {
    if (p.props.next_date) return t("Next: {date}", { date: formatDate(p.props.next_date, shortDate) });
    return "";
  }

  function listItem(p) {
    var cat = categoryOf(p.category);
    var li = el("li", "place-item");
    var button = el("button", "place-button");
    button.type = "button";
    button.setAttribute("data-id", p.id);
    button.appendChild(pin(cat));
    var main = el("span", "place-main");
    main.appendChild(el("span", "place-name", p.name));
    var meta = [categoryLabel(cat)];
    var next = nextDateText(p);
    if (next) meta.push(next);
    main.appendChild(el("span", "place-meta", meta.join(" ・ ")));
    if (p.props.location_precision === "town") {
      main.appendChild(el("span", "place-town", t("Shown at town level (a private home)")));
    }
    var w = walks.get(p.id);
    if (state.point && w) main.appendChild(el("span", "place-walk", formatWalk(w)));
    button.appendChild(main);
    button.addEventListener("click", function () {
      openCard(p.id, { push: true, focus: true, fromList: true });
    });
    li.appendChild(button);
    return li;
  }

  function renderList() {
    var list = $("place-list");
    list.textContent = "";
    listShown = 0;
    appendListPage();
    var n = filtered.length;
    $("list-count").textContent = t("({n})", { n: n });
    $("list-status").textContent = n
      ? (state.point ? t("{n} places, nearest first", { n: n }) : t("{n} places shown", { n: n }))
      : t("No place matches. Try other words or tick more kinds.");
    var note = $("walk-note");
    note.hidden = !state.point;
    if (state.point) {
      note.textContent = config.walking && config.walking.method === "straight-line"
        ? t("Walking times are an estimate from the straight-line distance, at 50 m a minute.")
        : t("Walking times follow the streets, at 50 m a minute.");
    }
  }

  function appendListPage() {
    var list = $("place-list");
    var frag = document.createDocumentFragment();
    var end = Math.min(filtered.length, listShown + LIST_PAGE);
    var firstNew = null;
    for (var i = listShown; i < end; i++) {
      var item = listItem(filtered[i]);
      if (!firstNew) firstNew = item;
      frag.appendChild(item);
    }
    list.appendChild(frag);
    listShown = end;
    var more = $("more");
    var left = filtered.length - listShown;
    more.hidden = left <= 0;
    more.textContent = t("Show {n} more ({left} left)", { n: Math.min(LIST_PAGE, left), left: left });
    return firstNew;
  }

  /* ---------------------------------------------------------------- the map */

  var map = null;
  var cluster = null;
  var markers = new Map();
  var onMap = new Set();
  var selection = null;
  var hereMarker = null;
  var markersReady = null;

  function attributionHtml(basemap) {
    if (!basemap.attribution) return "";
    var text = escapeHtml(basemap.attribution);
    return isHttpUrl(basemap.attribution_url)
      ? '<a href="' + escapeHtml(basemap.attribution_url) + '" rel="noopener">' + text + "</a>"
      : text;
  }

  function setupMap() {
    if (!window.L) {
      $("map-status").textContent = t("The map could not start. The list still works.");
      return;
    }
    map = L.map("map", {
      zoomControl: false,
      keyboard: true,
      attributionControl: false,
      maxZoom: (config.basemap && config.basemap.max_zoom) || 18,
    });
    L.control.zoom({ zoomInTitle: t("Zoom in"), zoomOutTitle: t("Zoom out") }).addTo(map);
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
        L.DomEvent.on(button, "click", function () { fitToPlaces(); });
        return box;
      },
    });
    new FitControl().addTo(map);
    /* on phones the list sheet covers the bottom of the map: the credit goes to the top there */
    var narrow = window.matchMedia && window.matchMedia("(max-width: 720px)").matches;
    L.control.attribution({
      position: narrow ? "topright" : "bottomright",
      prefix: '<a href="https://leafletjs.com/" rel="noopener">Leaflet</a>',
    }).addTo(map);
    map.createPane("areaLabels").style.zIndex = "450";
    var basemap = config.basemap || {};
    if (basemap.url) {
      var warned = false;
      L.tileLayer(basemap.url, {
        maxZoom: basemap.max_zoom || 18,
        attribution: attributionHtml(basemap),
        crossOrigin: false,
      }).on("tileerror", function () {
        if (warned) return;
        warned = true;
        $("map-status").textContent = t("The background map cannot be loaded. The list, search and details still work.");
      }).addTo(map);
    }
    if (config.bounds) map.fitBounds(config.bounds);
    else map.setView([36.5, 138], 5);

    cluster = L.markerClusterGroup({
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
          html: "<span>" + String(Number(n)) + "</span>",
          className: "tsd-cluster tsd-cluster-" + size,
          iconSize: L.point(48, 48),
        });
      },
    });
    map.addLayer(cluster);

    /* Names and colours of markers and clusters as they come onto the map (Leaflet recreates
       their elements whenever clusters change). */
    map.on("layeradd", function (e) {
      var layer = e.layer;
      var node = layer.getElement && layer.getElement();
      if (!node) return;
      if (layer instanceof L.MarkerCluster) {
        node.setAttribute("aria-label", t("{n} places here. Press Enter to zoom in.", { n: layer.getChildCount() }));
        node.setAttribute("data-count", String(layer.getChildCount()));
      } else if (layer.placeId) {
        var p = placeById.get(layer.placeId);
        var cat = categoryOf(p.category);
        node.style.setProperty("--cat", cat.color);
        node.setAttribute("aria-label", t("{name} ({category})", { name: p.name, category: categoryLabel(cat) }));
        node.setAttribute("data-id", p.id);
        node.classList.toggle("is-selected", p.id === state.place);
      }
    });

    /* Enter or Space on a focused marker or cluster acts like a click. */
    $("map").addEventListener("keydown", function (e) {
      var target = e.target;
      if (!(e.key === "Enter" || e.key === " ")) return;
      if (!target.classList || !(target.classList.contains("tsd-pin") || target.classList.contains("tsd-cluster"))) return;
      e.preventDefault();
      var wasCluster = target.classList.contains("tsd-cluster");
      target.click();
      if (wasCluster) {
        map.once("moveend", function () { $("map").focus(); });
      }
    });

    map.on("click", function (e) {
      setPoint(e.latlng.lat, e.latlng.lng, t("the point you tapped on the map"));
    });
    map.on("zoomend", updateAreaLabels);
    updateAreaLabels();
  }

  function markerFor(p) {
    var found = markers.get(p.id);
    if (found) return found;
    var cat = categoryOf(p.category);
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
      openCard(p.id, { push: true, focus: true, fromMap: true });
    });
    markers.set(p.id, marker);
    return marker;
  }

  var iconCache = new Map();

  function iconFor(cat, town) {
    var key = cat.slug + (town ? "|town" : "");
    var icon = iconCache.get(key);
    if (!icon) {
      icon = L.divIcon({
        className: "tsd-pin" + (town ? " tsd-town" : ""),
        html: '<span class="tsd-glyph" aria-hidden="true">' + escapeHtml(cat.glyph) + "</span>",
        iconSize: L.point(44, 44),
        iconAnchor: L.point(22, 40),
      });
      iconCache.set(key, icon);
    }
    return icon;
  }

  /** Make the map's markers the filtered places: only the difference is added or removed. */
  function updateMarkers() {
    if (!cluster) {
      markersReady = Promise.resolve();
      return markersReady;
    }
    var wanted = new Set(filtered.map(function (p) { return p.id; }));
    var remove = [];
    onMap.forEach(function (id) {
      if (!wanted.has(id)) remove.push(markers.get(id));
    });
    var add = [];
    filtered.forEach(function (p) {
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
  }

  /** Pixels of the map hidden under the bottom sheet on phones (0 beside the list on wide screens). */
  function sheetCover() {
    if (!map) return 0;
    var panel = $("panel");
    var mapBox = map.getContainer().getBoundingClientRect();
    var panelBox = panel.getBoundingClientRect();
    if (panelBox.left >= mapBox.right || panelBox.right <= mapBox.left) return 0;
    return Math.max(0, mapBox.bottom - Math.max(panelBox.top, mapBox.top));
  }

  function fitToPlaces() {
    if (!map || !filtered.length) return;
    var bounds = L.latLngBounds(filtered.map(function (p) { return [p.lat, p.lon]; }));
    map.fitBounds(bounds, {
      paddingTopLeft: [24, 24],
      paddingBottomRight: [24, 24 + sheetCover()],
      maxZoom: 15,
    });
  }

  /** Bring a point into the part of the map the sheet does not cover. */
  function clearOfSheet() {
    var cover = sheetCover();
    if (cover > 0) map.panBy([0, Math.round(cover / 2)], { animate: false });
  }

  function markSelected() {
    markers.forEach(function (marker, id) {
      var node = marker.getElement && marker.getElement();
      if (node) node.classList.toggle("is-selected", id === state.place);
    });
  }

  function showSelection(p) {
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
      map.setView([p.lat, p.lon], Math.max(map.getZoom(), SELECTED_ZOOM), { animate: false });
    }
    clearOfSheet();
    markSelected();
  }

  /**
   * Centre the map on a marker at the zoom where its cluster splits (spiderfied at the last
   * zoom). Done without animation and synchronously, unlike zoomToShowLayer, whose pending
   * callback fails when the list changes under it.
   */
  function revealMarker(marker) {
    var latlng = marker.getLatLng();
    /* the marker stands alone one zoom above its lowest cluster's (markercluster's own rule) */
    var alone = marker.__parent._zoom + 1;
    /* at least street level (15): the neighbourhood a resident walks in */
    var zoom = Math.min(map.getMaxZoom(), Math.max(map.getZoom(), alone, SELECTED_ZOOM));
    map.setView(latlng, zoom, { animate: false });
    var parent = cluster.getVisibleParent(marker);
    if (parent && parent !== marker && typeof parent.spiderfy === "function") parent.spiderfy();
  }

  /* ---------------------------------------------------------------- areas */

  function areaName(a) {
    return a ? a.name : "";
  }

  function areaLabelFor(a) {
    var node = el("span", "tsd-area-name", a.name);
    return L.divIcon({ className: "tsd-area-label tsd-area-l" + a.level, html: node, iconSize: null });
  }

  function drawAreas(collection) {
    if (!map) return;
    L.geoJSON(collection, {
      interactive: false,
      style: function (f) {
        var level = f.properties.level;
        return level <= 1
          ? { color: "#343a40", weight: 3, opacity: 0.8, fill: false, interactive: false }
          : { color: "#495057", weight: 1.5, opacity: 0.8, dashArray: "6 5", fill: false, interactive: false };
      },
    }).addTo(map);
    collection.features.forEach(function (f) {
      var pt = f.properties.label_point;
      if (!pt) return;
      L.marker([pt[1], pt[0]], {
        icon: areaLabelFor(f.properties),
        interactive: false,
        keyboard: false,
        pane: "areaLabels",
      }).addTo(map);
    });
    updateAreaLabels();
  }

  function updateAreaLabels() {
    if (!map) return;
    var container = map.getContainer();
    var zoom = map.getZoom();
    container.classList.toggle("tsd-zoom-wide", zoom < 13);
    container.classList.toggle("tsd-zoom-close", zoom >= 13);
  }

  /** Area options grouped by their parent (a ward and its daily-living areas). */
  function fillAreaSelect(select, withWhole) {
    var children = new Map();
    var roots = [];
    areas.forEach(function (a) {
      if (a.parent && areaById.has(a.parent)) {
        if (!children.has(a.parent)) children.set(a.parent, []);
        children.get(a.parent).push(a);
      } else {
        roots.push(a);
      }
    });
    roots.forEach(function (root) {
      var kids = children.get(root.id) || [];
      if (!kids.length) {
        select.appendChild(new Option(root.name, root.id));
        return;
      }
      var group = document.createElement("optgroup");
      group.label = root.name;
      group.appendChild(new Option(withWhole ? t("{area} (all of it)", { area: root.name }) : root.name, root.id));
      kids.forEach(function (k) { group.appendChild(new Option(k.name, k.id)); });
      select.appendChild(group);
    });
  }

  function renderContacts(found, title) {
    var box = $("contacts");
    var body = $("contacts-body");
    body.textContent = "";
    var withContacts = found.filter(function (a) { return a.contacts && a.contacts.length; });
    if (!withContacts.length) {
      box.hidden = true;
      return;
    }
    if (title) body.appendChild(el("p", "contacts-for", title));
    withContacts.forEach(function (a) {
      body.appendChild(el("h3", "contacts-area", a.name));
      if (a.demo) body.appendChild(el("p", "demo-badge", t("Demo data (デモ用の仮データ)")));
      var list = el("ul", "contact-list");
      a.contacts.forEach(function (c) {
        var item = el("li", "contact");
        item.appendChild(el("p", "contact-role", c.role));
        item.appendChild(el("p", "contact-name", c.name));
        if (c.phone) item.appendChild(telLink(c.phone, t("Call {name}", { name: c.name })));
        if (c.hours) item.appendChild(el("p", "contact-hours", t("Hours: {hours}", { hours: c.hours })));
        if (c.address) item.appendChild(el("p", "contact-address", c.address));
        list.appendChild(item);
      });
      body.appendChild(list);
    });
    box.hidden = false;
  }

  function contactsForArea(id) {
    var chain = [];
    var a = areaById.get(id);
    while (a) {
      chain.unshift(a);
      a = a.parent ? areaById.get(a.parent) : null;
    }
    return chain;
  }

  function refreshContacts() {
    if (state.point) {
      var url = config.api.areas_at + "?lat=" + encodeURIComponent(state.point.lat) +
        "&lon=" + encodeURIComponent(state.point.lon);
      var asked = state.point;
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          if (state.point !== asked) return;
          if (!found.length) {
            renderContacts([], "");
            $("near-status").textContent = t("This point is outside the city's areas.");
            return;
          }
          renderContacts(found, t("Areas containing {where}: {areas}", {
            where: state.point.label,
            areas: found.map(areaName).join(" / "),
          }));
        })
        .catch(function () { renderContacts([], ""); });
    } else if (state.area) {
      renderContacts(contactsForArea(state.area), "");
    } else {
      renderContacts([], "");
    }
  }

  /* ---------------------------------------------------------------- near me */

  function setPoint(lat, lon, label) {
    state.point = { lat: lat, lon: lon, label: label };
    $("near-status").textContent = "";
    return walkingFrom(state.point, places).then(function (found) {
      walks = found;
      $("near-chosen").hidden = false;
      $("near-label").textContent = t("Sorted by distance from {where}.", { where: label });
      if (map) {
        if (hereMarker) map.removeLayer(hereMarker);
        hereMarker = L.marker([lat, lon], {
          icon: L.divIcon({
            className: "tsd-here",
            html: '<span class="tsd-here-mark" aria-hidden="true">★</span>',
            iconSize: L.point(36, 36),
          }),
          interactive: false,
          keyboard: false,
          zIndexOffset: 1000,
        }).addTo(map);
      }
      update({ push: false, keepCard: true });
      refreshContacts();
      if (state.place) renderCard(placeById.get(state.place));
    });
  }

  function clearPoint() {
    state.point = null;
    walks = new Map();
    $("near-chosen").hidden = true;
    $("near-area").value = "";
    if (hereMarker && map) map.removeLayer(hereMarker);
    hereMarker = null;
    update({ push: false });
    refreshContacts();
    $("near").querySelector("summary").focus();
  }

  function locate() {
    if (!navigator.geolocation) {
      $("near-status").textContent = t("This browser cannot tell your location. Type your town or choose your area.");
      return;
    }
    $("near-status").textContent = t("Finding your location…");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        setPoint(pos.coords.latitude, pos.coords.longitude, t("your current location"));
      },
      function () {
        $("near-status").textContent = t("Your location could not be found. Type your town or choose your area.");
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
    );
  }

  function searchTowns(event) {
    event.preventDefault();
    var q = $("town-q").value.trim();
    var status = $("town-status");
    var results = $("town-results");
    results.textContent = "";
    if (!q) {
      status.textContent = t("Type part of your town's name, for example 関屋.");
      return;
    }
    status.textContent = t("Searching…");
    fetch(config.api.towns + "?q=" + encodeURIComponent(q) + "&limit=20", { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404) return { unavailable: true };
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (found) {
        if (found.unavailable) {
          status.textContent = t("Town search is not available.");
          return;
        }
        if (!found.length) {
          status.textContent = t("No town matches {q}.", { q: q });
          return;
        }
        status.textContent = t("{n} towns found. Choose yours.", { n: found.length });
        found.forEach(function (town) {
          var li = el("li");
          var text = town.area ? t("{town} ({area})", { town: town.name, area: town.area }) : town.name;
          var b = el("button", "action-button town-button", text);
          b.type = "button";
          b.addEventListener("click", function () {
            results.textContent = "";
            status.textContent = "";
            setPoint(Number(town.lat), Number(town.lon), town.name).then(function () {
              $("list-heading").focus();
            });
          });
          li.appendChild(b);
          results.appendChild(li);
        });
      })
      .catch(function () {
        status.textContent = t("Town search failed. Please try again.");
      });
  }

  function chooseNearArea() {
    var a = areaById.get($("near-area").value);
    if (!a || !a.label_point) return;
    setPoint(a.label_point[1], a.label_point[0], t("the middle of {area}", { area: a.name }));
  }

  /* ---------------------------------------------------------------- the details card */

  function telLink(phone, label) {
    var digits = String(phone).replace(/\D/g, "");
    if (digits.length < 3) return el("p", "tel-text", phone);
    var a = el("a", "tel-link action-button", phone);
    a.href = "tel:" + digits;
    a.setAttribute("aria-label", label + " " + phone);
    return a;
  }

  function fact(dl, term, value, field) {
    if (value === null || value === undefined || value === "") return null;
    dl.appendChild(el("dt", "", term));
    var dd = el("dd");
    if (field) dd.setAttribute("data-field", field);
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = String(value);
    dl.appendChild(dd);
    return dd;
  }

  function directionsUrl(p) {
    return "https://www.google.com/maps/dir/?api=1&destination=" +
      encodeURIComponent(p.lat.toFixed(6) + "," + p.lon.toFixed(6)) + "&travelmode=walking";
  }

  function renderCard(p) {
    var body = $("card-body");
    body.textContent = "";
    if (!p) return;
    var props = p.props;
    var cat = categoryOf(p.category);
    var title = el("h2", "card-title", p.name);
    title.id = "card-title";
    title.tabIndex = -1;
    body.appendChild(title);
    var catLine = el("p", "card-category");
    catLine.setAttribute("data-field", "category");
    catLine.appendChild(pin(cat));
    catLine.appendChild(el("span", "", categoryLabel(cat)));
    body.appendChild(catLine);
    if (props.demo) body.appendChild(el("p", "demo-badge", t("Demo data (デモ用の仮データ)")));
    if (props.status && props.status !== "active") {
      body.appendChild(el("p", "card-status", props.status === "paused" ? t("Paused for now") : t("No longer held")));
    }

    var dl = el("dl", "facts");
    fact(dl, t("Next date"), props.next_date ? formatDate(props.next_date) : (props.schedule_rules && props.schedule_rules.length ? t("Not decided yet") : t("Please ask the organiser")), "next_date");
    fact(dl, t("When"), props.schedule, "schedule");
    fact(dl, t("Fee"), props.fee, "fee");
    var address = props.address;
    if (props.location_precision === "town") {
      var addr = el("span");
      if (address) addr.appendChild(el("span", "", address));
      addr.appendChild(el("span", "note", t("Held in a private home: the map shows the town only. Ask the organiser or your area's advice desk for the way.")));
      fact(dl, t("Address"), addr, "address");
    } else {
      fact(dl, t("Address"), address, "address");
    }
    if (props.phone) fact(dl, t("Phone"), telLink(props.phone, t("Call {name}", { name: p.name })), "phone");
    if (props.email) {
      var mail = el("a", "", props.email);
      mail.href = "mailto:" + encodeURIComponent(props.email).replace(/%40/g, "@");
      fact(dl, t("Email"), mail, "email");
    }
    fact(dl, t("Organiser"), props.organiser, "organiser");
    fact(dl, t("About"), props.description, "description");
    fact(dl, t("Accessibility"), props.accessibility, "accessibility");
    fact(dl, t("Last checked"), props.last_verified ? formatDate(props.last_verified, dayFormat) : null, "last_verified");
    var w = state.point ? walks.get(p.id) : null;
    if (w) {
      var walk = el("span");
      walk.appendChild(el("span", "", formatWalk(w)));
      walk.appendChild(el("span", "note", (w.estimate
        ? t("estimate from straight-line distance")
        : t("along the streets")) + " — " + t("from {where}", { where: state.point.label })));
      fact(dl, t("Walking"), walk, "walking");
    } else {
      fact(dl, t("Walking"), t("Choose a point under “Near me” to see the walking time."), "walking");
    }
    if (isHttpUrl(props.url)) {
      var link = el("a", "", props.url);
      link.href = props.url;
      link.rel = "noopener";
      fact(dl, t("Website"), link, "url");
    } else {
      fact(dl, t("Website"), props.url, "url");
    }
    fact(dl, t("Source"), props.source, "source");
    body.appendChild(dl);

    var actions = el("div", "card-actions");
    var dir = el("a", "action-button directions", t("Walking directions (opens your map app)"));
    dir.href = directionsUrl(p);
    dir.target = "_blank";
    dir.rel = "noopener";
    dir.setAttribute("data-field", "directions");
    actions.appendChild(dir);
    body.appendChild(actions);
  }

  function findPlace(id) {
    var p = placeById.get(id);
    if (p) return Promise.resolve(p);
    return fetch(config.api.place + encodeURIComponent(id), { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (f) { return f ? toPlace(f, -1) : null; })
      .catch(function () { return null; });
  }

  var returnFocusTo = null;

  function openCard(id, opts) {
    opts = opts || {};
    return findPlace(id).then(function (p) {
      if (!p) {
        $("list-status").textContent = t("That place could not be found.");
        if (state.place === id) {
          state.place = "";
          writeUrl("replace");
        }
        return;
      }
      if (opts.fromList) returnFocusTo = id;
      state.place = id;
      renderCard(p);
      $("list-view").hidden = true;
      $("card").hidden = false;
      $("panel-body").scrollTop = 0;
      document.body.classList.add("card-open");
      if (opts.push) writeUrl("push");
      if (opts.focus) $("card-title").focus();
      (markersReady || Promise.resolve()).then(function () {
        if (state.place === id) showSelection(p);
      });
    });
  }

  function closeCard(opts) {
    opts = opts || {};
    var was = state.place;
    state.place = "";
    $("card").hidden = true;
    $("list-view").hidden = false;
    document.body.classList.remove("card-open");
    showSelection(null);
    if (opts.push) writeUrl("push");
    if (opts.focus) {
      var back = returnFocusTo || was;
      var button = back && $("place-list").querySelector('button[data-id="' + CSS.escape(back) + '"]');
      if (button) button.focus();
      else $("list-heading").focus();
    }
    returnFocusTo = null;
  }

  /* ---------------------------------------------------------------- update cycle */

  function update(opts) {
    opts = opts || {};
    recompute();
    updateLayerCounts();
    renderList();
    var ready = updateMarkers();
    refreshContactsIfArea();
    if (opts.push) writeUrl("push");
    else if (opts.replace) writeUrl("replace");
    return ready;
  }

  var lastArea = null;

  function refreshContactsIfArea() {
    if (lastArea !== state.area) {
      lastArea = state.area;
      if (!state.point) refreshContacts();
    }
  }

  function applyUrlState(focus) {
    readUrl();
    $("search").value = state.q;
    $("area-filter").value = areaById.has(state.area) ? state.area : "";
    if (!areaById.has(state.area) && areas.length) state.area = "";
    var ready = update({});
    if (state.place) {
      openCard(state.place, { focus: focus });
    } else if (!$("card").hidden) {
      closeCard({ focus: focus });
    }
    writeUrl("replace");
    return ready;
  }

  /* ---------------------------------------------------------------- loading */

  /* Plain GETs (no custom headers) so the places request the page preloads is the one used. */
  function getJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + " answered " + r.status);
      return r.json();
    });
  }

  function toPlace(f, order) {
    var props = f.properties || {};
    var coords = f.geometry && f.geometry.coordinates ? f.geometry.coordinates : [0, 0];
    return {
      id: String(f.id || props.id),
      name: props.name || "",
      category: props.category,
      lat: Number(coords[1]),
      lon: Number(coords[0]),
      areas: props.areas || [],
      props: props,
      order: order,
      search: "",
    };
  }

  function indexSearch(p) {
    var names = (p.areas || []).map(function (id) { return areaName(areaById.get(id)); });
    p.search = fold([p.name, p.props.kana, p.props.address].concat(names).join(" "));
  }

  function showDemoNotice() {
    var notice = $("demo-notice");
    if (notice) notice.hidden = false;
  }

  /** A point on the page's timeline (performance marks), for bench/bench_map_load.py. */
  function mark(name) {
    if (window.performance && performance.mark) performance.mark(name);
  }

  function markReady() {
    document.documentElement.setAttribute("data-ready", "true");
    mark("tsudoi-ready");
  }

  function start() {
    /* phones: the sheet opens on the search and the list; filters and "near me" one tap away */
    if (window.matchMedia && window.matchMedia("(max-width: 720px)").matches) {
      $("filters").open = false;
      $("near").open = false;
    }
    setupMap();
    readUrl();
    $("search").value = state.q;

    var catsP = getJson(config.api.categories);
    var placesP = getJson(config.api.places);
    /* the outlines come second: the list and the markers do not wait for them */
    var areasP = placesP.catch(function () { return null; }).then(function () {
      return getJson(config.api.areas);
    }).catch(function () { return { features: [] }; });

    Promise.all([catsP, placesP])
      .then(function (got) {
        categories = got[0].map(function (c) {
          return {
            slug: c.slug,
            label_ja: c.label_ja,
            label_en: c.label_en,
            color: COLOUR.test(c.color || "") ? c.color : "#495057",
            glyph: Array.from(c.label_ja || c.slug)[0] || "?",
            kind: c.kind,
          };
        });
        categories.forEach(function (c) { catBySlug.set(c.slug, c); });
        mark("tsudoi-data");
        places = got[1].features.map(toPlace);
        /* by reading (kana, else the name), folded: hiragana order without a slow collator */
        places.forEach(function (p) { p.sortKey = fold(p.props.kana || p.name); });
        places.sort(function (a, b) {
          if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
          return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
        });
        places.forEach(function (p, i) {
          p.order = i;
          placeById.set(p.id, p);
          indexSearch(p);
          categoryOf(p.category);
        });
        if (places.some(function (p) { return p.props.demo; })) showDemoNotice();
        recompute();
        renderLayers();
        var ready = applyUrlState(false);
        mark("tsudoi-list");
        ready.then(function () {
          mark("tsudoi-markers");
          if (!state.place) fitToPlaces();
          window.requestAnimationFrame(markReady);
        });
      })
      .catch(function () {
        $("list-status").textContent = t("The places could not be loaded. Please reload the page.");
      });

    Promise.all([areasP, placesP]).then(function (got) {
      var collection = got[0];
      areas = collection.features.map(function (f) { return f.properties; });
      areas.sort(function (a, b) { return a.level - b.level || collator.compare(a.name, b.name); });
      areas.forEach(function (a) { areaById.set(a.id, a); });
      if (areas.some(function (a) { return a.demo; })) showDemoNotice();
      fillAreaSelect($("area-filter"), true);
      fillAreaSelect($("near-area"), false);
      $("area-filter").value = areaById.has(state.area) ? state.area : "";
      places.forEach(indexSearch);
      drawAreas(collection);
      lastArea = null;
      if (state.q) update({});
      else refreshContactsIfArea();
    }).catch(function () { /* the list works without areas */ });

    /* controls */
    var searchTimer = null;
    $("search").addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(function () {
        state.q = $("search").value.trim();
        update({ replace: true });
      }, 150);
    });
    $("search-form").addEventListener("submit", function (e) {
      e.preventDefault();
      window.clearTimeout(searchTimer);
      state.q = $("search").value.trim();
      update({ replace: true });
      $("list-heading").focus();
    });
    $("show-all").addEventListener("click", function () {
      state.shown = null;
      update({ push: true });
      $("layer-list").querySelector("input").focus();
    });
    $("area-filter").addEventListener("change", function () {
      state.area = $("area-filter").value;
      update({ push: true });
    });
    $("more").addEventListener("click", function () {
      var first = appendListPage();
      if (first) first.querySelector("button").focus();
    });
    $("card-close").addEventListener("click", function () {
      closeCard({ push: true, focus: true });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !$("card").hidden) closeCard({ push: true, focus: true });
    });
    $("locate").addEventListener("click", locate);
    $("town-form").addEventListener("submit", searchTowns);
    $("near-area").addEventListener("change", chooseNearArea);
    $("near-clear").addEventListener("click", clearPoint);
    $("sheet-toggle").addEventListener("click", function () {
      var open = !document.body.classList.contains("sheet-expanded");
      document.body.classList.toggle("sheet-expanded", open);
      $("sheet-toggle").setAttribute("aria-expanded", String(open));
      $("sheet-toggle").textContent = open ? t("Show less of the list") : t("Show more of the list");
    });
    window.addEventListener("popstate", function () {
      applyUrlState(true);
    });
  }

  start();
})();
