"""Coverage: how many older residents live within a walk of a gathering place, per area.

A resident is *covered* when the walk to the nearest gathering place (in the categories asked
for) is at most ``minutes × speed``: by default 10 minutes at 3 km/h (50 m/min, an older
adult's pace) = 500 m, the 高齢者徒歩圏 of 国交省「都市構造の評価に関するハンドブック」;
800 m (一般的な徒歩圏) is the usual alternative. Walks follow the street network, with places
and residents snapped to the nearest point on a street and the snap counted as walking
(:mod:`geo.walk.snap`, :mod:`geo.walk.shortest`); where a city has no network, straight-line
distance in its plane-rectangular CRS is used and every answer says so. Venues (halls that could host a
gathering) never count as coverage. Residents are the weighted demand points of
:mod:`geo.analysis.demand`.

:class:`CoverageModel` is prepared once per (city, network, population, places) — snaps, area
membership, and one Dijkstra pass per category (:meth:`CoverageModel.prepare`) — and then
answers per (minutes, speed, age, categories) in milliseconds: a set of categories is the
element-wise minimum of its members' distances, and threshold, speed and age only re-weigh
them. Distances are exact up to a search radius (:data:`DEFAULT_MAX_DISTANCE_M`); median and
p90 walks are exact to the metre (rounded up) through a weighted histogram, with no sort.
"""

from __future__ import annotations

import gc
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from geo.analysis.demand import Demand
from geo.japan.crs import coords_fn, plane_transformer
from geo.model import Area, Place
from geo.walk.arrays import run_starts, unreached
from geo.walk.network import WalkNetwork
from geo.walk.shortest import distance_to_points, multi_source
from geo.walk.snap import Snap, snap_points
from geo.walk.walking_time import STRAIGHT_LINE

NETWORK = "network"
DEFAULT_MINUTES = 10.0
DEFAULT_SPEED_KMH = 3.0  # 50 m/min: an older adult's pace (ORS/Valhalla default to ~5 km/h)
DEFAULT_THRESHOLD_M = 500.0  # 高齢者徒歩圏, 国交省「都市構造の評価に関するハンドブック」
ALTERNATIVE_THRESHOLD_M = 800.0  # 一般的な徒歩圏
#: Walks are searched this far (40 minutes at 3 km/h); farther ones are reported as beyond
#: reach (``inf``), which no older resident would walk to a salon anyway and which keeps
#: the Dijkstra pass short in sparse rural networks.
DEFAULT_MAX_DISTANCE_M = 2000.0
GATHERING = "gathering"
VENUE = "venue"
_CACHE_SIZE = 16


def threshold_m(minutes: float, speed_kmh: float) -> float:
    """Walking distance in metres covered in ``minutes`` at ``speed_kmh``."""
    if minutes < 0 or speed_kmh <= 0:
        raise ValueError("minutes must be >= 0 and speed_kmh > 0")
    return float(minutes) * float(speed_kmh) * 1000.0 / 60.0


@dataclass(frozen=True)
class PlaceSet:
    """Places as parallel arrays (WGS84 degrees), the form the analyses work in.

    Attributes
    ----------
    id, kind, category : (n,) str
        ``kind`` is ``gathering`` (counts as coverage) or ``venue`` (a candidate site only).
    lon, lat : (n,) float64
    """

    id: NDArray[np.str_]
    kind: NDArray[np.str_]
    category: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.id.size)

    @classmethod
    def from_places(cls, places: Sequence[Place], *, include_paused: bool = False) -> PlaceSet:
        """Active places (and paused ones if asked); closed places are never included."""
        keep = [
            p for p in places if p.status == "active" or (include_paused and p.status == "paused")
        ]
        return cls(
            id=np.array([p.id for p in keep], dtype=str).reshape(len(keep)),
            kind=np.array([p.kind for p in keep], dtype=str).reshape(len(keep)),
            category=np.array([p.category for p in keep], dtype=str).reshape(len(keep)),
            lon=np.array([p.lon for p in keep], dtype=np.float64).reshape(len(keep)),
            lat=np.array([p.lat for p in keep], dtype=np.float64).reshape(len(keep)),
        )

    @classmethod
    def from_arrays(
        cls,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        ids: ArrayLike | None = None,
        kind: ArrayLike | str = GATHERING,
        category: ArrayLike | str = "",
    ) -> PlaceSet:
        """Places from arrays; ``kind`` and ``category`` may be one value for all."""
        lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        n = lon_a.size
        id_a = np.arange(n).astype(str) if ids is None else np.asarray(ids).astype(str)
        return cls(
            id=id_a.reshape(n),
            kind=np.broadcast_to(np.asarray(kind).astype(str), (n,)).copy(),
            category=np.broadcast_to(np.asarray(category).astype(str), (n,)).copy(),
            lon=lon_a,
            lat=lat_a,
        )

    def select(self, kind: str, categories: Sequence[str] | None) -> NDArray[np.int64]:
        """Indices of places of ``kind`` in ``categories`` (all categories when ``None``)."""
        mask = self.kind == kind
        if categories is not None:
            mask &= np.isin(self.category, np.asarray(list(categories), dtype=str))
        return np.flatnonzero(mask)


def as_place_set(places: PlaceSet | Sequence[Place]) -> PlaceSet:
    """Accept either form the callers hold."""
    return places if isinstance(places, PlaceSet) else PlaceSet.from_places(places)


# -- results -------------------------------------------------------------------------------------
def json_ready(value: Any) -> Any:
    """JSON has no infinity: ``inf`` (beyond reach) becomes ``None``, in nested data too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


@dataclass(frozen=True)
class AreaCoverage:
    """Coverage of one area (or of the whole city, with ``area_id`` ``None``).

    Attributes
    ----------
    older_population : float
        Residents aged ``age`` and over whose demand points lie in the area.
    covered_older_population : float
        Of them, those within the threshold of a gathering place.
    covered_share : float | None
        ``covered / older`` (0–1); ``None`` when the area has no older residents.
    places : int
        Gathering places (in the categories asked for) located in the area.
    median_distance_m, p90_distance_m : float | None
        Walk to the nearest gathering place that half / 90 % of the older residents are within,
        metres rounded up to whole metres; ``inf`` when farther than the search radius or
        unreachable, ``None`` when the area has no older residents.
    """

    area_id: str | None
    name: str
    level: int | None
    older_population: float
    covered_older_population: float
    covered_share: float | None
    places: int
    median_distance_m: float | None
    p90_distance_m: float | None


@dataclass(frozen=True)
class CoverageResult:
    """Coverage per area and for the whole city, with the method and parameters used.

    ``method`` is ``network`` or ``straight-line``; ``threshold_m = minutes × speed``;
    ``max_distance_m`` is the search radius beyond which distances read ``inf``.
    """

    method: str
    minutes: float
    speed_kmh: float
    threshold_m: float
    age: int
    categories: tuple[str, ...] | None
    max_distance_m: float | None
    areas: tuple[AreaCoverage, ...]
    city: AreaCoverage
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; distances beyond reach become ``None``."""
        out: dict[str, Any] = json_ready(asdict(self))
        return out


@dataclass(slots=True)
class Gap:
    """A population cell whose older residents are mostly beyond reach.

    Attributes
    ----------
    cell_id, code : str
        The :class:`~geo.model.PopulationCell` ``id`` and ``code``.
    lon, lat : float
        A representative point of the cell (its point, or centroid), WGS84.
    older_population, uncovered_older_population : float
        Residents aged ``age``+ in the cell, and those beyond the threshold.
    covered_share : float
        ``1 - uncovered / older``.
    distance_m : float
        Walk from the cell's median older resident to the nearest gathering place, metres
        rounded up; ``inf`` beyond the search radius or unreachable.
    nearest_distance_m : float
        The shortest such walk from anywhere in the cell (its closest street point), metres.
    nearest_place_id : str | None
        The place that closest walk leads to.
    area_id, area_name : str | None
        The deepest area holding the cell's representative point.
    placement : str
        How the cell's people were placed (:mod:`geo.analysis.demand`: ``streets``, ``point`` …).
    """

    cell_id: str
    code: str
    lon: float
    lat: float
    older_population: float
    uncovered_older_population: float
    covered_share: float
    distance_m: float
    nearest_distance_m: float
    nearest_place_id: str | None
    area_id: str | None
    area_name: str | None
    placement: str


GAP_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Gap))


@dataclass(frozen=True)
class GapsResult:
    """Gap cells ranked by uncovered older population, with the method and parameters used.

    The cells are held as columns (:attr:`columns`, one numpy array per :class:`Gap` field,
    in rank order), so answering costs no Python object per cell; :attr:`gaps` builds the
    records on first use and :meth:`as_dict` builds JSON-ready ones.
    """

    method: str
    minutes: float
    speed_kmh: float
    threshold_m: float
    age: int
    categories: tuple[str, ...] | None
    max_distance_m: float | None
    min_uncovered_share: float
    uncovered_older_population: float  # the whole city's, gap cells or not
    count: int  # gap cells in the answer
    notes: tuple[str, ...]
    columns: dict[str, NDArray[Any]] = field(repr=False, compare=False)

    @cached_property
    def gaps(self) -> tuple[Gap, ...]:
        """The gap cells as :class:`Gap` records, most uncovered older residents first."""
        cols = [self.columns[name].tolist() for name in GAP_FIELDS]
        # with the collector paused: thousands of new records otherwise set off full
        # collections over every object the process holds (3-7× slower)
        with _collector_paused():
            return tuple(map(Gap, *cols))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; distances beyond reach become ``None``."""
        out: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "columns"
        }
        out = json_ready(out)
        cols = []
        for name in GAP_FIELDS:
            col = self.columns[name]
            if col.dtype.kind == "f" and not np.isfinite(col).all():
                col = col.astype(object)
                col[~np.isfinite(col.astype(np.float64))] = None
            cols.append(col.tolist())
        with _collector_paused():  # as for :attr:`gaps`: many small objects at once
            rows = zip(*cols, strict=True)
            out["gaps"] = [dict(zip(GAP_FIELDS, row, strict=True)) for row in rows]
        return out


# -- the model ---------------------------------------------------------------------------------
@dataclass
class Nearest:
    """Each demand point's walk to its nearest selected place (cached per category and set).

    Attributes
    ----------
    dist_m : (p,) float64
        Metres, ``inf`` beyond ``limit_m`` or unreachable.
    place : (p,) int64
        Index into the model's :class:`PlaceSet`, -1 when none.
    limit_m : float | None
        Search radius used.
    """

    dist_m: NDArray[np.float64]
    place: NDArray[np.int64]
    limit_m: float | None
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)  # derived arrays


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
        the same
        network (or without one).
    areas
        The city's areas, any levels (WGS84 geometry); may be empty.
    max_distance_m
        Search radius in metres (``None``: unlimited); see :data:`DEFAULT_MAX_DISTANCE_M`.
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

    def _limit_for(self, threshold: float) -> float | None:
        if self.max_distance_m is None:
            return None
        return max(float(self.max_distance_m), threshold)

    # -- coverage ----------------------------------------------------------------------------
    def coverage(
        self,
        *,
        minutes: float = DEFAULT_MINUTES,
        speed_kmh: float = DEFAULT_SPEED_KMH,
        age: int = 65,
        categories: Sequence[str] | None = None,
    ) -> CoverageResult:
        """Per-area and city coverage at ``minutes`` of walking at ``speed_kmh`` (km/h).

        Parameters
        ----------
        minutes, speed_kmh
            The walking threshold is ``minutes × speed`` metres (default 10 min × 3 km/h = 500 m).
        age
            65 or 75: whose coverage (65+ or 75+ residents).
        categories
            Category slugs of gathering places that count; ``None``: all of them. Venues never
            count, whatever their category.
        """
        limit_t = threshold_m(minutes, speed_kmh)
        weights = self.demand.older(age)
        near = self.nearest(categories, limit_m=self._limit_for(limit_t))
        covered = near.dist_m <= limit_t
        n_areas = len(self.areas)
        to_area = self._area_of_combo
        older_a = to_area @ self._weights_per_combo(age)
        cov_a = to_area @ np.bincount(self._combo_of, weights * covered, minlength=self._n_combos)
        q = near._memo.get(("quantiles", age))  # depends on the category set and age only
        if q is None:
            bins, width, beyond = _distance_bins(near)
            hist = _histogram(self._combo_of, bins, weights, self._n_combos, beyond)
            if hist is None:  # very long walks: sort instead of binning
                q_c = _sorted_quantiles(np.zeros(bins.size, dtype=np.int64), bins, weights, 1,
                                        width, _QS, beyond)  # fmt: skip
                q_a = np.full((n_areas, len(_QS)), np.nan)
                for i in range(n_areas):  # rare: the histogram would not fit
                    member = np.isin(self._combo_of, to_area[i].indices)
                    q_a[i] = _sorted_quantiles(np.zeros(int(member.sum()), dtype=np.int64),
                                               bins[member], weights[member], 1, width, _QS,
                                               beyond)[0]  # fmt: skip
            else:
                q_a = _hist_quantiles(np.asarray(to_area @ hist), width, beyond)
                q_c = _hist_quantiles(hist.sum(axis=0, keepdims=True), width, beyond)
            q = near._memo[("quantiles", age)] = (q_a, q_c)
        q_a, q_c = q
        sel = np.zeros(len(self.places), dtype=bool)
        sel[self.places.select(GATHERING, categories)] = True
        places_a = np.bincount(self._pl_area, sel[self._pl_place], minlength=n_areas)

        rows = tuple(
            _area_row(a.id, a.name, a.level, older_a[i], cov_a[i], int(places_a[i]), q_a[i])
            for i, a in enumerate(self.areas)
        )
        city = _area_row(
            None, "", None, float(weights.sum()), float(weights @ covered),
            int(sel.sum()), q_c[0],
        )  # fmt: skip
        return CoverageResult(
            method=self.method,
            minutes=float(minutes),
            speed_kmh=float(speed_kmh),
            threshold_m=limit_t,
            age=int(age),
            categories=None if categories is None else tuple(categories),
            max_distance_m=near.limit_m,
            areas=rows,
            city=city,
            notes=tuple(self._notes(categories)),
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
        minutes: float = DEFAULT_MINUTES,
        speed_kmh: float = DEFAULT_SPEED_KMH,
        age: int = 65,
        categories: Sequence[str] | None = None,
        min_uncovered_share: float = 0.5,
        limit: int | None = None,
    ) -> GapsResult:
        """Cells whose older residents are beyond the threshold, most uncovered people first.

        Parameters
        ----------
        minutes, speed_kmh, age, categories
            As for :meth:`coverage`.
        min_uncovered_share
            A cell is a gap when at least this share (0–1) of its older residents is beyond
            the threshold (default: half or more; 1.0 lists only wholly uncovered cells).
        limit
            Return at most this many cells (``None``: all).
        """
        t = threshold_m(minutes, speed_kmh)
        d = self.demand
        weights = d.older(age)
        near = self.nearest(categories, limit_m=self._limit_for(t))
        out = near.dist_m > t
        older = self._cell_weights.get(age)
        if older is None:
            older = np.bincount(d.cell, weights, minlength=d.n_cells).astype(np.float64)
            self._cell_weights[age] = older
        unc = np.bincount(d.cell, weights * out, minlength=d.n_cells)
        share = np.divide(unc, older, out=np.zeros_like(unc), where=older > 0)
        is_gap = (unc > 0) & (share >= min_uncovered_share - 1e-12)
        cells = np.flatnonzero(is_gap)
        rank = np.lexsort((cells, -unc[cells]))  # ties: the order the cells were given
        cells = cells[rank][:limit]

        # every cell's median and nearest walk (whole metres): per category set and age
        per_cell = near._memo.get(("cells", age))
        if per_cell is None:
            per_cell = near._memo[("cells", age)] = self._per_cell(near, weights)
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
            method=self.method,
            minutes=float(minutes),
            speed_kmh=float(speed_kmh),
            threshold_m=t,
            age=int(age),
            categories=None if categories is None else tuple(categories),
            max_distance_m=near.limit_m,
            min_uncovered_share=float(min_uncovered_share),
            uncovered_older_population=float(weights @ out),
            count=int(cells.size),
            notes=tuple(self._notes(categories)),
            columns=columns,
        )

    def _per_cell(
        self, near: Nearest, weights: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
        """Each cell's weighted median walk, nearest walk (metres) and nearest place.

        One sort of the points by (cell, distance bin), kept per category set, gives every
        cell's points in order; the median is then a search in the running weight, per age.
        """
        d = self.demand
        bins, width, beyond = _distance_bins(near)
        order = near._memo.get("cell_order")
        if order is None:
            order = near._memo["cell_order"] = self._cell_order(bins, beyond)
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
    minutes: float = DEFAULT_MINUTES,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    age: int = 65,
    categories: Sequence[str] | None = None,
    max_distance_m: float | None = DEFAULT_MAX_DISTANCE_M,
) -> CoverageResult:
    """One-off :meth:`CoverageModel.coverage` (prepare a model to ask repeatedly)."""
    model = CoverageModel(net, places, demand, areas, max_distance_m=max_distance_m)
    return model.coverage(minutes=minutes, speed_kmh=speed_kmh, age=age, categories=categories)


def gaps(
    net: WalkNetwork | None,
    places: PlaceSet | Sequence[Place],
    demand: Demand,
    areas: Sequence[Area] = (),
    *,
    minutes: float = DEFAULT_MINUTES,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    age: int = 65,
    categories: Sequence[str] | None = None,
    min_uncovered_share: float = 0.5,
    limit: int | None = None,
    max_distance_m: float | None = DEFAULT_MAX_DISTANCE_M,
) -> GapsResult:
    """One-off :meth:`CoverageModel.gaps` (prepare a model to ask repeatedly)."""
    model = CoverageModel(net, places, demand, areas, max_distance_m=max_distance_m)
    return model.gaps(
        minutes=minutes,
        speed_kmh=speed_kmh,
        age=age,
        categories=categories,
        min_uncovered_share=min_uncovered_share,
        limit=limit,
    )


# -- helpers -----------------------------------------------------------------------------------
@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small records without cycles.

    Safe across threads: whichever thread ends last leaves the collector as it found it.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _membership(
    geoms: NDArray[np.object_],
    level: NDArray[np.int64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(area, point) pairs: each point in at most one area per level (first wins on borders)."""
    if geoms.size == 0 or x.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy()
    tree = shapely.STRtree(shapely.points(x, y))
    area, point = tree.query(geoms, predicate="intersects")
    order = np.lexsort((area, level[area], point))
    area, point = area[order], point[order]
    first = run_starts(point, level[area])
    area, point = area[first], point[first]
    by_area = np.argsort(area, kind="stable")
    return area[by_area].astype(np.int64), point[by_area].astype(np.int64)


#: Quantile histograms stay under this many bins (groups × distance bins).
_MAX_BINS = 20_000_000


def _distance_bins(near: Nearest) -> tuple[NDArray[np.int64], float, int]:
    """Distances as whole-metre bins ``ceil(d / width)``, the last bin meaning beyond reach.

    Quantiles of rounded-up distances are the rounded-up quantiles (rounding up is monotone),
    so a weighted histogram gives them exactly, without sorting every point per query.
    Returns the bins, the bin width in metres and the index of the beyond-reach bin.
    """
    finite = np.isfinite(near.dist_m)
    top = float(near.dist_m[finite].max()) if finite.any() else 0.0
    width = float(max(1, math.ceil(top / 200_000.0)))  # 1 m bins up to 200 km of walking
    beyond = int(math.ceil(top / width)) + 1
    cached = near._memo.get(("bins", width))
    if cached is None:
        b = np.full(near.dist_m.size, beyond, dtype=np.int64)
        b[finite] = np.ceil(near.dist_m[finite] / width - 1e-9).astype(np.int64)
        near._memo[("bins", width)] = cached = b
    return cached, width, beyond


_QS = (0.5, 0.9)  # the median and the 90th percentile


def _histogram(
    group: NDArray[np.int64],
    bins: NDArray[np.int64],
    weights: NDArray[np.float64],
    n_groups: int,
    beyond: int,
) -> NDArray[np.float64] | None:
    """Weight per (group, distance bin), ``(n_groups, beyond + 1)``; ``None`` if too large."""
    n_bins = beyond + 1
    if n_groups * n_bins > _MAX_BINS:
        return None
    flat = np.bincount(group * n_bins + bins, weights, minlength=n_groups * n_bins)
    return flat.reshape(n_groups, n_bins).astype(np.float64)


def _hist_quantiles(
    hist: NDArray[np.float64], width: float, beyond: int, qs: tuple[float, ...] = _QS
) -> NDArray[np.float64]:
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


def _binned_quantiles(
    group: NDArray[np.int64],
    bins: NDArray[np.int64],
    weights: NDArray[np.float64],
    n_groups: int,
    width: float,
    beyond: int,
    qs: tuple[float, ...] = _QS,
) -> NDArray[np.float64]:
    """Weighted lower quantiles per group: the least ``d`` with weight(dist ≤ d) ≥ q × total.

    Returns ``(n_groups, len(qs))`` metres; ``nan`` for groups with no weight, ``inf`` where the
    quantile falls beyond reach.
    """
    if n_groups == 0 or bins.size == 0:
        return np.full((n_groups, len(qs)), np.nan)
    hist = _histogram(group, bins, weights, n_groups, beyond)
    if hist is None:  # very long walks in many groups: sort instead
        return _sorted_quantiles(group, bins, weights, n_groups, width, qs, beyond)
    return _hist_quantiles(hist, width, beyond, qs)


def _sorted_quantiles(
    group: NDArray[np.int64],
    bins: NDArray[np.int64],
    weights: NDArray[np.float64],
    n_groups: int,
    width: float,
    qs: tuple[float, ...],
    beyond: int,
) -> NDArray[np.float64]:
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


def _area_row(
    area_id: str | None,
    name: str,
    level: int | None,
    older: float,
    covered: float,
    places: int,
    q: NDArray[np.float64],
) -> AreaCoverage:
    has = older > 0
    return AreaCoverage(
        area_id=area_id,
        name=name,
        level=level,
        older_population=float(older),
        covered_older_population=float(covered),
        covered_share=float(covered / older) if has else None,
        places=places,
        median_distance_m=float(q[0]) if has else None,
        p90_distance_m=float(q[1]) if has else None,
    )
