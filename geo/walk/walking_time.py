"""Walking time from a distance, at an older adult's pace.

50 m a minute (3 km/h) is the pace the design takes for older residents; ORS and Valhalla default
to about 5 km/h. Until a city has a walking network, the distance is the geodesic straight line,
so the minutes are an estimate and the API says so in its ``method``.
"""

from __future__ import annotations

import math

WALK_SPEED_M_PER_MIN = 50.0
STRAIGHT_LINE = "straight-line"


def walking_minutes(distance_m: float, speed_m_per_min: float = WALK_SPEED_M_PER_MIN) -> int:
    """Whole minutes to walk a distance, rounded up (never 0 for a distance above 0)."""
    if distance_m <= 0:
        return 0
    return max(1, math.ceil(distance_m / speed_m_per_min))
