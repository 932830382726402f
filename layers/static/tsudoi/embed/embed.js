/* Tsudoi embed: the residents' map (map/*.js, unchanged) made compact for a frame on a city's
 * website. A narrow frame — or one whose host chose view=map or view=list — shows the list and
 * the map one at a time behind two tabs; a wide frame with view=both shows them side by side.
 * The details card opens in the list's tab, with a button back to the map.
 *
 * Both panes stay laid out in the same box and the hidden one is only invisible (not
 * display:none), so Leaflet always knows the map's real size. Loaded after map/card.js and
 * before map/main.js, which starts the page.
 */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$, el = T.el;
  var view = T.config.embed.view;
  var narrow = window.matchMedia("(max-width: 639px)");
  var PANES = { list: "panel", map: "map-wrap" };
  var ORDER = ["list", "map"];
  var current = view === "map" ? "map" : "list";

  function tabbed() {
    return view !== "both" || narrow.matches;
  }

  /** The layout, the tabs' states and the panes' roles, from `current` and the frame's width. */
  function apply() {
    var on = tabbed();
    document.body.classList.toggle("embed-tabbed", on);
    document.body.setAttribute("data-tab", current);
    ORDER.forEach(function (name) {
      var tab = $("tab-" + name);
      var pane = $(PANES[name]);
      var selected = name === current;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      /* side by side there is no tab switch: the panes are plain regions again */
      if (on) {
        pane.setAttribute("role", "tabpanel");
        pane.setAttribute("aria-labelledby", tab.id);
      } else {
        pane.removeAttribute("role");
        pane.removeAttribute("aria-labelledby");
      }
    });
    if (M.map) M.map.invalidateSize({ animate: false });
  }

  function showTab(name, focusTab) {
    current = name;
    apply();
    if (focusTab) $("tab-" + name).focus();
  }

  /* the tab pattern: a click, or the arrow keys, Home and End on the tabs */
  function wireTabs() {
    ORDER.forEach(function (name) {
      $("tab-" + name).addEventListener("click", function () { showTab(name, false); });
    });
    $("embed-tabs").addEventListener("keydown", function (e) {
      var i = ORDER.indexOf(current);
      var next = null;
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") next = ORDER[(i + 1) % ORDER.length];
      else if (e.key === "Home") next = ORDER[0];
      else if (e.key === "End") next = ORDER[ORDER.length - 1];
      if (next === null) return;
      e.preventDefault();
      showTab(next, true);
    });
    if (narrow.addEventListener) narrow.addEventListener("change", apply);
  }

  /* A marker opens its card in the list's tab: the card is where the details are read. */
  var openCard = M.openCard;
  M.openCard = function (id, opts) {
    if (tabbed() && current !== "list") showTab("list", false);
    return openCard.call(M, id, opts);
  };

  /* ... and the card offers the way back to the place on the map. */
  var renderCard = M.renderCard;
  M.renderCard = function (p) {
    renderCard.call(M, p);
    var actions = $("card-body").querySelector(".card-actions");
    if (!p || !actions || !M.map) return;
    var button = el("button", "action-button embed-on-map", t("Show on the map"));
    button.type = "button";
    button.addEventListener("click", function () {
      if (tabbed()) showTab("map", false);
      var shown = D.placeById.get(S.place) || p;
      M.showSelection(shown);
      $("map").focus();
    });
    actions.appendChild(button);
  };

  wireTabs();
  apply();
})(window.Tsudoi);
