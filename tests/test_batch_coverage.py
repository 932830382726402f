"""`tsudoi batch coverage`: many cities as Dask tasks, each kept whole in the store or not at all.

One LocalCluster of two worker processes serves the module (starting one costs seconds). The
demo cities are real: 新潟市 (straight-line), 宇部市 (its OSM walking network) and 周南市, which
holds no population and so cannot be computed. A batch's figures must be the figures the city's
own coverage API answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.analysis.batch import city_coverage, dask_client, run_batch
from geo.analysis.params import Walk
from geo.analysis.prepare import build_model
from geo.japan.municipalities import get_city
from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from service.app import create_app
from tests.conftest import Tsudoi

CITIES = ["15100", "35202", "35215"]  # 周南市 (35215) holds no population


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with dask_client(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def batch(demo_each_store: Store, client: Any) -> tuple[Store, list[Any]]:
    """The three demo cities run once per store, at 12 minutes for 75+ (not the defaults)."""
    walk = Walk(minutes=12, speed_kmh=3.6, age=75)
    return demo_each_store, run_batch(client, demo_each_store.url, CITIES, walk, retries=1)


def test_each_city_is_kept_or_reported(batch: tuple[Store, list[Any]]) -> None:
    store, outcomes = batch
    assert [(o.city, o.ok) for o in outcomes] == [("15100", True), ("35202", True),
                                                  ("35215", False)]  # fmt: skip
    failed = outcomes[2]
    assert "no population data" in (failed.error or "") and "import population" in failed.error
    assert store.stored_coverage("35215") is None  # nothing of the failed city was written
    assert [s.city for s in store.coverage_summaries()] == ["15100", "35202"]
    assert {o.city: o.method for o in outcomes[:2]} == {"15100": "straight-line",
                                                         "35202": "network"}  # fmt: skip


@pytest.mark.parametrize("code", ["15100", "35202"])
def test_kept_figures_are_the_coverage_api_answers(
    batch: tuple[Store, list[Any]], code: str
) -> None:
    store, _ = batch
    kept = store.stored_coverage(code)
    assert kept is not None
    with TestClient(create_app(store)) as api:
        r = api.get(f"/api/cities/{code}/coverage", params={"minutes": 12, "speed_kmh": 3.6,
                                                             "age": 75})  # fmt: skip
    assert r.status_code == 200
    answer = r.json()
    assert list(kept.areas) == answer["areas"]
    whole = answer["city"]
    assert (kept.older_population, kept.covered_older_population, kept.covered_share) == (
        whole["older_population"], whole["covered_older_population"], whole["covered_share"])
    assert (kept.method, kept.minutes, kept.speed_kmh, kept.threshold_m, kept.age) == (
        answer["method"], 12.0, 3.6, answer["threshold_m"], 75)
    assert kept.threshold_m == pytest.approx(720.0)
    assert kept.max_distance_m == answer["max_distance_m"] and list(kept.notes) == answer["notes"]
    assert kept.computed_at.endswith("Z") and kept.seconds > 0


@pytest.mark.parametrize("code", ["15100", "35202"])
def test_kept_cells_add_up_and_agree_with_the_gaps(
    batch: tuple[Store, list[Any]], code: str
) -> None:
    store, _ = batch
    kept = store.stored_coverage(code)
    assert kept is not None
    cells = {c["cell_id"]: c for c in kept.cells}
    assert sorted(cells) == sorted(c.id for c in store.population(code))
    assert sum(c["older_population"] for c in kept.cells) == pytest.approx(kept.older_population)
    assert sum(c["covered_older_population"] for c in kept.cells) == pytest.approx(
        kept.covered_older_population)
    gaps = build_model(store, code).gaps(minutes=12, speed_kmh=3.6, age=75,
                                          min_uncovered_share=0.0)  # fmt: skip
    in_gaps = {g.cell_id: g for g in gaps.gaps}
    assert in_gaps, "the demo city has cells beyond the walk"
    for cid, c in cells.items():
        uncovered = c["older_population"] - c["covered_older_population"]
        if cid in in_gaps:
            assert uncovered == pytest.approx(in_gaps[cid].uncovered_older_population)
            assert c["covered_share"] == pytest.approx(in_gaps[cid].covered_share)
        else:
            assert uncovered == pytest.approx(0.0, abs=1e-9)
        if c["older_population"] == 0:
            assert c["covered_share"] is None and c["median_distance_m"] is None


def test_a_store_that_cannot_be_opened_is_retried_then_reported(
    client: Any, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.gpkg"
    broken.write_text("not a database", encoding="utf-8")
    [outcome] = run_batch(client, str(broken), ["15100"], Walk(), retries=1)
    assert not outcome.ok and outcome.error is not None
    assert outcome.error.startswith("StoreError") and str(broken) in outcome.error


def test_the_single_city_path_writes_nothing(demo_each_store: Store) -> None:
    before = demo_each_store.revision()
    record = city_coverage(demo_each_store, "15100", Walk())
    assert record.method == "straight-line" and record.cells
    assert demo_each_store.revision() == before


def test_the_command_on_an_existing_cluster_keeps_every_city_and_exits_1_for_the_failed(
    tsudoi: Tsudoi, tmp_path: Path, demo_each_store: Store, client: Any
) -> None:
    """--scheduler: the module's cluster stands in for a real one (its workers open the store)."""
    if isinstance(demo_each_store, GpkgStore):
        db = str(demo_each_store.path)
    else:
        db = demo_each_store.url
    at = client.scheduler.address
    done = tsudoi("batch", "coverage", "--all", "--scheduler", at, "--minutes", "15",
                  "--db", db, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("kept   35202 宇部市") and "(network" in line for line in lines)
    assert any(line.startswith("FAILED 35215 周南市: city 35215 has no population data")
               for line in lines)  # fmt: skip
    assert "2 of 3 cities kept; failed: 35215" in done.stdout
    kept = demo_each_store.stored_coverage("35202")
    assert kept is not None and kept.minutes == 15.0 and kept.threshold_m == 750.0

    done = tsudoi("batch", "coverage", "--cities", "15100", "--scheduler", at, "--age", "75",
                  "--json", "--db", db, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [(c["city"], c["ok"]) for c in report["cities"]] == [("15100", True)]
    assert report["walk"] == {"minutes": 10.0, "speed_kmh": 3.0, "age": 75, "threshold_m": 500.0}
    kept = demo_each_store.stored_coverage("15100")
    assert kept is not None and kept.age == 75
    assert report["cities"][0]["covered_share"] == kept.covered_share


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "--cities CODES or --all"),
        (("--cities", "99999"), "99999"),
        (("--cities", "13101"), "not held in this store: 13101"),
        (("--all", "--workers", "0"), "--workers"),
        (("--all", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"), "--workers"),
    ],
)
def test_usage_errors_exit_2_before_any_cluster_starts(
    tsudoi: Tsudoi, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    db = tmp_path / "s.gpkg"
    store = GpkgStore(db)
    store.put_city(get_city("15100"))
    store.close()
    done = tsudoi("batch", "coverage", *args, "--db", str(db), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in done.stderr
