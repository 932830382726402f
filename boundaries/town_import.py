"""Importing town points (町丁目/大字 with a representative point), so residents can say where
they live by name rather than by GPS."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from geo.errors import Problem
from geo.ingest import pipeline
from geo.ingest.changes import ChangeSet
from geo.ingest.extent import outside_city
from geo.ingest.rejects import Rejects, SkipOptions, source_name
from geo.ingest.report import ImportReport
from geo.io.features import read_features
from geo.io.source import FeatureSource, Row
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
    fields: Mapping[str, str] = field(default_factory=dict)  # --field NAME=COLUMN
    skip: SkipOptions = SkipOptions()


def town_id(city: str, area: str | None, name: str) -> str:
    """Stable from the town's name and the ward it is in (names repeat across wards)."""
    body = f"{fold(area)}|{fold(name)}"
    return f"{city}-t-{hashlib.sha1(body.encode('utf-8')).hexdigest()[:10]}"


def import_towns(store: Store, path: str | Path, opts: TownImportOptions) -> ImportReport:
    """Read and apply a town-points file; raise InputError (store untouched) on any bad row,
    or with --skip-invalid apply the good rows and write the others to a rejects file."""
    named = pipeline.named_fields(opts.fields, FIELDS, name=opts.name_field)
    src = read_features(path, layer=opts.layer)
    report = ImportReport(
        file=src.name, what="towns", city=opts.city, rows=len(src.rows), dry_run=opts.dry_run
    )
    rejects: Rejects[list[Town]] = Rejects(src, report, opts.skip)
    src = rejects.src
    cols = pipeline.find_columns(src.columns, FIELDS, named)
    name_col = cols["name"]
    if name_col is None:
        raise pipeline.file_error(
            src.name, "no town-name column",
            "name it with --field name=COLUMN; looked for: " + ", ".join(FIELDS["name"]),
        )  # fmt: skip
    outside = outside_city(store, opts.city)
    source = source_name(src.name) or src.name
    geo_field = "/".join(src.geometry_columns) or "geometry"

    def read(rows: FeatureSource) -> tuple[list[Problem], list[Town]]:
        batch: pipeline.Batch[Town] = pipeline.Batch.of(rows, cols)
        for row in rows.rows:
            town = _row_town(batch, row, name_col, geo_field, outside)
            if town is not None:
                name, pt = town
                batch.keep(row.number, _town(row.props, cols, opts.city, source, name, pt))
        batch.refuse_repeats(cols["id"] or name_col)
        pipeline.explain_guesses(batch.problems, cols, named)
        return batch.problems, batch.records

    towns = rejects.collect(read)
    rejects.accept()
    pipeline.apply(
        report, towns, _Towns(store, opts.city, source), dry_run=opts.dry_run,
        part_of_source=rejects.part_of_source,
    )  # fmt: skip
    return report


def _row_town(
    batch: pipeline.Batch[Town],
    row: Row,
    name_col: str,
    geo_field: str,
    outside: Callable[[float, float], str | None],
) -> tuple[str, Point] | None:
    """A row's town name and point; None with a problem."""
    name = clean(row.props.get(name_col))
    if not name:
        batch.refuse(row.number, "empty town name", field=name_col)
        return None
    geom = row.geometry
    if geom is None or geom.is_empty:
        batch.refuse(row.number, "no location", field=geo_field)
        return None
    pt = geom if isinstance(geom, Point) else geom.representative_point()
    bad = japan_point_problem(pt.x, pt.y)
    why = bad[0] if bad else outside(pt.x, pt.y)
    if why:
        batch.refuse(
            row.number, why, field=geo_field, value=f"lat {pt.y}, lon {pt.x}",
            hint=bad[1] if bad else "check --city",
        )  # fmt: skip
        return None
    return name, pt


def _town(
    props: dict[str, Any], cols: dict[str, str | None], city: str, file: str, name: str, pt: Point
) -> Town:
    area = pipeline.text_of(props, cols["area"])
    source_id = pipeline.text_of(props, cols["id"])
    demo_raw = str(props.get(cols["demo"])).strip().lower() if cols["demo"] else ""
    return Town(
        id=f"{city}-t-{source_id}" if source_id else town_id(city, area, name),
        city=city, name=name, lon=float(pt.x), lat=float(pt.y),
        kana=pipeline.text_of(props, cols["kana"]), area=area, source=file,
        demo=demo_raw in {"true", "1", "yes"},
    )  # fmt: skip


class _Towns(pipeline.Destination[Town, Town]):
    """Towns are compared whole; the file speaks for the stored towns it brought before."""

    def stored(self) -> dict[str, Town]:
        return {t.id: t for t in self.store.towns(self.city)}

    def unchanged(self, record: Town, old: Town) -> bool:
        return old == record

    def missing(self, stored: Mapping[str, Town], in_file: AbstractSet[str]) -> pipeline.Named:
        return [
            (t.id, t.name)
            for t in stored.values()
            if t.source == self.source and t.id not in in_file
        ]

    def write(self, changes: ChangeSet[Town]) -> None:
        self.store.put_towns(changes.records)
