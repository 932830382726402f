/* Tsudoi: what the residents' map and the coordinators' page share, on one namespace,
 * window.Tsudoi — the page config, labels, DOM, number and date helpers, JSON requests, text
 * folding for search and the Leaflet basemap.
 *
 * Plain JS, no build step, CSP-safe: no inline scripts or handlers, no eval, and every text that
 * comes from data is put in the page with textContent, never as HTML. Pages load it with `defer`
 * after Leaflet and before their own deferred scripts, which run in document order and find
 * everything here.
 */
(function () {
  "use strict";

  /* The config is JSON in a <script type="application/json"> block: |tojson escapes < > & so it
     cannot close its block, and JSON.parse (not eval) reads it. */
  var config = JSON.parse(document.getElementById("tsudoi-config").textContent);
  var labels = config.messages || {};
  var lang = config.lang === "en" ? "en" : "ja";
  var locale = lang === "en" ? "en-GB" : "ja-JP";

  /* ---------------------------------------------------------------- labels */

  /** A label from the catalogue (layers/locale), with {name} placeholders filled in. */
  function t(id, values) {
    var text = Object.prototype.hasOwnProperty.call(labels, id) ? labels[id] : id;
    if (values) {
      Object.keys(values).forEach(function (key) {
        text = text.split("{" + key + "}").join(String(values[key]));
      });
    }
    return text;
  }

  /* ---------------------------------------------------------------- small DOM helpers */

  function $(id) {
    return document.getElementById(id);
  }

  /** An element with a class and text; text is always text, never HTML. */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** For the few HTML strings Leaflet takes (icons, the map's credit line). */
  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function isHttpUrl(url) {
    return typeof url === "string" && /^https?:\/\/[^\s]+$/i.test(url);
  }

  /** The page's state for tests and bench/bench_map_load.py: "true" once shown, "error" … */
  function setReady(value) {
    document.documentElement.setAttribute("data-ready", value);
  }

  /** A point on the page's timeline (performance marks), for bench/bench_map_load.py. */
  function mark(name) {
    if (window.performance && performance.mark) performance.mark(name);
  }

  /* ---------------------------------------------------------------- numbers and dates */

  /* Japanese names sort by their code points unless a collator knows better; numeric so that
     第2 comes before 第10. */
  var collator = new Intl.Collator("ja", { numeric: true });
  var numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });

  /** A whole number with the language's grouping; a dash for a figure nobody knows. */
  function whole(n) {
    return n === null || n === undefined ? "—" : numberFormat.format(Math.round(n));
  }

  function percent(share) {
    return share === null || share === undefined ? "—" : t("{n}%", { n: (share * 100).toFixed(1) });
  }

  function metres(m) {
    return m === null || m === undefined ? "—" : t("{m} m", { m: whole(m) });
  }

  /* Dates from the API are calendar days (ISO, no time): formatted in UTC so no time zone can
     move them to the day before. */
  var dateFormats = {
    long: new Intl.DateTimeFormat(locale, {
      year: "numeric", month: "long", day: "numeric", weekday: "short", timeZone: "UTC",
    }),
    day: new Intl.DateTimeFormat(locale, {
      year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
    }),
    short: new Intl.DateTimeFormat(locale, {
      month: "long", day: "numeric", weekday: "short", timeZone: "UTC",
    }),
  };

  /** An ISO date ("2025-04-07") as the language writes it: "long", "day" or "short". */
  function formatDate(text, style) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text || "");
    if (!m) return text;
    return dateFormats[style || "long"].format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  }

  /* ---------------------------------------------------------------- colour contrast */

  /** WCAG 2.2 relative luminance of a #rgb or #rrggbb colour. */
  function luminance(hex) {
    var h = String(hex).replace("#", "");
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    return [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }).reduce(function (sum, c, i) { return sum + c * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }

  /** The contrast ratio of two colours (1 to 21). */
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /** Ink or white, whichever reads better on a background colour. */
  function textOn(background) {
    return contrast("#1a1a1a", background) >= contrast("#ffffff", background) ? "#1a1a1a" : "#ffffff";
  }

  /* ---------------------------------------------------------------- requests */

  /**
   * GET JSON. A plain request (no custom headers), so the one the page preloads is the one used;
   * a refusal is an Error carrying the HTTP status, for pages that say "not available" on 404.
   */
  function getJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) {
        var err = new Error(url + " answered " + r.status);
        err.status = r.status;
        throw err;
      }
      return r.json();
    });
  }

  /** A query string ("?a=1&b=2") from an object, values as text. */
  function query(params) {
    var search = new URLSearchParams();
    Object.keys(params).forEach(function (k) { search.set(k, String(params[k])); });
    return "?" + search.toString();
  }

  /* ---------------------------------------------------------------- text folding for search */

  /*
   * The same folding as geo/text.py fold(): NFKC, lower case, katakana to hiragana, spaces and
   * dashes dropped, so 'ｻﾛﾝ', 'サロン' and 'さろん' all find a サロン. The residents' list is
   * searched here, in the page, and not by asking the server: the page already holds every place,
   * so each key press narrows the list at once (no request, no waiting on a slow line), and the
   * search also reads the names of the areas a place lies in, which the page has joined. One
   * copy: tests/browser/test_common_js.py checks it against geo/text.py on tricky strings.
   * The class below is Python's \s spelled out: JS's \s differs (it has U+FEFF, lacks U+001C–
   * U+001F and U+0085).
   */
  var FOLD_DROP = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000・･\-‐－ー―]+/g;

  function fold(text) {
    if (!text) return "";
    var s = String(text).normalize("NFKC").toLowerCase();
    var out = "";
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      out += c >= 0x30a1 && c <= 0x30f6 ? String.fromCharCode(c - 0x60) : s.charAt(i);
    }
    return out.replace(FOLD_DROP, "");
  }

  /* ---------------------------------------------------------------- the basemap */

  /** The basemap's credit as HTML for Leaflet's attribution line: escaped, linked if http(s). */
  function attributionHtml(basemap) {
    if (!basemap.attribution) return "";
    var text = escapeHtml(basemap.attribution);
    return isHttpUrl(basemap.attribution_url)
      ? '<a href="' + escapeHtml(basemap.attribution_url) + '" rel="noopener">' + text + "</a>"
      : text;
  }

  /**
   * A Leaflet map in #map over the deployment's basemap (config.basemap, tiles from the one host
   * the CSP allows, or none), framed on the city. Zoom buttons are titled in the page's language;
   * `zoomSnap` (default 1) lets a page frame its areas more closely;
   * each page adds its own attribution control. Options: `credit` puts the basemap's credit on
   * the map (else the page's "Sources" list alone gives it); `onTileError` is called once when
   * tiles fail, so the page can say its list still works. Null when Leaflet did not load.
   */
  function createMap(options) {
    if (!window.L) return null;
    options = options || {};
    var basemap = config.basemap || {};
    var maxZoom = basemap.max_zoom || 18;
    var map = L.map("map", {
      zoomControl: false, keyboard: true, attributionControl: false, maxZoom: maxZoom,
      zoomSnap: options.zoomSnap || 1, /* fractional: a city's outline fills the map */
    });
    L.control.zoom({ zoomInTitle: t("Zoom in"), zoomOutTitle: t("Zoom out") }).addTo(map);
    if (basemap.url) {
      var warned = false;
      L.tileLayer(basemap.url, {
        maxZoom: maxZoom,
        attribution: options.credit ? attributionHtml(basemap) : "",
        crossOrigin: false,
      }).on("tileerror", function () {
        if (warned || !options.onTileError) return;
        warned = true;
        options.onTileError();
      }).addTo(map);
    }
    /* the city's outline from the server; Japan as a whole when the city has none */
    if (config.bounds) map.fitBounds(config.bounds);
    else map.setView([36.5, 138], 5);
    return map;
  }

  window.Tsudoi = {
    config: config,
    lang: lang,
    t: t,
    $: $,
    el: el,
    escapeHtml: escapeHtml,
    isHttpUrl: isHttpUrl,
    setReady: setReady,
    mark: mark,
    collator: collator,
    whole: whole,
    percent: percent,
    metres: metres,
    formatDate: formatDate,
    getJson: getJson,
    query: query,
    fold: fold,
    createMap: createMap,
    contrast: contrast,
    textOn: textOn,
  };
})();
