"""Deployment settings read from the environment: which basemap the residents' map draws.

TSUDOI_BASEMAP picks a preset — ``gsi-pale`` (default, 地理院タイル 淡色地図),
``osm`` (OpenStreetMap) or ``none`` (no tiles: boundaries and markers on a plain
background; tests use it).
TSUDOI_TILE_URL with TSUDOI_TILE_ATTRIBUTION (text) and TSUDOI_TILE_ATTRIBUTION_URL set a custom
tile server instead of a preset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from geo.errors import UsageError


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


@dataclass(frozen=True)
class Settings:
    """Everything a deployment configures for the pages."""

    basemap: Basemap

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read TSUDOI_BASEMAP, TSUDOI_TILE_URL, TSUDOI_TILE_ATTRIBUTION(_URL)."""
        env = os.environ if env is None else env
        custom = env.get("TSUDOI_TILE_URL", "").strip()
        if custom:
            if urlsplit(custom).scheme not in ("http", "https"):
                raise UsageError(f"TSUDOI_TILE_URL must be an http(s) URL, not {custom!r}")
            basemap = Basemap(
                "custom",
                custom,
                env.get("TSUDOI_TILE_ATTRIBUTION", "").strip(),
                env.get("TSUDOI_TILE_ATTRIBUTION_URL", "").strip() or None,
            )
            return cls(basemap=basemap)
        name = env.get("TSUDOI_BASEMAP", "gsi-pale").strip() or "gsi-pale"
        if name not in BASEMAPS:
            raise UsageError(
                f"TSUDOI_BASEMAP must be one of {', '.join(BASEMAPS)}, not {name!r}"
            )
        return cls(basemap=BASEMAPS[name])
