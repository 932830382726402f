/* Tsudoi editor: the requests. Every write sends the ETag it read (If-Match) and the session's
 * CSRF token (X-CSRF-Token, from <meta name="csrf-token">); every answer comes back as
 * {ok, status, body, etag, location} so the caller can say what happened in words.
 * Plain JS, CSP-safe: no inline code, text from data only ever set with textContent. */
(function (T) {
  "use strict";

  var t = T.t, $ = T.$;
  var E = T.edit = {
    data: null,        /* /edit/{code}/places.json */
    byId: new Map(),   /* id → the place as the editor holds it */
    current: null,     /* the place the form shows; null for a new one */
    isNew: false,
  };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  /** An ETag as the stores keep it: without quotes or the weak prefix. */
  function bareTag(value) {
    return String(value || "").replace(/^W\//, "").replace(/"/g, "");
  }

  function answer(r) {
    return r.text().then(function (text) {
      var body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch (e) {
        body = null;
      }
      return {
        ok: r.ok, status: r.status, body: body,
        etag: bareTag(r.headers.get("ETag")), location: r.headers.get("Location"),
      };
    });
  }

  /** A request with the session cookie; `etag` adds If-Match. Network failures become status 0. */
  E.send = function (method, url, body, etag) {
    var headers = { Accept: "application/json, application/problem+json" };
    if (method !== "GET") {
      headers["X-CSRF-Token"] = csrfToken();
      headers["Content-Type"] = "application/json";
    }
    if (etag) headers["If-Match"] = '"' + bareTag(etag) + '"';
    var init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) init.body = JSON.stringify(body);
    return fetch(url, init).then(answer, function () {
      return { ok: false, status: 0, body: null, etag: "", location: null };
    });
  };

  E.get = function (url) {
    return E.send("GET", url);
  };

  /** What went wrong, in the person's words, from a refused answer. */
  E.problemText = function (res) {
    var detail = res.body && res.body.detail ? String(res.body.detail) : "";
    switch (res.status) {
      case 0: return t("The service could not be reached. Check the connection and try again.");
      case 401: return t("You are no longer signed in. Please sign in again.");
      case 403: return t("You may not change this.") + (detail ? " (" + detail + ")" : "");
      case 412: return t("Someone else changed this place after you opened it. The current version is shown now: please make your change again.");
      case 422: return t("Not saved: {detail}", { detail: detail });
      case 428: return t("Not saved: the version read was not sent. Please reload the page.");
      default: return t("Not saved (error {status}). Please try again.", { status: res.status }) + (detail ? " " + detail : "");
    }
  };

  /** A message for everyone, read out by screen readers (role=status). */
  E.say = function (text) {
    $("message").textContent = "";
    window.setTimeout(function () { $("message").textContent = text; }, 30);
  };

  /* Labels looked up by a value: literal msgids, so the catalogue test sees each one used. */
  E.labels = {
    status: { active: t("status:active"), paused: t("status:paused"), closed: t("status:closed") },
    precision: { exact: t("precision:exact"), town: t("precision:town") },
    kind: { gathering: t("kind:gathering"), venue: t("kind:venue") },
    action: {
      create: t("action:create"), update: t("action:update"), verify: t("action:verify"),
      restore: t("action:restore"), close: t("action:close"),
    },
    via: { editor: t("via:editor"), api: t("via:api"), "import": t("via:import") },
    weekday: [t("weekday:0"), t("weekday:1"), t("weekday:2"), t("weekday:3"), t("weekday:4"), t("weekday:5"), t("weekday:6")],
    week: { 1: t("week:1"), 2: t("week:2"), 3: t("week:3"), 4: t("week:4"), 5: t("week:5"), "-1": t("week:-1") },
  };

  /** A label from one of the tables above; the value itself when the table lacks it. */
  E.label = function (table, value) {
    var found = E.labels[table][value];
    return found === undefined ? String(value) : found;
  };

  /** The label of a category in the page's language. */
  E.categoryLabel = function (slug) {
    var cat = (E.data && E.data.categories || []).filter(function (c) { return c.slug === slug; })[0];
    if (!cat) return slug;
    return T.lang === "en" ? cat.label_en || cat.label_ja : cat.label_ja;
  };

  E.areaNames = function (ids) {
    var names = [];
    (ids || []).forEach(function (id) {
      var a = E.areaById && E.areaById.get(id);
      if (a) names.push(a.name);
    });
    return names;
  };
})(window.Tsudoi);
