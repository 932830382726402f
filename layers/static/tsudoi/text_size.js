/* Tsudoi: the larger-text switch, remembered on this device. Loaded in <head> (not deferred) so
   the chosen size applies before the first paint. No data leaves the browser. */
(function () {
  "use strict";
  var KEY = "tsudoi-text-size";
  var root = document.documentElement;
  var large = false;
  try {
    large = window.localStorage.getItem(KEY) === "large";
  } catch (e) {
    large = false; /* storage blocked: the switch still works for this page */
  }
  root.classList.toggle("text-large", large);

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("text-size");
    if (!button) return;
    button.setAttribute("aria-pressed", String(large));
    button.addEventListener("click", function () {
      large = !large;
      root.classList.toggle("text-large", large);
      button.setAttribute("aria-pressed", String(large));
      try {
        window.localStorage.setItem(KEY, large ? "large" : "normal");
      } catch (e) {
        /* not remembered, still applied */
      }
      document.dispatchEvent(new CustomEvent("tsudoi:textsize"));
    });
  });
})();
