"""Kinds of place at a glance on the residents' map: clusters as rings in the kinds' colours,
names above them, "only this kind" in one tap, the list grouped by kind; the card names its
source by title; every colour pair in the legends and pins meets WCAG 2.2 AA (computed here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import HOSTILE_NAME, Server
from tests.browser.test_map_page import (
    CITY,
    api_count,
    expand_list,
    goto,
    open_from_list,
    run_axe,
    shot,
)

pytestmark = pytest.mark.browser

# WCAG 2.2 contrast of two computed colours ("rgb(r, g, b)"), in the page.
CONTRAST = """() => { window.__ratio = (a, b) => {
  const lum = (s) => {
    const [r, g, b] = s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [lum(a), lum(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}; }"""


def test_clusters_are_rings_of_their_kinds_with_names_above(
    page: Any, server: Server, artifacts: Path
) -> None:
    goto(page, server, tools=False)
    clusters = page.locator(".tsd-cluster")
    assert clusters.count() > 3
    colours = {c["slug"]: c["color"].lower() for c in server.api("/api/categories")}
    for i in range(clusters.count()):
        cluster = clusters.nth(i)
        ring = cluster.locator(".tsd-pie")
        kinds = dict(k.split(":") for k in (ring.get_attribute("data-kinds") or "").split())
        assert sum(int(n) for n in kinds.values()) == int(cluster.inner_text())
        assert "conic-gradient" in ring.evaluate("n => getComputedStyle(n).backgroundImage")
        assert all(slug in colours for slug in kinds)
        label = cluster.get_attribute("aria-label") or ""
        assert all(f"{n}件" in label for n in kinds.values())
    z = page.evaluate("""() => [
        getComputedStyle(document.querySelector('.leaflet-areaLabels-pane')).zIndex,
        getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex]""")
    assert int(z[0]) > int(z[1]), "area names are drawn above clusters and pins"
    shot(page, artifacts, "clusters-rings")


def test_only_this_kind_in_one_tap_and_the_list_grouped_by_kind(
    page: Any, server: Server, axe_source: str
) -> None:
    goto(page, server)
    page.locator('#layer-list .only-button[value="dementia-cafe"]').click()
    assert "category=dementia-cafe" in page.url
    assert expand_list(page) == api_count(server, category="dementia-cafe")
    page.click("#show-all")
    page.check("#group-kind")
    assert "group=kind" in page.url
    assert page.locator("#place-list .group-heading").first.inner_text().startswith("サロン")
    total = expand_list(page)
    headings = page.locator("#place-list .group-heading").all_inner_texts()
    assert [h.split(" ")[0] for h in headings] == [
        "サロン", "地域の茶の間", "コミュニティカフェ", "認知症カフェ", "通いの場", "モデルハウス"]
    assert sum(int(h.split(" ")[-1].rstrip("件")) for h in headings) == api_count(server)
    assert total == api_count(server) + len(headings)
    assert run_axe(page, axe_source) == []
    page.reload()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    assert page.locator("#place-list .group-heading").count() > 0


def test_the_card_names_its_source_by_title_never_a_file(page: Any, server: Server) -> None:
    goto(page, server, tools=False)
    open_from_list(page, "松浜東町コミュニティカフェ")
    source = page.locator('#card-body [data-field="source"]').inner_text()
    assert source == "この地図のためのデモ用の仮データ" and ".geojson" not in source
    page.click("#card-close")
    page.fill("#search", "img src")
    page.locator("#place-list button", has_text=HOSTILE_NAME).click()
    page.wait_for_function("(name) => document.getElementById('card-title').textContent === name",
                           arg=HOSTILE_NAME)
    # its source is an id made at import (hostile-test): residents are told the city instead
    assert page.locator('#card-body [data-field="source"]').inner_text() == "新潟市の提供データ"


def test_legend_and_pin_colours_meet_wcag_aa(page: Any, server: Server) -> None:
    goto(page, server)
    page.evaluate(CONTRAST)
    pins = page.locator("#layer-list .pin").evaluate_all("""(ns) => ns.map((n) => {
        const s = getComputedStyle(n);
        return [n.textContent, __ratio(s.color, s.backgroundColor)]; })""")
    assert len(pins) == 6
    assert all(ratio >= 4.5 for _, ratio in pins), pins  # the glyph is text on the colour
    counts = page.locator(".tsd-cluster-count").evaluate_all("""(ns) => ns.map((n) => {
        const s = getComputedStyle(n); return __ratio(s.color, s.backgroundColor); })""")
    assert counts and min(counts) >= 4.5
    page.goto(f"{server.url}/coordinator/{CITY}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    page.evaluate(CONTRAST)
    swatches = page.locator(".legend .swatch").evaluate_all("""(ns) => ns.map((n) => {
        const s = getComputedStyle(n);
        return [n.textContent, __ratio(s.color, s.backgroundColor),
                __ratio(s.borderTopColor, getComputedStyle(document.body).backgroundColor)]; })""")
    assert len(swatches) == 10
    for text, ratio, edge in swatches:
        assert not text or ratio >= 4.5, (text, ratio)  # the class number on its colour
        assert edge >= 3  # the swatch's edge against the page: a shape, 3:1
