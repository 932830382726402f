"""`tsudoi stale`: the places nobody has verified within the city's months, stalest first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.japan.municipalities import get_city
from layers.verification import check_months, queue_csv, stale_months, today_in_japan
from service.cli.common import CityOption, DbOption, opened, out, plain
from service.stale_queue import stale_queue


def stale(
    city: CityOption,
    months: Annotated[
        int | None,
        typer.Option("--months", help="Not verified within this many months (default: the "
                     "city's setting, else 6)"),
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the queue as CSV (UTF-8, BOM)")
    ] = None,
    db: DbOption = None,
) -> None:
    """The verification queue: places not verified within N months, never verified first."""
    if months is not None:
        check_months(months)
    code = get_city(city).code
    today = today_in_japan()
    with opened(db) as store:
        wanted = stale_months(store, code) if months is None else months
        rows = stale_queue(store, code, today, wanted)
    plain(f"{len(rows)} place(s) of {code} not verified within {wanted} month(s) "
          f"(as of {today.isoformat()}), stalest first:")
    for r in rows:
        when = "never verified" if r.days is None else f"{r.place.last_verified} ({r.days} days)"
        area = f" [{'・'.join(r.areas)}]" if r.areas else ""
        plain(f"  {r.place.id}  {r.place.name}{area}  {when}")
    if csv_file is not None:
        csv_file.write_text(queue_csv(rows), encoding="utf-8", newline="")
        out.print(f"wrote {csv_file}", highlight=False)
