/* Tsudoi: the printed sheet's "Print this sheet" button (shown only where scripts run; the
   browser's own print command does the same). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("print-sheet");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
