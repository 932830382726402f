/* Tsudoi coordinators' page: the map, loading coverage and gaps for the settings, and the form's
 * wiring. Loaded last: coverage.js and tools.js are defined. */
(function (T) {
  "use strict";

  var C = T.coord;
  var t = T.t, $ = T.$;
  var generation = 0; /* only the answer to the latest settings is shown */

  function setupMap() {
    var map = T.createMap({ zoomSnap: 0.25 });
    if (!map) return;
    /* the basemap's credit is under "Sources"; the map keeps no attribution of its own */
    L.control.attribution({ prefix: false }).addTo(map);
    map.createPane("gaps").style.zIndex = 420;
    map.createPane("iso").style.zIndex = 440;
    map.on("moveend", C.declutterLabels);
    C.map = map;
  }

  /** Coverage and gaps for the form's settings: the figures, the table, the map, the downloads. */
  function load() {
    var mine = ++generation;
    T.setReady("false");
    $("coverage-status").textContent = t("Loading coverage…");
    C.updateDownloads();
    C.writeUrl();
    var api = T.config.api;
    var coverageP = T.getJson(api.coverage + C.query({ format: "geojson" }));
    var gapsP = T.getJson(api.gaps + C.query({ format: "geojson", limit: C.GAP_CELLS }));
    return Promise.all([coverageP, gapsP]).then(function (got) {
      if (mine !== generation) return;
      var coverage = (C.coverage = got[0]);
      C.renderSummary(coverage);
      C.renderTable();
      C.drawAreas();
      C.renderGapList(got[1]);
      C.drawGaps(got[1]);
      $("coverage-status").textContent = t("Coverage shown for {minutes} min at {speed} km/h.", {
        minutes: coverage.minutes, speed: coverage.speed_kmh,
      });
      if (C.selectedPlace) C.drawIsochrone(C.selectedPlace);
      T.setReady("true");
    }).catch(function () {
      if (mine !== generation) return;
      $("coverage-status").textContent = t("The coverage could not be loaded. Please try again.");
      T.setReady("error");
    });
  }

  function start() {
    C.renderLegends();
    C.renderHead();
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
      /* the level only redraws what is loaded; other settings ask again, after a pause */
      if (e.target && e.target.name === "level") {
        C.drawAreas();
        C.writeUrl();
        return;
      }
      timer = window.setTimeout(load, 250);
    });
    var asked = C.readUrl();
    C.wireTools();
    load();
    C.loadPlaces().then(function () {
      if (asked.place) C.choosePlace(asked.place);
    });
    if (asked.k) C.suggest();
  }

  start();
})(window.Tsudoi);
