"""`tsudoi import areas|places|towns|population`: one file into the store, all or nothing, or
with --skip-invalid its good rows, the others written to a rejects file."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from geo.errors import InputError, UsageError
from geo.ingest.rejects import SkipOptions
from geo.ingest.report import ImportReport
from geo.japan.municipalities import get_city
from geo.model import City
from geo.store.base import Store
from service.cli.common import (
    CityOption,
    DbOption,
    DryRunOption,
    JsonReportOption,
    opened,
    out,
    plain,
)

app = typer.Typer(help="Import areas or places from a file.", no_args_is_help=True)

LayerOption = Annotated[str | None, typer.Option(help="Layer of a GeoPackage")]
FieldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="NAME=COLUMN: the file's column for a field (name, address, lat, lon, category, "
        "kind, id, town, total, 65+, 75+ …); repeatable",
    ),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Import the rows that pass; write the refused ones to --rejected"
    ),
]
RejectedOption = Annotated[
    Path | None,
    typer.Option(
        "--rejected",
        help="CSV for the refused rows and their reason (default: <stem>.rejected.csv beside "
        "the file)",
    ),
]
Importer = Callable[[Store, Path, Any], ImportReport]
Prepare = Callable[..., tuple[Importer, object]]  # the import function and its options


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    if report.dry_run:
        out.print("[yellow]dry run: nothing was written[/]")
    plain(report.summary())
    for line in report.repaired:
        plain(f"  repaired: {line}")
    for line in report.notes:
        plain(f"  note: {line}")
    for line in report.duplicate_lines():
        plain(f"  {line}")
    for conflict in report.conflicts:
        plain(f"  {conflict.line()}")
    if report.missing:
        verb = "closed (--prune)" if report.closed else "left as they are (--prune closes them)"
        plain(f"  {len(report.missing)} in the store but not in the file, {verb}:")
        for pid, name in report.missing[:50]:
            plain(f"    {pid}  {name}")


def _run_import(
    kind: str,
    func: Importer,
    city: City,
    path: Path,
    opts: object,
    db: str | None,
    as_json: bool,
) -> None:
    """Import, report; a refused file is listed (as JSON with --json) and exits by the table."""
    with opened(db) as store:
        try:
            report = func(store, path, opts)
        except InputError as exc:
            if as_json:
                body = {
                    "file": path.name,
                    "what": kind,
                    "rejected": True,
                    "problems": [p.as_dict() for p in exc.problems],
                }
                out.print_json(json.dumps(body, ensure_ascii=False))
            raise
        if not report.dry_run:  # a refused import or a dry run leaves the store untouched
            store.put_city(city)
    _print_report(report, as_json)


def _fields(given: list[str]) -> dict[str, str]:
    """--field NAME=COLUMN options as {NAME: COLUMN}."""
    out: dict[str, str] = {}
    for item in given:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise UsageError(f"--field {item!r}: give NAME=COLUMN, e.g. --field kind=区分")
        out[name.strip()] = column.strip()
    return out


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)  # fmt: skip


def import_command(kind: str, file_help: str) -> Callable[[Prepare], Prepare]:
    """Register `tsudoi import KIND FILE --city CODE [its options] [--dry-run] [--json] [--db]`.

    The decorated function declares only the options of its own kind: given the city's code,
    --dry-run and those options, it returns the import function and its options. What every
    import shares (the file, --city checked before the store is opened, --dry-run, --json, --db,
    the report) is added here, once.
    """

    def register(prepare: Prepare) -> Prepare:
        def command(
            file: Path,
            city: str,
            field: list[str] | None,
            skip_invalid: bool,
            rejected: Path | None,
            dry_run: bool,
            as_json: bool,
            db: str | None,
            **own: Any,
        ) -> None:
            municipality = get_city(city)  # an unknown code exits before the store is opened
            if rejected is not None and not skip_invalid:
                raise UsageError("--rejected FILE is where --skip-invalid writes; give that too")
            func, opts = prepare(municipality.code, dry_run, **own)
            shared = {"fields": _fields(field or []), "skip": SkipOptions(skip_invalid, rejected)}
            opts = replace(opts, **shared)  # type: ignore[type-var]
            _run_import(kind, func, municipality, file, opts, db, as_json)

        params = [
            _param("file", Annotated[Path, typer.Argument(help=file_help)]),
            _param("city", CityOption),
            *(
                p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
                for p in list(inspect.signature(prepare, eval_str=True).parameters.values())[2:]
            ),
            _param("field", FieldOption, None),
            _param("skip_invalid", SkipInvalidOption, False),
            _param("rejected", RejectedOption, None),
            _param("dry_run", DryRunOption, False),
            _param("as_json", JsonReportOption, False),
            _param("db", DbOption, None),
        ]
        # typer reads the options from the signature: the shared ones around the kind's own
        command.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        command.__doc__ = prepare.__doc__
        app.command(kind)(command)
        return prepare

    return register


@import_command("areas", "GeoJSON, GeoPackage, Shapefile (.shp/.zip), KML, or a town list")
def prepare_areas(
    code: str,
    dry_run: bool,
    level: Annotated[
        int | None, typer.Option(help="Area level (1 = ward/第1層, 2 = 日常生活圏域)")
    ] = None,
    name_field: Annotated[str | None, typer.Option(help="Column with the area name")] = None,
    id_field: Annotated[str | None, typer.Option(help="Column with the area's own id")] = None,
    parent_field: Annotated[
        str | None, typer.Option(help="Column with the parent area's id")
    ] = None,
    layer: LayerOption = None,
    town_boundaries: Annotated[
        Path | None, typer.Option(help="町丁目 polygons (e-Stat 小地域 …) to draw a town list")
    ] = None,
) -> tuple[Importer, object]:
    """Import area boundaries (features sharing an id or name are merged into one area), or a
    town list: an area column and a town column, drawn from town points or --town-boundaries."""
    from boundaries.area_import import AreaImportOptions, import_areas

    opts = AreaImportOptions(
        city=code, level=level, name_field=name_field, id_field=id_field,
        parent_field=parent_field, layer=layer, dry_run=dry_run, town_boundaries=town_boundaries,
    )  # fmt: skip
    return import_areas, opts


@import_command("places", "CSV, XLSX, GeoJSON, GeoPackage, Shapefile, KML/KMZ")
def prepare_places(
    code: str,
    dry_run: bool,
    category: Annotated[
        str | None, typer.Option(help="One category (slug or label) for every row")
    ] = None,
    category_field: Annotated[
        str | None, typer.Option(help="Column with each row's category")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="gathering or venue for every row")] = None,
    id_field: Annotated[str | None, typer.Option(help="Column with the source's own id")] = None,
    name_field: Annotated[str | None, typer.Option(help="Column with the place name")] = None,
    lat_field: Annotated[str | None, typer.Option(help="Latitude column (CSV/XLSX)")] = None,
    lon_field: Annotated[str | None, typer.Option(help="Longitude column (CSV/XLSX)")] = None,
    layer: Annotated[
        str | None, typer.Option(help="Layer of a GeoPackage or sheet of an XLSX")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Source name: ids are CITY-SOURCE-ID (default: the file's stem)"),
    ] = None,
    create_categories: Annotated[
        bool, typer.Option("--create-categories", help="Create unknown categories")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Close places of this source missing from the file")
    ] = False,
    overwrite_edits: Annotated[
        bool,
        typer.Option(
            "--overwrite-edits",
            help="Take the file's value for fields edited (editor/API) since the last import; "
            "by default the edit is kept and listed as a conflict",
        ),
    ] = False,
) -> tuple[Importer, object]:
    """Import gathering places or venues; re-importing the same file changes nothing."""
    from layers.place_import import PlaceImportOptions, import_places

    opts = PlaceImportOptions(
        city=code, category=category, category_field=category_field, kind=kind,
        id_field=id_field, name_field=name_field, lat_field=lat_field, lon_field=lon_field,
        layer=layer, source=source, create_categories=create_categories, prune=prune,
        dry_run=dry_run, overwrite_edits=overwrite_edits,
    )  # fmt: skip
    return import_places, opts


@import_command("towns", "Town points (町丁目): GeoJSON, CSV, GeoPackage …")
def prepare_towns(
    code: str,
    dry_run: bool,
    name_field: Annotated[str | None, typer.Option(help="Column with the town name")] = None,
    layer: LayerOption = None,
) -> tuple[Importer, object]:
    """Import town points, so residents can find where they live by name."""
    from boundaries.town_import import TownImportOptions, import_towns

    return import_towns, TownImportOptions(
        city=code, name_field=name_field, layer=layer, dry_run=dry_run
    )


@import_command("population", "e-Stat 地域メッシュ統計 CSV, or a 町丁目 population table (CSV …)")
def prepare_population(
    code: str,
    dry_run: bool,
    year: Annotated[
        str | None, typer.Option(help="Survey year or date, for files that do not say it")
    ] = None,
    boundaries: Annotated[
        Path | None, typer.Option(help="Town polygons to place 町丁目 rows by name")
    ] = None,
    boundary_name_field: Annotated[
        str | None, typer.Option(help="Column of --boundaries with the town name")
    ] = None,
) -> tuple[Importer, object]:
    """Import population with its 65+ and 75+ counts, by mesh or by 町丁目."""
    from boundaries.population_import import PopulationImportOptions, import_population

    if boundary_name_field is not None and boundaries is None:
        raise UsageError("--boundary-name-field names a column of --boundaries FILE; give that too")
    opts = PopulationImportOptions(
        city=code, year=year, boundaries=boundaries, boundary_name_field=boundary_name_field,
        dry_run=dry_run,
    )  # fmt: skip
    return import_population, opts
