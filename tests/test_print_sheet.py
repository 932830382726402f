"""/print/{code}?area=: the A4 sheet of an area's places, on both stores — the numbered list matches
the map's markers and the API's places, the next dates are the schedule engine's, the contacts are
the area's, streets are drawn where the city has a network, data is escaped, and wrong input is
a problem document. (The PDF of the same page: tests/test_export_print.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from geo.model import Area, Contact
from geo.store.base import AreaChanges, PlaceChanges, PlaceQuery, Store
from geo.store.gpkg import GpkgStore
from layers.paper import fit
from layers.paper.map_svg import COMPACT_HEIGHT, HEIGHT, WIDTH
from layers.schedule import next_occurrences, short_date_text
from service.app import create_app
from service.demo import load_demo
from service.serialize import now_in_japan
from service.settings import Settings, public_url

UBE, UBE_AREA = "35202", "35202-L2-d03"  # 宇部市 has a walking network; the 圏域 has contacts
NIIGATA, WEST = "15100", "15100-L1-15107"  # 新潟市西区: 30 places, no network
PUBLIC = "https://map.example.jp/tsudoi"


@pytest.fixture(scope="module")
def client(demo_each_store: Store) -> Iterator[TestClient]:
    settings = Settings.from_env({"TSUDOI_PUBLIC_URL": PUBLIC + "/"})
    with TestClient(create_app(demo_each_store, settings)) as c:
        yield c


def _rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body is not None
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)


def _markers(page: str) -> list[int]:
    svg = re.search(r'<svg[^>]*class="sheet-map".*?</svg>', page, re.S)
    assert svg is not None
    return [int(n) for n in re.findall(r'font-weight="bold" fill="#000">(\d+)</text>', svg.group())]


def test_the_list_matches_the_markers_and_the_areas_places(client: TestClient) -> None:
    r = client.get(f"/print/{NIIGATA}", params={"area": WEST})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    api = client.get(f"/api/cities/{NIIGATA}/places", params={"area": WEST}).json()
    rows = _rows(page)
    assert len(rows) == len(api["features"]) == 30
    assert _markers(page) == list(range(1, 31))
    for n, row in enumerate(rows, start=1):
        assert f'<span class="badge">{n}</span>' in row
    for feature in api["features"]:
        props = feature["properties"]
        assert sum(f"<strong>{props['name']}</strong>" in row for row in rows) == 1
        assert props["address"] in page
        if props.get("phone"):
            assert props["phone"] in page
    assert "西区の集いの場" in page and "新潟市" in page
    # no network for 新潟市: no streets, no OpenStreetMap credit
    assert 'stroke="#9a9a9a"' not in page and "OpenStreetMap" not in page


def test_the_map_is_shorter_only_where_that_saves_a_page(client: TestClient) -> None:
    """English words take more room: 西区's 30 places in English get the shorter map (and
    QR code) that keeps them on two pages; in Japanese, and for 恩田's 9 places, the map keeps
    its full height. The list's schedules keep each time whole ("13:30–15:30")."""
    english = client.get(f"/print/{NIIGATA}", params={"area": WEST, "lang": "en"}).text
    japanese = client.get(f"/print/{NIIGATA}", params={"area": WEST}).text
    small = client.get(f"/print/{UBE}", params={"area": UBE_AREA, "lang": "en"}).text
    assert '<section class="sheet-top sheet-top-short">' in english
    assert 'class="sheet-map"' in english and 'viewBox="0 0 1180 560"' in english
    for page in (japanese, small):
        assert '<section class="sheet-top">' in page and 'viewBox="0 0 1180 720"' in page
    assert '<span class="nowrap">13:30–15:30</span>' in english
    assert "1st and 3rd Fridays, " in english and "of the month" not in english
    assert '<span class="nowrap">13:30〜15:30</span>' in japanese


def test_the_page_estimate_reads_the_stylesheets_lengths() -> None:
    """layers/paper/fit.py estimates pages with print.css's lengths: editing one without the other
    fails here, not on a resident's third page."""
    css = (files("layers") / "static" / "tsudoi" / "print.css").read_text(encoding="utf-8")

    def rule(selector: str) -> str:
        found = re.search(r"(?m)^" + re.escape(selector) + r" \{([^}]*)\}", css)
        assert found is not None, selector
        return found.group(1)

    widths = [float(re.search(r"width: ([\d.]+)mm", rule(f".sheet-list th:nth-child({n})"))
                    .group(1)) for n in (1, 2, 3)]  # type: ignore[union-attr]
    assert tuple(widths) == fit.COLUMNS[:3] and sum(fit.COLUMNS) == fit.PAGE_W
    assert f"width: {fit.PAGE_W}mm" in rule(".sheet")
    assert "margin: 9mm 9mm 10mm" in rule("@page") and fit.PAGE_H == 297 - 9 - 10
    assert "font-size: 12pt" in rule("body") and "line-height: 1.25" in rule("body")
    assert f"height: {HEIGHT // 10}mm" in rule(".sheet-map")
    assert f"width: {WIDTH // 10}mm" in rule(".sheet-map")
    assert f"height: {COMPACT_HEIGHT // 10}mm" in rule(".sheet-top-short .sheet-map")
    assert f"width: {fit.QR - 2}mm" in rule(".sheet-qr svg")
    assert f"width: {fit.SHORT_QR - 2}mm" in rule(".sheet-top-short .sheet-qr svg")
    assert fit.SIDE_W == fit.PAGE_W - WIDTH / 10 - 4


def test_next_dates_come_from_the_schedule_engine(
    client: TestClient, demo_each_store: Store
) -> None:
    page = client.get(f"/print/{UBE}", params={"area": UBE_AREA}).text
    now = now_in_japan()
    places = demo_each_store.places(PlaceQuery(city=UBE, area=UBE_AREA))
    api = {f["properties"]["id"]: f["properties"]["next_date"] for f in client.get(
        f"/api/cities/{UBE}/places", params={"area": UBE_AREA}).json()["features"]}
    for place in places:
        coming = next_occurrences(place.schedule_rules, now, 3)
        assert len(coming) == 3
        assert coming[0].date == date.fromisoformat(api[place.id])  # the API's 次回開催
        assert "・".join(short_date_text(o.date, "ja") for o in coming) in page
    assert f"{now.year}年{now.month}月{now.day}日" in page  # the day they were computed on


def test_the_sheet_names_the_areas_contacts_and_links_the_live_map(client: TestClient) -> None:
    page = client.get(f"/print/{UBE}", params={"area": UBE_AREA}).text
    for name, phone in [("地域包括支援センター恩田（デモ）", "0836-000-0109"),
                        ("恩田圏域 第2層生活支援コーディネーター（デモ）", "0836-000-0110")]:
        assert name in page and phone in page
    assert f'<p class="sheet-url">{PUBLIC}/map/{UBE}?area={UBE_AREA}</p>' in page
    assert '<svg viewBox="0 0 ' in page and 'class="segno"' in page  # the QR code, inline
    # 宇部市 has a walking network: its streets are drawn, with their credit
    assert 'stroke="#9a9a9a"' in page and "OpenStreetMap" in page
    english = client.get(f"/print/{UBE}", params={"area": UBE_AREA, "lang": "en"}).text
    assert "Places to gather in 恩田圏域（デモ）" in english and 'lang="en"' in english
    assert f"{PUBLIC}/map/{UBE}?area={UBE_AREA}&amp;lang=en" in english


def test_a_category_narrows_the_sheet(client: TestClient) -> None:
    page = client.get(f"/print/{UBE}", params={"area": UBE_AREA, "category": "salon"}).text
    api = client.get(f"/api/cities/{UBE}/places",
                     params={"area": UBE_AREA, "category": "salon"}).json()["features"]
    assert 0 < len(_rows(page)) == len(api) < 9
    assert "サロン" in page and f"area={UBE_AREA}&amp;category=salon" in page
    halls = client.get(f"/print/{UBE}", params={"area": UBE_AREA, "category": "hall"}).text
    assert len(_rows(halls)) == 3  # venues when asked for by name, as the API's kind=all
    none = client.get(f"/print/{UBE}", params={"area": UBE_AREA, "category": "model-house"}).text
    assert "この地区に載っている集いの場はまだありません。" in none and "<tbody>" not in none
    assert _markers(none) == []


def test_the_request_address_is_used_without_a_public_url(demo_each_store: Store) -> None:
    with TestClient(create_app(demo_each_store, Settings.from_env({}))) as c:
        page = c.get(f"/print/{UBE}", params={"area": UBE_AREA}).text
    assert f'<p class="sheet-url">http://testserver/map/{UBE}?area={UBE_AREA}</p>' in page


@pytest.mark.parametrize(("params", "status"), [
    ({"path": "99999", "area": "x"}, 404),
    ({"path": "10202", "area": "x"}, 404),  # a municipality this store does not hold
    ({"path": UBE}, 422),  # a sheet is of one area
    ({"path": UBE, "area": "nope"}, 422),
    ({"path": UBE, "area": WEST}, 422),  # another city's area
    ({"path": UBE, "area": UBE_AREA, "category": "nope"}, 422),
    ({"path": UBE, "area": "a\x00b"}, 422),
])
def test_wrong_input_is_a_problem_document(
    client: TestClient, params: dict[str, str], status: int
) -> None:
    query = dict(params)
    r = client.get(f"/print/{query.pop('path')}", params=query)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == status


def test_data_text_is_escaped(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A place and contact whose texts hold markup print as text, in the list and in the map."""
    s = GpkgStore(tmp_path_factory.mktemp("print-escape") / "demo.gpkg")
    try:
        load_demo(s)
        area = s.area(UBE_AREA)
        assert area is not None
        place = s.places(PlaceQuery(city=UBE, area=UBE_AREA))[0]
        bad = '<script>alert("x")</script>&'
        s.apply_places(PlaceChanges(upsert=[replace(
            place, name=bad, address=bad, fee=bad, phone=bad, schedule=bad)]))
        s.apply_areas(AreaChanges(upsert=[Area(
            **{**area.__dict__, "name": "<b>恩田</b>",
               "contacts": [Contact(role="<i>包括</i>", name=bad, phone=bad, hours=bad)]})]))
        with TestClient(create_app(s, Settings.from_env({}))) as c:
            page = c.get(f"/print/{UBE}", params={"area": UBE_AREA}).text
    finally:
        s.close()
    assert "<script>" not in page and "<b>恩田</b>" not in page and "<i>包括</i>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;" in page
    assert "&lt;b&gt;恩田&lt;/b&gt;" in page  # in the title, the heading and the map's title


def test_public_url_setting_is_checked() -> None:
    assert public_url(" https://map.example.jp/tsudoi/ ") == PUBLIC
    assert public_url("") is None
    for wrong in ("map.example.jp", "ftp://map.example.jp", "https://x.example?a=1", "https://"):
        with pytest.raises(Exception, match="TSUDOI_PUBLIC_URL"):
            public_url(wrong)


def test_the_share_page_links_the_sheet_once_an_area_is_chosen(client: TestClient) -> None:
    chosen = client.get(f"/share/{UBE}", params={"area": UBE_AREA, "category": "salon"}).text
    assert f'<a id="print-sheet" href="/print/{UBE}?category=salon&amp;area={UBE_AREA}">' in chosen
    assert '<p id="print-sheet-line">' in chosen
    assert '<p id="print-sheet-line" hidden>' in client.get(f"/share/{UBE}").text
