"""The basemap presets: tile layers the residents' page and the Folium map may draw, one table.

``service/settings.py`` picks one of them from TSUDOI_BASEMAP for the pages; the Folium listing
map takes the same names.  Attribution is plain text (with a link to the provider's terms when
there is one), never HTML, so each renderer escapes it its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Basemap:
    """A tile layer and the credit its provider asks for."""

    name: str
    url: str | None  # a Leaflet URL template; None draws no tiles
    attribution: str = ""  # plain text, shown as text
    attribution_url: str | None = None
    max_zoom: int = 18

    def origin(self) -> str | None:
        """The tile host as a CSP source (``https://host``, ``https://*.host`` for ``{s}``)."""
        if not self.url:
            return None
        parts = urlsplit(self.url.replace("{s}", "*"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        return f"{parts.scheme}://{parts.netloc}"

    def as_config(self) -> dict[str, Any]:
        """What the page script needs to draw it."""
        return {
            "name": self.name,
            "url": self.url,
            "attribution": self.attribution,
            "attribution_url": self.attribution_url,
            "max_zoom": self.max_zoom,
        }


BASEMAPS: dict[str, Basemap] = {
    "gsi-pale": Basemap(
        "gsi-pale",
        "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png",
        "地理院タイル",
        "https://maptiles.gsi.go.jp/development/ichiran.html",
        18,
    ),
    "osm": Basemap(
        "osm",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
        "https://www.openstreetmap.org/copyright",
        19,
    ),
    "none": Basemap("none", None),
}
"""The presets by name: 地理院タイル 淡色地図 (the default), OpenStreetMap, or no tiles at all."""
