"""Vectorised building blocks the walking engine and the analyses share.

Graph searches, snapping and coverage all work on parallel numpy arrays and turn Python loops
into runs: each element's place within its run, where a new run starts in sorted keys, and
"nothing reached" as the arrays a search returns.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]  # metres, weights, coordinates
I64 = NDArray[np.int64]  # indices and counts


def run_positions(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each element's position within its run: ``concatenate([arange(c) for c in counts])``,
    without the Python loop (the building block of the vectorised expansions)."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def run_starts(*keys: NDArray[np.generic]) -> NDArray[np.bool_]:
    """Mask of the elements that start a run of equal keys (the first of each group once the
    arrays are sorted by them): the first element, and every one differing from its
    predecessor in any key."""
    first = np.ones(keys[0].shape[0], dtype=bool)
    first[1:] = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    return first


def unreached(n: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Distances and nearest-source indices of ``n`` points nothing reaches: ``inf`` and -1."""
    return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
