"""What a coverage model needs of a city, prepared once and kept with its walking network in the
store, so a cold answer loads arrays instead of rebuilding them.

Spreading a city's population over its streets (:func:`geo.analysis.demand.spread_population`)
takes about a second for 20,000 cells on a 100,000-node network, and snapping its places needs
the network's STRtree (190,000 line geometries, a few tenths of a second more). Both depend
only on the network and on the cells or the places' points, so they are done when the
network, the population or the places are imported, and kept as extra arrays inside the
network's own blob (:meth:`WalkNetwork.to_bytes`: plain ``.npy`` members, no pickle): the
demand with a fingerprint of the cells it was spread from, the snaps by each place's point.
A cold answer uses them while they hold; cells changed since (the fingerprint differs), a
place added or moved since, or a blob from before are prepared then, as before. No schema
change: both stores keep the blob as they always did, and older blobs load as they did.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.analysis.demand import (
    DEFAULT_MAX_POINTS,
    DEFAULT_SPACING_M,
    Demand,
    spread_population,
)
from geo.model import PopulationCell
from geo.store.base import PlaceQuery, Store
from geo.walk.city_network import BuiltNetwork, save_network
from geo.walk.network import WalkNetwork
from geo.walk.snap import KnownSnaps, Snap, snap_points

#: Bumped whenever spreading or this layout changes, so older prepared arrays are not used.
DEMAND_VERSION = 1
SNAP_VERSION = 1
_PREFIX = "demand."
_PLACES = "places."
_SNAP = "snap."
#: The places a coverage model snaps (service.analysis.build_model asks for the same).
MODEL_KINDS = ("gathering", "venue")


def population_fingerprint(store: Store, city: str) -> str | None:
    """What the demand depends on besides the network: every stored cell's content hash (one
    small read of ids and hashes) and the spreading parameters. None when the city has none."""
    return _fingerprint(store.population_hashes(city))


def _fingerprint(hashes: Mapping[str, str]) -> str | None:
    if not hashes:
        return None
    params = [DEMAND_VERSION, DEFAULT_SPACING_M, DEFAULT_MAX_POINTS, None]  # as build_model spreads
    h = hashlib.sha256(json.dumps(params).encode())
    for cell_id in sorted(hashes):
        h.update(f"{cell_id}\0{hashes[cell_id]}\n".encode())
    return h.hexdigest()


def _cells_fingerprint(cells: Sequence[PopulationCell]) -> str | None:
    """The fingerprint of cells as read: their hashes computed here equal the stored ones, so an
    importer that sees the store through a wrapper (the demo's) still writes the reader's."""
    return _fingerprint({c.id: c.content_hash() for c in cells})


def demand_arrays(demand: Demand, fingerprint: str) -> dict[str, NDArray[Any]]:
    """The demand as named arrays (for :meth:`WalkNetwork.to_bytes`'s ``extra``)."""
    if demand.snap is None:
        raise ValueError("only demand spread over a network is kept with the network")
    out: dict[str, NDArray[Any]] = {
        _PREFIX + "version": np.array(DEMAND_VERSION),
        _PREFIX + "fingerprint": np.array(fingerprint),
    }
    for f in fields(demand):
        value = getattr(demand, f.name)
        if f.name == "snap":
            for s in fields(Snap):
                out[_PREFIX + _SNAP + s.name] = getattr(value, s.name)
        else:
            out[_PREFIX + f.name] = np.asarray(value)
    return out


def demand_from_arrays(extra: dict[str, NDArray[Any]], fingerprint: str | None) -> Demand | None:
    """The demand kept in a blob's extra arrays, if it was spread from the cells ``fingerprint``
    names by this version; None otherwise (then spread the cells)."""
    p = _PREFIX
    if fingerprint is None or p + "version" not in extra:
        return None
    if int(extra[p + "version"]) != DEMAND_VERSION or str(extra[p + "fingerprint"]) != fingerprint:
        return None
    snap = Snap(*(extra[p + _SNAP + s.name] for s in fields(Snap)))
    values: dict[str, Any] = {}
    for f in fields(Demand):
        if f.name == "snap":
            values["snap"] = snap
        elif f.name == "epsg":
            values["epsg"] = int(extra[p + "epsg"])
        elif f.name == "spacing_m":
            values["spacing_m"] = float(extra[p + "spacing_m"])
        else:
            values[f.name] = extra[p + f.name]
    return Demand(**values)


def place_snap_arrays(lon: NDArray[Any], lat: NDArray[Any], snap: Snap) -> dict[str, NDArray[Any]]:
    """The places' snaps as named arrays, by their WGS84 points."""
    out: dict[str, NDArray[Any]] = {
        _PLACES + "version": np.array(SNAP_VERSION),
        _PLACES + "lon": np.asarray(lon, dtype=np.float64),
        _PLACES + "lat": np.asarray(lat, dtype=np.float64),
    }
    for s in fields(Snap):
        out[_PLACES + _SNAP + s.name] = getattr(snap, s.name)
    return out


def known_snaps_from_arrays(extra: dict[str, NDArray[Any]]) -> KnownSnaps | None:
    """The places' snaps kept in a blob's extra arrays (None when there are none)."""
    p = _PLACES
    if p + "version" not in extra or int(extra[p + "version"]) != SNAP_VERSION:
        return None
    snap = Snap(*(extra[p + _SNAP + s.name] for s in fields(Snap)))
    return KnownSnaps(extra[p + "lon"], extra[p + "lat"], snap)


def stored_prepared(
    store: Store, city: str, blob: bytes
) -> tuple[Demand | None, KnownSnaps | None]:
    """The prepared demand (when its cells are still the stored ones) and the places' snaps
    in the city's network ``blob``."""
    extra = WalkNetwork.extra_from_bytes(blob)
    if not extra:
        return None, None
    demand = demand_from_arrays(extra, population_fingerprint(store, city))
    return demand, known_snaps_from_arrays(extra)


def stored_demand(store: Store, city: str, blob: bytes) -> Demand | None:
    """The prepared demand in the city's network ``blob``, when still current."""
    return stored_prepared(store, city, blob)[0]


def prepared_extra(
    store: Store, city: str, net: WalkNetwork, kept: dict[str, NDArray[Any]] | None = None
) -> dict[str, NDArray[Any]]:
    """The arrays to keep with ``net``: the city's cells spread over it and its places' snaps,
    reusing what ``kept`` (the arrays kept with this same network) still holds."""
    kept = kept or {}
    out: dict[str, NDArray[Any]] = {}
    cells = store.population(city)
    fingerprint = _cells_fingerprint(cells)
    if fingerprint is not None:
        if demand_from_arrays(kept, fingerprint) is not None:
            out.update({k: v for k, v in kept.items() if k.startswith(_PREFIX)})
        else:
            out.update(demand_arrays(spread_population(cells, net), fingerprint))
    places = store.places(PlaceQuery(city=city, kinds=MODEL_KINDS))
    lon = np.array([p.lon for p in places], dtype=np.float64)
    lat = np.array([p.lat for p in places], dtype=np.float64)
    known = known_snaps_from_arrays(kept)
    snapper = snap_points if known is None else known.snap_points
    out.update(place_snap_arrays(lon, lat, snapper(net, lon, lat)))
    return out


def save_network_prepared(store: Store, city: str, built: BuiltNetwork) -> bytes:
    """:func:`save_network` with the city's demand and places prepared on the new network."""
    started = time.perf_counter()
    extra = prepared_extra(store, city, built.network)
    built.meta["prepared"] = _prepared_meta(extra, time.perf_counter() - started)
    return save_network(store, city, built, extra=extra)


def keep_prepared(store: Store, city: str) -> bool:
    """Prepare again what changed (after a population or places import) and keep it with the
    city's stored network. False when the city has no network or nothing changed."""
    found = store.network(city)
    if found is None:
        return False
    blob, meta = found
    kept = WalkNetwork.extra_from_bytes(blob)
    net = WalkNetwork.from_bytes(blob)
    started = time.perf_counter()
    extra = prepared_extra(store, city, net, kept)
    if _same_arrays(extra, kept):
        return False
    meta = dict(meta)
    meta["prepared"] = _prepared_meta(extra, time.perf_counter() - started)
    save_network(store, city, BuiltNetwork(network=net, meta=meta, notes=[]), extra=extra)
    return True


def _same_arrays(a: dict[str, NDArray[Any]], b: dict[str, NDArray[Any]]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f")
        for k in a
    )


def _prepared_meta(extra: dict[str, Any], seconds: float) -> dict[str, Any]:
    fingerprint = extra.get(_PREFIX + "fingerprint")
    return {
        "demand_version": DEMAND_VERSION,
        "population_fingerprint": None if fingerprint is None else str(fingerprint),
        "demand_points": int(np.asarray(extra.get(_PREFIX + "cell", ())).size),
        "places_snapped": int(np.asarray(extra.get(_PLACES + "lon", ())).size),
        "seconds": round(seconds, 3),
    }
