"""Whether a point can belong to a city: inside its imported areas, or inside its N03 outline,
give or take a border's width (``geo.borders.BORDER_TOLERANCE_M``, 200 m).

A point up to 200 m outside is accepted and the import reports it as assigned across a border
(to the nearest area when the city has areas); beyond that it is refused with the distance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.borders import BORDER_TOLERANCE_M, assign_point
from geo.japan.crs import project_geometry
from geo.japan.municipalities import distance_outside_m, get_city, outline
from geo.model import Area
from geo.store.base import Store

#: For whole polygons and mesh cells only (an area file's sanity check, which mesh cells of an
#: e-Stat file concern the city): a point is held to ``BORDER_TOLERANCE_M``.
OUTLINE_TOLERANCE_M = 2000.0


@dataclass(frozen=True)
class Where:
    """Where a point lies against the city: ``outside_m`` is 0 inside; ``near`` names the areas
    a point just outside was assigned to (the city itself when it has no areas)."""

    outside_m: float
    against: str  # "areas" or "outline"
    near: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.outside_m > BORDER_TOLERANCE_M

    @property
    def across_border(self) -> bool:
        return 0 < self.outside_m <= BORDER_TOLERANCE_M

    def reason(self) -> str:
        """Why a refused point is refused, with its distance."""
        limit = f"up to {BORDER_TOLERANCE_M:,.0f} m counts as on the border"
        if self.against == "areas":
            return f"outside the city's imported areas ({self.outside_m:,.0f} m away; {limit})"
        return f"outside the city ({self.outside_m:,.0f} m beyond its outline; {limit})"

    def note(self) -> str:
        """How an accepted point outside was assigned, for the report."""
        return f"{self.outside_m:,.0f} m outside, assigned to {' / '.join(self.near)}"


class CityExtent:
    """The city as imports test points against: the union of its areas when it has any (as
    the city drew them), else the bundled N03 outline, every island included."""

    def __init__(self, store: Store, city: str) -> None:
        self.city = city
        self.areas: list[Area] = store.areas(city)
        self._plane: BaseGeometry | None = None
        self._union: BaseGeometry | None = None
        if self.areas:
            self._union = unary_union([a.geometry for a in self.areas])
            shapely.prepare(self._union)

    def where(self, lon: float, lat: float) -> Where:
        """How far outside the city (lon, lat) lies, and the areas it is assigned to."""
        if self._union is None:
            d = distance_outside_m(self.city, lon, lat)
            return Where(d, "outline", (get_city(self.city).name,) if d else ())
        if self._union.covers(shapely.Point(lon, lat)):
            return Where(0.0, "areas")
        epsg = get_city(self.city).crs_epsg
        if self._plane is None:
            self._plane = project_geometry(self._union, epsg)
        pt = project_geometry(shapely.Point(lon, lat), epsg)
        d = float(np.round(self._plane.distance(pt), 1))
        if d > BORDER_TOLERANCE_M:
            return Where(d, "areas")
        near = assign_point(self.city, self.areas, lon, lat)
        return Where(max(d, 0.1), "areas", tuple(a.name for a in near))


def outside_city(store: Store, city: str) -> Callable[[float, float], str | None]:
    """A test that says why a point is outside the city, or None when it is inside or within
    the border's width of it."""
    extent = CityExtent(store, city)

    def check(lon: float, lat: float) -> str | None:
        where = extent.where(lon, lat)
        return where.reason() if where.refused else None

    return check


@functools.lru_cache(maxsize=64)
def _plane_outline(city: str) -> tuple[int, BaseGeometry]:
    epsg = get_city(city).crs_epsg
    plane = project_geometry(outline(city), epsg)
    shapely.prepare(plane)
    return epsg, plane


def geometry_outside_outline_m(city: str, geometry: BaseGeometry) -> float:
    """Metres from the nearest part of a geometry to the city's outline (0 when they touch).

    An area is judged by its nearest part, not its centroid: N03 gives islands and exclaves as
    separate parts.
    """
    epsg, plane = _plane_outline(city)
    return float(plane.distance(project_geometry(geometry, epsg)))
