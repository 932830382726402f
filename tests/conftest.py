"""Store fixtures: a GeoPackage file per test, and a PostGIS database per session emptied per test.

PostGIS comes from TSUDOI_TEST_DATABASE_URL (migrated to head; its Tsudoi tables are emptied
before each test, so point it at a database you can lose), or else from a throwaway database
on a local server (127.0.0.1:5432, user postgres) that is dropped at the end. Without either
the PostGIS tests skip with the reason, unless TSUDOI_REQUIRE_POSTGIS=1 (CI): then they fail.

Real files: ``real_data`` lays out the small real extracts committed under tests/data/source
(provenance in tests/data/README.md, credits in tests/data/CREDITS.md) as ../shared/data is laid
out, unpacked, so the tests and the demo builders need nothing outside the repository.
"""

from __future__ import annotations

import gzip
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine, create_engine, pool, text
from sqlalchemy.exc import SQLAlchemyError

from geo.errors import StoreError
from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from geo.store.migrate import database_url, upgrade
from geo.store.postgis import PostgisStore

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "tests" / "data" / "source"
#: 宇部市's OSM extract ships once, in the demo pack; the tests read it from there.
UBE_PBF = REPO / "service" / "demo_data" / "35202" / "ube_walk.osm.pbf"

URL_ENV = "TSUDOI_TEST_DATABASE_URL"
REQUIRE_ENV = "TSUDOI_REQUIRE_POSTGIS"
LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STORE_TABLES = (
    "places", "areas", "categories", "cities", "towns", "networks", "population", "id_aliases",
    "users", "api_tokens", "settings", "changes",
    "coverage_results",
)


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail when CI demands PostGIS: a silent skip there would hide a broken setup."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostGIS is required ({REQUIRE_ENV}=1) but unavailable: {reason}",
                    pytrace=False)
    pytest.skip(f"PostGIS unavailable: {reason}")


def _create_database(admin: Engine, name: str) -> None:
    """Prefer an ICU collation that does not sort by code point, so ORDER BY bugs show."""
    with admin.connect() as conn:
        try:
            conn.execute(text(
                f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING UTF8'
                " LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'"
            ))
        except SQLAlchemyError:
            conn.execute(text(f'CREATE DATABASE "{name}"'))


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A database migrated to head; created here and dropped afterwards unless given by env."""
    given = os.environ.get(URL_ENV)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if given and worker:  # pytest -n: each worker empties tables of a database of its own
        yield from _worker_database(given, worker)
        return
    if given:
        try:
            upgrade(given)
        except StoreError as exc:
            _unavailable(f"{URL_ENV} is set but cannot be migrated: {exc}")
        yield given
        return

    admin = create_engine(
        LOCAL_SERVER, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool,
        connect_args={"connect_timeout": 3},
    )
    name = f"tsudoi_test_{secrets.token_hex(4)}"
    try:
        _create_database(admin, name)
    except SQLAlchemyError as exc:
        admin.dispose()
        _unavailable(f"{URL_ENV} is unset and no server lets us create a database at "
                     f"127.0.0.1:5432 as postgres ({type(exc).__name__}: {exc.args[0]})")
    url = database_url(LOCAL_SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        try:
            upgrade(url)  # creates the postgis extension
        except StoreError as exc:
            _unavailable(f"cannot create the postgis extension in a fresh database: {exc}")
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _database_beside(given: str, name: str, what: str) -> Iterator[str]:
    """A new database ``name`` on the server of ``given``, dropped when the block ends."""
    url = database_url(given)
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        _create_database(admin, name)
    except SQLAlchemyError as exc:
        admin.dispose()
        _unavailable(f"cannot create {what} {name} beside {url.database}: {exc.args[0]}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _worker_database(given: str, worker: str) -> Iterator[str]:
    """A database beside the given one for one xdist worker (``<name>_gw0``), migrated to
    head: two workers emptying one database's tables would see each other's rows come and go."""
    name = f"{database_url(given).database}_{worker}"
    with _database_beside(given, name, "the worker's database") as mine:
        try:
            upgrade(mine)
        except StoreError as exc:
            _unavailable(f"cannot migrate the worker's database {name}: {exc}")
        yield mine


@pytest.fixture(scope="session")
def postgis_engine(postgis_url: str) -> Iterator[Engine]:
    """For test setup only (emptying tables); the code under test opens its own."""
    engine = create_engine(database_url(postgis_url), poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def empty_postgis_store(engine: Engine, url: str) -> PostgisStore:
    """A PostGIS store whose Tsudoi tables were just emptied."""
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(STORE_TABLES)}"))
    return PostgisStore(url)


@pytest.fixture
def postgis_store(postgis_engine: Engine, postgis_url: str) -> Iterator[PostgisStore]:
    """A PostGIS store with empty tables (emptied before, so a failed test leaves its rows)."""
    store = empty_postgis_store(postgis_engine, postgis_url)
    yield store
    store.close()


@pytest.fixture
def blank_database_url(postgis_url: str) -> Iterator[str]:
    """A new database on the same server with no Tsudoi schema, for the migration checks."""
    name = f"tsudoi_blank_{secrets.token_hex(4)}"
    with _database_beside(postgis_url, name, "a second database") as blank:
        yield blank


@pytest.fixture
def gpkg_store(tmp_path: Path) -> Iterator[GpkgStore]:
    store = GpkgStore(tmp_path / "t.gpkg")
    yield store
    store.close()


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request: pytest.FixtureRequest) -> Store:
    """Each store in turn, empty: the contract tests run once per implementation."""
    found: Store = request.getfixturevalue(f"{request.param}_store")
    return found


STORE_KINDS = ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)]


def demo_in(kind: str, request: pytest.FixtureRequest, folder: Path) -> Store:
    """The demo loaded into a new GeoPackage in ``folder``, or into the emptied PostGIS test
    database: for a module-scoped fixture parametrised over ``STORE_KINDS``."""
    from service.demo import load_demo  # the service is loaded by the tests that ask for it

    s: Store
    if kind == "gpkg":
        s = GpkgStore(folder / "demo.gpkg")
    else:
        engine: Engine = request.getfixturevalue("postgis_engine")
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(STORE_TABLES)}"))
        s = PostgisStore(request.getfixturevalue("postgis_url"))
    load_demo(s)
    return s


@pytest.fixture(scope="module", params=STORE_KINDS)
def demo_each_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Store]:
    """The demo in each store in turn, loaded once per module that reads it (pages, sheets)."""
    s = demo_in(request.param, request, tmp_path_factory.mktemp("demo"))
    yield s
    s.close()


_SCRIPT = Path(sys.executable).with_name("tsudoi")
TSUDOI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "service.cli"]
Tsudoi = Callable[..., subprocess.CompletedProcess[str]]


def run_tsudoi(
    *args: str | Path, cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it: the console script (else ``python -m service.cli``)
    in a subprocess, without TSUDOI_DATABASE_URL, with wide uncoloured UTF-8 output."""
    env = {k: v for k, v in os.environ.items() if k != "TSUDOI_DATABASE_URL"}
    env.update(COLUMNS="200", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [*TSUDOI, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=timeout,
    )


@pytest.fixture(scope="session")
def tsudoi() -> Tsudoi:
    """``tsudoi(*args, cwd=…)``: see :func:`run_tsudoi`."""
    return run_tsudoi


@pytest.fixture(scope="session")
def real_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/source unpacked (``x.gz`` → ``x``), plus ``ube/ube_walk.osm.pbf``: the same
    paths as in ../shared/data, so a builder's ``--shared`` can point here."""
    root = tmp_path_factory.mktemp("real_data")
    for path in sorted(SOURCE.rglob("*")):
        if not path.is_file():
            continue
        target = root / path.relative_to(SOURCE)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as src, target.with_suffix("").open("wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copyfile(path, target)
    shutil.copyfile(UBE_PBF, root / "ube" / UBE_PBF.name)
    return root


BROWSER_REQUIRE_ENV = "TSUDOI_REQUIRE_BROWSER"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-gpu",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, once per run (Playwright's sync API allows one instance per process).

    Skips when Chromium is missing, unless TSUDOI_REQUIRE_BROWSER=1 (CI), where it fails.
    """
    def unavailable(reason: str) -> NoReturn:
        if os.environ.get(BROWSER_REQUIRE_ENV) == "1":
            pytest.fail(f"{BROWSER_REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)

    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser"
            unavailable(f"{CHROMIUM} did not start: {exc}")
        yield b
        b.close()
