"""The prepared demand kept with the walking network in the store, so a cold answer only loads it.

Spreading a city's population over its streets (:func:`geo.analysis.demand.spread_population`)
takes about a second for 20,000 cells on a 100,000-node network, and depends only on the
network and the population cells. It is therefore done when either is imported and kept as
extra arrays inside the network's own blob (:meth:`WalkNetwork.to_bytes`, plain ``.npy``
members, no pickle), with a fingerprint of the cells it was spread from. A cold coverage
answer loads those arrays instead of reading and spreading every cell; when the cells have
changed since (the fingerprint differs) or the blob predates this, it spreads them as before.
No schema change: both stores keep the blob as they always did.
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
from geo.store.base import Store
from geo.walk.city_network import BuiltNetwork, save_network
from geo.walk.network import WalkNetwork
from geo.walk.snap import Snap

#: Bumped whenever spreading or this layout changes, so older prepared arrays are not used.
DEMAND_VERSION = 1
_PREFIX = "demand."
_SNAP = "snap."


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


def stored_demand(store: Store, city: str, blob: bytes) -> Demand | None:
    """The prepared demand in the city's network ``blob``, when still current."""
    extra = WalkNetwork.extra_from_bytes(blob)
    if not extra:
        return None
    return demand_from_arrays(extra, population_fingerprint(store, city))


def prepared_extra(store: Store, city: str, net: WalkNetwork) -> dict[str, Any]:
    """The arrays to keep with ``net``: the city's cells spread over it (none without cells)."""
    cells = store.population(city)
    fingerprint = _cells_fingerprint(cells)
    if fingerprint is None:
        return {}
    return demand_arrays(spread_population(cells, net), fingerprint)


def save_network_prepared(store: Store, city: str, built: BuiltNetwork) -> bytes:
    """:func:`save_network` with the city's demand spread over the new network kept in it."""
    started = time.perf_counter()
    extra = prepared_extra(store, city, built.network)
    if extra:
        built.meta["prepared"] = _prepared_meta(extra, time.perf_counter() - started)
    return save_network(store, city, built, extra=extra)


def keep_prepared(store: Store, city: str) -> bool:
    """Spread the city's cells over its stored network again and keep them with it (after a
    population import). False when the city has no network or no cells, or it is current."""
    found = store.network(city)
    if found is None:
        return False
    blob, meta = found
    cells = store.population(city)
    fingerprint = _cells_fingerprint(cells)
    if fingerprint is None:
        return False
    if demand_from_arrays(WalkNetwork.extra_from_bytes(blob), fingerprint) is not None:
        return False
    net = WalkNetwork.from_bytes(blob)
    started = time.perf_counter()
    extra = demand_arrays(spread_population(cells, net), fingerprint)
    meta = dict(meta)
    meta["prepared"] = _prepared_meta(extra, time.perf_counter() - started)
    save_network(store, city, BuiltNetwork(network=net, meta=meta, notes=[]), extra=extra)
    return True


def _prepared_meta(extra: dict[str, Any], seconds: float) -> dict[str, Any]:
    return {
        "demand_version": DEMAND_VERSION,
        "population_fingerprint": str(extra[_PREFIX + "fingerprint"]),
        "demand_points": int(np.asarray(extra[_PREFIX + "cell"]).size),
        "seconds": round(seconds, 3),
    }
