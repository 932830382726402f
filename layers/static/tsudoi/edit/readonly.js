/* Tsudoi editor: the view-only mode. The city's viewer reads every place and every area's
 * contacts, internal fields too, and changes nothing; rather than an empty editor they see the
 * same forms, read-only. The server marks the page (body class "read-only", the notice at the
 * top, config.me.read_only) and edit.css hides every control marked data-write there, the
 * buttons that add, save, restore or remove, so nothing here has to chase them. What is left
 * is the fields: text fields become `readonly` (still focusable, read out with their labels);
 * selects, checkboxes and radios, which have no read-only state, become `disabled`. The write
 * API refuses a viewer whatever the page does. */
(function (T) {
  "use strict";

  var E = T.edit;

  E.readOnly = !!(T.config.me && T.config.me.read_only);

  /** Make every field under `root` unchangeable, when the page is view-only (else nothing). */
  E.lock = function (root) {
    if (!E.readOnly || !root) return;
    Array.prototype.forEach.call(root.querySelectorAll("input, textarea, select"), function (field) {
      if (field.tagName === "SELECT" || field.type === "checkbox" || field.type === "radio") {
        field.disabled = true;
      } else {
        field.readOnly = true;
      }
    });
  };
})(window.Tsudoi);
