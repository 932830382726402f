"""/embed and /share without a browser: who may frame which page, what the embed carries, and the
code, link and QR code the share page writes (escaped, as the form chose)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient

from geo.errors import UsageError
from geo.store.base import Store
from service.app import create_app
from service.routes.embed import SIZES, ShareChoice, form_query, iframe_snippet
from service.settings import Settings

CITY = "15100"
SCRIPTS = Path(__file__).resolve().parents[1] / "layers" / "static" / "tsudoi"
ORIGINS = "https://www.city.niigata.lg.jp http://127.0.0.1:8080/ https://*.example.jp"


@pytest.fixture(scope="module")
def client(demo_each_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(demo_each_store, Settings.from_env({}))) as c:
        yield c


@pytest.fixture(scope="module")
def strict(demo_each_store: Store) -> Iterator[TestClient]:
    settings = Settings.from_env({"TSUDOI_EMBED_ORIGINS": ORIGINS})
    with TestClient(create_app(demo_each_store, settings)) as c:
        yield c


def _csp(response: Any) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


def _config(text: str) -> dict[str, Any]:
    block = re.search(r'<script type="application/json" id="tsudoi-config">(.*?)</script>',
                      text, re.S)
    assert block is not None
    data: dict[str, Any] = json.loads(block.group(1))
    return data


# ------------------------------------------------------------------------------ framing


@pytest.mark.parametrize("path", ["/", f"/map/{CITY}", "/map/99999", "/coordinator/35202",
                                  f"/share/{CITY}", "/docs", "/ogc?f=html"])
def test_every_page_but_the_embed_is_framed_by_this_service_only(
    client: TestClient, strict: TestClient, path: str
) -> None:
    for c in (client, strict):
        r = c.get(path)
        assert r.headers["content-type"].startswith("text/html")
        assert _csp(r)["frame-ancestors"] == "'self'"
        assert r.headers["content-security-policy"].count("frame-ancestors") == 1
        assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_embed_is_framed_as_the_setting_says(client: TestClient, strict: TestClient) -> None:
    anyone = client.get(f"/embed/{CITY}")
    assert anyone.status_code == 200
    assert "frame-ancestors" not in anyone.headers["content-security-policy"]
    assert "x-frame-options" not in anyone.headers
    named = strict.get(f"/embed/{CITY}", params={"category": "salon"})
    policy = _csp(named)
    assert policy["frame-ancestors"] == (
        "'self' https://www.city.niigata.lg.jp http://127.0.0.1:8080 https://*.example.jp")
    assert "x-frame-options" not in named.headers
    # the rest of the policy is the pages' strict one
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in named.headers["content-security-policy"]
    # JSON and static files are not pages: no framing headers to add
    assert "x-frame-options" not in client.get("/api/cities").headers


@pytest.mark.parametrize("value", [
    "www.city.niigata.lg.jp", "https://www.city.niigata.lg.jp/kurashi/", "ftp://example.jp",
    "https://example.jp?x=1", "'self'", "*", "https://exa mple.jp", "javascript:alert(1)"])
def test_a_bad_embed_origin_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(UsageError, match="TSUDOI_EMBED_ORIGINS"):
        Settings.from_env({"TSUDOI_EMBED_ORIGINS": f"https://ok.example.jp {value}"})


def test_the_refusal_names_the_origin_it_cannot_use() -> None:
    with pytest.raises(UsageError, match=r"not 'https://example\.jp/kurashi/'"):
        Settings.from_env({"TSUDOI_EMBED_ORIGINS": "https://example.jp/kurashi/"})


def test_embed_origins_are_read_trimmed_and_once() -> None:
    origins = " https://a.jp/  https://A.jp\thttp://b.jp:8080 "
    settings = Settings.from_env({"TSUDOI_EMBED_ORIGINS": origins})
    assert settings.embed_origins == ("https://a.jp", "http://b.jp:8080")
    assert settings.embed_frame_ancestors() == "'self' https://a.jp http://b.jp:8080"
    assert Settings.from_env({}).embed_frame_ancestors() is None
    assert Settings.from_env({"TSUDOI_EMBED_ORIGINS": "  "}).embed_origins == ()


# ------------------------------------------------------------------------------ the embed


def test_the_embed_is_the_map_without_the_header(client: TestClient) -> None:
    r = client.get(f"/embed/{CITY}", params={"category": "salon", "area": "15100-L1-15103",
                                             "view": "map", "lang": "en", "place": "x"})
    assert r.status_code == 200 and '<html lang="en" class="embed-root">' in r.text
    assert "site-header" not in r.text and 'id="tab-map"' in r.text
    assert 'class="page page-map page-embed embed-tabbed"' in r.text
    config = _config(r.text)
    assert config["embed"] == {"view": "map"} and config["demo"] is True
    assert config["api"]["places"] == f"/api/cities/{CITY}/places"
    full = re.search(r'<a class="embed-full" id="full-map" href="([^"]+)"[^>]*>', r.text)
    assert full is not None and 'target="_blank"' in full.group(0)
    link = f"/map/{CITY}?category=salon&area=15100-L1-15103&place=x&lang=en"
    assert unescape(full.group(1)) == link
    assert "Open the full map" in r.text and "Demo data" in r.text
    ja = client.get(f"/embed/{CITY}", params={"view": "sideways"})
    assert _config(ja.text)["embed"] == {"view": "both"} and "大きな地図で見る" in ja.text
    assert 'class="page page-map page-embed"' in ja.text
    assert client.get("/embed/99999").status_code == 404


def test_the_embed_loads_the_map_scripts_then_its_own_then_main(client: TestClient) -> None:
    html = client.get(f"/embed/{CITY}").text
    deferred = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert deferred[0] == "/static/vendor/leaflet-1.9.4/leaflet.js"
    assert deferred[-2:] == ["/static/tsudoi/embed/embed.js", "/static/tsudoi/map/main.js"]
    on_disk = {f"/static/tsudoi/map/{p.name}" for p in (SCRIPTS / "map").glob("*.js")}
    assert on_disk <= set(deferred), "the embed runs the residents' map's own scripts"
    assert deferred.index("/static/tsudoi/common.js") < deferred.index(
        "/static/tsudoi/map/state.js")


@pytest.mark.parametrize("path", [f"/embed/{CITY}?lang=en", f"/share/{CITY}?lang=en"])
def test_embed_and_share_load_only_from_this_service(client: TestClient, path: str) -> None:
    html = client.get(path).text
    for asset in re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', html):
        if asset.startswith("http://testserver/embed/"):  # the share page's preview
            asset = asset.removeprefix("http://testserver")
        assert asset.startswith(("/static/", "/api/", "/embed/", "/share/")), asset
        assert client.get(unescape(asset)).status_code == 200, asset
    page = re.sub(r"<textarea.*?</textarea>", "", html, flags=re.S)  # the code shown as text
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert not re.search(r"\son[a-z]+=", page) and " style=" not in page


def test_the_city_list_and_the_map_link_to_the_share_page(client: TestClient) -> None:
    assert f'href="/share/{CITY}"' in client.get("/").text
    assert f'href="/share/{CITY}?lang=en"' in client.get("/", params={"lang": "en"}).text
    text = client.get(f"/map/{CITY}").text
    assert f'href="/share/{CITY}" data-view-link="/share/{CITY}"' in text


# ------------------------------------------------------------------------------ the share page


def _snippet(text: str) -> str:
    found = re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', text, re.S)
    assert found is not None
    return unescape(found.group(1))


class _Iframes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append({"tag": tag, **dict(attrs)})


def test_the_share_page_writes_the_code_the_link_and_the_qr_address(client: TestClient) -> None:
    r = client.get(f"/share/{CITY}", params=[
        ("category", "salon"), ("category", "chanoma,nope"), ("area", "15100-L1-15103"),
        ("width", "9999"), ("height", "abc"), ("map_lang", "en"), ("view", "list")])
    assert r.status_code == 200
    query = form_query([("category", "salon,chanoma"), ("area", "15100-L1-15103"), ("lang", "en")])
    snippet = _snippet(r.text)
    assert snippet == iframe_snippet(
        f"http://testserver/embed/{CITY}?{query}&view=list",
        "Niigata: places where neighbours gather", SIZES["width"][1], SIZES["height"][2])
    assert 'allow="geolocation"' in snippet and 'loading="lazy"' in snippet
    assert f'value="http://testserver/map/{CITY}?{query.replace("&", "&amp;")}"' in r.text
    assert f'src="/share/{CITY}/qr.svg?{query.replace("&", "&amp;")}"' in r.text
    assert re.search(r'value="salon" checked', r.text) and re.search(r'value="chanoma" checked',
                                                                     r.text)
    assert '<option value="15100-L1-15103" selected>' in r.text
    # an unknown area is dropped; every kind ticked is every kind (no filter)
    kinds = [c.slug for c in client.app.state.store.categories(CITY) if c.kind == "gathering"]
    every = client.get(f"/share/{CITY}", params=[("category", k) for k in kinds]
                       + [("area", "35202-x")])
    assert f'src="http://testserver/embed/{CITY}" ' in _snippet(every.text)
    assert "地図をホームページに載せる" in every.text


def test_the_code_escapes_what_it_quotes() -> None:
    title = '新潟市"><script>alert(1)</script> & \'x\''
    src = "https://tsudoi.example.jp/embed/15100?category=salon&area=15103"
    snippet = iframe_snippet(src, title, 360, 450)
    assert "<script" not in snippet
    parser = _Iframes()
    parser.feed(snippet)
    assert [f["tag"] for f in parser.found] == ["iframe"]
    iframe = parser.found[0]
    assert iframe["src"] == src and iframe["title"] == title
    assert iframe["allow"] == "geolocation" and iframe["width"] == "360"


def test_share_choice_addresses() -> None:
    area = "15100-L2-d01"
    choice = ShareChoice(categories=("salon", "chanoma"), area=area, lang="en", view="map")
    assert choice.map_path(CITY) == f"/map/{CITY}?category=salon%2Cchanoma&area={area}&lang=en"
    assert choice.embed_path(CITY).endswith("&lang=en&view=map")
    assert ShareChoice().embed_path(CITY) == f"/embed/{CITY}"
    assert form_query([("q", "中央 区~*")]) == "q=%E4%B8%AD%E5%A4%AE+%E5%8C%BA%7E*"


def test_the_qr_code_is_an_svg_of_the_full_map_link(client: TestClient) -> None:
    r = client.get(f"/share/{CITY}/qr.svg", params={"category": "salon", "area": "15100-L1-15103"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.headers["content-security-policy"] == "default-src 'none'"
    root = ElementTree.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    ns = {"s": "http://www.w3.org/2000/svg"}
    title = root.find("s:title", ns)
    assert title is not None
    assert title.text == f"http://testserver/map/{CITY}?category=salon&area=15100-L1-15103"
    assert not root.findall(".//s:script", ns)
    assert client.get(f"/share/{CITY}/qr.svg", params={"category": "nope"}).status_code == 422
    assert client.get(f"/share/{CITY}/qr.svg", params={"area": "35202-x"}).status_code == 422
    assert client.get("/share/99999/qr.svg").status_code == 404
