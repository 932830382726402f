/* Tsudoi: the coordinators' page — coverage per area, gaps, a place's isochrone, suggestions and
 * downloads. Plain JS, no build step, CSP-safe (no inline script, no eval, no HTML from data:
 * every text from the API goes in with textContent). Colour is never alone: the legends state the
 * classes in words, and the table of areas and the list of gaps carry every figure the map shows.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("tsudoi-config").textContent);
  var labels = config.messages || {};
  var lang = config.lang === "en" ? "en" : "ja";
  var GAP_CELLS = 200;
  var GAP_LIST = 20;

  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(labels, id) ? labels[id] : id;
    if (values) {
      Object.keys(values).forEach(function (key) {
        text = text.split("{" + key + "}").join(String(values[key]));
      });
    }
    return text;
  }

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var numberFormat = new Intl.NumberFormat(lang === "en" ? "en-GB" : "ja-JP", { maximumFractionDigits: 0 });
  var collator = new Intl.Collator("ja", { numeric: true });

  function whole(n) {
    return n === null || n === undefined ? "—" : numberFormat.format(Math.round(n));
  }

  function percent(share) {
    return share === null || share === undefined ? "—" : t("{n}%", { n: (share * 100).toFixed(1) });
  }

  function metres(m) {
    return m === null || m === undefined ? "—" : t("{m} m", { m: whole(m) });
  }

  /* ---------------------------------------------------------------- classes and legends */

  /* ColorBrewer Blues: lightness falls step by step, so the classes read in greyscale too */
  var SHARE_CLASSES = [
    { max: 0.2, colour: "#eff3ff", label: function () { return t("under 20%"); } },
    { max: 0.4, colour: "#bdd7e7", label: function () { return t("20% to under 40%"); } },
    { max: 0.6, colour: "#6baed6", label: function () { return t("40% to under 60%"); } },
    { max: 0.8, colour: "#3182bd", label: function () { return t("60% to under 80%"); } },
    { max: Infinity, colour: "#08519c", label: function () { return t("80% or more"); } },
  ];
  var NO_DATA = "#d9d9d9";

  /* Oranges for the gaps, again light to dark */
  var GAP_CLASSES = [
    { max: 50, colour: "#fdd0a2", label: function () { return t("under 50 people"); } },
    { max: 100, colour: "#fdae6b", label: function () { return t("50 to 99 people"); } },
    { max: 200, colour: "#e6550d", label: function () { return t("100 to 199 people"); } },
    { max: Infinity, colour: "#a63603", label: function () { return t("200 people or more"); } },
  ];

  function shareClass(share) {
    if (share === null || share === undefined) return null;
    for (var i = 0; i < SHARE_CLASSES.length; i++) if (share < SHARE_CLASSES[i].max) return i;
    return SHARE_CLASSES.length - 1;
  }

  function gapClass(n) {
    for (var i = 0; i < GAP_CLASSES.length; i++) if (n < GAP_CLASSES[i].max) return i;
    return GAP_CLASSES.length - 1;
  }

  function legendItem(colour, text, index) {
    var li = el("li", "legend-item");
    var swatch = el("span", "swatch", index === null ? "" : String(index + 1));
    swatch.setAttribute("aria-hidden", "true");
    swatch.style.setProperty("--swatch", colour);
    if (index !== null && index >= 2) swatch.classList.add("swatch-dark");
    li.appendChild(swatch);
    li.appendChild(el("span", "legend-text", text));
    return li;
  }

  function renderLegends() {
    var legend = $("legend");
    legend.textContent = "";
    SHARE_CLASSES.forEach(function (c, i) { legend.appendChild(legendItem(c.colour, c.label(), i)); });
    legend.appendChild(legendItem(NO_DATA, t("no older residents counted"), null));
    var gaps = $("gap-legend");
    gaps.textContent = "";
    GAP_CLASSES.forEach(function (c, i) { gaps.appendChild(legendItem(c.colour, c.label(), i)); });
  }

  /* ---------------------------------------------------------------- settings */

  function settings() {
    var form = $("coverage-form");
    var minutes = Number(form.minutes.value);
    var speed = Number(form.speed_kmh.value);
    return {
      minutes: minutes > 0 && minutes <= 120 ? minutes : 10,
      speed_kmh: speed > 0 && speed <= 10 ? speed : 3,
      age: form.querySelector("input[name=age]:checked").value,
      level: Number(form.querySelector("input[name=level]:checked").value),
    };
  }

  function query(extra) {
    var s = settings();
    var params = new URLSearchParams({ minutes: String(s.minutes), speed_kmh: String(s.speed_kmh), age: s.age });
    Object.keys(extra || {}).forEach(function (k) { params.set(k, String(extra[k])); });
    return params.toString();
  }

  function getJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) {
        var err = new Error(url + " answered " + r.status);
        err.status = r.status;
        throw err;
      }
      return r.json();
    });
  }

  /* ---------------------------------------------------------------- the map */

  var map = null;
  var areaLayer = null;
  var gapLayer = null;
  var placeLayer = null;
  var isoLayer = null;
  var pickLayer = null;

  function setupMap() {
    if (typeof L === "undefined") return;
    map = L.map("map", { zoomControl: false, attributionControl: false });
    L.control.zoom({ zoomInTitle: t("Zoom in"), zoomOutTitle: t("Zoom out") }).addTo(map);
    L.control.attribution({ prefix: false }).addTo(map);
    var basemap = config.basemap || {};
    if (basemap.url) {
      L.tileLayer(basemap.url, { maxZoom: basemap.max_zoom || 18, attribution: "" }).addTo(map);
    }
    map.createPane("gaps").style.zIndex = 420;
    map.createPane("iso").style.zIndex = 440;
    if (config.bounds) map.fitBounds(config.bounds);
    else map.setView([35.0, 135.0], 5);
  }

  function areaLabel(p) {
    var node = el("span", "area-label");
    node.appendChild(el("span", "area-label-name", p.name));
    node.appendChild(el("span", "area-label-share", percent(p.covered_share)));
    return node;
  }

  function drawAreas() {
    if (!map || !coverage) return;
    if (areaLayer) map.removeLayer(areaLayer);
    var level = settings().level;
    var features = coverage.features.filter(function (f) { return f.properties.level === level; });
    areaLayer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        var c = shareClass(f.properties.covered_share);
        return {
          color: "#1a1a1a", weight: 2, fillOpacity: 0.7,
          fillColor: c === null ? NO_DATA : SHARE_CLASSES[c].colour,
        };
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(areaLabel(f.properties), {
          permanent: true, direction: "center", className: "tsd-area-tip",
        });
      },
    }).addTo(map);
    areaLayer.bringToBack();
    var bounds = areaLayer.getBounds();
    if (bounds.isValid() && !fitted) {
      map.fitBounds(bounds, { animate: false });
      fitted = true;
    }
  }

  var fitted = false;

  function drawGaps(collection) {
    if (!map) return;
    if (gapLayer) map.removeLayer(gapLayer);
    gapLayer = L.geoJSON(collection, {
      pane: "gaps",
      interactive: false,
      style: function (f) {
        var c = GAP_CLASSES[gapClass(f.properties.uncovered_older_population || 0)];
        return { color: "#5a1d00", weight: 1, fillColor: c.colour, fillOpacity: 0.85 };
      },
    }).addTo(map);
  }

  /* ---------------------------------------------------------------- coverage and the table */

  var coverage = null;
  var sortKey = "name";
  var sortDir = 1;
  var COLUMNS = [
    { key: "name", label: function () { return t("Area"); }, text: function (p) { return p.name; } },
    { key: "level", label: function () { return t("Level"); }, text: function (p) { return String(p.level); }, num: true },
    { key: "older_population", label: function () { return t("Older residents"); }, text: function (p) { return whole(p.older_population); }, num: true },
    { key: "covered_older_population", label: function () { return t("Within the walk"); }, text: function (p) { return whole(p.covered_older_population); }, num: true },
    { key: "covered_share", label: function () { return t("Share"); }, text: function (p) { return percent(p.covered_share); }, num: true },
    { key: "places", label: function () { return t("Places"); }, text: function (p) { return whole(p.places); }, num: true },
    { key: "median_distance_m", label: function () { return t("Median walk"); }, text: function (p) { return metres(p.median_distance_m); }, num: true },
    { key: "p90_distance_m", label: function () { return t("90% walk within"); }, text: function (p) { return metres(p.p90_distance_m); }, num: true },
  ];

  function renderHead() {
    var row = $("areas-head");
    row.textContent = "";
    COLUMNS.forEach(function (col) {
      var th = el("th");
      th.scope = "col";
      if (col.num) th.className = "num";
      if (col.key === sortKey) th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      var button = el("button", "sort-button", col.label());
      button.type = "button";
      button.setAttribute("data-key", col.key);
      var mark = el("span", "sort-mark", col.key === sortKey ? (sortDir > 0 ? "▲" : "▼") : "");
      mark.setAttribute("aria-hidden", "true");
      button.appendChild(mark);
      button.addEventListener("click", function () {
        if (sortKey === col.key) sortDir = -sortDir;
        else {
          sortKey = col.key;
          sortDir = col.num ? -1 : 1;
        }
        renderTable();
        var again = $("areas-head").querySelector('button[data-key="' + col.key + '"]');
        if (again) again.focus();
      });
      th.appendChild(button);
      row.appendChild(th);
    });
  }

  function compareAreas(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (sortKey === "name") return sortDir * collator.compare(x || "", y || "");
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return sortDir * (x - y) || a.level - b.level || collator.compare(a.name, b.name);
  }

  function renderTable() {
    renderHead();
    var body = $("areas-body");
    body.textContent = "";
    if (!coverage) return;
    var rows = coverage.features.map(function (f) { return f.properties; });
    if (sortKey === "name") {
      rows.sort(function (a, b) { return a.level - b.level || sortDir * collator.compare(a.name, b.name); });
    } else {
      rows.sort(compareAreas);
    }
    rows.forEach(function (p) {
      var tr = el("tr");
      tr.setAttribute("data-area-id", p.area_id);
      COLUMNS.forEach(function (col, i) {
        var cell = el(i === 0 ? "th" : "td", col.num ? "num" : "", col.text(p));
        if (i === 0) cell.scope = "row";
        cell.setAttribute("data-key", col.key);
        if (col.key === "covered_share") {
          var c = shareClass(p.covered_share);
          if (c !== null) cell.setAttribute("data-class", String(c + 1));
        }
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
  }

  function methodText(method) {
    return method === "network"
      ? t("Walking distance along the street network")
      : t("Straight-line distance (no street network)");
  }

  function renderSummary(data) {
    var s = settings();
    $("method").textContent = t("Method: {method}", { method: methodText(data.method) }) + " — " +
      t("{minutes} min at {speed} km/h = {m} m", {
        minutes: data.minutes, speed: data.speed_kmh, m: whole(data.threshold_m),
      });
    var city = data.city || {};
    $("city-figure").textContent = t("Whole city: {covered} of {total} older residents ({share}) live within the walk.", {
      covered: whole(city.covered_older_population),
      total: whole(city.older_population),
      share: percent(city.covered_share),
    });
    $("city-figure").setAttribute("data-age", s.age);
  }

  function renderGapList(collection) {
    var list = $("gap-list");
    list.textContent = "";
    collection.features.slice(0, GAP_LIST).forEach(function (f) {
      var p = f.properties;
      var li = el("li", "gap-item");
      li.setAttribute("data-uncovered", String(p.uncovered_older_population));
      li.appendChild(el("span", "gap-main", t("{n} older residents beyond the walk", { n: whole(p.uncovered_older_population) })));
      li.appendChild(el("span", "gap-meta", [
        p.area_name || t("outside the areas"),
        t("of {n} in the cell", { n: whole(p.older_population) }),
        t("nearest place {distance} away", { distance: metres(p.distance_m) }),
      ].join(" ・ ")));
      list.appendChild(li);
    });
    if (!collection.features.length) list.appendChild(el("li", "gap-item", t("No gaps with these settings.")));
  }

  function updateDownloads() {
    var links = {
      "dl-coverage-csv": config.api.coverage + "?" + query({ format: "csv" }),
      "dl-coverage-geojson": config.api.coverage + "?" + query({ format: "geojson" }),
      "dl-coverage-gpkg": config.api.coverage + "?" + query({ format: "gpkg" }),
      "dl-gaps-csv": config.api.gaps + "?" + query({ format: "csv" }),
      "dl-gaps-geojson": config.api.gaps + "?" + query({ format: "geojson" }),
      "dl-gaps-gpkg": config.api.gaps + "?" + query({ format: "gpkg" }),
    };
    Object.keys(links).forEach(function (id) {
      var a = $(id);
      a.href = links[id];
      a.setAttribute("download", "");
    });
  }

  var generation = 0;

  function load() {
    var mine = ++generation;
    document.documentElement.setAttribute("data-ready", "false");
    $("coverage-status").textContent = t("Loading coverage…");
    updateDownloads();
    var coverageP = getJson(config.api.coverage + "?" + query({ format: "geojson" }));
    var gapsP = getJson(config.api.gaps + "?" + query({ format: "geojson", limit: GAP_CELLS }));
    return Promise.all([coverageP, gapsP]).then(function (got) {
      if (mine !== generation) return;
      coverage = got[0];
      renderSummary(coverage);
      renderTable();
      drawAreas();
      renderGapList(got[1]);
      drawGaps(got[1]);
      $("coverage-status").textContent = t("Coverage shown for {minutes} min at {speed} km/h.", {
        minutes: coverage.minutes, speed: coverage.speed_kmh,
      });
      if (selectedPlace) drawIsochrone(selectedPlace);
      document.documentElement.setAttribute("data-ready", "true");
    }).catch(function () {
      if (mine !== generation) return;
      $("coverage-status").textContent = t("The coverage could not be loaded. Please try again.");
      document.documentElement.setAttribute("data-ready", "error");
    });
  }

  /* ---------------------------------------------------------------- places and isochrones */

  var places = [];
  var selectedPlace = "";
  var isoGeneration = 0;

  function loadPlaces() {
    return getJson(config.api.places).then(function (body) {
      places = body.features.map(function (f) {
        return {
          id: String(f.id || f.properties.id),
          name: f.properties.name || "",
          lat: Number(f.geometry.coordinates[1]),
          lon: Number(f.geometry.coordinates[0]),
        };
      });
      places.sort(function (a, b) { return collator.compare(a.name, b.name); });
      var select = $("place-select");
      places.forEach(function (p) {
        var option = el("option", "", p.name);
        option.value = p.id;
        select.appendChild(option);
      });
      if (!map) return;
      placeLayer = L.layerGroup().addTo(map);
      places.forEach(function (p) {
        var marker = L.circleMarker([p.lat, p.lon], {
          radius: 7, color: "#ffffff", weight: 2, fillColor: "#1a1a1a", fillOpacity: 1,
          keyboard: false,
        });
        marker.bindTooltip(el("span", "", p.name));
        marker.on("click", function () {
          $("place-select").value = p.id;
          choosePlace(p.id);
        });
        marker.addTo(placeLayer);
      });
    }).catch(function () {
      $("iso-status").textContent = t("The places could not be loaded. Please reload the page.");
    });
  }

  function choosePlace(id) {
    selectedPlace = id;
    if (!id) {
      if (isoLayer && map) map.removeLayer(isoLayer);
      isoLayer = null;
      $("iso-status").textContent = "";
      return;
    }
    drawIsochrone(id);
  }

  function drawIsochrone(id) {
    var mine = ++isoGeneration;
    var s = settings();
    var place = places.filter(function (p) { return p.id === id; })[0];
    var name = place ? place.name : id;
    $("iso-status").textContent = t("Loading the walking area…");
    var url = config.api.place_isochrone.replace("{id}", encodeURIComponent(id)) + "?" +
      new URLSearchParams({ minutes: String(s.minutes), speed_kmh: String(s.speed_kmh) }).toString();
    getJson(url).then(function (collection) {
      if (mine !== isoGeneration) return;
      if (isoLayer && map) map.removeLayer(isoLayer);
      var props = (collection.features && collection.features[0] && collection.features[0].properties) || {};
      if (map) {
        isoLayer = L.geoJSON(collection, {
          pane: "iso", interactive: false,
          style: { color: "#6a00a8", weight: 4, dashArray: "8 6", fillColor: "#6a00a8", fillOpacity: 0.12 },
        }).addTo(map);
        var b = isoLayer.getBounds();
        if (b.isValid()) map.fitBounds(b, { maxZoom: 16 });
      }
      $("iso-status").textContent = t("Shown on the map (dashed purple outline): where one can walk from {name} in {minutes} min ({m} m, {method}).", {
        name: name, minutes: props.minutes || s.minutes, m: whole(props.distance_m),
        method: methodText(props.method),
      });
    }).catch(function (err) {
      if (mine !== isoGeneration) return;
      $("iso-status").textContent = err && err.status === 404
        ? t("Walking areas are not available from this service yet.")
        : t("The walking area could not be loaded. Please try again.");
    });
  }

  /* ---------------------------------------------------------------- suggestions */

  function pickIcon(rank) {
    var node = el("span", "tsd-pick", String(rank));
    return L.divIcon({ className: "tsd-pick-icon", html: node, iconSize: L.point(36, 36) });
  }

  function suggest(event) {
    if (event) event.preventDefault();
    var k = Math.min(10, Math.max(1, Math.round(Number($("k").value) || 3)));
    $("k").value = String(k);
    $("suggest-status").textContent = t("Working out suggestions…");
    $("suggest-list").textContent = "";
    $("suggest-exact").hidden = true;
    if (pickLayer && map) map.removeLayer(pickLayer);
    getJson(config.api.suggestions + "?" + query({ k: k })).then(function (body) {
      var list = $("suggest-list");
      var picks = body.picks || [];
      if (map) pickLayer = L.layerGroup().addTo(map);
      picks.forEach(function (p) {
        var li = el("li", "suggest-item");
        li.appendChild(el("span", "suggest-name", p.name));
        li.appendChild(el("span", "suggest-meta", t("newly within the walk: {n} older residents (total {total})", {
          n: whole(p.newly_covered), total: whole(p.cumulative),
        })));
        list.appendChild(li);
        if (pickLayer) {
          L.marker([p.lat, p.lon], { icon: pickIcon(p.rank), keyboard: false, title: p.name }).addTo(pickLayer);
        }
      });
      $("suggest-status").textContent = t("{n} suggestions ({method}). Numbers on the map match the list.", {
        n: picks.length, method: methodText(body.method),
      });
      var exact = body.exact;
      if (exact && typeof exact.covered === "number") {
        var reached = typeof body.greedy_covered === "number"
          ? body.greedy_covered
          : (picks.length ? picks[picks.length - 1].cumulative : 0);
        var text = t("The best possible choice of {k} would reach {best}; these suggestions reach {covered} ({ratio} of the best).", {
          k: picks.length || k, best: whole(exact.covered), covered: whole(reached),
          ratio: percent(exact.greedy_ratio),
        });
        if (exact.optimal === false) text += " " + t("(the best found in the time allowed, not proven optimal)");
        $("suggest-exact").textContent = text;
        $("suggest-exact").hidden = false;
      }
    }).catch(function (err) {
      $("suggest-status").textContent = err && err.status === 404
        ? t("Suggestions are not available from this service yet.")
        : t("The suggestions could not be loaded. Please try again.");
    });
  }

  /* ---------------------------------------------------------------- start */

  function start() {
    renderLegends();
    renderHead();
    setupMap();
    var timer = null;
    var form = $("coverage-form");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      window.clearTimeout(timer);
      load();
    });
    form.addEventListener("change", function (e) {
      window.clearTimeout(timer);
      if (e.target && e.target.name === "level") {
        drawAreas();
        return;
      }
      timer = window.setTimeout(load, 250);
    });
    $("place-select").addEventListener("change", function () { choosePlace($("place-select").value); });
    $("suggest-form").addEventListener("submit", suggest);
    load();
    loadPlaces();
  }

  start();
})();
