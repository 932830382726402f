"""The coordinators' page in Chromium: the table matches the coverage API, the legends state their
classes, changing the walk re-fetches, the gaps are ranked, and axe-core finds no violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.test_map_page import run_axe, shot

pytestmark = pytest.mark.browser

CITY = "35202"


def goto(page: Any, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/coordinator/{CITY}{query}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=30000)


def _whole(n: float | None) -> str:
    return "—" if n is None else f"{round(n):,}"


def test_the_table_lists_every_area_with_the_api_figures(page: Any, server: Server) -> None:
    goto(page, server)
    areas = server.api(f"/api/cities/{CITY}/coverage")["areas"]
    assert page.locator("#areas-body tr").count() == len(areas) > 1
    for a in areas:
        row = page.locator(f'#areas-body tr[data-area-id="{a["area_id"]}"]')
        assert row.locator('[data-key="name"]').inner_text() == a["name"]
        assert row.locator('[data-key="older_population"]').inner_text() == _whole(
            a["older_population"])
        assert row.locator('[data-key="covered_older_population"]').inner_text() == _whole(
            a["covered_older_population"])
        share = a["covered_share"]
        assert row.locator('[data-key="covered_share"]').inner_text() == (
            "—" if share is None else f"{share * 100:.1f}%")
        assert row.locator('[data-key="places"]').inner_text() == _whole(a["places"])
    assert "道路網に沿った徒歩距離" in page.locator("#method").inner_text()


def test_the_legends_state_their_classes(page: Any, server: Server) -> None:
    goto(page, server)
    legend = page.locator("#legend li")
    assert legend.count() == 6
    assert "20%未満" in legend.first.inner_text() and "80%以上" in legend.nth(4).inner_text()
    assert page.locator("#gap-legend li").count() == 4
    assert page.locator(".leaflet-overlay-pane path").count() > 0


def test_sorting_by_a_header_button_orders_the_rows(page: Any, server: Server) -> None:
    goto(page, server)
    button = page.locator('#areas-head button[data-key="older_population"]')
    button.focus()
    page.keyboard.press("Enter")
    assert page.locator('#areas-head th[aria-sort="descending"]').count() == 1
    values = [int(v.replace(",", "")) for v in page.locator(
        '#areas-body [data-key="older_population"]').all_inner_texts()]
    assert values == sorted(values, reverse=True)
    assert page.evaluate("document.activeElement.dataset.key") == "older_population"


def test_changing_the_minutes_refetches_and_changes_the_figures(
    page: Any, server: Server
) -> None:
    goto(page, server)
    row = '#areas-body tr:nth-child(2) [data-key="covered_older_population"]'
    before = page.locator(row).inner_text()
    city_before = page.locator("#city-figure").inner_text()
    page.fill("#minutes", "5")
    page.locator("#coverage-form button[type=submit]").click()
    page.wait_for_function(
        "(b) => document.getElementById('city-figure').innerText !== b", arg=city_before,
        timeout=20000)
    page.wait_for_selector("html[data-ready=true]", state="attached")
    assert page.locator(row).inner_text() != before
    areas = server.api(f"/api/cities/{CITY}/coverage", minutes=5)["areas"]
    first = page.locator("#areas-body tr").nth(1).get_attribute("data-area-id")
    want = next(a for a in areas if a["area_id"] == first)
    assert page.locator(row).inner_text() == _whole(want["covered_older_population"])
    assert "minutes=5" in (page.locator("#dl-coverage-csv").get_attribute("href") or "")


def test_the_gaps_list_shows_twenty_in_descending_order(page: Any, server: Server) -> None:
    goto(page, server)
    items = page.locator("#gap-list li")
    assert items.count() == 20
    values = [float(v) for v in items.evaluate_all(
        "(els) => els.map((e) => e.dataset.uncovered)")]
    assert values == sorted(values, reverse=True)
    top = server.api(f"/api/cities/{CITY}/coverage/gaps", limit=1)["features"][0]["properties"]
    assert values[0] == pytest.approx(top["uncovered_older_population"])


def test_choosing_a_place_asks_for_its_isochrone(page: Any, server: Server) -> None:
    goto(page, server)
    page.wait_for_function(
        "() => document.querySelectorAll('#place-select option').length > 1")
    value = page.locator("#place-select option").nth(1).get_attribute("value")
    page.select_option("#place-select", value)
    page.wait_for_function("() => document.getElementById('iso-status').innerText.length > 0 && "
                           "!document.getElementById('iso-status').innerText.includes('中')")
    assert "紫の破線" in page.locator("#iso-status").inner_text()
    assert page.locator(".leaflet-iso-pane path").count() == 1


def test_suggestions_show_picks_or_say_they_are_unavailable(page: Any, server: Server) -> None:
    goto(page, server)
    page.fill("#k", "3")
    page.locator("#suggest-form button[type=submit]").click()
    page.wait_for_function(
        "() => !document.getElementById('suggest-status').innerText.includes('計算中')"
        " && document.getElementById('suggest-status').innerText.length > 0")
    assert "候補地3か所" in page.locator("#suggest-status").inner_text()
    assert page.locator("#suggest-list li").count() == 3
    assert page.locator(".tsd-pick").all_inner_texts() == ["1", "2", "3"]
    body = server.api(f"/api/cities/{CITY}/suggestions", k=3, streets="true")
    first = page.locator("#suggest-list li").first.inner_text()
    pick = body["picks"][0]
    assert (pick["name"] or "道路上の地点") in first and pick["area_name"] in first
    if body.get("exact"):
        assert "最適" in page.locator("#suggest-exact").inner_text()


def test_the_downloads_follow_the_settings_and_answer(page: Any, server: Server) -> None:
    from urllib.request import urlopen

    goto(page, server)
    for link in ("coverage-csv", "coverage-geojson", "coverage-gpkg", "gaps-csv",
                 "gaps-geojson", "gaps-gpkg"):
        href = page.locator(f"#dl-{link}").get_attribute("href") or ""
        assert "minutes=10" in href and "age=65" in href, link
        with urlopen(server.url + href, timeout=60) as r:  # noqa: S310 - 127.0.0.1 only
            body = r.read()
            assert r.status == 200, link
            if link.endswith("csv"):
                assert body.startswith(b"\xef\xbb\xbf"), f"{link} has no BOM for Excel"


def test_axe_finds_no_violations_on_the_coordinator_page(
    page: Any, server: Server, axe_source: str, artifacts: Path
) -> None:
    goto(page, server)
    shot(page, artifacts, "coordinator-35202")
    page.screenshot(path=str(artifacts / "coordinator-35202-full.png"), full_page=True)
    assert run_axe(page, axe_source) == []


def test_the_english_page_uses_the_catalogue(page: Any, server: Server) -> None:
    goto(page, server, "?lang=en")
    assert "Walking distance along the street network" in page.locator("#method").inner_text()
    assert page.locator("#areas-head button").first.inner_text().startswith("Area")


def test_the_walking_area_and_suggestions_come_from_the_service(
    page: Any, server: Server, artifacts: Path
) -> None:
    """No stubs: the isochrone and the suggestions as the running service answers them."""
    goto(page, server)
    page.wait_for_function(
        "() => document.querySelectorAll('#place-select option').length > 1")
    value = page.locator("#place-select option").nth(1).get_attribute("value") or ""
    iso = server.api(f"/api/places/{value}/isochrone", minutes=10, speed_kmh=3)
    assert iso["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    page.select_option("#place-select", value)
    page.wait_for_function(
        "() => document.getElementById('iso-status').innerText.includes('紫の破線')")
    distance = iso["features"][0]["properties"]["distance_m"]
    assert f"{round(distance):,}m" in page.locator("#iso-status").inner_text()
    assert page.locator(".leaflet-iso-pane path").count() == 1
    assert f"place={value}" in page.url
    body = server.api(f"/api/cities/{CITY}/suggestions", k=2, streets="true")
    page.fill("#k", "2")
    page.locator("#suggest-form button[type=submit]").click()
    page.wait_for_function("() => document.querySelectorAll('#suggest-list li').length === 2")
    items = page.locator("#suggest-list li").all_inner_texts()
    for item, pick in zip(items, body["picks"], strict=True):
        assert f"{round(pick['newly_covered']):,}" in item
        assert f"{round(pick['cumulative']):,}" in item
    assert page.locator(".tsd-pick").all_inner_texts() == ["1", "2"]
    assert "k=2" in page.url
    if body.get("exact"):
        assert f"{round(body['exact']['covered']):,}" in page.locator("#suggest-exact").inner_text()
    # the results beside the map, in view without scrolling the page by hand
    assert page.locator("#suggest-list li").first.evaluate(
        "n => { const r = n.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }")
    page.screenshot(path=str(artifacts / "coordinator-35202-suggestions.png"), full_page=True)


def test_downloads_from_the_page_are_made_for_a_spreadsheet(page: Any, server: Server) -> None:
    """Japanese headers, whole people and metres, shares in % with one decimal, 「市全体」."""
    import csv
    import io
    from urllib.request import urlopen

    goto(page, server)

    def rows(link: str) -> list[dict[str, str]]:
        href = page.locator(f"#dl-{link}").get_attribute("href") or ""
        assert "lang=ja" in href or link.endswith("geojson"), link
        with urlopen(server.url + href, timeout=60) as r:  # noqa: S310 - 127.0.0.1 only
            text = r.read().decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    coverage = rows("coverage-csv")
    assert coverage[-1]["圏域"] == "市全体"
    city = server.api(f"/api/cities/{CITY}/coverage")["city"]
    assert coverage[-1]["高齢者数"] == str(round(city["older_population"]))
    assert coverage[-1]["徒歩圏内の割合（%）"] == f"{city['covered_share'] * 100:.1f}"
    assert all(r["9割の人が歩く距離（m）"] in ("", str(int(r["9割の人が歩く距離（m）"] or 0)))
               for r in coverage)
    gaps = rows("gaps-csv")
    assert "最寄りの集いの場までの徒歩距離（m、区画内の中央値）" in gaps[0]
    assert all(r["徒歩圏外の高齢者"].isdigit() for r in gaps)
    page.fill("#k", "2")
    page.locator("#suggest-form button[type=submit]").click()
    page.locator("#suggest-downloads").wait_for()
    picks = rows("suggest-csv")
    body = server.api(f"/api/cities/{CITY}/suggestions", k=2, streets="true")
    assert [r["新たに徒歩圏に入る高齢者"] for r in picks] == [
        str(round(p["newly_covered"])) for p in body["picks"]]
    assert all(r["住所"] and r["圏域"] for r in picks)
    href = page.locator("#dl-suggest-geojson").get_attribute("href") or ""
    with urlopen(server.url + href, timeout=60) as r:  # noqa: S310 - 127.0.0.1 only
        layer = __import__("json").loads(r.read())
    assert [f["properties"]["rank"] for f in layer["features"]] == [1, 2]
