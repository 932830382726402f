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

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

from boundaries.population.common import PopulationFile, PopulationImportOptions
from boundaries.population.counts import (
    COUNT_FIELDS,
    CountColumns,
    age_band,
    count_columns,
    count_value,
)
from boundaries.population.mesh import MESH_CODE_FIELDS, mesh_cells
from boundaries.population.towns import TOWN_NAME_FIELDS, town_cells
from geo.analysis.prepared import keep_prepared
from geo.errors import Problem
from geo.ingest import pipeline
from geo.ingest.changes import ChangeSet
from geo.ingest.rejects import Rejects, source_name
from geo.ingest.report import ImportReport
from geo.io.columns import find_column
from geo.io.features import read_features
from geo.io.source import FeatureSource
from geo.model import PopulationCell
from geo.store.base import Store

__all__ = [
    "CountColumns",
    "PopulationImportOptions",
    "age_band",
    "count_columns",
    "count_value",
    "import_population",
]


#: What --field names in a population file (besides the count columns, "total", "65+", "75+").
FIELDS = ("town", "mesh", "id", "ward", "year", "city", *COUNT_FIELDS)


def import_population(
    store: Store, path: str | Path, opts: PopulationImportOptions
) -> ImportReport:
    """Read and apply a population file; raise InputError (store untouched) on any bad row,
    or with --skip-invalid apply the good rows and write the others to a rejects file."""
    named = pipeline.named_fields(opts.fields, FIELDS)
    src = read_features(path, layer=opts.layer, label_line=True)
    report = ImportReport(
        file=src.name, what="population cells", city=opts.city, rows=len(src.rows),
        dry_run=opts.dry_run,
    )  # fmt: skip
    rejects: Rejects[list[PopulationCell]] = Rejects(src, report, opts.skip)
    src = rejects.src
    columns = count_columns(src, named)
    mesh_col = find_column(src.columns, MESH_CODE_FIELDS, named.get("mesh"))
    name_col = find_column(src.columns, TOWN_NAME_FIELDS, named.get("town"))
    if "town" in named:
        mesh_col = None
    elif "mesh" in named:
        name_col = None
    if mesh_col is None and name_col is None:
        raise pipeline.file_error(
            src.name, "neither a mesh-code column nor a town-name column",
            "name one with --field town=COLUMN or --field mesh=COLUMN; mesh: KEY_CODE or "
            "メッシュコード; towns: " + ", ".join(TOWN_NAME_FIELDS),
        )  # fmt: skip
    guessed = {"town": name_col, "mesh": mesh_col, **columns.guessed()}
    cell_columns = {  # a cell's fields by the column they come from, to name a refused value
        "code": mesh_col or name_col, "name": name_col,
        **{f: c[0] for f, c in vars(columns).items() if f != "labels" and len(c) == 1},
    }  # fmt: skip

    def read(rows: FeatureSource) -> tuple[list[Problem], list[PopulationCell]]:
        batch: pipeline.Batch[PopulationCell] = pipeline.Batch.of(rows, cell_columns)
        file = PopulationFile(store, rows, columns, opts, report, batch, named)
        if name_col is not None:
            cells = town_cells(file, name_col)
        else:
            assert mesh_col is not None
            cells = mesh_cells(file, mesh_col)
        pipeline.explain_guesses(file.batch.problems, guessed, named)
        return file.batch.problems, cells

    cells = rejects.collect(read)
    rejects.accept()
    report.notes.insert(1, f"columns: {columns.describe()}")
    report.notes.append(
        f"{len(cells):,} cells: {_people(sum(c.total for c in cells))} people, "
        f"{_people(sum(c.age65 for c in cells))} aged 65+, "
        f"{_people(sum(c.age75 for c in cells))} aged 75+"
    )
    target = _Cells(store, opts.city, source_name(src.name) or src.name)
    pipeline.apply(
        report, cells, target, dry_run=opts.dry_run, part_of_source=rejects.part_of_source
    )
    return report


class _Cells(pipeline.HashedDestination[PopulationCell]):
    """The file speaks for the stored cells it brought before; only changed cells are written."""

    def stored(self) -> dict[str, str]:
        return self.store.population_hashes(self.city)

    def missing(self, stored: Mapping[str, str], in_file: AbstractSet[str]) -> pipeline.Named:
        return [
            (c.id, c.name or c.code)
            for c in self.store.population(self.city)
            if c.source == self.source and c.id not in in_file
        ]

    def write(self, changes: ChangeSet[PopulationCell]) -> None:
        self.store.put_population(changes.changed)
        keep_prepared(self.store, self.city)  # the cells spread over the streets, kept


def _people(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
