"""A city's towns (町丁目/大字) as shapes an area can be built from, and found by name.

Why: cities define their 日常生活圏域 and 地区 as lists of towns and seldom publish polygons.
A town's shape is either its polygon, from a file of 町丁目 polygons such as e-Stat 小地域
(``--town-boundaries``), or its Voronoi cell among all the city's town points (the bundled
gazetteer, Geolonia 住所データ): cells are computed in the city's plane-rectangular zone (metres,
never degrees), among the towns of one ward at a time for a designated city, and clipped to that
ward's (or the city's) outline, so the cells of all towns tile the outline, islands included.

Names are matched as addresses are (``geo.japan.address.normalise``: width, 三丁目 = 3丁目 = ３丁目,
ヶ/ケ, 大字/字); a name that exists only with 丁目 (朝日町) means all of its 丁目.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from boundaries.population.towns import BOUNDARY_NAME_FIELDS
from geo.errors import InputError, Problem, UnknownCity
from geo.io.columns import find_column
from geo.io.features import read_features
from geo.japan import gazetteer
from geo.japan.address import normalise
from geo.japan.crs import project_geometry, to_plane
from geo.japan.municipalities import get_city, outline, wards
from geo.text import clean

#: Columns that name a town's ward (a code such as 15103, or 中央区 / 新潟市中央区), in a town
#: list and in a town-boundaries file (e-Stat 2015 writes CSS_NAME, 2020 CITY_NAME).
WARD_FIELDS = ("ward", "ward_name", "区", "区名", "区コード", "CSS_NAME", "CITY_NAME")
#: e-Stat's 11-digit (9 for 大字) town code, whose first five digits are the municipality.
_CODE_FIELDS = ("KEY_CODE", "町丁目コード", "町字コード")
_CHOME = re.compile(r"^(.+?)\d+丁目$")
_SAME_POINT_M = 0.01


@dataclass(frozen=True)
class CityTown:
    """One town of the city: its name as its source writes it, its ward, and its shape (a point,
    or its polygon) in WGS84."""

    name: str
    ward: str | None  # the ward's code, for a designated city
    geometry: BaseGeometry


@dataclass(frozen=True)
class Miss:
    """Why a town name of a list was not found, with the nearest names as a hint."""

    reason: str
    hint: str | None = None


def ward_label(code: str | None) -> str:
    """'中央区' for 15103; '' for no ward."""
    if code is None:
        return ""
    ward = get_city(code)
    parent = get_city(ward.parent_code) if ward.parent_code else None
    return ward.name.removeprefix(parent.name) if parent else ward.name


def label(town: CityTown) -> str:
    """The town as a message names it: with its ward when it has one (中央区関屋本村町一丁目)."""
    return ward_label(town.ward) + town.name


def ward_code(city: str, text: str | None) -> str | None:
    """The ward of a designated city that ``text`` names (15103, 151033, 中央区, 新潟市中央区),
    else None (no text, no ward by that name, or a city without wards)."""
    value = normalise(text or "")
    if not value:
        return None
    for ward in wards(city):
        names = (ward.code, normalise(ward.name), normalise(ward_label(ward.code)))
        if value in names or (len(value) == 6 and value[:5] == ward.code):
            return ward.code
    return None


class TownIndex:
    """The city's towns by matching key, for the rows of a town list."""

    def __init__(self, city: str, towns: Sequence[CityTown]) -> None:
        self.city = city
        self.towns = list(towns)
        self._keys: dict[str, list[int]] = {}
        self._bases: dict[str, list[int]] = {}  # 朝日町 → the towns 朝日町1丁目, 朝日町2丁目 …
        for i, town in enumerate(self.towns):
            key = normalise(town.name)
            self._keys.setdefault(key, []).append(i)
            chome = _CHOME.match(key)
            if chome:
                self._bases.setdefault(chome.group(1), []).append(i)

    def find(self, text: str, ward: str | None) -> list[int] | Miss:
        """The towns ``text`` names (several for a name with 丁目), in ``ward`` when given.

        The city's or a ward's name before the town is taken off (新潟市中央区関屋本村町一丁目).
        """
        key = normalise(text)
        hits = self._hits(key)
        if not hits:
            key, ward = self._without_city(key, ward)
            hits = self._hits(key)
        if not hits:
            unknown = f"unknown town: no town of {self._city_name(ward)} is called {text}"
            return Miss(unknown, self._hint(key, ward))
        if ward is not None:
            mine = [i for i in hits if self.towns[i].ward == ward]
            if not mine:
                elsewhere = self._labels(hits)
                return Miss(f"unknown town: no town of {self._city_name(ward)} is called {text}",
                            f"there is {elsewhere}: check the ward")  # fmt: skip
            return mine
        in_wards = {self.towns[i].ward for i in hits}
        if len(in_wards) > 1:
            names = self._labels(hits)
            return Miss(f"ambiguous town: {text} is a town in {len(in_wards)} wards: {names}",
                        "give the ward (a 区 column, or the ward code as parent)")  # fmt: skip
        return hits

    def _labels(self, hits: list[int]) -> str:
        ordered = sorted(hits, key=lambda i: (self.towns[i].ward or "", self.towns[i].name))
        return "、".join(dict.fromkeys(label(self.towns[i]) for i in ordered))

    def _hits(self, key: str) -> list[int]:
        return list(self._keys.get(key) or self._bases.get(key) or [])

    def _without_city(self, key: str, ward: str | None) -> tuple[str, str | None]:
        """The key with the city's name (and a ward's) taken off its start, and that ward."""
        city = get_city(self.city)
        key = key.removeprefix(normalise(city.prefecture)).removeprefix(normalise(city.name))
        for w in wards(self.city):
            short = normalise(ward_label(w.code))
            if key.startswith(short) and self._hits(key[len(short) :]):
                return key[len(short) :], ward or w.code
        return key, ward

    def _city_name(self, ward: str | None) -> str:
        return get_city(ward).name if ward else get_city(self.city).name

    def _hint(self, key: str, ward: str | None) -> str:
        names = {normalise(t.name): label(t) for t in self.towns if ward is None or t.ward == ward}
        close = difflib.get_close_matches(key, list(names), n=5, cutoff=0.5)
        if not close:
            return "check the name against the city's 町丁目 (近い町名が見つかりません)"
        return "近い町名: " + "、".join(dict.fromkeys(names[k] for k in close))


# -- the towns of a city ----------------------------------------------------------------------


def gazetteer_towns(city: str) -> list[CityTown]:
    """Every town of the city with its representative point (designated cities: every ward's)."""
    return [CityTown(t.name, t.ward_code, Point(t.lon, t.lat)) for t in gazetteer.towns(city)]


def boundary_towns(path: str | Path, city: str) -> tuple[list[CityTown], list[str]]:
    """The city's town polygons in a file of 町丁目 polygons (e-Stat 小地域 or any other format
    read_features reads), and notes on what was left out.

    Features of other municipalities (by the first five digits of e-Stat's KEY_CODE) are
    skipped, so a prefecture's whole file can be given; a designated city's ward is the one
    KEY_CODE or the ward column names; features sharing a name (and ward) are one town.
    """
    src = read_features(path)
    name_col = find_column(src.columns, BOUNDARY_NAME_FIELDS)
    if name_col is None:
        raise InputError([Problem(
            file=src.name, row_label=src.row_label, reason="no town-name column",
            hint="looked for: " + ", ".join(BOUNDARY_NAME_FIELDS),
        )])  # fmt: skip
    code_col = find_column(src.columns, _CODE_FIELDS)
    ward_col = find_column(src.columns, WARD_FIELDS)
    own = {city, *(w.code for w in wards(city))}
    parts: dict[tuple[str | None, str], tuple[str, list[BaseGeometry]]] = {}
    problems = list(src.problems)
    skipped = unnamed = 0
    for row in src.rows:
        name = clean(row.props.get(name_col))
        code = _municipality(clean(row.props.get(code_col)) if code_col else None)
        if code is not None and code not in own:
            skipped += 1
            continue
        if not name or row.geometry is None or row.geometry.is_empty:
            unnamed += 1
            continue
        geom = row.geometry
        if not isinstance(geom, Polygon | MultiPolygon):
            problems.append(Problem(
                file=src.name, row=row.number, row_label=src.row_label, field="geometry",
                value=name, reason=f"a town boundary must be a polygon, not a {geom.geom_type}",
            ))  # fmt: skip
            continue
        ward = code if code in own and code != city else None
        if ward is None and ward_col:
            ward = ward_code(city, clean(row.props.get(ward_col)))
        key = (ward, normalise(name))
        fixed = geom if geom.is_valid else shapely.make_valid(geom)
        parts.setdefault(key, (name, []))[1].append(fixed)
    if problems:
        raise InputError(problems)
    if not parts:
        others = f" ({skipped} features are of other municipalities)" if skipped else ""
        raise InputError([Problem(
            file=src.name,
            reason=f"no named town polygons of {get_city(city).name} ({city}){others}",
            hint="give the city's 町丁目 polygons (e-Stat 小地域) or check --city",
        )])  # fmt: skip
    towns = [
        CityTown(name, ward, _polygons(shapely.union_all(geoms)))
        for (ward, _), (name, geoms) in parts.items()
    ]
    notes = []
    if skipped:
        notes.append(f"--town-boundaries: {skipped} features of other municipalities skipped")
    if unnamed:
        notes.append(f"--town-boundaries: {unnamed} features without a name or polygon skipped")
    return towns, notes


def _municipality(code: str | None) -> str | None:
    """The municipality of a town code (its first five digits), when it is one."""
    if not code or not code.isdigit() or len(code) < 9:
        return None
    try:
        return get_city(code[:5]).code
    except UnknownCity:
        return None


def _polygons(geom: BaseGeometry) -> MultiPolygon:
    """The polygon parts of a geometry (a repaired one may hold lines too) as a MultiPolygon."""
    parts = [p for g in shapely.get_parts(geom) for p in shapely.get_parts(g)]
    return MultiPolygon([p for p in parts if isinstance(p, Polygon) and not p.is_empty])


# -- Voronoi cells ----------------------------------------------------------------------------


def town_cells(
    city: str, towns: Sequence[CityTown], wards_drawn: Mapping[str, BaseGeometry] | None = None
) -> list[BaseGeometry]:
    """Each town's Voronoi cell, in the city's plane-rectangular zone (metres), index-aligned
    with ``towns`` (points): among the towns of its ward (a designated city) or of the city,
    clipped to that ward's or the city's outline, or to the ward's polygon in ``wards_drawn``
    (WGS84, by ward code: the city's own ward areas). Towns at one point share one cell."""
    epsg = get_city(city).crs_epsg
    plane = to_plane(epsg)
    cells: list[BaseGeometry] = [Polygon()] * len(towns)
    groups: dict[str | None, list[int]] = {}
    for i, town in enumerate(towns):
        groups.setdefault(town.ward, []).append(i)
    for ward, members in sorted(groups.items(), key=lambda g: g[0] or ""):
        drawn = (wards_drawn or {}).get(ward or "")
        clip = project_geometry(drawn if drawn is not None else outline(ward or city), epsg)
        lonlat = shapely.get_coordinates(np.array([towns[i].geometry for i in members]))
        x, y = plane(lonlat[:, 0], lonlat[:, 1])
        for i, cell in zip(members, _cells(np.column_stack([x, y]), clip), strict=True):
            cells[i] = cell
    return cells


def _cells(xy: np.ndarray, clip: BaseGeometry) -> list[BaseGeometry]:
    """Voronoi cells of the points clipped to ``clip``, one per point; points closer than 1 cm
    are one site and share its cell."""
    sites, which = np.unique(np.round(xy / _SAME_POINT_M), axis=0, return_inverse=True)
    which = which.ravel()
    first = [int(np.flatnonzero(which == k)[0]) for k in range(len(sites))]
    points = xy[first]
    if len(points) == 1:
        site_cells = [clip]
    else:
        extent = shapely.box(*clip.bounds).buffer(10_000.0)
        voronoi = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=extent,
                                           ordered=True)  # fmt: skip
        site_cells = list(voronoi.geoms)
        if len(site_cells) != len(points):
            raise RuntimeError("Voronoi cells do not match the town points")
        shapely.prepare(clip)
        site_cells = list(shapely.intersection(np.array(site_cells, dtype=object), clip))
    return [site_cells[k] for k in which]
