"""A walking network held as compact numpy/scipy arrays, built from OSM or from road-line files.

Everything is in metres: edge lengths are geodesic on WGS84, node and shape coordinates are also
kept in the caller's plane-rectangular CRS (e.g. EPSG:6671 for Yamaguchi) for snapping. The whole
network serialises into one ``np.savez_compressed`` blob so a store can keep it as a single value.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyogrio.raw
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.errors import InputError, Problem, UsageError
from geo.io.osm import EdgeList, ProgressFn, WalkRules, geodesic_lengths, read_osm
from geo.japan.crs import coords_fn, plane_transformer
from geo.walk.arrays import run_starts

FORMAT_VERSION = 1
EXTRA_PREFIX = "extra."  # blob members derived from the network, not part of it
COORD_SCALE = 1e7  # line ends are the same node when equal after rounding to 1e-7 degree (~1 cm)
JOIN_TOLERANCE_M = 0.05  # … or when closer than this in the plane CRS

_INT = re.compile(r"-?\d+")


@dataclass(frozen=True)
class FragmentReport:
    """How the network falls apart into pieces nobody can walk between.

    Attributes
    ----------
    count : int
        Number of connected components.
    sizes : tuple[int, ...]
        Node count of each component, largest first.
    largest_share : float
        Share of all nodes in the largest component (0–1).
    largest_length_share : float
        Share of the total street length (metres) in the largest component (0–1).
    """

    count: int
    sizes: tuple[int, ...]
    largest_share: float
    largest_length_share: float

    def __str__(self) -> str:
        return (
            f"{self.count} fragment(s); the largest holds {self.largest_share:.1%} of nodes and "
            f"{self.largest_length_share:.1%} of street length; {self.count - 1} smaller "
            f"fragment(s) with {sum(self.sizes[1:])} node(s)"
        )


@dataclass(eq=False)
class WalkNetwork:
    """An undirected walking network in compact arrays.

    Attributes
    ----------
    epsg : int
        Plane-rectangular CRS of ``node_x``/``node_y``/``edge_xy`` (metres).
    node_id : (n,) int64
        OSM node ids (or ids from a line file; negative serials when the file had none).
    node_lon, node_lat : (n,) float64
        WGS84 degrees.
    node_x, node_y : (n,) float64
        Plane coordinates in metres.
    edge_u, edge_v : (m,) int64
        Node indices of each edge's ends (shape runs from ``u`` to ``v``).
    edge_length_m : (m,) float64
        Geodesic length of the edge shape, metres.
    edge_offsets : (m + 1,) int64
        Edge ``i``'s shape is rows ``edge_offsets[i]:edge_offsets[i + 1]`` of the coordinates.
    edge_lonlat, edge_xy : (k, 2) float64
        Shape points in degrees and in plane metres.
    edge_way_id : (m,) int64
        OSM way id (-1 when unknown).
    edge_highway_code, edge_name_code : (m,) int32
        Indices into ``highway_values`` / ``name_values`` (categorical, to keep blobs small).
    highway_values, name_values : (c,) str arrays
    adjacency : csr_matrix (n, n)
        Symmetric; entry = length in metres of the shortest edge between two nodes. Self-loops
        are left out (they never shorten a walk). Explicit zeros are real zero-length edges.
    components : (n,) int32
        Connected-component label of each node; 0 is the largest component.
    """

    epsg: int
    node_id: NDArray[np.int64]
    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    node_x: NDArray[np.float64]
    node_y: NDArray[np.float64]
    edge_u: NDArray[np.int64]
    edge_v: NDArray[np.int64]
    edge_length_m: NDArray[np.float64]
    edge_offsets: NDArray[np.int64]
    edge_lonlat: NDArray[np.float64]
    edge_xy: NDArray[np.float64]
    edge_way_id: NDArray[np.int64]
    edge_highway_code: NDArray[np.int32]
    edge_name_code: NDArray[np.int32]
    highway_values: NDArray[np.str_]
    name_values: NDArray[np.str_]
    adjacency: csr_matrix
    components: NDArray[np.int32]
    _lines: NDArray[np.object_] | None = field(default=None, init=False, repr=False)
    _tree: shapely.STRtree | None = field(default=None, init=False, repr=False)

    # -- sizes and views -------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(self.node_id.size)

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.size)

    @property
    def total_length_m(self) -> float:
        """Sum of all edge lengths, metres."""
        return float(self.edge_length_m.sum())

    @property
    def edge_highway(self) -> NDArray[np.str_]:
        """``highway`` tag of every edge (decoded from the categorical codes)."""
        return self.highway_values[self.edge_highway_code]

    @property
    def edge_name(self) -> NDArray[np.str_]:
        """``name`` of every edge ('' when unnamed)."""
        return self.name_values[self.edge_name_code]

    def edge_shape_lonlat(self, i: int) -> NDArray[np.float64]:
        """Shape of edge ``i`` as (lon, lat) rows from ``u`` to ``v``."""
        return self.edge_lonlat[self.edge_offsets[i] : self.edge_offsets[i + 1]]

    @property
    def edge_lines(self) -> NDArray[np.object_]:
        """Edges as shapely LineStrings in the plane CRS (built once, on first use)."""
        if self._lines is None:
            counts = np.diff(self.edge_offsets)
            index = np.repeat(np.arange(self.n_edges), counts)
            self._lines = shapely.linestrings(self.edge_xy, indices=index)
        return self._lines

    @property
    def edge_tree(self) -> shapely.STRtree:
        """STRtree over :attr:`edge_lines` for snapping (built once, on first use)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.edge_lines)
        return self._tree

    # -- fragments -------------------------------------------------------------------------
    def fragments(self) -> FragmentReport:
        """Count and size the disconnected fragments (see :class:`FragmentReport`)."""
        if self.n_nodes == 0:
            return FragmentReport(0, (), 0.0, 0.0)
        sizes = np.bincount(self.components)
        comp_len = np.bincount(
            self.components[self.edge_u], weights=self.edge_length_m, minlength=sizes.size
        )
        total = float(comp_len.sum())
        return FragmentReport(
            count=int(sizes.size),
            sizes=tuple(int(s) for s in sizes),  # labels are ordered largest first
            largest_share=float(sizes[0] / self.n_nodes),
            largest_length_share=float(comp_len[0] / total) if total > 0 else 1.0,
        )

    def in_largest(self) -> NDArray[np.bool_]:
        """Mask of the nodes in the largest connected component."""
        largest: NDArray[np.bool_] = self.components == 0
        return largest

    # -- serialisation ---------------------------------------------------------------------
    _ARRAYS: ClassVar[tuple[str, ...]] = (
        "node_id", "node_lon", "node_lat", "node_x", "node_y", "edge_u", "edge_v",
        "edge_length_m", "edge_offsets", "edge_lonlat", "edge_xy", "edge_way_id",
        "edge_highway_code", "edge_name_code", "highway_values", "name_values", "components",
    )  # fmt: skip

    def to_bytes(self, extra: Mapping[str, NDArray[Any]] | None = None) -> bytes:
        """The whole network as one compressed ``.npz`` blob (no pickles).

        ``extra`` arrays derived from the network (a prepared model, see
        :mod:`geo.analysis.prepared`) travel in the same blob under names starting with
        :data:`EXTRA_PREFIX`; :meth:`from_bytes` never reads them, so blobs with or without
        them load alike, and older code reading a newer blob skips them. A blob with them is
        stored uncompressed: it is read on every cold start, where inflating it cost more than
        reading the larger blob from the store.
        """
        arrays: dict[str, Any] = {name: getattr(self, name) for name in self._ARRAYS}
        arrays["format_version"] = np.array(FORMAT_VERSION)
        arrays["epsg"] = np.array(self.epsg)
        arrays["adj_data"] = self.adjacency.data
        arrays["adj_indices"] = self.adjacency.indices
        arrays["adj_indptr"] = self.adjacency.indptr
        buf = io.BytesIO()
        if not extra:
            np.savez_compressed(buf, **arrays)
            return buf.getvalue()
        arrays.update({EXTRA_PREFIX + name: value for name, value in extra.items()})
        np.savez(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> WalkNetwork:
        """Inverse of :meth:`to_bytes`; nothing is recomputed, so loading stays fast."""
        npz = _npz_arrays(blob, lambda name: not name.startswith(EXTRA_PREFIX))
        version = int(npz["format_version"])
        if version != FORMAT_VERSION:
            raise UsageError(f"walk network blob has format {version}, expected {FORMAT_VERSION}")
        values = {name: npz[name] for name in cls._ARRAYS}
        n = values["node_id"].size
        adjacency = csr_matrix(
            (npz["adj_data"], npz["adj_indices"], npz["adj_indptr"]), shape=(n, n)
        )
        return cls(epsg=int(npz["epsg"]), adjacency=adjacency, **values)

    @staticmethod
    def extra_from_bytes(blob: bytes) -> dict[str, NDArray[Any]]:
        """The ``extra`` arrays :meth:`to_bytes` was given (empty for a blob without any)."""
        npz = _npz_arrays(blob, lambda name: name.startswith(EXTRA_PREFIX))
        return {name[len(EXTRA_PREFIX) :]: value for name, value in npz.items()}

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_edge_list(cls, edges: EdgeList, epsg: int) -> WalkNetwork:
        """Project, index and connect an :class:`~geo.io.osm.EdgeList` in the plane CRS ``epsg``."""
        to_plane = plane_transformer(epsg)
        node_x, node_y = to_plane.transform(edges.node_lon, edges.node_lat)
        ex, ey = to_plane.transform(edges.coords[:, 0], edges.coords[:, 1])
        n = edges.node_id.size
        adjacency = _symmetric_min_csr(n, edges.edge_u, edges.edge_v, edges.length_m)
        hw_values, hw_codes = np.unique(edges.highway.astype(str), return_inverse=True)
        nm_values, nm_codes = np.unique(edges.name.astype(str), return_inverse=True)
        return cls(
            epsg=int(epsg),
            node_id=np.asarray(edges.node_id, dtype=np.int64),
            node_lon=np.asarray(edges.node_lon, dtype=np.float64),
            node_lat=np.asarray(edges.node_lat, dtype=np.float64),
            node_x=np.asarray(node_x, dtype=np.float64),
            node_y=np.asarray(node_y, dtype=np.float64),
            edge_u=np.asarray(edges.edge_u, dtype=np.int64),
            edge_v=np.asarray(edges.edge_v, dtype=np.int64),
            edge_length_m=np.asarray(edges.length_m, dtype=np.float64),
            edge_offsets=np.asarray(edges.coord_offsets, dtype=np.int64),
            edge_lonlat=np.ascontiguousarray(edges.coords, dtype=np.float64),
            edge_xy=np.column_stack([ex, ey]).astype(np.float64),
            edge_way_id=np.asarray(edges.way_id, dtype=np.int64),
            edge_highway_code=hw_codes.astype(np.int32).ravel(),
            edge_name_code=nm_codes.astype(np.int32).ravel(),
            highway_values=hw_values.astype(str),
            name_values=nm_values.astype(str),
            adjacency=adjacency,
            components=_ranked_components(adjacency),
        )

    @classmethod
    def from_arrays(
        cls,
        node_lon: ArrayLike,
        node_lat: ArrayLike,
        edge_u: ArrayLike,
        edge_v: ArrayLike,
        epsg: int,
        *,
        length_m: ArrayLike | None = None,
        node_id: ArrayLike | None = None,
    ) -> WalkNetwork:
        """A network of straight edges between given nodes (tests, benchmarks, synthetic grids).

        ``length_m`` overrides the geodesic length of each edge (metres), so that graphs with
        arbitrary weights can be checked against other shortest-path implementations.
        """
        lon = np.asarray(node_lon, dtype=np.float64)
        lat = np.asarray(node_lat, dtype=np.float64)
        u = np.asarray(edge_u, dtype=np.int64)
        v = np.asarray(edge_v, dtype=np.int64)
        m = u.size
        coords = np.empty((2 * m, 2), dtype=np.float64)
        coords[0::2, 0], coords[0::2, 1] = lon[u], lat[u]
        coords[1::2, 0], coords[1::2, 1] = lon[v], lat[v]
        offsets = np.arange(0, 2 * m + 1, 2, dtype=np.int64)
        lengths = (
            geodesic_lengths(coords, offsets)
            if length_m is None
            else np.asarray(length_m, dtype=np.float64)
        )
        ids = np.arange(lon.size, dtype=np.int64) if node_id is None else np.asarray(node_id)
        return cls.from_edge_list(
            EdgeList(
                node_id=ids.astype(np.int64),
                node_lon=lon,
                node_lat=lat,
                edge_u=u,
                edge_v=v,
                coord_offsets=offsets,
                coords=coords,
                length_m=lengths,
                way_id=np.full(m, -1, dtype=np.int64),
                highway=np.full(m, "", dtype=object),
                name=np.full(m, "", dtype=object),
            ),
            epsg,
        )


def _npz_arrays(blob: bytes, wanted: Callable[[str], bool]) -> dict[str, NDArray[Any]]:
    """The arrays of an ``.npz`` blob whose names ``wanted`` accepts; never a pickle.

    Why not ``np.load``: for members stored uncompressed it reads each through zipfile, which
    copies it and computes its CRC; a cold start reads 60 MB so. Here a stored member is one
    copy straight out of the blob (its ``.npy`` header parsed by numpy); deflated ones (a blob
    without prepared arrays) still go through ``np.load``.
    """
    out: dict[str, NDArray[Any]] = {}
    deflated = []
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        members = zf.infolist()
    for info in members:
        name = info.filename.removesuffix(".npy")
        if not wanted(name):
            continue
        if info.compress_type != zipfile.ZIP_STORED:
            deflated.append(name)
            continue
        n_name, n_extra = struct.unpack_from("<HH", blob, info.header_offset + 26)
        start = info.header_offset + 30 + n_name + n_extra
        head = io.BytesIO(blob[start : start + min(info.file_size, 1 << 17)])
        major, _ = np.lib.format.read_magic(head)
        read_header = (
            np.lib.format.read_array_header_1_0
            if major == 1
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(head)
        if dtype.hasobject:
            raise UsageError(f"walk network blob member {name} holds Python objects")
        count = int(np.prod(shape, dtype=np.int64))
        flat = np.frombuffer(blob, dtype=dtype, count=count, offset=start + head.tell())
        out[name] = flat.reshape(shape, order="F" if fortran else "C").copy()
    if deflated:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            out.update({name: npz[name] for name in deflated})
    return out


def _symmetric_min_csr(
    n: int, u: NDArray[np.int64], v: NDArray[np.int64], w: NDArray[np.float64]
) -> csr_matrix:
    """Symmetric CSR with the minimum weight of parallel edges, built without summing duplicates.

    scipy would add duplicate entries together, so duplicates are resolved here first; the CSR
    arrays are assembled directly so that zero-length edges stay as explicit (routable) zeros.
    """
    keep = u != v
    rows = np.concatenate([u[keep], v[keep]])
    cols = np.concatenate([v[keep], u[keep]])
    data = np.concatenate([w[keep], w[keep]]).astype(np.float64)
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = run_starts(rows, cols)
    rows, cols, data = rows[first], cols[first], data[first]
    indptr = np.zeros(n + 1, dtype=np.int32 if rows.size < 2**31 else np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return csr_matrix((data, cols.astype(indptr.dtype), indptr), shape=(n, n))


def _ranked_components(adjacency: csr_matrix) -> NDArray[np.int32]:
    """Component label per node, renumbered so that 0 is the largest (ties: lowest old label)."""
    n = adjacency.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    _, labels = connected_components(adjacency, directed=False)
    sizes = np.bincount(labels)
    rank = np.empty(sizes.size, dtype=np.int32)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(sizes.size, dtype=np.int32)
    ranked: NDArray[np.int32] = rank[labels]
    return ranked


# -- builders --------------------------------------------------------------------------------
def build_from_osm(
    path: str | Path,
    epsg: int,
    progress: ProgressFn | None = None,
    *,
    rules: WalkRules = WalkRules(),
) -> WalkNetwork:
    """Walking network from an OSM extract (.osm.pbf / .osm), see :func:`geo.io.osm.read_osm`.

    Parameters
    ----------
    path
        OSM extract.
    epsg
        Plane-rectangular CRS for metres (e.g. 6671 for Yamaguchi).
    progress
        Optional :data:`~geo.io.osm.ProgressFn`; quiet when ``None``.
    rules
        Regional walkability choices, see :class:`~geo.io.osm.WalkRules`.
    """
    return _build(read_osm(path, rules=rules, progress=progress), epsg, progress)


def build_from_lines(
    path: str | Path,
    epsg: int,
    progress: ProgressFn | None = None,
    *,
    layer: str | int | None = None,
) -> WalkNetwork:
    """Walking network from a road-line file (GeoJSON, GeoPackage, Shapefile …).

    Every line (every part of a MultiLineString) is one edge; see :func:`read_lines`.
    """
    return _build(read_lines(path, epsg=epsg, layer=layer, progress=progress), epsg, progress)


def _refuse_non_lines(name: str, geoms: NDArray[Any], is_line: NDArray[np.bool_]) -> None:
    """A feature that is no line (a point, a polygon, none) is refused, naming it: read as a
    road it would vanish from the network unsaid, and it is often a sign of the wrong file."""
    problems = [
        Problem(
            file=name, row=int(i) + 1, row_label="feature", field="geometry",
            reason="no geometry" if geoms[i] is None else f"a {geoms[i].geom_type}, not a line",
            hint="a road-line file holds LineStrings (道路は線で入力してください)",
        )
        for i in np.flatnonzero(~is_line)
    ]  # fmt: skip
    if problems:
        raise InputError(problems)


def _build(edges: EdgeList, epsg: int, progress: ProgressFn | None) -> WalkNetwork:
    """The network of an edge list, reported as one "building network" step."""
    if progress is not None:
        progress("building network", 0, 1)
    net = WalkNetwork.from_edge_list(edges, epsg)
    if progress is not None:
        progress("building network", 1, 1)
    return net


def read_lines(
    path: str | Path,
    *,
    epsg: int,
    layer: str | int | None = None,
    progress: ProgressFn | None = None,
) -> EdgeList:
    """Read a road-line file into an :class:`~geo.io.osm.EdgeList`.

    Lines join where their end points coincide after rounding to 1e-7 degree, or lie within
    ``JOIN_TOLERANCE_M`` (5 cm) of each other in the plane CRS ``epsg``. Lines are never split
    at interior vertices: a line file is taken to be an edge list already. Lengths are
    recomputed geodesically (a ``length`` column is ignored). The same street drawn in both
    directions (u→v and v→u, as in directed edge exports) is kept once.

    Parameters
    ----------
    path
        Any vector file GDAL reads; non-WGS84 data is reprojected to EPSG:4326.
    epsg
        Plane CRS used only for the 5 cm join tolerance.
    layer
        Layer name or index for multi-layer files (GeoPackage).
    progress
        Optional :data:`~geo.io.osm.ProgressFn`.
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such road-line file: {path}")
    stage = f"reading {path.name}"
    if progress is not None:
        progress(stage, 0, None)
    meta, _, wkb, field_data = pyogrio.raw.read(str(path), layer=layer, force_2d=True)
    fields = [str(f) for f in meta["fields"]]
    columns = dict(zip(fields, field_data, strict=True))
    geoms = shapely.from_wkb(wkb)
    crs = meta.get("crs")
    if crs and not CRS.from_user_input(crs).equals(CRS.from_epsg(4326)):
        to_wgs = Transformer.from_crs(crs, 4326, always_xy=True)
        geoms = shapely.transform(geoms, coords_fn(to_wgs.transform))
    elif not crs:
        bounds = shapely.total_bounds(geoms)
        if np.isfinite(bounds).all() and (
            np.abs(bounds[[0, 2]]).max() > 180 or np.abs(bounds[[1, 3]]).max() > 90
        ):
            raise UsageError(f"{path.name} has no CRS and its coordinates are not degrees")
    types = shapely.get_type_id(geoms)
    is_line = (types == shapely.GeometryType.LINESTRING) | (
        types == shapely.GeometryType.MULTILINESTRING
    )
    is_line &= ~shapely.is_missing(geoms)
    _refuse_non_lines(path.name, geoms, is_line)
    feature = np.flatnonzero(is_line)
    parts, part_feature = shapely.get_parts(geoms[feature], return_index=True)
    part_feature = feature[part_feature]
    ok = shapely.get_num_coordinates(parts) >= 2
    parts, part_feature = parts[ok], part_feature[ok]
    if parts.size == 0:
        raise UsageError(f"{path.name} holds no lines")
    coords, coord_part = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(coord_part, minlength=parts.size)
    offsets = np.zeros(parts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])

    # Nodes: line ends joined by rounded key, then by the 5 cm tolerance in the plane.
    ends = np.concatenate([coords[offsets[:-1]], coords[offsets[1:] - 1]])
    keys = np.round(ends * COORD_SCALE).astype(np.int64)
    _, key_first, end_node = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    end_node = end_node.ravel()
    node_lonlat = ends[key_first]
    node_of_key = _merge_within(node_lonlat, epsg, JOIN_TOLERANCE_M)
    end_node = node_of_key[end_node]
    n_nodes = int(node_of_key.max()) + 1
    first_key = np.full(n_nodes, -1, dtype=np.int64)
    first_key[node_of_key[::-1]] = np.arange(node_of_key.size)[::-1]
    node_lonlat = node_lonlat[first_key]
    m = parts.size
    edge_u, edge_v = end_node[:m], end_node[m:]

    keep = _distinct_undirected(coords, offsets, edge_u, edge_v)
    if progress is not None:
        progress(stage, int(keep.sum()), int(keep.sum()))
    sel = np.flatnonzero(keep)
    new_counts = counts[sel]
    new_offsets = np.zeros(sel.size + 1, dtype=np.int64)
    np.cumsum(new_counts, out=new_offsets[1:])
    take = np.repeat(offsets[:-1][sel] - new_offsets[:-1], new_counts) + np.arange(new_offsets[-1])
    coords = coords[take]
    edge_u, edge_v, part_feature = edge_u[sel], edge_v[sel], part_feature[sel]

    node_id = _node_ids_from_columns(columns, part_feature, edge_u, edge_v, n_nodes)
    return EdgeList(
        node_id=node_id,
        node_lon=node_lonlat[:, 0].copy(),
        node_lat=node_lonlat[:, 1].copy(),
        edge_u=edge_u.astype(np.int64),
        edge_v=edge_v.astype(np.int64),
        coord_offsets=new_offsets,
        coords=np.ascontiguousarray(coords),
        length_m=geodesic_lengths(coords, new_offsets),
        way_id=_way_ids(columns.get("osmid"), part_feature),
        highway=_text_column(columns.get("highway"), part_feature),
        name=_text_column(columns.get("name"), part_feature),
    )


def _merge_within(lonlat: NDArray[np.float64], epsg: int, tol_m: float) -> NDArray[np.int64]:
    """Label points so that points closer than ``tol_m`` (plane metres, transitively) share one."""
    x, y = plane_transformer(epsg).transform(lonlat[:, 0], lonlat[:, 1])
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(tol_m, output_type="ndarray")
    n = lonlat.shape[0]
    if pairs.size == 0:
        return np.arange(n, dtype=np.int64)
    graph = csr_matrix((np.ones(pairs.shape[0]), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # renumber in order of first appearance so that untouched points keep their order
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse].astype(np.int64)


def _distinct_undirected(
    coords: NDArray[np.float64],
    offsets: NDArray[np.int64],
    u: NDArray[np.int64],
    v: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """Mask keeping the first of lines with the same shape regardless of direction.

    A Python loop over lines: shapes have different lengths, and hashing each oriented shape's
    rounded coordinates is the simplest exact test numpy cannot vectorise.
    """
    keys = np.round(coords * COORD_SCALE).astype(np.int64)
    keep = np.ones(u.size, dtype=bool)
    seen: set[bytes] = set()
    for i in range(u.size):
        shape = keys[offsets[i] : offsets[i + 1]]
        rev = shape[::-1]
        if u[i] > v[i] or (u[i] == v[i] and rev.tobytes() < shape.tobytes()):
            shape = rev
        h = np.ascontiguousarray(shape).tobytes()
        if h in seen:
            keep[i] = False
        else:
            seen.add(h)
    return keep


def _node_ids_from_columns(
    columns: dict[str, NDArray[Any]],
    feature: NDArray[np.int64],
    edge_u: NDArray[np.int64],
    edge_v: NDArray[np.int64],
    n_nodes: int,
) -> NDArray[np.int64]:
    """Node ids from integer ``u``/``v`` columns, where they name a joined node unambiguously.

    Exports sometimes draw a line against its u→v order, so each node takes the id it is given
    most often. A node without such an id, or whose id another node also claims (the file draws
    the "same" node at two places that do not join), gets a negative serial ``-(index + 1)``,
    which can never clash with an OSM id.
    """
    out = -np.arange(1, n_nodes + 1, dtype=np.int64)
    cu, cv = columns.get("u"), columns.get("v")
    if cu is None or cv is None or cu.dtype.kind not in "iu" or cv.dtype.kind not in "iu":
        return out
    nodes = np.concatenate([edge_u, edge_v])
    ids = np.concatenate([cu[feature], cv[feature]]).astype(np.int64)
    pairs, counts = np.unique(np.column_stack([nodes, ids]), axis=0, return_counts=True)
    order = np.lexsort((-counts, pairs[:, 0]))  # per node, most frequent id first
    pairs = pairs[order]
    best = pairs[run_starts(pairs[:, 0])]
    _, inverse, claims = np.unique(best[:, 1], return_inverse=True, return_counts=True)
    sole = claims[inverse.ravel()] == 1
    out[best[sole, 0]] = best[sole, 1]
    return out


def _way_ids(column: NDArray[Any] | None, feature: NDArray[np.int64]) -> NDArray[np.int64]:
    """OSM way id per edge from an ``osmid`` column (int, '123' or '[123, 456]': first id)."""
    if column is None:
        return np.full(feature.size, -1, dtype=np.int64)
    if column.dtype.kind in "iu":
        return column[feature].astype(np.int64)
    out = np.full(feature.size, -1, dtype=np.int64)
    # Python loop: ids are text in many exports ('[123, 456]'); parse each distinct value once.
    parsed: dict[object, int] = {}
    for i, value in enumerate(column[feature]):
        if value not in parsed:
            match = _INT.search(str(value)) if value is not None else None
            parsed[value] = int(match.group()) if match else -1
        out[i] = parsed[value]
    return out


def _text_column(column: NDArray[Any] | None, feature: NDArray[np.int64]) -> NDArray[np.object_]:
    if column is None:
        return np.full(feature.size, "", dtype=object)
    values = column[feature].astype(object)
    values[np.array([v is None or v != v for v in values], dtype=bool)] = ""  # None / NaN
    return values.astype(str).astype(object)
