/* Tsudoi residents' map: searching — the list by name, kana, address or area (in the page, with
 * Tsudoi.fold; see common.js for why), and town names (町名) on the server, to choose a point. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$, el = T.el;
  var DEBOUNCE_MS = 150; /* a pause in typing, so a fast typist does not redraw every letter */

  /** What a place is found by, folded once: name, reading, address and its areas' names. */
  M.indexSearch = function (p) {
    var names = (p.areas || []).map(function (id) { return M.areaName(D.areaById.get(id)); });
    p.search = T.fold([p.name, p.props.kana, p.props.address].concat(names).join(" "));
  };

  /** Does a place match the search box? `q` is the search, already folded. */
  M.matches = function (p, q) {
    return !q || p.search.indexOf(q) !== -1;
  };

  var GROUP_OVER = 8; /* longer answers are grouped by ward, so a resident finds theirs */

  function townButton(town, withArea) {
    var li = el("li");
    var text = withArea && town.area ? t("{town} ({area})", { town: town.name, area: town.area }) : town.name;
    var b = el("button", "action-button town-button", text);
    b.type = "button";
    b.addEventListener("click", function () {
      $("town-results").textContent = "";
      $("town-status").textContent = "";
      M.setPoint(Number(town.lat), Number(town.lon), town.name, { town: town.name, focus: true });
    });
    li.appendChild(b);
    return li;
  }

  /** Every match, in the server's order; grouped under their ward's name when many. */
  function showTowns(found, q) {
    var status = $("town-status");
    var results = $("town-results");
    if (!found.length) {
      status.textContent = t("No town matches {q}.", { q: q });
      return;
    }
    status.textContent = t("{n} towns found. Choose yours.", { n: found.length });
    var wards = [];
    var byWard = new Map();
    found.forEach(function (town) {
      var w = town.area || "";
      if (!byWard.has(w)) {
        byWard.set(w, []);
        wards.push(w);
      }
      byWard.get(w).push(town);
    });
    if (found.length <= GROUP_OVER || wards.length < 2) {
      found.forEach(function (town) { results.appendChild(townButton(town, true)); });
      return;
    }
    wards.forEach(function (w) {
      var group = el("li", "town-group");
      var label = w || t("Other towns");
      group.appendChild(el("p", "town-group-name", label));
      var list = el("ul", "town-results");
      list.setAttribute("aria-label", label);
      byWard.get(w).forEach(function (town) { list.appendChild(townButton(town, false)); });
      group.appendChild(list);
      results.appendChild(group);
    });
  }

  function searchTowns(event) {
    event.preventDefault();
    var q = $("town-q").value.trim();
    var status = $("town-status");
    $("town-results").textContent = "";
    if (!q) {
      status.textContent = t("Type part of your town's name, for example 関屋.");
      return;
    }
    status.textContent = t("Searching…");
    T.getJson(T.config.api.towns + T.query({ q: q, limit: 5000 }))
      .then(function (found) { showTowns(found, q); })
      .catch(function (err) {
        /* a service without town points answers 404 */
        status.textContent = err.status === 404
          ? t("Town search is not available.")
          : t("Town search failed. Please try again.");
      });
  }

  M.wireSearch = function () {
    var timer = null;
    function search() {
      window.clearTimeout(timer);
      S.q = $("search").value.trim();
      M.update({ replace: true });
    }
    $("search").addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DEBOUNCE_MS);
    });
    $("search-form").addEventListener("submit", function (e) {
      e.preventDefault();
      search();
      $("list-heading").focus();
    });
    $("town-form").addEventListener("submit", searchTowns);
  };
})(window.Tsudoi);
