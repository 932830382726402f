"""Walkable street edges from an OpenStreetMap extract (.osm.pbf or .osm XML), read with pyosmium.

The reader keeps only ways a person on foot may use, splits them at every node that two or more
kept ways share (and at way ends), and returns a flat edge list: node ids are real OSM ids, each
edge keeps its shape (lon/lat) and its geodesic length in metres. Building the routable graph from
the edge list is ``geo.walk.network``'s job; this module only decides what is a walkable street.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray
from pyproj import Geod

from geo.errors import UsageError

ProgressFn = Callable[[str, int, "int | None"], None]
"""Progress callback: ``(stage description, items done, total items or None when unknown)``."""

_GEOD = Geod(ellps="WGS84")
_REPORT_EVERY = 20_000  # ways between two progress reports: often enough to move a bar, cheap

# Never walkable, whatever else is tagged (a way carrying several values is dropped if any is here).
NEVER_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway", "motorway_link", "construction", "proposed", "planned", "abandoned",
        "disused", "razed", "raceway", "bus_guideway", "busway", "escape", "emergency_bay",
        "rest_area", "services", "no",
    }
)  # fmt: skip
# Walkable unless access tags forbid it.
WALK_HIGHWAYS: frozenset[str] = frozenset(
    {
        "footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
        "unclassified", "road", "track", "corridor", "crossing", "elevator", "platform",
        "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link",
    }
)  # fmt: skip
# Walkable only with an explicit sign that pedestrians are expected there.
TRUNK_HIGHWAYS: frozenset[str] = frozenset({"trunk", "trunk_link"})
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
_FOOT_FORBIDDEN = frozenset({"no", "private", "use_sidepath"})
_ACCESS_FORBIDDEN = frozenset({"no", "private"})
_SIDEWALK_PRESENT = frozenset({"yes", "both", "left", "right"})
_SIDEWALK_KEYS = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
TAG_KEYS: tuple[str, ...] = ("highway", "foot", "access", "area", *_SIDEWALK_KEYS)
"""The tags :func:`is_walkable` looks at."""


@dataclass(frozen=True)
class WalkRules:
    """Choices in the walkability filter that depend on the region's mapping habits.

    Parameters
    ----------
    untagged_trunk
        Treat ``highway=trunk``/``trunk_link`` without ``foot``/``sidewalk`` tags as walkable.
        Off by default (trunk roads need ``foot=yes|designated|permissive`` or a sidewalk tag);
        Japanese national routes are usually trunk roads with sidewalks nobody tagged, so a
        caller may switch it on for Japan.
    """

    untagged_trunk: bool = False


def is_walkable(tags: Mapping[str, str], rules: WalkRules = WalkRules()) -> bool:
    """Whether a way with these tags is a street a pedestrian may use.

    ``highway`` may hold several values separated by ``;`` or ``,`` (merged ways): the way is
    dropped if any value is never walkable and kept if any value is walkable.
    """
    highway = tags.get("highway")
    if not highway:
        return False
    if tags.get("area") == "yes":  # a pedestrian square drawn as a polygon, not a line
        return False
    foot = tags.get("foot")
    if foot in _FOOT_FORBIDDEN:
        return False
    if tags.get("access") in _ACCESS_FORBIDDEN and foot not in _FOOT_ALLOWED:
        return False
    values = {v.strip() for v in highway.replace(",", ";").split(";") if v.strip()}
    if values & NEVER_HIGHWAYS:
        return False
    if values & WALK_HIGHWAYS:
        return True
    if "cycleway" in values:  # foot=no was rejected above
        return True
    if "bridleway" in values:
        return foot in _FOOT_ALLOWED
    if values & TRUNK_HIGHWAYS:
        if foot in _FOOT_ALLOWED or rules.untagged_trunk:
            return True
        return any(tags.get(k) in _SIDEWALK_PRESENT for k in _SIDEWALK_KEYS)
    return False


@dataclass
class EdgeList:
    """Street edges before they become a graph; coordinates WGS84 (lon, lat) in degrees.

    Attributes
    ----------
    node_id : (n,) int64
        Node ids (real OSM ids from an OSM file; from ``u``/``v`` columns or negative serials
        for line files).
    node_lon, node_lat : (n,) float64
        Node positions in degrees.
    edge_u, edge_v : (m,) int64
        Indices into the node arrays of each edge's first and last point.
    coord_offsets : (m + 1,) int64
        Edge ``i``'s shape is ``coords[coord_offsets[i]:coord_offsets[i + 1]]``.
    coords : (k, 2) float64
        Shape points (lon, lat) of all edges, edge after edge, ends included.
    length_m : (m,) float64
        Geodesic length of each shape on the WGS84 ellipsoid, metres.
    way_id : (m,) int64
        OSM way id each edge was cut from (-1 when unknown).
    highway, name : (m,) object arrays of str
        Tags copied from the way ('' when missing).
    """

    node_id: NDArray[np.int64]
    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    coord_offsets: NDArray[np.int64]
    coords: NDArray[np.float64]
    length_m: NDArray[np.float64]
    way_id: NDArray[np.int64]
    highway: NDArray[np.object_]
    name: NDArray[np.object_]

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.size)


def geodesic_lengths(
    coords: NDArray[np.float64], offsets: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Geodesic length in metres of each polyline packed in ``coords`` (lon, lat degrees).

    Vectorised: one ``Geod.inv`` over all consecutive point pairs, then per-line sums taken
    from a running total (segments that straddle two lines are never summed).
    """
    m = offsets.size - 1
    if m <= 0:
        return np.zeros(0)
    if coords.shape[0] < 2:
        return np.zeros(m)
    lon = np.ascontiguousarray(coords[:, 0])
    lat = np.ascontiguousarray(coords[:, 1])
    _, _, seg = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    total = np.concatenate([[0.0], np.cumsum(np.asarray(seg, dtype=np.float64))])
    start = offsets[:-1]
    end = offsets[1:] - 1
    lengths: NDArray[np.float64] = np.maximum(total[end] - total[start], 0.0)
    return lengths


def split_at_nodes(
    refs: NDArray[np.int64],
    piece_offsets: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64],
           NDArray[np.int64], NDArray[np.int64]]:  # fmt: skip
    """Cut polylines into edges at every node used twice or more and at line ends.

    Parameters
    ----------
    refs : (k,) int64
        Node id of every point of every polyline, polylines packed one after the other.
    piece_offsets : (p + 1,) int64
        Polyline ``j`` is ``refs[piece_offsets[j]:piece_offsets[j + 1]]`` (each >= 2 points).

    Returns
    -------
    node_ref, edge_u, edge_v, edge_piece, coord_offsets, coord_index
        Graph node ids (sorted), edge end indices into ``node_ref``, the polyline each edge
        came from, and the packed shapes as indices into ``refs``.
    """
    k = refs.size
    lengths = np.diff(piece_offsets)
    piece_of = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    _, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
    split = counts[inverse] >= 2
    split[piece_offsets[:-1]] = True
    split[piece_offsets[1:] - 1] = True
    pos = np.flatnonzero(split)
    same = piece_of[pos[:-1]] == piece_of[pos[1:]]
    a = pos[:-1][same]
    b = pos[1:][same]
    n_pts = b - a + 1
    coord_offsets = np.zeros(a.size + 1, dtype=np.int64)
    np.cumsum(n_pts, out=coord_offsets[1:])
    coord_index = np.repeat(a - coord_offsets[:-1], n_pts) + np.arange(
        coord_offsets[-1], dtype=np.int64
    )
    node_ref = np.unique(refs[pos]) if k else np.zeros(0, dtype=np.int64)
    edge_u = np.searchsorted(node_ref, refs[a]).astype(np.int64)
    edge_v = np.searchsorted(node_ref, refs[b]).astype(np.int64)
    return node_ref, edge_u, edge_v, piece_of[a], coord_offsets, coord_index


def read_osm(
    path: str | Path,
    *,
    rules: WalkRules = WalkRules(),
    progress: ProgressFn | None = None,
) -> EdgeList:
    """Read the walkable streets of an OSM extract into an :class:`EdgeList`.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` (XML) or any format libosmium recognises by its extension.
    rules
        Regional choices of the walkability filter, see :class:`WalkRules`.
    progress
        Called now and then with ``(stage, ways read, None)``; quiet when ``None``.

    Notes
    -----
    A way whose nodes are missing from the extract (cut at its border) is split into the runs
    of nodes that have locations, so nothing is drawn across the gap.
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such OSM file: {path}")
    pieces = _Pieces()
    stage = f"reading {path.name}"
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    seen = 0
    # pyosmium hands over one Python object per way and per way node, so this loop cannot be
    # vectorised; it only copies ids and coordinates into flat arrays for numpy to split.
    for way in processor:
        if not isinstance(way, osmium.osm.Way):  # the entity filter lets only ways through
            continue
        seen += 1
        if progress is not None and seen % _REPORT_EVERY == 0:
            progress(stage, seen, None)
        tags = {key: val for key in TAG_KEYS if (val := way.tags.get(key)) is not None}
        if not is_walkable(tags, rules):
            continue
        highway = tags["highway"]
        name = way.tags.get("name") or ""
        last_ref = None
        for nd in way.nodes:
            loc = nd.location
            if not loc.valid():  # node missing from the extract: end the run here
                pieces.close(way.id, highway, name)
                last_ref = None
            elif nd.ref != last_ref:  # the same node twice in a row makes no segment
                pieces.add(nd.ref, loc.lon, loc.lat)
                last_ref = nd.ref
        pieces.close(way.id, highway, name)
    if progress is not None:
        progress(stage, seen, seen)
    return _edge_list_from_pieces(
        np.frombuffer(pieces.refs, dtype=np.int64) if pieces.refs else np.zeros(0, np.int64),
        np.column_stack([np.asarray(pieces.lons), np.asarray(pieces.lats)]).astype(np.float64),
        np.asarray(pieces.offsets, dtype=np.int64),
        np.asarray(pieces.way, dtype=np.int64),
        np.asarray(pieces.highway, dtype=object),
        np.asarray(pieces.name, dtype=object),
    )


class _Pieces:
    """Runs of located nodes ("pieces" of ways) packed into flat arrays while reading."""

    def __init__(self) -> None:
        self.refs = array("q")
        self.lons = array("d")
        self.lats = array("d")
        self.offsets = array("q", [0])
        self.way = array("q")
        self.highway: list[str] = []
        self.name: list[str] = []

    def add(self, ref: int, lon: float, lat: float) -> None:
        self.refs.append(ref)
        self.lons.append(lon)
        self.lats.append(lat)

    def close(self, way_id: int, highway: str, name: str) -> None:
        """End the current run: keep it if it is a line (2+ nodes), drop a lone node."""
        run = len(self.refs) - self.offsets[-1]
        if run >= 2:
            self.offsets.append(len(self.refs))
            self.way.append(way_id)
            self.highway.append(highway)
            self.name.append(name)
        elif run == 1:
            self.refs.pop()
            self.lons.pop()
            self.lats.pop()


def _edge_list_from_pieces(
    refs: NDArray[np.int64],
    lonlat: NDArray[np.float64],
    piece_offsets: NDArray[np.int64],
    piece_way: NDArray[np.int64],
    highways: NDArray[np.object_],
    names: NDArray[np.object_],
) -> EdgeList:
    if piece_way.size == 0:
        raise UsageError("the OSM file holds no walkable ways")
    node_ref, eu, ev, epiece, offsets, cidx = split_at_nodes(refs, piece_offsets)
    coords = lonlat[cidx]
    order = np.argsort(refs, kind="stable")
    node_pos = order[np.searchsorted(refs[order], node_ref)]  # first occurrence of each node
    return EdgeList(
        node_id=node_ref.astype(np.int64),
        node_lon=lonlat[node_pos, 0].copy(),
        node_lat=lonlat[node_pos, 1].copy(),
        edge_u=eu,
        edge_v=ev,
        coord_offsets=offsets,
        coords=coords,
        length_m=geodesic_lengths(coords, offsets),
        way_id=piece_way[epiece],
        highway=highways[epiece],
        name=names[epiece],
    )


@contextmanager
def rich_progress(transient: bool = True) -> Iterator[ProgressFn]:
    """A :data:`ProgressFn` that draws rich progress bars, one per stage, for CLI use.

    Examples
    --------
    >>> with rich_progress() as cb:                              # doctest: +SKIP
    ...     net = build_from_osm("ube.osm.pbf", 6671, progress=cb)
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=transient,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield report
