"""The `tsudoi` command: serve, load the demo, import areas and places, upgrade the database.

Exit codes: 0 done, 1 the input was refused (nothing changed), 2 a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from geo.errors import InputError, MissingData, StoreError, UnknownCity, UsageError
from geo.ingest.report import ImportReport
from geo.japan.municipalities import get_city
from geo.model import City
from geo.store import open_store
from geo.store.base import Store

app = typer.Typer(
    help="Tsudoi (集い): gathering places and daily-living areas.",
    no_args_is_help=True,
    add_completion=False,
)
import_app = typer.Typer(help="Import areas or places from a file.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the PostGIS schema.", no_args_is_help=True)
network_app = typer.Typer(help="Build a city's walking network.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(db_app, name="db")
app.add_typer(network_app, name="network")

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TSUDOI_DATABASE_URL",
        help="Store: a .gpkg path (default ./tsudoi.gpkg) or postgresql+psycopg://…",
    ),
]
CityOption = Annotated[str, typer.Option("--city", help="JIS municipal code, e.g. 15100")]


def _fail(message: str, code: int) -> NoReturn:
    # escaped: file names, values and hints may hold "[...]", which rich would take as markup
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _store(db: str | None) -> Store:
    try:
        return open_store(db)
    except UsageError as exc:
        _fail(str(exc), 2)
    except StoreError as exc:
        _fail(str(exc), 1)


def _city(code: str) -> City:
    """The municipality for --city; checked before the store is opened, registered on success."""
    try:
        return get_city(code)
    except UnknownCity as exc:
        _fail(str(exc), 2)


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        out.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    if report.dry_run:
        out.print("[yellow]dry run: nothing was written[/]")
    _plain(report.summary())
    for line in report.repaired:
        _plain(f"  repaired: {line}")
    for line in report.notes:
        _plain(f"  note: {line}")
    if report.missing:
        verb = "closed (--prune)" if report.closed else "left as they are (--prune closes them)"
        _plain(f"  {len(report.missing)} in the store but not in the file, {verb}:")
        for pid, name in report.missing[:50]:
            _plain(f"    {pid}  {name}")


def _plain(text: str) -> None:
    """A line of the report: file names, area names and values are not console markup."""
    out.print(text, highlight=False, soft_wrap=True, markup=False)


def _run_import(
    kind: str, func: object, store: Store, city: City, path: Path, opts: object, as_json: bool
) -> None:
    try:
        report = func(store, path, opts)  # type: ignore[operator]
        if not report.dry_run:  # a refused import or a dry run leaves the store untouched
            store.put_city(city)
    except InputError as exc:
        if as_json:
            body = {
                "file": path.name,
                "what": kind,
                "rejected": True,
                "problems": [p.as_dict() for p in exc.problems],
            }
            out.print_json(json.dumps(body, ensure_ascii=False))
        _fail(str(exc), 1)
    except UsageError as exc:
        _fail(str(exc), 2)
    except StoreError as exc:  # the store failed mid-import: its transaction was rolled back
        _fail(str(exc), 1)
    finally:
        store.close()
    _print_report(report, as_json)


@import_app.command("areas")
def import_areas_cmd(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile (.shp/.zip) or KML")],
    city: CityOption,
    level: Annotated[
        int | None, typer.Option(help="Area level (1 = ward/第1層, 2 = 日常生活圏域)")
    ] = None,
    name_field: Annotated[str | None, typer.Option(help="Column with the area name")] = None,
    id_field: Annotated[str | None, typer.Option(help="Column with the area's own id")] = None,
    parent_field: Annotated[
        str | None, typer.Option(help="Column with the parent area's id")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Import area boundaries; features sharing an id (or name) are merged into one area."""
    from boundaries.area_import import AreaImportOptions, import_areas

    municipality = _city(city)
    code = municipality.code
    store = _store(db)
    opts = AreaImportOptions(
        city=code,
        level=level,
        name_field=name_field,
        id_field=id_field,
        parent_field=parent_field,
        layer=layer,
        dry_run=dry_run,
    )
    _run_import("areas", import_areas, store, municipality, file, opts, as_json)


@import_app.command("places")
def import_places_cmd(
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX, GeoJSON, GeoPackage, Shapefile, KML/KMZ")
    ],
    city: CityOption,
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
    source: Annotated[str | None, typer.Option(help="Source name (default: the file name)")] = None,
    create_categories: Annotated[
        bool, typer.Option("--create-categories", help="Create unknown categories")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Close places of this source missing from the file")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Import gathering places or venues; re-importing the same file changes nothing."""
    from layers.place_import import PlaceImportOptions, import_places

    municipality = _city(city)
    code = municipality.code
    store = _store(db)
    opts = PlaceImportOptions(
        city=code,
        category=category,
        category_field=category_field,
        kind=kind,
        id_field=id_field,
        name_field=name_field,
        lat_field=lat_field,
        lon_field=lon_field,
        layer=layer,
        source=source,
        create_categories=create_categories,
        prune=prune,
        dry_run=dry_run,
    )
    _run_import("places", import_places, store, municipality, file, opts, as_json)


@import_app.command("towns")
def import_towns_cmd(
    file: Annotated[Path, typer.Argument(help="Town points (町丁目): GeoJSON, CSV, GeoPackage …")],
    city: CityOption,
    name_field: Annotated[str | None, typer.Option(help="Column with the town name")] = None,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Import town points, so residents can find where they live by name."""
    from boundaries.town_import import TownImportOptions, import_towns

    municipality = _city(city)
    store = _store(db)
    opts = TownImportOptions(
        city=municipality.code, name_field=name_field, layer=layer, dry_run=dry_run
    )
    _run_import("towns", import_towns, store, municipality, file, opts, as_json)


@import_app.command("population")
def import_population_cmd(
    file: Annotated[
        Path,
        typer.Argument(help="e-Stat 地域メッシュ統計 CSV, or a 町丁目 population table (CSV …)"),
    ],
    city: CityOption,
    year: Annotated[
        str | None, typer.Option(help="Survey year or date, for files that do not say it")
    ] = None,
    boundaries: Annotated[
        Path | None, typer.Option(help="Town polygons to place 町丁目 rows by name")
    ] = None,
    boundary_name_field: Annotated[
        str | None, typer.Option(help="Column of --boundaries with the town name")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    db: DbOption = None,
) -> None:
    """Import population with its 65+ and 75+ counts, by mesh or by 町丁目."""
    from boundaries.population_import import PopulationImportOptions, import_population

    municipality = _city(city)
    if boundary_name_field is not None and boundaries is None:
        _fail("--boundary-name-field names a column of --boundaries FILE; give that too", 2)
    store = _store(db)
    opts = PopulationImportOptions(
        city=municipality.code,
        year=year,
        boundaries=boundaries,
        boundary_name_field=boundary_name_field,
        dry_run=dry_run,
    )
    _run_import("population", import_population, store, municipality, file, opts, as_json)


@network_app.command("build")
def network_build_cmd(
    file: Annotated[
        Path,
        typer.Argument(help="OpenStreetMap extract (.osm.pbf, .osm) or road lines (GeoJSON …)"),
    ],
    city: CityOption,
    untagged_trunk: Annotated[
        bool,
        typer.Option(
            "--untagged-trunk",
            help="OSM: keep trunk roads that have no sidewalk/foot tags (common in Japan)",
        ),
    ] = False,
    layer: Annotated[str | None, typer.Option(help="Layer of a GeoPackage line file")] = None,
    db: DbOption = None,
) -> None:
    """Build the city's walking network and keep it in the store (replacing the previous one)."""
    import time
    from contextlib import nullcontext

    from geo.io.osm import ProgressFn, rich_progress
    from geo.walk.city_network import build_network, load_network, save_network

    def quiet(stage: str, done: int, total: int | None) -> None:
        pass

    municipality = _city(city)
    store = _store(db)
    # bars only on a terminal: piped output and logs get the report alone
    bars = rich_progress() if out.is_terminal else nullcontext(quiet)
    try:
        with bars as progress:
            report: ProgressFn = progress
            built = build_network(
                file, municipality.code, municipality.crs_epsg,
                untagged_trunk=untagged_trunk, layer=layer, progress=report,
            )
            report("saving to the store", 0, 1)
            blob = save_network(store, municipality.code, built)
            store.put_city(municipality)
            report("saving to the store", 1, 1)
        started = time.perf_counter()
        loaded = load_network(store, municipality.code)
        load_ms = (time.perf_counter() - started) * 1000
    except InputError as exc:
        _fail(str(exc), 1)
    except UsageError as exc:
        _fail(str(exc), 2)
    except StoreError as exc:
        _fail(str(exc), 1)
    finally:
        store.close()
    assert loaded is not None
    meta = built.meta
    frag = meta["fragments"]
    kind = "OpenStreetMap, walkable ways" if meta["source_kind"] == "osm" else "road lines"
    _plain(
        f"{municipality.name} ({municipality.code}): walking network from {meta['source']} "
        f"({kind})"
    )
    _plain(
        f"  {meta['nodes']:,} nodes, {meta['edges']:,} edges, "
        f"{meta['total_length_m'] / 1000:,.1f} km of street; built in {meta['build_seconds']:.1f} s"
    )
    _plain(f"  fragments: {frag['summary']}")
    if frag["count"] > 1:
        shown = ", ".join(f"{n:,}" for n in frag["sizes"][1:11])
        more = " …" if frag["count"] > 11 else ""
        _plain(f"  smaller fragments (nodes each): {shown}{more}")
    for note in built.notes:
        _plain(f"  note: {note}")
    _plain(
        f"  stored in {store.url}: {len(blob) / 1e6:.2f} MB, loads in {load_ms:.0f} ms "
        f"(EPSG:{meta['epsg']})"
    )


@app.command()
def coverage(
    city: CityOption,
    minutes: Annotated[float, typer.Option(help="Walking minutes (default 10)")] = 10.0,
    speed_kmh: Annotated[float, typer.Option(help="Walking speed in km/h (default 3)")] = 3.0,
    age: Annotated[int, typer.Option(help="65 or 75: whose coverage")] = 65,
    category: Annotated[
        str | None, typer.Option(help="Gathering categories that count, comma-separated")
    ] = None,
    gaps: Annotated[bool, typer.Option("--gaps", help="List uncovered cells instead")] = False,
    limit: Annotated[int | None, typer.Option(help="With --gaps: at most this many cells")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or geojson")] = "csv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: stdout)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Older residents within a walk of a gathering place, per area (or, with --gaps, the gaps)."""
    from service.analysis import build_model
    from service.coverage_formats import (
        coverage_csv,
        coverage_geojson,
        gaps_csv,
        gaps_geojson,
    )

    if age not in (65, 75):
        _fail("--age must be 65 or 75", 2)
    if fmt not in ("csv", "json", "geojson"):
        _fail("--format must be csv, json or geojson", 2)
    code = _city(city).code
    store = _store(db)
    try:
        model = build_model(store, code)
        cats = [c.strip() for c in category.split(",")] if category else None
        if cats:
            known = {c.slug for c in store.categories(code)}
            if unknown := [c for c in cats if c not in known]:
                _fail(f"unknown category: {', '.join(unknown)}", 2)
        params = {"minutes": minutes, "speed_kmh": speed_kmh, "age": age, "categories": cats}
        if gaps:
            g = model.gaps(**params, limit=limit)  # type: ignore[arg-type]
            cells = {c.id: c.geometry for c in store.population(code)}
            body: Any = gaps_csv(g) if fmt == "csv" else (
                gaps_geojson(g, cells) if fmt == "geojson" else g.as_dict())
        else:
            r = model.coverage(**params)  # type: ignore[arg-type]
            body = coverage_csv(r) if fmt == "csv" else (
                coverage_geojson(r, store.areas(code)) if fmt == "geojson" else r.as_dict())
    except (UsageError, MissingData) as exc:
        _fail(str(exc), 2)
    finally:
        store.close()
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, indent=1)
    if output is None:
        sys.stdout.write(text.lstrip("\ufeff") if fmt == "csv" else text + "\n")
    else:
        output.write_text(text, encoding="utf-8", newline="")
        out.print(f"wrote {output}", highlight=False)


@app.command()
def suggest(
    city: CityOption,
    k: Annotated[int, typer.Option("--k", help="How many new sites")] = 3,
    minutes: Annotated[float, typer.Option(help="Walking minutes (default 10)")] = 10.0,
    speed_kmh: Annotated[float, typer.Option(help="Walking speed in km/h (default 3)")] = 3.0,
    age: Annotated[int, typer.Option(help="65 or 75: whose coverage")] = 65,
    candidates: Annotated[
        str | None, typer.Option(help="Venue categories to choose from (default: every venue)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
    db: DbOption = None,
) -> None:
    """K new sites that would newly reach the most older residents (existing places kept)."""
    from geo.analysis.siting import suggest_sites
    from service.analysis import build_model

    if age not in (65, 75):
        _fail("--age must be 65 or 75", 2)
    if not 1 <= k <= 20:
        _fail("--k must be 1 to 20", 2)
    code = _city(city).code
    store = _store(db)
    try:
        model = build_model(store, code)
        cand = [c.strip() for c in candidates.split(",")] if candidates else None
        result = suggest_sites(model, k, minutes=minutes, speed_kmh=speed_kmh, age=age,
                               candidate_categories=cand)
        names = {p.id: store.place(p.id) for p in result.greedy if p.kind == "venue"}
    except (UsageError, MissingData) as exc:
        _fail(str(exc), 2)
    finally:
        store.close()
    if as_json:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    _plain(f"{result.method}: {result.uncovered:,.0f} of {result.older_population:,.0f} "
           f"residents aged {age}+ are beyond {result.threshold_m:,.0f} m; candidates: "
           f"{result.candidates} ({result.n_candidates})")
    for p in result.greedy:
        place = names.get(p.id)
        label = place.name if place is not None else p.id
        _plain(f"{p.rank}. {label}  +{p.newly_covered:,.0f} (total {p.cumulative:,.0f})"
               f"  {p.lat:.5f},{p.lon:.5f}")
    if result.exact is not None:
        e = result.exact
        _plain(f"exact: {e.covered:,.0f} ({'optimal' if e.optimal else 'best found'}); "
               f"greedy is {e.greedy_gap:,.0f} short")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the PostGIS schema (Alembic); the GeoPackage store needs no step."""
    target = db or ""
    if not target.startswith(("postgresql", "postgres://")):
        out.print("the embedded GeoPackage store creates its schema itself; nothing to do")
        return
    from geo.store.migrate import upgrade

    try:
        upgrade(target)
    except StoreError as exc:
        _fail(str(exc), 1)
    out.print("database schema is at the latest revision")


def _serve(store_url: str | None, host: str, port: int) -> None:
    import uvicorn

    from service.app import create_app

    store = _store(store_url)
    out.print(f"Tsudoi serving {store.url} on http://{host}:{port}  (Ctrl+C stops)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="info")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the current store's maps and API."""
    _serve(db, host, port)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    db: DbOption = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo and stop")] = False,
) -> None:
    """Load the bundled demo cities (新潟市, 宇部市 with its streets) into the store, then serve."""
    from service.demo import load_demo

    store = _store(db)
    try:
        for report in load_demo(store):
            out.print(report.summary(), highlight=False, soft_wrap=True)
    except InputError as exc:
        _fail(f"the demo pack did not load: {exc}", 1)
    finally:
        store.close()
    if not no_serve:
        _serve(db, host, port)


def main() -> None:
    """Entry point for `python -m service.cli`."""
    app(prog_name="tsudoi")


if __name__ == "__main__":
    main()
