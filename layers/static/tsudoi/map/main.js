/* Tsudoi residents' map: loading and wiring — the data from the API, one update cycle that
 * every control goes through, the back button. Loaded last: every other map/*.js is defined. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$;

  /**
   * Show the state: filter, counts, list, markers, the area's contacts. `push` or `replace`
   * also writes the URL. Returns a Promise that settles when the markers are on the map.
   */
  M.update = function (opts) {
    opts = opts || {};
    M.recompute();
    M.updateLayerCounts();
    M.renderList();
    var ready = M.updateMarkers();
    M.refreshContactsIfArea();
    if (opts.push) M.writeUrl("push");
    else if (opts.replace) M.writeUrl("replace");
    return ready;
  };

  /** The view the URL describes: at the start and on the back and forward buttons. */
  function applyUrlState(focus) {
    M.readUrl();
    $("search").value = S.q;
    $("group-kind").checked = S.group;
    $("area-filter").value = D.areaById.has(S.area) ? S.area : "";
    if (!D.areaById.has(S.area) && D.areas.length) S.area = "";
    var ready = M.update({});
    if (S.place) {
      M.openCard(S.place, { focus: focus });
    } else if (!$("card").hidden) {
      M.closeCard({ focus: focus });
    }
    M.restorePoint(); /* before the URL is written: a point the URL no longer names goes */
    M.writeUrl("replace");
    return ready;
  }

  function showDemoNotice() {
    var notice = $("demo-notice");
    if (notice) notice.hidden = false;
  }

  function markReady() {
    T.setReady("true");
    T.mark("tsudoi-ready");
  }

  /** Places sorted by reading (kana, else the name), folded: hiragana order without a slow collator. */
  function setPlaces(features) {
    D.places = features.map(M.toPlace);
    D.places.forEach(function (p) { p.sortKey = T.fold(p.props.kana || p.name); });
    D.places.sort(function (a, b) {
      if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    D.places.forEach(function (p, i) {
      p.order = i;
      D.placeById.set(p.id, p);
      M.indexSearch(p);
      M.categoryOf(p.category);
    });
    if (D.places.some(function (p) { return p.props.demo; })) showDemoNotice();
  }

  function load() {
    var catsP = T.getJson(T.config.api.categories);
    /* a city of many places: only the list's first page (map/paged.js asks for the rest) */
    var placesP = T.config.paged ? M.getPage(T.config.api.first_page) : T.getJson(T.config.api.places);
    /* the outlines come second: the list and the markers do not wait for them */
    var areasP = placesP.catch(function () { return null; }).then(function () {
      return T.getJson(T.config.api.areas);
    }).catch(function () { return { features: [] }; });

    Promise.all([catsP, placesP])
      .then(function (got) {
        M.setCategories(got[0]);
        T.mark("tsudoi-data");
        setPlaces(got[1].features);
        M.recompute();
        M.renderLayers();
        var ready = applyUrlState(false);
        T.mark("tsudoi-list");
        ready.then(function () {
          T.mark("tsudoi-markers");
          /* a paged map starts on the city's outline, unless there is none */
          var fit = !T.config.paged || !T.config.bounds;
          if (fit && !S.place && !S.point && !S.near && !S.town) M.fitToPlaces();
          window.requestAnimationFrame(markReady);
        });
      })
      .catch(function () {
        $("list-status").textContent = t("The places could not be loaded. Please reload the page.");
      });

    Promise.all([areasP, placesP]).then(function (got) {
      M.setAreas(got[0]);
      if (D.areas.some(function (a) { return a.demo; })) showDemoNotice();
      /* now that area names are known, a place is found by its area's name too */
      D.places.forEach(M.indexSearch);
      if (S.q) M.update({});
      else M.refreshContactsIfArea();
    }).catch(function () { /* the list works without areas */ });
  }

  function toggleSheet() {
    var open = !document.body.classList.contains("sheet-expanded");
    document.body.classList.toggle("sheet-expanded", open);
    $("sheet-toggle").setAttribute("aria-expanded", String(open));
    $("sheet-toggle").textContent = open ? t("Show less of the list") : t("Show more of the list");
  }

  function wireControls() {
    M.wireSearch();
    M.wireNear();
    $("show-all").addEventListener("click", function () {
      S.shown = null;
      M.update({ push: true });
      $("layer-list").querySelector("input").focus();
    });
    $("group-kind").addEventListener("change", function () {
      S.group = $("group-kind").checked;
      M.update({ push: true });
    });
    $("area-filter").addEventListener("change", function () {
      S.area = $("area-filter").value;
      M.update({ push: true });
    });
    $("more").addEventListener("click", function () {
      M.showMore().then(function (first) {
        if (first) first.querySelector("button").focus();
      });
    });
    $("card-close").addEventListener("click", function () {
      M.closeCard({ push: true, focus: true });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !$("card").hidden) M.closeCard({ push: true, focus: true });
    });
    if ($("sheet-toggle")) $("sheet-toggle").addEventListener("click", toggleSheet); /* not in the embed */
    window.addEventListener("popstate", function () {
      applyUrlState(true);
    });
  }

  function start() {
    M.setupMap();
    M.readUrl();
    $("search").value = S.q;
    load();
    wireControls();
  }

  start();
})(window.Tsudoi);
