/* Tsudoi residents' map: the details card of one place, opened from the list, a marker or a
 * link (?place=), and closed back to where the resident was. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$, el = T.el;
  var returnFocusTo = null; /* the list item the card was opened from */

  /** A phone number as a tel: link a phone can call, or as text when it has too few digits. */
  M.telLink = function (phone, label) {
    var digits = String(phone).replace(/\D/g, "");
    if (digits.length < 3) return el("p", "tel-text", phone);
    var a = el("a", "tel-link action-button", phone);
    a.href = "tel:" + digits;
    a.setAttribute("aria-label", label + " " + phone);
    return a;
  };

  /** A term and its value in the card's list of facts; nothing for an empty value. */
  function fact(dl, term, value, field) {
    if (value === null || value === undefined || value === "") return null;
    dl.appendChild(el("dt", "", term));
    var dd = el("dd");
    if (field) dd.setAttribute("data-field", field);
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = String(value);
    dl.appendChild(dd);
    return dd;
  }


  /**
   * Where a place's facts come from, by title: the credited source of a demo pack's file, or the
   * demo label; a source is an id made from a file's name, never shown to residents — the city
   * is named instead.
   */
  function sourceTitle(props) {
    var source = props.source || "";
    var titles = T.config.source_titles || {};
    var known = Object.prototype.hasOwnProperty.call(titles, source) ? titles[source] : null;
    if (known === "demo" || props.demo) return t("Stand-in demo data made for this map");
    if (known) return known;
    return t("Data from {city}", { city: T.config.city.name });
  }

  function directionsUrl(p) {
    return "https://www.google.com/maps/dir/?api=1&destination=" +
      encodeURIComponent(p.lat.toFixed(6) + "," + p.lon.toFixed(6)) + "&travelmode=walking";
  }

  function nextDate(props) {
    if (props.next_date) return T.formatDate(props.next_date);
    return props.schedule_rules && props.schedule_rules.length ? t("Not decided yet") : t("Please ask the organiser");
  }

  function addressFact(dl, props) {
    if (props.location_precision !== "town") {
      fact(dl, t("Address"), props.address, "address");
      return;
    }
    var addr = el("span");
    if (props.address) addr.appendChild(el("span", "", props.address));
    addr.appendChild(el("span", "note", props.placed_from === "address"
      ? t("Placed from its address: the map shows its town's point.")
      : t("Held in a private home: the map shows the town only. Ask the organiser or your area's advice desk for the way.")));
    fact(dl, t("Address"), addr, "address");
  }

  function walkingFact(dl, p) {
    var w = S.point ? D.walks.get(p.id) : null;
    if (!w) {
      fact(dl, t("Walking"), t("Choose a point under “Near me” to see the walking time."), "walking");
      return;
    }
    var walk = el("span");
    walk.appendChild(el("span", "", M.formatWalk(w)));
    walk.appendChild(el("span", "note", (w.estimate
      ? t("estimate from straight-line distance")
      : t("along the streets")) + " — " + t("from {where}", { where: S.point.label })));
    fact(dl, t("Walking"), walk, "walking");
  }

  function linkFacts(dl, p) {
    var props = p.props;
    if (props.phone) fact(dl, t("Phone"), M.telLink(props.phone, t("Call {name}", { name: p.name })), "phone");
    if (props.email) {
      var mail = el("a", "", props.email);
      mail.href = "mailto:" + encodeURIComponent(props.email).replace(/%40/g, "@");
      fact(dl, t("Email"), mail, "email");
    }
  }

  function websiteFact(dl, url) {
    if (!T.isHttpUrl(url)) {
      fact(dl, t("Website"), url, "url"); /* shown as text, never a link to another scheme */
      return;
    }
    var link = el("a", "", url);
    link.href = url;
    link.rel = "noopener";
    fact(dl, t("Website"), link, "url");
  }

  function cardHeading(body, p) {
    var props = p.props;
    var cat = M.categoryOf(p.category);
    var title = el("h2", "card-title", p.name);
    title.id = "card-title";
    title.tabIndex = -1;
    body.appendChild(title);
    var catLine = el("p", "card-category");
    catLine.setAttribute("data-field", "category");
    catLine.appendChild(M.pin(cat));
    catLine.appendChild(el("span", "", M.categoryLabel(cat)));
    body.appendChild(catLine);
    if (props.demo) body.appendChild(el("p", "demo-badge", t("Demo data (デモ用の仮データ)")));
    if (props.status && props.status !== "active") {
      body.appendChild(el("p", "card-status", props.status === "paused" ? t("Paused for now") : t("No longer held")));
    }
  }

  M.renderCard = function (p) {
    var body = $("card-body");
    body.textContent = "";
    if (!p) return;
    var props = p.props;
    cardHeading(body, p);
    var dl = el("dl", "facts");
    fact(dl, t("Next date"), nextDate(props), "next_date");
    fact(dl, t("When"), props.schedule, "schedule");
    fact(dl, t("Fee"), props.fee, "fee");
    addressFact(dl, props);
    linkFacts(dl, p);
    fact(dl, t("Organiser"), props.organiser, "organiser");
    fact(dl, t("About"), props.description, "description");
    fact(dl, t("Accessibility"), props.accessibility, "accessibility");
    fact(dl, t("Last checked"), props.last_verified ? T.formatDate(props.last_verified, "day") : null, "last_verified");
    walkingFact(dl, p);
    websiteFact(dl, props.url);
    fact(dl, t("Source"), sourceTitle(props), "source");
    body.appendChild(dl);

    var actions = el("div", "card-actions");
    var dir = el("a", "action-button directions", t("Walking directions (opens your map app)"));
    dir.href = directionsUrl(p);
    dir.target = "_blank";
    dir.rel = "noopener";
    dir.setAttribute("data-field", "directions");
    actions.appendChild(dir);
    body.appendChild(actions);
  };

  /** A listed place, else asked of the API (a link to a place the filters hide). */
  function findPlace(id) {
    var p = D.placeById.get(id);
    if (p) return Promise.resolve(p);
    return T.getJson(T.config.api.place + encodeURIComponent(id))
      .then(function (f) { return M.toPlace(f, -1); })
      .catch(function () { return null; });
  }

  M.openCard = function (id, opts) {
    opts = opts || {};
    return findPlace(id).then(function (p) {
      if (!p) {
        $("list-status").textContent = t("That place could not be found.");
        if (S.place === id) {
          S.place = "";
          M.writeUrl("replace");
        }
        return;
      }
      if (opts.fromList) returnFocusTo = id;
      S.place = id;
      M.renderCard(p);
      $("list-view").hidden = true;
      $("card").hidden = false;
      $("panel-body").scrollTop = 0;
      document.body.classList.add("card-open");
      if (opts.push) M.writeUrl("push");
      if (opts.focus) $("card-title").focus();
      M.whenMarkersReady().then(function () {
        if (S.place === id) M.showSelection(p);
      });
    });
  };

  /** Back to the list; focus returns to the place the card was opened from. */
  M.closeCard = function (opts) {
    opts = opts || {};
    var was = S.place;
    S.place = "";
    $("card").hidden = true;
    $("list-view").hidden = false;
    document.body.classList.remove("card-open");
    M.showSelection(null);
    if (opts.push) M.writeUrl("push");
    if (opts.focus) {
      var back = returnFocusTo || was;
      var button = back && $("place-list").querySelector('button[data-id="' + CSS.escape(back) + '"]');
      if (button) button.focus();
      else $("list-heading").focus();
    }
    returnFocusTo = null;
  };
})(window.Tsudoi);
