"""Which area a point belongs to, a border's width included: one rule for imports and answers.

Why: real lists put a hall on the far side of a road that is the boundary, or a few metres off
a generalised outline (GSI's 高崎市 list has one 16 m outside). A point up to
``BORDER_TOLERANCE_M`` outside every area of a level belongs to the nearest area of that level;
beyond it, to none. The import accepts such a point and says so; the listing's ``areas``,
``/areas/at`` and coverage per area give it the same area, so their answers agree.
Distances are metres in the city's plane-rectangular zone, never degrees (degrees only narrow
down the candidates, with a margin wider than 200 m anywhere in Japan).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.japan.crs import project_geometry, to_plane
from geo.japan.municipalities import get_city
from geo.model import Area

BORDER_TOLERANCE_M = 200.0
#: A lon/lat margin that holds 200 m at any latitude of Japan (≥ 0.0025° at 46°N), for the
#: cheap first pass only.
NEAR_DEGREES = 0.004

Ints = NDArray[np.int64]


def _first_per_level(
    point: Ints, area: Ints, level: Ints, rank: NDArray[np.float64]
) -> tuple[Ints, Ints]:
    """Of (point, area) pairs, the one of lowest rank (a covering area: -1, else its distance)
    per (point, level), ties to the lower area index, sorted by point."""
    if point.size == 0:
        return point.astype(np.int64), area.astype(np.int64)
    order = np.lexsort((area, rank, level[area], point))
    point, area = point[order], area[order]
    key_changes = np.ones(point.size, dtype=bool)
    key_changes[1:] = (point[1:] != point[:-1]) | (level[area][1:] != level[area][:-1])
    return point[key_changes].astype(np.int64), area[key_changes].astype(np.int64)


def _loose(n: int, point: Ints, area: Ints, level: Ints, lvl: int) -> Ints:
    """Points no area of level ``lvl`` holds."""
    held = np.zeros(n, dtype=bool)
    held[point[level[area] == lvl]] = True
    return np.flatnonzero(~held)


def assign_in_plane(
    geoms: Sequence[BaseGeometry] | NDArray[np.object_],
    levels: Sequence[int] | NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
) -> tuple[Ints, Ints]:
    """(area, point) index pairs, at most one area per level for each point, sorted by point.

    A point covered at a level takes the first covering area (by index); one that no area of
    that level covers takes the nearest within ``BORDER_TOLERANCE_M`` (ties: the lower index).
    Geometries and coordinates are in one plane, in metres.
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(geoms) == 0 or x.size == 0:
        return empty, empty.copy()
    geom_arr = np.asarray(geoms, dtype=object)
    level = np.asarray(levels, dtype=np.int64)
    points = shapely.points(x, y)
    point, area = shapely.STRtree(geom_arr).query(points, predicate="covered_by")
    pairs_p, pairs_a, ranks = [point], [area], [np.full(point.size, -1.0)]
    for lvl in np.unique(level).tolist():
        loose = _loose(x.size, point, area, level, lvl)
        mine = np.flatnonzero(level == lvl)
        if loose.size == 0:
            continue
        got_p, got_a = shapely.STRtree(geom_arr[mine]).query_nearest(
            points[loose], max_distance=BORDER_TOLERANCE_M, all_matches=True
        )
        pairs_p.append(loose[got_p])
        pairs_a.append(mine[got_a])
        ranks.append(np.zeros(got_p.size))  # all equally nearest: ties go to the lower index
    p, a = _first_per_level(
        np.concatenate(pairs_p), np.concatenate(pairs_a), level, np.concatenate(ranks)
    )
    return a, p


#: How far (metres) a group's box is widened before it is tested: a box of one point, or of
#: points on one line, still has an inside, and a wider box only settles fewer groups.
GROUP_MARGIN_M = 0.001


def assign_in_plane_grouped(
    geoms: Sequence[BaseGeometry] | NDArray[np.object_],
    levels: Sequence[int] | NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    group: NDArray[np.int64],
) -> tuple[Ints, Ints]:
    """:func:`assign_in_plane`'s pairs for points that come in tight groups (a population
    cell's points on its streets), in no particular order, without testing every point.

    Why: testing 280,000 points one by one costs half a second; a city's cells rarely straddle
    a border. A group whose points' bounding box (widened by :data:`GROUP_MARGIN_M`) lies
    properly inside an area of a level and meets no other area of that level gives all its
    points that area: each is covered by it and by no other of the level, which is the rule's
    answer. Only the points of the other groups (near a border, or outside every area of a
    level) are assigned by :func:`assign_in_plane` itself.
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(geoms) == 0 or x.size == 0:
        return empty, empty.copy()
    geom_arr = np.asarray(geoms, dtype=object)
    level = np.asarray(levels, dtype=np.int64)
    grp = np.asarray(group, dtype=np.int64)
    n_groups = int(grp.max()) + 1
    lo_x, lo_y = np.full(n_groups, np.inf), np.full(n_groups, np.inf)
    hi_x, hi_y = np.full(n_groups, -np.inf), np.full(n_groups, -np.inf)
    np.minimum.at(lo_x, grp, x)
    np.minimum.at(lo_y, grp, y)
    np.maximum.at(hi_x, grp, x)
    np.maximum.at(hi_y, grp, y)
    used = np.flatnonzero(np.isfinite(lo_x) & np.isfinite(lo_y) & np.isfinite(hi_x)
                          & np.isfinite(hi_y))  # fmt: skip
    m = GROUP_MARGIN_M
    boxes = shapely.box(lo_x[used] - m, lo_y[used] - m, hi_x[used] + m, hi_y[used] + m)
    tree = shapely.STRtree(boxes)
    meet_a, meet_b = tree.query(geom_arr, predicate="intersects")  # areas are prepared once
    in_a, in_b = tree.query(geom_arr, predicate="contains_properly")
    levels_u = np.unique(level)
    settled = np.ones(used.size, dtype=bool)
    area_of = np.full((levels_u.size, used.size), -1, dtype=np.int64)
    for i, lvl in enumerate(levels_u.tolist()):
        mine = level[meet_a] == lvl
        meets = np.bincount(meet_b[mine], minlength=used.size)
        inside = level[in_a] == lvl
        area_of[i, in_b[inside]] = in_a[inside]
        settled &= (meets == 1) & (area_of[i] >= 0)
    group_settled = np.zeros(n_groups, dtype=bool)
    group_settled[used[settled]] = True
    group_slot = np.full(n_groups, -1, dtype=np.int64)
    group_slot[used] = np.arange(used.size)
    easy = group_settled[grp] if grp.size else np.zeros(0, dtype=bool)
    easy_pt = np.flatnonzero(easy)
    slot = group_slot[grp[easy_pt]]
    out_a = [area_of[i, slot] for i in range(levels_u.size)]
    out_p = [easy_pt] * levels_u.size
    hard = np.flatnonzero(~easy)
    if hard.size:
        a, p = assign_in_plane(geom_arr, level, x[hard], y[hard])
        out_a.append(a)
        out_p.append(hard[p])
    return np.concatenate(out_a).astype(np.int64), np.concatenate(out_p).astype(np.int64)


def assign_points(
    city: str, areas: Sequence[Area], lons: Sequence[float], lats: Sequence[float]
) -> list[list[Area]]:
    """For each WGS84 point, its areas, widest first: every area covering it (as
    ``Store.areas_at``), and for a level none covers, the nearest within the tolerance.

    The covering test runs in lon/lat; only points that a level leaves without an area are
    measured in the plane, against the areas near them.
    """
    found: list[list[Area]] = [[] for _ in range(len(lons))]
    if not areas or not len(lons):
        return found
    ordered = sorted(areas, key=lambda a: (a.level, a.id))
    geoms = np.array([a.geometry for a in ordered], dtype=object)
    level = np.array([a.level for a in ordered], dtype=np.int64)
    lon = np.asarray(lons, dtype=float)
    lat = np.asarray(lats, dtype=float)
    tree = shapely.STRtree(geoms)
    point, area = tree.query(shapely.points(lon, lat), predicate="covered_by")
    pairs = [(int(p), int(a)) for p, a in zip(point.tolist(), area.tolist(), strict=True)]
    loose = np.unique(np.concatenate(
        [_loose(lon.size, point, area, level, lvl) for lvl in np.unique(level).tolist()]
    ))  # fmt: skip
    if loose.size:
        held = {(p, int(level[a])) for p, a in pairs}
        near_p, near_a, dist = _near_in_plane(city, geoms, tree, lon[loose], lat[loose])
        near_p = loose[near_p]
        free = np.array(
            [(p, int(level[a])) not in held for p, a in zip(near_p.tolist(), near_a.tolist(),
                                                            strict=True)], dtype=bool,
        )  # fmt: skip
        chosen_p, chosen_a = _first_per_level(near_p[free], near_a[free], level, dist[free])
        pairs += list(zip(chosen_p.tolist(), chosen_a.tolist(), strict=True))
    for p, a in sorted(pairs):
        found[p].append(ordered[a])
    return found


def _near_in_plane(
    city: str,
    geoms: NDArray[np.object_],
    tree: shapely.STRtree,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> tuple[Ints, Ints, NDArray[np.float64]]:
    """(point, area, metres) of points and the areas within the tolerance, measured in the
    plane (the caller keeps, per level, the covering area or else the nearest)."""
    boxes = shapely.box(lon - NEAR_DEGREES, lat - NEAR_DEGREES,
                        lon + NEAR_DEGREES, lat + NEAR_DEGREES)  # fmt: skip
    cand_p, cand_a = tree.query(boxes, predicate="intersects")
    if cand_p.size == 0:
        return cand_p.astype(np.int64), cand_a.astype(np.int64), np.zeros(0)
    epsg = get_city(city).crs_epsg
    x, y = to_plane(epsg)(lon[cand_p], lat[cand_p])
    plane = {int(a): project_geometry(geoms[a], epsg) for a in np.unique(cand_a).tolist()}
    dist = np.array(
        [shapely.distance(plane[int(a)], shapely.Point(px, py))
         for a, px, py in zip(cand_a.tolist(), np.atleast_1d(x), np.atleast_1d(y), strict=True)]
    )  # fmt: skip
    near = dist <= BORDER_TOLERANCE_M
    return cand_p[near].astype(np.int64), cand_a[near].astype(np.int64), dist[near]


def assign_point(city: str, areas: Sequence[Area], lon: float, lat: float) -> list[Area]:
    """The areas one point belongs to, widest first (see ``assign_points``)."""
    return assign_points(city, areas, [lon], [lat])[0]


def in_area(
    area: Area, city_areas: Sequence[Area], lons: Sequence[float], lats: Sequence[float]
) -> list[bool]:
    """For each point, whether it belongs to ``area`` by the rule above (the ``area`` filter
    of a listing, so it keeps exactly the places whose ``areas`` name it)."""
    held = assign_points(area.city, city_areas, lons, lats)
    return [any(a.id == area.id for a in found) for found in held]
