"""The residents' pages without a browser: they render, carry a strict CSP, load nothing from a
CDN, escape their config, and every label they use is in both catalogues."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from geo.errors import UsageError
from geo.model import Place
from geo.store.gpkg import GpkgStore
from layers import place_address
from layers.messages import LANGUAGES, messages, msgids
from layers.place_import import PlaceImportOptions, import_places
from service import serialize
from service.app import create_app
from service.demo import load_demo
from service.routes.pages import _templates, content_security_policy
from service.settings import BASEMAPS, Settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "service" / "templates"
SCRIPTS = ROOT / "layers" / "static" / "tsudoi"
FOLIUM = ROOT / "layers" / "folium"
OGC = ROOT / "service" / "ogc"
PAPER = [*(ROOT / "layers" / "paper").glob("*.py"), ROOT / "service" / "print_sheet.py"]
EXPORTS = ROOT / "layers" / "exports"
CDN_HOSTS = ("unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "ajax.googleapis.com",
             "fonts.googleapis.com", "fonts.gstatic.com", "code.jquery.com", "stackpath",
             "bootstrapcdn", "cdn.")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpkgStore]:
    s = GpkgStore(tmp_path_factory.mktemp("pages") / "demo.gpkg")
    load_demo(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(store: GpkgStore) -> Iterator[TestClient]:
    with TestClient(create_app(store, Settings.from_env({}))) as c:
        yield c


def _config(html: str) -> dict[str, Any]:
    block = re.search(
        r'<script type="application/json" id="tsudoi-config">(.*?)</script>', html, re.S)
    assert block is not None
    data: dict[str, Any] = json.loads(block.group(1))
    return data


# ------------------------------------------------------------------------------ pages


def test_the_city_list_links_to_each_city_map(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in r.text
    assert 'href="/map/15100"' in r.text and "新潟市" in r.text
    en = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in en.text and "Niigata" in en.text
    assert 'href="/map/15100?lang=en"' in en.text


def test_the_map_page_carries_config_not_data(client: TestClient) -> None:
    r = client.get("/map/15100")
    assert r.status_code == 200
    config = _config(r.text)
    assert config["lang"] == "ja" and config["city"]["code"] == "15100"
    assert config["api"]["places"] == "/api/cities/15100/places"
    assert config["api"]["towns"] == "/api/cities/15100/towns"
    assert config["api"]["walks"] == "/api/cities/15100/walks"
    assert config["messages"]["Next date"] == "次回開催"
    assert config["basemap"]["name"] == "gsi-pale"
    # no GeoJSON in the page: places and areas come from the API
    assert '"FeatureCollection"' not in r.text and '"coordinates"' not in r.text
    assert len(r.content) < 40_000


def test_the_map_page_shows_the_demo_notice_credits_and_tile_attribution(
    client: TestClient,
) -> None:
    text = client.get("/map/15100").text
    assert "デモ用の仮データ" in text
    assert "国土数値情報" in text and "Geolonia" in text and "国土地理院" in text
    assert "地理院タイル" in text and "https://maptiles.gsi.go.jp/development/ichiran.html" in text
    en = client.get("/map/15100", params={"lang": "en"}).text
    assert '<html lang="en">' in en and "stand-in demo data" in en


def test_the_map_page_takes_its_walking_times_from_the_walks_api(client: TestClient) -> None:
    """The page measures nothing itself: it asks the walks route, which says how it measured."""
    for code, point, method in (("35202", (33.95, 131.25), "network"),
                                ("15100", (37.9161, 139.0236), "straight-line")):
        config = _config(client.get(f"/map/{code}").text)
        assert "walking" not in config
        walks = client.get(config["api"]["walks"], params={"lat": point[0], "lon": point[1]})
        assert walks.json()["method"] == method


def test_every_demo_city_page_shows_its_notice_and_credits(client: TestClient) -> None:
    text = client.get("/map/35202").text
    assert "デモ用の仮データ" in text
    assert "OpenStreetMap" in text and "ODbL" in text
    shunan = client.get("/map/35215").text
    assert "デモ用の仮データ" in shunan and "31地区の公式な一覧と区域は公開されていません" in shunan
    assert "国土地理院" in shunan and "国土数値情報" in shunan and "Geolonia" in shunan
    english = client.get("/map/35215", params={"lang": "en"}).text
    assert "31 地区 (districts) and their boundaries is not open" in english


def test_an_unknown_city_is_a_404_page(client: TestClient) -> None:
    r = client.get("/map/99999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "99999" in r.text and 'href="/"' in r.text


def test_an_unknown_language_falls_back_to_japanese(client: TestClient) -> None:
    assert '<html lang="ja">' in client.get("/map/15100", params={"lang": "xx"}).text


# ------------------------------------------------------------------------------ CSP and assets


@pytest.mark.parametrize(
    "path", ["/", "/map/15100", "/map/99999", "/coordinator/35202", "/coordinator/99999"])
def test_pages_send_a_strict_content_security_policy(client: TestClient, path: str) -> None:
    csp = client.get(path).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["img-src"] == "'self' data: https://cyberjapandata.gsi.go.jp"
    assert "unsafe" not in csp


def test_csp_names_the_configured_tile_host_only() -> None:
    osm = content_security_policy(Settings(BASEMAPS["osm"]))
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in osm
    none = content_security_policy(Settings(BASEMAPS["none"]))
    assert "img-src 'self' data:;" in none
    custom = Settings.from_env({"TSUDOI_TILE_URL": "https://{s}.tiles.example.jp/{z}/{x}/{y}.png"})
    assert "https://*.tiles.example.jp" in content_security_policy(custom)


def test_settings_read_the_basemap_from_the_environment() -> None:
    assert Settings.from_env({}).basemap.name == "gsi-pale"
    assert Settings.from_env({"TSUDOI_BASEMAP": "osm"}).basemap.attribution.startswith("©")
    assert Settings.from_env({"TSUDOI_BASEMAP": "none"}).basemap.url is None
    custom = Settings.from_env({"TSUDOI_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
                                "TSUDOI_TILE_ATTRIBUTION": "社内タイル"}).basemap
    assert custom.origin() == "http://127.0.0.1:9" and custom.attribution == "社内タイル"
    with pytest.raises(UsageError):
        Settings.from_env({"TSUDOI_BASEMAP": "satellite"})
    with pytest.raises(UsageError):
        Settings.from_env({"TSUDOI_TILE_URL": "javascript:alert(1)"})


def _served_assets(client: TestClient, html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


def test_no_served_page_or_script_loads_anything_from_a_cdn(client: TestClient) -> None:
    pages = [client.get(p).text for p in (
        "/", "/map/15100", "/map/15100?lang=en",
        "/coordinator/35202", "/coordinator/35202?lang=en")]
    for html in pages:
        for asset in _served_assets(client, html):
            assert asset.startswith(("/static/", "/api/")), f"{asset} is not served by Tsudoi"
            r = client.get(asset)
            assert r.status_code == 200, asset
            for host in CDN_HOSTS:
                assert host not in r.text, f"{asset} mentions {host}"
        for host in CDN_HOSTS:
            assert host not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), (
            "an inline script")
        assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
        assert " style=" not in html, "an inline style"


def test_page_scripts_use_no_eval_or_html_from_data() -> None:
    for path in SCRIPTS.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "eval(" not in text and "new Function" not in text, path.name
        assert "document.write" not in text, path.name
        # innerHTML is never assigned in our code; HTML strings go only to Leaflet icons, escaped
        assert ".innerHTML" not in text, path.name


def test_page_scripts_are_short_and_share_common_js() -> None:
    """Both pages load common.js and their own folder of short files (no build step, no bundle)."""
    scripts = sorted(SCRIPTS.rglob("*.js"))
    assert {p.relative_to(SCRIPTS).parts[0] for p in scripts} >= {"common.js", "map", "coordinator"}
    for path in scripts:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 400, f"{path.name} has {lines} lines"


@pytest.mark.parametrize(("path", "folder"), [
    ("/map/15100", "map"), ("/coordinator/35202", "coordinator")])
def test_page_scripts_are_deferred_in_order(client: TestClient, path: str, folder: str) -> None:
    """Leaflet, then common.js (window.Tsudoi), then the page's files, main.js last: deferred
    scripts run in document order, and each file finds what the earlier ones defined."""
    html = client.get(path).text
    found = re.findall(r'<script src="([^"]+)"( defer)?></script>', html)
    deferred = [src for src, defer in found if defer]
    assert [src for src, defer in found if not defer] == ["/static/tsudoi/text_size.js"]
    assert deferred[0] == "/static/vendor/leaflet-1.9.4/leaflet.js"
    common = deferred.index("/static/tsudoi/common.js")
    own = [i for i, src in enumerate(deferred) if src.startswith(f"/static/tsudoi/{folder}/")]
    assert own and common < min(own) and deferred[-1] == f"/static/tsudoi/{folder}/main.js"
    on_disk = {f"/static/tsudoi/{folder}/{p.name}" for p in (SCRIPTS / folder).glob("*.js")}
    assert {deferred[i] for i in own} == on_disk, "every file of the page is loaded"


def test_static_assets_are_served_compressed_with_their_licences(client: TestClient) -> None:
    r = client.get("/static/vendor/leaflet-1.9.4/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip"
    assert client.get("/static/vendor/leaflet-1.9.4/LICENSE").status_code == 200
    assert client.get("/static/vendor/leaflet.markercluster-1.5.3/LICENSE").status_code == 200


# ------------------------------------------------------------------------------ the catalogue


DOWNLOADS = [ROOT / "service" / name
             for name in ("coverage_formats.py", "suggestion_formats.py")]
CATALOGUE_TABLES = {"HEADERS", "METHODS", "KINDS"}


def _used_msgids() -> set[str]:
    used: set[str] = set(place_address.MESSAGES)  # the place import's refusals
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
    for path in SCRIPTS.rglob("*.js"):
        used |= set(re.findall(r'\bt\(\s*"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
    # t("…") calls of the Folium map, the OGC API and the printed sheet, read as Python
    for path in [*FOLIUM.glob("*.py"), *OGC.glob("*.py"), *PAPER, *EXPORTS.glob("*.py")]:
        used |= {
            call.args[0].value
            for call in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "t" and call.args and isinstance(call.args[0], ast.Constant)
        }
    for path in DOWNLOADS:  # CSV headers and words: module-level tables of msgids
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict)
                    and any(isinstance(t, ast.Name) and t.id in CATALOGUE_TABLES
                            for t in (node.targets if isinstance(node, ast.Assign)
                                      else [node.target]))):
                used |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return used


def test_every_label_used_is_in_both_catalogues() -> None:
    used = _used_msgids()
    assert len(used) > 80
    for lang in LANGUAGES:
        missing = sorted(used - msgids(lang))
        assert missing == [], f"missing from the {lang} catalogue: {missing}"


def test_every_japanese_label_is_translated_and_keeps_its_placeholders() -> None:
    ja = messages("ja")
    for msgid, text in ja.items():
        assert text and text != msgid or msgid == "Other language" or not re.search(
            r"[A-Za-z]{3}", msgid), f"untranslated: {msgid}"
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", text)), msgid
    en = messages("en")
    assert en["Other language"] == "日本語" and ja["Other language"] == "English"
    assert ja["Town search is not available."] == "町名検索は利用できません"
    assert ja["estimate from straight-line distance"] == "直線距離からの目安"
    assert en["estimate from straight-line distance"] == "estimate from straight-line distance"


def test_no_catalogue_entry_is_unused() -> None:
    assert sorted(msgids("ja") - _used_msgids()) == []
    assert msgids("ja") == msgids("en")


# ------------------------------------------------------------------------------ escaping


def test_the_page_config_cannot_close_its_script_block() -> None:
    hostile = "</script><script>alert(1)</script><!--"
    html = _templates().get_template("map.html").render(
        _=lambda s, **kw: s, lang="ja", city_name=hostile, code="15100",
        config={"city": {"name": hostile}, "api": {"places": "/p", "categories": "/c"}},
        basemap=BASEMAPS["none"],
        demo_notice=hostile, credits=[{"source": hostile, "licence": "x", "url": None}],
    )
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html  # text in the page, escaped
    assert _config(html)["city"]["name"] == hostile  # and intact in the config


# ------------------------------------------------------------------------------ API additions


def test_places_carry_their_next_date_and_areas(client: TestClient) -> None:
    features = client.get("/api/cities/15100/places").json()["features"]
    with_rules = [f for f in features if f["properties"]["schedule_rules"]]
    assert with_rules and all(f["properties"]["next_date"] for f in with_rules)
    today = serialize.now_in_japan().date().isoformat()
    assert all(f["properties"]["next_date"] >= today for f in with_rules)
    first = features[0]
    lon, lat = first["geometry"]["coordinates"]
    at = client.get("/api/cities/15100/areas/at", params={"lat": lat, "lon": lon}).json()
    assert first["properties"]["areas"] == [a["id"] for a in at]


def test_next_date_follows_the_rules_and_is_guarded() -> None:
    place = Place(id="p", city="15100", kind="gathering", category="salon", name="n",
                  lon=139.0, lat=37.9,
                  schedule_rules=[{"weekdays": [2], "weeks": [2, 4], "start": "10:00",
                                   "end": "12:00"}])
    assert serialize.next_date_iso(place, date(2025, 12, 1)) == "2025-12-10"
    assert serialize.place_feature(place, now=date(2025, 12, 1))["properties"]["next_date"] == (
        "2025-12-10")
    bad = Place(**{**place.__dict__, "schedule_rules": [{"weekdays": ["x"]}]})
    assert serialize.next_date_iso(bad, date(2025, 12, 1)) is None
    without = Place(**{**place.__dict__, "schedule_rules": None, "schedule": "毎週水曜"})
    assert serialize.next_date_iso(without, date(2025, 12, 1)) is None  # text is never guessed


def test_nearby_gives_walking_minutes_at_50_m_a_minute(client: TestClient) -> None:
    body = client.get("/api/places/nearby",
                      params={"lat": 37.9161, "lon": 139.0236, "city": "15100"}).json()
    assert body["method"] == "straight-line" and body["speed_m_per_min"] == 50.0
    for f in body["features"]:
        p = f["properties"]
        assert p["walking_min"] == max(1, -(-p["distance_m"] // 50))


def test_areas_can_be_lightened_for_drawing(client: TestClient) -> None:
    full = client.get("/api/cities/15100/areas").json()["features"]
    light = client.get("/api/cities/15100/areas", params={"simplify_m": 10}).json()["features"]
    assert [f["id"] for f in full] == [f["id"] for f in light]
    assert len(json.dumps(light)) < 0.7 * len(json.dumps(full))
    from shapely.geometry import Point, shape

    for f in light:
        assert f["geometry"]["type"] == "MultiPolygon"
        assert shape(f["geometry"]).is_valid
        assert shape(next(g for g in full if g["id"] == f["id"])["geometry"]).covers(
            Point(f["properties"]["label_point"]))


def test_a_private_home_is_published_at_its_town_point(
    tmp_path: Path, store: GpkgStore, client: TestClient
) -> None:
    home = (139.02101, 37.91234)  # somewhere in 中央区, not a town's point
    path = tmp_path / "home.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": list(home)},
        "properties": {"id": "home-1", "name": "自宅サロン（テスト）", "category": "salon",
                       "location_precision": "town"}}]}, ensure_ascii=False), encoding="utf-8")
    import_places(store, path, PlaceImportOptions(city="15100", source="privacy-test"))
    towns = {(t["lon"], t["lat"]) for t in
             client.get("/api/cities/15100/towns", params={"limit": 5000}).json()}
    listed = next(f for f in client.get("/api/cities/15100/places").json()["features"]
                  if f["id"] == "15100-privacy-test-home-1")
    one = client.get("/api/places/15100-privacy-test-home-1").json()
    assert tuple(listed["geometry"]["coordinates"]) in towns
    assert one["geometry"] == listed["geometry"]
    assert tuple(listed["geometry"]["coordinates"]) != home
    near = client.get("/api/places/nearby", params={"lon": home[0], "lat": home[1],
                                                    "city": "15100", "limit": 50}).json()
    hit = next(f for f in near["features"] if f["id"] == "15100-privacy-test-home-1")
    town = listed["geometry"]["coordinates"]
    expected = Geod(ellps="WGS84").inv(home[0], home[1], town[0], town[1])[2]
    assert hit["geometry"] == listed["geometry"]
    assert hit["properties"]["distance_m"] == pytest.approx(expected, abs=0.1)
    assert hit["properties"]["distance_m"] > 1  # never the distance to the home itself
    distances = [f["properties"]["distance_m"] for f in near["features"]]
    assert distances == sorted(distances)


def test_the_listing_follows_every_change_of_the_data(
    tmp_path: Path, store: GpkgStore, client: TestClient
) -> None:
    def names() -> set[str]:
        body = client.get("/api/cities/15100/places", params={"category": "chanoma"}).json()
        return {f["properties"]["name"] for f in body["features"]}

    before = names()
    path = tmp_path / "new.geojson"
    for name in ("新しい茶の間（テスト）", "名前を変えた茶の間（テスト）"):
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [139.05, 37.91]},
            "properties": {"id": "new-1", "name": name, "category": "chanoma"}}]},
            ensure_ascii=False), encoding="utf-8")
        import_places(store, path, PlaceImportOptions(city="15100", source="cache-test"))
        assert names() == before | {name}


# ------------------------------------------------------------------------------ coordinators


def test_the_coordinator_page_carries_config_and_is_linked(client: TestClient) -> None:
    r = client.get("/coordinator/35202")
    assert r.status_code == 200 and '<html lang="ja">' in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    config = _config(r.text)
    assert config["api"]["coverage"] == "/api/cities/35202/coverage"
    assert config["api"]["gaps"] == "/api/cities/35202/coverage/gaps"
    assert config["api"]["suggestions"] == "/api/cities/35202/suggestions"
    assert "/static/tsudoi/coordinator/main.js" in r.text
    assert "/static/vendor/leaflet-1.9.4/" in r.text
    assert "候補地を提案" in r.text and "ダウンロード" in r.text
    assert "Suggest new places" in client.get("/coordinator/35202", params={"lang": "en"}).text
    assert 'href="/coordinator/35202"' in client.get("/").text
    assert 'href="/coordinator/15100"' in client.get("/map/15100").text


def test_an_unknown_city_has_no_coordinator_page(client: TestClient) -> None:
    r = client.get("/coordinator/99999")
    assert r.status_code == 404
    assert "content-security-policy" in r.headers


# ------------------------------------------------------------------------------ HEAD and the icon

PATH_VALUES = {"code": "35202", "place_id": "35202-salon-d0001", "id": "35202-salon-d0001",
               "area_id": "35202-L2-d03"}
QUERIES = {"/api/isochrone": "?lat=33.95&lon=131.25&city=35202",
           "/api/places/nearby": "?lat=33.95&lon=131.25",
           "/api/cities/{code}/areas/at": "?lat=33.95&lon=131.25",
           "/api/cities/{code}/walks": "?lat=33.95&lon=131.25",
           "/api/cities/{code}/suggestions": "?k=1",
           "/print/{code}": "?area=35202-L2-d03",
           "/api/cities/{code}/clusters": "?zoom=12"}


def test_head_is_answered_wherever_get_is(client: TestClient) -> None:
    """Every GET route (the app's own list, so a new one is checked too), with real values."""
    from fastapi.routing import APIRoute

    def get_routes(routes: list[Any]) -> list[str]:
        found = []
        for r in routes:
            if hasattr(r, "original_router"):  # an included router (none has a prefix here)
                found += get_routes(r.original_router.routes)
            elif isinstance(r, APIRoute) and "GET" in r.methods:
                found.append(r.path)
        return found

    routes = get_routes(client.app.routes)  # type: ignore[attr-defined]
    assert len(routes) > 20 and "/favicon.ico" in routes
    place = client.get("/api/cities/35202/places", params={"limit": 1}).json()["features"][0]
    values = {**PATH_VALUES, "place_id": place["id"], "id": place["id"],
              "collection_id": "35202-places", "feature_id": place["id"]}
    for path in [*routes, "/static/tsudoi/common.js", "/docs", "/openapi.json"]:
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path) + QUERIES.get(path, "")
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code != 405, url
        assert head.headers.get("content-type") == got.headers.get("content-type"), url
        assert head.content == b"", url


def test_the_favicon_is_an_icon(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert '<link rel="icon" href="/static/tsudoi/favicon.ico"' in client.get("/").text
