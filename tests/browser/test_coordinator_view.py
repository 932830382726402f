"""The coordinators' page as it opens: 新潟市's 27 areas fitted and named without one label over
another, gap cells in the legend's colours, settings kept in the URL, the table a few Tab presses
from the top, cards on a phone; axe-core checks each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, Watch, expected_errors, open_context, watch_page
from tests.browser.test_map_page import run_axe

pytestmark = pytest.mark.browser

NIIGATA = "15100"
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def _open(page: Any, server: Server, code: str, query: str = "") -> None:
    page.goto(f"{server.url}/coordinator/{code}{query}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)


LABEL_BOXES = """() => [...document.querySelectorAll('.tsd-area-tip')]
  .filter((n) => getComputedStyle(n).visibility === 'visible')
  .map((n) => { const r = n.getBoundingClientRect();
                return [n.innerText, r.left, r.top, r.right, r.bottom]; })"""

FITTED = """() => {
  const m = Tsudoi.coord.map;
  const areas = Tsudoi.coord.coverage.features.filter((f) => f.properties.level === 2);
  const b = L.geoJSON({type: 'FeatureCollection', features: areas}).getBounds();
  return [m.getBounds().contains(b), m.getBoundsZoom(b) - m.getZoom()];
}"""


def test_the_opening_view_is_fitted_and_no_label_covers_another(
    page: Any, server: Server, axe_source: str, artifacts: Path
) -> None:
    page.set_viewport_size(DESKTOP)
    _open(page, server, NIIGATA)
    inside, spare = page.evaluate(FITTED)
    assert inside and spare < 0.5, "the areas fill the map at the opening view"
    boxes = page.evaluate(LABEL_BOXES)
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
            assert apart, f"{a[0]!r} overlaps {b[0]!r}"
    # every area, labelled on the map or not, is named in the table
    assert page.locator("#areas-body tr").count() == len(
        server.api(f"/api/cities/{NIIGATA}/coverage")["areas"])
    page.screenshot(path=str(artifacts / "coordinator-15100-opening.png"))
    assert run_axe(page, axe_source) == []


def test_gap_cells_are_drawn_in_the_legends_classes(page: Any, server: Server) -> None:
    page.set_viewport_size(DESKTOP)
    _open(page, server, NIIGATA)
    assert page.locator(".leaflet-marker-icon:not(.tsd-pick-icon)").count() == 0  # no pins
    legend = set(page.locator("#gap-legend .swatch").evaluate_all(
        "(ns) => ns.map((n) => n.style.getPropertyValue('--swatch').trim().toLowerCase())"))
    drawn = page.locator(".leaflet-gaps-pane path").evaluate_all(
        "(ns) => ns.map((n) => (n.getAttribute('fill') || '').toLowerCase())")
    assert len(drawn) == len(server.api(f"/api/cities/{NIIGATA}/coverage/gaps",
                                        limit=200)["features"]) > 0
    assert set(drawn) <= legend


def test_the_table_is_fewer_than_15_tab_presses_from_the_top(page: Any, server: Server) -> None:
    page.set_viewport_size(DESKTOP)
    _open(page, server, NIIGATA)
    presses = 0
    in_table = "() => !!document.activeElement.closest('#areas-table')"
    while not page.evaluate(in_table) and presses < 15:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("() => document.activeElement.classList.contains('skip-link')"):
            page.keyboard.press("Enter")  # the skip link, first on the page
    assert page.evaluate(in_table) and presses < 15, presses


def test_settings_live_in_the_url(page: Any, server: Server) -> None:
    page.set_viewport_size(DESKTOP)
    _open(page, server, "35202", "?minutes=15&speed_kmh=4&age=75&level=1&k=2")
    assert page.input_value("#minutes") == "15" and page.input_value("#speed") == "4"
    assert page.locator("input[name=age][value='75']").is_checked()
    assert page.locator("input[name=level][value='1']").is_checked()
    href = page.locator("#dl-coverage-csv").get_attribute("href") or ""
    assert "minutes=15" in href and "age=75" in href and "speed_kmh=4" in href
    page.wait_for_function("() => document.querySelectorAll('#suggest-list li').length === 2")
    page.fill("#minutes", "12")
    page.locator("#coverage-form button[type=submit]").click()
    page.wait_for_function("() => location.search.includes('minutes=12')")
    assert "k=2" in page.url and "level=1" in page.url


def test_on_a_phone_the_table_is_a_list_of_cards(
    browser: Any, server: Server, axe_source: str, artifacts: Path
) -> None:
    watch = Watch()
    context = open_context(browser, watch, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    watch_page(page, watch)
    try:
        _open(page, server, NIIGATA)
        row = page.locator("#areas-body tr").first
        assert row.evaluate("r => getComputedStyle(r).display") == "block"
        name = row.locator("th").bounding_box()
        assert name["width"] > PHONE["width"] * 0.6, "a name has the card's width, not 2 letters"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        share = row.locator('[data-key="covered_share"]')
        before = share.evaluate("n => getComputedStyle(n, '::before').content")
        assert before.strip('"') == "カバー率"
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "coordinator-15100-phone-cards.png"))
        assert run_axe(page, axe_source) == []
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []
