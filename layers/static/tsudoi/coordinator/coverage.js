/* Tsudoi coordinators' page: coverage — the walking settings, the classes and their legends in
 * words, the areas coloured on the map, the sortable table of areas, the gaps and the downloads.
 *
 * The page's scripts (coordinator/*.js, deferred, in the order coordinator.html lists them)
 * share Tsudoi.coord; this first one creates it. Colour is never alone: the legends state the
 * classes in words, and the table and the list of gaps carry every figure the map shows.
 */
(function (T) {
  "use strict";

  var C = (T.coord = {});
  var t = T.t, $ = T.$, el = T.el, whole = T.whole, percent = T.percent;

  C.GAP_CELLS = 200; /* gap cells drawn on the map */
  var GAP_LIST = 20; /* and listed in words */
  C.map = null; /* the Leaflet map, or null without Leaflet */
  C.coverage = null; /* the last coverage answer (GeoJSON, one feature per area) */
  C.suggested = 0; /* how many suggestions are shown (0: none), for the URL */
  var areaLayer = null;
  var gapLayer = null;
  var fitted = false; /* framed on the areas once; later loads keep the resident's view */

  /* ---------------------------------------------------------------- classes and legends */

  /* ColorBrewer Blues: lightness falls step by step, so the classes read in greyscale too */
  var SHARE_CLASSES = [
    { max: 0.2, colour: "#eff3ff", label: function () { return t("under 20%"); } },
    { max: 0.4, colour: "#bdd7e7", label: function () { return t("20% to under 40%"); } },
    { max: 0.6, colour: "#6baed6", label: function () { return t("40% to under 60%"); } },
    { max: 0.8, colour: "#2171b5", label: function () { return t("60% to under 80%"); } },
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
    swatch.style.color = T.textOn(colour); /* the number reads at 4.5:1 or better */
    li.appendChild(swatch);
    li.appendChild(el("span", "legend-text", text));
    return li;
  }

  C.renderLegends = function () {
    var legend = $("legend");
    legend.textContent = "";
    SHARE_CLASSES.forEach(function (c, i) { legend.appendChild(legendItem(c.colour, c.label(), i)); });
    legend.appendChild(legendItem(NO_DATA, t("no older residents counted"), null));
    var gaps = $("gap-legend");
    gaps.textContent = "";
    GAP_CLASSES.forEach(function (c, i) { gaps.appendChild(legendItem(c.colour, c.label(), i)); });
  };

  /* ---------------------------------------------------------------- settings */

  /** The form's walk, checked: out-of-range figures fall back to the defaults (10 min, 3 km/h). */
  C.settings = function () {
    var form = $("coverage-form");
    var minutes = Number(form.minutes.value);
    var speed = Number(form.speed_kmh.value);
    return {
      minutes: minutes > 0 && minutes <= 120 ? minutes : 10,
      speed_kmh: speed > 0 && speed <= 10 ? speed : 3,
      age: form.querySelector("input[name=age]:checked").value,
      level: Number(form.querySelector("input[name=level]:checked").value),
    };
  };

  /**
   * The settings the URL gives (minutes, speed_kmh, age, level; place and k for the tools) put in
   * the form, so a shared link opens the same view. Values the form cannot take are ignored.
   */
  C.readUrl = function () {
    var params = new URLSearchParams(window.location.search);
    var form = $("coverage-form");
    if (params.has("minutes")) form.minutes.value = params.get("minutes");
    if (params.has("speed_kmh")) form.speed_kmh.value = params.get("speed_kmh");
    ["age", "level"].forEach(function (name) {
      var box = form.querySelector("input[name=" + name + "][value='" + (params.get(name) || "").replace(/[^0-9]/g, "") + "']");
      if (box) box.checked = true;
    });
    if (params.has("k")) $("k").value = params.get("k");
    return { place: params.get("place") || "", k: params.has("k") };
  };

  /** The view in the address bar (replaceState: settings are not steps to go back through). */
  C.writeUrl = function () {
    var s = C.settings();
    var params = new URLSearchParams(window.location.search);
    params.set("minutes", String(s.minutes));
    params.set("speed_kmh", String(s.speed_kmh));
    params.set("age", String(s.age));
    params.set("level", String(s.level));
    if (C.selectedPlace) params.set("place", C.selectedPlace);
    else params.delete("place");
    if (C.suggested) params.set("k", String(C.suggested));
    else params.delete("k");
    window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    var other = T.$("lang-switch");
    if (other) {
      var lang = new URLSearchParams(params);
      lang.set("lang", T.lang === "ja" ? "en" : "ja");
      other.setAttribute("href", "?" + lang.toString());
    }
  };

  /** The settings as a query string, with `extra` parameters (format, k …). */
  C.query = function (extra) {
    var s = C.settings();
    var params = { minutes: s.minutes, speed_kmh: s.speed_kmh, age: s.age };
    Object.keys(extra || {}).forEach(function (k) { params[k] = extra[k]; });
    return T.query(params);
  };

  C.methodText = function (method) {
    return method === "network"
      ? t("Walking distance along the street network")
      : t("Straight-line distance (no street network)");
  };

  /* ---------------------------------------------------------------- the map */

  function areaLabel(p) {
    var node = el("span", "area-label");
    node.appendChild(el("span", "area-label-name", p.name));
    node.appendChild(el("span", "area-label-share", percent(p.covered_share)));
    return node;
  }

  /** The areas of the chosen level, coloured by their class, each named with its share. */
  C.drawAreas = function () {
    var map = C.map;
    if (!map || !C.coverage) return;
    if (areaLayer) map.removeLayer(areaLayer);
    var level = C.settings().level;
    var features = C.coverage.features.filter(function (f) { return f.properties.level === level; });
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
        /* a label hidden to avoid its neighbours shows while the pointer is on its area */
        layer.on("mouseover", function () { toggleTip(layer, true); });
        layer.on("mouseout", function () { toggleTip(layer, false); });
      },
    }).addTo(map);
    areaLayer.bringToBack();
    var bounds = areaLayer.getBounds();
    if (bounds.isValid() && !fitted) {
      map.fitBounds(bounds, { animate: false, padding: [8, 8] });
      fitted = true;
    }
    C.declutterLabels();
  };

  function toggleTip(layer, on) {
    var tip = layer.getTooltip && layer.getTooltip();
    var node = tip && tip.getElement();
    if (node) node.classList.toggle("is-hovered", on);
  }

  function overlaps(a, b) {
    return a.left < b.right + 2 && b.left < a.right + 2 && a.top < b.bottom + 2 && b.top < a.bottom + 2;
  }

  /**
   * Area labels never overlap: the areas with the most older residents are named first, a label
   * that would touch one already shown waits for a closer zoom (or the pointer) — the table
   * names every area anyway.
   */
  C.declutterLabels = function () {
    if (!areaLayer) return;
    var tips = [];
    areaLayer.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      var node = tip && tip.getElement();
      if (!node) return;
      node.classList.remove("is-crowded");
      tips.push({ node: node, weight: layer.feature.properties.older_population || 0 });
    });
    tips.sort(function (a, b) { return b.weight - a.weight; });
    var shown = [];
    tips.forEach(function (tip) {
      var box = tip.node.getBoundingClientRect();
      if (shown.some(function (s) { return overlaps(box, s); })) tip.node.classList.add("is-crowded");
      else shown.push(box);
    });
  };

  C.drawGaps = function (collection) {
    var map = C.map;
    if (!map) return;
    if (gapLayer) map.removeLayer(gapLayer);
    gapLayer = L.geoJSON(collection, {
      pane: "gaps",
      interactive: false,
      /* a gap given as a point (a town's people) is a dot in its class's colour, not a pin */
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 7, pane: "gaps", interactive: false });
      },
      style: function (f) {
        var c = GAP_CLASSES[gapClass(f.properties.uncovered_older_population || 0)];
        return { color: "#5a1d00", weight: 1, fillColor: c.colour, fillOpacity: 0.85 };
      },
    }).addTo(map);
  };

  /* ---------------------------------------------------------------- the table */

  var sortKey = "name";
  var sortDir = 1;
  var COLUMNS = [
    { key: "name", label: function () { return t("Area"); }, text: function (p) { return p.name; } },
    { key: "level", label: function () { return t("Level"); }, text: function (p) { return String(p.level); }, num: true },
    { key: "older_population", label: function () { return t("Older residents"); }, text: function (p) { return whole(p.older_population); }, num: true },
    { key: "covered_older_population", label: function () { return t("Within the walk"); }, text: function (p) { return whole(p.covered_older_population); }, num: true },
    { key: "covered_share", label: function () { return t("Share"); }, text: function (p) { return percent(p.covered_share); }, num: true },
    { key: "places", label: function () { return t("Places"); }, text: function (p) { return whole(p.places); }, num: true },
    { key: "median_distance_m", label: function () { return t("Median walk"); }, text: function (p) { return T.metres(p.median_distance_m); }, num: true },
    { key: "p90_distance_m", label: function () { return t("90% walk within"); }, text: function (p) { return T.metres(p.p90_distance_m); }, num: true },
  ];

  /** Column headings as buttons: a press sorts by the column (figures largest first), again reverses. */
  C.renderHead = function () {
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
        C.renderTable();
        /* the head was redrawn: keep the keyboard on the same column */
        var again = $("areas-head").querySelector('button[data-key="' + col.key + '"]');
        if (again) again.focus();
      });
      th.appendChild(button);
      row.appendChild(th);
    });
  };

  /* unknown figures last, whatever the direction */
  function compareAreas(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (sortKey === "name") return sortDir * T.collator.compare(x || "", y || "");
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return sortDir * (x - y) || a.level - b.level || T.collator.compare(a.name, b.name);
  }

  C.renderTable = function () {
    C.renderHead();
    var body = $("areas-body");
    body.textContent = "";
    if (!C.coverage) return;
    var rows = C.coverage.features.map(function (f) { return f.properties; });
    if (sortKey === "name") {
      rows.sort(function (a, b) { return a.level - b.level || sortDir * T.collator.compare(a.name, b.name); });
    } else {
      rows.sort(compareAreas);
    }
    rows.forEach(function (p) {
      var tr = el("tr");
      tr.setAttribute("data-area-id", p.area_id);
      COLUMNS.forEach(function (col, i) {
        var cell = el(i === 0 ? "th" : "td", col.num ? "num" : "", col.text(p));
        if (i === 0) cell.scope = "row";
        cell.setAttribute("data-label", col.label()); /* a phone shows each row as a card */
        cell.setAttribute("data-key", col.key);
        if (col.key === "covered_share") {
          var c = shareClass(p.covered_share);
          if (c !== null) cell.setAttribute("data-class", String(c + 1));
        }
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
  };

  /* ---------------------------------------------------------------- summary, gaps, downloads */

  C.renderSummary = function (data) {
    var s = C.settings();
    $("method").textContent = t("Method: {method}", { method: C.methodText(data.method) }) + " — " +
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
  };

  C.renderGapList = function (collection) {
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
        t("nearest place {distance} away", { distance: T.metres(p.distance_m) }),
      ].join(" ・ ")));
      list.appendChild(li);
    });
    if (!collection.features.length) list.appendChild(el("li", "gap-item", t("No gaps with these settings.")));
  };

  /** The download links follow the settings, so a file holds what the page shows. */
  C.updateDownloads = function () {
    var api = T.config.api;
    var links = {
      /* CSV for people: the page's language (headers, shares in % in Japanese), rounded */
      "dl-coverage-csv": api.coverage + C.query({ format: "csv", lang: T.lang }),
      "dl-coverage-geojson": api.coverage + C.query({ format: "geojson" }),
      "dl-coverage-gpkg": api.coverage + C.query({ format: "gpkg" }),
      "dl-gaps-csv": api.gaps + C.query({ format: "csv", lang: T.lang }),
      "dl-gaps-geojson": api.gaps + C.query({ format: "geojson" }),
      "dl-gaps-gpkg": api.gaps + C.query({ format: "gpkg" }),
    };
    Object.keys(links).forEach(function (id) {
      var a = $(id);
      a.href = links[id];
      a.setAttribute("download", "");
    });
  };
})(window.Tsudoi);
