"""Stand-in 日常生活圏域 made of real 中学校区, for a demo city whose official table is not open.

新潟市's 27 日常生活圏域 are groups of 中学校区 named after their schools (「関屋・白新圏域」),
but the table of which towns make each 校区 is not published as data. So each town goes to the
nearest public junior-high school of its ward (a stand-in for the real 通学区域), and each
ward's schools are merged into the number of areas the ward gets: repeatedly the two
neighbouring groups (whose towns' cells share a border) that together hold the fewest schools,
then the fewest pupils. Deterministic: ties break by the schools' numbers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from scripts.demo.common import Town

_TOUCH_M = 1.0  # groups whose shared border is shorter than this are not neighbours


@dataclass(frozen=True)
class School:
    """A public junior-high school: its number (学番: the ward's digit first), name and point."""

    number: str
    name: str
    ward_code: str
    address: str
    pupils: int
    x: float
    y: float

    @property
    def short(self) -> str:
        """'関屋中学校' → '関屋', as an area named after its schools writes it."""
        return self.name.removesuffix("中学校")


@dataclass
class Group:
    """Schools merged into one area, with their towns (indices) and the towns' cells' union."""

    schools: list[School]
    towns: list[int] = field(default_factory=list)
    plane: BaseGeometry = field(default_factory=shapely.Polygon)

    @property
    def base(self) -> str:
        return "・".join(s.short for s in self.schools)

    @property
    def pupils(self) -> int:
        return sum(s.pupils for s in self.schools)


def load_schools(path: Path, ward_codes: dict[str, str], plane_xy: Transformer) -> list[School]:
    """The public schools of the file (those with a 学番; national, private and branch schools
    have none and no 通学区域), each in the ward its number and its address both name.

    ``ward_codes`` maps the 学番's first digit to the ward's code; ``plane_xy`` goes from WGS84
    to the city's plane.
    """
    schools = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            number = row["学番"].strip()
            if not number:
                continue
            x, y = plane_xy.transform(float(row["lon"]), float(row["lat"]))
            school = School(number, row["学校名"], ward_codes[number[0]], row["所在地"],
                            int(row["生徒数"]), x, y)  # fmt: skip
            schools.append(school)
    return sorted(schools, key=lambda s: s.number)


def nearest_school(towns: list[Town], schools: list[School]) -> list[School]:
    """For each town, the nearest school of its ward (straight line between the points)."""
    out = []
    for town in towns:
        mine = [s for s in schools if s.ward_code == town.ward_code]
        d2 = [(s.x - town.x) ** 2 + (s.y - town.y) ** 2 for s in mine]
        out.append(mine[int(np.argmin(d2))])
    return out


def group_schools(
    schools: list[School], towns_of: dict[str, list[int]], cells: list[BaseGeometry], k: int
) -> list[Group]:
    """One ward's schools merged into ``k`` groups of neighbouring 校区 (see the module doc)."""
    groups = []
    for s in schools:
        members = towns_of.get(s.number, [])
        if not members:
            raise RuntimeError(f"{s.name}: no town is nearest to it")
        groups.append(Group([s], members, shapely.union_all([cells[i] for i in members])))
    if k > len(groups):
        raise RuntimeError(f"ward {schools[0].ward_code}: {k} areas but {len(groups)} schools")
    while len(groups) > k:
        a, b = _best_pair(groups)
        merged = Group(
            sorted(groups[a].schools + groups[b].schools, key=lambda s: s.number),
            sorted(groups[a].towns + groups[b].towns),
            shapely.union_all([groups[a].plane, groups[b].plane]),
        )
        groups = [g for i, g in enumerate(groups) if i not in (a, b)] + [merged]
        groups.sort(key=lambda g: g.schools[0].number)
    return groups


def _best_pair(groups: list[Group]) -> tuple[int, int]:
    best: tuple[tuple[int, int, str], int, int] | None = None
    for a in range(len(groups)):
        for b in range(a + 1, len(groups)):
            border = groups[a].plane.boundary.intersection(groups[b].plane.boundary).length
            if border < _TOUCH_M:
                continue
            key = (
                len(groups[a].schools) + len(groups[b].schools),
                groups[a].pupils + groups[b].pupils,
                groups[a].schools[0].number + groups[b].schools[0].number,
            )
            if best is None or key < best[0]:
                best = (key, a, b)
    if best is None:
        raise RuntimeError("no two school districts of the ward share a border")
    return best[1], best[2]
