"""Importing population with its older residents: e-Stat 地域メッシュ統計 or 町丁目 tables.

Two kinds of file, told apart by their columns:

* **Mesh** (e-Stat 地域メッシュ統計 CSV, Shift_JIS, two header lines: column codes such as
  ``KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001102001,…`` and under them labels such as
  ``人口（総数）``, ``６５歳以上人口　総数``): each row is a JIS X 0410 cell whose polygon is
  computed from its code (geo.japan.mesh). An e-Stat file covers a whole first mesh (80 km), so
  cells that do not touch the city are skipped and counted. Secret cells (``*``, 秘匿) and ``-``
  (none) count 0; e-Stat adds a secret cell's people to the cell named in HTKSAKI, so totals
  stay right.
* **Town** (町丁目 tables such as the 自治体標準オープンデータセット 年齢別人口, with ``man1…man18``
  and ``woman1…woman18`` 5-year bands): each row is a town placed at the polygon of the same name
  in ``--boundaries`` when given, else at its own point (a ``location`` or latitude/longitude),
  else at the stored town point (``tsudoi import towns``) of the same name.

Total, 65+ and 75+ are found by column name or label (full-width digits folded): an explicit
total or "65歳以上" column is used as it is; otherwise disjoint age bands are summed (by sex when
the file splits by sex). Ids: ``{city}-mesh-{code}`` and ``{city}-town-{source id or hash of
the name}``. Like every import, it applies all rows or none.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.errors import InputError, Problem, UnknownCity, UsageError
from geo.ingest.extent import OUTLINE_TOLERANCE_M, geometry_outside_outline_m, outside_city
from geo.ingest.ids import population_id
from geo.ingest.report import ImportReport
from geo.io.columns import find_column, problems_for_duplicates
from geo.io.features import read_features
from geo.io.source import FeatureSource
from geo.japan import mesh
from geo.japan.coords import japan_point_problem
from geo.japan.crs import project_geometry
from geo.japan.municipalities import get_city, outline
from geo.model import PopulationCell
from geo.store.base import Store
from geo.text import clean, fold

MESH_CODE_FIELDS = (
    "KEY_CODE", "メッシュコード", "地域メッシュコード", "mesh_code", "meshcode", "mesh",
)  # fmt: skip
TOWN_NAME_FIELDS = (
    "regionName", "name", "town", "町丁目", "町丁目名", "町丁字名", "町字名", "町名",
    "大字町丁目名", "地区名", "名称", "S_NAME",
)  # fmt: skip
TOWN_ID_FIELDS = ("regionCode", "town_id", "町丁目コード", "町字コード", "地域コード", "KEY_CODE")
WARD_FIELDS = ("ward", "ward_name", "区", "区名")
YEAR_FIELDS = ("surveyDate", "調査年月日", "基準日", "調査時点", "year", "年")
CITY_CODE_FIELDS = ("prefCode", "cityCode", "全国地方公共団体コード", "市区町村コード")
BOUNDARY_NAME_FIELDS = (
    "S_NAME", "name", "town", "町丁目", "町丁目名", "町丁字名", "町字名", "町名", "大字町丁目名",
    "名称", "regionName", "MOJI",
)  # fmt: skip

# whole-population and per-sex totals, compared after _fold_label
_TOTAL_NAMES = frozenset({
    "totalpopulation", "total", "population", "pop", "人口", "総人口", "人口総数", "総数",
    "人口(総数)", "人口総数(人)", "総数(人)", "人口計", "合計", "男女計", "総計",
})  # fmt: skip
_MALE_NAMES = frozenset({"male", "man", "men", "男", "男性", "男計", "人口男", "人口(総数)男"})
_FEMALE_NAMES = frozenset({
    "female", "woman", "women", "女", "女性", "女計", "人口女", "人口(総数)女",
})  # fmt: skip
# what statistics tables write in a cell that holds no number: secret (秘匿) or none (該当なし)
_SECRET = frozenset({"*", "x", "×", "…", "***", "秘", "秘匿", "χ"})
_NONE = frozenset({"-", "‐", "―", "—", "ー", "−", "–"})

_BAND = re.compile(r"^(man|men|male|woman|women|female)_?(\d{1,2})$")
_RANGE = re.compile(r"(\d+)歳?[~〜～\-ー―‐–](\d+)歳")
_OPEN = re.compile(r"(\d+)歳以上|(?:age)?_?(\d+)(?:\+|plus|over|以上)|over_?(\d+)")
_NOISE = re.compile(r"人口|総数|うち|再掲|の|\(人\)|人$|[()「」_・]|計$")


@dataclass(frozen=True)
class PopulationImportOptions:
    """What the caller said about the file."""

    city: str
    year: str | None = None  # for rows without a survey date of their own
    boundaries: Path | None = None  # town polygons, matched to rows by name
    boundary_name_field: str | None = None
    layer: str | None = None  # of the population file (GeoPackage layer, XLSX sheet)
    dry_run: bool = False


@dataclass(frozen=True)
class _Band:
    column: str
    sex: str  # "t" both, "m", "f"
    lo: int
    hi: int | None  # None: open-ended ("65歳以上")


@dataclass
class CountColumns:
    """The columns summed into a row's total, 65+ and 75+."""

    total: list[str]
    age65: list[str]
    age75: list[str]
    labels: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        def one(cols: list[str]) -> str:
            named = [f"{c} {self.labels[c]}" if self.labels.get(c) else c for c in cols]
            if len(named) == 1:
                return named[0]
            return f"{named[0]} … {named[-1]} ({len(named)} columns)"

        return f"total = {one(self.total)}; 65+ = {one(self.age65)}; 75+ = {one(self.age75)}"


def import_population(
    store: Store, path: str | Path, opts: PopulationImportOptions
) -> ImportReport:
    """Read and apply a population file; raise InputError (store untouched) on any bad row."""
    src = read_features(path, layer=opts.layer, label_line=True)
    report = ImportReport(file=src.name, what="population cells", city=opts.city)
    report.dry_run = opts.dry_run
    report.rows = len(src.rows)
    columns = count_columns(src)
    mesh_col = find_column(src.columns, MESH_CODE_FIELDS)
    name_col = find_column(src.columns, TOWN_NAME_FIELDS)
    if mesh_col is not None and name_col is None:
        cells, problems = _mesh_cells(store, src, mesh_col, columns, opts, report)
    elif name_col is not None:
        cells, problems = _town_cells(store, src, name_col, columns, opts, report)
    else:
        raise InputError([Problem(
            file=src.name, reason="neither a mesh-code column nor a town-name column",
            hint="mesh: KEY_CODE or メッシュコード; towns: " + ", ".join(TOWN_NAME_FIELDS),
        )])
    if problems:
        report.problems = problems
        report.rejected = len({p.row for p in problems if p.row is not None}) or len(problems)
        raise InputError(problems)
    report.notes.insert(1, f"columns: {columns.describe()}")
    report.notes.append(
        f"{len(cells):,} cells: {_people(sum(c.total for c in cells))} people, "
        f"{_people(sum(c.age65 for c in cells))} aged 65+, "
        f"{_people(sum(c.age75 for c in cells))} aged 75+"
    )
    stored = store.population_hashes(opts.city)
    changed: list[PopulationCell] = []
    for cell in cells:
        old = stored.get(cell.id)
        if old is None:
            report.added += 1
            changed.append(cell)
        elif old == cell.content_hash():
            report.unchanged += 1
        else:
            report.updated += 1
            changed.append(cell)
    in_file = {c.id for c in cells}
    report.missing = [
        (c.id, c.name or c.code)
        for c in store.population(opts.city)
        if c.source == src.name and c.id not in in_file
    ]
    if not opts.dry_run and changed:
        store.put_population(changed)
    return report


def _problem(
    src: FeatureSource,
    row: int | None,
    reason: str,
    *,
    field: str | None = None,
    value: object = None,
    hint: str | None = None,
) -> Problem:
    return Problem(
        file=src.name, row=row, row_label=src.row_label, field=field, value=value,
        reason=reason, hint=hint,
    )


# -- columns ---------------------------------------------------------------------------------


def _fold_label(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII), lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def _sex_of(rest: str) -> str | None:
    """'t', 'm' or 'f' for what is left of a label once its age is removed; None if more is."""
    rest = _NOISE.sub("", rest)
    if rest in ("", "男女", "総", "total", "both"):
        return "t"
    if rest in ("男", "男性", "male", "men", "man"):
        return "m"
    if rest in ("女", "女性", "female", "women", "woman"):
        return "f"
    return None


def age_band(column: str, label: str = "") -> tuple[str, int, int | None] | None:
    """(sex, from age, to age or None for "and over") of a count column, from its name or label.

    ``man14`` → ('m', 65, 69) (5-year band 14 of 18; band 18 is 85+); ``６５歳以上人口　総数`` →
    ('t', 65, None); ``７０～７４歳　女`` → ('f', 70, 74). None when the column is not an age count.
    """
    match = _BAND.match(_fold_label(column))
    if match:
        k = int(match.group(2))
        if not 1 <= k <= 18:
            return None
        by_sex = "f" if match.group(1).startswith(("w", "f")) else "m"
        return (by_sex, 5 * (k - 1), None if k == 18 else 5 * k - 1)
    for text in (label, column):
        folded = _fold_label(text)
        if not folded or "世帯" in folded or "household" in folded:
            continue
        found = _RANGE.search(folded)
        if found:
            lo, hi = int(found.group(1)), int(found.group(2))
            sex = _sex_of(folded[: found.start()] + folded[found.end() :])
            if sex is not None and hi >= lo:
                return (sex, lo, hi)
            continue
        opened = _OPEN.search(folded)
        if opened:
            lo = int(next(g for g in opened.groups() if g is not None))
            sex = _sex_of(folded[: opened.start()] + folded[opened.end() :])
            if sex is not None:
                return (sex, lo, None)
    return None


def _tile(bands: list[_Band], start: int) -> list[str] | None:
    """Columns whose bands cover the ages start… exactly once (an open-ended band preferred)."""
    by_lo: dict[int, list[_Band]] = {}
    for b in bands:
        by_lo.setdefault(b.lo, []).append(b)

    def walk(lo: int, depth: int) -> list[str] | None:
        if depth > 60:
            return None
        for b in sorted(by_lo.get(lo, []), key=lambda b: (b.hi is not None, -(b.hi or 0))):
            if b.hi is None:
                return [b.column]
            rest = walk(b.hi + 1, depth + 1)
            if rest is not None:
                return [b.column, *rest]
        return None

    return walk(start, 0)


def _from_age(bands: list[_Band], start: int) -> list[str] | None:
    """Columns counting everyone aged start and over: both sexes, else men plus women."""
    both = _tile([b for b in bands if b.sex == "t"], start)
    if both:
        return both
    male = _tile([b for b in bands if b.sex == "m"], start)
    female = _tile([b for b in bands if b.sex == "f"], start)
    return male + female if male and female else None


def count_columns(src: FeatureSource) -> CountColumns:
    """Find the total, 65+ and 75+ columns; InputError naming what was looked for otherwise."""
    labels = src.labels
    bands: list[_Band] = []
    total: list[str] | None = None
    male: str | None = None
    female: str | None = None
    for column in src.columns:
        label = labels.get(column, "")
        keys = {_fold_label(column), _fold_label(label)} - {""}
        if total is None and keys & _TOTAL_NAMES:
            total = [column]
        elif male is None and keys & _MALE_NAMES:
            male = column
        elif female is None and keys & _FEMALE_NAMES:
            female = column
        elif (band := age_band(column, label)) is not None:
            bands.append(_Band(column, *band))
    if total is None:
        total = _from_age(bands, 0) or ([male, female] if male and female else None)
    age65 = _from_age(bands, 65)
    age75 = _from_age(bands, 75)
    missing = [
        what
        for what, found in (("the total", total), ("65+", age65), ("75+", age75))
        if not found
    ]
    if missing or not (total and age65 and age75):
        shown = ", ".join(f"{c} ({labels[c]})" if labels.get(c) else c for c in src.columns[:40])
        raise InputError([Problem(
            file=src.name,
            reason=f"no column for {' or '.join(missing)} of the population",
            hint=(
                "looked for a total (人口（総数）, totalPopulation, 総数 …), 65+ and 75+ columns "
                "(６５歳以上人口　総数, 75歳以上 …) or 5-year bands (man1…man18 and "
                f"woman1…woman18, 65～69歳 …); the file has: {shown}"
            ),
        )])
    return CountColumns(total, age65, age75, labels={c: labels.get(c, "") for c in src.columns})


@dataclass
class _Counted:
    total: float
    age65: float
    age75: float
    secret: int  # cells marked secret (*) read as 0
    blank: int  # empty cells read as 0


def count_value(value: Any) -> tuple[float | None, str]:
    """(number, kind) of a count cell; kind is 'ok', 'secret', 'none', 'blank' or 'bad'."""
    if value is None:
        return 0.0, "blank"
    if isinstance(value, bool):
        return None, "bad"
    if isinstance(value, int | float):
        return (float(value), "ok") if value == value else (0.0, "blank")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return 0.0, "blank"
    if text.lower() in _SECRET:
        return 0.0, "secret"
    if text in _NONE:
        return 0.0, "none"
    try:
        number = float(text.replace(",", "").removesuffix("人"))
    except ValueError:
        return None, "bad"
    return (number, "ok") if number == number and abs(number) != float("inf") else (None, "bad")


def _count_row(
    src: FeatureSource, number: int, props: dict[str, Any], cols: CountColumns,
    problems: list[Problem],
) -> _Counted | None:
    kinds: Counter[str] = Counter()
    values: dict[str, float] = {}
    ok = True
    for column in dict.fromkeys([*cols.total, *cols.age65, *cols.age75]):
        value, kind = count_value(props.get(column))
        kinds[kind] += 1
        if value is None or value < 0:
            label = cols.labels.get(column)
            reason = "not a count of people" if value is None else "a negative count"
            problems.append(_problem(
                src, number, reason + (f" ({label})" if label else ""), field=column,
                value=props.get(column),
                hint="人数は 0 以上の数で入力してください (秘匿は * のまま)",
            ))
            ok = False
            continue
        values[column] = value
    if not ok:
        return None
    total = sum(values[c] for c in cols.total)
    age65 = sum(values[c] for c in cols.age65)
    age75 = sum(values[c] for c in cols.age75)
    if not kinds["secret"] and not kinds["blank"]:  # hidden cells make these checks meaningless
        if age65 > total + 1e-9:
            problems.append(_problem(
                src, number, "more people aged 65+ than in total", field=cols.age65[0],
                value=f"{age65:g} > {total:g}",
            ))
            return None
        if age75 > age65 + 1e-9:
            problems.append(_problem(
                src, number, "more people aged 75+ than aged 65+", field=cols.age75[0],
                value=f"{age75:g} > {age65:g}",
            ))
            return None
    return _Counted(total, age65, age75, kinds["secret"], kinds["blank"])


# -- mesh files ------------------------------------------------------------------------------


def _mesh_cells(
    store: Store,
    src: FeatureSource,
    code_col: str,
    cols: CountColumns,
    opts: PopulationImportOptions,
    report: ImportReport,
) -> tuple[list[PopulationCell], list[Problem]]:
    problems: list[Problem] = list(src.problems)
    found: list[tuple[int, mesh.Mesh, _Counted]] = []
    for row in src.rows:
        raw = row.props.get(code_col)
        if clean(raw) is None:
            problems.append(_problem(src, row.number, "empty mesh code", field=code_col))
            continue
        try:
            cell = mesh.parse(raw)
        except mesh.MeshCodeError as exc:
            problems.append(_problem(src, row.number, str(exc), field=code_col, value=raw))
            continue
        counted = _count_row(src, row.number, row.props, cols, problems)
        if counted is not None:
            found.append((row.number, cell, counted))
    levels = Counter(m.level for _, m, _ in found)
    main = levels.most_common(1)[0][0] if levels else "3"
    for number, m, _ in found:
        if m.level != main:
            problems.append(_problem(
                src, number, f"a {_LEVEL_WORDS[m.level]} cell among {_LEVEL_WORDS[main]} cells",
                field=code_col, value=m.code,
                hint="one file, one mesh level: cells of two levels would count people twice",
            ))
    problems.extend(problems_for_duplicates(
        src.name, src.row_label, [(n, m.code) for n, m, _ in found], code_col
    ))
    if problems:
        return [], problems
    if not found:
        return [], [_problem(src, None, "no rows")]
    touches = _touch_city(store, opts.city, [m.polygon for _, m, _ in found])
    kept = [f for f, t in zip(found, touches, strict=True) if t]
    if not kept:
        firsts = ", ".join(sorted({m.code[:4] for _, m, _ in found}))
        return [], [_problem(
            src, None, f"none of the {len(found):,} mesh cells lies in the city {opts.city}",
            hint=f"check --city: the file covers first mesh {firsts}",
        )]
    report.notes.insert(0, f"e-Stat mesh file: {_LEVEL_WORDS[main]} cells")
    if len(kept) < len(found):
        report.notes.append(
            f"{len(found) - len(kept):,} cells away from the city were skipped (an e-Stat "
            "file covers a whole first mesh)"
        )
    secret = sum(1 for _, _, c in kept if c.secret)
    if secret:
        report.notes.append(
            f"{secret:,} cells are secret (秘匿, *) and count 0: e-Stat adds their people to "
            "the neighbouring cell named in HTKSAKI"
        )
    if opts.year is None:
        report.notes.append("the file gives no survey year: --year records it")
    cells = [
        PopulationCell(
            id=population_id(opts.city, "mesh", m.code, m.code), city=opts.city, kind="mesh",
            code=m.code, total=c.total, age65=c.age65, age75=c.age75, geometry=m.polygon,
            year=opts.year, source=src.name,
        )
        for _, m, c in kept
    ]
    return cells, []


def _touch_city(store: Store, city: str, polygons: list[Polygon]) -> np.ndarray:
    """Which cells touch the city: its imported areas when it has any (exact), else the bundled
    simplified outline widened by 2 km (in the city's plane metres, as for places)."""
    areas = store.areas(city)
    if areas:
        union = unary_union([a.geometry for a in areas])
        shapely.prepare(union)
        return np.asarray(shapely.intersects(union, polygons))
    epsg = get_city(city).crs_epsg
    plane = project_geometry(outline(city), epsg)
    shapely.prepare(plane)
    cells = project_geometry(np.asarray(polygons, dtype=object), epsg)
    return np.asarray(shapely.dwithin(plane, cells, OUTLINE_TOLERANCE_M))


_LEVEL_WORDS = {
    "1": "1st mesh", "2": "2nd mesh", "3": "3rd mesh (1 km)", "1/2": "1/2 mesh (500 m)",
    "1/4": "1/4 mesh (250 m)", "1/8": "1/8 mesh (125 m)",
}  # fmt: skip


# -- town files ------------------------------------------------------------------------------


def _town_cells(
    store: Store,
    src: FeatureSource,
    name_col: str,
    cols: CountColumns,
    opts: PopulationImportOptions,
    report: ImportReport,
) -> tuple[list[PopulationCell], list[Problem]]:
    problems: list[Problem] = list(src.problems)
    id_col = find_column(src.columns, TOWN_ID_FIELDS)
    ward_col = find_column(src.columns, WARD_FIELDS)
    year_col = find_column(src.columns, YEAR_FIELDS)
    city_col = find_column(src.columns, CITY_CODE_FIELDS)
    boundaries = _boundaries(opts) if opts.boundaries is not None else None
    stored: dict[str, list[Point]] | None = None
    outside = outside_city(store, opts.city)
    placed: Counter[str] = Counter()
    years: Counter[str] = Counter()
    cells: list[tuple[int, PopulationCell]] = []
    for row in src.rows:
        name = clean(row.props.get(name_col))
        if not name:
            problems.append(_problem(src, row.number, "empty town name", field=name_col))
            continue
        wrong = _other_city(row.props.get(city_col), opts.city) if city_col else None
        if wrong and city_col:
            problems.append(_problem(
                src, row.number, wrong, field=city_col, value=row.props.get(city_col),
                hint="check --city",
            ))
            continue
        counted = _count_row(src, row.number, row.props, cols, problems)
        if counted is None:
            continue
        geometry: BaseGeometry | None = None
        how = ""
        if boundaries is not None and fold(name) in boundaries:
            geometry, how = boundaries[fold(name)], "--boundaries polygon"
        elif row.geometry is not None and not row.geometry.is_empty:
            geometry = row.geometry
            how = "own location" if isinstance(geometry, Point) else "own polygon"
        else:
            if stored is None:
                stored = {}
                for t in store.towns(opts.city):
                    stored.setdefault(fold(t.name), []).append(Point(t.lon, t.lat))
            matches = stored.get(fold(name), [])
            if len(matches) != 1:
                reason = (
                    f"no location, and {len(matches)} of the city's stored towns have this name"
                    if matches
                    else "no location, and no town of this name among the city's stored towns"
                    + (" nor in --boundaries" if boundaries is not None else "")
                )
                problems.append(_problem(
                    src, row.number, reason, field=name_col, value=name,
                    hint="give the row a location, give --boundaries FILE, or import the town "
                    "points first (tsudoi import towns)",
                ))
                continue
            geometry, how = matches[0], "stored town point"
        why = _place_problem(geometry, outside, opts.city)
        if why:
            own_field = src.geometry_columns[0] if src.geometry_columns else None
            problems.append(_problem(
                src, row.number, why[0], field=own_field if how == "own location" else name_col,
                value=_where_text(geometry), hint=why[1],
            ))
            continue
        placed[how] += 1
        year = _year(row.props.get(year_col)) if year_col else None
        if year:
            years[year] += 1
        source_id = clean(row.props.get(id_col)) if id_col else None
        ward = clean(row.props.get(ward_col)) if ward_col else None
        cells.append((row.number, PopulationCell(
            id=population_id(opts.city, "town", source_id, name, ward), city=opts.city,
            kind="town", code=source_id or name, name=name, total=counted.total,
            age65=counted.age65, age75=counted.age75, geometry=geometry,
            year=year or opts.year, source=src.name,
        )))
    problems.extend(problems_for_duplicates(
        src.name, src.row_label, [(n, c.id) for n, c in cells], id_col or name_col
    ))
    if problems:
        return [], problems
    if not cells:
        return [], [_problem(src, None, "no rows")]
    report.notes.insert(
        0, "town file: " + ", ".join(f"{n:,} placed by {h}" for h, n in sorted(placed.items()))
    )
    if years and opts.year and opts.year not in years:
        report.notes.append(
            f"the file's survey date ({', '.join(sorted(years))}) was kept; --year "
            f"{opts.year} applies only to rows without one"
        )
    if not years and opts.year is None:
        report.notes.append("the file gives no survey date: --year records it")
    return [c for _, c in cells], []


def _boundaries(opts: PopulationImportOptions) -> dict[str, BaseGeometry]:
    """Town polygons by folded name; features sharing a name are the parts of one town."""
    assert opts.boundaries is not None
    src = read_features(opts.boundaries)
    try:
        col = find_column(src.columns, BOUNDARY_NAME_FIELDS, opts.boundary_name_field)
    except UsageError as exc:
        raise UsageError(f"--boundary-name-field: {exc}") from exc
    if col is None:
        raise InputError([_problem(
            src, None, "no town-name column in the boundary file",
            hint="name it with --boundary-name-field; looked for: "
            + ", ".join(BOUNDARY_NAME_FIELDS),
        )])
    parts: dict[str, list[BaseGeometry]] = {}
    problems: list[Problem] = list(src.problems)
    for row in src.rows:
        name = clean(row.props.get(col))
        geom = row.geometry
        if not name or geom is None or geom.is_empty:
            continue
        if not isinstance(geom, Polygon | MultiPolygon):
            problems.append(_problem(
                src, row.number, f"a {geom.geom_type}, not a polygon", field=col, value=name
            ))
            continue
        parts.setdefault(fold(name), []).append(geom if geom.is_valid else shapely.make_valid(geom))
    if problems:
        raise InputError(problems)
    if not parts:
        raise InputError([_problem(src, None, "no named polygons")])
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
                "check --city")
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


def _people(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
