"""Site suggestions: choose K new sites that newly cover the most older residents (MCLP).

Existing gathering places are kept fixed: residents they already reach within the threshold
are taken out first, so a new site only scores for people nobody reaches yet. Candidates are
the venues of the categories asked for (public halls, 集会所 …) or, when there are none, street
nodes near the uncovered residents (thinned to one per ``candidate_spacing_m`` square, the one
with most uncovered people at its street ends). Without a network, candidates fall back to the
representative points of uncovered cells and distances are straight lines.

Two answers: a greedy one (each pick the candidate adding the most newly covered people;
within 1 − 1/e ≈ 63 % of the optimum, usually much closer) with the newly covered count per
pick, and for small K an exact one (``scipy.optimize.milp``, HiGHS branch-and-bound, solved to
a zero optimality gap) that says how far greedy is from the optimum. Residents whose sets of
reaching candidates are identical are merged before solving; this changes no answer and
shrinks the problem many times over.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Unpack

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity
from scipy.spatial import cKDTree

from geo.analysis.coverage import CoverageModel
from geo.analysis.params import VENUE, Walk, WalkAnswer, WalkQuery
from geo.analysis.placeset import PlaceSet
from geo.japan.crs import plane_transformer
from geo.walk.arrays import run_starts
from geo.walk.shortest import pairs_within
from geo.walk.snap import Snap

EXACT_MAX_K = 10  # exact solve by default up to this many sites
DEFAULT_TIME_LIMIT_S = 20.0
DEFAULT_MAX_CANDIDATES = 2000
DEFAULT_CANDIDATE_SPACING_M = 100.0
_MAX_PAD = 50_000_000  # cells of the padded matrix used to merge identical residents


# -- the abstract problem ----------------------------------------------------------------------
def greedy_max_cover(
    cover: csr_matrix, weight: NDArray[np.float64], k: int
) -> tuple[list[int], list[float]]:
    """Greedy maximal cover: ``k`` rows (candidates) and what each adds, in pick order.

    ``cover[j, u]`` is nonzero when candidate ``j`` reaches unit ``u`` of weight
    ``weight[u]``. Ties go to the lowest index; picking stops early when nothing is left to
    gain.
    """
    w = np.asarray(weight, dtype=np.float64).copy()
    a = (cover != 0).astype(np.float64).tocsr()
    picks: list[int] = []
    gains: list[float] = []
    for _ in range(min(k, a.shape[0])):
        gain = a @ w
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        picks.append(j)
        gains.append(float(gain[j]))
        w[a.indices[a.indptr[j] : a.indptr[j + 1]]] = 0.0
    return picks, gains


@dataclass(frozen=True)
class ExactCover:
    """An exact maximal cover.

    Attributes
    ----------
    picks : tuple[int, ...]
        Chosen candidates.
    value : float
        Weight they cover together.
    upper_bound : float
        Proven bound on the optimum (equal to ``value`` when ``optimal``).
    optimal : bool
        The solver proved ``value`` optimal.
    status : str
        The solver's message.
    seconds : float
        Solve time.
    """

    picks: tuple[int, ...]
    value: float
    upper_bound: float
    optimal: bool
    status: str
    seconds: float


def exact_max_cover(
    cover: csr_matrix,
    weight: NDArray[np.float64],
    k: int,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> ExactCover:
    """Maximal cover of at most ``k`` candidates, solved as a MILP (HiGHS via scipy).

    maximise Σ w_u y_u  subject to  y_u ≤ Σ_{j reaches u} x_j,  Σ x_j ≤ k,
    x ∈ {0, 1}, 0 ≤ y ≤ 1. ``mip_rel_gap`` is 0, so "optimal" means proven optimal.
    """
    t0 = time.perf_counter()
    a = (cover != 0).astype(np.float64).tocsr()
    n_c, n_u = a.shape
    w = np.asarray(weight, dtype=np.float64)
    if n_c == 0 or n_u == 0 or k <= 0:
        return ExactCover((), 0.0, 0.0, True, "nothing to cover", time.perf_counter() - t0)
    c = np.concatenate([np.zeros(n_c), -w])
    rows = hstack([-a.T, identity(n_u, format="csr")], format="csr")
    budget = csr_matrix(np.concatenate([np.ones(n_c), np.zeros(n_u)])[None, :])
    constraints = [
        LinearConstraint(rows, -np.inf, 0.0),
        LinearConstraint(budget, -np.inf, float(k)),
    ]
    integrality = np.concatenate([np.ones(n_c), np.zeros(n_u)])
    res = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 0.0},
    )
    seconds = time.perf_counter() - t0
    if res.x is None:
        return ExactCover((), 0.0, math.inf, False, str(res.message), seconds)
    chosen = np.flatnonzero(res.x[:n_c] > 0.5)
    value = _covered_value(a, w, chosen)
    bound = getattr(res, "mip_dual_bound", None)
    upper = -float(bound) if bound is not None and np.isfinite(bound) else math.inf
    optimal = res.status == 0
    upper = max(value, upper) if not optimal else value
    return ExactCover(tuple(int(j) for j in chosen), value, upper, optimal, str(res.message),
                      seconds)  # fmt: skip


def _covered_value(a: csr_matrix, w: NDArray[np.float64], chosen: NDArray[np.int64]) -> float:
    if chosen.size == 0:
        return 0.0
    hit = np.zeros(a.shape[1], dtype=bool)
    hit[a[chosen].indices] = True
    return float(w[hit].sum())


def merge_units(
    cover: csr_matrix, weight: NDArray[np.float64]
) -> tuple[csr_matrix, NDArray[np.float64]]:
    """Merge units reached by exactly the same candidates (weights summed); drop the rest.

    Units no candidate reaches, or of zero weight, cannot change any choice and are dropped.
    Exact: rows of candidate indices are compared whole (``np.unique`` on a padded matrix);
    when that matrix would be too large the units are kept as they are.
    """
    csc = (cover != 0).tocsc()
    csc.sort_indices()
    w = np.asarray(weight, dtype=np.float64)
    size = np.diff(csc.indptr)
    keep = np.flatnonzero((size > 0) & (w > 0))
    if keep.size == 0:
        return csr_matrix((cover.shape[0], 0)), np.zeros(0)
    width = int(size[keep].max())
    if keep.size * width > _MAX_PAD:
        sub = csc[:, keep].tocsr()
        return sub, w[keep]
    pad = np.full((keep.size, width), -1, dtype=np.int64)
    row = np.repeat(np.arange(keep.size), size[keep])
    col = np.arange(row.size) - np.repeat(np.cumsum(size[keep]) - size[keep], size[keep])
    starts = np.repeat(csc.indptr[keep], size[keep])
    pad[row, col] = csc.indices[starts + col]
    uniq, inverse = np.unique(pad, axis=0, return_inverse=True)
    merged_w = np.bincount(inverse.ravel(), w[keep], minlength=uniq.shape[0]).astype(np.float64)
    u_row, u_col = np.nonzero(uniq >= 0)
    merged = csr_matrix(
        (np.ones(u_row.size), (uniq[u_row, u_col], u_row)), shape=(cover.shape[0], uniq.shape[0])
    )
    return merged, merged_w


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SitePick:
    """One suggested site.

    Attributes
    ----------
    rank : int
        1 for the first pick.
    kind : str
        ``venue``, ``node`` or ``cell``.
    id : str
        The venue's place id, ``node:<id>`` for a street node, ``cell:<id>`` for a cell.
    lon, lat : float
        WGS84.
    newly_covered : float
        Older residents this site brings within the threshold, given the picks before it.
    cumulative : float
        Newly covered by this pick and all before it.
    """

    rank: int
    kind: str
    id: str
    lon: float
    lat: float
    newly_covered: float
    cumulative: float


@dataclass(frozen=True)
class ExactSolution:
    """The exact answer and how far greedy is from it.

    Attributes
    ----------
    picks : tuple[SitePick, ...]
        The optimal sites, ordered by what each adds (greedy order within the set).
    covered : float
        Older residents they newly cover.
    upper_bound : float
        Proven bound on the optimum (``covered`` when ``optimal``).
    optimal : bool
        Proven optimal within the time limit.
    greedy_gap : float
        ``covered − greedy covered``: people greedy leaves out (≥ 0 when optimal; below 0 only
        when a time-limited solve found less than greedy).
    greedy_ratio : float | None
        ``greedy covered / covered``, within 0–1 (1 when greedy reaches or passes a
        time-limited solve), ``None`` when nothing can be covered.
    status : str
    seconds : float
    """

    picks: tuple[SitePick, ...]
    covered: float
    upper_bound: float
    optimal: bool
    greedy_gap: float
    greedy_ratio: float | None
    status: str
    seconds: float


@dataclass(frozen=True)
class SitingResult(WalkAnswer):
    """K suggested sites after the method and parameters, greedy and (for small K) exact.

    ``older_population`` is the city's 65+/75+; ``already_covered`` those existing places
    reach; ``uncovered`` the rest, which the picks compete for.
    """

    k: int
    candidates: str
    n_candidates: int
    older_population: float
    already_covered: float
    uncovered: float
    greedy: tuple[SitePick, ...]
    greedy_covered: float
    exact: ExactSolution | None
    notes: tuple[str, ...] = field(default=())


# -- candidates and the cover matrix -------------------------------------------------------------
@dataclass(frozen=True)
class Candidates:
    """Candidate sites (ids, kinds, WGS84), their plane positions and snaps on the network.

    ``label`` says where they came from, as the answer's ``candidates`` field gives it.
    """

    label: str
    sites: PlaceSet
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    snap: Snap | None


def suggest_sites(
    model: CoverageModel,
    k: int,
    *,
    candidate_categories: Sequence[str] | None = None,
    exact: bool | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    candidate_spacing_m: float = DEFAULT_CANDIDATE_SPACING_M,
    streets_beyond_m: float | None = None,
    **query: Unpack[WalkQuery],
) -> SitingResult:
    """Choose ``k`` new sites that newly cover the most older residents.

    Parameters
    ----------
    model
        A prepared :class:`~geo.analysis.coverage.CoverageModel` (its places stay fixed).
    k
        Number of new sites.
    candidate_categories
        Venue categories to choose from (``None``: every venue); with no such venue, street
        nodes (or, without a network, cells) are the candidates.
    exact
        Also solve exactly; ``None`` does so when ``k <= EXACT_MAX_K``.
    time_limit_s
        Time limit of the exact solve, seconds; past it the best solution and its proven
        bound are reported.
    max_candidates, candidate_spacing_m
        Thinning of node candidates: one per square of this side (metres), grown until at
        most ``max_candidates`` remain.
    streets_beyond_m
        Also offer street nodes (cells without a network) farther than this from every venue:
        an area without a hall can then get a site, and near a hall the hall is preferred.
        ``None`` (default): venues only, when there are any.
    query
        The walk (:class:`~geo.analysis.params.Walk`), as for coverage: the threshold, whose
        residents, and which existing gathering places count.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    walk = Walk(**query)
    t = walk.threshold_m
    w = model.demand.older(walk.age)
    near = model.walks(walk)
    out = (near.dist_m > t) & (w > 0)
    notes: list[str] = []
    cand = _candidates(
        model,
        candidate_categories,
        out,
        w,
        (max_candidates, candidate_spacing_m),
        notes,
        streets_beyond_m,
    )
    units = np.flatnonzero(out)
    cover = _cover(model, cand, units, t)
    merged, mw = merge_units(cover, w[units])

    picks, gains = greedy_max_cover(merged, mw, k)
    greedy = _picks(cand, picks, gains)
    if len(picks) < k:
        notes.append(f"Only {len(picks)} site(s) add anyone: the rest would cover nobody new.")
    greedy_total = float(sum(gains))
    solution = None
    if exact or (exact is None and k <= EXACT_MAX_K):
        ex = exact_max_cover(merged, mw, k, time_limit_s=time_limit_s)
        order, ex_gains = greedy_max_cover(merged[list(ex.picks)], mw, len(ex.picks))
        ex_picks = _picks(cand, [ex.picks[i] for i in order], ex_gains)
        solution = ExactSolution(
            picks=ex_picks,
            covered=ex.value,
            upper_bound=ex.upper_bound,
            optimal=ex.optimal,
            # both sums add the same weights in other orders: keep their rounding noise out
            greedy_gap=max(ex.value - greedy_total, 0.0) if ex.optimal else ex.value - greedy_total,
            greedy_ratio=min(max(greedy_total / ex.value, 0.0), 1.0) if ex.value > 0 else None,
            status=ex.status,
            seconds=ex.seconds,
        )
        if not ex.optimal:
            notes.append(
                f"The exact solve stopped at its {time_limit_s:g} s limit: the optimum is at "
                f"most {ex.upper_bound:.1f}."
            )
    return SitingResult(
        *walk.echo(model.method),
        k=int(k),
        candidates=cand.label,
        n_candidates=len(cand.sites),
        older_population=float(w.sum()),
        already_covered=float(w[near.dist_m <= t].sum()),
        uncovered=float(w[out].sum()),
        greedy=greedy,
        greedy_covered=greedy_total,
        exact=solution,
        notes=tuple(notes),
    )


def _picks(cand: Candidates, picks: Sequence[int], gains: Sequence[float]) -> tuple[SitePick, ...]:
    cum = np.cumsum(gains) if len(gains) else np.zeros(0)
    return tuple(
        SitePick(
            r + 1,
            str(cand.sites.kind[j]),
            str(cand.sites.id[j]),
            float(cand.sites.lon[j]),
            float(cand.sites.lat[j]),
            float(g),
            float(c),
        )  # fmt: skip
        for r, (j, g, c) in enumerate(zip(picks, gains, cum.tolist(), strict=True))
    )


def _candidates(
    model: CoverageModel,
    categories: Sequence[str] | None,
    out: NDArray[np.bool_],
    w: NDArray[np.float64],
    thinning: tuple[int, float],
    notes: list[str],
    streets_beyond_m: float | None = None,
) -> Candidates:
    """Venues of the categories asked for, else thinned street nodes (or cells); with
    ``streets_beyond_m``, venues and the street points farther than that from every venue."""
    places = model.places
    sel = places.select(VENUE, categories)
    what = "venues" if categories is None else "venues:" + ",".join(categories)
    if sel.size:
        snap = None if model.place_snap is None else model.place_snap.take(sel)
        venues = Candidates(what, places.take(sel), model.place_x[sel], model.place_y[sel], snap)
        if streets_beyond_m is None:
            return venues
        streets = _street_candidates(model, out, w, *thinning)
        return _join(venues, streets, streets_beyond_m)
    notes.append(f"No {what} to choose from: street nodes near uncovered residents are used.")
    return _street_candidates(model, out, w, *thinning)


def _join(venues: Candidates, streets: Candidates, beyond_m: float) -> Candidates:
    """Venues, and the street points beyond ``beyond_m`` of every venue: near a hall the hall
    is the suggestion, elsewhere a street point can be, so an area without a hall gets one."""
    if len(streets.sites):
        gap, _ = cKDTree(np.column_stack([venues.x, venues.y])).query(
            np.column_stack([streets.x, streets.y])
        )
        keep = np.flatnonzero(gap > beyond_m)
    else:
        keep = np.zeros(0, dtype=np.int64)
    far = streets.sites.take(keep)
    sites = PlaceSet(
        *(np.concatenate([getattr(venues.sites, f.name), getattr(far, f.name)])
          for f in fields(PlaceSet))
    )  # fmt: skip
    snap = None
    if venues.snap is not None and streets.snap is not None:
        snap = Snap.concat([venues.snap, streets.snap.take(keep)])
    return Candidates(
        f"{venues.label}+{streets.label}",
        sites,
        np.concatenate([venues.x, streets.x[keep]]),
        np.concatenate([venues.y, streets.y[keep]]),
        snap,
    )


def _street_candidates(
    model: CoverageModel,
    out: NDArray[np.bool_],
    w: NDArray[np.float64],
    max_candidates: int,
    spacing_m: float,
) -> Candidates:
    """Street nodes near uncovered residents, thinned (or, without a network, cells)."""
    demand = model.demand
    net = model.net
    tr = plane_transformer(model.epsg)
    if net is None or demand.snap is None:
        # no network: the representative points of cells with uncovered residents
        cells = np.unique(demand.cell[out])
        cells = cells[np.isfinite(demand.cell_x[cells])]
        local = np.bincount(demand.cell[out], w[out], minlength=demand.n_cells)[cells]
        pick = _thin(demand.cell_x[cells], demand.cell_y[cells], local, spacing_m, max_candidates)
        cells = cells[pick]
        lon, lat = tr.transform(demand.cell_x[cells], demand.cell_y[cells], direction="INVERSE")
        ids = np.char.add("cell:", demand.cell_id[cells])
        sites = PlaceSet.from_arrays(lon, lat, ids=ids, kind="cell")
        return Candidates("cells", sites, demand.cell_x[cells], demand.cell_y[cells], None)
    snap = demand.snap
    pts = np.flatnonzero(out & snap.valid)
    e = snap.edge[pts]
    end = np.where(snap.to_u_m[pts] <= snap.to_v_m[pts], net.edge_u[e], net.edge_v[e])
    local = np.bincount(end, w[pts], minlength=net.n_nodes)
    nodes = np.flatnonzero(local > 0)
    pick = _thin(net.node_x[nodes], net.node_y[nodes], local[nodes], spacing_m, max_candidates)
    nodes = nodes[pick]
    # a node as a point on one of its edges, at that end
    m = net.n_edges
    at_u = np.full(net.n_nodes, -1, dtype=np.int64)
    at_u[net.edge_u[::-1]] = np.arange(m)[::-1]
    at_v = np.full(net.n_nodes, -1, dtype=np.int64)
    at_v[net.edge_v[::-1]] = np.arange(m)[::-1]
    edge = np.where(at_u[nodes] >= 0, at_u[nodes], at_v[nodes])
    frac = np.where(at_u[nodes] >= 0, 0.0, 1.0)
    node_snap = Snap.at(net, edge, frac, net.node_x[nodes], net.node_y[nodes])
    ids = np.char.add("node:", net.node_id[nodes].astype(str))
    sites = PlaceSet.from_arrays(net.node_lon[nodes], net.node_lat[nodes], ids=ids, kind="node")
    return Candidates("nodes", sites, net.node_x[nodes], net.node_y[nodes], node_snap)


def _thin(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    score: NDArray[np.floating[Any]] | NDArray[np.integer[Any]],
    spacing_m: float,
    max_count: int,
) -> NDArray[np.int64]:
    """One point per ``spacing_m`` square (the highest score), the square grown as needed."""
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    side = max(float(spacing_m), 1e-9)
    while True:
        gx = np.floor(x / side).astype(np.int64)
        gy = np.floor(y / side).astype(np.int64)
        order = np.lexsort((-score, gy, gx))
        chosen = np.sort(order[run_starts(gx[order], gy[order])])
        if chosen.size <= max_count:
            return chosen
        side *= 1.5


def _cover(
    model: CoverageModel, cand: Candidates, units: NDArray[np.int64], t: float
) -> csr_matrix:
    """Which candidate reaches which uncovered demand point within ``t`` metres."""
    n_c, n_u = len(cand.sites), units.size
    demand = model.demand
    if n_c == 0 or n_u == 0:
        return csr_matrix((n_c, n_u))
    if model.net is not None and cand.snap is not None and demand.snap is not None:
        pairs = pairs_within(model.net, cand.snap, demand.snap.take(units), t)
        rows, cols = pairs.source, pairs.query
    else:
        tree_c = cKDTree(np.column_stack([cand.x, cand.y]))
        tree_u = cKDTree(np.column_stack([demand.x[units], demand.y[units]]))
        found = tree_c.sparse_distance_matrix(tree_u, t * (1 + 1e-12), output_type="ndarray")
        rows, cols = found["i"].astype(np.int64), found["j"].astype(np.int64)
    return csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n_c, n_u))
