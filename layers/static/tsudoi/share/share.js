/* Tsudoi share page: as the web staff choose kinds, area, size, language and layout, the preview,
 * the iframe code, the link and the QR code follow. The addresses and the code are written as
 * service/routes/embed.py writes them (ShareChoice, iframe_snippet) for the page's first view and
 * for a browser without scripts; tests/browser/test_embed.py holds the two to the same text. */
(function (T) {
  "use strict";

  var $ = T.$, t = T.t;
  var share = T.config.share;
  var code = T.config.city.code;
  var form = $("share-form");
  var DEBOUNCE_MS = 250; /* typing "600" should not load the preview at 6 and at 60 */
  var timer = null;

  function size(value, name) {
    var bounds = share.sizes[name]; /* least, most, default */
    var n = parseInt(value, 10);
    return isNaN(n) ? bounds[2] : Math.min(bounds[1], Math.max(bounds[0], n));
  }

  function checked(name) {
    return form.querySelector('input[name="' + name + '"]:checked').value;
  }

  /** The form's choices; every kind ticked, or none, is "every kind" (no filter). */
  function choice() {
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="category"]'));
    var ticked = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    return {
      categories: ticked.length === boxes.length ? [] : ticked,
      area: $("share-area").value,
      width: size($("share-width").value, "width"),
      height: size($("share-height").value, "height"),
      lang: checked("map_lang"),
      view: checked("view"),
    };
  }

  function filters(c) {
    var params = new URLSearchParams();
    if (c.categories.length) params.set("category", c.categories.join(","));
    if (c.area) params.set("area", c.area);
    if (c.lang !== "ja") params.set("lang", c.lang);
    return params;
  }

  function withQuery(path, params) {
    var query = params.toString();
    return path + (query ? "?" + query : "");
  }

  function embedUrl(c) {
    var params = filters(c);
    if (c.view !== "both") params.set("view", c.view);
    return share.base + withQuery("/embed/" + code, params);
  }

  function snippet(c) {
    var e = T.escapeHtml;
    return '<iframe src="' + e(embedUrl(c)) + '" title="' + e(share.titles[c.lang]) +
      '" width="' + c.width + '" height="' + c.height +
      '" style="border:0;max-width:100%" allow="geolocation" loading="lazy"></iframe>';
  }

  function update() {
    var c = choice();
    var link = share.base + withQuery("/map/" + code, filters(c));
    var qr = withQuery("/share/" + code + "/qr.svg", filters(c));
    $("snippet").value = snippet(c);
    $("share-link").value = link;
    $("open-link").href = link;
    $("qr").src = qr;
    $("qr").alt = t("QR code of the link: {url}", { url: link });
    $("qr-download").href = qr;
    $("print-sheet").href = withQuery("/print/" + code, filters(c));
    $("print-sheet-line").hidden = !c.area; /* a sheet is made for one area */
    var frame = $("preview");
    frame.width = String(c.width);
    frame.height = String(c.height);
    if (frame.getAttribute("src") !== embedUrl(c)) frame.src = embedUrl(c);
    /* a reload, or the address sent to a colleague, shows the same choices */
    var query = new URLSearchParams(new FormData(form)).toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, DEBOUNCE_MS);
  }

  /** Copy a field: the clipboard where the browser allows it, else select it for Ctrl+C. */
  function copy(button) {
    var field = $(button.getAttribute("data-copy"));
    var status = $(button.id + "-status");
    function selectIt() {
      field.focus();
      field.select();
    }
    function fallback() {
      selectIt();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      status.textContent = ok ? t("Copied.") : t("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(function () {
        status.textContent = t("Copied.");
      }, fallback);
    } else {
      fallback();
    }
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    window.clearTimeout(timer);
    update();
  });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (b) {
    b.addEventListener("click", function () { copy(b); });
  });
  T.setReady("true");
})(window.Tsudoi);
