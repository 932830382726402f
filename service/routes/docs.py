"""The API's documentation page, /docs (Swagger UI), with its script, styles and icon served by
this package (layers/static/vendor/swagger-ui-*, with its licence).

FastAPI's own page loads them from a CDN, so on a city's intranet or offline it stays blank;
here they come from /static, like Leaflet, and Swagger UI's online validator is switched off, so
the page asks nothing of another site. ReDoc is not offered: its page always loads Redocly's
logo from their CDN.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"

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
