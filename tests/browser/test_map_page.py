"""The residents' map in Chromium: what it shows matches the API, and residents can use it.

Counts on the page (list items; markers plus the numbers on clusters) equal the API's count for
each category; search narrows the list; a place opens its card with the right fields; a link
restores the view; the language switch, "near me", privacy for private homes, escaping, a dead
tile server and the phone layout all work; axe-core finds no violations. Screenshots are kept in
test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod

from tests.browser.conftest import (
    HOSTILE_DESCRIPTION,
    HOSTILE_NAME,
    Server,
    Watch,
    expected_errors,
    open_context,
    watch_page,
)

pytestmark = pytest.mark.browser

CITY = "15100"
GATHERING = ("salon", "chanoma", "community-cafe", "dementia-cafe", "kayoinoba", "model-house")
PHONE = {"width": 390, "height": 844}
SAMPLE_ID = "15100-places-d0003"  # 松浜東町コミュニティカフェ（デモ）
WARD = "15100-L1-15101"  # 北区
_GEOD = Geod(ellps="WGS84")


# ------------------------------------------------------------------------------ helpers


def goto(page: Any, server: Server, query: str = "", tools: bool = True) -> None:
    """Open the city's map and wait until the list and the markers are shown; with `tools`,
    open "kinds and areas" and "near me" (folded at first, so the list shows first)."""
    page.goto(f"{server.url}/map/{CITY}{query}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=20000)
    if tools and page.locator("#list-view").is_visible():  # not behind an open card
        open_disclosure(page, "#filters")
        open_disclosure(page, "#near")


def open_disclosure(page: Any, selector: str) -> None:
    """Open a folded <details> with a click on its summary, as a resident would."""
    if not page.locator(selector).evaluate("d => d.open"):
        page.locator(f"{selector} > summary").click()


def expand_list(page: Any) -> int:
    """Press 'show more' until the whole list is on the page; the number of items."""
    more = page.locator("#more")
    while more.is_visible():
        more.click()
    return int(page.locator("#place-list > li").count())


MARKER_TOTAL = """() => {
  let n = 0;
  document.querySelectorAll('.leaflet-marker-pane .tsd-pin').forEach(() => { n += 1; });
  document.querySelectorAll('.leaflet-marker-pane .tsd-cluster').forEach((c) => {
    n += Number(c.innerText.trim());
  });
  return n;
}"""


def marker_total(page: Any, expected: int) -> int:
    """Single markers plus the numbers shown on clusters, once the map has settled."""
    try:
        page.wait_for_function(f"() => ({MARKER_TOTAL})() === {expected}", timeout=5000)
    except Exception:  # noqa: BLE001 - report the number actually shown
        pass
    return int(page.evaluate(MARKER_TOTAL))


def api_count(server: Server, **params: Any) -> int:
    return int(server.api(f"/api/cities/{CITY}/places", **params)["numberMatched"])


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (all rules, WCAG 2.2 AA included)."""
    page.evaluate(axe_source)  # evaluated over CDP: the page's CSP still forbids inline scripts
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' — ' + n.failureSummary),
          }));
        }"""
    )
    return found


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"))


def formatted_ja(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def card_field(page: Any, field: str) -> Any:
    return page.locator(f'#card-body [data-field="{field}"]')


def open_from_list(page: Any, name: str) -> None:
    page.fill("#search", name)
    page.locator("#place-list button", has_text=name).first.click()
    page.wait_for_selector("#card:not([hidden])")


def choose_town(page: Any, name: str) -> None:
    """Near me by a town's name: search it and take the first answer."""
    page.fill("#town-q", name)
    page.click("#town-form button[type=submit]")
    page.locator("#town-results button").first.click()


def refuse(page: Any, route: str, status: int) -> None:
    """Make the service answer `status` (a problem document) to one API route."""
    page.route(f"**/api/cities/{CITY}/{route}*", lambda r: r.fulfill(
        status=status, content_type="application/problem+json", body=f'{{"status": {status}}}'))


# ------------------------------------------------------------------------------ counts


@pytest.mark.parametrize("category", [None, *GATHERING])
def test_list_and_markers_show_the_api_count_for_each_category(
    page: Any, server: Server, category: str | None
) -> None:
    query = f"?category={category}" if category else ""
    expected = api_count(server, **({"category": category} if category else {}))
    goto(page, server, query)
    assert expand_list(page) == expected
    assert marker_total(page, expected) == expected
    if category:
        checked = page.locator("#layer-list input:checked")
        assert [checked.nth(i).get_attribute("value") for i in range(checked.count())] == [category]
        count = page.locator(f'#layer-list input[value="{category}"] ~ .layer-count')
        assert count.get_attribute("data-count") == str(expected)


def test_layer_checkboxes_show_and_hide_and_the_counts_follow(page: Any, server: Server) -> None:
    goto(page, server)
    total = api_count(server)
    salons = api_count(server, category="salon")
    page.locator('#layer-list input[value="salon"]').uncheck()
    assert "category=" in page.url and "salon" not in page.url.split("category=")[1].split("&")[0]
    assert expand_list(page) == total - salons
    assert marker_total(page, total - salons) == total - salons
    page.click("#show-all")
    assert expand_list(page) == total


# ------------------------------------------------------------------------------ search


def test_search_narrows_the_list_by_name_kana_address_and_area(page: Any, server: Server) -> None:
    goto(page, server)
    total = expand_list(page)
    page.fill("#search", "松浜東町コミュニティカフェ")
    page.wait_for_function("() => document.querySelectorAll('#place-list > li').length === 1")
    assert "松浜東町コミュニティカフェ" in page.locator("#place-list").inner_text()
    assert "q=" in page.url
    # width and kana folding: half-width katakana finds the same places as full-width
    page.fill("#search", "サロン")
    page.wait_for_timeout(400)
    full = expand_list(page)
    page.fill("#search", "ｻﾛﾝ")
    page.wait_for_timeout(400)
    assert 0 < expand_list(page) == full < total
    # an area's name finds the places inside it even when their address does not say it
    daily = server.api(f"/api/cities/{CITY}/areas", level=2)["features"][0]["properties"]
    page.fill("#search", daily["name"])
    page.wait_for_timeout(400)
    assert expand_list(page) == api_count(server, area=daily["id"])
    page.fill("#search", "どこにもない名前")
    page.wait_for_timeout(400)
    assert page.locator("#place-list > li").count() == 0
    assert page.locator("#list-status").inner_text().startswith("見つかりませんでした")


def test_filtering_by_area_matches_the_api(page: Any, server: Server) -> None:
    goto(page, server)
    page.wait_for_function("() => document.querySelectorAll('#area-filter option').length > 30")
    page.select_option("#area-filter", WARD)
    expected = api_count(server, area=WARD)
    assert expand_list(page) == expected
    assert marker_total(page, expected) == expected
    assert f"area={WARD}" in page.url
    assert page.locator("#contacts").is_hidden()  # the demo's wards list no desks of their own
    page.select_option("#area-filter", f"{CITY}-L2-d01")
    assert expand_list(page) == api_count(server, area=f"{CITY}-L2-d01")
    page.locator("#contacts").wait_for()  # a daily-living area's desks: この地域の相談窓口
    open_disclosure(page, "#contacts")  # one tap away, folded above the list
    assert "地域包括支援センター" in page.locator("#contacts").inner_text()
    # the areas are drawn with their names
    assert page.locator(".leaflet-overlay-pane path").count() >= 35
    assert page.locator(".tsd-area-label").count() == 35


# ------------------------------------------------------------------------------ the details card


def test_selecting_a_place_opens_its_card_with_the_right_fields(
    page: Any, server: Server, artifacts: Path
) -> None:
    feature = server.api(f"/api/places/{SAMPLE_ID}")
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    goto(page, server)
    open_from_list(page, props["name"])
    assert f"place={SAMPLE_ID}" in page.url
    assert page.evaluate("() => document.activeElement.id") == "card-title"
    assert page.locator("#card-title").inner_text() == props["name"]
    assert "コミュニティカフェ" in card_field(page, "category").inner_text()
    assert props["next_date"], "the demo place has schedule rules, so a next date"
    assert formatted_ja(props["next_date"]) in card_field(page, "next_date").inner_text()
    assert card_field(page, "schedule").inner_text() == props["schedule"]
    assert card_field(page, "fee").inner_text() == props["fee"]
    assert card_field(page, "address").inner_text() == props["address"]
    tel = card_field(page, "phone").locator("a")
    assert tel.get_attribute("href") == "tel:" + re.sub(r"\D", "", props["phone"])
    assert card_field(page, "organiser").inner_text() == props["organiser"]
    assert card_field(page, "description").inner_text() == props["description"]
    assert card_field(page, "accessibility").inner_text() == props["accessibility"]
    assert formatted_ja(props["last_verified"]) in card_field(page, "last_verified").inner_text()
    assert "近くを探す" in card_field(page, "walking").inner_text()
    directions = page.locator('#card-body [data-field="directions"]')
    href = directions.get_attribute("href")
    assert href == (
        "https://www.google.com/maps/dir/?api=1&destination="
        f"{lat:.6f}%2C{lon:.6f}&travelmode=walking"
    )
    assert page.locator("#card-body .demo-badge").inner_text() == "デモ用の仮データ"
    shot(page, artifacts, "desktop-card")
    # the back button closes the card, forward opens it again
    page.go_back()
    page.wait_for_selector("#card", state="hidden")
    assert "place=" not in page.url
    page.go_forward()
    page.wait_for_selector("#card:not([hidden])")
    # closing puts focus back on the place in the list
    page.click("#card-close")
    assert page.evaluate("() => document.activeElement.dataset.id") == SAMPLE_ID


def test_markers_are_reachable_and_usable_by_keyboard(page: Any, server: Server) -> None:
    goto(page, server, f"?place={SAMPLE_ID}")
    page.wait_for_selector(f'.tsd-pin[data-id="{SAMPLE_ID}"]', state="attached")
    page.keyboard.press("Escape")
    page.wait_for_selector("#card", state="hidden")
    marker = page.locator(f'.tsd-pin[data-id="{SAMPLE_ID}"]')
    assert marker.get_attribute("tabindex") == "0"
    assert marker.get_attribute("role") == "button"
    label = "松浜東町コミュニティカフェ（デモ）（コミュニティカフェ）"
    assert marker.get_attribute("aria-label") == label
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#card:not([hidden])")
    assert page.locator("#card-title").inner_text() == "松浜東町コミュニティカフェ（デモ）"
    # from the map, Tab goes to the markers and clusters
    goto(page, server)
    page.focus("#map")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert "tsd-pin" in focused or "tsd-cluster" in focused
    cluster = page.locator(".tsd-cluster").first
    assert re.search(r"\d+件", cluster.get_attribute("aria-label") or "")
    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'map'")


# ------------------------------------------------------------------------------ URL and language


def test_a_deep_link_restores_the_view(page: Any, server: Server, artifacts: Path) -> None:
    place = server.api(f"/api/cities/{CITY}/places", category="salon", area=WARD, limit=1)
    place_id = place["features"][0]["id"]
    goto(page, server, f"?category=salon,chanoma&area={WARD}&place={place_id}&lang=en")
    assert page.get_attribute("html", "lang") == "en"
    page.wait_for_selector("#card:not([hidden])")
    assert page.locator("#card-title").inner_text() == place["features"][0]["properties"]["name"]
    checked = page.locator("#layer-list input:checked")
    assert sorted(checked.nth(i).get_attribute("value") for i in range(checked.count())) == [
        "chanoma", "salon"]
    page.wait_for_function("() => document.querySelectorAll('#area-filter option').length > 30")
    assert page.locator("#area-filter").input_value() == WARD
    assert page.locator("#card-body").get_by_text("Next date").count() == 1
    shot(page, artifacts, "desktop-deep-link-en")
    page.click("#card-close")
    expected = api_count(server, category="salon,chanoma", area=WARD)
    assert expand_list(page) == expected
    page.click("#fit-all")  # the map was at the place; "show all" brings every marker in view
    assert marker_total(page, expected) == expected
    assert "place=" not in page.url and "lang=en" in page.url


def test_the_language_switch_keeps_the_view(page: Any, server: Server, artifacts: Path) -> None:
    goto(page, server, "?category=salon")
    assert page.get_attribute("html", "lang") == "ja"
    switch = page.locator("#lang-switch")
    assert switch.inner_text() == "English" and switch.get_attribute("lang") == "en"
    switch.click()
    page.wait_for_selector("html[lang=en][data-ready=true]", state="attached")
    assert "lang=en" in page.url and "category=salon" in page.url
    assert page.locator("h1").inner_text() == "Niigata: places where neighbours gather"
    assert page.locator("#layer-list").get_by_text("Salon", exact=True).count() == 1
    assert "places shown" in page.locator("#list-status").inner_text()
    shot(page, artifacts, "desktop-english")
    page.locator("#lang-switch").click()
    page.wait_for_selector("html[lang=ja][data-ready=true]", state="attached")
    assert "lang=" not in page.url and "category=salon" in page.url
    assert page.locator("#layer-list").get_by_text("サロン", exact=True).count() == 1


# ------------------------------------------------------------------------------ near me


def test_near_me_by_town_name_sorts_by_walking_time_and_shows_the_areas_contacts(
    page: Any, server: Server, artifacts: Path
) -> None:
    town = server.api(f"/api/cities/{CITY}/towns", q="関屋本村町", limit=1)[0]
    nearest = server.api("/api/places/nearby", lat=town["lat"], lon=town["lon"], city=CITY,
                         limit=1)["features"][0]
    goto(page, server)
    choose_town(page, "関屋本村町")
    page.wait_for_selector("#near-chosen:not([hidden])")
    assert town["name"] in page.locator("#near-label").inner_text()
    first = page.locator("#place-list > li").first
    assert first.locator("button").get_attribute("data-id") == nearest["id"]
    metres = nearest["properties"]["distance_m"]
    minutes = nearest["properties"]["walking_min"]
    shown = first.locator(".place-walk").inner_text()
    assert f"徒歩約{minutes}分" in shown
    distance = f"{max(10, round(metres / 10) * 10)}m" if metres < 1000 else f"{metres / 1000:.1f}km"
    assert distance in shown
    assert "直線距離からの目安" in page.locator("#walk-note").inner_text()
    contacts = page.locator("#contacts")
    contacts.wait_for()
    assert contacts.locator("h2").inner_text() == "この地域の相談窓口"
    tels = contacts.locator('a[href^="tel:"]')
    assert tels.count() >= 1
    assert all(re.fullmatch(r"tel:\d+", tels.nth(i).get_attribute("href") or "")
               for i in range(tels.count()))
    shot(page, artifacts, "desktop-near-town")
    first.locator("button").click()
    walking = card_field(page, "walking").inner_text()
    assert f"徒歩約{minutes}分" in walking and "直線距離からの目安" in walking
    page.click("#card-close")
    page.click("#near-clear")
    assert page.locator("#near-chosen").is_hidden()
    assert page.locator(".place-walk").count() == 0


def test_town_search_says_so_when_the_service_has_no_towns(
    page: Any, server: Server, watch: Watch
) -> None:
    refuse(page, "towns", 404)
    goto(page, server)
    page.fill("#town-q", "関屋")
    page.click("#town-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#town-status').textContent === '町名検索は利用できません'")
    assert all(expected_errors(e) for e in watch.errors)


def test_near_me_says_so_when_the_walks_cannot_be_loaded(
    page: Any, server: Server, watch: Watch
) -> None:
    """Walking figures come from the server only: without its answer the list keeps its order."""
    refuse(page, "walks", 503)
    goto(page, server)
    first = page.locator("#place-list button").first.get_attribute("data-id")
    choose_town(page, "関屋本村町")
    page.wait_for_function("() => document.querySelector('#near-status').textContent"
                           ".includes('徒歩時間を読み込めません')")
    assert page.locator("#near-chosen").is_hidden()
    assert page.locator(".place-walk").count() == 0
    assert page.locator("#place-list button").first.get_attribute("data-id") == first
    assert all(expected_errors(e) for e in watch.errors)


def test_near_me_by_location_area_or_a_tap_on_the_map(
    browser: Any, server: Server, watch: Watch
) -> None:
    here = {"latitude": 37.9161, "longitude": 139.0236}  # 新潟市役所
    context = open_context(browser, watch, geolocation=here, permissions=["geolocation"])
    page = context.new_page()
    watch_page(page, watch)
    try:
        goto(page, server)
        page.click("#locate")
        page.wait_for_selector("#near-chosen:not([hidden])")
        assert "現在地" in page.locator("#near-label").inner_text()
        nearest = server.api("/api/places/nearby", lat=here["latitude"], lon=here["longitude"],
                             city=CITY, limit=1)["features"][0]
        assert page.locator("#place-list button").first.get_attribute("data-id") == nearest["id"]
        page.locator("#contacts").wait_for()
        # an area chosen from the list
        open_disclosure(page, "#near")
        page.wait_for_function("() => document.querySelectorAll('#near-area option').length > 30")
        page.select_option("#near-area", f"{CITY}-L2-d01")
        page.wait_for_function(
            "() => document.querySelector('#near-label').textContent.includes('中心')")
        # a tap on the map
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.85)
        page.wait_for_function(
            "() => document.querySelector('#near-label').textContent.includes('地図で選んだ地点')")
        assert page.locator(".tsd-here").count() == 1
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


# ------------------------------------------------------------------------------ privacy and safety


def test_a_salon_in_a_private_home_is_shown_at_its_town_only(page: Any, server: Server) -> None:
    towns = {(t["lon"], t["lat"]) for t in server.api(f"/api/cities/{CITY}/towns", limit=5000)}
    listing = server.api(f"/api/cities/{CITY}/places")["features"]
    private = [f for f in listing if f["properties"]["location_precision"] == "town"]
    assert private
    for f in private:
        assert tuple(f["geometry"]["coordinates"]) in towns
    feature = next(f for f in private if f["properties"]["placed_from"] is None)
    lon, lat = feature["geometry"]["coordinates"]
    goto(page, server)
    open_from_list(page, feature["properties"]["name"])
    assert "町丁目までを表示" in card_field(page, "address").inner_text()
    href = page.locator('#card-body [data-field="directions"]').get_attribute("href") or ""
    assert f"destination={lat:.6f}%2C{lon:.6f}" in href
    marker = page.locator(f'.tsd-pin[data-id="{feature["id"]}"]')
    marker.wait_for(state="attached")
    assert "tsd-town" in (marker.get_attribute("class") or "")
    assert page.locator(".tsd-selection-town").count() == 1
    # distances are measured to the town's point as well
    near = server.api("/api/places/nearby", lat=lat + 0.001, lon=lon, city=CITY, limit=50)
    hit = next(f for f in near["features"] if f["id"] == feature["id"])
    expected = _GEOD.inv(lon, lat + 0.001, lon, lat)[2]
    assert hit["properties"]["distance_m"] == pytest.approx(expected, abs=0.1)


def test_a_place_placed_from_its_address_says_so(page: Any, server: Server) -> None:
    listing = server.api(f"/api/cities/{CITY}/places")["features"]
    placed = [f for f in listing if f["properties"]["placed_from"] == "address"]
    assert {f["properties"]["name"] for f in placed} >= {"にしかんの茶の間"}
    feature = next(f for f in placed if f["properties"]["name"] == "にしかんの茶の間")
    assert feature["properties"]["location_precision"] == "town"
    goto(page, server)
    page.fill("#search", "にしかんの茶の間")
    item = page.locator("#place-list button", has_text="にしかんの茶の間").first
    assert "住所から配置" in item.inner_text()
    item.click()
    address = card_field(page, "address").inner_text()
    assert "新潟市西蒲区巻甲660" in address and "住所から配置" in address
    assert "個人のお宅" not in address


def test_text_from_data_is_shown_as_text_never_as_html(
    page: Any, server: Server, watch: Watch
) -> None:
    goto(page, server)
    page.fill("#search", "img src")
    page.wait_for_function("() => document.querySelectorAll('#place-list > li').length === 1")
    item = page.locator("#place-list > li").first
    assert HOSTILE_NAME in item.inner_text()
    assert page.locator("#place-list img").count() == 0
    item.locator("button").click()
    assert page.locator("#card-title").inner_text() == HOSTILE_NAME
    assert card_field(page, "description").inner_text() == HOSTILE_DESCRIPTION
    assert page.locator("#card-body script, #card-body img, #card-body b").count() == 0
    assert page.locator('#card-body a[href^="javascript"]').count() == 0
    marker = page.locator('.tsd-pin[data-id="15100-hostile-test-xss-1"]')
    marker.wait_for(state="attached")
    assert HOSTILE_NAME in (marker.get_attribute("aria-label") or "")
    page.wait_for_timeout(300)
    assert watch.dialogs == []


# ------------------------------------------------------------------------------ tiles that fail


def test_list_search_and_details_work_when_tiles_cannot_load(
    browser: Any, server_dead_tiles: Server, watch: Watch, artifacts: Path
) -> None:
    server = server_dead_tiles
    context = open_context(browser, watch, tile_host=server.tile_host)
    page = context.new_page()
    watch_page(page, watch)
    try:
        response = page.goto(f"{server.url}/map/{CITY}")
        assert "http://127.0.0.1:9" in response.headers["content-security-policy"]
        page.wait_for_selector("html[data-ready=true]", state="attached", timeout=20000)
        assert expand_list(page) == api_count(server)
        page.wait_for_function(
            "() => document.querySelector('#map-status').textContent.includes('背景地図')")
        assert "テスト用タイル" in page.locator(".leaflet-control-attribution").inner_text()
        assert "テスト用タイル" in page.locator("#credits").inner_text()
        open_from_list(page, "松浜東町コミュニティカフェ")
        assert card_field(page, "fee").inner_text()
        shot(page, artifacts, "desktop-dead-tiles")
    finally:
        context.close()
    assert watch.tile_requests, "the page asked the configured tile server"
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


# ------------------------------------------------------------------------------ accessibility


def test_axe_finds_no_violations_on_the_listing_page(
    page: Any, server: Server, axe_source: str, artifacts: Path
) -> None:
    goto(page, server)
    page.wait_for_function("() => document.querySelectorAll('#area-filter option').length > 30")
    shot(page, artifacts, "desktop-list")
    assert run_axe(page, axe_source) == []


def test_axe_finds_no_violations_with_a_card_open(
    page: Any, server: Server, axe_source: str
) -> None:
    goto(page, server, f"?place={SAMPLE_ID}")
    page.wait_for_selector("#card:not([hidden])")
    assert run_axe(page, axe_source) == []


def test_axe_finds_no_violations_on_the_city_list(
    page: Any, server: Server, axe_source: str, artifacts: Path
) -> None:
    page.goto(server.url + "/")
    assert page.locator(".city-link").count() == len(server.store.cities())
    shot(page, artifacts, "desktop-cities")
    assert run_axe(page, axe_source) == []


def test_phone_layout_bottom_sheet_and_axe(
    browser: Any, server: Server, watch: Watch, axe_source: str, artifacts: Path
) -> None:
    context = open_context(browser, watch, viewport=PHONE, is_mobile=True, has_touch=True,
                           device_scale_factor=2)
    page = context.new_page()
    watch_page(page, watch)
    try:
        goto(page, server)
        panel = page.locator("#panel").bounding_box()
        assert panel["y"] > PHONE["height"] * 0.3, "the list is a sheet over the lower map"
        assert panel["width"] == PHONE["width"]
        shot(page, artifacts, "phone-list")
        assert run_axe(page, axe_source) == []
        page.click("#sheet-toggle")
        assert page.locator("#sheet-toggle").get_attribute("aria-expanded") == "true"
        assert page.locator("#panel").bounding_box()["height"] > PHONE["height"] * 0.6
        shot(page, artifacts, "phone-sheet-open")
        page.click("#sheet-toggle")
        open_from_list(page, "松浜東町コミュニティカフェ")
        shot(page, artifacts, "phone-card")
        assert run_axe(page, axe_source) == []
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


TARGETS = """() => {
  const small = [];
  const sel = 'button, a[href], input:not([type=checkbox]), select, summary, label.layer';
  document.querySelectorAll(sel).forEach((el) => {
    if (el.closest('.credits, .leaflet-control-attribution, .skip-link')) return;
    if (el.classList.contains('skip-link')) return;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) return;  /* not shown */
    if (r.height < 44 || r.width < 44) {
      const name = el.id || el.className || el.tagName;
      small.push(`${name} ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  });
  return small;
}"""


def test_large_text_switch_text_size_and_touch_targets(
    page: Any, server: Server, artifacts: Path
) -> None:
    goto(page, server)
    size = "() => parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(size) >= 18
    assert page.evaluate(TARGETS) == []
    page.click("#text-size")
    assert page.get_attribute("#text-size", "aria-pressed") == "true"
    assert page.evaluate(size) >= 22
    shot(page, artifacts, "desktop-large-text")
    page.reload()
    page.wait_for_selector("html.text-large", state="attached")  # remembered on this device
    page.click("#text-size")
    assert page.evaluate(size) == 18


def test_focus_is_visible_on_every_control(page: Any, server: Server) -> None:
    goto(page, server, tools=False)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    for _ in range(6):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert outline[0] != "none" and outline[1] >= 2, outline


def test_walking_times_follow_the_streets_in_a_city_with_a_network(
    browser: Any, server: Server, watch: Watch
) -> None:
    here = {"latitude": 33.95, "longitude": 131.25}  # central 宇部市, which has its streets
    context = open_context(browser, watch, geolocation=here, permissions=["geolocation"])
    page = context.new_page()
    watch_page(page, watch)
    try:
        page.goto(f"{server.url}/map/35202")
        page.wait_for_selector("html[data-ready=true]", state="attached", timeout=20000)
        open_disclosure(page, "#near")
        page.click("#locate")
        page.wait_for_selector("#near-chosen:not([hidden])")
        page.wait_for_function(
            "() => document.querySelector('#walk-note').textContent.includes('道のり')")
        nearest = server.api("/api/places/nearby", lat=here["latitude"],
                             lon=here["longitude"], city="35202", limit=1)["features"][0]
        first = page.locator("#place-list button").first
        assert first.get_attribute("data-id") == nearest["id"]
        walks = server.api("/api/cities/35202/walks", lat=here["latitude"], lon=here["longitude"])
        assert walks["method"] == "network"
        minutes = walks["walks"][nearest["id"]]["walking_min"]
        assert f"{minutes}" in first.inner_text()
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []
