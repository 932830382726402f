"""Areas from town lists: a table with an area column and a town column, one row per town.

Why: cities define their 日常生活圏域 and 地区 as lists of 町丁目 (or of school districts made of
them), in a spreadsheet, and seldom have the polygons. Each area becomes the union of its towns'
shapes (``boundaries.town_cells``): their polygons from ``--town-boundaries`` when given
(``geometry_source: town-boundaries``), else their Voronoi cells among all the city's town points
(``town-points``), dissolved per area.

An area's columns other than the town (id, level, parent, kana, contacts, source …) may be given
on each of its rows or on one; two rows that give different values are refused, as are an
unknown town (with the nearest names), a name that two wards share without the ward, and a town
in two areas. The ward of a row's town is its ward column, else the area's parent when that is
one of the city's wards. Towns of the city left in no area are listed in the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from boundaries.town_cells import (
    CityTown,
    Miss,
    TownIndex,
    boundary_towns,
    gazetteer_towns,
    label,
    town_cells,
    ward_code,
)
from geo.ingest import pipeline
from geo.ingest.report import ImportReport
from geo.io.source import FeatureSource, Row
from geo.japan.crs import project_geometry, unproject_geometry
from geo.japan.municipalities import get_city
from geo.model import Area, GeometrySource
from geo.text import fold

#: The columns of a town list that name the town (besides the area-naming ones of area_import).
TOWN_FIELDS = (
    "town", "town_name", "町丁目", "町丁目名", "町丁字名", "町字名", "町名", "町丁", "大字町丁目名",
    "大字・町丁目",
)  # fmt: skip
#: Columns of the area a town list may repeat on each of its rows, but never contradict.
_AREA_COLUMNS = ("id", "level", "parent", "name_kana", "contacts", "source", "source_date", "demo")
_LISTED = 200  # towns in no area named in the report, at most

MakeArea = Callable[[Row], "Area | None"]


@dataclass
class _Draft:
    """One area of the list as its rows are read: its first row, merged columns and towns."""

    row: int
    name: str
    props: dict[str, object]
    sources: dict[str, int] = field(default_factory=dict)  # column → row that set its value
    towns: list[int] = field(default_factory=list)


def is_town_list(src: FeatureSource, town_col: str | None) -> bool:
    """A file of town rows: it has a town column and no row has a geometry."""
    return town_col is not None and all(r.geometry is None for r in src.rows)


def town_list_areas(
    batch: pipeline.Batch[Area],
    src: FeatureSource,
    cols: dict[str, str | None],
    report: ImportReport,
    make: MakeArea,
    town_boundaries: str | Path | None,
    wards_drawn: Mapping[str, BaseGeometry],
) -> list[tuple[int, Area]]:
    """The areas a town list defines, each with the row it starts on; problems in ``batch``.

    ``make`` reads an area's columns (one row's, merged) into an Area without a geometry, as
    the area import reads a feature; ``cols`` names the columns (``name``, ``town``, ``ward`` …).
    ``wards_drawn``: a designated city's own ward areas by ward code (the areas whose own id is the
    ward's code), which Voronoi cells are clipped to instead of the bundled ward outlines, so
    that the areas nest in the wards the city shows.
    """
    city = report.city
    if town_boundaries is not None:
        towns, notes = boundary_towns(town_boundaries, city)
        source: GeometrySource = "town-boundaries"
    else:
        towns, notes = gazetteer_towns(city), []
        source = "town-points"
    index = TownIndex(city, towns)
    drafts = _read_rows(batch, src, cols, index)
    if batch.problems:
        return []
    areas: list[tuple[int, Area]] = []
    for draft in drafts:
        area = make(Row(draft.row, draft.props, None))
        if area is not None:
            areas.append((draft.row, replace(area, geometry_source=source)))
    shapes = _shapes(city, towns, source, wards_drawn)
    out = _with_geometry(batch, areas, drafts, shapes, towns)
    clip = f"the {len(wards_drawn)} ward areas" if wards_drawn else "the outline"
    how = (
        "the towns' polygons (--town-boundaries)"
        if source == "town-boundaries"
        else f"Voronoi cells of the city's {len(towns):,} town points, clipped to {clip}"
    )
    notes.insert(0, f"{len(drafts)} areas from {len(src.rows):,} town rows; polygons from {how}")
    report.notes.extend(notes + _coverage_notes(towns, drafts, shapes))
    return out


def _read_rows(
    batch: pipeline.Batch[Area], src: FeatureSource, cols: dict[str, str | None], index: TownIndex
) -> list[_Draft]:
    """The list's areas in the order they first appear, with their towns; a town listed for two
    areas is refused on its second row."""
    name_col, town_col = cols["name"], cols["town"]
    drafts: dict[str, _Draft] = {}
    owner: dict[int, tuple[_Draft, int]] = {}  # town → its area and the row that put it there
    for row in src.rows:
        name = pipeline.text_of(row.props, name_col)
        town = pipeline.text_of(row.props, town_col)
        if not name:
            batch.refuse(row.number, "empty area name", field=name_col)
            continue
        if not town:
            batch.refuse(row.number, f"empty town name (area {name})", field=town_col)
            continue
        draft = drafts.get(fold(name))
        if draft is None:
            draft = drafts[fold(name)] = _Draft(row.number, name, dict(row.props))
        _merge_columns(batch, draft, row, cols)
        found = index.find(town, _row_ward(index.city, row, cols, draft))
        if isinstance(found, Miss):
            batch.refuse(row.number, found.reason, field=town_col, value=town, hint=found.hint)
            continue
        for i in found:
            _claim(batch, owner, i, draft, row.number, index.towns[i], town_col)
    return list(drafts.values())


def _merge_columns(
    batch: pipeline.Batch[Area], draft: _Draft, row: Row, cols: dict[str, str | None]
) -> None:
    """Take the row's area columns into the draft; a value that contradicts an earlier row's
    is refused (a blank cell repeats nothing and contradicts nothing)."""
    for key in _AREA_COLUMNS:
        col = cols.get(key)
        value = pipeline.text_of(row.props, col)
        if col is None or value is None:
            continue
        earlier = pipeline.text_of(draft.props, col)
        if earlier is None:
            draft.props[col] = row.props[col]
            draft.sources[col] = row.number
        elif earlier != value:
            first = draft.sources.get(col, draft.row)
            batch.refuse(
                row.number,
                f"area {draft.name}: {key} differs from {batch.row_label} {first} ({earlier})",
                field=col, value=value,
                hint="give an area's columns once, or the same on each of its rows",
            )  # fmt: skip


def _row_ward(city: str, row: Row, cols: dict[str, str | None], draft: _Draft) -> str | None:
    """The ward a row's town is in: its ward column, else the area's parent if a ward."""
    ward = ward_code(city, pipeline.text_of(row.props, cols.get("ward")))
    if ward is None:
        ward = ward_code(city, pipeline.text_of(draft.props, cols.get("parent")))
    return ward


def _claim(
    batch: pipeline.Batch[Area],
    owner: dict[int, tuple[_Draft, int]],
    town: int,
    draft: _Draft,
    row: int,
    shape: CityTown,
    town_col: str | None,
) -> None:
    held = owner.get(town)
    if held is None:
        owner[town] = (draft, row)
        draft.towns.append(town)
    elif held[0] is not draft:
        batch.refuse(
            row,
            f"town {label(shape)} is already in area {held[0].name} "
            f"({batch.row_label} {held[1]}): a town belongs to one area",
            field=town_col, value=shape.name,
        )  # fmt: skip


def _shapes(
    city: str,
    towns: Sequence[CityTown],
    source: GeometrySource,
    wards_drawn: Mapping[str, BaseGeometry],
) -> list[BaseGeometry]:
    """Each town's shape in the city's plane-rectangular zone."""
    if source == "town-points":
        return town_cells(city, towns, wards_drawn)
    epsg = get_city(city).crs_epsg
    return [project_geometry(t.geometry, epsg) for t in towns]


def _with_geometry(
    batch: pipeline.Batch[Area],
    areas: list[tuple[int, Area]],
    drafts: list[_Draft],
    shapes: list[BaseGeometry],
    towns: Sequence[CityTown],
) -> list[tuple[int, Area]]:
    """Each area with the union of its towns' shapes in WGS84; an area whose towns draw no
    polygon is refused."""
    towns_of = {d.row: d.towns for d in drafts}
    epsg = get_city(areas[0][1].city).crs_epsg if areas else 0
    out: list[tuple[int, Area]] = []
    for n, area in areas:
        members = towns_of[n]
        plane = shapely.union_all([shapes[i] for i in members])
        geometry = _multipolygon(unproject_geometry(plane, epsg))
        if geometry.is_empty:
            batch.refuse(
                n,
                f"area {area.name}: its towns draw no polygon (their points lie outside the "
                "outline of the city or of their ward)",
                value="、".join(label(towns[i]) for i in members),
                hint="give the towns' polygons with --town-boundaries",
            )  # fmt: skip
            continue
        out.append((n, replace(area, geometry=geometry)))
    return out


def _multipolygon(geom: BaseGeometry) -> MultiPolygon:
    parts = [p for g in shapely.get_parts(geom) for p in shapely.get_parts(g)]
    return MultiPolygon([p for p in parts if isinstance(p, Polygon) and not p.is_empty])


def _coverage_notes(
    towns: Sequence[CityTown], drafts: list[_Draft], shapes: list[BaseGeometry]
) -> list[str]:
    """The towns in no area, and towns that add nothing to their area."""
    listed = {i for d in drafts for i in d.towns}
    notes = []
    left = [label(t) for i, t in enumerate(towns) if i not in listed]
    if left:
        more = f" … and {len(left) - _LISTED} more" if len(left) > _LISTED else ""
        shown = "、".join(left[:_LISTED]) + more
        notes.append(f"{len(left)} of the city's {len(towns):,} towns are in no area: {shown}")
    empty = [label(towns[i]) for i in sorted(listed) if shapes[i].is_empty]
    if empty:
        notes.append(
            f"{len(empty)} town(s) add no polygon: the point lies outside the outline of the "
            "city (or of the ward the town is in): " + "、".join(empty)
        )
    return notes
