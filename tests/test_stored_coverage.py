"""Coverage kept per city (geo/analysis/stored.py): both stores keep it whole, replace it whole,
and refuse it whole; an older GeoPackage gains the table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from geo.analysis.stored import StoredCoverage
from geo.errors import StoreError
from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from geo.store.gpkg_schema import COVERAGE_STEP
from tests.old_gpkg import as_version, version_of


def _record(city: str, method: str = "network", share: float = 0.5) -> StoredCoverage:
    return StoredCoverage(
        city=city, computed_at="2026-11-27T12:00:00Z", seconds=1.25, method=method,
        minutes=10.0, speed_kmh=3.0, threshold_m=500.0, age=65, max_distance_m=2000.0,
        older_population=200.0, covered_older_population=200.0 * share, covered_share=share,
        categories=("salon", "サロン"), notes=("歩いて 500 m",),
        areas=({"area_id": "x-L2-1", "name": "北地区", "covered_share": share},),
        cells=({"cell_id": "m1", "code": "5031", "older_population": 200.0,
                "covered_older_population": 200.0 * share, "covered_share": share,
                "median_distance_m": None},),
    )  # fmt: skip


def test_a_kept_coverage_round_trips_and_is_replaced_whole(store: Store) -> None:
    first = _record("35202")
    store.put_coverage(first)
    store.put_coverage(_record("15100", "straight-line", 0.25))
    assert store.stored_coverage("35202") == first
    assert store.stored_coverage("35215") is None
    summaries = store.coverage_summaries()
    assert [s.city for s in summaries] == ["15100", "35202"]
    assert summaries[1].summary() == first.summary() and summaries[1].cells == ()
    assert summaries[1].categories == ("salon", "サロン")
    with pytest.raises(StoreError):  # refused by the table's check: nothing of it is written
        store.put_coverage(_record("35202", "as the crow flies", 0.9))
    assert store.stored_coverage("35202") == first
    second = _record("35202", share=0.75)
    store.put_coverage(second)
    assert store.stored_coverage("35202") == second


def test_an_older_geopackage_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.gpkg"
    GpkgStore(path).close()
    as_version(path, COVERAGE_STEP - 1, "DROP TABLE coverage_results",
               "DELETE FROM gpkg_contents WHERE table_name = 'coverage_results'")  # fmt: skip
    store = GpkgStore(path)
    try:
        store.put_coverage(_record("35202"))
        assert store.stored_coverage("35202") == _record("35202")
    finally:
        store.close()
    assert int(version_of(path)) >= COVERAGE_STEP
    with sqlite3.connect(path) as db:
        listed = db.execute("SELECT data_type FROM gpkg_contents"
                            " WHERE table_name = 'coverage_results'").fetchall()  # fmt: skip
    db.close()
    assert listed == [("attributes",)]
