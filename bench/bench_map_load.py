"""Benchmark: how fast the residents' map shows 20,000 places, and how many bytes it costs —
the paged map (clusters and list pages from the server) against the whole listing, same run.

Not a test. Run ``python bench/bench_map_load.py [--runs N] [--places N]``. It builds a GeoPackage
store with the demo city (新潟市) topped up to 20,000 active gathering places — stand-ins placed at
the demo's real town points, flagged demo like the rest — and serves it twice with uvicorn on
127.0.0.1, each `tsudoi serve` in its own process: as it is (over 2,000 places the map asks for
clusters in its view and the list a page at a time) and with the threshold lifted, so the same
page loads the whole listing as every city's map did before. Each run opens /map/15100 on both
in turn in headless Chromium (Debian's /usr/bin/chromium) with a cold cache.

The servers build what they serve once per change of the data (the whole listing also each
minute, for 次回開催), as any earlier visitor would have left it; one warm-up load of each is not
counted. It prints, as the median of the runs, for each path and their ratio:
- the time from navigation to the list and the markers shown (the page's ``tsudoi-ready`` mark:
  the first page of the list is in the DOM and every marker or cluster in view is painted);
- the bytes transferred (encoded body plus headers of every response, from CDP Network events),
  until ready and in all once the network is idle (the area outlines may land after ready).

Tiles are off (TSUDOI_BASEMAP=none): they depend on the network and the viewer, not on Tsudoi.
Aims (issue 12): map and list ready in at most 3 s, at most 500 KB transferred.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.store.base import PlaceQuery  # noqa: E402
from geo.store.gpkg import GpkgStore  # noqa: E402
from layers.place_import import PlaceImportOptions, import_places  # noqa: E402
from service.demo import DEMO_CITY, load_demo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
AIM_S = 3.0
AIM_BYTES = 500 * 1024
# the old path: the same server with the paged map's threshold lifted, so the map page loads
# the whole listing (service.routes.pages.PAGED_OVER) — for this comparison only
WHOLE_LISTING = (
    "import service.routes.pages as pages; pages.PAGED_OVER = 10**9; "
    "from service.cli import main; main()"
)
CATEGORIES = ("salon", "salon", "kayoinoba", "chanoma", "community-cafe", "dementia-cafe")
DESCRIPTIONS = (
    "お茶を飲みながらおしゃべりを楽しむ集まりです。どなたでもどうぞ。",
    "体操と脳トレのあと、季節の行事を楽しみます。",
    "手作りのお菓子と飲み物で、世代を問わず交流できる場です。",
    "介護の悩みを気軽に話せるカフェです。専門職も参加します。",
)


def synthetic_places(store: GpkgStore, folder: Path, total: int) -> int:
    """Top the demo city up to ``total`` gathering places at its town points; how many added."""
    have = store.count_places(PlaceQuery(city=DEMO_CITY))
    towns = store.towns(DEMO_CITY)
    city = shapely.union_all([a.geometry for a in store.areas(DEMO_CITY, 1)])
    shapely.prepare(city)
    rng = random.Random(15100)
    features = []
    for i in range(max(0, total - have)):
        town = towns[i % len(towns)]
        # varied like a real city's list: ~300 distinct rules, so 次回開催 is not all cache hits
        weekday = rng.randrange(0, 5)
        weeks = rng.choice([None, [1], [2], [3], [4], [1, 3], [2, 4], [-1]])
        start, end = rng.choice([("09:30", "11:30"), ("10:00", "12:00"), ("13:30", "15:30"),
                                 ("10:00", "15:00"), ("14:00", "16:00")])
        lon = round(town.lon + rng.uniform(-0.0015, 0.0015), 7)
        lat = round(town.lat + rng.uniform(-0.0012, 0.0012), 7)
        if not city.covers(shapely.Point(lon, lat)):  # a town on the shore: keep its own point
            lon, lat = town.lon, town.lat
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "id": f"bench-{i:05d}",
                "name": f"{town.name}ふれあいの場{i % 7 + 1}（デモ）",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "address": f"新潟市{town.area or ''}{town.name}（デモ）",
                "phone": f"025-000-{i % 10000:04d}",
                "organiser": f"{town.name}自治会（デモ）",
                "fee": rng.choice(["無料", "100円", "200円（お茶代）", "300円"]),
                "schedule": f"{'月火水木金'[weekday]}曜 {start}〜{end}",
                "schedule_rules": [{"weekdays": [weekday], "weeks": weeks,
                                    "start": start, "end": end}],
                "description": DESCRIPTIONS[i % len(DESCRIPTIONS)],
                "accessibility": rng.choice(["段差なし", "車いす可", "玄関に段差あり", None]),
                "last_verified": "2025-10-01",
                "location_precision": "town" if i % 15 == 0 else "exact",
                "demo": True,
                "source": "デモ用の仮データ: ベンチマーク用（町丁目代表点に配置）",
            },
        })
    path = folder / "bench_places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    import_places(store, path, PlaceImportOptions(city=DEMO_CITY, source="bench"))
    return len(features)


def serve(db: Path, paged: bool = True) -> tuple[str, subprocess.Popen[bytes]]:
    """`tsudoi serve` on the store in its own process, as a deployment runs it; with ``paged``
    False the map loads the whole listing, as before the paged map."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TSUDOI_BASEMAP": "none"}
    start = ["-m", "service.cli"] if paged else ["-c", WHOLE_LISTING]
    proc = subprocess.Popen(
        [sys.executable, *start, "serve", "--db", str(db), "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - 127.0.0.1
                return url, proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def measure(browser: Any, url: str) -> dict[str, float]:
    """One cold load: ms to ready (page clock and wall clock), bytes until ready and in all."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ja-JP")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    t0 = time.perf_counter()
    page.goto(f"{url}/map/{DEMO_CITY}", wait_until="commit")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    wall_ms = (time.perf_counter() - t0) * 1000
    ready_ms = page.evaluate("() => performance.getEntriesByName('tsudoi-ready')[0].startTime")
    places_ms = page.evaluate("""() => {
      const r = performance.getEntriesByType('resource').find((e) => e.name.includes('/places'));
      return r ? r.responseEnd : 0;
    }""")
    requests = page.evaluate("() => performance.getEntriesByType('resource').length")
    bytes_ready = sum(sizes.values())
    page.wait_for_load_state("networkidle")
    counts = page.evaluate("""() => [
      document.querySelectorAll('#place-list > li').length,
      document.querySelector('#list-count').textContent,
      [...document.querySelectorAll('.leaflet-marker-pane .tsd-pin')].length +
        [...document.querySelectorAll('.leaflet-marker-pane .tsd-cluster')]
          .reduce((n, c) => n + Number(c.innerText.trim()), 0),
    ]""")
    context.close()
    return {"ready_ms": ready_ms, "wall_ms": wall_ms, "places_ms": places_ms,
            "bytes_ready": bytes_ready, "bytes_total": sum(sizes.values()),
            "items": counts[0], "count": counts[1], "markers": counts[2], "requests": requests}


def timed_get(url: str) -> float:
    """ms for one GET, read to the end."""
    t0 = time.perf_counter()
    with urlopen(url, timeout=120) as r:  # noqa: S310 - 127.0.0.1
        r.read()
    return (time.perf_counter() - t0) * 1000


def report(name: str, runs: list[dict[str, Any]]) -> dict[str, float]:
    """Print each run and the medians; the medians."""
    print(f"{name}:")
    for i, r in enumerate(runs, 1):
        print(f"  run {i}: ready {r['ready_ms']:.0f} ms (wall {r['wall_ms']:.0f} ms; first places "
              f"data in at {r['places_ms']:.0f} ms), {r['bytes_ready'] / 1024:.0f} KB until "
              f"ready, {r['bytes_total'] / 1024:.0f} KB in all, {r['requests']} requests; list "
              f"{r['count']} ({r['items']} items on the first page), markers+clusters "
              f"{r['markers']}")
    med = {k: statistics.median(r[k] for r in runs)
           for k in ("ready_ms", "wall_ms", "bytes_ready", "bytes_total")}
    print(f"  median: ready {med['ready_ms'] / 1000:.2f} s (wall {med['wall_ms'] / 1000:.2f} s), "
          f"{med['bytes_total'] / 1024:.0f} KB in all, {med['bytes_ready'] / 1024:.0f} KB "
          "until ready")
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--places", type=int, default=20000)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "bench.gpkg"
        store = GpkgStore(db)
        load_demo(store)
        added = synthetic_places(store, folder, args.places)
        total = store.count_places(PlaceQuery(city=DEMO_CITY))
        store.close()
        (old_url, old_server), (new_url, new_server) = serve(db, paged=False), serve(db)
        base = f"/api/cities/{DEMO_CITY}"
        whole = [timed_get(f"{old_url}{base}/places") for _ in range(2)]
        first = [timed_get(f"{new_url}{base}/places?sort=name&limit=50") for _ in range(2)]
        view = "clusters?zoom=11&bbox=138.76,37.65,139.29,38.05"
        clusters = [timed_get(f"{new_url}{base}/{view}") for _ in range(2)]
        near = timed_get(f"{new_url}{base}/places?sort=distance&lat=37.9161&lon=139.0236&limit=50")
        print(f"store: {total} active gathering places in {DEMO_CITY} ({added} stand-ins added)")
        print(f"  GET {base}/places (whole listing): {whole[0]:.0f} ms to build, {whole[1]:.0f} ms "
              "once built (rebuilt when the data changes, and each minute for 次回開催)")
        print(f"  GET {base}/places?sort=name&limit=50: {first[0]:.0f} ms to sort, {first[1]:.0f} "
              f"ms once sorted; sort=distance from 新潟市役所: {near:.0f} ms")
        print(f"  GET {base}/{view}: {clusters[0]:.0f} ms, {clusters[1]:.0f} ms cached")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            measure(browser, old_url)  # warm each server (first-request imports), not counted
            measure(browser, new_url)
            old_runs, new_runs = [], []
            for _ in range(args.runs):  # in turn, so both see the same load on the machine
                old_runs.append(measure(browser, old_url))
                new_runs.append(measure(browser, new_url))
            browser.close()
        for server in (old_server, new_server):
            server.terminate()
            server.wait(timeout=30)

    old = report("whole listing (the map before: every place sent to the page)", old_runs)
    new = report("paged map (clusters in view, the list a page at a time)", new_runs)
    print(f"paged / whole: time to ready x{new['ready_ms'] / old['ready_ms']:.2f}, bytes in all "
          f"x{new['bytes_total'] / old['bytes_total']:.3f}")
    ready = new["ready_ms"] / 1000
    print(f"paged map: list and markers shown in {ready:.2f} s (median of {len(new_runs)}; aim ≤ "
          f"{AIM_S:.0f} s) — {'OK' if ready <= AIM_S else 'OVER'}; {new['bytes_total'] / 1024:.0f}"
          f" KB in all (aim ≤ {AIM_BYTES // 1024} KB) — "
          f"{'OK' if new['bytes_total'] <= AIM_BYTES else 'OVER'}")


if __name__ == "__main__":
    main()
