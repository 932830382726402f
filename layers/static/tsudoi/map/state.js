/* Tsudoi residents' map: the view's state and the address bar.
 *
 * The map's scripts (map/*.js, deferred, in the order map.html lists them) share Tsudoi.map.
 * This first one creates it: `state` is what the URL holds (kinds shown, area, search, open
 * place) plus the chosen point; `data` is what came from the API and what the filter made of it.
 * Both objects are never replaced, only their fields, so every file may keep a reference.
 * Functions are called through the namespace at run time, so the order of definition matters
 * only for main.js, which starts the page.
 */
(function (T) {
  "use strict";

  var M = (T.map = {});

  M.LIST_PAGE = 50; /* list items added per "show more" */
  M.SELECTED_ZOOM = 15; /* street level: the neighbourhood a resident walks in */
  M.STREET_ZOOM = 16; /* a chosen point: its streets and the nearest places */

  /*
   * shown: null (every kind) or a Set of category slugs; point: {lat, lon, label, town} or null,
   * the point "near me" measures from (town: the town's name when one was chosen);
   * near and town: what the URL asks for, until the page has turned it into a point.
   */
  var S = (M.state = {
    shown: null, area: "", q: "", place: "", point: null, near: null, town: "", group: false,
  });

  M.data = {
    categories: [], /* in the API's order, plus any slug a place names that the API did not */
    catBySlug: new Map(),
    places: [], /* sorted by reading; each {id, name, category, lat, lon, areas, props, order, search} */
    placeById: new Map(),
    areas: [],
    areaById: new Map(),
    walks: new Map(), /* id -> {distance_m, minutes, estimate} from the chosen point */
    walkMethod: "", /* the city's: "network" or "straight-line", as the server said */
    filtered: [], /* what the list and the markers show, in list order */
    countsByCategory: new Map(), /* per kind, after the search and the area, before the ticks */
  };

  M.readUrl = function () {
    var params = new URLSearchParams(window.location.search);
    S.shown = params.has("category")
      ? new Set(params.get("category").split(",").map(function (s) { return s.trim(); }).filter(Boolean))
      : null;
    S.area = params.get("area") || "";
    S.q = params.get("q") || "";
    S.place = params.get("place") || "";
    var near = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(params.get("near") || "");
    S.near = near ? { lat: Number(near[1]), lon: Number(near[2]) } : null;
    S.town = (params.get("town") || "").trim();
    S.group = params.get("group") === "kind";
  };

  /** A point as the URL writes it: 5 decimals, about a metre. */
  function nearText(point) {
    return point.lat.toFixed(5) + "," + point.lon.toFixed(5);
  }

  function stateParams(langOverride) {
    var params = new URLSearchParams();
    if (S.shown) {
      /* known kinds in the legend's order, then any the URL named that the city lacks */
      var known = M.data.categories.map(function (c) { return c.slug; });
      var slugs = known.filter(function (s) { return S.shown.has(s); });
      S.shown.forEach(function (s) { if (known.indexOf(s) === -1) slugs.push(s); });
      params.set("category", slugs.join(","));
    }
    if (S.area) params.set("area", S.area);
    if (S.q) params.set("q", S.q);
    if (S.place) params.set("place", S.place);
    if (S.group) params.set("group", "kind");
    if (S.point) {
      params.set("near", nearText(S.point));
      if (S.point.town) params.set("town", S.point.town);
    } else if (S.near || S.town) {
      /* asked for by the URL and not answered yet: kept as it was */
      if (S.near) params.set("near", nearText(S.near));
      if (S.town) params.set("town", S.town);
    }
    var l = langOverride || T.lang;
    if (l !== "ja") params.set("lang", l);
    return params;
  }

  /** The same view on a page of this city (path): this page, the full map, the share page. */
  M.viewUrl = function (path, langOverride) {
    var query = stateParams(langOverride).toString();
    return path + (query ? "?" + query : "");
  };

  function urlFor(langOverride) {
    var params = stateParams(langOverride);
    /* the embed keeps the layout its host chose */
    var embed = T.config.embed;
    if (embed && embed.view !== "both") params.set("view", embed.view);
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  /**
   * Put the view in the address bar: "push" for a step the back button should undo. In a frame
   * (the embed) only "replace": a frame's steps would be undone by the host page's back button.
   */
  M.writeUrl = function (mode) {
    var url = urlFor();
    var here = window.location.pathname + window.location.search;
    if (url !== here) {
      if (mode === "push" && !T.config.embed) window.history.pushState(null, "", url);
      else window.history.replaceState(null, "", url);
    }
    /* the language switch keeps the same view (the embed has none: its host chose the language) */
    var other = T.lang === "ja" ? "en" : "ja";
    var langSwitch = T.$("lang-switch");
    if (langSwitch) langSwitch.setAttribute("href", urlFor(other));
    /* links to another page of the city (the full map, the share page) carry the view too */
    Array.prototype.forEach.call(document.querySelectorAll("a[data-view-link]"), function (a) {
      a.setAttribute("href", M.viewUrl(a.getAttribute("data-view-link")));
    });
  };

  M.isShown = function (slug) {
    return S.shown === null || S.shown.has(slug);
  };

  /** A place as the page keeps it, from an API feature; `order` is its place in the list. */
  M.toPlace = function (f, order) {
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
  };
})(window.Tsudoi);
