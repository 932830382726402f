"""The national overview: every city the store holds, with the coverage a batch kept for it.

One document for the API (/api/overview) and the page (/overview): each city's covered share
and older population, the walk and method they were computed for and when; a city no batch has
reached is listed as not computed. Totals add up the computed cities, and say which walks they
mix (``walks``), since figures for different walks do not add up to one national figure, and
which methods (network, straight-line) they come from.
"""

from __future__ import annotations

from typing import Any, Literal

from geo.analysis.stored import StoredCoverage
from geo.store.base import Store

SortKey = Literal["code", "name", "prefecture", "covered_share", "older_population"]
SORT_KEYS: tuple[str, ...] = SortKey.__args__  # type: ignore[attr-defined]
Order = Literal["asc", "desc"]
COMPUTED = "computed"
NOT_COMPUTED = "not computed"
PREFECTURE_PATTERN = r"^(0[1-9]|[1-3][0-9]|4[0-7])$"  # JIS X 0401: 01 北海道 … 47 沖縄県
_WALK = ("minutes", "speed_kmh", "threshold_m", "age")


def _row(code: str, name: str, name_en: str | None, prefecture: str,
         kept: StoredCoverage | None) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "prefecture": prefecture,
        "status": COMPUTED if kept is not None else NOT_COMPUTED,
    }
    figures = kept.summary() if kept is not None else {}
    for key in ("older_population", "covered_older_population", "covered_share", "method", *_WALK,
                "categories", "computed_at", "seconds"):  # fmt: skip
        row[key] = figures.get(key)
    if kept is not None:
        row["categories"] = None if kept.categories is None else list(kept.categories)
        row["coverage"] = (f"/api/cities/{code}/coverage?minutes={kept.minutes:g}"
                           f"&speed_kmh={kept.speed_kmh:g}&age={kept.age}")  # fmt: skip
    else:
        row["coverage"] = None
    return row


def _sorted(rows: list[dict[str, Any]], sort: str, order: str) -> list[dict[str, Any]]:
    """By the key asked for; ties and cities without the figure (not computed) after, by code."""
    have = [r for r in rows if r[sort] is not None]
    lack = [r for r in rows if r[sort] is None]
    have.sort(key=lambda r: r["code"])
    have.sort(key=lambda r: r[sort], reverse=order == "desc")
    return have + sorted(lack, key=lambda r: r["code"])


def overview(
    store: Store, prefecture: str | None = None, sort: str = "code", order: str = "asc"
) -> dict[str, Any]:
    """Every city held (of one prefecture, by its 2-digit code), with its kept coverage."""
    kept = {k.city: k for k in store.coverage_summaries()}
    rows = [
        _row(c.code, c.name, c.name_en, c.prefecture, kept.get(c.code))
        for c in store.cities()
        if prefecture is None or c.code.startswith(prefecture)
    ]
    done = [r for r in rows if r["status"] == COMPUTED]
    older = sum(r["older_population"] for r in done)
    covered = sum(r["covered_older_population"] for r in done)
    walks = sorted({tuple(r[k] for k in _WALK) for r in done}, key=repr)
    return {
        "prefecture": prefecture,
        "sort": sort,
        "order": order,
        "totals": {
            "cities": len(rows),
            "computed": len(done),
            "not_computed": len(rows) - len(done),
            "older_population": older,
            "covered_older_population": covered,
            "covered_share": covered / older if older > 0 else None,
            "walks": [dict(zip(_WALK, w, strict=True)) for w in walks],
            "methods": sorted({r["method"] for r in done}),
        },
        "cities": _sorted(rows, sort, order),
    }
