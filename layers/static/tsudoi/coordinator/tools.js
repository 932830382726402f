/* Tsudoi coordinators' page: the tools — a place's walking area (isochrone), chosen from the menu
 * or the map, and suggested new places with how many more older residents each would reach. */
(function (T) {
  "use strict";

  var C = T.coord;
  var t = T.t, $ = T.$, el = T.el, whole = T.whole;
  var places = [];
  var isoLayer = null;
  var pickLayer = null;
  var isoGeneration = 0; /* only the latest request draws */
  /* what a suggestion without a name is (the server's `kind`) */
  var KINDS = {
    node: t("Street point (no hall near)"),
    cell: t("Middle of a cell (no street network)"),
  };
  C.selectedPlace = ""; /* its walking area is drawn again when the settings change */

  /* ---------------------------------------------------------------- places and isochrones */

  function drawPlaces() {
    var layer = L.layerGroup().addTo(C.map);
    places.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        radius: 7, color: "#ffffff", weight: 2, fillColor: "#1a1a1a", fillOpacity: 1,
        keyboard: false, /* the menu is the keyboard's way to choose a place */
      });
      marker.bindTooltip(el("span", "", p.name));
      marker.on("click", function () {
        $("place-select").value = p.id;
        choosePlace(p.id);
      });
      marker.addTo(layer);
    });
  }

  C.loadPlaces = function () {
    return T.getJson(T.config.api.places).then(function (body) {
      places = body.features.map(function (f) {
        return {
          id: String(f.id || f.properties.id),
          name: f.properties.name || "",
          lat: Number(f.geometry.coordinates[1]),
          lon: Number(f.geometry.coordinates[0]),
        };
      });
      places.sort(function (a, b) { return T.collator.compare(a.name, b.name); });
      var select = $("place-select");
      places.forEach(function (p) {
        var option = el("option", "", p.name);
        option.value = p.id;
        select.appendChild(option);
      });
      if (C.map) drawPlaces();
    }).catch(function () {
      $("iso-status").textContent = t("The places could not be loaded. Please reload the page.");
    });
  };

  function choosePlace(id) {
    if (id && !places.some(function (p) { return p.id === id; })) id = "";
    C.selectedPlace = id;
    $("place-select").value = id;
    C.writeUrl();
    if (!id) {
      if (isoLayer && C.map) C.map.removeLayer(isoLayer);
      isoLayer = null;
      $("iso-status").textContent = "";
      return;
    }
    C.drawIsochrone(id);
  }
  C.choosePlace = choosePlace;

  /** A result beside the map: scrolled into view only as far as needed. */
  function reveal(node) {
    if (node && node.scrollIntoView) node.scrollIntoView({ block: "nearest" });
  }

  function showIsochrone(collection) {
    if (isoLayer) C.map.removeLayer(isoLayer);
    isoLayer = L.geoJSON(collection, {
      pane: "iso", interactive: false,
      style: { color: "#6a00a8", weight: 4, dashArray: "8 6", fillColor: "#6a00a8", fillOpacity: 0.12 },
    }).addTo(C.map);
    var b = isoLayer.getBounds();
    if (b.isValid()) C.map.fitBounds(b, { maxZoom: 16 });
  }

  C.drawIsochrone = function (id) {
    var mine = ++isoGeneration;
    var s = C.settings();
    var place = places.filter(function (p) { return p.id === id; })[0];
    var name = place ? place.name : id;
    $("iso-status").textContent = t("Loading the walking area…");
    var url = T.config.api.place_isochrone.replace("{id}", encodeURIComponent(id)) +
      T.query({ minutes: s.minutes, speed_kmh: s.speed_kmh });
    T.getJson(url).then(function (collection) {
      if (mine !== isoGeneration) return;
      var props = (collection.features && collection.features[0] && collection.features[0].properties) || {};
      if (C.map) showIsochrone(collection);
      $("iso-status").textContent = t("Shown on the map (dashed purple outline): where one can walk from {name} in {minutes} min ({m} m, {method}).", {
        name: name, minutes: props.minutes || s.minutes, m: whole(props.distance_m),
        method: C.methodText(props.method),
      });
      reveal($("iso-status"));
    }).catch(function (err) {
      if (mine !== isoGeneration) return;
      $("iso-status").textContent = err && err.status === 404
        ? t("Walking areas are not available from this service yet.")
        : t("The walking area could not be loaded. Please try again.");
    });
  };

  /* ---------------------------------------------------------------- suggestions */

  function pickIcon(rank) {
    var node = el("span", "tsd-pick", String(rank));
    return L.divIcon({ className: "tsd-pick-icon", html: node, iconSize: L.point(36, 36) });
  }

  /** How the suggestions compare with the proven best choice (the server solves K ≤ 10 exactly). */
  function exactText(body, picks, k) {
    var exact = body.exact;
    var reached = typeof body.greedy_covered === "number"
      ? body.greedy_covered
      : (picks.length ? picks[picks.length - 1].cumulative : 0);
    var text = t("The best possible choice of {k} would reach {best}; these suggestions reach {covered} ({ratio} of the best).", {
      k: picks.length || k, best: whole(exact.covered), covered: whole(reached),
      ratio: T.percent(exact.greedy_ratio),
    });
    if (exact.optimal === false) text += " " + t("(the best found in the time allowed, not proven optimal)");
    return text;
  }

  function showSuggestions(body, k) {
    var list = $("suggest-list");
    var picks = body.picks || [];
    if (C.map) pickLayer = L.layerGroup().addTo(C.map);
    picks.forEach(function (p) {
      var li = el("li", "suggest-item");
      li.appendChild(el("span", "suggest-name", p.name || KINDS[p.kind] || p.kind));
      var where = [p.address, p.area_name].filter(Boolean).join(" ・ ");
      if (where) li.appendChild(el("span", "suggest-meta", where));
      li.appendChild(el("span", "suggest-meta", t("newly within the walk: {n} older residents (total {total})", {
        n: whole(p.newly_covered), total: whole(p.cumulative),
      })));
      list.appendChild(li);
      if (pickLayer) {
        L.marker([p.lat, p.lon], { icon: pickIcon(p.rank), keyboard: false, title: p.name }).addTo(pickLayer);
      }
    });
    $("suggest-status").textContent = t("{n} suggestions ({method}). Numbers on the map match the list.", {
      n: picks.length, method: C.methodText(body.method),
    });
    if (body.exact && typeof body.exact.covered === "number") {
      $("suggest-exact").textContent = exactText(body, picks, k);
      $("suggest-exact").hidden = false;
    }
    $("dl-suggest-csv").href = T.config.api.suggestions + C.query({ k: k, streets: true, format: "csv", lang: T.lang });
    $("dl-suggest-geojson").href = T.config.api.suggestions + C.query({ k: k, streets: true, format: "geojson" });
    $("suggest-downloads").hidden = !picks.length;
    if (pickLayer && picks.length) {
      var b = L.latLngBounds(picks.map(function (p) { return [p.lat, p.lon]; }));
      C.map.fitBounds(b.pad(0.3), { maxZoom: 15, animate: false });
    }
    reveal($("suggest-downloads").hidden ? $("suggest-list") : $("suggest-downloads"));
  }

  function suggest(event) {
    if (event) event.preventDefault();
    var k = Math.min(10, Math.max(1, Math.round(Number($("k").value) || 3)));
    $("k").value = String(k);
    C.suggested = k;
    C.writeUrl();
    $("suggest-downloads").hidden = true;
    $("suggest-status").textContent = t("Working out suggestions…");
    $("suggest-list").textContent = "";
    $("suggest-exact").hidden = true;
    if (pickLayer && C.map) C.map.removeLayer(pickLayer);
    /* halls, and street points where no hall is near: an area without a hall can get one */
    T.getJson(T.config.api.suggestions + C.query({ k: k, streets: true })).then(function (body) {
      showSuggestions(body, k);
    }).catch(function (err) {
      $("suggest-status").textContent = err && err.status === 404
        ? t("Suggestions are not available from this service yet.")
        : t("The suggestions could not be loaded. Please try again.");
    });
  }

  C.suggest = suggest;

  C.wireTools = function () {
    $("place-select").addEventListener("change", function () { choosePlace($("place-select").value); });
    $("suggest-form").addEventListener("submit", suggest);
  };
})(window.Tsudoi);
