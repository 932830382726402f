/* Tsudoi editor: one place's form — every public field and the internal contact, the rules, the
 * pin — saved as a merge patch of what changed with If-Match (or created with POST); verify,
 * pause, close and reopen. A 412 means someone else saved first: the current version is loaded
 * and the person told, so nothing is overwritten unseen. */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$;

  /** The text fields of the form, named as the place's fields. */
  var TEXT = [
    "name", "kana", "organiser", "fee", "description", "accessibility", "phone", "email", "url",
    "internal_contact", "schedule", "address",
  ];

  function fillCategories(selected) {
    var select = $("p-category");
    select.textContent = "";
    E.data.categories.forEach(function (c) {
      var o = T.el("option", "", E.categoryLabel(c.slug) + (c.kind === "venue" ? " " + t("(venue)") : ""));
      o.value = c.slug;
      select.appendChild(o);
    });
    if (selected) select.value = selected;
  }

  function fill(p) {
    TEXT.forEach(function (name) { $("p-" + name).value = p[name] === null || p[name] === undefined ? "" : String(p[name]); });
    fillCategories(p.category);
    $("p-location_precision").value = p.location_precision || "exact";
    $("form-error").textContent = "";
    $("town-status").textContent = "";
    $("town-results").textContent = "";
    $("town-q").value = "";
  }

  function showActions(p) {
    var isNew = !p;
    $("place-actions").hidden = isNew;
    $("history").hidden = isNew;
    if (isNew) return;
    $("verified-text").textContent = E.verifiedText(p) + (p.stale && p.status !== "closed" ? " — " + t("Needs checking") : "");
    $("pause").hidden = p.status !== "active";
    $("close-place").hidden = p.status === "closed";
    $("reopen").hidden = p.status === "active";
    $("verify").hidden = p.status === "closed";
    var lang = T.lang === "ja" ? "" : "&lang=" + T.lang;
    $("view-card").href = T.config.api.map + "?place=" + encodeURIComponent(p.id) + lang;
  }

  function showForm(focus) {
    $("list-view").hidden = true;
    $("form-view").hidden = false;
    $("panel").scrollTop = 0;
    document.body.classList.add("form-open");
    E.showOverview(false);
    if (focus) $("form-title").focus();
  }

  /** Open a place's form (the one the list or a reload names). */
  E.openPlace = function (id, opts) {
    opts = opts || {};
    var p = E.byId.get(id);
    if (!p) return;
    E.current = p;
    E.isNew = false;
    $("form-title").textContent = p.name;
    $("form-meta").textContent = [E.categoryLabel(p.category), E.statusLabel(p.status)].concat(E.areaNames(p.areas)).join(" · ");
    fill(p);
    E.setRules(p.schedule_rules || []);
    E.lock($("place-form")); /* view-only: the rules just built too */
    showActions(p);
    showForm(opts.focus);
    E.setPin(p.lat, p.lon);
    if (opts.historyOpen) $("history").open = true;
    E.loadHistory();
  };

  E.newPlace = function () {
    E.current = null;
    E.isNew = true;
    $("form-title").textContent = t("A new place");
    $("form-meta").textContent = t("Fill in at least the name and kind, and put the pin where it is.");
    fill({ location_precision: "exact", category: (E.data.categories.filter(function (c) { return c.kind === "gathering"; })[0] || {}).slug });
    E.setRules([]);
    showActions(null);
    E.clearPin();
    showForm(true);
  };

  E.closeForm = function () {
    var was = E.current;
    E.current = null;
    E.isNew = false;
    $("form-view").hidden = true;
    $("list-view").hidden = false;
    document.body.classList.remove("form-open");
    E.clearPin();
    E.showOverview(true);
    var button = was && $("place-list").querySelector('button[data-id="' + CSS.escape(was.id) + '"]');
    if (button) button.focus();
    else $("list-heading").focus();
  };

  /** Rules compared by what they mean: keys sorted, empty values left out. */
  function canonical(rules) {
    return JSON.stringify((rules || []).map(function (r) {
      var out = {};
      Object.keys(r).sort().forEach(function (k) {
        var v = r[k];
        if (v === null || v === undefined) return;
        out[k] = Array.isArray(v) ? v.slice().sort(function (a, b) { return a - b; }) : v;
      });
      return out;
    }));
  }

  function textValue(name) {
    var v = $("p-" + name).value.trim();
    return v === "" ? null : v;
  }

  /** What the form says, as place fields (lon/lat numbers, rules as stored). */
  function read() {
    var out = {};
    TEXT.forEach(function (name) { out[name] = textValue(name); });
    out.category = $("p-category").value;
    out.location_precision = $("p-location_precision").value;
    out.schedule_rules = E.getRules();
    var pt = E.readPoint();
    out.lat = pt.lat;
    out.lon = pt.lon;
    return out;
  }

  /** The merge patch: only the fields the person changed. */
  function patchOf(p, now) {
    var patch = {};
    TEXT.concat(["category", "location_precision"]).forEach(function (name) {
      var before = p[name] === undefined || p[name] === "" ? null : p[name];
      if (now[name] !== before) patch[name] = now[name];
    });
    var cat = E.data.categories.filter(function (c) { return c.slug === now.category; })[0];
    if (cat && cat.kind !== p.kind) patch.kind = cat.kind; /* a venue's category makes it a venue */
    if (canonical(now.schedule_rules) !== canonical(p.schedule_rules)) {
      patch.schedule_rules = now.schedule_rules.length ? now.schedule_rules : null;
    }
    if (Math.abs(now.lat - p.lat) > 5e-7 || Math.abs(now.lon - p.lon) > 5e-7) {
      patch.lat = now.lat;
      patch.lon = now.lon;
    }
    return patch;
  }

  /** Whether the open form holds edits not saved yet (a new place: once it has a name). */
  E.unsaved = function () {
    if ($("form-view").hidden || E.readOnly) return false;
    var now = read();
    if (E.isNew) return !!now.name;
    return !!E.current && Object.keys(patchOf(E.current, now)).length > 0;
  };

  function invalid(now) {
    if (!now.name) return { field: "p-name", text: t("Give the place a name.") };
    if (!isFinite(now.lat) || !isFinite(now.lon)) return { field: "p-lat", text: t("Put the pin where the place is: tap the map, choose a town, or type the latitude and longitude.") };
    return null;
  }

  function refused(res) {
    var text = E.problemText(res);
    $("form-error").textContent = text;
    E.say(text);
  }

  /** Read everything again, then show the place `id` (or the list). */
  E.reload = function (id, opts) {
    return E.load().then(function () {
      if (id && E.byId.has(id)) E.openPlace(id, opts || {});
      else if (id) E.closeForm();
    });
  };

  function afterWrite(res, id, done) {
    if (res.ok) {
      return E.reload(id, { focus: false }).then(function () { E.say(done); });
    }
    refused(res);
    if (res.status === 412) return E.reload(id, { focus: false }).then(function () { $("form-error").textContent = E.problemText(res); });
    return null;
  }

  E.save = function () {
    if (E.readOnly) return; /* Enter in a read-only field still submits the form */
    var now = read();
    var bad = invalid(now);
    if (bad) {
      $("form-error").textContent = bad.text;
      $(bad.field).focus();
      return;
    }
    $("form-error").textContent = "";
    if (E.isNew) {
      var body = {};
      Object.keys(now).forEach(function (k) { if (now[k] !== null && !(Array.isArray(now[k]) && !now[k].length)) body[k] = now[k]; });
      var cat = E.data.categories.filter(function (c) { return c.slug === now.category; })[0];
      if (cat) body.kind = cat.kind;
      E.send("POST", T.config.api.create, body).then(function (res) {
        if (!res.ok) return refused(res);
        var id = (res.body && (res.body.id || (res.body.properties && res.body.properties.id))) ||
          (res.location || "").split("/").pop();
        E.say(t("The new place was saved."));
        return E.reload(decodeURIComponent(id), { focus: true });
      });
      return;
    }
    var p = E.current;
    var patch = patchOf(p, now);
    if (!Object.keys(patch).length) {
      E.say(t("Nothing was changed."));
      return;
    }
    E.send("PATCH", T.config.api.place + encodeURIComponent(p.id), patch, p.etag).then(function (res) {
      return afterWrite(res, p.id, t("Saved. Residents see the change now."));
    });
  };

  function setStatus(status, done) {
    var p = E.current;
    E.send("PATCH", T.config.api.place + encodeURIComponent(p.id), { status: status }, p.etag).then(function (res) {
      return afterWrite(res, p.id, done);
    });
  }

  E.verify = function () {
    var p = E.current;
    E.send("POST", T.config.api.place + encodeURIComponent(p.id) + "/verify", {}, p.etag).then(function (res) {
      return afterWrite(res, p.id, t("Marked as checked today. Thank you."));
    });
  };

  E.wireForm = function () {
    $("place-form").addEventListener("submit", function (e) {
      e.preventDefault();
      E.save();
    });
    $("form-close").addEventListener("click", E.closeForm);
    $("new-place").addEventListener("click", E.newPlace);
    $("verify").addEventListener("click", E.verify);
    $("pause").addEventListener("click", function () { setStatus("paused", t("Paused: residents see that it is paused for now.")); });
    $("close-place").addEventListener("click", function () { setStatus("closed", t("Closed: residents no longer see it in the list.")); });
    $("reopen").addEventListener("click", function () { setStatus("active", t("Reopened: residents see it again.")); });
    /* leaving (a link, a reload, closing the tab) with edits not saved: the browser asks first */
    window.addEventListener("beforeunload", function (e) {
      if (!E.unsaved()) return;
      e.preventDefault();
      e.returnValue = "";
    });
  };
})(window.Tsudoi);
