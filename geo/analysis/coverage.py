"""Coverage: how many older residents live within a walk of a gathering place, per area.

A resident is *covered* when the walk to the nearest gathering place (in the categories asked
for) is at most ``minutes × speed``: by default 10 minutes at 3 km/h (50 m/min, an older
adult's pace) = 500 m, the 高齢者徒歩圏 of 国交省「都市構造の評価に関するハンドブック」;
800 m (一般的な徒歩圏) is the usual alternative. Walks follow the street network, with places
and residents snapped to the nearest point on a street and the snap counted as walking
(:mod:`geo.walk.snap`, :mod:`geo.walk.shortest`); where a city has no network, straight-line
distance in its plane-rectangular CRS is used and every answer says so. Venues (halls that
could host a gathering) never count as coverage. Residents are the weighted demand points of
:mod:`geo.analysis.demand`; the walking parameters are :class:`geo.analysis.params.Walk`.

:class:`CoverageModel` is prepared once per (city, network, population, places) — snaps, area
membership, and one Dijkstra pass per category (:meth:`CoverageModel.prepare`) — and then
answers per (minutes, speed, age, categories) in milliseconds: a set of categories is the
element-wise minimum of its members' distances, and threshold, speed and age only re-weigh
them. Distances are exact up to a search radius
(:data:`~geo.analysis.params.DEFAULT_MAX_DISTANCE_M`); median and p90 walks are exact to the
metre (rounded up) through a weighted histogram, with no sort (:mod:`geo.analysis.nearest`).
The answers' records are in :mod:`geo.analysis.results`.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Unpack

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from geo.analysis.demand import Demand
from geo.analysis.nearest import Nearest, area_quantiles
from geo.analysis.params import (
    DEFAULT_MAX_DISTANCE_M,
    DEFAULT_MINUTES,
    DEFAULT_SPEED_KMH,
    GATHERING,
    NETWORK,
    Walk,
    WalkQuery,
    threshold_m,
)
from geo.analysis.placeset import PlaceSet, as_place_set
from geo.analysis.results import CoverageResult, GapsResult, area_row
from geo.borders import assign_in_plane
from geo.japan.crs import coords_fn, plane_transformer
from geo.model import Area, Place
from geo.walk.arrays import unreached
from geo.walk.network import WalkNetwork
from geo.walk.shortest import distance_to_points, multi_source
from geo.walk.snap import Snap, snap_points
from geo.walk.walking_time import STRAIGHT_LINE

# What callers have imported from here since before the split (the service, the benches).
__all__ = [
    "DEFAULT_MINUTES",
    "DEFAULT_SPEED_KMH",
    "CoverageModel",
    "CoverageResult",
    "GapsResult",
    "PlaceSet",
    "coverage",
    "threshold_m",
]

_CACHE_SIZE = 16


class CoverageModel:
    """Everything coverage, gaps and siting need that does not depend on the parameters.

    Prepared once per (city, network, population, places): the places' snaps, the demand
    points' and places' area membership, each cell's area; :meth:`prepare` adds one Dijkstra
    pass per category (else each runs on first use and is kept). A query then costs a few
    vector operations over the demand points (the last :data:`_CACHE_SIZE` category sets are
    kept too). Thread-safe for queries.

    Parameters
    ----------
    net
        The walking network, or ``None`` for straight-line distances.
    places
        All the city's places (gathering places and venues).
    demand
        Residents as weighted points (:func:`geo.analysis.demand.spread_population`), built on
        the same network (or without one).
    areas
        The city's areas, any levels (WGS84 geometry); may be empty.
    max_distance_m
        Search radius in metres (``None``: unlimited); see
        :data:`~geo.analysis.params.DEFAULT_MAX_DISTANCE_M`.
    max_snap_m
        Places farther than this from every street are left out (noted); ``None``: none are.
    """

    def __init__(
        self,
        net: WalkNetwork | None,
        places: PlaceSet | Sequence[Place],
        demand: Demand,
        areas: Sequence[Area] = (),
        *,
        max_distance_m: float | None = DEFAULT_MAX_DISTANCE_M,
        max_snap_m: float | None = None,
    ) -> None:
        if net is not None and demand.snap is None:
            raise ValueError("demand was built without a network; rebuild it on this network")
        if net is not None and demand.epsg != net.epsg:
            raise ValueError(f"demand is in EPSG:{demand.epsg}, the network in EPSG:{net.epsg}")
        self.net = net
        self.places = as_place_set(places)
        self.demand = demand
        self.areas = list(areas)
        self.epsg = demand.epsg
        self.max_distance_m = max_distance_m
        self.method = NETWORK if net is not None else STRAIGHT_LINE
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Nearest] = OrderedDict()
        self._fields: dict[tuple[str, float | None], Nearest] = {}
        self._combo_weights: dict[int, NDArray[np.float64]] = {}
        self._cell_weights: dict[int, NDArray[np.float64]] = {}
        self._demand_notes = demand.notes()

        tr = plane_transformer(self.epsg)
        px, py = tr.transform(self.places.lon, self.places.lat)
        self.place_x = np.asarray(px, dtype=np.float64).reshape(len(self.places))
        self.place_y = np.asarray(py, dtype=np.float64).reshape(len(self.places))
        self.place_snap: Snap | None = None
        if net is not None:
            self.place_snap = snap_points(
                net, self.places.lon, self.places.lat, max_distance_m=max_snap_m
            )

        # areas in the plane; membership of demand points, places and cell points, per level
        plane = coords_fn(tr.transform)
        geoms = np.array([shapely.transform(a.geometry, plane) for a in self.areas], dtype=object)
        self.area_level = np.array([a.level for a in self.areas], dtype=np.int64)
        # each demand point's combination of areas (one per level): queries then make one
        # pass over the points, and a small incidence matrix spreads it over the areas
        pt_area, pt_point = _membership(geoms, self.area_level, demand.x, demand.y)
        levels, level_of = np.unique(self.area_level, return_inverse=True)
        table = np.full((len(demand), max(levels.size, 1)), -1, dtype=np.int64)
        table[pt_point, level_of.reshape(-1)[pt_area]] = pt_area
        combos, combo_of = np.unique(table, axis=0, return_inverse=True)
        self._combo_of = combo_of.reshape(-1).astype(np.int64)
        self._n_combos = int(combos.shape[0])
        c_idx, l_idx = np.nonzero(combos >= 0)
        self._area_of_combo = csr_matrix(
            (np.ones(c_idx.size), (combos[c_idx, l_idx], c_idx)),
            shape=(len(self.areas), self._n_combos),
        )
        self._pl_area, self._pl_place = _membership(
            geoms, self.area_level, self.place_x, self.place_y
        )
        ok = np.isfinite(demand.cell_x)
        c_area, c_cell = _membership(geoms, self.area_level, demand.cell_x[ok], demand.cell_y[ok])
        c_cell = np.flatnonzero(ok)[c_cell]
        self.cell_area = np.full(demand.n_cells, -1, dtype=np.int64)
        deepest = np.lexsort((self.area_level[c_area], c_cell))  # last per cell = deepest
        self.cell_area[c_cell[deepest]] = c_area[deepest]
        # Python strings once: numpy str arrays convert slowly in every answer; a trailing
        # None answers the index -1 (no place, no area)
        none = np.array([None], dtype=object)
        self._place_ids = np.concatenate([self.places.id.astype(object), none])
        self._area_text = (
            np.array([a.id for a in self.areas] + [None], dtype=object),
            np.array([a.name for a in self.areas] + [None], dtype=object),
        )
        self._cell_text = tuple(a.astype(object) for a in (demand.cell_id, demand.cell_code,
                                                            demand.cell_method))  # fmt: skip
        self._by_cell = np.argsort(demand.cell, kind="stable")  # each cell's points together
        self._cell_count = np.bincount(demand.cell, minlength=demand.n_cells)
        self._cell_start = np.cumsum(self._cell_count) - self._cell_count
        self._slot = np.arange(len(demand)) - np.repeat(self._cell_start, self._cell_count)
        lon, lat = tr.transform(demand.cell_x, demand.cell_y, direction="INVERSE")
        self.cell_lon = np.asarray(lon, dtype=np.float64).reshape(demand.n_cells)
        self.cell_lat = np.asarray(lat, dtype=np.float64).reshape(demand.n_cells)

    # -- distances ---------------------------------------------------------------------------
    def nearest(
        self, categories: Sequence[str] | None = None, *, limit_m: float | None = None
    ) -> Nearest:
        """Walk from every demand point to its nearest gathering place in ``categories``.

        Each category's field is computed once (one Dijkstra pass over its places) and kept;
        a set of categories is then the element-wise minimum of its members' fields, so any
        set costs a few vector operations. ``limit_m`` ``None`` means :attr:`max_distance_m`.
        """
        limit = self.max_distance_m if limit_m is None else limit_m
        cats = self._gathering_categories(categories)
        key = (cats, limit)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        if not cats:
            result = Nearest(*unreached(len(self.demand)), limit)
        else:
            fields = [self._category_field(c, limit) for c in cats]
            dist, place = fields[0].dist_m.copy(), fields[0].place.copy()
            for f in fields[1:]:
                better = f.dist_m < dist
                dist[better] = f.dist_m[better]
                place[better] = f.place[better]
            result = Nearest(dist, place, limit)
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def prepare(self, categories: Sequence[str] | None = None) -> None:
        """Compute the per-category fields now (at start-up) rather than on first query."""
        for c in self._gathering_categories(categories):
            self._category_field(c, self.max_distance_m)

    def _gathering_categories(self, categories: Sequence[str] | None) -> tuple[str, ...]:
        """The distinct categories of the gathering places asked for, sorted."""
        sel = self.places.select(GATHERING, categories)
        return tuple(sorted(set(self.places.category[sel].tolist())))

    def _category_field(self, category: str, limit: float | None) -> Nearest:
        key = (category, limit)
        with self._lock:
            hit = self._fields.get(key)
        if hit is None:
            hit = self._compute(self.places.select(GATHERING, [category]), limit)
            with self._lock:
                self._fields[key] = hit
        return hit

    def _compute(self, sel: NDArray[np.int64], limit: float | None) -> Nearest:
        """One pass: every demand point's nearest place among ``sel`` (network or straight)."""
        d = self.demand
        p = len(d)
        if sel.size == 0 or p == 0:
            return Nearest(*unreached(p), limit)
        if self.net is not None:
            assert self.place_snap is not None and d.snap is not None
            field = multi_source(self.net, self.place_snap.take(sel), limit_m=limit)
            got = distance_to_points(self.net, field, d.snap)
            dist, src = got.dist_m, got.source
        else:
            tree = cKDTree(np.column_stack([self.place_x[sel], self.place_y[sel]]))
            bound = np.inf if limit is None else float(limit) * (1 + 1e-12)
            dist, src = tree.query(np.column_stack([d.x, d.y]), distance_upper_bound=bound)
            src = np.where(np.isfinite(dist), src, -1)
        place = np.where(src >= 0, sel[np.maximum(src, 0)], -1).astype(np.int64)
        return Nearest(np.asarray(dist, dtype=np.float64), place, limit)

    def walks(self, walk: Walk) -> Nearest:
        """:meth:`nearest` for a walk, searched at least as far as its threshold."""
        if self.max_distance_m is None:
            return self.nearest(walk.categories, limit_m=None)
        limit = max(float(self.max_distance_m), walk.threshold_m)
        return self.nearest(walk.categories, limit_m=limit)

    # -- coverage ----------------------------------------------------------------------------
    def coverage(self, **query: Unpack[WalkQuery]) -> CoverageResult:
        """Per-area and city coverage of a :class:`~geo.analysis.params.Walk` (its defaults:
        10 minutes at 3 km/h, 65+, every category)."""
        walk = Walk(**query)
        limit_t = walk.threshold_m
        weights = self.demand.older(walk.age)
        near = self.walks(walk)
        covered = near.dist_m <= limit_t
        to_area = self._area_of_combo
        older_a = to_area @ self._weights_per_combo(walk.age)
        cov_a = to_area @ np.bincount(self._combo_of, weights * covered, minlength=self._n_combos)
        q = near.memo.get(("quantiles", walk.age))  # depends on the category set and age only
        if q is None:
            q = area_quantiles(near, weights, self._combo_of, self._n_combos, to_area)
            near.memo[("quantiles", walk.age)] = q
        q_a, q_c = q
        sel = np.zeros(len(self.places), dtype=bool)
        sel[self.places.select(GATHERING, walk.categories)] = True
        places_a = np.bincount(self._pl_area, sel[self._pl_place], minlength=len(self.areas))

        rows = tuple(
            area_row(a.id, a.name, a.level, older_a[i], cov_a[i], int(places_a[i]), q_a[i])
            for i, a in enumerate(self.areas)
        )
        city = area_row(
            None, "", None, float(weights.sum()), math.fsum(weights[covered]),
            int(sel.sum()), q_c[0],
        )  # fmt: skip
        return CoverageResult(
            *walk.echo(self.method),
            max_distance_m=near.limit_m,
            areas=rows,
            city=city,
            notes=tuple(self._notes(walk.categories)),
        )

    def _weights_per_combo(self, age: int) -> NDArray[np.float64]:
        """Older residents per combination of areas (they do not depend on the places)."""
        w = self._combo_weights.get(age)
        if w is None:
            count = np.bincount(self._combo_of, self.demand.older(age), minlength=self._n_combos)
            w = self._combo_weights[age] = count.astype(np.float64)
        return w

    # -- gaps --------------------------------------------------------------------------------
    def gaps(
        self,
        *,
        min_uncovered_share: float = 0.5,
        limit: int | None = None,
        **query: Unpack[WalkQuery],
    ) -> GapsResult:
        """Cells whose older residents are beyond the threshold, most uncovered people first.

        Parameters
        ----------
        min_uncovered_share
            A cell is a gap when at least this share (0–1) of its older residents is beyond
            the threshold (default: half or more; 1.0 lists only wholly uncovered cells).
        limit
            Return at most this many cells (``None``: all).
        query
            The walk, as for :meth:`coverage`.
        """
        walk = Walk(**query)
        t = walk.threshold_m
        d = self.demand
        weights = d.older(walk.age)
        near = self.walks(walk)
        out = near.dist_m > t
        older = self._cell_weights.get(walk.age)
        if older is None:
            older = np.bincount(d.cell, weights, minlength=d.n_cells).astype(np.float64)
            self._cell_weights[walk.age] = older
        unc = np.bincount(d.cell, weights * out, minlength=d.n_cells)
        share = np.divide(unc, older, out=np.zeros_like(unc), where=older > 0)
        is_gap = (unc > 0) & (share >= min_uncovered_share - 1e-12)
        cells = np.flatnonzero(is_gap)
        rank = np.lexsort((cells, -unc[cells]))  # ties: the order the cells were given
        cells = cells[rank][:limit]

        # every cell's median and nearest walk (whole metres): per category set and age
        per_cell = near.memo.get(("cells", walk.age))
        if per_cell is None:
            per_cell = near.memo[("cells", walk.age)] = self._per_cell(near, weights)
        median_m, nearest_m, place = (a[cells] for a in per_cell)
        area = self.cell_area[cells]
        place_id = self._place_ids[place]  # -1 → None
        area_id, area_name = self._area_text[0][area], self._area_text[1][area]
        columns: dict[str, NDArray[Any]] = {
            "cell_id": self._cell_text[0][cells],
            "code": self._cell_text[1][cells],
            "lon": self.cell_lon[cells],
            "lat": self.cell_lat[cells],
            "older_population": older[cells],
            "uncovered_older_population": unc[cells],
            "covered_share": 1.0 - share[cells],
            "distance_m": median_m,
            "nearest_distance_m": nearest_m,
            "nearest_place_id": place_id,
            "area_id": area_id,
            "area_name": area_name,
            "placement": self._cell_text[2][cells],
        }
        return GapsResult(
            *walk.echo(self.method),
            max_distance_m=near.limit_m,
            min_uncovered_share=float(min_uncovered_share),
            uncovered_older_population=math.fsum(weights[out]),
            count=int(cells.size),
            notes=tuple(self._notes(walk.categories)),
            columns=columns,
        )

    def cells(self, **query: Unpack[WalkQuery]) -> dict[str, NDArray[Any]]:
        """Every population cell's older residents, those covered and its median walk, as
        columns in the cells' order: what a batch keeps per cell (gaps list only the gaps).

        The same walks as :meth:`gaps`, so a cell's uncovered residents there are
        ``older_population - covered_older_population`` here.
        """
        walk = Walk(**query)
        d = self.demand
        weights = d.older(walk.age)
        near = self.walks(walk)
        older = np.bincount(d.cell, weights, minlength=d.n_cells).astype(np.float64)
        covered = np.bincount(d.cell, weights * (near.dist_m <= walk.threshold_m),
                              minlength=d.n_cells)  # fmt: skip
        per_cell = near.memo.get(("cells", walk.age))
        if per_cell is None:
            per_cell = near.memo[("cells", walk.age)] = self._per_cell(near, weights)
        return {
            "cell_id": self._cell_text[0],
            "code": self._cell_text[1],
            "older_population": older,
            "covered_older_population": covered,
            "median_distance_m": per_cell[0],
        }

    def _per_cell(
        self, near: Nearest, weights: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
        """Each cell's weighted median walk, nearest walk (metres) and nearest place.

        One sort of the points by (cell, distance bin), kept per category set, gives every
        cell's points in order; the median is then a search in the running weight, per age.
        """
        d = self.demand
        bins, width, beyond = near.bins()
        order = near.memo.get("cell_order")
        if order is None:
            order = near.memo["cell_order"] = self._cell_order(bins, beyond)
        b = bins[order]
        cum = np.cumsum(weights[order])
        have = np.flatnonzero(self._cell_count > 0)
        start = self._cell_start[have]
        end = start + self._cell_count[have]
        base = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
        total = cum[end - 1] - base
        tol = 1e-9 * (np.abs(base) + np.abs(total))  # the running sum's rounding
        mid = np.searchsorted(cum, base + 0.5 * total - tol, side="left")
        mid = np.clip(mid, start, end - 1)
        median = np.full(d.n_cells, np.inf)
        nearest = np.full(d.n_cells, np.inf)
        place = np.full(d.n_cells, -1, dtype=np.int64)
        median[have] = np.where(b[mid] == beyond, np.inf, b[mid] * width)
        nearest[have] = np.where(b[start] == beyond, np.inf, b[start] * width)
        place[have] = near.place[order[start]]
        return median, nearest, place

    def _cell_order(self, bins: NDArray[np.int64], beyond: int) -> NDArray[np.int64]:
        """Demand points sorted by (cell, distance bin): one integer sort of packed keys."""
        by = self._by_cell
        cell = self.demand.cell[by]
        slot_bits = max(1, int(self._slot.max(initial=0)).bit_length())
        bin_bits = max(1, int(beyond).bit_length())
        cell_bits = max(1, int(self.demand.n_cells).bit_length())
        if slot_bits + bin_bits + cell_bits > 62:  # cannot pack: sort two keys
            return by[np.lexsort((bins[by], cell))]
        key = (cell << (bin_bits + slot_bits)) | (bins[by] << slot_bits) | self._slot
        key.sort()
        slot = key & ((1 << slot_bits) - 1)
        order: NDArray[np.int64] = by[self._cell_start[key >> (bin_bits + slot_bits)] + slot]
        return order

    # -- notes -------------------------------------------------------------------------------
    def _notes(self, categories: Sequence[str] | None) -> list[str]:
        notes = []
        if self.net is not None:
            notes.append(
                "Walking distances along the street network: places and residents are snapped "
                "to the nearest point on a street, and the snap distance counts as walking."
            )
        else:
            notes.append(
                "No walking network is built for this city: distances are straight lines in "
                f"EPSG:{self.epsg} (metres), shorter than the real walk."
            )
        notes += self._demand_notes
        if self.place_snap is not None:
            lost = int((~self.place_snap.valid[self.places.kind == GATHERING]).sum())
            if lost:
                notes.append(f"{lost} gathering place(s) are too far from any street to count.")
        if self.places.select(GATHERING, categories).size == 0:
            notes.append("No gathering place is in the categories asked for (venues never count).")
        if self.max_distance_m is not None:
            notes.append(
                f"Walks longer than {self.max_distance_m:.0f} m are reported as beyond reach."
            )
        return notes


def coverage(
    net: WalkNetwork | None,
    places: PlaceSet | Sequence[Place],
    demand: Demand,
    areas: Sequence[Area] = (),
    *,
    max_distance_m: float | None = DEFAULT_MAX_DISTANCE_M,
    **query: Unpack[WalkQuery],
) -> CoverageResult:
    """One-off :meth:`CoverageModel.coverage` (prepare a model to ask repeatedly)."""
    model = CoverageModel(net, places, demand, areas, max_distance_m=max_distance_m)
    return model.coverage(**query)


# -- helpers -----------------------------------------------------------------------------------
def _membership(
    geoms: NDArray[np.object_],
    level: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(area, point) pairs: each point in at most one area per level (first wins on borders;
    a point just outside takes the nearest, as geo/borders.py says for every answer)."""
    area, point = assign_in_plane(geoms, level, x, y)
    by_area = np.argsort(area, kind="stable")
    return area[by_area].astype(np.int64), point[by_area].astype(np.int64)
