"""Each demand point's walk to its nearest place, and weighted quantiles of those walks.

Median and p90 walks are exact to the metre (rounded up): distances become whole-metre bins,
and a weighted histogram per group of points gives every group's quantiles at once, with no
sort. Where the histogram would be too large, the points are sorted instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from geo.walk.arrays import F64, I64

#: Quantile histograms stay under this many bins (groups × distance bins).
MAX_BINS = 20_000_000
Levels = tuple[float, ...]  # the quantile levels asked for, each in 0..1
QS: Levels = (0.5, 0.9)  # the median and the 90th percentile


@dataclass
class Nearest:
    """Each demand point's walk to its nearest selected place (cached per category and set).

    Attributes
    ----------
    dist_m : (p,) float64
        Metres, ``inf`` beyond ``limit_m`` or unreachable.
    place : (p,) int64
        Index into the model's :class:`~geo.analysis.placeset.PlaceSet`, -1 when none.
    limit_m : float | None
        Search radius used.
    memo : dict
        Arrays derived from these walks (bins, quantiles, orders), kept with them.
    """

    dist_m: NDArray[np.float64]
    place: NDArray[np.int64]
    limit_m: float | None
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def bins(self) -> tuple[NDArray[np.int64], float, int]:
        """Distances as whole-metre bins ``ceil(d / width)``, the last bin meaning beyond reach.

        Quantiles of rounded-up distances are the rounded-up quantiles (rounding up is
        monotone), so a weighted histogram gives them exactly, without sorting every point per
        query. Returns the bins, the bin width in metres and the index of the beyond-reach bin.
        """
        finite = np.isfinite(self.dist_m)
        top = float(self.dist_m[finite].max()) if finite.any() else 0.0
        width = float(max(1, math.ceil(top / 200_000.0)))  # 1 m bins up to 200 km of walking
        beyond = int(math.ceil(top / width)) + 1
        cached = self.memo.get(("bins", width))
        if cached is None:
            b = np.full(self.dist_m.size, beyond, dtype=np.int64)
            b[finite] = np.ceil(self.dist_m[finite] / width - 1e-9).astype(np.int64)
            self.memo[("bins", width)] = cached = b
        return cached, width, beyond


def area_quantiles(
    near: Nearest, weights: F64, group: I64, n_groups: int, to_area: csr_matrix
) -> tuple[F64, F64]:
    """Median and p90 walk of each area and of all points, ``(areas, 2)`` and ``(1, 2)``.

    Points come in groups (their combination of areas); ``to_area`` (areas × groups) says
    which groups make up each area, so one histogram per group serves every area.
    """
    bins, width, beyond = near.bins()
    hist = histogram(group, bins, weights, n_groups, beyond)
    if hist is not None:
        q_a = hist_quantiles(np.asarray(to_area @ hist), width, beyond)
        return q_a, hist_quantiles(hist.sum(axis=0, keepdims=True), width, beyond)
    # very long walks: sort instead of binning (rare: the histogram would not fit)
    q_c = sorted_quantiles(np.zeros(bins.size, dtype=np.int64), bins, weights, 1, width, QS,
                           beyond)  # fmt: skip
    q_a = np.full((to_area.shape[0], len(QS)), np.nan)
    for i in range(to_area.shape[0]):
        member = np.isin(group, to_area[i].indices)
        q_a[i] = sorted_quantiles(np.zeros(int(member.sum()), dtype=np.int64), bins[member],
                                  weights[member], 1, width, QS, beyond)[0]  # fmt: skip
    return q_a, q_c


def histogram(group: I64, bins: I64, weights: F64, n_groups: int, beyond: int) -> F64 | None:
    """Weight per (group, distance bin), ``(n_groups, beyond + 1)``; ``None`` if too large."""
    n_bins = beyond + 1
    if n_groups * n_bins > MAX_BINS:
        return None
    flat = np.bincount(group * n_bins + bins, weights, minlength=n_groups * n_bins)
    return flat.reshape(n_groups, n_bins).astype(np.float64)


def hist_quantiles(hist: F64, width: float, beyond: int, qs: Levels = QS) -> F64:
    """Weighted lower quantiles of each histogram row: the least bin where the running weight
    reaches ``q × total``, in metres; ``nan`` for empty rows, ``inf`` for the beyond bin."""
    out = np.full((hist.shape[0], len(qs)), np.nan)
    if hist.size == 0:
        return out
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1]
    for j, q in enumerate(qs):
        idx = (cum >= (q * total * (1 - 1e-12))[:, None]).argmax(axis=1)
        out[:, j] = np.where(idx == beyond, np.inf, idx * width)
    out[total <= 0] = np.nan
    return out


def binned_quantiles(
    group: I64, bins: I64, weights: F64, n_groups: int, width: float, beyond: int, qs: Levels = QS
) -> F64:
    """Weighted lower quantiles per group: the least ``d`` with weight(dist ≤ d) ≥ q × total.

    Returns ``(n_groups, len(qs))`` metres; ``nan`` for groups with no weight, ``inf`` where the
    quantile falls beyond reach.
    """
    if n_groups == 0 or bins.size == 0:
        return np.full((n_groups, len(qs)), np.nan)
    hist = histogram(group, bins, weights, n_groups, beyond)
    if hist is None:  # very long walks in many groups: sort instead
        return sorted_quantiles(group, bins, weights, n_groups, width, qs, beyond)
    return hist_quantiles(hist, width, beyond, qs)


def sorted_quantiles(
    group: I64, bins: I64, weights: F64, n_groups: int, width: float, qs: Levels, beyond: int
) -> F64:
    """As :func:`binned_quantiles`, by one sort of the points instead of a histogram."""
    out = np.full((n_groups, len(qs)), np.nan)
    order = np.lexsort((bins, group))
    g, b, w = group[order], bins[order], weights[order]
    cum = np.cumsum(w)
    present = np.arange(n_groups)
    starts = np.searchsorted(g, present, side="left")
    ends = np.searchsorted(g, present, side="right")
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    total = np.where(ends > starts, cum[np.maximum(ends - 1, 0)] - base, 0.0)
    for j, q in enumerate(qs):
        idx = np.searchsorted(cum, base + q * total * (1 - 1e-12), side="left")
        idx = np.clip(idx, starts, np.maximum(ends - 1, starts))
        val = b[np.minimum(idx, b.size - 1)]
        out[:, j] = np.where(val == beyond, np.inf, val * width)
    out[total <= 0] = np.nan
    return out
