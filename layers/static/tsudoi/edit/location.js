/* Tsudoi editor: where the open place is. Its pin can be dragged, the map tapped, the latitude
 * and longitude typed, or a town chosen by name (which places it at the town's point and marks
 * it "shown at its town", for a salon in a private home) — so no step needs a mouse. */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$, el = T.el;
  var pin = null;

  function icon(town) {
    return L.divIcon({
      className: "tsd-pin edit-pin" + (town ? " tsd-town" : ""),
      html: '<span class="tsd-glyph" aria-hidden="true">●</span>',
      iconSize: L.point(44, 44),
      iconAnchor: L.point(22, 40),
    });
  }

  function round(x) {
    return Math.round(x * 1e6) / 1e6;
  }

  E.setupMap = function () {
    E.map = T.createMap({ credit: true, onTileError: function () {
      $("map-status").textContent = t("The background map could not be loaded. The pin and the form still work.");
    } });
    if (!E.map) return;
    E.map.on("click", function (e) {
      if ($("form-view").hidden || E.readOnly) return;
      E.setPin(e.latlng.lat, e.latlng.lng, { pan: false });
      E.say(t("The pin was moved to where you tapped. Save to keep it."));
    });
  };

  function labelPin() {
    var node = pin && pin.getElement();
    if (node) node.setAttribute("aria-label", E.readOnly ? t("The place's pin") : t("The place's pin: drag it to move the place"));
  }

  /** Put the open place's pin at lat/lon and write them in the fields. */
  E.setPin = function (lat, lon, opts) {
    opts = opts || {};
    $("p-lat").value = lat === null || lat === undefined ? "" : String(round(lat));
    $("p-lon").value = lon === null || lon === undefined ? "" : String(round(lon));
    if (!E.map) return;
    if (lat === null || lat === undefined || lon === null || lon === undefined) {
      if (pin) { E.map.removeLayer(pin); pin = null; }
      return;
    }
    var town = $("p-location_precision").value === "town";
    if (!pin) {
      pin = L.marker([lat, lon], {
        icon: icon(town), draggable: !E.readOnly, keyboard: true, title: t("The place's pin"),
        alt: t("The place's pin"), autoPan: true,
      }).addTo(E.map);
      pin.on("dragend", function () {
        var ll = pin.getLatLng();
        E.setPin(ll.lat, ll.lng, { pan: false });
        E.say(t("The pin was moved. Save to keep it."));
      });
      labelPin();
    } else {
      pin.setLatLng([lat, lon]);
      pin.setIcon(icon(town));
      labelPin();
    }
    if (opts.pan !== false) E.map.setView([lat, lon], Math.max(E.map.getZoom(), 15));
  };

  var overview = null; /* the listed places as dots, while no form is open */

  /** The listed places on the map (stale ones in orange, ringed); a click opens one. The list
   * is the keyboard's way to the same places, so the dots are not focus stops. */
  E.showPlaces = function (places, fit) {
    if (!E.map) return;
    if (overview) E.map.removeLayer(overview);
    overview = L.layerGroup();
    places.forEach(function (p) {
      var stale = p.stale && p.status !== "closed";
      var dot = L.circleMarker([p.lat, p.lon], {
        radius: stale ? 7 : 5, weight: 2, color: "#1a1a1a", fillOpacity: 0.9,
        fillColor: stale ? "#e8590c" : "#0b3d66", className: "edit-dot",
        bubblingMouseEvents: false, /* a click opens the place, never also moves its pin */
      });
      dot.bindTooltip(el("span", "", p.name), { direction: "top" });
      dot.on("click", function () { E.openPlace(p.id, { focus: true }); });
      overview.addLayer(dot);
    });
    if ($("form-view").hidden) overview.addTo(E.map);
    if (fit && places.length) {
      E.map.fitBounds(L.latLngBounds(places.map(function (p) { return [p.lat, p.lon]; })), { padding: [20, 20], maxZoom: 15 });
    }
  };

  /** Dots while the list shows, the pin alone while a form is open. */
  E.showOverview = function (shown) {
    if (!E.map || !overview) return;
    if (shown) overview.addTo(E.map);
    else E.map.removeLayer(overview);
  };

  E.clearPin = function () {
    E.setPin(null, null);
  };

  /** The coordinates typed in the fields, as numbers (NaN when not a number). */
  E.readPoint = function () {
    return { lat: parseFloat($("p-lat").value), lon: parseFloat($("p-lon").value) };
  };

  function fromFields() {
    var pt = E.readPoint();
    if (isFinite(pt.lat) && isFinite(pt.lon) && Math.abs(pt.lat) <= 90 && Math.abs(pt.lon) <= 180) {
      E.setPin(pt.lat, pt.lon);
    }
  }

  function chooseTown(town) {
    $("p-location_precision").value = "town";
    E.setPin(town.lat, town.lon);
    $("town-status").textContent = t("Placed at {town}. The map will show it at its town, not the exact spot. Save to keep it.", { town: town.name });
    $("town-results").textContent = "";
  }

  /** The address field's town, at its point (the place import's rule for rows without one). */
  function fromAddress() {
    var address = $("p-address").value.trim();
    var status = $("town-status");
    if (!address) {
      status.textContent = t("Type the address first.");
      $("p-address").focus();
      return;
    }
    status.textContent = t("Searching…");
    E.get(T.config.api.locate + T.query({ address: address })).then(function (res) {
      if (!res.ok) {
        status.textContent = res.status === 422 && res.body
          ? t("The address was not placed: {detail}", { detail: res.body.detail })
          : E.problemText(res);
        return;
      }
      chooseTown({ name: res.body.town, lat: res.body.lat, lon: res.body.lon });
    });
  }

  function findTowns() {
    var q = $("town-q").value.trim();
    var status = $("town-status");
    var list = $("town-results");
    list.textContent = "";
    if (!q) {
      status.textContent = t("Type part of the town's name.");
      return;
    }
    status.textContent = t("Searching…");
    T.getJson(T.config.api.towns + T.query({ q: q, limit: 8 })).then(function (towns) {
      status.textContent = towns.length ? t("{n} town(s) found: choose one.", { n: towns.length }) : t("No town of that name.");
      towns.forEach(function (town) {
        var li = el("li");
        var b = el("button", "action-button town-button", town.area ? town.name + "（" + town.area + "）" : town.name);
        b.type = "button";
        b.addEventListener("click", function () { chooseTown(town); $("p-lat").focus(); });
        li.appendChild(b);
        list.appendChild(li);
      });
    }).catch(function () {
      status.textContent = t("The towns could not be searched. Please try again.");
    });
  }

  E.wireLocation = function () {
    $("p-lat").addEventListener("change", fromFields);
    $("p-lon").addEventListener("change", fromFields);
    $("p-location_precision").addEventListener("change", fromFields);
    $("town-find").addEventListener("click", findTowns);
    $("address-locate").addEventListener("click", fromAddress);
    $("town-q").addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        findTowns();
      }
    });
  };
})(window.Tsudoi);
