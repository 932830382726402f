"""`tsudoi coverage` and `tsudoi suggest`: the API's coverage answers, on the command line.

Both check their options as the API checks its parameters (service/analysis.py holds the
bounds), so a value the API refuses is refused here too, with an exit code of 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from geo.errors import InvalidParameter
from geo.japan.municipalities import get_city
from geo.store.base import Store
from service.analysis import MAX_GAPS, MAX_SITES, check_walk, known_categories
from service.cli.common import (
    AgeOption,
    CityOption,
    DbOption,
    MinutesOption,
    SpeedOption,
    opened,
    out,
    plain,
)

FORMATS = ("csv", "json", "geojson")
CategoryOption = Annotated[
    str | None, typer.Option(help="Gathering categories that count, comma-separated")
]
CandidatesOption = Annotated[
    str | None, typer.Option(help="Venue categories to choose from (default: every venue)")
]


def _coverage_body(
    store: Store, code: str, params: dict[str, Any], gaps: bool, limit: int | None, fmt: str
) -> Any:
    """The coverage (or gaps) answer in the asked format, as the API would give it."""
    from service.analysis import build_model
    from service.coverage_formats import coverage_csv, coverage_geojson, gaps_csv, gaps_geojson

    model = build_model(store, code)
    params["categories"] = known_categories(store, code, params.pop("category"))
    if gaps:
        g = model.gaps(**params, limit=limit)
        if fmt == "csv":
            return gaps_csv(g)
        cells = {c.id: c.geometry for c in store.population(code)}
        return gaps_geojson(g, cells) if fmt == "geojson" else g.as_dict()
    r = model.coverage(**params)
    if fmt == "csv":
        return coverage_csv(r)
    return coverage_geojson(r, store.areas(code)) if fmt == "geojson" else r.as_dict()


def coverage(
    city: CityOption,
    minutes: MinutesOption = 10.0,
    speed_kmh: SpeedOption = 3.0,
    age: AgeOption = 65,
    category: CategoryOption = None,
    gaps: Annotated[bool, typer.Option("--gaps", help="List uncovered cells instead")] = False,
    limit: Annotated[int | None, typer.Option(help="With --gaps: at most this many cells")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or geojson")] = "csv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: stdout)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Older residents within a walk of a gathering place, per area (or, with --gaps, the gaps)."""
    check_walk(minutes, speed_kmh, age)
    if fmt not in FORMATS:
        raise InvalidParameter("format", "must be csv, json or geojson")
    if limit is not None and not 1 <= limit <= MAX_GAPS:
        raise InvalidParameter("limit", f"must be 1 to {MAX_GAPS:,}")
    code = get_city(city).code
    params = {"minutes": minutes, "speed_kmh": speed_kmh, "age": age, "category": category}
    with opened(db) as store:
        body = _coverage_body(store, code, params, gaps, limit, fmt)
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, indent=1)
    if output is None:
        sys.stdout.write(text.lstrip("\ufeff") if fmt == "csv" else text + "\n")
    else:
        output.write_text(text, encoding="utf-8", newline="")
        out.print(f"wrote {output}", highlight=False)


def suggest(
    city: CityOption,
    k: Annotated[int, typer.Option("--k", help="How many new sites")] = 3,
    minutes: MinutesOption = 10.0,
    speed_kmh: SpeedOption = 3.0,
    age: AgeOption = 65,
    candidates: CandidatesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
    db: DbOption = None,
) -> None:
    """K new sites that would newly reach the most older residents (existing places kept)."""
    from geo.analysis.siting import suggest_sites
    from service.analysis import build_model

    check_walk(minutes, speed_kmh, age)
    if not 1 <= k <= MAX_SITES:
        raise InvalidParameter("k", f"must be 1 to {MAX_SITES}")
    code = get_city(city).code
    with opened(db) as store:
        model = build_model(store, code)
        cand = known_categories(store, code, candidates, "candidates")
        result = suggest_sites(
            model, k, minutes=minutes, speed_kmh=speed_kmh, age=age, candidate_categories=cand
        )
        names = {p.id: store.place(p.id) for p in result.greedy if p.kind == "venue"}
    if as_json:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    plain(
        f"{result.method}: {result.uncovered:,.0f} of {result.older_population:,.0f} "
        f"residents aged {age}+ are beyond {result.threshold_m:,.0f} m; candidates: "
        f"{result.candidates} ({result.n_candidates})"
    )
    for p in result.greedy:
        place = names.get(p.id)
        label = place.name if place is not None else p.id
        plain(
            f"{p.rank}. {label}  +{p.newly_covered:,.0f} (total {p.cumulative:,.0f})"
            f"  {p.lat:.5f},{p.lon:.5f}"
        )
    if result.exact is not None:
        e = result.exact
        plain(
            f"exact: {e.covered:,.0f} ({'optimal' if e.optimal else 'best found'}); "
            f"greedy is {e.greedy_gap:,.0f} short"
        )
