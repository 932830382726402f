"""OGC API – Features at /ogc: each city's places and areas as collections a GIS reads directly.

``factory.py`` builds the routes, ``collections.py`` says what each collection holds (the JSON
API's own public features), ``params.py`` checks what a request may ask.
"""

from __future__ import annotations

from service.ogc.factory import OgcFeatures

router = OgcFeatures().router

__all__ = ["OgcFeatures", "router"]
