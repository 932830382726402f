"""What reading a population file shares, whatever its kind (mesh or 町丁目)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from boundaries.population.counts import CountColumns
from geo.ingest.pipeline import Batch
from geo.ingest.rejects import SkipOptions
from geo.ingest.report import ImportReport
from geo.io.source import FeatureSource
from geo.model import PopulationCell
from geo.store.base import Store


@dataclass(frozen=True)
class PopulationImportOptions:
    """What the caller said about the file."""

    city: str
    year: str | None = None  # for rows without a survey date of their own
    boundaries: Path | None = None  # town polygons, matched to rows by name
    boundary_name_field: str | None = None
    layer: str | None = None  # of the population file (GeoPackage layer, XLSX sheet)
    dry_run: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)  # --field NAME=COLUMN
    skip: SkipOptions = SkipOptions()


@dataclass
class PopulationFile:
    """One population file being read: its rows and count columns, where its cells go, the
    report its notes go to, and the batch its problems go to."""

    store: Store
    src: FeatureSource
    counts: CountColumns
    opts: PopulationImportOptions
    report: ImportReport
    batch: Batch[PopulationCell]
    named: Mapping[str, str] = field(default_factory=dict)  # the columns the caller named
