"""The national overview for prefecture and national staff: GET /api/overview and /overview.

Both read what `tsudoi batch coverage` kept (service/overview.py builds the one document); the
page is a plain table sorted by links in its column headers, so it needs no script.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from layers.messages import pick_language
from service.deps import StoreDep
from service.overview import COMPUTED, PREFECTURE_PATTERN, Order, SortKey, overview
from service.routes.pages import LangParam, html_page, render_template

router = APIRouter(tags=["overview"])

PrefectureParam = Annotated[
    str | None,
    Query(
        max_length=2,
        pattern=PREFECTURE_PATTERN,
        description="Only this prefecture: its code, 01 to 47",
    ),
]
SortParam = Annotated[SortKey, Query(description="Order the cities by this figure")]
OrderParam = Annotated[Order, Query(description="asc or desc; cities not computed come last")]


@router.get("/api/overview", summary="Every city held, with the coverage a batch kept for it")
def overview_api(
    store: StoreDep,
    prefecture: PrefectureParam = None,
    sort: SortParam = "code",
    order: OrderParam = "asc",
) -> dict[str, Any]:
    """Each city's covered share and older population, the walk, the method and when they were
    computed (`tsudoi batch coverage`); cities without them are listed as not computed."""
    return overview(store, prefecture, sort, order)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _people(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _link(lang: str, prefecture: str | None, sort: str, order: str) -> str:
    query = {"sort": sort, "order": order, "prefecture": prefecture,
             "lang": lang if lang != "ja" else None}  # fmt: skip
    return "/overview?" + urlencode({k: v for k, v in query.items() if v is not None})


@router.get("/overview", response_class=HTMLResponse, include_in_schema=False)
def overview_page(
    request: Request,
    store: StoreDep,
    lang: LangParam = None,
    prefecture: PrefectureParam = None,
    sort: SortParam = "code",
    order: OrderParam = "asc",
) -> HTMLResponse:
    """The overview as a table: a row per city, totals below, headers that sort."""
    lang = pick_language(lang)
    doc = overview(store, prefecture, sort, order)
    rows = []
    for c in doc["cities"]:
        done = c["status"] == COMPUTED
        rows.append({
            "code": c["code"],
            "name": (c["name_en"] or c["name"]) if lang == "en" else c["name"],
            "prefecture": c["prefecture"],
            "done": done,
            "older": _people(c["older_population"]),
            "covered": _people(c["covered_older_population"]),
            "share": _share(c["covered_share"]),
            "method": c["method"],
            "walk": (c["minutes"], c["speed_kmh"], c["threshold_m"], c["age"]) if done else None,
            "computed_at": c["computed_at"],
        })  # fmt: skip
    headers = []
    for key in ("name", "code", "prefecture", "older_population", "covered_share"):
        current = key == sort
        # a second click on the sorted column turns its order; a first sorts figures largest first
        if current:
            next_order = "desc" if order == "asc" else "asc"
        else:
            next_order = "desc" if key in ("older_population", "covered_share") else "asc"
        headers.append({
            "key": key,
            "href": _link(lang, prefecture, key, next_order),
            "aria_sort": ("ascending" if order == "asc" else "descending") if current else None,
            "num": key in ("older_population", "covered_share"),
        })  # fmt: skip
    totals = doc["totals"]
    html = render_template(
        "overview.html",
        lang=lang,
        rows=rows,
        headers=headers,
        prefecture=prefecture,
        totals={**totals, "older": _people(totals["older_population"]),
                "covered": _people(totals["covered_older_population"]),
                "share": _share(totals["covered_share"])},  # fmt: skip
        mixed_walks=len(totals["walks"]) > 1,
    )
    return html_page(request, html)
