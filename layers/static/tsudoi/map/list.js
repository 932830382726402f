/* Tsudoi residents' map: the list of places — which places (search, area, kinds), in which order
 * (by reading, or by walk from the chosen point), shown a page at a time. The list is a full
 * alternative to the map: everything the map shows, the list shows. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$, el = T.el;
  var listShown = 0; /* how many of D.filtered are in the list now */

  function inArea(p) {
    return !S.area || (p.areas && p.areas.indexOf(S.area) !== -1);
  }

  /** D.filtered and the counts per kind from the state; nearest first when a point is chosen. */
  M.recompute = function () {
    var q = T.fold(S.q);
    var base = D.places.filter(function (p) { return inArea(p) && M.matches(p, q); });
    /* counted before the ticks, so an unticked kind still says how many it would add */
    D.countsByCategory = new Map();
    base.forEach(function (p) {
      D.countsByCategory.set(p.category, (D.countsByCategory.get(p.category) || 0) + 1);
    });
    D.filtered = base.filter(function (p) { return M.isShown(p.category); });
    if (S.point) {
      D.filtered.sort(function (a, b) {
        var wa = D.walks.get(a.id), wb = D.walks.get(b.id);
        return (wa ? wa.distance_m : Infinity) - (wb ? wb.distance_m : Infinity) || a.order - b.order;
      });
    }
    if (S.group) {
      /* kinds in the legend's order, each keeping the order above (reading, or nearest first) */
      var rank = new Map(D.categories.map(function (c, i) { return [c.slug, i]; }));
      var before = new Map(D.filtered.map(function (p, i) { return [p.id, i]; }));
      D.filtered.sort(function (a, b) {
        return rank.get(a.category) - rank.get(b.category) || before.get(a.id) - before.get(b.id);
      });
    }
  };

  /** The heading of a kind's group in the list, with how many of its places are listed. */
  function groupHeading(slug) {
    var cat = M.categoryOf(slug);
    var li = el("li", "group-item");
    var n = D.filtered.filter(function (p) { return p.category === slug; }).length;
    li.appendChild(el("h3", "group-heading", t("{category} {n}", { category: M.categoryLabel(cat), n: n })));
    return li;
  }

  function nextDateText(p) {
    if (p.props.next_date) return t("Next: {date}", { date: T.formatDate(p.props.next_date, "short") });
    return "";
  }

  function listItem(p) {
    var cat = M.categoryOf(p.category);
    var li = el("li", "place-item");
    var button = el("button", "place-button");
    button.type = "button";
    button.setAttribute("data-id", p.id);
    button.appendChild(M.pin(cat));
    var main = el("span", "place-main");
    main.appendChild(el("span", "place-name", p.name));
    var meta = [M.categoryLabel(cat)];
    var next = nextDateText(p);
    if (next) meta.push(next);
    main.appendChild(el("span", "place-meta", meta.join(" ・ ")));
    if (p.props.location_precision === "town") {
      main.appendChild(el("span", "place-town", p.props.placed_from === "address"
        ? t("Shown at its town's point (placed from its address)")
        : t("Shown at town level (a private home)")));
    }
    var w = D.walks.get(p.id);
    if (S.point && w) main.appendChild(el("span", "place-walk", M.formatWalk(w)));
    button.appendChild(main);
    button.addEventListener("click", function () {
      M.openCard(p.id, { push: true, focus: true, fromList: true });
    });
    li.appendChild(button);
    return li;
  }

  /** How many places the list holds in all: here every one is in D.filtered; a paged list
   * (map/paged.js) has loaded only its first pages of them. */
  M.listTotal = function () {
    return D.filtered.length;
  };

  M.renderList = function () {
    $("place-list").textContent = "";
    listShown = 0;
    M.appendListPage();
    var n = M.listTotal();
    $("list-count").textContent = t("({n})", { n: n });
    $("list-status").textContent = n
      ? (S.point ? t("{n} places, nearest first", { n: n }) : t("{n} places shown", { n: n }))
      : t("No place matches. Try other words or tick more kinds.");
    var note = $("walk-note");
    note.hidden = !S.point;
    if (S.point) {
      note.textContent = D.walkMethod === "network"
        ? t("Walking times follow the streets, at 50 m a minute.")
        : t("Walking times are an estimate from the straight-line distance, at 50 m a minute.");
    }
  };

  /** The next page of the list; returns its first item, for focus after "show more". */
  M.appendListPage = function () {
    var frag = document.createDocumentFragment();
    var end = Math.min(D.filtered.length, listShown + M.LIST_PAGE);
    var firstNew = null;
    for (var i = listShown; i < end; i++) {
      var p = D.filtered[i];
      if (S.group && !T.config.paged && (i === 0 || D.filtered[i - 1].category !== p.category)) {
        frag.appendChild(groupHeading(p.category));
      }
      var item = listItem(p);
      if (!firstNew) firstNew = item;
      frag.appendChild(item);
    }
    $("place-list").appendChild(frag);
    listShown = end;
    var more = $("more");
    var left = M.listTotal() - listShown;
    more.hidden = left <= 0;
    more.textContent = t("Show {n} more ({left} left)", { n: Math.min(M.LIST_PAGE, left), left: left });
    return firstNew;
  };

  /** "Show more": resolves to the first new item (a paged list loads the page first). */
  M.showMore = function () {
    return Promise.resolve(M.appendListPage());
  };
})(window.Tsudoi);
