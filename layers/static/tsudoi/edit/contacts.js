/* Tsudoi editor: an area's contacts (who residents call: its 地域包括支援センター, coordinator …),
 * saved with PATCH /api/areas/{id} and the area's ETag. Only the areas the person may change are
 * offered; to the city's viewer, every area's, read-only. */
(function (T) {
  "use strict";

  var E = T.edit;
  var t = T.t, $ = T.$, el = T.el;
  var seq = 0;
  var FIELDS = [
    ["role", t("Role (e.g. 地域包括支援センター)")], ["name", t("Name")], ["phone", t("Phone")],
    ["fax", t("Fax")], ["email", t("Email")], ["address", t("Address")],
    ["hours", t("Opening hours")], ["url", t("Website")],
  ];

  function area() {
    return E.areaById.get($("contact-area").value) || null;
  }

  function row(contact) {
    var n = ++seq;
    var fs = el("fieldset", "contact-row");
    fs.appendChild(el("legend", "contact-legend"));
    FIELDS.forEach(function (f) {
      var box = el("div", "field");
      var label = el("label", "field-label", f[1]);
      label.htmlFor = "c-" + f[0] + "-" + n;
      var input = el("input");
      input.type = f[0] === "email" ? "email" : f[0] === "phone" || f[0] === "fax" ? "tel" : f[0] === "url" ? "url" : "text";
      input.id = "c-" + f[0] + "-" + n;
      input.setAttribute("data-key", f[0]);
      input.value = contact[f[0]] || "";
      box.appendChild(label);
      box.appendChild(input);
      fs.appendChild(box);
    });
    var remove = el("button", "text-button contact-remove");
    remove.type = "button";
    remove.setAttribute("data-write", "");
    remove.addEventListener("click", function () {
      fs.remove();
      renumber();
      $("contact-add").focus();
    });
    fs.appendChild(remove);
    return fs;
  }

  function renumber() {
    Array.prototype.forEach.call($("contact-rows").querySelectorAll(".contact-row"), function (fs, i) {
      fs.querySelector(".contact-legend").textContent = t("Contact {n}", { n: i + 1 });
      fs.querySelector(".contact-remove").textContent = t("Remove contact {n}", { n: i + 1 });
    });
  }

  function show() {
    var a = area();
    var rows = $("contact-rows");
    rows.textContent = "";
    $("contacts-form").hidden = !a;
    if (!a) return;
    a.contacts.forEach(function (c) { rows.appendChild(row(c)); });
    renumber();
    E.lock(rows);
    if (E.readOnly && !a.contacts.length) $("contacts-status").textContent = t("No contact is recorded for this area.");
  }

  function read() {
    return Array.prototype.map.call($("contact-rows").querySelectorAll(".contact-row"), function (fs) {
      var c = {};
      Array.prototype.forEach.call(fs.querySelectorAll("input"), function (i) {
        var v = i.value.trim();
        c[i.getAttribute("data-key")] = v === "" ? null : v;
      });
      return c;
    });
  }

  E.renderContacts = function () {
    var select = $("contact-area");
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    E.data.areas.filter(function (a) { return a.may_write || E.readOnly; }).forEach(function (a) {
      var o = el("option", "", a.name);
      o.value = a.id;
      select.appendChild(o);
    });
    $("contacts").hidden = select.options.length <= 1;
    select.value = E.areaById.has(keep) ? keep : "";
    show();
  };

  function save() {
    var a = area();
    if (!a) return;
    var contacts = read();
    var missing = contacts.findIndex(function (c) { return !c.role || !c.name; });
    if (missing >= 0) {
      $("contacts-status").textContent = t("Contact {n} needs a role and a name.", { n: missing + 1 });
      return;
    }
    E.send("PATCH", T.config.api.area + encodeURIComponent(a.id), { contacts: contacts }, a.etag).then(function (res) {
      $("contacts-status").textContent = res.ok ? t("The contacts of {area} were saved.", { area: a.name }) : E.problemText(res);
      return E.load().then(show);
    });
  }

  E.wireContacts = function () {
    $("contact-area").addEventListener("change", function () {
      $("contacts-status").textContent = "";
      show();
    });
    $("contact-add").addEventListener("click", function () {
      var fs = row({});
      $("contact-rows").appendChild(fs);
      renumber();
      fs.querySelector("input").focus();
    });
    $("contacts-form").addEventListener("submit", function (e) {
      e.preventDefault();
      save();
    });
  };
})(window.Tsudoi);
