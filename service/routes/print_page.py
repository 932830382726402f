"""``/print/{code}?area=``: the A4 sheet of an area's places, to print from a browser.

The same page ``tsudoi export print`` makes into a PDF (``service/print_sheet.py``). A wrong city
is a 404 and a missing or unknown area or category a 422, as problem documents like the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from service.deps import MAX_ID, AnalysisDep, CityDep, StoreDep, Text
from service.print_sheet import choose, sheet_html
from service.routes.embed import public_base
from service.routes.pages import LangParam, html_page
from service.serialize import now_in_japan

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/print/{code}", response_class=HTMLResponse, summary="An area's places on A4")
def print_page(
    request: Request,
    city: CityDep,
    store: StoreDep,
    analysis: AnalysisDep,
    area: Annotated[Text, Query(max_length=MAX_ID, description="The area's id")],
    category: Annotated[Text | None, Query(max_length=2000)] = None,
    lang: LangParam = None,
) -> HTMLResponse:
    """Title, a map drawn here (streets when the city has a network), the numbered list with the
    next three dates, the area's contacts, a QR code of the live map, the day it was made."""
    choice = choose(store, city.code, area, category, lang)
    html = sheet_html(store, choice, public_base(request), now_in_japan(),
                      analysis.network(store, city.code))
    return html_page(request, html)
