"""Multi-source shortest walking distances on a :class:`~geo.walk.network.WalkNetwork`, in metres.

One Dijkstra pass from all sources at once gives every node its distance to the nearest source
and which source that is. Sources and query points may lie in the middle of an edge: a source
becomes a virtual node with one-way links to both ends of its edge (snap distance + along-edge
distance), and a query point takes the better of its two edge ends, or the direct along-edge
walk when a source sits on the same edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.walk.arrays import run_positions, run_starts, unreached
from geo.walk.network import WalkNetwork
from geo.walk.snap import Snap, snap_points


@dataclass(frozen=True)
class SourceField:
    """Distance from every node to its nearest source.

    Attributes
    ----------
    dist_m : (n,) float64
        Walking distance in metres (snap distance included); ``inf`` when unreachable or beyond
        ``limit_m``.
    source : (n,) int64
        Index (into the sources as given) of the nearest source, -1 when none.
    sources : Snap | None
        The snapped sources (``None`` when sources were given as node indices).
    limit_m : float | None
        The search radius used, metres.
    """

    dist_m: NDArray[np.float64]
    source: NDArray[np.int64]
    sources: Snap | None
    limit_m: float | None


@dataclass(frozen=True)
class PointDistances:
    """Distance from query points to their nearest source.

    Attributes
    ----------
    dist_m : (k,) float64
        Metres, the query's own snap distance included; ``inf`` when unreachable, beyond the
        limit, or the query was not snapped.
    source : (k,) int64
        Index of the nearest source, -1 when none.
    """

    dist_m: NDArray[np.float64]
    source: NDArray[np.int64]


def multi_source(
    net: WalkNetwork,
    sources: Snap | ArrayLike,
    *,
    limit_m: float | None = None,
) -> SourceField:
    """Distance from every node to the nearest of many sources, in one Dijkstra pass.

    Parameters
    ----------
    net
        The walking network.
    sources
        Either a :class:`~geo.walk.snap.Snap` (points on edges; unsnapped entries are ignored) or an
        integer array of node indices.
    limit_m
        Stop searching beyond this many metres; farther nodes get ``inf``. Much faster for
        walking radii (e.g. 800 m) on city-sized networks.

    Returns
    -------
    SourceField
    """
    n = net.n_nodes
    limit = np.inf if limit_m is None else float(limit_m)
    if isinstance(sources, Snap):
        return _from_snapped(net, sources, limit, limit_m)
    nodes = np.atleast_1d(np.asarray(sources, dtype=np.int64))
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n):
        raise ValueError("source node index out of range")
    if nodes.size == 0:
        return SourceField(*unreached(n), None, limit_m)
    dist, _, origin = dijkstra(
        net.adjacency,
        directed=True,  # the matrix is symmetric already; directed skips a transpose
        indices=nodes,
        min_only=True,
        return_predecessors=True,
        limit=limit,
    )
    first = np.full(n, -1, dtype=np.int64)
    first[nodes[::-1]] = np.arange(nodes.size - 1, -1, -1)  # first listed source at each node
    source = np.where(origin >= 0, first[np.maximum(origin, 0)], -1).astype(np.int64)
    return SourceField(np.asarray(dist, dtype=np.float64), source, None, limit_m)


def _from_snapped(net: WalkNetwork, snap: Snap, limit: float, limit_m: float | None) -> SourceField:
    """Dijkstra on the network augmented with one virtual node per snapped source.

    Virtual node ``n + j`` has one-way links to its edge's ends weighted ``snap + along-edge``;
    no link leads into it, so no walk can pass through a source as a shortcut.
    """
    n = net.n_nodes
    graph, valid = _augmented(net, snap)
    k = valid.size
    if k == 0:
        return SourceField(*unreached(n), snap, limit_m)
    dist, _, origin = dijkstra(
        graph,
        directed=True,
        indices=np.arange(n, n + k, dtype=np.int32),
        min_only=True,
        return_predecessors=True,
        limit=limit,
    )
    origin = origin[:n]
    source = np.where(origin >= n, valid[np.maximum(origin - n, 0)], -1).astype(np.int64)
    return SourceField(np.asarray(dist[:n], dtype=np.float64), source, snap, limit_m)


def _augmented(net: WalkNetwork, snap: Snap) -> tuple[csr_matrix, NDArray[np.int64]]:
    """The adjacency with virtual source rows ``n + j`` appended, and the valid source indices.

    Kept in int32 indices and float64 data, the types scipy's Dijkstra works in, so it copies
    nothing (profiling showed the int64 → int32 conversion of every index as a visible share
    of a pass with snapped sources).
    """
    n = net.n_nodes
    valid = np.flatnonzero(snap.valid)
    k = valid.size
    e = snap.edge[valid]
    u, v = net.edge_u[e], net.edge_v[e]
    w_u = snap.snap_m[valid] + snap.to_u_m[valid]
    w_v = snap.snap_m[valid] + snap.to_v_m[valid]
    loop = u == v  # both links would reach the same node: keep one (scipy may sum duplicates)
    w_u = np.where(loop, np.minimum(w_u, w_v), w_u)
    per_row = np.where(loop, 1, 2)
    pick = np.column_stack([np.ones(k, dtype=bool), ~loop])
    extra_cols = np.column_stack([u, v])[pick]
    extra_w = np.column_stack([w_u, w_v])[pick]

    adj = net.adjacency
    itype = np.int32 if adj.nnz + extra_cols.size < 2**31 and n + k < 2**31 else np.int64
    indptr = np.concatenate(
        [adj.indptr.astype(itype, copy=False), (adj.indptr[-1] + np.cumsum(per_row)).astype(itype)]
    )
    indices = np.concatenate([adj.indices.astype(itype, copy=False), extra_cols.astype(itype)])
    data = np.concatenate([adj.data, extra_w]).astype(np.float64, copy=False)
    graph = csr_matrix((n + k, n + k), dtype=np.float64)
    graph.data, graph.indices, graph.indptr = data, indices, indptr  # skip the O(nnz) check
    return graph, valid


def distance_to_points(net: WalkNetwork, field: SourceField, queries: Snap) -> PointDistances:
    """Walking distance from snapped query points to their nearest source.

    ``min(snap_q + dist[u] + to_u, snap_q + dist[v] + to_v)``, and, for a source on the same
    edge, ``snap_q + snap_s + |offset_q - offset_s|`` (the walk that never reaches a node).

    Parameters
    ----------
    net
        The network ``field`` was computed on.
    field
        Result of :func:`multi_source`.
    queries
        Snapped query points (:func:`geo.walk.snap.snap_points` or :meth:`Snap.on_edges`).

    Returns
    -------
    PointDistances
        Metres; ``inf``/-1 for unsnapped queries, unreachable ones and those beyond the limit.

    Notes
    -----
    Both snap distances count as walking, so a query at a source's own position gets twice its
    snap distance (out to the street and back), not zero: the network has no short cuts across
    blocks.
    """
    k = len(queries)
    dist, src = unreached(k)
    q = np.flatnonzero(queries.valid)
    if q.size == 0:
        return PointDistances(dist, src)
    whole = q.size == k  # the usual case: skip copying every array through the index
    e = queries.edge if whole else queries.edge[q]
    u, v = net.edge_u[e], net.edge_v[e]
    via_u = field.dist_m[u]
    via_u += queries.to_u_m if whole else queries.to_u_m[q]
    via_v = field.dist_m[v]
    via_v += queries.to_v_m if whole else queries.to_v_m[q]
    from_u = via_u <= via_v
    best = np.where(from_u, via_u, via_v)
    best_src = np.where(from_u, field.source[u], field.source[v])

    if field.sources is not None and field.sources.valid.any():
        # only queries on an edge that holds a source can walk there without a node
        has = np.zeros(net.n_edges, dtype=bool)
        has[field.sources.edge[field.sources.valid]] = True
        near = np.flatnonzero(has[e])
        if near.size:
            offset = queries.offset_m if whole else queries.offset_m[q]
            direct, direct_src = _same_edge(field.sources, e[near], offset[near])
            better = direct < best[near]
            best[near[better]] = direct[better]
            best_src[near[better]] = direct_src[better]

    best += queries.snap_m if whole else queries.snap_m[q]
    if field.limit_m is not None:
        best[best > field.limit_m] = np.inf
    best_src[~np.isfinite(best)] = -1
    if whole:
        return PointDistances(best, best_src.astype(np.int64, copy=False))
    dist[q] = best
    src[q] = best_src
    return PointDistances(dist, src)


def _same_edge(
    sources: Snap, q_edge: NDArray[np.int64], q_offset: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Best direct along-edge walk from a source on the query's own edge (``inf`` if none).

    Vectorised by pairing each query with the sources on its edge (sources sorted by edge,
    ranges found with ``searchsorted``); the number of pairs is small in practice.
    """
    s_idx = np.flatnonzero(sources.valid)
    order = np.argsort(sources.edge[s_idx], kind="stable")
    s_idx = s_idx[order]
    s_edge = sources.edge[s_idx]
    lo = np.searchsorted(s_edge, q_edge, side="left")
    hi = np.searchsorted(s_edge, q_edge, side="right")
    counts = hi - lo
    out, out_src = unreached(q_edge.size)
    if counts.sum() == 0:
        return out, out_src
    q_of_pair = np.repeat(np.arange(q_edge.size), counts)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    pair_src = s_idx[starts + np.arange(q_of_pair.size)]
    cand = sources.snap_m[pair_src] + np.abs(q_offset[q_of_pair] - sources.offset_m[pair_src])
    # best pair per query: sort by (query, candidate) and take the first of each query
    order = np.lexsort((cand, q_of_pair))
    chosen = order[run_starts(q_of_pair[order])]
    out[q_of_pair[chosen]] = cand[chosen]
    out_src[q_of_pair[chosen]] = pair_src[chosen]
    return out, out_src


def nearest_source_distances(
    net: WalkNetwork,
    source_lon: ArrayLike,
    source_lat: ArrayLike,
    query_lon: ArrayLike,
    query_lat: ArrayLike,
    *,
    limit_m: float | None = None,
    max_snap_m: float | None = None,
) -> PointDistances:
    """Point-to-points in one call: snap sources and queries, one Dijkstra pass, metres.

    Parameters
    ----------
    source_lon, source_lat, query_lon, query_lat
        WGS84 degrees.
    limit_m
        Search radius in metres (``inf`` beyond).
    max_snap_m
        Points farther than this from every edge are left out (``inf``/-1 for queries).
    """
    field = multi_source(
        net, snap_points(net, source_lon, source_lat, max_distance_m=max_snap_m), limit_m=limit_m
    )
    return distance_to_points(
        net, field, snap_points(net, query_lon, query_lat, max_distance_m=max_snap_m)
    )


@dataclass(frozen=True)
class PairDistances:
    """Every (source, query) pair within a walking radius, as three parallel arrays.

    Attributes
    ----------
    source, query : (p,) int64
        Indices into the sources and queries as given.
    dist_m : (p,) float64
        Walking metres, both snap distances included; every value is ``<= limit_m``.
    """

    source: NDArray[np.int64]
    query: NDArray[np.int64]
    dist_m: NDArray[np.float64]


#: Bytes of distance rows held at once by :func:`pairs_within` (rows of n + k float64).
PAIR_CHUNK_BYTES = 64 * 2**20


def pairs_within(net: WalkNetwork, sources: Snap, queries: Snap, limit_m: float) -> PairDistances:
    """All source–query pairs no farther apart than ``limit_m`` walking metres.

    One bounded Dijkstra per source (scipy, rows computed in chunks that fit
    :data:`PAIR_CHUNK_BYTES`); each node a source reaches is joined to the queries on the
    edges at that node (an index built once), plus the same-edge walk of
    :func:`distance_to_points`. The work follows what each search reaches, not the number of
    queries. What a maximal-coverage solver needs: which candidate site reaches which demand
    point.

    Parameters
    ----------
    sources, queries
        Snapped points; unsnapped ones take part in no pair.
    limit_m
        Walking radius in metres.
    """
    n = net.n_nodes
    graph, valid = _augmented(net, sources)
    q_idx = np.flatnonzero(queries.valid)
    out_s: list[NDArray[np.int64]] = []
    out_q: list[NDArray[np.int64]] = []
    out_d: list[NDArray[np.float64]] = []
    if valid.size and q_idx.size:
        qe = queries.edge[q_idx]
        # node → (query, metres from that node to the query point, snap included)
        node = np.concatenate([net.edge_u[qe], net.edge_v[qe]])
        extra = np.concatenate([queries.to_u_m[q_idx], queries.to_v_m[q_idx]])
        extra = extra + np.tile(queries.snap_m[q_idx], 2)
        which = np.tile(q_idx, 2)
        order = np.argsort(node, kind="stable")
        node, extra, which = node[order], extra[order], which[order]
        ptr = np.searchsorted(node, np.arange(n + 1))
        by_edge = np.argsort(qe, kind="stable")
        qe_sorted = qe[by_edge]
        chunk = int(max(1, min(valid.size, PAIR_CHUNK_BYTES // (8 * (n + valid.size)))))
        for start in range(0, valid.size, chunk):  # a loop over chunks, each one C-speed
            rows = np.arange(start, min(start + chunk, valid.size))
            s = valid[rows]
            dist = dijkstra(
                graph, directed=True, indices=(n + rows).astype(np.int32), limit=limit_m
            )
            r, v = np.nonzero(np.isfinite(dist[:, :n]))
            d = dist[r, v]
            counts = ptr[v + 1] - ptr[v]
            at = np.repeat(ptr[v], counts) + run_positions(counts)
            pr = np.repeat(r, counts)
            pq = which[at]
            pd = np.repeat(d, counts) + extra[at]
            # the walk along a shared edge that never reaches a node
            lo = np.searchsorted(qe_sorted, sources.edge[s], side="left")
            hi = np.searchsorted(qe_sorted, sources.edge[s], side="right")
            same = hi - lo
            if same.sum():
                sr = np.repeat(np.arange(rows.size), same)
                sq = q_idx[by_edge[np.repeat(lo, same) + run_positions(same)]]
                sd = (
                    sources.snap_m[s[sr]]
                    + np.abs(queries.offset_m[sq] - sources.offset_m[s[sr]])
                    + queries.snap_m[sq]
                )
                pr, pq, pd = (
                    np.concatenate([pr, sr]),
                    np.concatenate([pq, sq]),
                    np.concatenate([pd, sd]),
                )
            ok = pd <= limit_m
            pr, pq, pd = pr[ok], pq[ok], pd[ok]
            best = np.lexsort((pd, pq, pr))  # the shortest of each (source, query) pair
            pr, pq, pd = pr[best], pq[best], pd[best]
            first = run_starts(pr, pq)
            out_s.append(s[pr[first]])
            out_q.append(pq[first])
            out_d.append(pd[first])
    if not out_s:
        empty = np.zeros(0, dtype=np.int64)
        return PairDistances(empty, empty.copy(), np.zeros(0))
    return PairDistances(
        np.concatenate(out_s).astype(np.int64),
        np.concatenate(out_q).astype(np.int64),
        np.concatenate(out_d),
    )

