"""The residents' map at a desktop's and a phone's size: what the first view offers, and where a
choice takes the resident — a town in the URL or chosen through the town search centres the map at
street level, brings the nearest place with its walking time into view, puts the choice in the URL
and restores it; the area's contacts are one tap away. axe-core checks each state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import Server, Watch, expected_errors, open_context, watch_page
from tests.browser.test_map_page import open_disclosure, run_axe, shot

pytestmark = pytest.mark.browser

CITY = "15100"
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}

# Is an element inside the viewport and the thing actually seen at its middle (not under the
# sheet, a header or another box)?
IN_VIEW = """(node) => {
  const r = node.getBoundingClientRect();
  if (r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
    return false;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && (node === hit || node.contains(hit));
}"""


@pytest.fixture(params=list(SIZES))
def sized(request: Any, browser: Any, server: Server) -> Iterator[tuple[Any, str]]:
    """A page at 1366×800 or at a phone's 390×844; nothing leaves 127.0.0.1, no errors."""
    watch = Watch()
    size = request.param
    options: dict[str, Any] = {"viewport": SIZES[size]}
    if size == "phone":
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context = open_context(browser, watch, **options)
    page = context.new_page()
    watch_page(page, watch)
    yield page, size
    context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


def _open(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/map/{CITY}{query}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=30000)


def _town(server: Server, name: str) -> dict[str, Any]:
    """The town of that exact name the service lists first (関屋 is in 中央区 and in 西区)."""
    found = server.api(f"/api/cities/{CITY}/towns", q=name, limit=50)
    town: dict[str, Any] = next(t for t in found if t["name"] == name)
    return town


def _nearest(server: Server, town: dict[str, Any]) -> dict[str, Any]:
    near: dict[str, Any] = server.api("/api/places/nearby", lat=town["lat"], lon=town["lon"],
                                      city=CITY, limit=1)["features"][0]
    return near


def _assert_nearest_in_view(page: Any, nearest: dict[str, Any]) -> None:
    """The nearest place first in the list, its name and walking time where the eye is."""
    page.wait_for_selector("#place-list .place-walk")
    first = page.locator("#place-list > li").first
    assert first.locator("button").get_attribute("data-id") == nearest["id"]
    minutes = nearest["properties"]["walking_min"]
    walk = first.locator(".place-walk")
    assert f"徒歩約{minutes}分" in walk.inner_text()
    assert first.locator(".place-name").inner_text() == nearest["properties"]["name"]
    page.wait_for_function(f"() => ({IN_VIEW})(document.querySelector('#place-list .place-walk'))")
    assert first.locator(".place-name").evaluate(IN_VIEW)


def _assert_map_at(page: Any, town: dict[str, Any]) -> None:
    """Street level, with the town's point on the map."""
    zoom, inside = page.evaluate(
        "([lat, lon]) => { const m = Tsudoi.map.map;"
        " return [m.getZoom(), m.getBounds().contains([lat, lon])]; }",
        [town["lat"], town["lon"]])
    assert zoom >= 15 and inside


def test_the_first_view_shows_places_to_pick(
    sized: tuple[Any, str], server: Server, axe_source: str, artifacts: Path
) -> None:
    page, size = sized
    _open(page, server)
    name = page.locator("#place-list .place-name").first
    assert name.evaluate(IN_VIEW), f"the first place is not in view at {size}"
    if size == "phone":
        header = page.locator(".site-header").bounding_box()
        notice = page.locator("#demo-notice").bounding_box()
        assert header["height"] <= 60 and notice["height"] <= 50  # compact, one line
        page.locator("#demo-notice summary").click()
        assert page.locator("#demo-notice").bounding_box()["height"] > notice["height"]
        map_box = page.locator("#map").bounding_box()
        panel = page.locator("#panel").bounding_box()
        assert panel["y"] - map_box["y"] >= 200, "the map keeps a share of the screen"
    shot(page, artifacts, f"first-view-{size}")
    assert run_axe(page, axe_source) == []


def test_a_town_in_the_url_centres_the_map_and_brings_the_nearest_place(
    sized: tuple[Any, str], server: Server, axe_source: str, artifacts: Path
) -> None:
    page, size = sized
    town = _town(server, "関屋")
    nearest = _nearest(server, town)
    _open(page, server, "?town=関屋")
    _assert_nearest_in_view(page, nearest)
    _assert_map_at(page, town)
    query = parse_qs(urlsplit(page.url).query)
    assert query["town"] == ["関屋"]
    lat, lon = (float(v) for v in query["near"][0].split(","))
    assert lat == pytest.approx(town["lat"], abs=1e-5)
    assert lon == pytest.approx(town["lon"], abs=1e-5)
    shot(page, artifacts, f"town-url-{size}")
    assert run_axe(page, axe_source) == []
    # the shared link (near= and town=) gives the same view
    page.goto(page.url)
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=30000)
    _assert_nearest_in_view(page, nearest)
    assert "関屋" in page.locator("#near-label").inner_text()


def test_choosing_a_town_through_the_search(
    sized: tuple[Any, str], server: Server, axe_source: str, artifacts: Path
) -> None:
    page, size = sized
    every = server.api(f"/api/cities/{CITY}/towns", q="関屋", limit=5000)
    town = _town(server, "関屋")
    nearest = _nearest(server, town)
    _open(page, server)
    open_disclosure(page, "#near")
    page.fill("#town-q", "関屋")
    page.click("#town-form button[type=submit]")
    page.wait_for_selector("#town-results button")
    # every match, grouped by ward, 丁目 in natural order
    buttons = page.locator("#town-results button")
    assert buttons.count() == len(every) == 27
    assert page.locator("#town-results .town-group-name").all_inner_texts() == ["中央区", "西区"]
    names = buttons.all_inner_texts()
    assert names.index("関屋松波町一丁目") + 1 == names.index("関屋松波町二丁目")
    assert str(len(every)) in page.locator("#town-status").inner_text()
    assert run_axe(page, axe_source) == []
    page.locator("#town-results .town-group").first.get_by_role(
        "button", name="関屋", exact=True).click()
    _assert_nearest_in_view(page, nearest)
    page.wait_for_function("(id) => document.activeElement.dataset.id === id", arg=nearest["id"])
    _assert_map_at(page, town)
    assert parse_qs(urlsplit(page.url).query)["town"] == ["関屋"]
    # the area's desks: a folded line above the list, one tap away
    summary = page.locator("#contacts > summary")
    summary.wait_for()
    assert summary.evaluate(IN_VIEW)
    assert page.locator("#contacts a[href^='tel:']").first.is_hidden()
    summary.click()
    assert page.locator("#contacts a[href^='tel:']").first.is_visible()
    shot(page, artifacts, f"town-search-{size}")
    assert run_axe(page, axe_source) == []
    # back: the list as it was before the choice
    page.go_back()
    page.wait_for_function("() => !document.querySelector('#place-list .place-walk')")
    assert "town=" not in page.url
