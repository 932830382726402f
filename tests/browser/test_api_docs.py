"""/docs (Swagger UI) in Chromium with the network cut: every request but the test server's is
blocked (and fails the test), yet the page lists the API's operations, from the script and styles
this package serves. (/redoc is not offered: ReDoc always loads its logo from a CDN.) The OGC
API's HTML views, opened as a browser opens them, pass axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.test_map_page import run_axe, shot

pytestmark = pytest.mark.browser


def _requested(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


def test_swagger_ui_lists_the_operations_offline(page: Any, server: Server) -> None:
    asked = _requested(page)
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/cities/{code}/places" in [p.replace("\u200b", "") for p in paths]
    assert any(p.replace("\u200b", "").startswith("/ogc/collections") for p in paths)
    assert page.locator(".info .title").inner_text().startswith("Tsudoi")
    assert f"{server.url}/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in asked
    assert all(u.startswith(server.url) for u in asked), asked


@pytest.mark.parametrize(
    "path",
    ["/ogc", "/ogc/collections", "/ogc/collections/15100-places?lang=en",
     "/ogc/collections/15100-places/items?limit=20&offset=20",
     "/ogc/collections/15100-places/items/15100-places-d0017",
     "/ogc/collections/15100-areas/items/15100-L1-15103"],
)  # fmt: skip
def test_the_ogc_html_views_are_accessible(
    page: Any, server: Server, axe_source: str, artifacts: Path, path: str
) -> None:
    """A browser asking for /ogc gets its HTML views (by its Accept header), in which axe finds
    nothing; the next link leads to the next page."""
    page.goto(f"{server.url}{path}")
    assert page.locator("h1.site-title").inner_text()
    assert run_axe(page, axe_source) == []
    if path.endswith("/items?limit=20&offset=20"):
        shot(page, artifacts, "ogc-items")
        page.locator("a[rel=next]").click()
        page.wait_for_url("**offset=40**")
        assert "41〜60" in page.locator("#ogc-count").inner_text()
