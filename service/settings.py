"""Deployment settings read from the environment: which basemap the residents' map draws.

TSUDOI_BASEMAP picks a preset — ``gsi-pale`` (default, 地理院タイル 淡色地図),
``osm`` (OpenStreetMap) or ``none`` (no tiles: boundaries and markers on a plain
background; tests use it).
TSUDOI_TILE_URL with TSUDOI_TILE_ATTRIBUTION (text) and TSUDOI_TILE_ATTRIBUTION_URL set a custom
tile server instead of a preset.  The presets are ``layers.basemaps.BASEMAPS``, the table the
Folium listing map reads too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from geo.errors import UsageError
from layers.basemaps import BASEMAPS, Basemap

__all__ = ["BASEMAPS", "Basemap", "Settings"]


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
