"""What coverage and gaps answer: per-area figures, gap cells, and the parameters used.

Coverage is a handful of records; gaps may be thousands of cells, so they are held as columns
and turned into records or JSON-ready rows only when asked, with the garbage collector paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.analysis.params import WalkAnswer, json_ready


@dataclass(frozen=True)
class AreaCoverage:
    """Coverage of one area (or of the whole city, with ``area_id`` ``None``).

    Attributes
    ----------
    older_population : float
        Residents aged ``age`` and over whose demand points lie in the area.
    covered_older_population : float
        Of them, those within the threshold of a gathering place.
    covered_share : float | None
        ``covered / older`` (0–1); ``None`` when the area has no older residents.
    places : int
        Gathering places (in the categories asked for) located in the area.
    median_distance_m, p90_distance_m : float | None
        Walk to the nearest gathering place that half / 90 % of the older residents are within,
        metres rounded up to whole metres; ``inf`` when farther than the search radius or
        unreachable, ``None`` when the area has no older residents.
    """

    area_id: str | None
    name: str
    level: int | None
    older_population: float
    covered_older_population: float
    covered_share: float | None
    places: int
    median_distance_m: float | None
    p90_distance_m: float | None


@dataclass(frozen=True)
class CoverageResult(WalkAnswer):
    """Coverage per area and for the whole city, after the method and parameters used.

    ``max_distance_m`` is the search radius beyond which distances read ``inf``.
    """

    max_distance_m: float | None
    areas: tuple[AreaCoverage, ...]
    city: AreaCoverage
    notes: tuple[str, ...]


@dataclass(slots=True)
class Gap:
    """A population cell whose older residents are mostly beyond reach.

    Attributes
    ----------
    cell_id, code : str
        The :class:`~geo.model.PopulationCell` ``id`` and ``code``.
    lon, lat : float
        A representative point of the cell (its point, or centroid), WGS84.
    older_population, uncovered_older_population : float
        Residents aged ``age``+ in the cell, and those beyond the threshold.
    covered_share : float
        ``1 - uncovered / older``.
    distance_m : float
        Walk from the cell's median older resident to the nearest gathering place, metres
        rounded up; ``inf`` beyond the search radius or unreachable.
    nearest_distance_m : float
        The shortest such walk from anywhere in the cell (its closest street point), metres.
    nearest_place_id : str | None
        The place that closest walk leads to.
    area_id, area_name : str | None
        The deepest area holding the cell's representative point.
    placement : str
        How the cell's people were placed (:mod:`geo.analysis.demand`: ``streets``, ``point`` …).
    """

    cell_id: str
    code: str
    lon: float
    lat: float
    older_population: float
    uncovered_older_population: float
    covered_share: float
    distance_m: float
    nearest_distance_m: float
    nearest_place_id: str | None
    area_id: str | None
    area_name: str | None
    placement: str


GAP_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Gap))


@dataclass(frozen=True)
class GapsResult(WalkAnswer):
    """Gap cells ranked by uncovered older population, after the method and parameters used.

    The cells are held as columns (:attr:`columns`, one numpy array per :class:`Gap` field,
    in rank order), so answering costs no Python object per cell; :attr:`gaps` builds the
    records on first use and :meth:`as_dict` builds JSON-ready ones.
    """

    max_distance_m: float | None
    min_uncovered_share: float
    uncovered_older_population: float  # the whole city's, gap cells or not
    count: int  # gap cells in the answer
    notes: tuple[str, ...]
    columns: dict[str, NDArray[Any]] = field(repr=False, compare=False)

    @cached_property
    def gaps(self) -> tuple[Gap, ...]:
        """The gap cells as :class:`Gap` records, most uncovered older residents first."""
        cols = [self.columns[name].tolist() for name in GAP_FIELDS]
        # with the collector paused: thousands of new records otherwise set off full
        # collections over every object the process holds (3-7× slower)
        with collector_paused():
            return tuple(map(Gap, *cols))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; distances beyond reach become ``None``."""
        out: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "columns"
        }
        out = json_ready(out)
        cols = []
        for name in GAP_FIELDS:
            col = self.columns[name]
            if col.dtype.kind == "f" and not np.isfinite(col).all():
                col = col.astype(object)
                col[~np.isfinite(col.astype(np.float64))] = None
            cols.append(col.tolist())
        with collector_paused():  # as for :attr:`gaps`: many small objects at once
            rows = zip(*cols, strict=True)
            out["gaps"] = [dict(zip(GAP_FIELDS, row, strict=True)) for row in rows]
        return out


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small records without cycles.

    Safe across threads: whichever thread ends last leaves the collector as it found it.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def area_row(
    area_id: str | None,
    name: str,
    level: int | None,
    older: float,
    covered: float,
    places: int,
    q: NDArray[np.float64],
) -> AreaCoverage:
    """One area's figures (``q``: its median and p90 walk); shares and walks are ``None``
    where it has no older residents."""
    has = older > 0
    return AreaCoverage(
        area_id=area_id,
        name=name,
        level=level,
        older_population=float(older),
        covered_older_population=float(covered),
        covered_share=float(covered / older) if has else None,
        places=places,
        median_distance_m=float(q[0]) if has else None,
        p90_distance_m=float(q[1]) if has else None,
    )
