"""Serving from several processes: `tsudoi serve --workers N` answers what another process wrote
(caches follow the store's revision), and a PostGIS store outlives its dropped connections."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from sqlalchemy import create_engine, pool, text

from geo.japan.municipalities import get_city
from geo.model import Place
from geo.store.base import PlaceChanges, PlaceQuery, Store
from geo.store.migrate import database_url
from geo.store.postgis import PostgisStore
from tests.conftest import TSUDOI

NIIGATA = "15100"


def _place(i: int) -> Place:
    return Place(
        id=f"{NIIGATA}-salon-{i:03}", city=NIIGATA, kind="gathering", category="salon",
        name=f"サロン{i}", lon=139.02 + i * 0.001, lat=37.91, source="test.csv",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serving(db: str, *args: str, output: list[str] | None = None) -> Iterator[str]:
    """`tsudoi serve --db DB ARGS` in its own process group; its base URL once it answers.

    What it printed is appended to ``output`` once it has stopped."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "TSUDOI_DATABASE_URL"}
    proc = subprocess.Popen(
        [*TSUDOI, "serve", "--db", db, "--port", str(port), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(f"{base}/healthz", timeout=5):
                    break
            except (URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    printed = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"tsudoi serve did not start: {printed}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()  # the server stops its own worker processes
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:  # and nothing it started outlives it
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc.stdout:
            if output is not None:
                output.append(proc.stdout.read().decode())
            proc.stdout.close()


def _listed(base: str) -> list[str]:
    with urlopen(f"{base}/api/cities/{NIIGATA}/places", timeout=30) as r:
        return [f["id"] for f in json.load(r)["features"]]


def _check_other_process_writes_are_served(store: Store, db: str) -> None:
    store.put_city(get_city(NIIGATA))
    store.apply_places(PlaceChanges(upsert=[_place(1)]))
    with _serving(db, "--workers", "2") as base:
        for _ in range(6):  # both workers answer, and each keeps the listing
            assert _listed(base) == [_place(1).id]
        store.apply_places(PlaceChanges(upsert=[_place(2)]))  # written by this process
        for _ in range(6):
            assert _listed(base) == [_place(1).id, _place(2).id]


def test_workers_on_a_geopackage_serve_what_another_process_wrote(tmp_path: Path) -> None:
    from geo.store.gpkg import GpkgStore

    path = tmp_path / "t.gpkg"
    store = GpkgStore(path)
    try:
        _check_other_process_writes_are_served(store, str(path))
        assert store._query("PRAGMA journal_mode")[0][0] == "wal"  # as serve --workers set it
    finally:
        store.close()


@pytest.mark.postgis
def test_workers_on_postgis_serve_what_another_process_wrote(
    postgis_store: PostgisStore, postgis_url: str
) -> None:
    _check_other_process_writes_are_served(postgis_store, postgis_url)


def _drop_connections(postgis_url: str) -> int:
    """What a PostgreSQL restart does to a client: every other session of the database ends."""
    admin = create_engine(database_url(postgis_url), poolclass=pool.NullPool)
    with admin.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return int(n)


@pytest.mark.postgis
def test_postgis_reads_recover_from_dropped_connections(
    postgis_store: PostgisStore, postgis_url: str
) -> None:
    postgis_store.put_city(get_city(NIIGATA))
    postgis_store.apply_places(PlaceChanges(upsert=[_place(1), _place(2)]))
    rev = postgis_store.revision()
    assert [p.id for p in postgis_store.places(PlaceQuery())] == [_place(1).id, _place(2).id]
    assert _drop_connections(postgis_url) >= 1  # the pooled connection the reads used
    # the next read meets a dead connection and is answered on a new one, without a restart
    assert [p.id for p in postgis_store.places(PlaceQuery())] == [_place(1).id, _place(2).id]
    assert postgis_store.revision() == rev
    near = postgis_store.nearby(139.02, 37.91, 1, PlaceQuery())
    assert [p.id for p, _ in near] == [_place(1).id]


@pytest.mark.postgis
def test_postgis_network_read_recovers_from_dropped_connections(
    postgis_store: PostgisStore, postgis_url: str
) -> None:
    """The network blob is fetched in binary format through a hook of its own; a restart must
    still cost only the read under way, even with every pooled connection dead."""
    from concurrent.futures import ThreadPoolExecutor

    blob = os.urandom(4 << 20) + bytes(range(256))  # toasted, every byte value
    postgis_store.put_network(NIIGATA, blob, {"nodes": 7})
    with ThreadPoolExecutor(4) as ex:  # several connections in the pool, all to die
        assert all(ex.map(lambda _: postgis_store.network(NIIGATA), range(40)))
    pool_: Any = postgis_store._reader.pool
    assert pool_.checkedin() >= 2
    assert _drop_connections(postgis_url) >= 2
    assert postgis_store.network(NIIGATA) == (blob, {"nodes": 7})
    assert postgis_store.network("15202") is None


@pytest.mark.postgis
def test_postgis_opens_no_more_connections_than_its_pool(postgis_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = PostgisStore(postgis_url, pool_size=3)
    try:
        with ThreadPoolExecutor(12) as ex:
            list(ex.map(lambda _: store.revision(), range(200)))
        pool_: Any = store._reader.pool  # a QueuePool: it counts its connections
        assert pool_.checkedin() + pool_.checkedout() <= 3
    finally:
        store.close()


def test_serve_logs_requests_only_when_asked(tmp_path: Path) -> None:
    from geo.store.gpkg import GpkgStore

    path = tmp_path / "t.gpkg"
    GpkgStore(path).close()
    quiet: list[str] = []
    with _serving(str(path), output=quiet) as base:
        urlopen(f"{base}/api/cities", timeout=30).close()
    loud: list[str] = []
    with _serving(str(path), "--access-log", "--log-level", "debug", output=loud) as base:
        urlopen(f"{base}/api/cities", timeout=30).close()
    assert "Tsudoi serving" in quiet[0] and "GET /api/cities" not in quiet[0]
    assert "GET /api/cities" in loud[0]


def test_serve_refuses_an_unknown_log_level(tmp_path: Path) -> None:
    from tests.conftest import run_tsudoi

    done = run_tsudoi("serve", "--db", tmp_path / "t.gpkg", "--log-level", "loud", cwd=tmp_path)
    assert done.returncode == 2
    assert "--log-level must be one of critical, error, warning, info, debug" in done.stderr


def _login_cookie(base: str) -> str:
    """The Set-Cookie of the sign-in form, asked as a proxy that received it over https asks."""
    from urllib.request import Request

    asked = Request(f"{base}/login", headers={"X-Forwarded-Proto": "https"})
    with urlopen(asked, timeout=30) as r:
        cookies = [c for c in r.headers.get_all("set-cookie") if c.startswith("tsudoi_csrf=")]
    assert len(cookies) == 1, cookies
    return cookies[0].lower()


def test_behind_an_https_proxy_the_cookies_are_secure(tmp_path: Path) -> None:
    """uvicorn believes X-Forwarded-Proto from the proxies it is told of (by default the same
    machine's); --forwarded-allow-ips names others, and a proxy not named is not believed."""
    db = str(tmp_path / "t.gpkg")
    with _serving(db) as base:  # a proxy on the same machine: believed by default
        assert "; secure" in _login_cookie(base)
    with _serving(db, "--forwarded-allow-ips", "10.0.0.7") as base:  # we are not 10.0.0.7
        assert "; secure" not in _login_cookie(base)
    with _serving(db, "--forwarded-allow-ips", "*") as base:
        assert "; secure" in _login_cookie(base)
