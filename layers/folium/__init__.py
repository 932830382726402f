"""The listing as a Folium map: category layers, area boundaries, details popups — no CDN.

Used in notebooks and for a static, self-contained export.  Three things differ from plain
Folium on purpose:

* **Assets** (``assets``).  Only the vendored Leaflet is loaded, from ``static_prefix`` or
  inlined; folium's CDN defaults are replaced on the map instance, never on ``folium.Map``.
* **Escaping** (``elements``, ``cards``).  Popups and tooltips are bound with JSON-escaped
  strings built from ``html.escape``-d text, never folium's template literals.
* **Colour is never the only cue.**  Each pin carries the category's mark (サ, 茶, カ …) and
  the layer list doubles as the legend.

Labels come from the one message catalogue, basemaps from ``layers.basemaps`` (the table the
service uses) and 次回開催 from the schedule engine's stored-rule path, as the API's.
"""

from layers.folium.assets import LEAFLET_DIR, leaflet_assets
from layers.folium.map import listing_map
from layers.folium.panel import page_html

__all__ = ["LEAFLET_DIR", "leaflet_assets", "listing_map", "page_html"]
