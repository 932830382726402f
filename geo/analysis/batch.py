"""Coverage for many cities at once, each an independent task on Dask distributed.

A task opens the store itself from its URL (a store's connections cannot travel between
processes), prepares the city's model the way every coverage answer does
(:func:`geo.analysis.prepare.build_model`), answers the walk, and keeps the city's figures, areas
and cells in the store in one transaction (:meth:`Store.put_coverage`): a city is written whole
or not at all. A city whose data is missing (no population) is reported at once, since running it
again changes nothing; any other failure (the store, a lost worker) is retried ``retries`` times
by Dask, then reported. The cluster is a :class:`distributed.LocalCluster` of processes on this
machine, or an existing one given by its scheduler's address.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.analysis.params import Walk, WalkQuery
from geo.analysis.prepare import build_model
from geo.analysis.stored import StoredCoverage, stored_coverage
from geo.errors import MissingData, StoreError
from geo.store import open_store
from geo.store.base import Store
from geo.store.shared import now_iso

if TYPE_CHECKING:
    from distributed import Client

DEFAULT_RETRIES = 2
#: The local cluster's workers run a few long tasks each: Dask's sampling profiler (every 10 ms)
#: and its 100 ms memory and 500 ms system checks would take CPU a city needs, for nothing to see
#: without a dashboard.
LOCAL_CONFIG: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


@dataclass(frozen=True)
class CityOutcome:
    """How one city's task ended: its kept figures, or why nothing was written."""

    city: str
    ok: bool
    seconds: float
    error: str | None = None
    older_population: float | None = None
    covered_share: float | None = None
    method: str | None = None


def city_coverage(store: Store, city: str, walk: Walk) -> StoredCoverage:
    """The single-city path: the city's model, its coverage and cells, timed (nothing written)."""
    t0 = time.perf_counter()
    model = build_model(store, city)
    query: WalkQuery = {"minutes": walk.minutes, "speed_kmh": walk.speed_kmh, "age": walk.age,
                        "categories": walk.categories}  # fmt: skip
    result = model.coverage(**query)
    cells = model.cells(**query)
    return stored_coverage(
        city, result, cells, computed_at=now_iso(), seconds=time.perf_counter() - t0
    )


def run_city(url: str, city: str, walk: Walk) -> CityOutcome:
    """One task: compute and keep a city's coverage in the store at ``url``.

    Missing data is an outcome (retrying cannot help); any other error is raised, for Dask to
    retry the task. Either way the city's previous record stays until the new one is written.
    """
    t0 = time.perf_counter()
    store = open_store(url)
    try:
        try:
            record = city_coverage(store, city, walk)
        except MissingData as exc:
            message = f"{exc}; {exc.remedy}" if exc.remedy else str(exc)
            return CityOutcome(city, False, time.perf_counter() - t0, message)
        store.put_coverage(record)
    finally:
        store.close()
    return CityOutcome(
        city, True, time.perf_counter() - t0, None, record.older_population,
        record.covered_share, record.method,
    )  # fmt: skip


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A Dask client: on the cluster at ``scheduler`` (tcp://host:port), else on a new
    LocalCluster of ``workers`` processes with one thread each (closed when the block ends).

    The local cluster serves no dashboard (several may run on one machine) and its workers
    skip Dask's own monitoring (:data:`LOCAL_CONFIG`); a cluster of its own keeps its settings.
    """
    import dask

    dist = _distributed()
    if scheduler:
        with dist.Client(scheduler) as client:
            yield client
        return
    with warnings.catch_warnings(), dask.config.set(LOCAL_CONFIG):
        # the scheduler's HTTP routes (health, not the dashboard) take another port when 8787
        # is taken, and say so: not worth a warning on a machine running several batches
        warnings.filterwarnings("ignore", r"Port \d+ is already in use", UserWarning)
        cluster = dist.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, dist.Client(cluster) as client:
        yield client


def _many_processes(url: str) -> None:
    """A GeoPackage is switched to write-ahead logging (kept in the file, as `tsudoi serve
    --workers` does): the tasks reading their cities never wait for another's write. Only a
    help: a store that cannot be opened here is reported by each task, as any failure is."""
    from geo.store.gpkg import GpkgStore

    try:
        store = open_store(url)
    except StoreError:
        return
    try:
        if isinstance(store, GpkgStore):
            store.use_wal()
    except sqlite3.Error:
        pass
    finally:
        store.close()


def _distributed() -> Any:
    """The distributed package, imported when a batch runs (it takes a second), untyped."""
    import distributed

    return distributed


def run_batch(
    client: Client,
    url: str,
    cities: Sequence[str],
    walk: Walk,
    *,
    retries: int = DEFAULT_RETRIES,
    on_done: Callable[[CityOutcome], None] | None = None,
) -> list[CityOutcome]:
    """Every city's coverage as one task each on ``client``'s cluster; outcomes in city order.

    ``on_done`` hears of each city as it finishes (for progress). A task that still fails after
    ``retries`` retries is reported with its error; nothing of it was written.
    """
    _many_processes(url)
    futures = client.map(
        run_city, [url] * len(cities), list(cities), [walk] * len(cities),
        key=[f"coverage-{c}-{uuid.uuid4().hex}" for c in cities], retries=retries, pure=False,
    )  # fmt: skip
    city_of = {f.key: c for f, c in zip(futures, cities, strict=True)}
    started = time.perf_counter()
    outcomes: dict[str, CityOutcome] = {}
    for future in _distributed().as_completed(futures):
        city = city_of[future.key]
        if future.status == "error":
            exc = future.exception()
            outcome = CityOutcome(city, False, time.perf_counter() - started,
                                  f"{type(exc).__name__}: {exc}")  # fmt: skip
        else:
            outcome = future.result()
        outcomes[city] = outcome
        future.release()
        if on_done is not None:
            on_done(outcome)
    return [outcomes[c] for c in cities]
