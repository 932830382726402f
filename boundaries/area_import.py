"""Importing areas (wards, daily-living areas, 第2層 districts) from boundary files, all or none."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from boundaries.areas_from_towns import TOWN_FIELDS, is_town_list, town_list_areas
from boundaries.contacts import ContactError, contacts_from_props
from boundaries.town_cells import WARD_FIELDS
from geo.errors import Problem, UsageError
from geo.ingest import pipeline
from geo.ingest.changes import ChangeSet
from geo.ingest.extent import OUTLINE_TOLERANCE_M, geometry_outside_outline_m
from geo.ingest.ids import area_id, area_source_id, parent_area_id
from geo.ingest.rejects import Rejects, SkipOptions, source_name
from geo.ingest.report import ImportReport
from geo.io.features import read_features
from geo.io.source import FeatureSource, Row
from geo.japan.municipalities import wards as municipal_wards
from geo.model import Area
from geo.store.base import AreaChanges, Store

FIELDS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "area_id",
        "code",
        "コード",
        "圏域コード",
        "地区コード",
        "ward_code",
        "N03_007",
        "kml_id",
    ),
    "name": (
        "name",
        "名称",
        "圏域名",
        "地区名",
        "area_name",
        "ward_name",
        "N03_004",
        "N03_003",
        "area",
        "圏域",
        "地区",
        "日常生活圏域",
    ),
    "name_kana": ("name_kana", "kana", "ふりがな", "フリガナ", "よみがな"),
    "level": ("level", "階層", "層"),
    "parent": ("parent", "parent_id", "親", "上位地区"),
    "contacts": ("contacts", "連絡先"),
    "source": ("source", "出典"),
    "source_date": ("source_date", "date", "時点", "作成日"),
    "demo": ("demo",),
    "town": TOWN_FIELDS,  # a town list: one row per town, no geometry
    "ward": WARD_FIELDS,
}
_TRUE = {"true", "1", "yes", "はい"}
_NO_AREA = 1e-10  # square degrees, about 1 m²: less is a line or a point drawn as a polygon


@dataclass(frozen=True)
class AreaImportOptions:
    """What the caller said about the file, beyond its contents."""

    city: str
    level: int | None = None  # default 2, or the file's level column
    name_field: str | None = None
    id_field: str | None = None
    parent_field: str | None = None
    layer: str | None = None
    dry_run: bool = False
    town_boundaries: Path | None = None  # a town list's 町丁目 polygons, instead of town points
    fields: Mapping[str, str] = field(default_factory=dict)  # --field NAME=COLUMN
    skip: SkipOptions = SkipOptions()


def _polygonal(geom: BaseGeometry) -> MultiPolygon | None:
    """The polygon parts of a geometry as a MultiPolygon (None when it has none)."""
    parts: list[Polygon] = []
    for g in getattr(geom, "geoms", [geom]):
        if isinstance(g, Polygon) and not g.is_empty:
            parts.append(g)
        elif isinstance(g, MultiPolygon):
            parts.extend(p for p in g.geoms if not p.is_empty)
        elif hasattr(g, "geoms"):
            sub = _polygonal(g)
            if sub is not None:
                parts.extend(sub.geoms)
    return MultiPolygon(parts) if parts else None


def import_areas(store: Store, path: str | Path, opts: AreaImportOptions) -> ImportReport:
    """Read, repair, merge and apply an areas file; InputError (store untouched) on bad input,
    or with --skip-invalid apply the good rows and write the others to a rejects file.

    A table of towns (an area column and a town column, no geometry) is read as a town list
    (boundaries.areas_from_towns); any other file draws its areas' polygons itself.
    """
    if opts.level is not None and opts.level < 1:
        raise UsageError("--level must be 1 or more (1 = the widest division inside the city)")
    named = pipeline.named_fields(
        opts.fields, FIELDS, id=opts.id_field, name=opts.name_field, parent=opts.parent_field
    )
    src = read_features(path, layer=opts.layer)
    report = ImportReport(
        file=src.name, what="areas", city=opts.city, rows=len(src.rows), dry_run=opts.dry_run
    )
    rejects: Rejects[list[tuple[int, Area]]] = Rejects(src, report, opts.skip)
    src = rejects.src
    cols = pipeline.find_columns(src.columns, FIELDS, named)
    if cols["name"] is None:
        raise pipeline.no_name_column(src.name, FIELDS["name"])
    town_list = is_town_list(src, cols["town"])
    if opts.town_boundaries is not None and not town_list:
        what = "geometry" if cols["town"] else "no town column (" + ", ".join(FIELDS["town"]) + ")"
        raise UsageError(
            "--town-boundaries draws the areas of a town list (an area column and a town "
            f"column, no geometry); {src.name} has {what}"
        )
    stored = store.areas(opts.city)

    def read(rows: FeatureSource) -> tuple[list[Problem], list[tuple[int, Area]]]:
        batch: pipeline.Batch[Area] = pipeline.Batch.of(rows, cols)
        if town_list:
            areas = _from_town_list(store, batch, rows, cols, opts, report)
        else:
            flagged = {p.row for p in rows.problems}
            for row in rows.rows:
                part = _row_area(batch, row, cols, opts, report, row.number in flagged)
                if part is not None:
                    batch.keep(row.number, part)
            areas = _merge(batch, opts.city, cols["id"] or cols["name"], report)
        areas = _with_parents(batch, opts.city, areas, stored, cols["parent"])
        pipeline.explain_guesses(batch.problems, cols, named)
        return batch.problems, areas

    areas = rejects.collect(read)
    rejects.accept()
    levels = {a.level for _, a in areas}
    target = _Areas(store, opts.city, source_name(src.name) or src.name, levels)
    pipeline.apply(
        report, [a for _, a in areas], target, dry_run=opts.dry_run,
        part_of_source=rejects.part_of_source,
    )  # fmt: skip
    return report


def _from_town_list(
    store: Store,
    batch: pipeline.Batch[Area],
    src: FeatureSource,
    cols: dict[str, str | None],
    opts: AreaImportOptions,
    report: ImportReport,
) -> list[tuple[int, Area]]:
    """A town list's areas; the report counts its rows as town rows until they are accepted,
    then its areas."""
    report.what = "town rows"

    def make(row: Row) -> Area | None:  # not kept in the batch: asks it whether it can be
        area = _area_of(batch, row, cols, opts, MultiPolygon())
        return area if area is None or batch.storable(row.number, area) else None

    wards = {w.code for w in municipal_wards(opts.city)}
    drawn: dict[str, MultiPolygon] = {}
    for a in sorted(store.areas(opts.city), key=lambda a: -a.level):  # the widest wins
        if (code := area_source_id(opts.city, a.id)) in wards:
            drawn[code] = a.geometry
    areas = town_list_areas(batch, src, cols, report, make, opts.town_boundaries, drawn)
    areas = [(n, a) for n, a in areas if not _far_from_city(batch, n, a, opts.city)]
    if not batch.problems:
        report.what, report.rows = "areas", len(areas)
    return areas


def _row_area(
    batch: pipeline.Batch[Area],
    row: Row,
    cols: dict[str, str | None],
    opts: AreaImportOptions,
    report: ImportReport,
    reader_flagged: bool,
) -> Area | None:
    """The area one feature draws (merged later with others of the same id), or None."""
    name = pipeline.text_of(row.props, cols["name"])
    if not name:
        batch.refuse(row.number, "empty name", field=cols["name"])
        return None
    poly = _row_polygon(batch, row, name, report, reader_flagged)
    if poly is None:
        return None
    return _area_of(batch, row, cols, opts, poly)


def _area_of(
    batch: pipeline.Batch[Area],
    row: Row,
    cols: dict[str, str | None],
    opts: AreaImportOptions,
    poly: MultiPolygon,
) -> Area | None:
    """The area a row's columns describe, with the polygon given; None with a problem."""
    name = pipeline.text_of(row.props, cols["name"]) or ""
    level = opts.level
    if level is None:
        raw = pipeline.text_of(row.props, cols["level"])
        try:
            level = int(float(raw)) if raw else 2
        except ValueError:
            batch.refuse(row.number, "level must be a whole number", field=cols["level"], value=raw)
            return None
    try:
        contacts = contacts_from_props(row.props, cols["contacts"])
    except ContactError as exc:
        batch.refuse(row.number, str(exc), field=cols["contacts"] or "contacts")
        return None
    parent = pipeline.text_of(row.props, cols["parent"])
    demo = cols["demo"]
    return Area(
        id=area_id(opts.city, pipeline.text_of(row.props, cols["id"]), level, name),
        city=opts.city,
        level=level,
        name=name,
        geometry=poly,
        parent=parent,  # the file's own id of the parent, resolved by _with_parents
        name_kana=pipeline.text_of(row.props, cols["name_kana"]),
        contacts=contacts,
        source=pipeline.text_of(row.props, cols["source"]) or batch.file,
        source_date=pipeline.text_of(row.props, cols["source_date"]),
        demo=str(row.props.get(demo)).strip().lower() in _TRUE if demo else False,
    )


def _row_polygon(
    batch: pipeline.Batch[Area], row: Row, name: str, report: ImportReport, reader_flagged: bool
) -> MultiPolygon | None:
    """A feature's polygon, repaired when invalid (and said so); None with a problem else."""
    geom = row.geometry
    if geom is None or geom.is_empty:
        if not reader_flagged:  # else the reader has said why
            batch.refuse(row.number, "no geometry (an area needs a polygon)", field="geometry")
        return None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = _polygonal(shapely.make_valid(geom))
        if fixed is None or fixed.area < _NO_AREA:
            batch.refuse(
                row.number,
                f"invalid polygon that cannot be repaired: {reason}",
                field="geometry",
            )
            return None
        report.repaired.append(f"{batch.row_label} {row.number} ({name}): repaired {reason}")
        return fixed
    poly = _polygonal(geom)
    if poly is None:
        batch.refuse(
            row.number, f"an area must be a polygon, not a {geom.geom_type}", field="geometry"
        )
    elif poly.area < _NO_AREA:  # GEOS calls a ring of collinear points valid
        batch.refuse(row.number, "the polygon has no area", field="geometry")
        return None
    return poly


def _merge(
    batch: pipeline.Batch[Area], city: str, id_field: str | None, report: ImportReport
) -> list[tuple[int, Area]]:
    """One area per id, from the features sharing it, with the first feature's row number.

    Features sharing an id must agree on name and level; an area away from the city's outline
    is refused (a wrong --city or coordinate system).
    """
    groups: dict[str, list[tuple[int, Area]]] = {}
    for n, part in batch.rows:
        groups.setdefault(part.id, []).append((n, part))
    areas: list[tuple[int, Area]] = []
    for key, parts in groups.items():
        first_n, first = parts[0]
        for n, other in parts[1:]:
            if other.name != first.name or other.level != first.level:
                batch.refuse(
                    n,
                    f"duplicate id with a different name or level than {batch.row_label} {first_n}",
                    field=id_field,
                    value=key,
                )
        poly = _polygonal(unary_union([p.geometry for _, p in parts])) or MultiPolygon()
        merged = replace(first, geometry=poly)
        if _far_from_city(batch, first_n, merged, city):
            continue
        if len(parts) > 1:
            report.notes.append(f"{first.name}: {len(parts)} features merged into one area")
        areas.append((first_n, merged))
    return areas


def _far_from_city(batch: pipeline.Batch[Area], row: int, area: Area, city: str) -> bool:
    """Refuse an area away from the city's outline (a wrong --city or coordinate system)."""
    far = geometry_outside_outline_m(city, area.geometry)
    if far > OUTLINE_TOLERANCE_M:
        batch.refuse(
            row,
            f"the area lies outside the city ({far / 1000:,.1f} km from its outline)",
            value=area.name,
            hint="check --city and the file's coordinates "
            "(市区町村コードと座標系を確認してください)",
        )
        return True
    return False


def _with_parents(
    batch: pipeline.Batch[Area],
    city: str,
    areas: list[tuple[int, Area]],
    stored: list[Area],
    parent_field: str | None,
) -> list[tuple[int, Area]]:
    """Each area with its parent's id: the area the parent column names by its own id, at the
    nearest wider level, in the file or the store (else refused: import the wider level first)."""
    known: dict[str, list[tuple[int, str]]] = {}
    for a in [*stored, *(a for _, a in areas)]:
        known.setdefault(area_source_id(city, a.id), []).append((a.level, a.id))
    ids = {a.id for _, a in areas} | {a.id for a in stored}
    out = []
    for n, a in areas:
        if a.parent:
            parent = parent_area_id(city, a.parent, a.level, known)
            if parent not in ids:
                batch.refuse(
                    n,
                    f"area {a.name}: parent {a.parent!r} is not a known area",
                    field=parent_field,
                    value=a.parent,
                    hint="import the parent level first",
                )
            a = replace(a, parent=parent)
        out.append((n, a))
    return out


class _Areas(pipeline.HashedDestination[Area]):
    """The file speaks for the stored areas of the levels it brings."""

    def __init__(self, store: Store, city: str, source: str, levels: set[int]) -> None:
        super().__init__(store, city, source)
        self.levels = levels

    def stored(self) -> dict[str, str]:
        return self.store.area_hashes(self.city)

    def missing(self, stored: Mapping[str, str], in_file: AbstractSet[str]) -> pipeline.Named:
        return [
            (a.id, a.name)
            for a in self.store.areas(self.city)
            if a.level in self.levels and a.id not in in_file
        ]

    def write(self, changes: ChangeSet[Area]) -> None:
        self.store.apply_areas(AreaChanges(upsert=changes.records))
