"""The commands besides the file imports, as a user runs them: import towns, suggest, db upgrade,
demo and serve (`tsudoi network build` runs in tests/test_network_store.py, `import population`
in tests/test_population_import.py, `coverage` in tests/test_coverage_api.py).

Each runs the console script in a subprocess against a throwaway store and checks what it did:
the counts it reports, what the store holds afterwards, and the exit code.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, pool

from geo.store.base import PlaceQuery
from geo.store.gpkg import GpkgStore
from geo.store.migrate import current, database_url, head
from geo.store.postgis import PostgisStore

REPO = Path(__file__).resolve().parents[1]
TOWNS = REPO / "service" / "demo_data" / "15100" / "towns.geojson"  # 1,862 real town points
HALLS_CSV = REPO / "tests" / "data" / "imports" / "takamatsu_community_center_10.csv"
NIIGATA, UBE, SHUNAN = "15100", "35202", "35215"
DEMO_FILES = 18  # report lines of one demo load: 7 files for 新潟市, 6 for 宇部市, 5 for 周南市
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "tsudoi.gpkg"


# -- import towns -------------------------------------------------------------------------------


def test_import_towns_dry_run_then_import_then_unchanged(
    tsudoi: Run, tmp_path: Path, db: Path
) -> None:
    dry = tsudoi("import", "towns", TOWNS, "--city", NIIGATA, "--dry-run", "--db", db, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "dry run: nothing was written",
        "towns.geojson: 1862 towns — would change: 1862 added, 0 updated, 0 unchanged",
    ]
    with closing(GpkgStore(db)) as store:
        assert store.towns(NIIGATA) == [] and store.cities() == []

    done = tsudoi("import", "towns", TOWNS, "--city", NIIGATA, "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "towns.geojson: 1862 towns — changed: 1862 added, 0 updated, 0 unchanged"
    ]
    with closing(GpkgStore(db)) as store:
        assert [c.code for c in store.cities()] == [NIIGATA]
        towns = store.towns(NIIGATA)
        assert len(towns) == 1862 and len({t.id for t in towns}) == 1862
        found = store.towns(NIIGATA, q="古町通")
        assert found and all(t.name.startswith("古町通") for t in found)

    again = tsudoi("import", "towns", TOWNS, "--city", NIIGATA, "--json", "--db", db, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["what"], report["rows"], report["added"], report["unchanged"]) == (
        "towns", 1862, 0, 1862,
    )  # fmt: skip


def test_import_towns_refusals_change_nothing(
    tsudoi: Run, tmp_path: Path, db: Path, real_data: Path
) -> None:
    # Geolonia's raw file names a 大字 and its 小字 apart: 13 towns share a name within a ward.
    raw = real_data / "niigata" / "town_points.geojson"
    dup = tsudoi("import", "towns", raw, "--city", NIIGATA, "--json", "--db", db, cwd=tmp_path)
    assert dup.returncode == 1
    body = json.loads(dup.stdout)
    assert body["rejected"] is True and len(body["problems"]) == 13
    assert all(p["reason"].startswith("duplicate id") for p in body["problems"])
    assert "13 problem(s) in the input; nothing was changed" in dup.stderr

    elsewhere = tsudoi("import", "towns", TOWNS, "--city", UBE, "--db", db, cwd=tmp_path)
    assert elsewhere.returncode == 1
    assert "1862 problem(s)" in elsewhere.stderr and "outside the city" in elsewhere.stderr

    no_column = tsudoi("import", "towns", TOWNS, "--city", NIIGATA, "--name-field", "町名",
                       "--db", db, cwd=tmp_path)  # fmt: skip
    assert no_column.returncode == 2 and "no column named '町名'" in no_column.stderr
    with closing(GpkgStore(db)) as store:
        assert store.cities() == [] and store.towns(NIIGATA) == [] and store.towns(UBE) == []


# -- demo, suggest and serve on one demo store -----------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(tsudoi: Run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`tsudoi demo --no-serve` into a new GeoPackage: (the store, what the first run printed)."""
    where = tmp_path_factory.mktemp("demo")
    done = tsudoi("demo", "--no-serve", "--db", where / "demo.gpkg", cwd=where)
    assert done.returncode == 0, done.stderr
    return where / "demo.gpkg", done.stdout


def _store_state(path: Path) -> tuple[object, ...]:
    """What a second load must leave as it was, the walking network's build time included."""
    with closing(GpkgStore(path)) as store:
        everything = PlaceQuery(city=UBE, kinds=(), statuses=())
        shunan = PlaceQuery(city=SHUNAN, kinds=(), statuses=())
        return (
            [(c.code, store.city_counts(c.code)) for c in store.cities()],
            store.area_hashes(NIIGATA), store.area_hashes(UBE), store.area_hashes(SHUNAN),
            store.places(everything), store.places(shunan),
            len(store.towns(NIIGATA)), len(store.towns(SHUNAN)),
            len(store.population(NIIGATA)), len(store.population(UBE)),
            store.network_meta(UBE), store.network_meta(NIIGATA),
        )  # fmt: skip


def test_demo_loads_three_cities_and_a_second_run_changes_nothing(
    tsudoi: Run, demo_run: tuple[Path, str]
) -> None:
    path, first = demo_run
    lines = first.splitlines()
    assert len(lines) == DEMO_FILES
    assert lines[0] == "areas_wards.geojson: 8 areas — changed: 8 added, 0 updated, 0 unchanged"
    assert lines[3] == "towns.geojson: 1862 towns — changed: 1862 added, 0 updated, 0 unchanged"
    assert lines[5] == (  # the real model houses, placed from their addresses
        "model_houses_real.csv (source model_houses_real): 4 places — changed: 4 added, "
        "0 updated, 0 unchanged; 4 placed from addresses"
    )
    assert lines[12] == (
        "ube_walk.osm.pbf: 1 walking network — changed: 1 added, 0 updated, 0 unchanged"
    )
    assert lines[13:15] == [
        "areas_city.geojson: 1 areas — changed: 1 added, 0 updated, 0 unchanged",
        "areas_chiku.geojson: 31 areas — changed: 31 added, 0 updated, 0 unchanged",
    ]
    assert all("— changed: " in line and " 0 updated, 0 unchanged" in line for line in lines)
    before = _store_state(path)
    cities, *_, ube_network, niigata_network = before
    assert [code for code, _ in cities] == [NIIGATA, UBE, SHUNAN]  # type: ignore[attr-defined]
    assert ube_network is not None and ube_network["nodes"] > 10_000  # type: ignore[index]
    assert niigata_network is None

    again = tsudoi("demo", "--no-serve", "--db", path, cwd=path.parent)
    assert again.returncode == 0, again.stderr
    repeat = again.stdout.splitlines()
    assert len(repeat) == DEMO_FILES
    assert all(line.endswith(", all unchanged; nothing to do") for line in repeat), repeat
    assert [ln.split(":")[0] for ln in repeat] == [ln.split(":")[0] for ln in lines]
    assert _store_state(path) == before


@pytest.mark.postgis
def test_demo_loads_three_cities_into_postgis_and_a_second_run_changes_nothing(
    tsudoi: Run, tmp_path: Path, postgis_store: PostgisStore, postgis_url: str
) -> None:
    """The same command on the server store (the test database, emptied)."""
    done = tsudoi("demo", "--no-serve", "--db", postgis_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == DEMO_FILES
    assert all("— changed: " in line and " 0 updated, 0 unchanged" in line for line in lines)
    assert [c.code for c in postgis_store.cities()] == [NIIGATA, UBE, SHUNAN]
    assert postgis_store.city_counts(SHUNAN).areas_by_level == {1: 1, 2: 31}
    assert len(postgis_store.towns(SHUNAN)) == 324

    again = tsudoi("demo", "--no-serve", "--db", postgis_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    repeat = again.stdout.splitlines()
    assert len(repeat) == DEMO_FILES
    assert all(line.endswith(", all unchanged; nothing to do") for line in repeat), repeat


def _suggestion(path: Path, city: str, k: int) -> dict[str, object]:
    """The same question asked in-process, to hold the command's answer against."""
    from geo.analysis.siting import suggest_sites
    from service.analysis import build_model

    with closing(GpkgStore(path)) as store:
        answer: dict[str, object] = suggest_sites(build_model(store, city), k).as_dict()
    return _timeless(json.loads(json.dumps(answer)))


def _timeless(answer: dict[str, object]) -> dict[str, object]:
    """The answer without the solver's run time, the one figure that differs run to run."""
    exact = answer.get("exact")
    if isinstance(exact, dict):
        assert exact.pop("seconds") >= 0
    return answer


def test_suggest_prints_the_sites_and_their_gains(tsudoi: Run, demo_run: tuple[Path, str]) -> None:
    path, _ = demo_run
    expected = _suggestion(path, UBE, 3)
    as_json = tsudoi("suggest", "--city", UBE, "--json", "--db", path, cwd=path.parent)
    assert as_json.returncode == 0, as_json.stderr
    assert _timeless(json.loads(as_json.stdout)) == expected

    text = tsudoi("suggest", "--city", UBE, "--db", path, cwd=path.parent)
    assert text.returncode == 0, text.stderr
    head_line, *picks, exact = text.stdout.splitlines()
    assert head_line == (
        f"network: {expected['uncovered']:,.0f} of {expected['older_population']:,.0f} "
        f"residents aged 65+ are beyond 500 m; candidates: venues ({expected['n_candidates']})"
    )
    greedy: list[dict[str, float]] = expected["greedy"]  # type: ignore[assignment]
    assert len(picks) == 3
    with closing(GpkgStore(path)) as store:
        for line, pick in zip(picks, greedy, strict=True):
            hall = store.place(str(pick["id"]))
            assert hall is not None and hall.kind == "venue"
            assert line == (
                f"{pick['rank']}. {hall.name}  +{pick['newly_covered']:,.0f} "
                f"(total {pick['cumulative']:,.0f})  {pick['lat']:.5f},{pick['lon']:.5f}"
            )
    best: dict[str, float] = expected["exact"]  # type: ignore[assignment]
    assert exact.startswith(f"exact: {best['covered']:,.0f} (optimal); greedy is ")


def test_suggest_beyond_ten_sites_has_no_exact_answer(
    tsudoi: Run, demo_run: tuple[Path, str]
) -> None:
    path, _ = demo_run
    done = tsudoi("suggest", "--city", NIIGATA, "--k", "11", "--json", "--db", path,
                  cwd=path.parent)  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["method"] == "straight-line" and body["exact"] is None
    gains = [p["newly_covered"] for p in body["greedy"]]
    assert len(gains) == 11 and gains == sorted(gains, reverse=True) and gains[-1] > 0
    assert body["greedy_covered"] == pytest.approx(sum(gains))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--city", UBE, "--k", "0"), "--k: must be 1 to 20"),
        (("--city", UBE, "--age", "70"), "--age: must be 65 or 75"),
        (("--city", "10202"), "city 10202 has no population data"),
        (("--city", "99999"), "no municipality has the JIS code '99999'"),
    ],
)
def test_suggest_usage_errors_exit_2(
    tsudoi: Run, demo_run: tuple[Path, str], args: tuple[str, ...], message: str
) -> None:
    path, _ = demo_run
    done = tsudoi("suggest", *args, "--db", path, cwd=path.parent)
    assert done.returncode == 2 and message in done.stderr
    assert done.stdout == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(*args: str | Path, cwd: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A `tsudoi` command that serves, started in the background and stopped afterwards."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "TSUDOI_DATABASE_URL"}
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8")
    command = [sys.executable, "-m", "service.cli", *map(str, args), "--port", str(port)]
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 120 s"
            time.sleep(0.3)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_answers_for_the_store_it_is_given(demo_run: tuple[Path, str]) -> None:
    path, _ = demo_run
    with serving("serve", "--db", path, cwd=path.parent) as (base, _proc):
        cities = httpx.get(f"{base}/api/cities", timeout=30).json()
        assert [c["code"] for c in cities] == [NIIGATA, UBE, SHUNAN]
        walks = httpx.get(f"{base}/api/cities/{UBE}/walks",
                          params={"lat": 33.95, "lon": 131.25}, timeout=60)  # fmt: skip
        assert walks.status_code == 200


def test_demo_without_no_serve_loads_then_serves(demo_run: tuple[Path, str]) -> None:
    path, _ = demo_run
    with serving("demo", "--db", path, cwd=path.parent) as (base, proc):
        assert httpx.get(f"{base}/api/cities/{NIIGATA}", timeout=30).json()["code"] == NIIGATA
    out = proc.stdout.read() if proc.stdout else ""
    lines = out.splitlines()
    assert all(ln.endswith("all unchanged; nothing to do") for ln in lines[:DEMO_FILES]), out
    assert lines[DEMO_FILES].startswith(f"Tsudoi serving {path}")


# -- db upgrade ---------------------------------------------------------------------------------


@pytest.mark.postgis
def test_db_upgrade_creates_the_schema_once(
    tsudoi: Run, tmp_path: Path, blank_database_url: str
) -> None:
    assert current(blank_database_url) is None
    done = tsudoi("db", "upgrade", "--db", blank_database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "database schema is at the latest revision\n"
    assert current(blank_database_url) == head()
    engine = create_engine(database_url(blank_database_url), poolclass=pool.NullPool)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"cities", "areas", "places", "categories", "towns", "networks", "population",
            "alembic_version"} <= tables  # fmt: skip

    again = tsudoi("db", "upgrade", "--db", blank_database_url, cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, done.stdout)
    assert current(blank_database_url) == head()

    # the schema is one the store accepts: an import goes in
    used = tsudoi("import", "places", HALLS_CSV, "--city", "37201", "--category", "hall",
                  "--db", blank_database_url, cwd=tmp_path)  # fmt: skip
    assert used.returncode == 0, used.stderr
    store = PostgisStore(blank_database_url)
    try:
        assert len(store.places(PlaceQuery(city="37201", kinds=(), statuses=()))) == 10
    finally:
        store.close()


def test_db_upgrade_of_a_geopackage_has_nothing_to_do(tsudoi: Run, tmp_path: Path) -> None:
    done = tsudoi("db", "upgrade", "--db", tmp_path / "t.gpkg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "the embedded GeoPackage store creates its schema itself; nothing to do" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_db_upgrade_of_an_unreachable_server_exits_1(tsudoi: Run, tmp_path: Path) -> None:
    done = tsudoi("db", "upgrade", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/none",
                  cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert "cannot upgrade the database schema" in done.stderr and "port 1" in done.stderr
