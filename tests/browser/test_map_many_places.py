"""The residents' map of a city with 20,000 places, in Chromium: it shows the server's clusters,
the list's first page and more on demand, and costs at most 500 KB, never the whole listing.

The city is the demo's 新潟市 topped up to more than 20,000 active gathering places, placed
around its real town points (町丁目 representative points) with a few metres' jitter, in the
demo's categories; three of them carry HTML in their name, which must show as text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.model import Place
from geo.store.base import PlaceChanges, PlaceQuery
from geo.store.gpkg import GpkgStore
from service.routes.pages import PAGED_OVER
from tests.browser.conftest import (
    HOSTILE_NAME,
    Server,
    Watch,
    demo_server,
    expected_errors,
    open_context,
    watch_page,
)

pytestmark = pytest.mark.browser

CITY = "15100"
MANY = 20_000
BUDGET = 500 * 1024
AT_ONE_POINT = 6
CATEGORIES = ("salon", "salon", "kayoinoba", "chanoma", "community-cafe", "dementia-cafe")


many_at_one_point: list[float] = []  # lon, lat of the town point several places share


def _many_places(store: GpkgStore) -> int:
    """Top the city up to MANY active gathering places at its town points; how many now."""
    have = store.count_places(PlaceQuery(city=CITY))
    towns = store.towns(CITY)
    rng = random.Random(20000)
    places = []
    for i in range(MANY - have):
        town = towns[i % len(towns)]
        at_town = 3 <= i < 3 + AT_ONE_POINT  # placed from their address: the town's own point
        if at_town:
            town = towns[0]
        places.append(Place(
            id=f"{CITY}-many-{i:05d}",
            city=CITY,
            kind="gathering",
            category=CATEGORIES[i % len(CATEGORIES)],
            name=HOSTILE_NAME if i < 3 else f"{town.name}ふれあいの場{i % 7 + 1}（デモ）",
            lon=town.lon if at_town else round(town.lon + rng.uniform(-0.001, 0.001), 7),
            lat=town.lat if at_town else round(town.lat + rng.uniform(-0.0008, 0.0008), 7),
            placed_from="address" if at_town else None,
            location_precision="town" if at_town else "exact",
            address=f"新潟市{town.area or ''}{town.name}（デモ）",
            schedule="月曜 10:00〜12:00",
            schedule_rules=[{"weekdays": [0], "start": "10:00", "end": "12:00"}],
            demo=True,
            source="many-test",
        ))
    store.apply_places(PlaceChanges(upsert=places))
    many_at_one_point[:] = [towns[0].lon, towns[0].lat]
    return store.count_places(PlaceQuery(city=CITY))


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def more(store: GpkgStore) -> None:
        assert _many_places(store) == MANY > PAGED_OVER

    with demo_server(tmp_path_factory.mktemp("many"), more) as server:
        yield server


@pytest.fixture
def page(browser: Any, many: Server, watch: Watch) -> Iterator[Any]:
    context = open_context(browser, watch)
    pg = context.new_page()
    watch_page(pg, watch)
    yield pg
    context.close()
    assert watch.blocked == [] and watch.dialogs == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


def _count_bytes(page: Any) -> tuple[dict[str, int], list[str]]:
    """Encoded bytes (body and headers) of every response, by request id, and the URLs asked."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: dict[str, int] = {}
    urls: list[str] = []
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    cdp.on("Network.requestWillBeSent", lambda e: urls.append(e["request"]["url"]))
    page._tsudoi_cdp = cdp  # kept alive for the page's life
    return sizes, urls


def _clusters(page: Any) -> list[dict[str, Any]]:
    return list(page.eval_on_selector_all(
        ".leaflet-marker-pane .tsd-cluster",
        """nodes => nodes.map(n => ({label: n.getAttribute('aria-label'),
            role: n.getAttribute('role'), tabindex: n.getAttribute('tabindex'),
            count: Number(n.getAttribute('data-count')),
            shown: Number(n.querySelector('.tsd-cluster-count').textContent),
            kinds: n.querySelector('.tsd-pie').getAttribute('data-kinds')}))""",
    ))


def test_a_city_of_20000_places_shows_clusters_and_pages_within_500_kb(
    page: Any, many: Server
) -> None:
    sizes, urls = _count_bytes(page)
    page.goto(f"{many.url}/map/{CITY}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    page.wait_for_load_state("networkidle")

    # the map: clusters from the server, each a named button with its kinds
    clusters = _clusters(page)
    assert clusters, "no clusters on the map"
    pins = page.locator(".leaflet-marker-pane .tsd-pin").count()
    for c in clusters:
        assert c["role"] == "button" and c["tabindex"] == "0"
        assert c["count"] == c["shown"] > 3
        assert re.match(rf"{c['count']}か所。Enterキーで拡大します。", c["label"]), c["label"]
        kinds = dict(k.split(":") for k in c["kinds"].split())
        assert sum(int(n) for n in kinds.values()) == c["count"]
    on_map = sum(c["count"] for c in clusters) + pins
    view = page.evaluate("""() => { const b = document.querySelector('#map');
        return b.getBoundingClientRect().width; }""")
    assert view > 0
    # what the map shows is what the server counts in its view: nearly the whole city here
    assert MANY * 0.9 <= on_map <= MANY

    # the list: the first page, sorted by reading, and the city's count
    items = page.locator("#place-list > li")
    assert items.count() == 50
    assert page.locator("#list-count").inner_text() == "（20000件）"
    first_names = page.locator("#place-list .place-name").all_inner_texts()
    assert first_names.count(HOSTILE_NAME) == 3  # ASCII reads first; shown as text, not markup
    assert page.locator("#place-list img").count() == 0

    # the full listing was never asked for, and everything so far fits the budget
    assert not [u for u in urls if re.search(r"/places(\?(?!.*sort=)|$)", u)], urls
    assert sum(sizes.values()) <= BUDGET, f"{sum(sizes.values()) / 1024:.0f} KB"

    # more on demand, by keyboard, announced, focus on the first new place
    more = page.locator("#more")
    assert more.is_visible()
    assert "残り19950件" in more.inner_text()
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#place-list > li').length === 100")
    assert page.locator("#list-status").inner_text() == "20000件のうち100件を表示しています。"
    focused = page.evaluate("() => document.activeElement.closest('li') === "
                            "document.querySelectorAll('#place-list > li')[50]")
    assert focused
    assert "残り19900件" in more.inner_text()
    ids = page.eval_on_selector_all("#place-list button[data-id]",
                                    "bs => bs.map(b => b.dataset.id)")
    assert len(set(ids)) == 100

    # a cluster zooms in on Enter, and the map asks for the new view
    zoom = page.evaluate("() => Math.round(Tsudoi.map.map.getZoom())")
    before = len([u for u in urls if "/clusters" in u])
    page.locator(".leaflet-marker-pane .tsd-cluster").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => Math.round(Tsudoi.map.map.getZoom()) > {zoom}")
    page.wait_for_function(
        "n => performance.getEntriesByType('resource').filter(e => /clusters\\?zoom=\\d+&/"
        ".test(e.name) && !e.name.includes('zoom=' + n + '&')).length > 0", arg=zoom)
    assert len([u for u in urls if "/clusters" in u]) > before
    assert _clusters(page) or page.locator(".leaflet-marker-pane .tsd-pin").count()
    assert sum(sizes.values()) <= BUDGET, f"{sum(sizes.values()) / 1024:.0f} KB in all"


def test_kinds_and_search_go_to_the_server(page: Any, many: Server) -> None:
    page.goto(f"{many.url}/map/{CITY}?category=chanoma")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    page.wait_for_load_state("networkidle")
    want = many.api(f"/api/cities/{CITY}/places", category="chanoma", sort="name",
                    limit=1)["numberMatched"]
    assert page.locator("#list-count").inner_text() == f"（{want}件）"
    kinds = {c["kinds"].split(":")[0] for c in _clusters(page)}
    assert kinds == {"chanoma"}
    # the legend counts each kind in the whole city, ticked or not
    salon = page.locator('#layer-list input[value="salon"] ~ .layer-count')
    salons = many.api(f"/api/cities/{CITY}/places", category="salon", sort="name",
                      limit=1)["numberMatched"]
    assert salon.get_attribute("data-count") == str(salons)
    page.locator("#search").fill("ふれあいの場3")
    page.wait_for_function("() => document.querySelector('#list-count').textContent !== "
                           f"'（{want}件）'")
    found = many.api(f"/api/cities/{CITY}/places", category="chanoma", q="ふれあいの場3",
                     sort="name", limit=1)["numberMatched"]
    page.wait_for_function(
        f"() => document.querySelector('#list-count').textContent === '（{found}件）'")
    names = page.locator("#place-list .place-name").all_inner_texts()
    assert names and all("ふれあいの場3" in n for n in names)


def test_a_place_from_the_list_opens_its_card(page: Any, many: Server, tmp_path: Path) -> None:
    page.goto(f"{many.url}/map/{CITY}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    button = page.locator("#place-list .place-button").nth(5)
    name = button.locator(".place-name").inner_text()
    button.click()
    page.wait_for_selector("#card:not([hidden])")
    assert page.locator("#card-title").inner_text() == name


def test_near_a_point_the_server_sorts_the_list_by_distance(page: Any, many: Server) -> None:
    hall = {"lat": 37.9161, "lon": 139.0236}  # 新潟市役所
    page.goto(f"{many.url}/map/{CITY}?near={hall['lat']},{hall['lon']}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    page.wait_for_selector("#place-list .place-walk")
    want = many.api(f"/api/cities/{CITY}/places", sort="distance", limit=50, **hall)
    ids = page.eval_on_selector_all("#place-list button[data-id]",
                                    "bs => bs.map(b => b.dataset.id)")
    assert ids == [f["id"] for f in want["features"]]
    first = want["features"][0]["properties"]
    walk = page.locator("#place-list .place-walk").first.inner_text()
    assert f"約{first['walking_min']}分" in walk
    assert "直線距離" in page.locator("#walk-note").inner_text()


def test_axe_finds_no_violations_on_the_paged_map(
    page: Any, many: Server, axe_source: str, artifacts: Path
) -> None:
    from tests.browser.test_map_page import run_axe, shot

    page.goto(f"{many.url}/map/{CITY}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    page.locator("#more").click()
    page.wait_for_function("() => document.querySelectorAll('#place-list > li').length === 100")
    shot(page, artifacts, "paged-map-20000")
    assert run_axe(page, axe_source) == []


def test_places_at_one_point_are_listed_by_their_cluster(page: Any, many: Server) -> None:
    lon, lat = many_at_one_point
    page.goto(f"{many.url}/map/{CITY}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    page.evaluate("([lat, lon]) => Tsudoi.map.map.setView([lat, lon], Tsudoi.map.map.getMaxZoom())",
                  [lat, lon])
    here = page.locator(f'.leaflet-marker-pane .tsd-cluster[data-count="{AT_ONE_POINT}"]')
    here.wait_for()
    here.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup .tsd-here-list")
    popup.wait_for()
    assert popup.locator(".tsd-here-title").inner_text() == f"この地点に{AT_ONE_POINT}か所"
    buttons = popup.locator("button[data-id]")
    assert buttons.count() == AT_ONE_POINT
    assert page.evaluate("() => document.activeElement.dataset.id") == buttons.first.get_attribute(
        "data-id")
    name = buttons.nth(2).inner_text()
    buttons.nth(2).click()
    page.wait_for_selector("#card:not([hidden])")
    assert page.locator("#card-title").inner_text() == name


def test_the_embed_is_paged_too(page: Any, many: Server) -> None:
    sizes, urls = _count_bytes(page)
    page.goto(f"{many.url}/embed/{CITY}?view=both")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    assert page.locator("#place-list > li").count() == 50
    assert _clusters(page)
    page.locator("#more").click()
    page.wait_for_function("() => document.querySelectorAll('#place-list > li').length === 100")
    assert not [u for u in urls if re.search(r"/places(\?(?!.*sort=)|$)", u)], urls
    assert sum(sizes.values()) <= BUDGET
