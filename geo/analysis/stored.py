"""A city's coverage as a batch keeps it in the store: the walk asked about, the method, when and
how long it took, the city's figures, and every area's and every cell's figures.

Both stores keep one record per city (a newer batch replaces it), written in one transaction; the
national overview reads the city figures, a city's details read the areas and cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.analysis.params import json_ready
from geo.analysis.results import CoverageResult

#: The columns both stores keep beside the areas, cells and notes (JSON documents).
SUMMARY_FIELDS: tuple[str, ...] = (
    "city", "computed_at", "seconds", "method", "minutes", "speed_kmh", "threshold_m", "age",
    "max_distance_m", "older_population", "covered_older_population", "covered_share",
)  # fmt: skip


@dataclass(frozen=True)
class StoredCoverage:
    """One city's coverage, as computed by a batch.

    Attributes
    ----------
    city
        The 5-digit municipal code.
    computed_at, seconds
        When it was computed (ISO 8601 UTC) and how long the city took (loading its data,
        preparing the model, answering), in seconds.
    method, minutes, speed_kmh, threshold_m, age, max_distance_m
        How: ``network`` or ``straight-line``, and the walk (as every coverage answer states it).
    older_population, covered_older_population, covered_share
        The whole city's figures (``covered_share`` ``None`` without older residents).
    categories
        The gathering categories that counted (``None``: all of them).
    areas
        Each area's figures, as the coverage API answers them (distances beyond reach ``None``).
    cells
        Each population cell's ``cell_id``, ``code``, ``older_population``,
        ``covered_older_population``, ``covered_share`` and ``median_distance_m``.
    notes
        What the answer's notes said (the method, the population's placement …).
    """

    city: str
    computed_at: str
    seconds: float
    method: str
    minutes: float
    speed_kmh: float
    threshold_m: float
    age: int
    max_distance_m: float | None
    older_population: float
    covered_older_population: float
    covered_share: float | None
    categories: tuple[str, ...] | None = None
    areas: tuple[dict[str, Any], ...] = ()
    cells: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """The city's figures and the walk: the columns a store keeps and the overview lists."""
        out: dict[str, Any] = {name: getattr(self, name) for name in SUMMARY_FIELDS}
        return out

    def documents(self) -> dict[str, Any]:
        """The JSON-ready parts kept as documents: categories, areas, cells, notes."""
        return {
            "categories": None if self.categories is None else list(self.categories),
            "areas": list(self.areas),
            "cells": list(self.cells),
            "notes": list(self.notes),
        }


def stored_coverage(
    city: str,
    result: CoverageResult,
    cells: dict[str, NDArray[Any]],
    *,
    computed_at: str,
    seconds: float,
) -> StoredCoverage:
    """The record of a coverage answer and its cells (:meth:`CoverageModel.cells`)."""
    answer = result.as_dict()
    whole = answer["city"]
    return StoredCoverage(
        city=city,
        computed_at=computed_at,
        seconds=float(seconds),
        method=result.method,
        minutes=float(result.minutes),
        speed_kmh=float(result.speed_kmh),
        threshold_m=float(result.threshold_m),
        age=int(result.age),
        max_distance_m=answer["max_distance_m"],
        older_population=float(whole["older_population"]),
        covered_older_population=float(whole["covered_older_population"]),
        covered_share=whole["covered_share"],
        categories=result.categories,
        areas=tuple(answer["areas"]),
        cells=tuple(cell_rows(cells)),
        notes=tuple(result.notes),
    )


def cell_rows(cells: dict[str, NDArray[Any]]) -> list[dict[str, Any]]:
    """Columns → JSON-ready rows; a cell without older residents has no share and no walk."""
    older = cells["older_population"].tolist()
    covered = cells["covered_older_population"].tolist()
    median = np.asarray(cells["median_distance_m"], dtype=np.float64).tolist()
    rows = []
    for cid, code, o, c, m in zip(cells["cell_id"].tolist(), cells["code"].tolist(), older,
                                  covered, median, strict=True):  # fmt: skip
        has = o > 0
        rows.append({
            "cell_id": cid,
            "code": code,
            "older_population": o,
            "covered_older_population": c,
            "covered_share": c / o if has else None,
            "median_distance_m": m if has and math.isfinite(m) else None,
        })  # fmt: skip
    rows_ready: list[dict[str, Any]] = json_ready(rows)
    return rows_ready


def from_row(row: Any, documents: dict[str, Any] | None = None) -> StoredCoverage:
    """A record from a store's row (its summary columns) and, when read, its decoded documents."""
    docs = documents or {}
    categories = docs.get("categories")
    return StoredCoverage(
        **{name: row[name] for name in SUMMARY_FIELDS},
        categories=None if categories is None else tuple(categories),
        areas=tuple(docs.get("areas") or ()),
        cells=tuple(docs.get("cells") or ()),
        notes=tuple(docs.get("notes") or ()),
    )
