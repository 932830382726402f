"""Deployment settings read from the environment: which basemap the residents' map draws.

TSUDOI_BASEMAP picks a preset — ``gsi-pale`` (default, 地理院タイル 淡色地図),
``osm`` (OpenStreetMap) or ``none`` (no tiles: boundaries and markers on a plain
background; tests use it).
TSUDOI_TILE_URL with TSUDOI_TILE_ATTRIBUTION (text) and TSUDOI_TILE_ATTRIBUTION_URL set a custom
tile server instead of a preset.  The presets are ``layers.basemaps.BASEMAPS``, the table the
Folium listing map reads too.
TSUDOI_EMBED_ORIGINS lists, space-separated, the sites (``https://www.city.example.lg.jp``) whose
pages may frame ``/embed``; unset, any page may. Every other page may be framed by this service
only.
TSUDOI_PUBLIC_URL is the address residents reach the service at (``https://map.city.example.jp``,
a path prefix allowed): links and QR codes meant to leave the service (the printed sheet, the share
page) are made from it; unset, from the address each request came to.
TSUDOI_SECRET_KEY signs the sign-in session cookies (at least 32 characters, the same for every
worker and server of a deployment); unset, a key is generated once and kept in the store
(``service/auth/secret.py``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from geo.errors import UsageError
from layers.basemaps import BASEMAPS, Basemap

__all__ = ["BASEMAPS", "Basemap", "Settings"]

# An origin as CSP writes it: scheme, host (a leading "*." for every subdomain), optional port.
_ORIGIN = re.compile(
    r"https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
    r"(:\d{1,5})?",
    re.IGNORECASE,
)


def embed_origins(text: str) -> tuple[str, ...]:
    """TSUDOI_EMBED_ORIGINS as CSP sources; a path, a query or another scheme is refused."""
    found: list[str] = []
    for item in text.split():
        origin = item[:-1] if item.endswith("/") else item
        if not _ORIGIN.fullmatch(origin):
            raise UsageError(
                f"TSUDOI_EMBED_ORIGINS takes origins such as https://www.city.example.lg.jp "
                f"(scheme, host and port only, separated by spaces), not {item!r}"
            )
        if origin.lower() not in (o.lower() for o in found):
            found.append(origin)
    return tuple(found)


def public_url(text: str) -> str | None:
    """TSUDOI_PUBLIC_URL without its trailing slash; None when unset. It must be an http(s)
    address with a host and no query or fragment, since paths are appended to it."""
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(
            f"TSUDOI_PUBLIC_URL must be an http(s) address such as https://map.city.example.jp "
            f"(a path is allowed; no query or fragment), not {text!r}"
        )
    return text.rstrip("/")


SECRET_KEY_MIN = 32  # characters; a shorter key could be guessed from a captured cookie


def secret_key(text: str) -> str | None:
    """TSUDOI_SECRET_KEY; None when unset. Refused when short, at start-up rather than at the
    first sign-in."""
    text = text.strip()
    if not text:
        return None
    if len(text) < SECRET_KEY_MIN:
        raise UsageError(
            f"TSUDOI_SECRET_KEY must be at least {SECRET_KEY_MIN} characters; make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return text


@dataclass(frozen=True)
class Settings:
    """Everything a deployment configures for the pages."""

    basemap: Basemap
    embed_origins: tuple[str, ...] = ()  # the sites that may frame /embed; () lets any
    public_url: str | None = None  # where residents reach the service; None: each request's address
    secret_key: str | None = field(default=None, repr=False)  # None: generated, kept in the store

    def embed_frame_ancestors(self) -> str | None:
        """The CSP frame-ancestors value of /embed: this service and the listed sites; None when
        any page may frame it (no directive at all: even a file opened from disk may)."""
        if not self.embed_origins:
            return None
        return " ".join(("'self'", *self.embed_origins))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read TSUDOI_BASEMAP, TSUDOI_TILE_URL (…_ATTRIBUTION, …_URL), TSUDOI_EMBED_ORIGINS,
        TSUDOI_PUBLIC_URL, TSUDOI_SECRET_KEY."""
        env = os.environ if env is None else env
        return cls(basemap=_basemap(env),
                   embed_origins=embed_origins(env.get("TSUDOI_EMBED_ORIGINS", "")),
                   public_url=public_url(env.get("TSUDOI_PUBLIC_URL", "")),
                   secret_key=secret_key(env.get("TSUDOI_SECRET_KEY", "")))


def _basemap(env: Mapping[str, str]) -> Basemap:
    """The preset TSUDOI_BASEMAP names, or the custom tiles TSUDOI_TILE_URL gives."""
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
        return basemap
    name = env.get("TSUDOI_BASEMAP", "gsi-pale").strip() or "gsi-pale"
    if name not in BASEMAPS:
        raise UsageError(f"TSUDOI_BASEMAP must be one of {', '.join(BASEMAPS)}, not {name!r}")
    return BASEMAPS[name]
