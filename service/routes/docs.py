"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), with their scripts,
styles and icon served by this package (layers/static/vendor, with their licences).

FastAPI's own pages load them from a CDN, so on a city's intranet or offline they stay blank;
here they come from /static, like Leaflet. Swagger UI's online validator badge is switched off
and ReDoc's Google Fonts are left out, so neither page asks anything of another site.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"
REDOC = "/static/vendor/redoc-2.5.4"

router = APIRouter(include_in_schema=False)


def _title(request: Request) -> str:
    return str(request.app.title)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI on the app's OpenAPI document, every asset from this service."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{_title(request)} — API",
        swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc on the same document, its script from this service and no web fonts."""
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{_title(request)} — API",
        redoc_js_url=f"{REDOC}/redoc.standalone.js",
        redoc_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
        with_google_fonts=False,
    )
