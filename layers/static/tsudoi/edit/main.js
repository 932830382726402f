/* Tsudoi editor: loading and wiring. Loaded last: every other edit/*.js is defined. */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$;

  /** Read the places, areas and categories again (after every write: ETags change). */
  E.load = function () {
    return E.get(T.config.api.data).then(function (res) {
      if (!res.ok) {
        $("list-status").textContent = res.status === 401
          ? t("You are no longer signed in. Please sign in again.")
          : t("The places could not be loaded. Please reload the page.");
        return;
      }
      E.data = res.body;
      E.byId = new Map(E.data.places.map(function (p) { return [p.id, p]; }));
      E.areaById = new Map(E.data.areas.map(function (a) { return [a.id, a]; }));
      E.renderFilters();
      E.renderQueue();
      E.renderList();
      E.renderContacts();
    });
  };

  function start() {
    E.setupMap();
    E.wireList();
    E.wireLocation();
    E.wireRules();
    E.wireForm();
    E.wireContacts();
    E.load().then(function () {
      var wanted = new URLSearchParams(window.location.search).get("place");
      if (wanted && E.byId.has(wanted)) E.openPlace(wanted, { focus: true });
      T.setReady("true");
    });
  }

  start();
})(window.Tsudoi);
