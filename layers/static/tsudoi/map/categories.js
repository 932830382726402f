/* Tsudoi residents' map: kinds of place — their labels and pins, and the legend of tick boxes
 * with a count per kind. */
(function (T) {
  "use strict";

  var M = T.map, S = M.state, D = M.data;
  var t = T.t, $ = T.$, el = T.el;
  var COLOUR = /^#[0-9a-f]{3,8}$/i;
  var GREY = "#495057";

  /** The categories from the API, checked: a colour that is not a hex colour is grey. */
  M.setCategories = function (found) {
    D.categories = found.map(function (c) {
      return {
        slug: c.slug,
        label_ja: c.label_ja,
        label_en: c.label_en,
        color: COLOUR.test(c.color || "") ? c.color : GREY,
        glyph: Array.from(c.label_ja || c.slug)[0] || "?",
        kind: c.kind,
      };
    });
    D.categories.forEach(function (c) { D.catBySlug.set(c.slug, c); });
  };

  M.categoryLabel = function (c) {
    return T.lang === "en" ? c.label_en || c.label_ja : c.label_ja || c.label_en;
  };

  /** A place's category; one the API did not list is shown grey under its slug, not dropped. */
  M.categoryOf = function (slug) {
    var found = D.catBySlug.get(slug);
    if (found) return found;
    found = { slug: slug, label_ja: slug, label_en: slug, color: GREY, glyph: "?", kind: "gathering" };
    D.catBySlug.set(slug, found);
    D.categories.push(found);
    return found;
  };

  /** A colour pin with a glyph (the category's first character): never colour alone. */
  M.pin = function (cat, extraClass) {
    var node = el("span", "pin" + (extraClass ? " " + extraClass : ""), cat.glyph);
    node.setAttribute("aria-hidden", "true");
    node.style.setProperty("--cat", cat.color);
    return node;
  };

  function gatheringSlugs() {
    return D.categories.filter(function (c) { return c.kind === "gathering"; })
      .map(function (c) { return c.slug; });
  }

  function onLayerToggle(event) {
    var slug = event.target.value;
    var shown = S.shown ? new Set(S.shown) : new Set(gatheringSlugs());
    if (event.target.checked) shown.add(slug);
    else shown.delete(slug);
    /* every kind ticked is "no filter", so the URL stays short */
    S.shown = shown.size === gatheringSlugs().length ? null : shown;
    M.update({ push: true });
  }

  /** The legend: a tick box per kind of gathering place (venues are not listed). */
  M.renderLayers = function () {
    var list = $("layer-list");
    list.textContent = "";
    D.categories.forEach(function (c) {
      if (c.kind !== "gathering") return;
      var li = el("li", "layer-item");
      var label = el("label", "layer");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = c.slug;
      box.checked = M.isShown(c.slug);
      box.addEventListener("change", onLayerToggle);
      label.appendChild(box);
      label.appendChild(M.pin(c));
      label.appendChild(el("span", "layer-label", M.categoryLabel(c)));
      var n = D.countsByCategory.get(c.slug) || 0;
      var count = el("span", "layer-count", t("{n} places", { n: n }));
      count.setAttribute("data-count", String(n));
      label.appendChild(count);
      li.appendChild(label);
      /* "only this kind", one tap, like a layer's solo in My Maps */
      var only = el("button", "text-button only-button", t("Only this"));
      only.type = "button";
      only.value = c.slug;
      /* the visible words start the name, as speech input expects: 「これだけ（通いの場）」 */
      only.appendChild(el("span", "visually-hidden", t("({areas})", { areas: M.categoryLabel(c) })));
      only.title = t("Show only {category}", { category: M.categoryLabel(c) });
      only.addEventListener("click", function () {
        S.shown = new Set([c.slug]);
        M.update({ push: true });
      });
      li.appendChild(only);
      list.appendChild(li);
    });
    $("show-all").hidden = S.shown === null;
  };

  M.updateLayerCounts = function () {
    var boxes = $("layer-list").querySelectorAll("input[type=checkbox]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.checked = M.isShown(box.value);
      var count = box.parentNode.querySelector(".layer-count");
      var n = D.countsByCategory.get(box.value) || 0;
      count.textContent = t("{n} places", { n: n });
      count.setAttribute("data-count", String(n));
    });
    $("show-all").hidden = S.shown === null;
    $("filters-state").textContent = S.shown !== null || S.area ? t("(narrowed)") : "";
  };
})(window.Tsudoi);
