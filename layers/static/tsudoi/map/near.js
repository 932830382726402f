/* Tsudoi residents' map: "near me" — a point (current location, a town, an area's middle or a
 * tap on the map), the walk from it to every place, and the list sorted by that walk. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$;

  /** Geodesic distance in metres on the WGS84 ellipsoid (Vincenty), as the API computes it. */
  function geodesicM(lat1, lon1, lat2, lon2) {
    var a = 6378137;
    var f = 1 / 298.257223563;
    var b = a * (1 - f);
    var rad = Math.PI / 180;
    var L = (lon2 - lon1) * rad;
    var U1 = Math.atan((1 - f) * Math.tan(lat1 * rad));
    var U2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, lambdaP, iter = 200;
    var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, sinLambda, cosLambda, sinAlpha, C;
    do {
      sinLambda = Math.sin(lambda);
      cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt(
        (cosU2 * sinLambda) * (cosU2 * sinLambda) +
          (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) * (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda)
      );
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cosSqAlpha : 0;
      C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
      lambdaP = lambda;
      lambda =
        L +
        (1 - C) * f * sinAlpha *
          (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaP) > 1e-12 && --iter > 0);
    if (iter === 0) {
      /* antipodal points only; never in one city. A sphere is close enough there. */
      var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
      var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
        Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
      return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
    }
    var uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
    var A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var deltaSigma =
      B * sinSigma *
      (cos2SigmaM +
        (B / 4) *
          (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
            (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return b * A * (sigma - deltaSigma);
  }

  /**
   * Walking distance and minutes from a point to each place: THE one place that knows where
   * walking figures come from. Where the city has a walking network (T.config.walking.method is
   * "network") the walks API measures along the streets; otherwise, or if that request fails,
   * the geodesic straight line at T.config.walking.speed_m_per_min (50 m a minute, an older
   * adult's pace), marked as an estimate.
   * Returns a Promise of Map(id -> {distance_m, minutes, estimate}).
   */
  function straightFrom(point, places) {
    var speed = (T.config.walking && T.config.walking.speed_m_per_min) || 50;
    var out = new Map();
    places.forEach(function (p) {
      var d = geodesicM(point.lat, point.lon, p.lat, p.lon);
      out.set(p.id, {
        distance_m: d,
        minutes: d <= 0 ? 0 : Math.max(1, Math.ceil(d / speed)),
        estimate: true,
      });
    });
    return out;
  }

  function walkingFrom(point, places) {
    var method = (T.config.walking && T.config.walking.method) || "straight-line";
    if (method !== "network" || !T.config.api.walks) return Promise.resolve(straightFrom(point, places));
    var url = T.config.api.walks + "?lat=" + encodeURIComponent(point.lat) +
      "&lon=" + encodeURIComponent(point.lon);
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (body) {
        var fallback = straightFrom(point, places);
        var out = new Map();
        places.forEach(function (p) {
          var w = body.walks[p.id];
          out.set(p.id, w
            ? { distance_m: w.distance_m, minutes: w.walking_min, estimate: w.method !== "network" }
            : fallback.get(p.id));
        });
        return out;
      })
      .catch(function () { return straightFrom(point, places); });
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

  /** Sort by the walk from a point; resolves once the list shows it. */
  M.setPoint = function (lat, lon, label) {
    var point = { lat: lat, lon: lon, label: label };
    S.point = point;
    $("near-status").textContent = "";
    return walkingFrom(point, D.places).then(function (found) {
      D.walks = found;
      $("near-chosen").hidden = false;
      $("near-label").textContent = t("Sorted by distance from {where}.", { where: label });
      M.markHere(point);
      M.update({});
      M.refreshContacts();
      if (S.place) M.renderCard(D.placeById.get(S.place));
    });
  };

  function clearPoint() {
    S.point = null;
    D.walks = new Map();
    $("near-chosen").hidden = true;
    $("near-area").value = "";
    M.markHere(null);
    M.update({});
    M.refreshContacts();
    $("near").querySelector("summary").focus();
  }

  function locate() {
    if (!navigator.geolocation) {
      $("near-status").textContent = t("This browser cannot tell your location. Type your town or choose your area.");
      return;
    }
    $("near-status").textContent = t("Finding your location…");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        M.setPoint(pos.coords.latitude, pos.coords.longitude, t("your current location"));
      },
      function () {
        $("near-status").textContent = t("Your location could not be found. Type your town or choose your area.");
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
    );
  }

  function chooseNearArea() {
    var a = D.areaById.get($("near-area").value);
    if (!a || !a.label_point) return;
    M.setPoint(a.label_point[1], a.label_point[0], t("the middle of {area}", { area: a.name }));
  }

  M.wireNear = function () {
    $("locate").addEventListener("click", locate);
    $("near-area").addEventListener("change", chooseNearArea);
    $("near-clear").addEventListener("click", clearPoint);
  };
})(window.Tsudoi);
