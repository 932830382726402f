"""Places from addresses (issue 8 §4): real files with both address and point, their points
dropped, land at their town's point; checked against the real points (within 1.5 km)."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.errors import InputError
from geo.japan.municipalities import get_city
from geo.store.base import PlaceQuery, Store
from geo.store.gpkg import GpkgStore
from geo.store.gpkg_schema import SCHEMA_VERSION
from geo.walk.distance import geodesic_m
from layers.place_import import PlaceImportOptions, import_places
from service.app import create_app
from tests.old_gpkg import as_version, version_of

SOURCE = Path(__file__).parent / "data" / "source"
STANDARD = SOURCE / "standard-dataset"
TOWN_PLACEMENT_M = 1500.0


def _standard(name: str) -> list[dict[str, str]]:
    with (STANDARD / name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _gsi(city: str) -> list[dict[str, str]]:
    with gzip.open(SOURCE / city / "gsi_shelters.geojson.gz", "rt", encoding="utf-8") as fh:
        feats = json.load(fh)["features"]
    return [
        {"#property": f["properties"]["共通ID"], "name": f["properties"]["施設・場所名"],
         "address": f["properties"]["住所"], "longitude": str(f["geometry"]["coordinates"][0]),
         "latitude": str(f["geometry"]["coordinates"][1])}
        for f in feats
    ]  # fmt: skip


def _without_points(path: Path, rows: list[dict[str, str]]) -> Path:
    """The rows as a city's list of addresses: every column but latitude and longitude."""
    columns = [c for c in rows[0] if c not in ("latitude", "longitude")]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _schools() -> list[dict[str, str]]:
    """新潟市's open list of elementary schools, in the columns the other cases use."""
    with (SOURCE / "niigata" / "elementary_schools.csv").open(encoding="utf-8") as fh:
        return [
            {"#property": r["学番"] or r["学校名"], "name": r["学校名"], "address": r["所在地"],
             "longitude": r["lon"], "latitude": r["lat"]}
            for r in csv.DictReader(fh)
        ]  # fmt: skip


CASES = {
    # file, city, the share of rows placed within 1.5 km of their real point
    "takamatsu_centres": (lambda: _standard("takamatsu_community_center.csv"), "37201", 0.90),
    "takamatsu_support": (
        lambda: _standard("takamatsu_regional_comprehensive_support_center.csv"),
        "37201",
        0.70,
    ),
    "niigata_gsi": (lambda: _gsi("niigata"), "15100", 0.93),
    "shunan_gsi": (lambda: _gsi("shunan"), "35215", 0.70),
    "niigata_schools": (_schools, "15100", 0.95),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_real_lists_land_at_their_towns(store: Store, tmp_path: Path, case: str) -> None:
    load, city, share = CASES[case]
    rows = load()
    path = _without_points(tmp_path / f"{case}.csv", rows)

    report = import_places(store, path, PlaceImportOptions(city=city, category="hall"))

    assert report.rejected == 0 and report.placed_from_address == len(rows)
    assert any(f"{len(rows)} place(s) placed from their address" in n for n in report.notes)
    stored = {p.source_id: p for p in store.places(PlaceQuery(city=city, kinds=(), statuses=()))}
    # every row is placed
    assert set(stored) == {r["#property"] for r in rows}
    misses = []
    (wide,) = [n for n in report.notes if "at the one point of a 大字" in n] or [""]
    for line, r in enumerate(rows, start=2):
        p = stored[r["#property"]]
        assert p.placed_from == "address" and p.location_precision == "town"
        d = geodesic_m(float(r["longitude"]), float(r["latitude"]), p.lon, p.lat)
        if d > TOWN_PLACEMENT_M:
            misses.append((r["name"], r["address"], round(d)))
            # each one farther is named by the report as placed at a wide town's one point
            assert f" {line}," in wide.replace(")", ",") or f"row {line})" in wide, r["name"]
    placed_near = 1 - len(misses) / len(rows)
    print(f"{case}: {placed_near:.1%} within 1.5 km; farther (large 大字): {misses}")
    assert placed_near >= share, misses
    # the misses are all rural 大字 or 町 without 丁目, whose one point stands for a wide area
    assert all("丁目" not in address for _, address, _ in misses)
    again = import_places(store, path, PlaceImportOptions(city=city, category="hall"))
    assert again.unchanged == len(stored) and not again.changed


KYOTO = "26100"
NORMALISED = [
    # (address as real lists write it, the town it lands in: ward code, gazetteer name)
    ("京都府京都市中京区河原町通三条上る下丸屋町４０３", "26104", "下丸屋町"),
    ("中京区寺町通御池下ル下本能寺前町４８８", "26104", "下本能寺前町"),
    ("京都市伏見区深草西浦町６丁目４－１　第二ビル３階", "26109", "深草西浦町六丁目"),
    ("京都市伏見区深草西浦町六丁目4番地1", "26109", "深草西浦町六丁目"),
    ("京都市左京区岩倉長谷町", "26103", "岩倉長谷町"),
]


def test_real_addresses_are_normalised(store: Store, tmp_path: Path) -> None:
    from geo.japan.gazetteer import towns

    rows = [["名称", "住所"], *([f"サロン{i}", a] for i, (a, _, _) in enumerate(NORMALISED))]
    path = tmp_path / "kyoto.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")

    report = import_places(store, path, PlaceImportOptions(city=KYOTO, category="salon"))

    assert report.placed_from_address == len(NORMALISED)
    points = {(t.ward_code, t.name): (t.lon, t.lat) for t in towns(KYOTO)}
    by_name = {p.name: p for p in store.places(PlaceQuery(city=KYOTO))}
    for i, (_, ward, town) in enumerate(NORMALISED):
        p = by_name[f"サロン{i}"]
        assert (p.lon, p.lat) == points[(ward, town)], town


def test_an_address_of_no_town_is_refused_with_the_nearest_names(
    store: Store, tmp_path: Path
) -> None:
    rows = _standard("takamatsu_community_center.csv")[:3]
    rows[1]["address"] = "高松市扇待二丁目8-7"  # 扇町, mistyped
    path = _without_points(tmp_path / "typo.csv", rows)

    with pytest.raises(InputError) as caught:
        import_places(store, path, PlaceImportOptions(city="37201", category="hall"))

    (problem,) = caught.value.problems
    assert problem.row == 3 and problem.field == "address"
    assert problem.reason == "住所に合う高松市の町名が見つかりません"
    assert problem.hint is not None and problem.hint.startswith("近い町名: ")
    assert "扇町" in problem.hint and "No town of 高松市 matches the address" in problem.hint
    assert store.places(PlaceQuery(city="37201", kinds=(), statuses=())) == []


def test_placed_from_is_public_and_the_api_shows_it(store: Store, tmp_path: Path) -> None:
    rows = _standard("takamatsu_community_center.csv")[:2]
    path = _without_points(tmp_path / "two.csv", rows)
    store.put_city(get_city("37201"))
    import_places(store, path, PlaceImportOptions(city="37201", category="hall", kind="gathering"))
    client = TestClient(create_app(store))

    feats: list[dict[str, Any]] = client.get("/api/cities/37201/places").json()["features"]

    assert [f["properties"]["placed_from"] for f in feats] == ["address", "address"]
    assert all(f["properties"]["location_precision"] == "town" for f in feats)
    one = client.get(f"/api/places/{feats[0]['id']}").json()
    assert one["properties"]["placed_from"] == "address"


def test_a_store_of_schema_4_gains_placed_from(tmp_path: Path) -> None:
    path = tmp_path / "old.gpkg"
    GpkgStore(path).close()
    as_version(path, 4, "ALTER TABLE places DROP COLUMN placed_from")

    store = GpkgStore(path)
    one = _without_points(tmp_path / "one.csv", _standard("takamatsu_community_center.csv")[:1])
    import_places(store, one, PlaceImportOptions(city="37201", category="hall"))
    (place,) = store.places(PlaceQuery(city="37201", kinds=()))
    store.close()

    assert place.placed_from == "address"
    assert version_of(path) == str(SCHEMA_VERSION) and SCHEMA_VERSION >= 5


@pytest.mark.postgis
def test_postgis_0008_adds_placed_from_and_keeps_the_places(
    blank_database_url: str, tmp_path: Path
) -> None:
    from alembic import command

    from geo.store.migrate import _config, database_url, upgrade
    from geo.store.postgis import PostgisStore

    rows = _standard("takamatsu_community_center.csv")[:3]
    with_points = tmp_path / "with_points.csv"
    with with_points.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    opts = PlaceImportOptions(city="37201", category="hall")
    store = PostgisStore(blank_database_url, auto_upgrade=True)
    import_places(store, with_points, opts)
    store.close()
    command.downgrade(_config(database_url(blank_database_url)), "0007")  # as 0007 left it

    upgrade(blank_database_url)
    store = PostgisStore(blank_database_url)
    try:
        kept = store.places(PlaceQuery(city="37201", kinds=()))
        assert len(kept) == 3 and {p.placed_from for p in kept} == {None}
        assert import_places(store, with_points, opts).unchanged == 3  # hashes as before
        same_source = dataclasses.replace(opts, source="with_points")  # ids are per source
        placed = import_places(store, _without_points(tmp_path / "no.csv", rows), same_source)
        assert placed.updated == 3 and placed.placed_from_address == 3
    finally:
        store.close()
