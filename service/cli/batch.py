"""`tsudoi batch coverage`: coverage for many cities as tasks on Dask, kept in the store.

The work is geo/analysis/batch.py's; this module checks the options as `tsudoi coverage` does,
starts or joins the cluster, shows progress as cities finish and reports every city. Exit 0 when
every city was kept, 1 when any failed (the others are kept), 2 for a usage error.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from geo.errors import InvalidParameter, UsageError
from geo.japan.municipalities import get_city
from geo.store import DEFAULT_STORE
from service.analysis import check_walk, split_list
from service.cli.common import (
    REFUSED,
    AgeOption,
    DbOption,
    MinutesOption,
    SpeedOption,
    err,
    opened,
    out,
    plain,
)

MAX_WORKERS = 256
MAX_RETRIES = 10

app = typer.Typer(help="Run an analysis for many cities at once, on Dask.", no_args_is_help=True)


def _task_url(db: str | None) -> str:
    """The store as each task opens it: a GeoPackage path made absolute (workers may run
    elsewhere in the file system), a database URL as given (with its password, which the
    opened store's ``url`` hides)."""
    target = (db or DEFAULT_STORE).strip()
    if target.lower().endswith(".gpkg"):
        return str(Path(target).expanduser().resolve())
    return target


def _cities(held: list[str], given: str | None, every: bool) -> list[str]:
    """The cities asked for, each known and held in the store, in the order given."""
    if every == (given is not None):
        raise UsageError("give either --cities CODES or --all")
    if every:
        if not held:
            raise UsageError("the store holds no city yet; load one first (tsudoi demo --no-serve)")
        return held
    codes = [get_city(c).code for c in split_list(given) or []]
    if not codes:
        raise InvalidParameter("cities", "give at least one municipal code, e.g. 15100,35202")
    missing = [c for c in codes if c not in held]
    if missing:
        raise InvalidParameter("cities", f"not held in this store: {', '.join(missing)}")
    return list(dict.fromkeys(codes))


@app.command("coverage")
def coverage(
    cities: Annotated[
        str | None, typer.Option("--cities", help="Municipal codes, comma-separated")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every city the store holds")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(help="An existing Dask scheduler, tcp://host:8786 (default: a local cluster)"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Local cluster: worker processes (default: CPU cores, at most cities)"),
    ] = None,
    minutes: MinutesOption = 10.0,
    speed_kmh: SpeedOption = 3.0,
    age: AgeOption = 65,
    retries: Annotated[
        int, typer.Option(help="Times a failed city is run again before it is reported")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Coverage of every city asked for, each computed as its own task and kept in the store."""
    from geo.analysis.batch import CityOutcome, dask_client, run_batch
    from geo.analysis.params import Walk

    check_walk(minutes, speed_kmh, age)
    if scheduler is not None and workers is not None:
        raise InvalidParameter("workers", "is for the local cluster; not with --scheduler")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise InvalidParameter("workers", f"must be 1 to {MAX_WORKERS}")
    if not 0 <= retries <= MAX_RETRIES:
        raise InvalidParameter("retries", f"must be 0 to {MAX_RETRIES}")
    if scheduler is not None and not scheduler.strip():
        raise InvalidParameter("scheduler", "give the scheduler's address, tcp://host:port")
    with opened(db) as store:
        names = {c.code: c.name for c in store.cities()}
        codes = _cities(list(names), cities, every)
    if scheduler is None and workers is None:
        workers = max(1, min(os.cpu_count() or 1, len(codes)))
    walk = Walk(minutes=minutes, speed_kmh=speed_kmh, age=age)
    where = scheduler or f"a local cluster of {workers} process(es)"
    err.print(f"coverage of {len(codes)} cities on {where}", highlight=False, markup=False)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=out, transient=True, disable=as_json) as progress:
        task = progress.add_task("cities", total=len(codes))

        def done(o: CityOutcome) -> None:
            progress.advance(task)
            if as_json:
                return
            name = names.get(o.city, "")
            if o.ok:
                share = "—" if o.covered_share is None else f"{o.covered_share:.1%}"
                progress.console.print(
                    f"kept   {o.city} {name}: {share} of {o.older_population:,.0f} "
                    f"aged {age}+ within {walk.threshold_m:.0f} m ({o.method}, {o.seconds:.1f} s)",
                    highlight=False, markup=False,
                )  # fmt: skip
            else:
                progress.console.print(f"FAILED {o.city} {name}: {o.error}",
                                       highlight=False, markup=False)  # fmt: skip

        with dask_client(scheduler, workers) as client:
            outcomes = run_batch(client, _task_url(db), codes, walk, retries=retries, on_done=done)
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        report = {"walk": {"minutes": minutes, "speed_kmh": speed_kmh, "age": age,
                           "threshold_m": walk.threshold_m},
                  "cities": [asdict(o) for o in outcomes]}  # fmt: skip
        out.print_json(json.dumps(report, ensure_ascii=False))
    else:
        plain(f"{len(outcomes) - len(failed)} of {len(outcomes)} cities kept"
              + (f"; failed: {', '.join(o.city for o in failed)}" if failed else ""))  # fmt: skip
    if failed:
        raise typer.Exit(REFUSED)
