"""町丁目 population tables (such as the 自治体標準オープンデータセット 年齢別人口): each row a
town, placed at the polygon of the same name in ``--boundaries`` when given, else at its own point
or polygon, else at the stored town point (``tsudoi import towns``) of the same name."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from boundaries.population.common import PopulationFile, PopulationImportOptions
from boundaries.population.counts import Counted, count_row
from geo.errors import InputError, Problem, UnknownCity, UsageError
from geo.ingest.extent import OUTLINE_TOLERANCE_M, geometry_outside_outline_m, outside_city
from geo.ingest.ids import population_id
from geo.ingest.pipeline import Batch
from geo.io.columns import find_column
from geo.io.features import read_features
from geo.io.source import Row
from geo.japan.coords import japan_point_problem
from geo.japan.municipalities import get_city
from geo.model import PopulationCell
from geo.text import clean, fold

TOWN_NAME_FIELDS = (
    "regionName", "name", "town", "町丁目", "町丁目名", "町丁", "町丁名", "町丁字名", "町字名",
    "町名", "大字町丁目名", "地区名", "名称", "S_NAME",
)  # fmt: skip
TOWN_ID_FIELDS = ("regionCode", "town_id", "町丁目コード", "町字コード", "地域コード", "KEY_CODE")
WARD_FIELDS = ("ward", "ward_name", "区", "区名")
YEAR_FIELDS = ("surveyDate", "調査年月日", "基準日", "調査時点", "year", "年")
CITY_CODE_FIELDS = ("prefCode", "cityCode", "全国地方公共団体コード", "市区町村コード")
BOUNDARY_NAME_FIELDS = (
    "S_NAME", "name", "town", "町丁目", "町丁目名", "町丁字名", "町字名", "町名", "大字町丁目名",
    "名称", "regionName", "MOJI",
)  # fmt: skip


#: Rows that sum the city rather than name a town: skipped and reported, never a town.
TOTAL_ROWS = frozenset({"市内全域", "全域", "合計", "総数", "総計", "計", "全市", "市計", "市全体"})

_NO_PLACE_HINT = (
    "give the row a location, give --boundaries FILE, or import the town points first "
    "(tsudoi import towns)"
)


def town_cells(file: PopulationFile, name_col: str) -> list[PopulationCell]:
    """The file's towns, placed; none when any row has a problem (in the batch)."""
    columns, named = file.src.columns, file.named
    reader = _TownReader(
        file, name_col,
        id_col=find_column(columns, TOWN_ID_FIELDS, named.get("id")),
        ward_col=find_column(columns, WARD_FIELDS, named.get("ward")),
        year_col=find_column(columns, YEAR_FIELDS, named.get("year")),
        city_col=find_column(columns, CITY_CODE_FIELDS, named.get("city")),
        boundaries=_boundaries(file.opts) if file.opts.boundaries is not None else None,
        outside=outside_city(file.store, file.opts.city),
    )  # fmt: skip
    totals: dict[int, str] = {}  # row → its name; the reader's problems there do not count
    for row in file.src.rows:
        name = clean(row.props.get(name_col))
        if name and _is_total(name):
            totals[row.number] = name
            continue
        cell = reader.cell(row)
        if cell is not None:
            file.batch.keep(row.number, cell)
    file.batch.problems = [p for p in file.batch.problems if p.row not in totals]
    file.batch.refuse_repeats(reader.id_col or name_col)
    if file.batch.problems:
        return []
    if not file.batch.rows:
        file.batch.refuse(None, "no rows")
        return []
    reader.note()
    if totals:
        label = file.src.row_label
        shown = ", ".join(f"{label} {n} ({name})" for n, name in list(totals.items())[:20])
        file.report.notes.append(f"{len(totals)} total row(s) skipped, not a town: {shown}")
    return file.batch.records


def _is_total(name: str) -> bool:
    """Whether a row's town name says it sums the city (市内全域, 合計 …)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)) in TOTAL_ROWS


@dataclass
class _TownReader:
    """Reads a 町丁目 table's rows into cells, counting how each was placed and its dates."""

    file: PopulationFile
    name_col: str
    id_col: str | None
    ward_col: str | None
    year_col: str | None
    city_col: str | None
    boundaries: dict[str, BaseGeometry] | None  # by folded name
    outside: Callable[[float, float], str | None]
    stored: dict[str, list[Point]] | None = None  # the city's town points, read when needed
    placed: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)

    def cell(self, row: Row) -> PopulationCell | None:
        """The row's cell; None when it has a problem (in the batch)."""
        batch, opts, props = self.file.batch, self.file.opts, row.props
        name = clean(props.get(self.name_col))
        if not name:
            batch.refuse(row.number, "empty town name", field=self.name_col)
            return None
        wrong = _other_city(props.get(self.city_col), opts.city) if self.city_col else None
        if wrong and self.city_col:
            batch.refuse(
                row.number, wrong, field=self.city_col, value=props.get(self.city_col),
                hint="check --city",
            )  # fmt: skip
            return None
        counted = count_row(batch, row.number, props, self.file.counts)
        if counted is None:
            return None
        placed = self.locate(row, name)
        if placed is None:
            return None
        self.placed[placed[1]] += 1
        return self.make(row, name, counted, placed[0])

    def locate(self, row: Row, name: str) -> tuple[BaseGeometry, str] | None:
        """Where the row's town is and how that was found; None with a problem."""
        geometry, how = self.find(row, name)
        if geometry is None:
            return None
        why = _place_problem(geometry, self.outside, self.file.opts.city)
        if why:
            columns = self.file.src.geometry_columns
            own_field = columns[0] if columns else None
            self.file.batch.refuse(
                row.number, why[0], field=own_field if how == "own location" else self.name_col,
                value=_where_text(geometry), hint=why[1],
            )  # fmt: skip
            return None
        return geometry, how

    def find(self, row: Row, name: str) -> tuple[BaseGeometry | None, str]:
        """The row's geometry and its origin: --boundaries, its own, or a stored town point."""
        key = fold(name)
        if self.boundaries is not None and key in self.boundaries:
            return self.boundaries[key], "--boundaries polygon"
        if row.geometry is not None and not row.geometry.is_empty:
            own = row.geometry
            return own, "own location" if isinstance(own, Point) else "own polygon"
        if self.stored is None:
            self.stored = {}
            for t in self.file.store.towns(self.file.opts.city):
                self.stored.setdefault(fold(t.name), []).append(Point(t.lon, t.lat))
        matches = self.stored.get(key, [])
        if len(matches) == 1:
            return matches[0], "stored town point"
        reason = (
            f"no location, and {len(matches)} of the city's stored towns have this name"
            if matches
            else "no location, and no town of this name among the city's stored towns"
            + (" nor in --boundaries" if self.boundaries is not None else "")
        )
        self.file.batch.refuse(
            row.number, reason, field=self.name_col, value=name, hint=_NO_PLACE_HINT
        )
        return None, ""

    def make(self, row: Row, name: str, counted: Counted, geometry: BaseGeometry) -> PopulationCell:
        """The row's cell, placed at `geometry`; its survey date is counted for the notes."""
        opts, props = self.file.opts, row.props
        year = _year(props.get(self.year_col)) if self.year_col else None
        if year:
            self.years[year] += 1
        source_id = clean(props.get(self.id_col)) if self.id_col else None
        ward = clean(props.get(self.ward_col)) if self.ward_col else None
        return PopulationCell(
            id=population_id(opts.city, "town", source_id, name, ward), city=opts.city,
            kind="town", code=source_id or name, name=name, total=counted.total,
            age65=counted.age65, age75=counted.age75, geometry=geometry,
            year=year or opts.year, source=self.file.src.name,
        )  # fmt: skip

    def note(self) -> None:
        """What the report says of a town file: how rows were placed, and survey dates."""
        notes, year, years = self.file.report.notes, self.file.opts.year, self.years
        placed = sorted(self.placed.items())
        notes.insert(0, "town file: " + ", ".join(f"{n:,} placed by {h}" for h, n in placed))
        if years and year and year not in years:
            notes.append(
                f"the file's survey date ({', '.join(sorted(years))}) was kept; --year "
                f"{year} applies only to rows without one"
            )
        if not years and year is None:
            notes.append("the file gives no survey date: --year records it")


def _boundaries(opts: PopulationImportOptions) -> dict[str, BaseGeometry]:
    """Town polygons by folded name; features sharing a name are the parts of one town."""
    assert opts.boundaries is not None
    src = read_features(opts.boundaries)
    try:
        col = find_column(src.columns, BOUNDARY_NAME_FIELDS, opts.boundary_name_field)
    except UsageError as exc:
        raise UsageError(f"--boundary-name-field: {exc}") from exc
    if col is None:
        raise InputError([Problem(
            file=src.name, row_label=src.row_label,
            reason="no town-name column in the boundary file",
            hint="name it with --boundary-name-field; looked for: "
            + ", ".join(BOUNDARY_NAME_FIELDS),
        )])  # fmt: skip
    parts: dict[str, list[BaseGeometry]] = {}
    batch: Batch[PopulationCell] = Batch.of(src)  # only its problems: the cells are elsewhere
    for row in src.rows:
        name = clean(row.props.get(col))
        geom = row.geometry
        if not name or geom is None or geom.is_empty:
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            batch.refuse(row.number, f"a {geom.geom_type}, not a polygon", field=col, value=name)
            continue
        parts.setdefault(fold(name), []).append(geom if geom.is_valid else shapely.make_valid(geom))
    if not batch.problems and not parts:
        batch.refuse(None, "no named polygons")
    if batch.problems:
        raise InputError(batch.problems)
    out: dict[str, BaseGeometry] = {}
    for key, geoms in parts.items():
        merged = geoms[0] if len(geoms) == 1 else unary_union(geoms)
        if not isinstance(merged, Polygon | MultiPolygon):  # make_valid may leave lines too
            polygons = [g for g in getattr(merged, "geoms", []) if isinstance(g, Polygon)]
            merged = MultiPolygon(polygons)
        out[key] = merged
    return out


def _place_problem(
    geom: BaseGeometry, outside: Callable[[float, float], str | None], city: str
) -> tuple[str, str | None] | None:
    if isinstance(geom, Point):
        bad = japan_point_problem(geom.x, geom.y)
        if bad:
            return bad
        why = outside(geom.x, geom.y)
        return (why, "check --city") if why else None
    away = geometry_outside_outline_m(city, geom)
    if away > OUTLINE_TOLERANCE_M:
        return (f"the town's polygon lies outside the city ({away / 1000:,.1f} km away)",
                "check --city")  # fmt: skip
    return None


def _where_text(geom: BaseGeometry) -> str:
    if isinstance(geom, Point):
        return f"lat {geom.y}, lon {geom.x}"
    c = geom.representative_point()
    return f"polygon near lat {c.y:.5f}, lon {c.x:.5f}"


def _other_city(value: Any, city: str) -> str | None:
    """Why a row's own municipal code says it belongs to another city, or None."""
    text = clean(value)
    if not text:
        return None
    digits = unicodedata.normalize("NFKC", text)
    if not digits.isdigit() or len(digits) not in (5, 6):
        return None
    try:
        own = get_city(digits)
    except UnknownCity:
        return None
    if own.code == city or own.parent_code == city:
        return None
    return f"the row is for {own.prefecture}{own.name} ({own.code}), not for --city {city}"


def _year(value: Any) -> str | None:
    """'2026-02-01 00:00:00' → '2026-02-01'; other text is kept as given."""
    text = clean(value)
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$", text)
    return match.group(1) if match else text
