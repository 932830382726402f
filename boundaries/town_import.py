"""Importing town points (町丁目/大字 with a representative point), so residents can say where
they live by name rather than by GPS."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Point

from geo.errors import InputError, Problem
from geo.ingest.extent import outside_city
from geo.ingest.report import ImportReport
from geo.io.columns import find_column, problems_for_duplicates
from geo.io.features import read_features
from geo.japan.coords import japan_point_problem
from geo.model import Town
from geo.store.base import Store
from geo.text import clean, fold

FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "town_id", "町丁目コード", "町字id", "key_code"),
    "name": ("name", "town", "町丁目", "町丁目名", "町名", "大字町丁目名", "regionName", "名称"),
    "kana": ("kana", "town_kana", "ふりがな", "フリガナ", "よみがな"),
    "area": ("area", "ward_name", "区", "区名", "地区", "地区名"),
    "demo": ("demo",),
}


@dataclass(frozen=True)
class TownImportOptions:
    """What the caller said about the file."""

    city: str
    name_field: str | None = None
    layer: str | None = None
    dry_run: bool = False


def town_id(city: str, area: str | None, name: str) -> str:
    """Stable from the town's name and the ward it is in (names repeat across wards)."""
    body = f"{fold(area)}|{fold(name)}"
    return f"{city}-t-{hashlib.sha1(body.encode('utf-8')).hexdigest()[:10]}"


def import_towns(store: Store, path: str | Path, opts: TownImportOptions) -> ImportReport:
    """Read and apply a town-points file; raise InputError (store untouched) on any bad row."""
    src = read_features(path, layer=opts.layer)
    report = ImportReport(file=src.name, what="towns", city=opts.city, rows=len(src.rows))
    report.dry_run = opts.dry_run
    explicit = {"name": opts.name_field}
    cols = {f: find_column(src.columns, a, explicit.get(f)) for f, a in FIELDS.items()}
    if cols["name"] is None:
        raise InputError([Problem(
            file=src.name, reason="no town-name column",
            hint="name it with --name-field; looked for: " + ", ".join(FIELDS["name"]),
        )])
    outside = outside_city(store, opts.city)
    problems: list[Problem] = list(src.problems)
    towns: list[tuple[int, Town]] = []
    for row in src.rows:
        name = clean(row.props.get(cols["name"]))
        where = {"file": src.name, "row": row.number, "row_label": src.row_label}
        if not name:
            problems.append(Problem(**where, field=cols["name"], reason="empty town name"))  # type: ignore[arg-type]
            continue
        geom = row.geometry
        if geom is None or geom.is_empty:
            problems.append(Problem(**where, reason="no location"))  # type: ignore[arg-type]
            continue
        pt = geom if isinstance(geom, Point) else geom.representative_point()
        bad = japan_point_problem(pt.x, pt.y)
        why = bad[0] if bad else outside(pt.x, pt.y)
        if why:
            problems.append(Problem(**where, reason=why, value=f"lat {pt.y}, lon {pt.x}",  # type: ignore[arg-type]
                                    hint=bad[1] if bad else "check --city"))
            continue
        area = clean(row.props.get(cols["area"])) if cols["area"] else None
        source_id = clean(row.props.get(cols["id"])) if cols["id"] else None
        demo_raw = str(row.props.get(cols["demo"])).strip().lower() if cols["demo"] else ""
        towns.append((row.number, Town(
            id=f"{opts.city}-t-{source_id}" if source_id else town_id(opts.city, area, name),
            city=opts.city, name=name, lon=float(pt.x), lat=float(pt.y),
            kana=clean(row.props.get(cols["kana"])) if cols["kana"] else None,
            area=area, source=src.name, demo=demo_raw in {"true", "1", "yes"},
        )))
    problems.extend(problems_for_duplicates(
        src.name, src.row_label, [(n, t.id) for n, t in towns], cols["id"] or cols["name"] or ""
    ))
    if problems:
        report.problems = problems
        report.rejected = len({p.row for p in problems})
        raise InputError(problems)
    stored = {t.id: t for t in store.towns(opts.city)}
    for _, t in towns:
        old = stored.get(t.id)
        if old is None:
            report.added += 1
        elif old == t:
            report.unchanged += 1
        else:
            report.updated += 1
    in_file = {t.id for _, t in towns}
    report.missing = [(t.id, t.name) for t in stored.values()
                      if t.source == src.name and t.id not in in_file]
    if not opts.dry_run and report.changed:
        store.put_towns([t for _, t in towns])
    return report
