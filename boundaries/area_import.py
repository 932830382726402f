"""Importing areas (wards, daily-living areas, 第2層 districts) from boundary files, all or none."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from boundaries.contacts import ContactError, contacts_from_props
from geo.errors import InputError, Problem, UsageError
from geo.ingest.extent import OUTLINE_TOLERANCE_M, geometry_outside_outline_m
from geo.ingest.ids import area_id
from geo.ingest.report import ImportReport
from geo.io.columns import find_column
from geo.io.features import read_features
from geo.model import Area
from geo.store.base import AreaChanges, Store
from geo.text import clean

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
    "name": ("name", "名称", "圏域名", "地区名", "area_name", "ward_name", "N03_004", "N03_003"),
    "name_kana": ("name_kana", "kana", "ふりがな", "フリガナ", "よみがな"),
    "level": ("level", "階層", "層"),
    "parent": ("parent", "parent_id", "親", "上位地区"),
    "contacts": ("contacts", "連絡先"),
    "source": ("source", "出典"),
    "source_date": ("source_date", "date", "時点", "作成日"),
    "demo": ("demo",),
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
    """Read, repair, merge and apply an areas file; InputError (store untouched) on bad input."""
    if opts.level is not None and opts.level < 1:
        raise UsageError("--level must be 1 or more (1 = the widest division inside the city)")
    src = read_features(path, layer=opts.layer)
    report = ImportReport(file=src.name, what="areas", city=opts.city, rows=len(src.rows))
    report.dry_run = opts.dry_run
    cols = {
        f: find_column(
            src.columns,
            names,
            {"id": opts.id_field, "name": opts.name_field, "parent": opts.parent_field}.get(f),
        )
        for f, names in FIELDS.items()
    }
    if cols["name"] is None:
        raise InputError(
            [
                Problem(
                    file=src.name,
                    reason="no name column",
                    hint="name a column with --name-field; looked for: "
                    + ", ".join(FIELDS["name"]),
                )
            ]
        )

    problems: list[Problem] = list(src.problems)
    flagged = {p.row for p in src.problems}
    groups: OrderedDict[str, list[tuple[int, dict[str, object], MultiPolygon]]] = OrderedDict()
    for row in src.rows:

        def problem(
            field: str | None,
            reason: str,
            value: object = None,
            hint: str | None = None,
            _n: int = row.number,
        ) -> Problem:
            return Problem(
                file=src.name,
                row=_n,
                row_label=src.row_label,
                field=field,
                value=value,
                reason=reason,
                hint=hint,
            )

        name = clean(row.props.get(cols["name"]))
        if not name:
            problems.append(problem(cols["name"], "empty name"))
            continue
        level = opts.level
        if level is None:
            raw = clean(row.props.get(cols["level"])) if cols["level"] else None
            try:
                level = int(float(raw)) if raw else 2
            except ValueError:
                problems.append(problem(cols["level"], "level must be a whole number", raw))
                continue
        geom = row.geometry
        if geom is None or geom.is_empty:
            if row.number not in flagged:  # else the reader has said why
                problems.append(problem("geometry", "no geometry (an area needs a polygon)"))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom))
            if fixed is None or fixed.area < _NO_AREA:
                problems.append(
                    problem("geometry", f"invalid polygon that cannot be repaired: {reason}")
                )
                continue
            report.repaired.append(f"{src.row_label} {row.number} ({name}): repaired {reason}")
            poly = fixed
        else:
            poly = _polygonal(geom)
            if poly is None:
                problems.append(
                    problem("geometry", f"an area must be a polygon, not a {geom.geom_type}")
                )
                continue
            if poly.area < _NO_AREA:  # GEOS calls a ring of collinear points valid
                problems.append(problem("geometry", "the polygon has no area"))
                continue
        source_id = clean(row.props.get(cols["id"])) if cols["id"] else None
        try:
            contacts = contacts_from_props(row.props, cols["contacts"])
        except ContactError as exc:
            problems.append(problem(cols["contacts"] or "contacts", str(exc)))
            continue
        key = area_id(opts.city, source_id, level, name)
        groups.setdefault(key, []).append(
            (
                row.number,
                {
                    "name": name,
                    "level": level,
                    "contacts": contacts,
                    "parent": clean(row.props.get(cols["parent"])) if cols["parent"] else None,
                    "name_kana": clean(row.props.get(cols["name_kana"]))
                    if cols["name_kana"]
                    else None,
                    "source": (clean(row.props.get(cols["source"])) if cols["source"] else None)
                    or src.name,
                    "source_date": clean(row.props.get(cols["source_date"]))
                    if cols["source_date"]
                    else None,
                    "demo": str(row.props.get(cols["demo"])).strip().lower() in _TRUE
                    if cols["demo"]
                    else False,
                },
                poly,
            )
        )

    areas: list[Area] = []
    first_row: dict[str, int] = {}
    for key, parts in groups.items():
        first_n, first, _ = parts[0]
        first_row[key] = first_n
        for n, attrs, _ in parts[1:]:
            if attrs["name"] != first["name"] or attrs["level"] != first["level"]:
                problems.append(
                    Problem(
                        file=src.name,
                        row=n,
                        row_label=src.row_label,
                        field=cols["id"] or cols["name"],
                        value=key,
                        reason=f"duplicate id with a different name or level than "
                        f"{src.row_label} {first_n}",
                    )
                )
        merged = unary_union([p for _, _, p in parts])
        poly = _polygonal(merged) or MultiPolygon()
        far = geometry_outside_outline_m(opts.city, poly)
        if far > OUTLINE_TOLERANCE_M:
            problems.append(
                Problem(
                    file=src.name,
                    row=first_n,
                    row_label=src.row_label,
                    value=first["name"],
                    reason="the area lies outside the city "
                    f"({far / 1000:,.1f} km from its outline)",
                    hint="check --city and the file's coordinates "
                    "(市区町村コードと座標系を確認してください)",
                )
            )
            continue
        if len(parts) > 1:
            report.notes.append(f"{first['name']}: {len(parts)} features merged into one area")
        parent = first["parent"]
        areas.append(
            Area(
                id=key,
                city=opts.city,
                level=int(first["level"]),  # type: ignore[call-overload]
                name=str(first["name"]),
                geometry=poly,
                parent=area_id(opts.city, str(parent), 0, "") if parent else None,
                name_kana=first["name_kana"],  # type: ignore[arg-type]
                contacts=first["contacts"],  # type: ignore[arg-type]
                source=first["source"],  # type: ignore[arg-type]
                source_date=first["source_date"],  # type: ignore[arg-type]
                demo=bool(first["demo"]),
            )
        )

    known_ids = {a.id for a in areas} | set(store.area_hashes(opts.city))
    for a in areas:
        if a.parent and a.parent not in known_ids:
            problems.append(
                Problem(
                    file=src.name,
                    row=first_row[a.id],
                    row_label=src.row_label,
                    value=a.parent,
                    reason=f"area {a.name}: parent {a.parent!r} is not a known area",
                    field=cols["parent"],
                    hint="import the parent level first",
                )
            )
    if problems:
        report.problems = problems
        report.rejected = len({p.row for p in problems})
        raise InputError(problems)

    stored = store.area_hashes(opts.city)
    for a in areas:
        old = stored.get(a.id)
        if old is None:
            report.added += 1
        elif old == a.content_hash():
            report.unchanged += 1
        else:
            report.updated += 1
    levels = {a.level for a in areas}
    in_file = {a.id for a in areas}
    report.missing = [
        (x.id, x.name) for x in store.areas(opts.city) if x.level in levels and x.id not in in_file
    ]
    report.rows = len(src.rows)
    if not opts.dry_run and report.changed:
        store.apply_areas(AreaChanges(upsert=areas))
    return report
