"""The walk every analysis asks about: how far (minutes × speed), for whom (age), to what.

Coverage, gaps, site suggestions and isochrones take the same walking parameters with the
same defaults, and each answer repeats them; they are defined here once. By default a walk is
10 minutes at 3 km/h (50 m/min, an older adult's pace) = 500 m, the 高齢者徒歩圏 of
国交省「都市構造の評価に関するハンドブック」; 800 m (一般的な徒歩圏) is the usual alternative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

NETWORK = "network"
DEFAULT_MINUTES = 10.0
DEFAULT_SPEED_KMH = 3.0  # 50 m/min: an older adult's pace (ORS/Valhalla default to ~5 km/h)
DEFAULT_THRESHOLD_M = 500.0  # 高齢者徒歩圏, 国交省「都市構造の評価に関するハンドブック」
ALTERNATIVE_THRESHOLD_M = 800.0  # 一般的な徒歩圏
DEFAULT_AGE = 65
#: Walks are searched this far (40 minutes at 3 km/h); farther ones are reported as beyond
#: reach (``inf``), which no older resident would walk to a salon anyway and which keeps
#: the Dijkstra pass short in sparse rural networks.
DEFAULT_MAX_DISTANCE_M = 2000.0
GATHERING = "gathering"  # a place kind that counts as coverage
VENUE = "venue"  # a place kind that is only a candidate site


def threshold_m(minutes: float, speed_kmh: float) -> float:
    """Walking distance in metres covered in ``minutes`` at ``speed_kmh``."""
    if minutes < 0 or speed_kmh <= 0:
        raise ValueError("minutes must be >= 0 and speed_kmh > 0")
    return float(minutes) * float(speed_kmh) * 1000.0 / 60.0


class WalkQuery(TypedDict, total=False):
    """The walking parameters coverage, gaps and suggestions take, each optional (see Walk)."""

    minutes: float
    speed_kmh: float
    age: int
    categories: Sequence[str] | None


@dataclass(frozen=True)
class Walk:
    """Whose walk to what, and how far.

    Attributes
    ----------
    minutes, speed_kmh
        The walking threshold is ``minutes × speed`` metres (default 10 min × 3 km/h = 500 m).
    age
        65 or 75: whose walk (65+ or 75+ residents).
    categories
        Category slugs of the gathering places that count; ``None``: all of them. Venues never
        count, whatever their category.
    """

    minutes: float = DEFAULT_MINUTES
    speed_kmh: float = DEFAULT_SPEED_KMH
    age: int = DEFAULT_AGE
    categories: Sequence[str] | None = None

    @property
    def threshold_m(self) -> float:
        """``minutes × speed`` in metres; ValueError for a negative time or a speed ≤ 0."""
        return threshold_m(self.minutes, self.speed_kmh)

    def echo(self, method: str) -> tuple[str, float, float, float, int, tuple[str, ...] | None]:
        """:class:`WalkAnswer`'s fields, in order: the walk as an answer states it."""
        categories = None if self.categories is None else tuple(self.categories)
        return (method, float(self.minutes), float(self.speed_kmh), self.threshold_m,
                int(self.age), categories)  # fmt: skip


@dataclass(frozen=True)
class WalkAnswer:
    """What every answer states first: its method and the walk it was computed for.

    ``method`` is ``network`` or ``straight-line``; ``threshold_m = minutes × speed``.
    """

    method: str
    minutes: float
    speed_kmh: float
    threshold_m: float
    age: int
    categories: tuple[str, ...] | None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; distances beyond reach (infinities) become ``None``."""
        out: dict[str, Any] = json_ready(asdict(self))
        return out


def json_ready(value: Any) -> Any:
    """JSON has no infinity: ``inf`` (beyond reach) becomes ``None``, in nested data too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value
