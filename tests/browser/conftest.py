"""Chromium tests of the residents' map: the real app under uvicorn, driven by Playwright.

The app runs in a background thread on a free 127.0.0.1 port, on a GeoPackage store holding the
demo plus two hostile records (HTML in a name and a description). Debian's Chromium is used
(never `playwright install`); without it the tests skip, unless TSUDOI_REQUIRE_BROWSER=1 (CI),
where they fail. Every request that is not to 127.0.0.1 is blocked and recorded, and a test fails
if one was attempted. Screenshots go to test-artifacts/ at the repository root.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from geo.store.gpkg import GpkgStore
from layers.place_import import PlaceImportOptions, import_places
from service.demo import load_demo
from service.settings import Settings

CHROMIUM = "/usr/bin/chromium"
REQUIRE_ENV = "TSUDOI_REQUIRE_BROWSER"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_DESCRIPTION = "<script>alert('description')</script> と <b>太字</b>"
CLOSED_PORT_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"Chromium is required ({REQUIRE_ENV}=1) but unavailable: {reason}",
                    pytrace=False)
    pytest.skip(f"Chromium unavailable: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running app: its base URL and the store behind it."""

    url: str
    store: GpkgStore
    tile_host: str | None = None

    def api(self, path: str, **params: Any) -> Any:
        """GET a JSON answer from the running app (what the page itself will see)."""
        from urllib.parse import urlencode

        query = f"?{urlencode(params)}" if params else ""
        with urlopen(f"{self.url}{path}{query}", timeout=30) as r:  # noqa: S310 - 127.0.0.1 only
            return json.loads(r.read())


def _hostile_places(folder: Path) -> Path:
    path = folder / "hostile.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [139.0236, 37.9161]},
        "properties": {
            "id": "xss-1",
            "name": HOSTILE_NAME,
            "category": "salon",
            "address": "新潟市中央区学校町通一番町（デモ）",
            "description": HOSTILE_DESCRIPTION,
            "organiser": "<a href=javascript:alert(3)>主催</a>",
            "phone": "025-000-9999",
            "schedule": "毎週月曜 10:00〜11:00",
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]},
                               ensure_ascii=False), encoding="utf-8")
    return path


def _serve(store: GpkgStore, settings: Settings) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    from service.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(store, settings), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                return url, server, thread
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the test server did not start")


@contextmanager
def demo_server(
    folder: Path, prepare: Callable[[GpkgStore], object] | None = None
) -> Iterator[Server]:
    """The demo in a GeoPackage of its own, served without tiles until the block ends;
    ``prepare`` adds what a test needs (users, more places) before it is served."""
    store = GpkgStore(folder / "demo.gpkg")
    load_demo(store)
    if prepare is not None:
        prepare(store)
    url, srv, thread = _serve(store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))
    try:
        yield Server(url, store)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        store.close()


def sign_in_to_editor(page: Any, url: str, city: str, email: str, password: str) -> None:
    """Open the editor: sent to /login, sign in there, come back to the editor."""
    page.goto(f"{url}/edit/{city}")
    assert "/login" in page.url
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click(".login-form button[type=submit]")
    page.wait_for_url(f"{url}/edit/{city}")
    page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)


def assert_stayed_here(watch: Watch) -> None:
    """Nothing left 127.0.0.1, no dialog fired, no console error but the expected ones."""
    assert watch.blocked == [], f"requests off this machine were attempted: {watch.blocked}"
    assert watch.dialogs == [], f"a dialog fired: {watch.dialogs}"
    unexpected = [e for e in watch.errors if not expected_errors(e)]
    assert unexpected == [], f"console errors: {unexpected}"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpkgStore]:
    folder = tmp_path_factory.mktemp("browser")
    store = GpkgStore(folder / "demo.gpkg")
    load_demo(store)
    import_places(store, _hostile_places(folder),
                  PlaceImportOptions(city="15100", source="hostile-test"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def server(demo_store: GpkgStore) -> Iterator[Server]:
    """The app with no basemap (TSUDOI_BASEMAP=none): tests never touch a tile server."""
    url, srv, thread = _serve(demo_store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))
    yield Server(url, demo_store)
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def server_dead_tiles(demo_store: GpkgStore) -> Iterator[Server]:
    """The same app with a tile server that cannot answer (a closed port)."""
    settings = Settings.from_env({"TSUDOI_TILE_URL": CLOSED_PORT_TILES,
                                  "TSUDOI_TILE_ATTRIBUTION": "テスト用タイル"})
    url, srv, thread = _serve(demo_store, settings)
    yield Server(url, demo_store, tile_host="127.0.0.1:9")
    srv.should_exit = True
    thread.join(timeout=10)


# `browser` (one Chromium for the whole run) lives in tests/conftest.py: Playwright's sync API
# allows one instance per process, and tests/test_folium_map.py drives the browser too.


@dataclass
class Watch:
    """What a page tried that it should not: requests off this machine, errors, dialogs."""

    blocked: list[str] = field(default_factory=list)
    tile_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_context(browser: Any, watch: Watch, tile_host: str | None = None,
                 **options: Any) -> Any:
    """A fresh browser context that lets requests reach 127.0.0.1 only."""
    options.setdefault("viewport", {"width": 1280, "height": 860})
    options.setdefault("locale", "ja-JP")
    options.setdefault("timezone_id", "Asia/Tokyo")
    context = browser.new_context(**options)

    def route(r: Any) -> None:
        url = r.request.url
        parts = urlsplit(url)
        if tile_host and parts.netloc == tile_host:
            watch.tile_requests.append(url)
            r.continue_()
        elif parts.hostname == "127.0.0.1" or parts.scheme in ("data", "blob"):
            r.continue_()
        else:
            watch.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    return context


def watch_page(page: Any, watch: Watch) -> None:
    """Record console errors (CSP violations show up there), page errors and dialogs."""
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))

    def on_dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)


def expected_errors(text: str) -> bool:
    """Console errors a test provokes on purpose: failed tile loads, a 404 it asked for."""
    return "Failed to load resource" in text


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Any, server: Server, watch: Watch) -> Iterator[Any]:
    """A desktop-sized page; after the test nothing left 127.0.0.1 and nothing went wrong."""
    context = open_context(browser, watch)
    pg = context.new_page()
    watch_page(pg, watch)
    yield pg
    context.close()
    assert_stayed_here(watch)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")
