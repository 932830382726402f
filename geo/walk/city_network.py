"""A city's walking network: built from a file, kept in the store as one blob, loaded back fast.

The engine (geo.io.osm, geo.walk.network) turns an OpenStreetMap extract or a road-line file
into compact arrays; this module chooses the builder from the file, turns the engine's
complaints into input problems that name the file, checks the network lies in the city,
describes the result (counts, length, fragments) in a JSON meta the store keeps beside the
blob, and loads it back.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo.errors import InputError, Problem, UsageError
from geo.ingest.extent import OUTLINE_TOLERANCE_M, geometry_outside_outline_m
from geo.io.lines import vector_layer
from geo.io.osm import ProgressFn, WalkRules
from geo.japan.municipalities import outline
from geo.storable import shown, unstorable
from geo.store.base import Store
from geo.store.shared import now_iso
from geo.walk.network import (
    FORMAT_VERSION,
    FragmentReport,
    WalkNetwork,
    build_from_lines,
    build_from_osm,
)

#: OpenStreetMap file name endings libosmium reads; anything else is read as road lines
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".o5m")
_CHECK_SAMPLE = 5000  # nodes tested against the city outline (enough to see where it lies)
_SIZES_KEPT = 20  # fragment sizes written into the meta


@dataclass
class BuiltNetwork:
    """A network just built, with what the CLI reports about it."""

    network: WalkNetwork
    meta: dict[str, Any]
    notes: list[str]


def is_osm_file(path: str | Path) -> bool:
    """Whether the file is an OpenStreetMap extract (by its name), not a road-line file."""
    return Path(path).name.lower().endswith(OSM_SUFFIXES)


def build_network(
    path: str | Path,
    city: str,
    epsg: int,
    *,
    untagged_trunk: bool = False,
    layer: str | None = None,
    progress: ProgressFn | None = None,
) -> BuiltNetwork:
    """Build the walking network of ``city`` from an OSM extract or a road-line file.

    From OSM only walkable ways are kept (see geo.io.osm.is_walkable); from a line file every line
    is an edge, joined where lines share end points. Lengths are geodesic metres. Raises
    InputError (naming the file) when the file cannot be read, holds no walkable ways or lines,
    or lies outside the city; UsageError for an option that does not fit the file.
    """
    p = Path(path)
    name = p.name or str(p)
    osm = is_osm_file(p)
    if osm and layer is not None:
        raise UsageError("--layer is for GeoPackage line files, not OpenStreetMap extracts")
    if not osm and untagged_trunk:
        raise UsageError("--untagged-trunk is for OpenStreetMap extracts (.osm.pbf, .osm)")
    rules = WalkRules(untagged_trunk=untagged_trunk)
    started = time.perf_counter()
    try:
        if osm:
            _check_exists(p, name)
            net = build_from_osm(p, epsg, progress, rules=rules)
        else:
            chosen = vector_layer(p, layer)
            net = build_from_lines(p, epsg, progress, layer=chosen)
    except InputError:
        raise
    except UsageError as exc:  # the engine's words for a file it cannot use
        raise _problem(name, _engine_reason(str(exc), name), _hint(str(exc), osm)) from exc
    except Exception as exc:  # libosmium / GDAL failures on a damaged or foreign file
        what = "OpenStreetMap file" if osm else "road-line file"
        raise _problem(name, f"not a readable {what}: {_first_line(exc)}") from exc
    seconds = time.perf_counter() - started
    if net.n_edges == 0:
        raise _problem(name, "no walkable ways" if osm else "no lines")
    notes = _city_check(net, city, name)
    if osm and not untagged_trunk:
        notes.append(
            "trunk roads without a sidewalk or foot tag were left out; --untagged-trunk keeps "
            "them (Japanese national routes often have sidewalks nobody tagged)"
        )
    meta = network_meta(
        net,
        city=city,
        source=name,
        source_kind="osm" if osm else "lines",
        layer=None if osm else layer,
        untagged_trunk=untagged_trunk,
        build_seconds=seconds,
    )
    bad = unstorable(meta)  # the file's and layer's names are the caller's text (geo.storable)
    if bad is not None:
        raise InputError([Problem(shown(name), bad.reason, field=bad.where, value=bad.value)])
    return BuiltNetwork(network=net, meta=meta, notes=notes)


def network_meta(
    net: WalkNetwork,
    *,
    city: str,
    source: str,
    source_kind: str,
    layer: str | None = None,
    untagged_trunk: bool = False,
    build_seconds: float | None = None,
) -> dict[str, Any]:
    """What the store keeps beside the blob: enough to list and check a network unopened."""
    frag = net.fragments()
    bbox = (
        [
            float(net.node_lon.min()), float(net.node_lat.min()),
            float(net.node_lon.max()), float(net.node_lat.max()),
        ]
        if net.n_nodes
        else None
    )  # fmt: skip
    return {
        "city": city,
        "source": source,
        "source_kind": source_kind,  # "osm" or "lines"
        "layer": layer,
        "rules": {"untagged_trunk": untagged_trunk},
        "built_at": now_iso(),
        "build_seconds": None if build_seconds is None else round(build_seconds, 3),
        "format_version": FORMAT_VERSION,
        "epsg": net.epsg,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "total_length_m": round(net.total_length_m, 1),
        "bbox": bbox,
        "fragments": fragments_meta(frag),
    }


def fragments_meta(frag: FragmentReport) -> dict[str, Any]:
    """The fragments report as JSON: count, the largest sizes, shares and the sentence."""
    return {
        "count": frag.count,
        "sizes": list(frag.sizes[:_SIZES_KEPT]),
        "smaller_nodes": int(sum(frag.sizes[1:])),
        "largest_share": round(frag.largest_share, 6),
        "largest_length_share": round(frag.largest_length_share, 6),
        "summary": str(frag),
    }


def save_network(
    store: Store, city: str, built: BuiltNetwork, *, extra: dict[str, Any] | None = None
) -> bytes:
    """Serialise and keep the network (replacing the city's previous one); returns the blob.

    ``extra``: arrays prepared from the network to keep in its blob (geo.analysis.prepared).
    """
    blob = built.network.to_bytes(extra)
    meta = dict(built.meta)
    meta["blob_bytes"] = len(blob)
    meta["sha256"] = hashlib.sha256(blob).hexdigest()
    store.put_network(city, blob, meta)
    built.meta = meta
    return blob


def load_network(store: Store, city: str) -> tuple[WalkNetwork, dict[str, Any]] | None:
    """The city's stored network and its meta, or None when none was built."""
    found = store.network(city)
    if found is None:
        return None
    blob, meta = found
    return WalkNetwork.from_bytes(blob), meta


# -- helpers ---------------------------------------------------------------------------------


def _city_check(net: WalkNetwork, city: str, name: str) -> list[str]:
    """Refuse a network that lies wholly away from the city; note how much lies outside it."""
    if net.n_nodes == 0:
        return []
    step = max(1, net.n_nodes // _CHECK_SAMPLE)
    lon, lat = net.node_lon[::step], net.node_lat[::step]
    shape = outline(city)
    shapely.prepare(shape)
    inside = shapely.contains_xy(shape, lon, lat)
    if not inside.any():
        away = geometry_outside_outline_m(city, shapely.multipoints(np.column_stack([lon, lat])))
        if away > OUTLINE_TOLERANCE_M:
            raise _problem(
                name,
                f"the network lies outside the city ({away / 1000:,.1f} km from its outline)",
                "check --city, or give an extract that covers the city",
            )
    share_out = 1.0 - float(inside.mean())
    if share_out >= 0.05:
        return [
            f"{share_out:.0%} of the network lies outside the city's outline; it is kept, as "
            "walks near the border cross it"
        ]
    return []


def _check_exists(p: Path, name: str) -> None:
    if not p.exists():
        raise _problem(name, "file not found", f"ファイルが見つかりません: {p}")
    if p.is_dir():
        raise _problem(name, "is a folder, not a file")
    if p.stat().st_size == 0:
        raise _problem(name, "file is empty", "ファイルが空です (0 bytes)")


def _engine_reason(message: str, name: str) -> str:
    text = message.replace(f"{name} ", "").strip()
    if "no walkable ways" in text:
        return "no walkable ways: the file holds no street a pedestrian may use"
    return text


def _hint(message: str, osm: bool) -> str | None:
    if osm and "no walkable ways" in message:
        return (
            "kept: footway, path, residential, service, tertiary … ; left out: motorway, "
            "foot=no, access=private, trunk without a sidewalk (see --untagged-trunk)"
        )
    return None


def _problem(name: str, reason: str, hint: str | None = None) -> InputError:
    return InputError([Problem(file=name, reason=reason, hint=hint)])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
