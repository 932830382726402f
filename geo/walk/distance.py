"""Geodesic distances in metres on the WGS84 ellipsoid, as PostGIS geography computes them."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two WGS84 points."""
    _, _, d = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(d)


def geodesic_many_m(
    lon: float, lat: float, lons: ArrayLike, lats: ArrayLike
) -> NDArray[np.float64]:
    """Distances in metres from one point to many (vectorised)."""
    lons_a = np.asarray(lons, dtype=float)
    lats_a = np.asarray(lats, dtype=float)
    if lons_a.size == 0:
        return np.zeros(0)
    _, _, d = _GEOD.inv(np.full_like(lons_a, lon), np.full_like(lats_a, lat), lons_a, lats_a)
    return np.asarray(d, dtype=float)
