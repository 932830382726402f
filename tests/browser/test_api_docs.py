"""/docs (Swagger UI) in Chromium with the network cut: every request but the test server's is
blocked (and fails the test), yet the page lists the API's operations, from the script and styles
this package serves. (/redoc is not offered: ReDoc always loads its logo from a CDN.)"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server

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
