"""The embed and the share page in Chromium, framed by a page of ANOTHER origin.

A second HTTP server on its own port (another origin than the app) serves host pages holding
the iframe a city's website would paste. In a 360×450 frame the embed shows place names and the
map; frame-ancestors follows TSUDOI_EMBED_ORIGINS (blocked for a site it does not name, shown for
one it does) and every other page refuses other sites; location refused by the host page makes
the embed say so and offer the town search; axe finds nothing on /embed and /share, narrow and
wide. The share page's code follows each choice (as the server writes it) and its QR code, read
from a screenshot by zbarimg, is the link. Requests go to the two local servers only.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from geo.store.gpkg import GpkgStore
from service.routes.embed import form_query, iframe_snippet
from service.settings import Settings
from tests.browser.conftest import (
    Server,
    Watch,
    _serve,
    expected_errors,
    open_context,
    watch_page,
)
from tests.browser.test_map_page import MARKER_TOTAL, api_count, run_axe, shot

pytestmark = pytest.mark.browser

CITY = "15100"
FRAME = {"width": 360, "height": 450}
SMALLEST = {"width": 320, "height": 400}
ELSEWHERE = "https://www.city.example.lg.jp"  # a city website that is not the test's host


# ------------------------------------------------------------------------------ the host site


class Host:
    """Another origin (its own port): serves the pages registered with `page`."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode("utf-8"))

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def page(self, name: str, src: str, size: dict[str, int] = FRAME,
             allow_location: bool = True) -> str:
        """A city's page holding the code the share page hands out; its URL on the host.
        Without `allow_location`, as a CMS that strips the iframe's allow attribute leaves it."""
        code = iframe_snippet(src, "集いの場の地図", size["width"], size["height"])
        if not allow_location:
            code = code.replace(' allow="geolocation"', "")
        self.pages[f"/{name}"] = (
            '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>市のページ</title>'
            f'</head><body style="margin:0"><h1>市のお知らせ</h1>{code}</body></html>')
        return f"{self.origin}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    h = Host()
    yield h
    h.close()


def _app(store: GpkgStore, origins: str) -> Iterator[Server]:
    settings = Settings.from_env({"TSUDOI_BASEMAP": "none", "TSUDOI_EMBED_ORIGINS": origins})
    url, srv, thread = _serve(store, settings)
    yield Server(url, store)
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def strict_server(demo_store: GpkgStore) -> Iterator[Server]:
    """The app letting only a site that is not the host frame /embed."""
    yield from _app(demo_store, ELSEWHERE)


@pytest.fixture(scope="module")
def host_server(demo_store: GpkgStore, host: Host) -> Iterator[Server]:
    """The app naming the host's origin (and another site) in TSUDOI_EMBED_ORIGINS."""
    yield from _app(demo_store, f"{ELSEWHERE} {host.origin}")


@pytest.fixture
def visitor(browser: Any, watch: Watch) -> Iterator[Any]:
    """A phone-sized browser that reaches 127.0.0.1 only; a test may add permissions."""
    context = open_context(browser, watch, viewport={"width": 400, "height": 700})
    yield context
    context.close()
    assert watch.blocked == [], f"requests off this machine were attempted: {watch.blocked}"


def framed(context: Any, watch: Watch, url: str,
           viewport: dict[str, int] | None = None) -> tuple[Any, Any]:
    """Open a host page; its page and the embed's frame once the embed is ready."""
    page = context.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    watch_page(page, watch)
    page.goto(url)
    frame = page.frame_locator("iframe")
    frame.locator("html[data-ready=true]").wait_for(state="attached", timeout=20000)
    return page, frame


def inside(box: dict[str, float], frame_box: dict[str, float]) -> bool:
    """Is an element's box within the iframe's box on the host page (so a visitor sees it)?"""
    return (box["x"] >= frame_box["x"] - 0.5 and box["y"] >= frame_box["y"] - 0.5
            and box["x"] + box["width"] <= frame_box["x"] + frame_box["width"] + 0.5
            and box["y"] + box["height"] <= frame_box["y"] + frame_box["height"] + 0.5)


def salon_names(server: Server) -> set[str]:
    found = server.api(f"/api/cities/{CITY}/places", category="salon", limit=5000)
    return {f["properties"]["name"] for f in found["features"]}


# ------------------------------------------------------------------------------ the embed


def test_another_site_shows_place_names_and_the_map_in_a_360x450_frame(
    visitor: Any, watch: Watch, server: Server, host: Host, artifacts: Path
) -> None:
    url = host.page("salons", f"{server.url}/embed/{CITY}?category=salon")
    page, frame = framed(visitor, watch, url)
    frame_box = page.locator("iframe").bounding_box()
    assert (frame_box["width"], frame_box["height"]) == (360, 450)
    # a place name, inside the frame, without scrolling: one of the city's salons
    first = frame.locator("#place-list .place-name").first
    assert first.is_visible() and inside(first.bounding_box(), frame_box)
    assert first.inner_text() in salon_names(server)
    assert frame.locator("#place-list > li").count() == min(50, api_count(server, category="salon"))
    # no site header; the credit line and the link to the full map are in the frame
    assert frame.locator(".site-header").count() == 0
    footer = frame.locator(".embed-footer")
    assert inside(footer.bounding_box(), frame_box) and footer.bounding_box()["height"] <= 48
    assert frame.locator("#demo-notice").is_visible()
    full = frame.locator("#full-map")
    assert full.inner_text().startswith("大きな地図で見る")
    assert full.get_attribute("href") == f"/map/{CITY}?category=salon"
    assert full.get_attribute("target") == "_blank"
    shot(page, artifacts, "embed-framed-list")
    # the map, one tap away, with every salon on it
    frame.locator("#tab-map").click()
    assert frame.locator("#map").is_visible() and frame.locator("#place-list").is_hidden()
    assert inside(frame.locator("#map").bounding_box(), frame_box)
    expected = api_count(server, category="salon")
    frame.locator(".leaflet-marker-pane .tsd-cluster, .leaflet-marker-pane .tsd-pin").first \
        .wait_for()
    shown = frame.locator("html").evaluate(f"() => ({MARKER_TOTAL})()")
    assert shown == expected
    shot(page, artifacts, "embed-framed-map")
    # a marker's card opens inside the frame, in the list's tab
    pin = frame.locator(".leaflet-marker-pane .tsd-pin")
    for _ in range(10):  # into the clusters until a single marker shows
        if pin.count():
            break
        frame.locator(".leaflet-marker-pane .tsd-cluster").first.click()
        page.wait_for_timeout(300)
    pin.first.click()
    title = frame.locator("#card-title")
    title.wait_for()
    assert inside(title.bounding_box(), frame_box)
    assert title.inner_text() in salon_names(server)
    assert frame.locator("#tab-list").get_attribute("aria-selected") == "true"
    # the full-map link follows: the same place, on the full map
    assert "place=" in (full.get_attribute("href") or "")
    shot(page, artifacts, "embed-framed-card")
    frame.locator("#card-body .embed-on-map").click()
    assert frame.locator("#tab-map").get_attribute("aria-selected") == "true"
    assert frame.locator(".tsd-pin.is-selected").count() == 1
    assert [e for e in watch.errors if not expected_errors(e)] == []


def test_the_code_keeps_the_frame_within_a_phone_screen(
    visitor: Any, watch: Watch, server: Server, host: Host
) -> None:
    """A 900 px frame on a 400 px phone is shrunk to the screen (max-width:100%) and so shows
    the narrow layout, tabs and all, rather than half a map."""
    url = host.page("wide-on-phone", f"{server.url}/embed/{CITY}",
                    size={"width": 900, "height": 520})
    page, frame = framed(visitor, watch, url)
    assert page.locator("iframe").bounding_box()["width"] <= 400
    assert frame.locator("#tab-list").is_visible() and frame.locator("#tab-map").is_visible()


def test_at_320x400_the_list_and_the_map_are_reachable_by_keyboard(
    visitor: Any, watch: Watch, server: Server, host: Host
) -> None:
    url = host.page("small", f"{server.url}/embed/{CITY}?view=map&lang=en", size=SMALLEST)
    page, frame = framed(visitor, watch, url)
    frame_box = page.locator("iframe").bounding_box()
    # view=map starts on the map
    assert frame.locator("#tab-map").get_attribute("aria-selected") == "true"
    assert frame.locator("#map").is_visible() and frame.locator("#panel").is_hidden()
    frame.locator("#tab-map").focus()
    page.keyboard.press("ArrowLeft")
    assert frame.locator("#tab-list").get_attribute("aria-selected") == "true"
    assert frame.locator("#tab-list").evaluate("b => b === document.activeElement")
    name = frame.locator("#place-list .place-name").first
    assert name.is_visible() and inside(name.bounding_box(), frame_box)
    # into the list with Tab, open a card with Enter, back with Escape; the frame's steps are
    # not added to the host page's history (its back button stays the host's)
    steps = page.evaluate("() => history.length")
    page.keyboard.press("Tab")
    for _ in range(6):
        if frame.locator("#place-list button:focus").count():
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    frame.locator("#card-title").wait_for()
    assert frame.locator("#card-title").evaluate("h => h === document.activeElement")
    page.keyboard.press("Escape")
    assert frame.locator("#card").is_hidden()
    assert page.evaluate("() => history.length") == steps
    page.keyboard.press("End")  # not on the tabs: nothing changes
    assert frame.locator("#tab-list").get_attribute("aria-selected") == "true"
    # every part of the foot line is inside the frame, in English too
    for part in ("#demo-notice", ".embed-credits summary", "#full-map"):
        assert inside(frame.locator(part).bounding_box(), frame_box), part
    assert frame.locator("#full-map").inner_text().startswith("Open the full map")
    assert frame.locator("#full-map").get_attribute("href") == f"/map/{CITY}?lang=en"


def test_a_wide_frame_shows_the_list_and_the_map_side_by_side(
    visitor: Any, watch: Watch, server: Server, host: Host
) -> None:
    url = host.page("wide", f"{server.url}/embed/{CITY}?area=15100-L1-15103",
                    size={"width": 900, "height": 520})
    page, frame = framed(visitor, watch, url, viewport={"width": 1000, "height": 700})
    assert page.locator("iframe").bounding_box()["width"] == 900
    assert frame.locator("#tab-list").is_hidden()
    assert frame.locator("#panel").is_visible() and frame.locator("#map").is_visible()
    assert frame.locator("#panel").get_attribute("role") is None
    expected = api_count(server, area="15100-L1-15103")
    page.wait_for_timeout(300)
    assert frame.locator("html").evaluate(f"() => ({MARKER_TOTAL})()") == expected


@pytest.mark.parametrize("origins", ["setting names another site", "setting names the host"])
def test_frame_ancestors_follow_the_setting(
    visitor: Any, watch: Watch, strict_server: Server, host_server: Server, host: Host,
    origins: str,
) -> None:
    app = strict_server if origins == "setting names another site" else host_server
    url = host.page(f"framing-{app.url[-5:]}", f"{app.url}/embed/{CITY}?category=salon")
    page = visitor.new_page()
    watch_page(page, watch)
    page.goto(url)
    frame = page.frame_locator("iframe")
    if origins == "setting names the host":
        frame.locator("html[data-ready=true]").wait_for(state="attached", timeout=20000)
        assert frame.locator("#place-list .place-name").count() > 0
        assert not any("frame-ancestors" in e for e in watch.errors)
        return
    page.wait_for_function(
        "() => document.querySelector('iframe').contentWindow.length === 0", timeout=10000)
    page.wait_for_timeout(1000)
    child = page.frames[1]
    assert child.url.startswith("chrome-error://"), child.url
    assert any("frame-ancestors" in e for e in watch.errors), watch.errors


@pytest.mark.parametrize("path", [f"/map/{CITY}", f"/share/{CITY}", "/", "/docs"])
def test_no_other_page_can_be_framed_by_another_site(
    visitor: Any, watch: Watch, server: Server, host: Host, path: str
) -> None:
    url = host.page(f"other{path.replace('/', '-')}", f"{server.url}{path}")
    page = visitor.new_page()
    watch_page(page, watch)
    page.goto(url)
    page.wait_for_timeout(1500)
    assert page.frames[1].url.startswith("chrome-error://"), page.frames[1].url
    assert any("frame-ancestors" in e for e in watch.errors), watch.errors


# ------------------------------------------------------------------------------ location


def _locate(frame: Any) -> None:
    frame.locator("#tools > summary").click()
    if not frame.locator("#near").evaluate("d => d.open"):
        frame.locator("#near > summary").click()
    frame.locator("#locate").click()


def test_location_refused_by_the_host_page_says_so_and_offers_the_town_search(
    browser: Any, watch: Watch, server: Server, host: Host
) -> None:
    here = {"latitude": 37.9161, "longitude": 139.0236}  # 新潟市役所
    context = open_context(browser, watch, viewport={"width": 400, "height": 700},
                           geolocation=here, permissions=["geolocation"])
    try:
        # the iframe the city pasted lacks allow="geolocation"
        url = host.page("no-allow", f"{server.url}/embed/{CITY}", allow_location=False)
        page, frame = framed(context, watch, url)
        _locate(frame)
        status = frame.locator("#near-status")
        assert "現在地の利用を許可していません" in status.inner_text()
        assert 'allow="geolocation"' in status.inner_text()
        assert frame.locator("#town-q").evaluate("i => i === document.activeElement")
        assert frame.locator("#near-chosen").is_hidden()
        # the town search works from there
        page.keyboard.type("関屋本村町")
        page.keyboard.press("Enter")
        frame.locator("#town-results button").first.click()
        frame.locator("#near-chosen:not([hidden])").wait_for()
        page.close()
        # with allow="geolocation" the same frame finds the resident's location
        url = host.page("allow", f"{server.url}/embed/{CITY}")
        page, frame = framed(context, watch, url)
        _locate(frame)
        frame.locator("#near-chosen:not([hidden])").wait_for()
        assert "現在地" in frame.locator("#near-label").inner_text()
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


# ------------------------------------------------------------------------------ accessibility


@pytest.mark.parametrize("size", [FRAME, {"width": 1280, "height": 800}], ids=["360x450", "wide"])
@pytest.mark.parametrize("path", [f"/embed/{CITY}?category=salon", f"/embed/{CITY}?view=map",
                                  f"/share/{CITY}"])
def test_axe_finds_no_violations_on_the_embed_and_the_share_page(
    browser: Any, watch: Watch, server: Server, axe_source: str, artifacts: Path,
    path: str, size: dict[str, int],
) -> None:
    context = open_context(browser, watch, viewport=size)
    page = context.new_page()
    watch_page(page, watch)
    try:
        page.goto(f"{server.url}{path}")
        page.wait_for_selector("html[data-ready=true]", state="attached", timeout=20000)
        if path.startswith("/share"):
            page.frame_locator("#preview").locator("html[data-ready=true]").wait_for(
                state="attached", timeout=20000)
        assert run_axe(page, axe_source) == []
        if path.startswith("/embed"):  # again with a card open and the sources shown
            if page.locator("#panel").is_hidden():
                page.click("#tab-list")
            page.locator("#place-list button").first.click()
            page.locator("#card-title").wait_for()
            page.locator(".embed-credits summary").click()
            assert run_axe(page, axe_source) == []
        name = re.sub(r"\W+", "-", f"{path}-{size['width']}").strip("-")
        shot(page, artifacts, f"axe-{name}")
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


# ------------------------------------------------------------------------------ the share page


def _server_snippet(server: Server, query: str) -> str:
    with urlopen(f"{server.url}/share/{CITY}?{query}", timeout=30) as r:  # noqa: S310
        text = r.read().decode("utf-8")
    found = re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', text, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def _decode_qr(page: Any, tmp_path: Path, name: str) -> str:
    """zbarimg on a screenshot of the QR code as the page shows it."""
    page.wait_for_function("() => { const i = document.querySelector('#qr');"
                           " return i.complete && i.naturalWidth > 0; }")
    png = tmp_path / f"{name}.png"
    page.locator("#qr").screenshot(path=str(png))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True,
                         text=True, check=True, timeout=30)
    return out.stdout.strip()


@pytest.fixture(scope="module")
def zbarimg() -> str:
    found = shutil.which("zbarimg")
    if found is None:
        pytest.fail("zbarimg is missing (apt-get install zbar-tools; .ci/run installs it)")
    return found


def test_the_share_page_code_link_and_qr_follow_each_choice(
    browser: Any, watch: Watch, server: Server, tmp_path: Path, zbarimg: str, artifacts: Path
) -> None:
    context = open_context(browser, watch, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    watch_page(page, watch)
    try:
        page.goto(f"{server.url}/share/{CITY}")
        page.wait_for_selector("html[data-ready=true]", state="attached")
        base = server.url
        assert page.locator("#snippet").input_value() == _server_snippet(server, "")
        assert _decode_qr(page, tmp_path, "all") == f"{base}/map/{CITY}"

        before = page.locator("#snippet").input_value()
        page.locator('input[name="category"][value="salon"]').check()
        page.wait_for_function(f"() => document.querySelector('#snippet').value !== {before!r}")
        snippet = page.locator("#snippet").input_value()
        assert f'src="{base}/embed/{CITY}?category=salon"' in snippet
        assert 'allow="geolocation"' in snippet and 'title="新潟市' in snippet
        assert snippet == _server_snippet(server, "category=salon")

        # more choices: area, size, language, layout — the same text as the server writes
        page.select_option("#share-area", "15100-L1-15103")
        page.fill("#share-width", "600")
        page.fill("#share-height", "500")
        page.check('input[name="map_lang"][value="en"]')
        page.check('input[name="view"][value="map"]')
        query = "category=salon&area=15100-L1-15103&width=600&height=500&map_lang=en&view=map"
        expected = _server_snippet(server, query)
        page.wait_for_function(
            f"() => document.querySelector('#snippet').value === {expected!r}", timeout=5000)
        assert 'width="600" height="500"' in expected and "view=map" in expected
        assert "title=\"Niigata: places where neighbours gather\"" in expected
        chosen = [("category", "salon"), ("area", "15100-L1-15103"), ("lang", "en")]
        link = f"{base}/map/{CITY}?{form_query(chosen)}"
        assert page.locator("#share-link").input_value() == link
        # the live preview shows that embed: English, the map first, salons of 中央区 only
        preview = page.frame_locator("#preview")
        page.wait_for_function("() => document.querySelector('#preview').getAttribute('src')"
                               ".includes('view=map')")
        preview.locator("html[data-ready=true][lang=en]").wait_for(state="attached", timeout=20000)
        assert preview.locator("#tab-map").get_attribute("aria-selected") == "true"
        assert page.locator("#preview").get_attribute("width") == "600"
        preview.locator("#tab-list").click()
        n = api_count(server, category="salon", area="15100-L1-15103")
        assert preview.locator("#place-list > li").count() == n
        # the QR code is the link, read by a real decoder from what the page shows
        assert _decode_qr(page, tmp_path, "chosen") == link
        # copying puts the code on the clipboard; a reload keeps the choices
        page.click("#copy-snippet")
        page.wait_for_function("() => document.querySelector('#copy-snippet-status').textContent")
        assert page.evaluate("() => navigator.clipboard.readText()") == expected
        shot(page, artifacts, "share-page")
        page.reload()
        page.wait_for_selector("html[data-ready=true]", state="attached")
        assert page.locator("#snippet").input_value() == expected
    finally:
        context.close()
    assert watch.blocked == []
    assert [e for e in watch.errors if not expected_errors(e)] == []


def test_the_page_script_writes_queries_as_the_server_does(
    browser: Any, watch: Watch, server: Server
) -> None:
    """URLSearchParams (share.js, state.js) and form_query (embed.py) encode alike."""
    tricky = [("category", "salon,chanoma"), ("area", "15100-L2-d01"), ("q", "中央 区~*'()!"),
              ("x", "a+b&c=d/é")]
    context = open_context(browser, watch)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/share/{CITY}")
        js = page.evaluate("(pairs) => new URLSearchParams(pairs).toString()", tricky)
    finally:
        context.close()
    assert js == form_query(tricky)


def test_the_map_page_links_to_the_share_page_with_its_view(
    visitor: Any, watch: Watch, server: Server
) -> None:
    page = visitor.new_page()
    watch_page(page, watch)
    page.goto(f"{server.url}/map/{CITY}?category=salon&area=15100-L1-15103")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=20000)
    link = page.locator("#credits a[data-view-link]")
    assert link.get_attribute("href") == f"/share/{CITY}?category=salon&area=15100-L1-15103"
    link.click()
    page.wait_for_selector("html[data-ready=true]", state="attached")
    assert page.locator('input[name="category"][value="salon"]').is_checked()
    assert page.locator("#share-area").input_value() == "15100-L1-15103"
    assert 'category=salon&amp;area=15100-L1-15103"' in page.locator("#snippet").input_value()

