"""The sheet's page as a PDF: WeasyPrint, with nothing fetched but the package's own files.

The page links its stylesheet and fonts under ``/static/`` as the service serves them; here those
addresses are read from ``layers/static`` instead, and anything else is refused, so a PDF is the
same on any machine: the vendored BIZ UDPGothic, never whatever fonts a system has, and no
request leaves the process. A missing file stops the rendering rather than falling back.
"""

from __future__ import annotations

import mimetypes
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from geo.errors import UsageError

STATIC_PREFIX = "/static/"


def _static_root() -> Path:
    with as_file(files("layers") / "static") as folder:
        return Path(folder).resolve()


def static_file(url: str) -> Path:
    """The package file a ``/static/…`` address names; any other address is refused."""
    path = unquote(urlsplit(url).path)
    root = _static_root()
    if not path.startswith(STATIC_PREFIX):
        raise UsageError(f"a printed sheet reads only the package's own files, not {url}")
    target = (root / path[len(STATIC_PREFIX):]).resolve()
    if root not in target.parents or not target.is_file():
        raise UsageError(f"no such package file: {url}")
    return target


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PackageFiles(URLFetcher):
        """WeasyPrint's fetcher, answering from the package alone."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            target = static_file(url)
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if target.suffix == ".woff":
                kind = "font/woff"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": kind})

    return PackageFiles(fail_on_errors=True)


def html_to_pdf(html: str, base_url: str) -> bytes:
    """The page (its links absolute from ``base_url``) as PDF bytes, A4 as its @page says."""
    from weasyprint import HTML  # loaded when a PDF is made, not when any command starts

    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=_fetcher()).write_pdf()
    return pdf
