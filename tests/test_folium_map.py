"""The Folium listing map: layers and popups, escaping, local assets, and a real browser run.

The browser tests drive the system Chromium (/usr/bin/chromium) with Playwright and block
every request that is not file:// or 127.0.0.1; without Chromium they skip, unless
TSUDOI_REQUIRE_BROWSER=1, where they fail.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
import pytest
from shapely.geometry import MultiPolygon, box

from geo.model import Area, Contact, Place
from geo.store.base import PlaceQuery
from geo.store.gpkg import GpkgStore
from layers.categories import DEFAULT_CATEGORIES
from layers.folium import listing_map
from layers.schedule import next_date, parse_schedule
from service.demo import demo_credits, load_demo
from service.serialize import place_feature

CHROMIUM = Path("/usr/bin/chromium")
VENDOR = Path(__file__).resolve().parents[1] / "layers" / "static" / "vendor"
XSS = "<img src=x onerror=alert(1)>"
BREAKOUT = "</script><script>alert(2)</script>${alert(3)}`"
NOW = date(2026, 11, 17)  # Tuesday; 11/23 (Mon) is 勤労感謝の日
URL = re.compile(r"https?://[^\s\"'<>)\\]+")
CDN_WORDS = ("jsdelivr", "bootstrapcdn", "code.jquery.com", "cdnjs", "fontawesome", "unpkg")


def _place(pid: str, name: str, category: str, lon: float, lat: float, **kw: Any) -> Place:
    return Place(id=pid, city="15100", kind="gathering", category=category, name=name,
                 lon=lon, lat=lat, **kw)


def _places() -> list[Place]:
    return [
        _place(
            "p1", "すみれ野ふれあいサロン", "salon", 139.0400, 37.9100,
            kana="すみれのふれあいさろん",
            address="新潟市北区すみれ野四丁目", schedule="毎週月曜 13:30〜15:30",
            schedule_rules=[{"weekdays": [0], "weeks": None, "start": "13:30", "end": "15:30"}],
            fee="100円", organiser="すみれ野自治会", phone="０２５－０００－１００１",
            description="お茶を飲みながら交流します。", accessibility="段差なし・車椅子可",
            url="https://example.jp/salon?a=1&b=2", last_verified="2026-10-01",
            internal_contact="内部連絡先 090-SECRET", extra={"memo": "EXTRA-SECRET"},
        ),
        _place(
            "p2", "松浜 地域の茶の間", "chanoma", 139.0500, 37.9200,
            schedule="毎月第2・第4水曜 10:00〜12:00", demo=True, url="javascript:alert(1)",
        ),
        _place("p3", XSS, "salon", 139.0600, 37.9150, phone="025-000-9999 内線12"),
        _place("p4", BREAKOUT, "community-cafe", 139.0450, 37.9250,
               location_precision="town"),
        _place("p5", "ふしぎな集まり", "no-such-category", 139.0550, 37.9050),
    ]


def _areas() -> list[Area]:
    return [
        Area(id="a1", city="15100", level=1, name="北区",
             geometry=MultiPolygon([box(139.02, 37.89, 139.08, 37.94)])),
        Area(
            id="a2", city="15100", level=2, name="すみれ野圏域 <b>太字</b>",
            geometry=MultiPolygon([box(139.03, 37.90, 139.05, 37.93)]), parent="a1",
            contacts=[Contact(role="地域包括支援センター", name="包括すみれ野",
                              phone="025-000-0101", hours="月〜金 8:30〜17:15")],
        ),
    ]


CATEGORIES = list(DEFAULT_CATEGORIES)


def _html(m: folium.Map, tmp_path: Path, name: str = "map.html") -> str:
    out = tmp_path / name
    m.save(str(out))
    return out.read_text(encoding="utf-8")


def _calls(page: str, method: str) -> list[Any]:
    """The first argument of every ``.method(…)`` call, decoded from its JSON."""
    decoder = json.JSONDecoder()
    found = []
    for m in re.finditer(rf"\.{method}\(\s*", page):
        value, _ = decoder.raw_decode(page, m.end())
        found.append(value)
    return found


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


def _popup_for(page: str, name_fragment: str) -> str:
    popups = [p for p in _calls(page, "bindPopup") if name_fragment in p]
    assert len(popups) == 1, name_fragment
    result: str = popups[0]
    return result


# ------------------------------------------------------------------ structure


def test_one_layer_per_category_named_with_its_count() -> None:
    m = listing_map(_places(), CATEGORIES, now=NOW)
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    visible = [_parse(n) for n in names]
    labels = ["".join(p.text[1:]) for p in visible]  # after the swatch's mark
    assert labels == ["サロン (2)", "地域の茶の間 (1)", "コミュニティカフェ (1)", "その他 (1)"]
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())


def test_pins_carry_the_category_colour_and_a_mark(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    icons = [_parse(json.loads(f'"{h}"')) for h in re.findall(r'"html": "((?:[^"\\]|\\.)*)"', page)]
    pins = [dict(t[1]) for p in icons for t in p.tags if "tsudoi-pin" in (t[1].get("class") or "")]
    assert len(pins) == 5
    salon = [p for p in icons if "すみれ野ふれあいサロン" in "".join(p.text)][0]
    assert "background:#c2255c" in (salon.tags[0][1]["style"] or "")
    assert salon.text[0] == "サ"  # colour is not the only cue


def test_popup_shows_public_fields_and_next_date(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    popup = _parse(_popup_for(page, "すみれ野ふれあいサロン"))
    text = "".join(popup.text)
    for expected in (
        "すみれ野ふれあいサロン", "すみれのふれあいさろん", "サロン", "毎週月曜 13:30〜15:30",
        "次回開催", "2026年11月30日（月） 13:30〜15:30",  # 11/23 勤労感謝の日 is skipped
        "2026年11月17日時点", "100円", "新潟市北区すみれ野四丁目", "０２５－０００－１００１",
        "すみれ野自治会", "お茶を飲みながら交流します。", "段差なし・車椅子可", "2026-10-01",
    ):
        assert expected in text, expected
    hrefs = [a.get("href") for tag, a in popup.tags if tag == "a"]
    assert "tel:0250001001" in hrefs
    assert "https://example.jp/salon?a=1&b=2" in hrefs


def test_without_stored_rules_there_is_no_next_date_as_in_the_api(tmp_path: Path) -> None:
    chanoma = _places()[1]
    assert chanoma.schedule and not chanoma.schedule_rules  # text the engine could read …
    assert place_feature(chanoma, now=NOW)["properties"]["next_date"] is None  # … the API won't
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    text = "".join(_parse(_popup_for(page, "松浜 地域の茶の間")).text)
    assert "毎月第2・第4水曜 10:00〜12:00" in text  # the text is shown as the city wrote it
    assert "次回開催" not in text and "2026年11月25日" not in text


@pytest.mark.parametrize("now", [NOW, datetime(2026, 11, 19, 15, 0, tzinfo=UTC)])
def test_next_date_is_the_apis_when_text_and_rules_disagree(tmp_path: Path, now: Any) -> None:
    """The text says Mondays, the stored rules say Thursdays: the map shows the API's date."""
    place = _place(
        "p9", "くすのき 木曜サロン", "salon", 139.0420, 37.9120,
        schedule="毎週月曜 13:30〜15:30",
        schedule_rules=[{"weekdays": [3], "weeks": None, "start": "10:00", "end": "11:30"}],
    )
    api = place_feature(place, now=now)["properties"]["next_date"]
    m = listing_map([place], CATEGORIES, now=now)
    text = "".join(_parse(_popup_for(_html(m, tmp_path), "くすのき")).text)
    by_text = next_date(parse_schedule(place.schedule), now)
    assert api is not None and by_text is not None and by_text.isoformat() != api
    shown = date.fromisoformat(api)
    assert f"{shown.year}年{shown.month}月{shown.day}日（木） 10:00〜11:30" in text
    assert f"{by_text.month}月{by_text.day}日" not in text
    # 19 Nov 15:00 UTC is 20 Nov 00:00 in Japan: Thursday the 19th has passed there
    assert api == ("2026-11-19" if now == NOW else "2026-11-26")


def test_next_date_after_todays_session_has_ended(tmp_path: Path) -> None:
    m = listing_map(_places(), CATEGORIES, now=datetime(2026, 11, 30, 16, 0))
    text = "".join(_parse(_popup_for(_html(m, tmp_path), "すみれ野ふれあいサロン")).text)
    assert "2026年12月7日（月）" in text


def test_internal_fields_never_appear(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    assert "SECRET" not in page
    assert "memo" not in page


def test_place_name_with_markup_is_shown_literally(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    assert XSS not in page
    assert "img" not in [tag for tag, _ in _parse(page).tags]
    popup = _parse(_popup_for(page, "&lt;img src=x onerror=alert(1)&gt;"))
    assert "img" not in [tag for tag, _ in popup.tags]
    assert XSS in "".join(popup.text)


def test_name_cannot_end_the_script_or_run_code(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    assert "</script><script>alert(2)" not in page
    scripts = [tag for tag, _ in _parse(page).tags if tag == "script"]
    plain = _html(listing_map(_places()[:1], CATEGORIES, now=NOW), tmp_path, "plain.html")
    assert len(scripts) == len([t for t, _ in _parse(plain).tags if t == "script"])
    # popups and tooltips are JSON strings, never template literals (where ${…} would run)
    assert not re.search(r"\.bind(?:Popup|Tooltip)\(\s*`", page)
    assert "$(`" not in page
    assert any(html.escape(BREAKOUT) in p for p in _calls(page, "bindPopup"))


def test_only_http_urls_become_links(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    popup = _parse(_popup_for(page, "松浜 地域の茶の間"))
    assert not [a for tag, a in popup.tags if tag == "a"]
    assert "javascript:" not in page


def test_phone_with_extension_is_text_not_a_wrong_link(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    popup = _parse(_popup_for(page, "&lt;img"))
    assert "025-000-9999 内線12" in "".join(popup.text)
    assert not [a for tag, a in popup.tags if tag == "a"]


def test_area_boundaries_with_escaped_name_tooltip_and_contacts(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, _areas(), now=NOW), tmp_path)
    tooltips = _calls(page, "bindTooltip")
    assert "すみれ野圏域 &lt;b&gt;太字&lt;/b&gt;" in tooltips
    assert "北区" in tooltips
    contacts = _parse(_popup_for(page, "包括すみれ野"))
    assert "tel:0250000101" in [a.get("href") for tag, a in contacts.tags if tag == "a"]
    m = listing_map(_places(), CATEGORIES, _areas(), now=NOW)
    names = [c.layer_name for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    assert names[:2] == ["第1階層（広い圏域） (1)", "第2階層（日常生活圏域） (1)"]


def test_demo_notice_is_visible_only_with_demo_data(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, title="北区の集いの場", now=NOW), tmp_path)
    body = page[page.index("<body>") : page.index("</body>")]
    assert "デモ用の仮データ" in body
    assert "<h1>北区の集いの場</h1>" in body
    assert "<title>北区の集いの場</title>" in page
    real = [p for p in _places() if not p.demo]
    page = _html(listing_map(real, CATEGORIES, now=NOW), tmp_path, "real.html")
    assert "デモ用の仮データ" not in page


def test_credits_go_in_the_attribution_as_links(tmp_path: Path) -> None:
    credits = ["国土数値情報（国土交通省） https://nlftp.mlit.go.jp/ksj/", "© <テスト>"]
    page = _html(listing_map(_places(), CATEGORIES, credits=credits, now=NOW), tmp_path)
    (attribution,) = _calls(page, "addAttribution")
    parsed = _parse(attribution)
    assert [a.get("href") for tag, a in parsed.tags if tag == "a"] == [
        "https://nlftp.mlit.go.jp/ksj/"
    ]
    assert "© <テスト>" in "".join(parsed.text)


def test_english_labels(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, lang="en", now=NOW), tmp_path)
    text = "".join(_parse(_popup_for(page, "すみれ野ふれあいサロン")).text)
    assert "Next date" in text and "Mon 30 November 2026" in text
    assert "as of 17 November 2026" in text
    assert "Every Monday, 13:30–15:30" in text
    assert '<html lang="en">' in page


# ------------------------------------------------------------------ assets


def test_assets_are_the_vendored_leaflet_and_nothing_from_a_cdn(tmp_path: Path) -> None:
    before = list(folium.Map.default_js), list(folium.Map.default_css)
    page = _html(listing_map(_places(), CATEGORIES, now=NOW), tmp_path)
    sources = [a.get("src") for tag, a in _parse(page).tags if tag == "script" and a.get("src")]
    links = [a.get("href") for tag, a in _parse(page).tags if tag == "link"]
    assert sources == ["/static/vendor/leaflet-1.9.4/leaflet.js"]
    assert links == ["/static/vendor/leaflet-1.9.4/leaflet.css"]
    assert not any(word in page for word in CDN_WORDS)
    # the only URL is the place's own website, a link in its popup (never fetched)
    assert {urlsplit(u).netloc for u in URL.findall(page)} == {"example.jp"}
    # the class keeps folium's defaults: other maps in the process are not changed
    assert (list(folium.Map.default_js), list(folium.Map.default_css)) == before
    assert "jsdelivr" in folium.Map().get_root().render()


def test_static_prefix_is_configurable(tmp_path: Path) -> None:
    m = listing_map(_places(), CATEGORIES, static_prefix="/tsudoi/static/", now=NOW)
    assert 'src="/tsudoi/static/vendor/leaflet-1.9.4/leaflet.js"' in _html(m, tmp_path)
    with pytest.raises(ValueError):
        listing_map(_places(), CATEGORIES, static_prefix='/x"><script>', now=NOW)


def test_inline_assets_make_a_self_contained_page(tmp_path: Path) -> None:
    page = _html(listing_map(_places(), CATEGORIES, inline_assets=True, now=NOW), tmp_path)
    tags = _parse(page).tags
    assert not [a for tag, a in tags if tag == "script" and a.get("src")]
    assert not [a for tag, a in tags if tag == "link"]
    assert "Leaflet 1.9.4" in page
    assert "url(images/" not in page  # the layer-control icons are data: URIs


@pytest.mark.parametrize("inline", [False, True])
def test_only_tile_host_and_credit_links_are_urls(tmp_path: Path, inline: bool) -> None:
    credits = ["国土数値情報 https://nlftp.mlit.go.jp/ksj/"]
    m = listing_map(_places(), CATEGORIES, basemap="gsi-pale", credits=credits,
                    inline_assets=inline, now=NOW)
    hosts = {urlsplit(u).netloc for u in URL.findall(_html(m, tmp_path))}
    allowed = {"cyberjapandata.gsi.go.jp", "maptiles.gsi.go.jp", "nlftp.mlit.go.jp", "example.jp"}
    if inline:
        # Leaflet's own attribution link and the SVG namespace name, never fetched
        allowed |= {"leafletjs.com", "www.w3.org"}
    assert hosts <= allowed
    assert "cyberjapandata.gsi.go.jp" in hosts


def test_bad_basemaps_are_refused() -> None:
    with pytest.raises(ValueError):
        listing_map(_places(), CATEGORIES, basemap="mapbox")
    with pytest.raises(ValueError):
        listing_map(_places(), CATEGORIES, basemap="https://tiles.example.jp/{z}/{x}/{y}.png")
    with pytest.raises(ValueError):
        listing_map(_places(), CATEGORIES, basemap="javascript:alert(1)//{z}{x}{y}",
                    basemap_attribution="x")


# ------------------------------------------------------------------ the demo pack


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Place], Any, Any]:
    store = GpkgStore(tmp_path_factory.mktemp("demo") / "d.gpkg")
    try:
        load_demo(store)
        places = store.places(PlaceQuery(city="15100"))
        return places, store.categories("15100"), store.areas("15100")
    finally:
        store.close()


def _demo_credits() -> list[str]:
    return [f"{c['source']} {c['url']}" for c in demo_credits()["credits"]]


def test_demo_pack_through_the_geopackage_store(
    demo_pack: tuple[list[Place], Any, Any], tmp_path: Path
) -> None:
    places, categories, areas = demo_pack
    assert len(places) > 100
    m = listing_map(places, categories, areas, title="新潟市（デモ）", credits=_demo_credits(),
                    now=NOW)
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    counts = [int(re.search(r"\((\d+)\)$", g.layer_name).group(1)) for g in groups]  # type: ignore[union-attr]
    levels = sorted({a.level for a in areas})
    assert sum(counts[len(levels):]) == len(places)
    page = _html(m, tmp_path)
    assert page.count("L.marker(") == len(places)
    assert "デモ用の仮データ" in page[page.index("<body>") : page.index("</body>")]
    assert "nlftp.mlit.go.jp" in _calls(page, "addAttribution")[0]
    nexts = [p for p in _calls(page, "bindPopup") if "次回開催" in p]
    assert len(nexts) >= len([p for p in places if p.schedule_rules]) * 0.9


# ------------------------------------------------------------------ in Chromium


# `browser` is the session-wide Chromium from tests/conftest.py.


class _Page:
    """A page that refuses every request off this machine and remembers it was tried."""

    def __init__(self, browser: Any) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", self._dialog)

    def _route(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("file", "data") or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[_Page]:
    p = _Page(browser)
    yield p
    p.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """tmp_path served on 127.0.0.1, with the vendored assets under /static/vendor."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "vendor").symlink_to(VENDOR, target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.mark.browser
def test_saved_inline_map_opens_from_disk_and_shows_markers(page: _Page, tmp_path: Path) -> None:
    m = listing_map(_places(), CATEGORIES, _areas(), inline_assets=True, now=NOW)
    out = tmp_path / "inline.html"
    m.save(str(out))
    page.page.goto(out.as_uri())
    page.page.wait_for_selector(".tsudoi-pin")
    assert page.page.locator(".tsudoi-pin").count() == 5
    assert page.page.locator("path.leaflet-interactive").count() == 2  # the two areas
    assert page.page.evaluate("typeof window.jQuery") == "undefined"
    labels = page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(t.strip().endswith("サロン (2)") for t in labels)
    assert page.page.locator(".tsudoi-banner").inner_text().find("デモ用の仮データ") >= 0

    xss = page.page.locator(".leaflet-marker-icon", has_text=XSS)
    assert xss.get_attribute("title") == XSS
    xss.click()
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert XSS in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert page.page.locator("img[src=x]").count() == 0

    page.page.locator(".leaflet-popup-close-button").click()
    page.page.locator(".leaflet-popup").wait_for(state="detached")
    # by keyboard: a click can land on another marker or the fading popup under a loaded CPU
    breakout = page.page.locator(".leaflet-marker-icon", has_text=BREAKOUT)
    breakout.focus()
    page.page.keyboard.press("Enter")
    assert BREAKOUT in page.page.locator(".leaflet-popup-content").inner_text()

    assert page.dialogs == [] and page.errors == [] and page.blocked == []


@pytest.mark.browser
def test_markers_open_with_the_keyboard(page: _Page, tmp_path: Path) -> None:
    out = tmp_path / "kbd.html"
    listing_map(_places(), CATEGORIES, inline_assets=True, now=NOW).save(str(out))
    page.page.goto(out.as_uri())
    marker = page.page.locator(".leaflet-marker-icon", has_text="すみれ野ふれあいサロン")
    marker.focus()
    page.page.keyboard.press("Enter")
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "次回開催" in popup.inner_text()
    assert page.blocked == [] and page.errors == []


@pytest.mark.browser
def test_demo_map_served_with_local_assets_in_chromium(
    page: _Page, server: tuple[str, Path], demo_pack: tuple[list[Place], Any, Any]
) -> None:
    base, root = server
    places, categories, areas = demo_pack
    m = listing_map(places, categories, areas, credits=_demo_credits(), now=NOW)
    m.save(str(root / "demo.html"))
    page.page.goto(f"{base}/demo.html")
    page.page.wait_for_selector(".tsudoi-pin")
    assert page.page.evaluate("typeof L") == "object"
    shown = [p for p in places if next(
        (c for c in categories if c.slug == p.category), None) is None
        or next(c for c in categories if c.slug == p.category).kind == "gathering"]
    assert page.page.locator(".tsudoi-pin").count() == len(shown)
    assert "nlftp.mlit.go.jp" in page.page.locator(".leaflet-control-attribution").inner_html()
    assert page.errors == [] and page.blocked == []


@pytest.mark.browser
def test_with_a_basemap_only_the_tile_host_is_contacted(page: _Page, tmp_path: Path) -> None:
    out = tmp_path / "tiles.html"
    listing_map(_places(), CATEGORIES, basemap="gsi-pale", inline_assets=True,
                now=NOW).save(str(out))
    page.page.goto(out.as_uri())
    page.page.wait_for_selector(".tsudoi-pin")
    page.page.wait_for_timeout(300)
    assert page.blocked, "tiles were expected to be requested (and blocked)"
    assert {urlsplit(u).hostname for u in page.blocked} == {"cyberjapandata.gsi.go.jp"}
    assert page.errors == []
