"""`tsudoi export map`: one HTML file that works from disk with the network cut.

The store is generated: 500 realistic places (at real 新潟市 town points, with Japanese names,
addresses, phone numbers, schedules with rules, fees, organisers and descriptions of the
length cities write) in the city's real wards and its 27 demo 日常生活圏域, one with markup in
its name. The file is written by the command line, weighed (≤ 1.5 MB), then opened from
file:// in Chromium with every request refused: the markers, the list and a card show, the
only requests tried are the basemap's tiles, and axe-core finds nothing.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.town_import import TownImportOptions, import_towns
from geo.japan.municipalities import get_city
from geo.store.gpkg import GpkgStore
from layers.place_import import PlaceImportOptions, import_places
from tests.browser.test_map_page import run_axe
from tests.conftest import Tsudoi

pytestmark = pytest.mark.browser

PACK = Path(__file__).resolve().parents[2] / "service" / "demo_data" / "15100"
MAX_BYTES = 1_500_000
HOSTILE = "<img src=x onerror=alert(1)>サロン"
KINDS = [("salon", "ふれあいサロン"), ("chanoma", "地域の茶の間"), ("community-cafe", "まちカフェ"),
         ("dementia-cafe", "オレンジカフェ"), ("kayoinoba", "いきいき百歳体操"),
         ("model-house", "モデルハウス")]  # fmt: skip
WEEKDAYS = "月火水木金土日"


def _place(i: int, town: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One place as a city's list gives it (every field a resident reads, filled)."""
    slug, word = KINDS[i % len(KINDS)]
    day = rng.randrange(6)
    week = rng.choice([None, [1], [2, 4], [1, 3]])
    start = rng.choice(["9:30", "10:00", "13:30", "14:00"])
    end = {"9:30": "11:30", "10:00": "12:00", "13:30": "15:30", "14:00": "16:00"}[start]
    when = "毎週" if week is None else "毎月第" + "・第".join(str(w) for w in week)
    props = {
        "id": f"g{i:04d}",
        "name": HOSTILE if i == 7 else f"{town['name']}{word}",
        "kana": None,
        "category": slug,
        "address": f"新潟市{town['area']}{town['name']}{rng.randint(1, 30)}-{rng.randint(1, 20)}"
                   f" {town['name']}コミュニティハウス",
        "phone": f"025-000-{i:04d}",
        "schedule": f"{when}{WEEKDAYS[day]}曜 {start}〜{end}",
        "schedule_rules": [{"weekdays": [day], "weeks": week, "start": start.zfill(5),
                            "end": end.zfill(5)}],
        "fee": rng.choice(["無料", "100円（お茶代）", "200円", "300円（材料費込み）"]),
        "organiser": f"{town['name']}自治会 福祉部",
        "description": "地域の方がどなたでも気軽に立ち寄れる集いの場です。お茶を飲みながらの"
                       "おしゃべり、体操、季節の行事などを楽しんでいます。初めての方も歓迎します。",
        "accessibility": rng.choice(["段差なし", "車いす可・駐車場あり", None]),
        "location_precision": "town" if i % 25 == 0 else "exact",
        "last_verified": "2026-04-01",
    }  # fmt: skip
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": town["point"]},
            "properties": props}  # fmt: skip


def _five_hundred(folder: Path) -> Path:
    rng = random.Random(15100)
    towns = [
        {**f["properties"], "point": f["geometry"]["coordinates"]}
        for f in json.loads((PACK / "towns.geojson").read_text(encoding="utf-8"))["features"]
    ]
    chosen = rng.sample(towns, 500)
    features = [_place(i, t, rng) for i, t in enumerate(chosen)]
    path = folder / "places500.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")  # fmt: skip
    return path


@pytest.fixture(scope="module")
def store_500(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("export_map")
    store = GpkgStore(folder / "500.gpkg")
    store.put_city(get_city("15100"))
    import_areas(store, PACK / "areas_wards.geojson", AreaImportOptions(city="15100", level=1))
    import_towns(store, PACK / "towns.geojson", TownImportOptions(city="15100"))
    import_areas(store, PACK / "areas_daily_towns.csv", AreaImportOptions(city="15100"))
    import_places(store, _five_hundred(folder), PlaceImportOptions(city="15100"))
    store.close()
    yield folder / "500.gpkg"


@pytest.fixture(scope="module")
def exported(store_500: Path, tsudoi: Tsudoi) -> Path:
    out = store_500.with_name("map.html")
    r = tsudoi("export", "map", "--city", "15100", "-o", out, "--db", store_500,
               cwd=store_500.parent)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return out


def test_the_file_holds_500_places_within_budget(exported: Path) -> None:
    size = exported.stat().st_size
    assert size <= MAX_BYTES, f"{size:,} bytes"
    text = exported.read_text(encoding="utf-8")
    assert text.count('<template id="tsudoi-c-') == 500  # a card per place
    assert "<script src" not in text and "<link" not in text  # everything inlined
    assert "次回開催日は" in text and "時点" in text  # next dates say when they were computed
    assert HOSTILE not in text.replace("\\u003c", "<").split("<body>")[0]  # not in the header


@pytest.fixture
def offline(browser: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page from which no request leaves: file:// and data: load, everything else fails."""
    blocked: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ja-JP",
                                  timezone_id="Asia/Tokyo")  # fmt: skip

    def route(r: Any) -> None:
        if urlsplit(r.request.url).scheme in ("file", "data"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    yield page, blocked, errors
    context.close()


def test_opens_from_disk_offline_with_markers_list_and_card(
    exported: Path, offline: tuple[Any, list[str], list[str]], axe_source: str, artifacts: Path
) -> None:
    page, blocked, errors = offline
    page.goto(exported.as_uri())
    page.wait_for_selector("#tsudoi-list li")
    assert page.locator("#tsudoi-list li").count() == 500
    # markers: clusters and single pins drawn on the plain ground (no tile could load)
    page.wait_for_selector(".marker-cluster, .tsudoi-pin")
    assert page.locator(".marker-cluster, .tsudoi-pin").count() > 5
    page.screenshot(path=str(artifacts / "export-map-offline.png"))

    entry = page.locator("#tsudoi-list button", has_text=HOSTILE)
    entry.click()
    card = page.locator("#tsudoi-card-body")
    card.wait_for()
    assert HOSTILE in card.inner_text() and "次回開催" in card.inner_text()
    assert "時点" in card.inner_text() and "025-000-0007" in card.inner_text()
    assert page.locator("img[src=x]").count() == 0
    # the place's own pin is shown: its cluster opened to it
    page.locator(f'.leaflet-marker-icon[title="{HOSTILE}"]').wait_for()
    page.screenshot(path=str(artifacts / "export-map-card.png"))
    violations = run_axe(page, axe_source)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)

    page.locator("#tsudoi-back").click()
    assert page.locator("#tsudoi-list").is_visible()
    assert errors == []
    assert blocked and all("cyberjapandata.gsi.go.jp" in u for u in blocked), blocked[:3]
