/* Tsudoi residents' map: the city's areas — outlines and names on the map, the two area menus,
 * and the contacts (advice desks) of the area chosen or of the point "near me" lies in. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$, el = T.el;
  var lastArea = null; /* the area whose contacts are shown, to ask again only on a change */

  M.areaName = function (a) {
    return a ? a.name : "";
  };

  /** The areas from the API: sorted wider first then by name, indexed, offered in the menus. */
  M.setAreas = function (collection) {
    D.areas = collection.features.map(function (f) { return f.properties; });
    D.areas.sort(function (a, b) { return a.level - b.level || T.collator.compare(a.name, b.name); });
    D.areas.forEach(function (a) { D.areaById.set(a.id, a); });
    fillAreaSelect($("area-filter"), true);
    fillAreaSelect($("near-area"), false);
    $("area-filter").value = D.areaById.has(S.area) ? S.area : "";
    drawAreas(collection);
    lastArea = null;
  };

  function areaLabelFor(a) {
    var node = el("span", "tsd-area-name", a.name);
    return L.divIcon({ className: "tsd-area-label tsd-area-l" + a.level, html: node, iconSize: null });
  }

  function drawAreas(collection) {
    var map = M.map;
    if (!map) return;
    L.geoJSON(collection, {
      interactive: false,
      style: function (f) {
        var level = f.properties.level;
        return level <= 1
          ? { color: "#343a40", weight: 3, opacity: 0.8, fill: false, interactive: false }
          : { color: "#495057", weight: 1.5, opacity: 0.8, dashArray: "6 5", fill: false, interactive: false };
      },
    }).addTo(map);
    collection.features.forEach(function (f) {
      var pt = f.properties.label_point;
      if (!pt) return;
      L.marker([pt[1], pt[0]], {
        icon: areaLabelFor(f.properties),
        interactive: false,
        keyboard: false,
        pane: "areaLabels",
      }).addTo(map);
    });
    M.updateAreaLabels();
  }

  /** Wide views name the wider areas only (the stylesheet reads these classes). */
  M.updateAreaLabels = function () {
    var map = M.map;
    if (!map) return;
    var container = map.getContainer();
    var zoom = map.getZoom();
    container.classList.toggle("tsd-zoom-wide", zoom < 13);
    container.classList.toggle("tsd-zoom-close", zoom >= 13);
  };

  /** Area options grouped by their parent (a ward and its daily-living areas). */
  function fillAreaSelect(select, withWhole) {
    var children = new Map();
    var roots = [];
    D.areas.forEach(function (a) {
      if (a.parent && D.areaById.has(a.parent)) {
        if (!children.has(a.parent)) children.set(a.parent, []);
        children.get(a.parent).push(a);
      } else {
        roots.push(a);
      }
    });
    roots.forEach(function (root) {
      var kids = children.get(root.id) || [];
      if (!kids.length) {
        select.appendChild(new Option(root.name, root.id));
        return;
      }
      var group = document.createElement("optgroup");
      group.label = root.name;
      group.appendChild(new Option(withWhole ? t("{area} (all of it)", { area: root.name }) : root.name, root.id));
      kids.forEach(function (k) { group.appendChild(new Option(k.name, k.id)); });
      select.appendChild(group);
    });
  }

  function renderContacts(found, title) {
    var box = $("contacts");
    var body = $("contacts-body");
    body.textContent = "";
    var withContacts = found.filter(function (a) { return a.contacts && a.contacts.length; });
    if (!withContacts.length) {
      box.hidden = true;
      return;
    }
    /* folded to one line above the list (one tap opens it), so the list stays where it was */
    $("contacts-where").textContent = t("({areas})", { areas: withContacts.map(M.areaName).join(" / ") });
    if (title) body.appendChild(el("p", "contacts-for", title));
    withContacts.forEach(function (a) {
      body.appendChild(el("h3", "contacts-area", a.name));
      if (a.demo) body.appendChild(el("p", "demo-badge", t("Demo data (デモ用の仮データ)")));
      var list = el("ul", "contact-list");
      a.contacts.forEach(function (c) {
        var item = el("li", "contact");
        item.appendChild(el("p", "contact-role", c.role));
        item.appendChild(el("p", "contact-name", c.name));
        if (c.phone) item.appendChild(M.telLink(c.phone, t("Call {name}", { name: c.name })));
        if (c.hours) item.appendChild(el("p", "contact-hours", t("Hours: {hours}", { hours: c.hours })));
        if (c.address) item.appendChild(el("p", "contact-address", c.address));
        list.appendChild(item);
      });
      body.appendChild(list);
    });
    box.hidden = false;
  }

  /** An area and the areas it lies in, widest first: every desk a resident there may ask. */
  function contactsForArea(id) {
    var chain = [];
    var a = D.areaById.get(id);
    while (a) {
      chain.unshift(a);
      a = a.parent ? D.areaById.get(a.parent) : null;
    }
    return chain;
  }

  /** The point's areas as the server finds them; the filter's area; else none. */
  M.refreshContacts = function () {
    if (!S.point) {
      renderContacts(S.area ? contactsForArea(S.area) : [], "");
      return Promise.resolve();
    }
    var asked = S.point;
    return T.getJson(T.config.api.areas_at + T.query({ lat: asked.lat, lon: asked.lon }))
      .catch(function (err) {
        /* refused (a point the server cannot place): no areas; a failed request: say nothing */
        if (err.status) return [];
        throw err;
      })
      .then(function (found) {
        if (S.point !== asked) return;
        if (!found.length) {
          renderContacts([], "");
          $("near-status").textContent = t("This point is outside the city's areas.");
          return;
        }
        renderContacts(found, t("Areas containing {where}: {areas}", {
          where: asked.label,
          areas: found.map(M.areaName).join(" / "),
        }));
      })
      .catch(function () { renderContacts([], ""); });
  };

  /** After each update: the area filter's contacts, asked only when the area changed. */
  M.refreshContactsIfArea = function () {
    if (lastArea !== S.area) {
      lastArea = S.area;
      if (!S.point) M.refreshContacts();
    }
  };
})(window.Tsudoi);
