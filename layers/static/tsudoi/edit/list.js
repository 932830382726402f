/* Tsudoi editor: the list of the places the signed-in person may change (the city's viewer:
 * every place, to read), stalest first (the server's order), narrowed by text, kind, area,
 * status and "waiting to be checked". */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$, el = T.el;

  function option(value, text) {
    var o = el("option", "", text);
    o.value = value;
    return o;
  }

  /** Fill a select after its first ("every …") option, keeping the choice when it still exists. */
  function fillSelect(select, items) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    items.forEach(function (it) { select.appendChild(option(it[0], it[1])); });
    select.value = items.some(function (it) { return it[0] === keep; }) ? keep : "";
  }

  E.renderFilters = function () {
    var used = new Set(E.data.places.map(function (p) { return p.category; }));
    fillSelect($("f-category"), E.data.categories
      .filter(function (c) { return used.has(c.slug); })
      .map(function (c) { return [c.slug, E.categoryLabel(c.slug)]; }));
    var inMine = new Set();
    E.data.places.forEach(function (p) { (p.areas || []).forEach(function (a) { inMine.add(a); }); });
    fillSelect($("f-area"), E.data.areas
      .filter(function (a) { return inMine.has(a.id); })
      .map(function (a) { return [a.id, a.name]; }));
  };

  E.verifiedText = function (p) {
    return p.last_verified
      ? t("Last checked {date}", { date: T.formatDate(p.last_verified, "day") })
      : t("Never checked");
  };

  E.statusLabel = function (status) {
    return E.label("status", status || "active");
  };

  E.renderQueue = function () {
    var waiting = E.data.places.filter(function (p) { return p.stale && p.status !== "closed"; });
    $("queue-summary").textContent = t("{n} place(s) not checked for {months} months or more.", {
      n: waiting.length, months: E.data.stale_months,
    });
  };

  function matches(p, f) {
    if (f.category && p.category !== f.category) return false;
    if (f.area && (p.areas || []).indexOf(f.area) < 0) return false;
    if (f.status && p.status !== f.status) return false;
    if (f.stale && !(p.stale && p.status !== "closed")) return false;
    if (f.text) {
      var hay = T.fold([p.name, p.kana, p.address, p.phone, p.organiser].join(" "));
      if (hay.indexOf(f.text) < 0) return false;
    }
    return true;
  }

  function filters() {
    return {
      text: T.fold($("f-text").value),
      category: $("f-category").value,
      area: $("f-area").value,
      status: $("f-status").value,
      stale: $("f-stale").checked,
    };
  }

  function item(p) {
    var li = el("li");
    var button = el("button", "place-button edit-place");
    button.type = "button";
    button.setAttribute("data-id", p.id);
    var main = el("span", "place-main");
    main.appendChild(el("span", "place-name", p.name));
    var meta = [E.categoryLabel(p.category)].concat(E.areaNames(p.areas));
    main.appendChild(el("span", "place-town", meta.join(" · ")));
    var state = el("span", "place-state");
    if (p.stale && p.status !== "closed") state.appendChild(el("span", "badge badge-stale", t("Needs checking")));
    if (p.status !== "active") state.appendChild(el("span", "badge badge-status", E.statusLabel(p.status)));
    state.appendChild(el("span", "place-verified", E.verifiedText(p)));
    main.appendChild(state);
    button.appendChild(main);
    button.addEventListener("click", function () { E.openPlace(p.id, { focus: true }); });
    li.appendChild(button);
    return li;
  }

  E.renderList = function () {
    var f = filters();
    var shown = E.data.places.filter(function (p) { return matches(p, f); });
    var list = $("place-list");
    list.textContent = "";
    shown.forEach(function (p) { list.appendChild(item(p)); });
    E.showPlaces(shown, !E.fitted);
    E.fitted = true;
    $("list-count").textContent = t("({n})", { n: shown.length });
    $("list-status").textContent = shown.length
      ? ""
      : E.data.places.length ? t("No place matches these filters.")
        : E.readOnly ? t("The city has no places yet.") : t("There is no place you can edit.");
    var active = [f.text, f.category, f.area, f.status].filter(Boolean).length + (f.stale ? 1 : 0);
    $("filters-state").textContent = active ? t("({n} in use)", { n: active }) : "";
  };

  E.wireList = function () {
    ["f-text"].forEach(function (id) { $(id).addEventListener("input", E.renderList); });
    ["f-category", "f-area", "f-status", "f-stale"].forEach(function (id) {
      $(id).addEventListener("change", E.renderList);
    });
  };
})(window.Tsudoi);
