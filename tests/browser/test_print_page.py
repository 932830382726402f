"""The printed sheet in Chromium: printed to PDF at A4 (the browser's own print path, as a city
worker would) it is at most two A4 pages for 30 places; on screen the vendored font loads under the
pages' Content-Security-Policy, the "print" button appears, the QR code in the page reads (zbarimg
on a screenshot) as the area's live map, and axe finds nothing. Requests go to 127.0.0.1 only."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.conftest import Server
from tests.browser.test_map_page import run_axe, shot

pytestmark = pytest.mark.browser

A4_PT = (595.28, 841.89)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_thirty_places_print_on_two_a4_pages_from_the_browser(
    page: Any, server: Server, artifacts: Path, lang: str
) -> None:
    page.goto(f"{server.url}/print/15100?area=15100-L1-15107&lang={lang}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.fonts.check('12pt \"BIZ UDPGothic\"', '集')")
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (artifacts / f"print-15107-{lang}.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert 1 <= len(pages) <= 2
    for p in pages:
        assert abs(float(p.mediabox.width) - A4_PT[0]) < 1
        assert abs(float(p.mediabox.height) - A4_PT[1]) < 1
    text = "".join(p.extract_text() for p in pages)
    assert "025-000-1150" in text  # the last of the 30, on the last page


def test_on_screen_the_qr_code_reads_as_the_live_map_and_axe_is_clean(
    page: Any, server: Server, tmp_path: Path, axe_source: str, artifacts: Path
) -> None:
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg is missing (apt-get install zbar-tools; .ci/run installs it)")
    page.goto(f"{server.url}/print/35202?area=35202-L2-d03&lang=en")
    page.wait_for_load_state("networkidle")
    assert page.locator("#print-sheet").is_visible()  # the script ran under the CSP
    assert page.locator(".sheet-list tbody tr").count() == 9
    assert page.locator(".sheet-map text[font-weight=bold]").count() == 9
    png = tmp_path / "qr.png"
    page.locator(".sheet-qr").screenshot(path=str(png))
    read = subprocess.run([zbarimg, "--quiet", "--raw", str(png)], capture_output=True,
                          text=True, check=True, timeout=30).stdout.strip()
    assert read == f"{server.url}/map/35202?area=35202-L2-d03&lang=en"
    assert run_axe(page, axe_source) == []
    shot(page, artifacts, "print-35202-d03-en")
