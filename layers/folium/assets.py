"""The map's own assets: the vendored Leaflet (linked or inlined) and the pins' and popups' CSS.

Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; city networks and tests are
often offline and a CDN sees every visitor.  The map loads only the vendored Leaflet
(``layers/static/vendor/leaflet-1.9.4``), from ``static_prefix`` or inlined.
"""

from __future__ import annotations

import base64
import re
from importlib.resources import files
from urllib.parse import urlsplit

LEAFLET_DIR = "vendor/leaflet-1.9.4"
"""Where the vendored Leaflet lives under ``layers/static`` (and under the service's /static)."""

CSS = """
.tsudoi-pin-icon { background: none; border: none; }
.tsudoi-pin {
  display: flex; align-items: center; justify-content: center;
  width: 30px; height: 30px; box-sizing: border-box; border-radius: 50%;
  border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,.55);
  color: #fff; font: bold 15px/1 system-ui, sans-serif;
}
.tsudoi-pin-town { border: 2px dashed #fff; }
.leaflet-marker-icon:focus-visible .tsudoi-pin { outline: 3px solid #111; outline-offset: 2px; }
.tsudoi-sr {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0,0,0,0); white-space: nowrap; border: 0;
}
.tsudoi-swatch {
  display: inline-flex; align-items: center; justify-content: center; width: 1.4em;
  height: 1.4em; border-radius: 50%; color: #fff; font-weight: bold; font-size: .85em;
  vertical-align: middle; margin-right: .25em;
}
.leaflet-control-layers { font-size: 15px; max-height: 70vh; overflow: auto; }
.tsudoi-popup { font-size: 16px; line-height: 1.5; }
.tsudoi-popup h2 { font-size: 18px; margin: 0 0 .2em; }
.tsudoi-popup .tsudoi-kana { font-size: 13px; color: #495057; margin: 0; }
.tsudoi-popup dl {
  display: grid; grid-template-columns: max-content 1fr; gap: .25em .7em; margin: .4em 0 0;
}
.tsudoi-popup dt { font-weight: bold; }
.tsudoi-popup dd { margin: 0; }
.tsudoi-popup .tsudoi-note { margin: .4em 0 0; font-size: 14px; }
.tsudoi-popup .tsudoi-demo { color: #a61e4d; font-weight: bold; }
.tsudoi-popup a { font-size: 16px; }
body { display: flex; flex-direction: column; }
.folium-map { flex: 1 1 auto; height: auto !important; min-height: 0; }
.tsudoi-banner {
  order: -1; padding: 6px 12px; background: #fff; border-bottom: 1px solid #ced4da;
  font: 16px/1.4 system-ui, sans-serif; text-align: center;
}
.tsudoi-banner h1 { font-size: 20px; margin: 0; }
.tsudoi-banner .tsudoi-demo-notice { margin: 2px 0 0; color: #a61e4d; font-weight: bold; }
@media (max-width: 600px) {
  .leaflet-control-attribution { font-size: 10px; max-height: 4.2em; overflow: auto; }
}
"""


def leaflet_assets(inline: bool, static_prefix: str = "/static") -> tuple[str, str]:
    """The Leaflet JS and CSS: URLs under ``static_prefix``, or their full text when inlined.

    Parameters
    ----------
    inline
        True for the file contents (CSS images made data: URIs, CSS comments dropped), False
        for ``{static_prefix}/vendor/leaflet-1.9.4/leaflet.js`` and ``…/leaflet.css``.
    static_prefix
        Where the service serves ``layers/static``.

    Returns
    -------
    tuple of str
        ``(js, css)``.
    """
    if not inline:
        prefix = static_prefix.rstrip("/")
        return f"{prefix}/{LEAFLET_DIR}/leaflet.js", f"{prefix}/{LEAFLET_DIR}/leaflet.css"
    folder = files("layers").joinpath("static", *LEAFLET_DIR.split("/"))
    js = folder.joinpath("leaflet.js").read_text(encoding="utf-8")
    css = folder.joinpath("leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments carry bug-tracker URLs

    def image(m: re.Match[str]) -> str:
        data = folder.joinpath("images", m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", image, css)
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def check_prefix(static_prefix: str) -> str:
    """The prefix when it is a plain path or an http(s) URL; it goes into src/href attributes."""
    if re.search(r"[\s\"'<>\\]", static_prefix):
        raise ValueError(f"static_prefix must be a plain path or URL: {static_prefix!r}")
    scheme = urlsplit(static_prefix).scheme
    if scheme and scheme not in ("http", "https"):
        raise ValueError(f"static_prefix must be a path or an http(s) URL: {static_prefix!r}")
    return static_prefix
