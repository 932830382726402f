"""The bundled demo cities, loaded through the same importers a city uses.

* 新潟市 (15100): real wards, halls and town points, with stand-in 日常生活圏域 made of real
  中学校区 (a town list, drawn by the area import from the town points), stand-in gathering
  places and older population per town (straight-line walking: no network).
* 宇部市 (35202): its real walking network (OpenStreetMap) and real halls, with a stand-in
  central area, 日常生活圏域, gathering places and older population per 250 m mesh.
* 周南市 (35215): the real city outline (islands kept), halls and town points, with 31
  stand-in 地区 drawn around the real 市民センター (the official list of 地区 is not open) and
  stand-in gathering places at town points.

The packs are built by scripts/demo/ (niigata.py, ube.py, shunan.py) from ../shared/data;
loading them also proves the import path. A second load changes nothing: imports compare
content hashes, and the walking network is rebuilt only when its source file or build rules
differ from those recorded with the stored network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, cast

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.population_import import PopulationImportOptions, import_population
from boundaries.town_import import TownImportOptions, import_towns
from geo.analysis.prepared import save_network_prepared
from geo.ingest.report import ImportReport
from geo.japan.municipalities import get_city
from geo.model import PopulationCell
from geo.store.base import Store
from geo.walk.city_network import build_network
from geo.walk.network import FORMAT_VERSION
from layers.place_import import PlaceImportOptions, import_places

DEMO_CITY = "15100"  # the first demo city
DEMO_CITIES: tuple[str, ...] = ("15100", "35202", "35215")


@dataclass(frozen=True)
class _Pack:
    """What one city's pack holds, in load order."""

    city: str
    areas: tuple[tuple[str, int], ...]  # (file stem, level)
    towns: bool = False
    population: str | None = None  # file name
    population_year: str | None = None  # for files without a survey date of their own
    network: str | None = None  # OSM extract
    untagged_trunk: bool = False
    real_places: tuple[tuple[str, str], ...] = ()  # (file name, category): lists with addresses


PACKS: tuple[_Pack, ...] = (
    _Pack(
        "15100",
        areas=(("areas_wards", 1), ("areas_daily_towns", 2)),  # the wards first: the list nests
        towns=True,
        population="population_towns_demo.csv.gz",
        real_places=(("model_houses_real.csv", "model-house"),),  # placed from their addresses
    ),
    _Pack(
        "35202",
        areas=(("areas_center", 1), ("areas_daily", 2)),
        population="population_mesh_250m_demo.csv",
        population_year="2020",
        network="ube_walk.osm.pbf",
        untagged_trunk=True,  # Japanese national routes: sidewalks nobody tagged
    ),
    _Pack("35215", areas=(("areas_city", 1), ("areas_chiku", 2)), towns=True),
)


def _pack_path(city: str, name: str) -> Path:
    candidate = files("service") / "demo_data" / city / name
    if not candidate.is_file():
        raise FileNotFoundError(f"demo pack file {city}/{name} is missing from the package")
    with as_file(candidate) as path:
        return Path(path)


def _pack_file(stem: str, city: str = DEMO_CITY) -> Path:
    for suffix in (".geojson", ".geojson.gz", ".csv"):
        if (files("service") / "demo_data" / city / f"{stem}{suffix}").is_file():
            return _pack_path(city, f"{stem}{suffix}")
    raise FileNotFoundError(f"demo pack file {city}/{stem} is missing from the package")


def demo_credits(city: str = DEMO_CITY) -> dict[str, Any]:
    """The demo notice and the data credits the sources require, for one demo city."""
    data: dict[str, Any] = json.loads(_pack_path(city, "credits.json").read_text(encoding="utf-8"))
    return data


def load_demo(store: Store) -> list[ImportReport]:
    """Import every demo pack (新潟市, 宇部市, then 周南市); a second run changes nothing."""
    reports: list[ImportReport] = []
    for pack in PACKS:
        reports.extend(_load_pack(store, pack))
    return reports


def _load_pack(store: Store, pack: _Pack) -> Iterable[ImportReport]:
    city = pack.city
    store.put_city(get_city(city))
    for stem, level in pack.areas:
        yield import_areas(store, _pack_file(stem, city), AreaImportOptions(city=city, level=level))
    yield import_places(
        store,
        _pack_file("halls", city),
        PlaceImportOptions(city=city, category="hall", kind="venue"),
    )
    if pack.towns:  # before the places: a salon in a private home is stored at its town's point
        yield import_towns(store, _pack_file("towns", city), TownImportOptions(city=city))
    yield import_places(store, _pack_file("places", city), PlaceImportOptions(city=city))
    for name, category in pack.real_places:
        path = _pack_path(city, name)
        yield import_places(store, path, PlaceImportOptions(city=city, category=category))
    if pack.population:
        path = _pack_path(city, pack.population)
        yield import_population(
            cast(Store, _DemoPopulation(store, path.name)),
            path,
            PopulationImportOptions(city=city, year=pack.population_year),
        )
    if pack.network:
        yield _load_network(store, city, _pack_path(city, pack.network), pack.untagged_trunk)


class _DemoPopulation:
    """The store as the population importer sees it for a stand-in file: every cell it writes
    is marked ``demo``, and the stored hashes it compares against are those of the cells as
    the file gives them (unmarked), so a second load still finds them unchanged."""

    def __init__(self, store: Store, source: str) -> None:
        self._store = store
        self._source = source

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def put_population(self, cells: list[PopulationCell]) -> None:
        self._store.put_population([replace(c, demo=True) for c in cells])

    def population_hashes(self, city: str) -> dict[str, str]:
        hashes = self._store.population_hashes(city)
        for cell in self._store.population(city):
            if cell.demo and cell.source == self._source:
                hashes[cell.id] = replace(cell, demo=False).content_hash()
        return hashes


def _load_network(store: Store, city: str, path: Path, untagged_trunk: bool) -> ImportReport:
    """Build the city's walking network from the bundled extract, unless the stored one was
    built from the same file (by SHA-256) with the same rules and format."""
    report = ImportReport(file=path.name, what="walking network", city=city, rows=1)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    rules = {"untagged_trunk": untagged_trunk}
    stored = store.network(city)
    meta = stored[1] if stored is not None else None
    if (
        meta is not None
        and meta.get("source") == path.name
        and meta.get("source_sha256") == digest
        and meta.get("rules") == rules
        and meta.get("format_version") == FORMAT_VERSION
        and meta.get("sha256")
    ):
        report.unchanged = 1
    else:
        built = build_network(path, city, get_city(city).crs_epsg, untagged_trunk=untagged_trunk)
        built.meta["source_sha256"] = digest
        save_network_prepared(store, city, built)
        report.notes.extend(built.notes)
        meta = built.meta
        if stored is None:
            report.added = 1
        else:
            report.updated = 1
    report.notes.insert(
        0,
        f"{meta['nodes']:,} nodes, {meta['edges']:,} edges, "
        f"{meta['total_length_m'] / 1000:,.1f} km of street",
    )
    return report
