/* Tsudoi residents' map: "near me" — a point (current location, a town, an area's middle or a
 * tap on the map), the walk from it to every place, and the list sorted by that walk. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$;
  var asking = null; /* the point whose walks are on their way; a newer choice wins */

  /**
   * Walking distance and minutes from a point to every place, as the server measures them
   * (GET /api/cities/{code}/walks): along the streets where the city has a walking network,
   * the geodesic straight line where it has none, beyond 5 km, or off the network — each walk's
   * `method` says which. The page computes no distance itself, so the list, the card and the
   * API's nearby answer always agree.
   * Resolves to {method, walks: Map(id -> {distance_m, minutes, estimate})}.
   */
  function walksFrom(point) {
    /* a paged list comes sorted by distance from the server, each place with its walk */
    if (T.config.paged) return Promise.resolve({ method: "straight-line", walks: new Map() });
    return T.getJson(T.config.api.walks + T.query({ lat: point.lat, lon: point.lon }))
      .then(function (body) {
        var walks = new Map();
        Object.keys(body.walks).forEach(function (id) {
          var w = body.walks[id];
          walks.set(id, { distance_m: w.distance_m, minutes: w.walking_min, estimate: w.method !== "network" });
        });
        return { method: body.method, walks: walks };
      });
  }

  function formatDistance(m) {
    if (m < 1000) return t("{m} m", { m: Math.max(10, Math.round(m / 10) * 10) });
    return t("{km} km", { km: (m / 1000).toFixed(1) });
  }

  M.formatWalk = function (w) {
    return t("About {min} min on foot ({distance})", {
      min: w.minutes,
      distance: formatDistance(w.distance_m),
    });
  };

  /**
   * After a choice: the list from its top (the chosen point, the contacts' line, the nearest
   * places), and focus on the nearest place when the resident made the choice here.
   */
  function revealNearest(focus) {
    var top = $("near-chosen");
    var first = $("place-list").querySelector("button");
    if (top && top.scrollIntoView) top.scrollIntoView({ block: "start" });
    /* on a phone's sheet the nearest place may still be below: the least scroll that shows it */
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "nearest" });
    if (first && focus) first.focus({ preventScroll: true });
  }

  /**
   * Sort by the walk from a point; resolves once the list shows it (or the walks failed).
   * opts: town (the town's name, kept in the URL), area (an area chosen as "near me": the list
   * keeps to it), focus (move focus to the nearest place), history ("push" a step the back
   * button undoes, or "replace" when the URL asked for this point).
   */
  M.setPoint = function (lat, lon, label, opts) {
    opts = opts || {};
    var point = { lat: lat, lon: lon, label: label, town: opts.town || "" };
    asking = point;
    $("near-status").textContent = "";
    return walksFrom(point).then(function (found) {
      if (asking !== point) return;
      S.point = point;
      S.near = null;
      S.town = "";
      if (opts.area !== undefined) {
        S.area = opts.area;
        $("area-filter").value = opts.area;
      }
      D.walks = found.walks;
      D.walkMethod = found.method;
      $("near-chosen").hidden = false;
      $("near-label").textContent = t("Sorted by distance from {where}.", { where: label });
      $("near").open = false; /* the list comes up: the choice is shown above it */
      M.markHere(point);
      M.update(opts.history === "replace" ? { replace: true } : { push: true });
      M.showPoint(point);
      if (S.place) M.renderCard(D.placeById.get(S.place));
      /* the contacts' line comes above the list: shown first, so the list does not move after */
      return M.refreshContacts().then(function () {
        if (asking === point && !S.place) revealNearest(opts.focus);
      });
    }, function () {
      /* no figures the server did not give: the list keeps its order and says why */
      if (asking !== point) return;
      $("near-status").textContent = t("Walking times could not be loaded. Please try again.");
    });
  };

  function clearPoint() {
    asking = null;
    S.point = null;
    S.near = null;
    S.town = "";
    D.walks = new Map();
    $("near-chosen").hidden = true;
    $("near-area").value = "";
    M.markHere(null);
    M.update({ push: true });
    M.refreshContacts();
    $("near").open = true;
    $("near").querySelector("summary").focus();
  }

  /** The town the URL names: the one of that exact name (folded), else the first match. */
  function townNamed(name) {
    return T.getJson(T.config.api.towns + T.query({ q: name, limit: 50 })).then(function (found) {
      var key = T.fold(name);
      return found.filter(function (town) { return T.fold(town.name) === key; })[0] || found[0] || null;
    });
  }

  /**
   * The point the URL asks for (near=LAT,LON, town=NAME), at the start and on back and forward;
   * none in the URL removes the chosen point.
   */
  M.restorePoint = function () {
    var p = S.point;
    if (!S.near && !S.town) {
      if (p) {
        asking = null;
        S.point = null;
        D.walks = new Map();
        $("near-chosen").hidden = true;
        M.markHere(null);
        M.update({});
        M.refreshContacts();
      }
      return Promise.resolve();
    }
    var same = p && (p.town || "") === S.town &&
      (!S.near || (Math.abs(p.lat - S.near.lat) < 1e-5 && Math.abs(p.lon - S.near.lon) < 1e-5));
    if (same) return Promise.resolve();
    if (S.near) {
      return M.setPoint(S.near.lat, S.near.lon, S.town || t("the point in this link"),
        { town: S.town, history: "replace" });
    }
    var wanted = S.town;
    return townNamed(wanted).then(function (town) {
      if (!town) {
        $("near-status").textContent = t("No town matches {q}.", { q: wanted });
        return null;
      }
      return M.setPoint(Number(town.lat), Number(town.lon), town.name,
        { town: town.name, history: "replace" });
    }, function () {
      $("near-status").textContent = t("Town search failed. Please try again.");
    });
  };

  /**
   * Is location withheld from this page by the page that frames it? A frame on another site may
   * ask only when its iframe says allow="geolocation" (Permissions Policy); the browser then
   * refuses at once, without asking the resident.
   */
  function locationWithheld() {
    var policy = document.permissionsPolicy || document.featurePolicy;
    if (policy && typeof policy.allowsFeature === "function") return !policy.allowsFeature("geolocation");
    return false;
  }

  /** Say why there is no location, and take the resident to the town search instead. */
  function offerTownSearch(message) {
    $("near-status").textContent = message;
    for (var d = $("town-q").closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    $("town-q").focus();
  }

  function locate() {
    if (!navigator.geolocation) {
      $("near-status").textContent = t("This browser cannot tell your location. Type your town or choose your area.");
      return;
    }
    if (locationWithheld()) {
      offerTownSearch(t("This map is inside another website, which does not let it use your location. Type the name of your town instead. (For the website's staff: add {attribute} to the iframe.)", { attribute: 'allow="geolocation"' }));
      return;
    }
    $("near-status").textContent = t("Finding your location…");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        M.setPoint(pos.coords.latitude, pos.coords.longitude, t("your current location"), { focus: true });
      },
      function () {
        offerTownSearch(t("Your location could not be found. Type your town or choose your area."));
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
    );
  }

  function chooseNearArea() {
    var a = D.areaById.get($("near-area").value);
    if (!a || !a.label_point) return;
    M.setPoint(a.label_point[1], a.label_point[0], t("the middle of {area}", { area: a.name }),
      { area: a.id, focus: true });
  }

  M.wireNear = function () {
    $("locate").addEventListener("click", locate);
    $("near-area").addEventListener("change", chooseNearArea);
    $("near-clear").addEventListener("click", clearPoint);
  };
})(window.Tsudoi);
