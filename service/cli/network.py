"""`tsudoi network build`: a city's walking network from OpenStreetMap or road lines."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geo.japan.municipalities import get_city
from service.cli.common import CityOption, DbOption, opened, out, plain

if TYPE_CHECKING:  # the engine loads when a network is built, not when any command starts
    from geo.walk.city_network import BuiltNetwork

app = typer.Typer(help="Build a city's walking network.", no_args_is_help=True)


def _print_built(
    name: str, code: str, built: BuiltNetwork, url: str, size: int, load_ms: float
) -> None:
    meta = built.meta
    frag = meta["fragments"]
    kind = "OpenStreetMap, walkable ways" if meta["source_kind"] == "osm" else "road lines"
    plain(f"{name} ({code}): walking network from {meta['source']} ({kind})")
    plain(
        f"  {meta['nodes']:,} nodes, {meta['edges']:,} edges, "
        f"{meta['total_length_m'] / 1000:,.1f} km of street; built in {meta['build_seconds']:.1f} s"
    )
    plain(f"  fragments: {frag['summary']}")
    if frag["count"] > 1:
        shown = ", ".join(f"{n:,}" for n in frag["sizes"][1:11])
        more = " …" if frag["count"] > 11 else ""
        plain(f"  smaller fragments (nodes each): {shown}{more}")
    for note in built.notes:
        plain(f"  note: {note}")
    plain(
        f"  stored in {url}: {size / 1e6:.2f} MB, loads in {load_ms:.0f} ms (EPSG:{meta['epsg']})"
    )


@app.command("build")
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
    from geo.analysis.prepared import save_network_prepared
    from geo.io.osm import ProgressFn, rich_progress
    from geo.walk.city_network import build_network, load_network

    def quiet(stage: str, done: int, total: int | None) -> None:
        pass

    municipality = get_city(city)
    with opened(db) as store:
        # bars only on a terminal: piped output and logs get the report alone
        bars = rich_progress() if out.is_terminal else nullcontext(quiet)
        with bars as progress:
            report: ProgressFn = progress
            built = build_network(
                file,
                municipality.code,
                municipality.crs_epsg,
                untagged_trunk=untagged_trunk,
                layer=layer,
                progress=report,
            )
            report("saving to the store", 0, 1)
            blob = save_network_prepared(store, municipality.code, built)
            store.put_city(municipality)
            report("saving to the store", 1, 1)
        started = time.perf_counter()
        loaded = load_network(store, municipality.code)
        load_ms = (time.perf_counter() - started) * 1000
    assert loaded is not None
    _print_built(municipality.name, municipality.code, built, store.url, len(blob), load_ms)
