/* Tsudoi editor: the open place's history (GET /api/places/{id}/history, newest first), each
 * change with who made it, through what, and every field before and after; "restore" brings the
 * place back to how it was right after that change (a new change, nothing is lost). */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$, el = T.el;

  var FIELD_LABELS = {
    name: t("Name"), kana: t("Reading (kana)"), category: t("Kind of place"), kind: t("Kind"),
    organiser: t("Organiser"), fee: t("Fee"), description: t("About"),
    accessibility: t("Accessibility"), phone: t("Phone"), email: t("Email"), url: t("Website"),
    internal_contact: t("Internal contact"), schedule: t("When"),
    schedule_rules: t("Schedule rules"), address: t("Address"), lon: t("Longitude"),
    lat: t("Latitude"), location_precision: t("How exactly the map shows it"),
    status: t("Status"), last_verified: t("Last checked"), source: t("Source"),
    source_id: t("Source id"), extra: t("Other columns"), demo: t("Demo data"),
    placed_from: t("Placed from"),
  };

  var atFormat = new Intl.DateTimeFormat(T.lang === "en" ? "en-GB" : "ja-JP", {
    year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: "Asia/Tokyo",
  });

  function when(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso || "") : atFormat.format(d);
  }

  function valueText(name, value) {
    if (value === null || value === undefined || value === "") return t("(empty)");
    if (name === "schedule_rules" && Array.isArray(value)) {
      return value.map(function (r) { return E.ruleText ? E.ruleText(r) : JSON.stringify(r); }).join("、") || t("(empty)");
    }
    if (name === "status") return E.statusLabel(value);
    if (name === "location_precision") return E.label("precision", value);
    if (name === "kind") return E.label("kind", value);
    if (name === "category") return E.categoryLabel(value);
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function whoText(c) {
    var who = String(c.who || "");
    if (who === "import") return t("import") + (c.source ? " (" + c.source + ")" : "");
    return who.replace(/^user:/, "").replace(/^token:/, t("token") + " ");
  }

  function changeItem(c, first) {
    var li = el("li", "change");
    li.setAttribute("data-change", String(c.id));
    var head = el("p", "change-head");
    head.appendChild(el("strong", "", when(c.at)));
    head.appendChild(document.createTextNode(" " + E.label("action", c.action) + " — " + whoText(c) + " (" + E.label("via", c.via) + ")"));
    li.appendChild(head);
    var dl = el("dl", "change-fields");
    Object.keys(c.fields || {}).forEach(function (name) {
      var pair = c.fields[name];
      dl.appendChild(el("dt", "", FIELD_LABELS[name] || name));
      var dd = el("dd");
      dd.setAttribute("data-field", name);
      dd.appendChild(el("span", "before", valueText(name, pair[0])));
      dd.appendChild(document.createTextNode(" → "));
      dd.appendChild(el("span", "after", valueText(name, pair[1])));
      dl.appendChild(dd);
    });
    li.appendChild(dl);
    if (!first) {
      var b = el("button", "action-button secondary restore-button", t("Restore as it was after this change"));
      b.type = "button";
      b.setAttribute("data-write", "");
      b.setAttribute("aria-label", t("Restore as it was after the change of {when}", { when: when(c.at) }));
      b.addEventListener("click", function () { E.restore(c); });
      li.appendChild(b);
    } else {
      li.appendChild(el("p", "hint", t("This is how the place is now.")));
    }
    return li;
  }

  E.loadHistory = function () {
    var p = E.current;
    var list = $("history-list");
    list.textContent = "";
    if (!p) return Promise.resolve();
    $("history-status").textContent = t("Loading the history…");
    return E.get(T.config.api.place + encodeURIComponent(p.id) + "/history").then(function (res) {
      if (!E.current || E.current.id !== p.id) return;
      if (!res.ok) {
        $("history-status").textContent = E.problemText(res);
        return;
      }
      var changes = Array.isArray(res.body) ? res.body : (res.body && res.body.changes) || [];
      $("history-status").textContent = changes.length ? t("{n} change(s), newest first.", { n: changes.length }) : t("No change recorded yet.");
      changes.forEach(function (c, i) { list.appendChild(changeItem(c, i === 0)); });
    });
  };

  E.restore = function (change) {
    var p = E.current;
    E.send("POST", T.config.api.place + encodeURIComponent(p.id) + "/restore", { change: change.id }, p.etag)
      .then(function (res) {
        var text = res.ok
          ? t("Restored as it was after the change of {when}.", { when: when(change.at) })
          : E.problemText(res);
        return E.reload(p.id, { historyOpen: true }).then(function () { E.say(text); });
      });
  };
})(window.Tsudoi);
