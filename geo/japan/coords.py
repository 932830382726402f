"""Plausibility of a point for a Japanese city, so imports can say *why* a point looks wrong.

The readers only reject what cannot be a coordinate at all; whether a point must lie in Japan is the
importing domain's decision, and this module gives it the words (in English, with a Japanese hint).
"""

from __future__ import annotations

import math

# Japan's extent with a margin: 与那国島 122.9E, 南鳥島 154.0E, 沖ノ鳥島 20.4N, 択捉島 45.6N.
LON_MIN, LON_MAX = 122.0, 154.0
LAT_MIN, LAT_MAX = 20.0, 46.0

SWAPPED_REASON = "latitude and longitude look swapped"
SWAPPED_HINT = (
    "緯度と経度が逆のようです: latitude is about 20–46 and longitude about 122–154 in Japan"
)


def _finite(*values: float) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def in_japan(lon: float, lat: float) -> bool:
    """True when (lon, lat) lies inside Japan's bounding box."""
    return _finite(lon, lat) and LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def swapped(lon: float, lat: float) -> bool:
    """True when the point is not in Japan but would be with latitude and longitude exchanged."""
    return not in_japan(lon, lat) and in_japan(lat, lon)


def japan_point_problem(lon: float, lat: float) -> tuple[str, str | None] | None:
    """(reason, hint) when a point cannot be in Japan, e.g. swapped lat/lon; None if plausible."""
    if in_japan(lon, lat):
        return None
    if not _finite(lon, lat):
        return ("coordinates are not finite numbers", None)
    if lon == 0 and lat == 0:
        return ("point at 0,0 (missing coordinates?)", "緯度・経度が入力されていないようです")
    if swapped(lon, lat):
        return (SWAPPED_REASON, SWAPPED_HINT)
    if abs(lon) > 180 or abs(lat) > 90:
        hint = (
            "値が経緯度ではありません (平面直角座標系など?): give longitude/latitude in degrees "
            "(WGS84 / JGD2011)"
        )
    else:
        hint = "日本の範囲外です: latitude is about 20–46 and longitude about 122–154 in Japan"
    return ("outside Japan", hint)
