"""Columns named with --field NAME=COLUMN on every import, what a guessed column says when it
fails, 区分 as a category, population's town columns and total rows, and the slugs
--create-categories makes; with real 高松市 files, on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.population_import import PopulationImportOptions, import_population
from boundaries.town_import import TownImportOptions, import_towns
from geo.errors import InputError, UsageError
from geo.store.base import PlaceQuery, Store
from layers.category_slugs import one_line, slug_of
from layers.place_import import PlaceImportOptions, import_places
from tests.csv_tables import table, write_csv

DATA = Path(__file__).parent / "data"
SUPPORT = DATA / "imports" / "takamatsu_support_centers.csv"  # 高松市's 地域包括支援センター
POPULATION = DATA / "source" / "standard-dataset" / "takamatsu_population_by_town_age_202602.csv"
TOWNS = DATA / "imports" / "niigata_towns_sample.geojson"
TAKAMATSU, NIIGATA = "37201", "15100"


def with_column(rows: list[list[str]], name: str, value: Any) -> list[list[str]]:
    """The table with one more column; ``value(i)`` gives data row i's cell."""
    return [rows[0] + [name]] + [r + [value(i)] for i, r in enumerate(rows[1:])]


def categories_of(store: Store) -> set[str]:
    return {p.category for p in store.places(PlaceQuery(city=TAKAMATSU, kinds=(), statuses=()))}


def test_kubun_is_a_category_and_a_created_slug_is_ascii_on_one_line(
    store: Store, tmp_path: Path
) -> None:
    rows = with_column(table(SUPPORT), "区分", lambda i: "地域包括\n支援センター")
    path = write_csv(tmp_path / "support.csv", rows)

    report = import_places(store, path, PlaceImportOptions(city=TAKAMATSU, create_categories=True))

    assert report.added == len(rows) - 1
    (created,) = [c for c in store.categories(TAKAMATSU) if c.city == TAKAMATSU]
    assert (created.slug, created.label_ja) == (
        "chiiki-hokatsu-shien-center",
        "地域包括支援センター",
    )
    assert categories_of(store) == {"chiiki-hokatsu-shien-center"}
    assert report.notes[-1] == "new categories: chiiki-hokatsu-shien-center (地域包括支援センター)"


def test_a_guessed_column_that_fails_says_so_and_field_names_another(
    store: Store, tmp_path: Path
) -> None:
    rows = with_column(table(SUPPORT), "種別", lambda i: "高齢者福祉")
    rows = with_column(rows, "施設区分", lambda i: "サロン" if i % 2 else "通いの場")
    rows = with_column(rows, "用途", lambda i: "venue")
    path = write_csv(tmp_path / "support.csv", rows)

    with pytest.raises(InputError) as caught:
        import_places(store, path, PlaceImportOptions(city=TAKAMATSU))
    first, *rest = caught.value.problems
    assert (first.row, first.field, first.reason) == (2, "種別", "unknown category")
    assert first.hint is not None
    assert "the column '種別' was taken as category by its name" in first.hint
    assert "--field category=COLUMN" in first.hint
    assert rest and all("--field" not in (p.hint or "") for p in rest)  # said once
    assert categories_of(store) == set()

    fields = {"category": "施設区分", "kind": "用途"}
    report = import_places(store, path, PlaceImportOptions(city=TAKAMATSU, fields=fields))
    assert report.added == len(rows) - 1
    stored = store.places(PlaceQuery(city=TAKAMATSU, kinds=(), statuses=()))
    assert {p.category for p in stored} == {"salon", "kayoinoba"}
    assert {p.kind for p in stored} == {"venue"}


def test_field_and_its_older_alias_name_the_same_column(store: Store, tmp_path: Path) -> None:
    rows = table(SUPPORT)
    rows[0] = ["番号", "緯度Y", "経度X", "施設名称", *rows[0][4:]]
    path = write_csv(tmp_path / "support.csv", rows)
    fields = {"id": "番号", "name": "施設名称", "lat": "緯度Y", "lon": "経度X"}

    by_field = import_places(
        store, path, PlaceImportOptions(city=TAKAMATSU, category="hall", fields=fields)
    )
    by_alias = import_places(store, path, PlaceImportOptions(
        city=TAKAMATSU, category="hall", id_field="番号", name_field="施設名称",
        lat_field="緯度Y", lon_field="経度X",
    ))  # fmt: skip

    assert (by_field.added, by_alias.unchanged) == (len(rows) - 1, len(rows) - 1)
    with pytest.raises(UsageError, match="no field 'colour'.*its fields: id, name"):
        import_places(store, path, PlaceImportOptions(city=TAKAMATSU, fields={"colour": "色"}))
    with pytest.raises(UsageError, match="no column named '名前'"):
        import_places(store, path, PlaceImportOptions(city=TAKAMATSU, fields={"name": "名前"}))
    with pytest.raises(UsageError, match="disagree"):
        import_places(store, path, PlaceImportOptions(
            city=TAKAMATSU, name_field="施設名称", fields={"name": "住所"}
        ))  # fmt: skip


@pytest.mark.parametrize("town_column", ["町丁", "町丁名", "町名", "地区名"])
def test_population_reads_the_town_from_its_japanese_column_and_skips_totals(
    store: Store, tmp_path: Path, town_column: str
) -> None:
    rows = table(POPULATION)[:30]
    rows[0][rows[0].index("regionName")] = town_column
    width = len(rows[0])
    for name in ("合計", "計", "全市"):
        counts = ["9"] * (width - 10)  # a total row: counts, no location
        rows.append(["", "37201", "", "香川県", "高松市", "2026-02-01", name, *counts, "", "", "1"])

    report = import_population(store, write_csv(tmp_path / "p.csv", rows), PopulationImportOptions(
        city=TAKAMATSU
    ))  # fmt: skip

    assert report.added == 29
    assert any(
        n.startswith("3 total row(s) skipped, not a town: row 31 (合計)") for n in report.notes
    )
    assert {c.name for c in store.population(TAKAMATSU)} == {r[6] for r in rows[1:30]}


def test_population_columns_named_with_field(store: Store, tmp_path: Path) -> None:
    rows = table(POPULATION)[:6]
    head = rows[0]
    man14 = head.index("man14")
    where = head.index("location")
    older = [[*r[:7], r[7], str(sum(int(v) for v in r[man14 : man14 + 10]))] for r in rows[1:]]
    older = [[*o, str(int(o[8]) // 2), r[where]] for o, r in zip(older, rows[1:], strict=True)]
    out = [[*head[:7], "人数", "高齢者", "後期高齢者", "location"], *older]
    out[0][6] = "区域"  # no name a town column goes by
    path = write_csv(tmp_path / "p.csv", out)

    with pytest.raises(InputError, match="or name them with --field total=COLUMN"):
        import_population(store, path, PopulationImportOptions(city=TAKAMATSU))
    counts = {"total": "人数", "65+": "高齢者", "75+": "後期高齢者"}
    with pytest.raises(InputError, match="nor a town-name column .*--field town=COLUMN"):
        import_population(store, path, PopulationImportOptions(city=TAKAMATSU, fields=counts))
    fields = {"town": "区域", "total": "人数", "65+": "高齢者", "75+": "後期高齢者"}
    report = import_population(store, path, PopulationImportOptions(city=TAKAMATSU, fields=fields))

    assert report.added == 5
    cells = {c.name: c for c in store.population(TAKAMATSU)}
    first = cells[rows[1][6]]
    assert (first.total, first.age65, first.age75) == (
        float(older[0][7]),
        float(older[0][8]),
        float(older[0][9]),
    )


def test_towns_and_areas_take_field_too(store: Store, tmp_path: Path) -> None:
    text = TOWNS.read_text(encoding="utf-8").replace('"name"', '"町域"')
    path = tmp_path / "towns.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="no town-name column"):
        import_towns(store, path, TownImportOptions(city=NIIGATA))
    report = import_towns(store, path, TownImportOptions(city=NIIGATA, fields={"name": "町域"}))
    assert report.added == 49

    wards = (DATA / "imports" / "niigata_wards_n03_simplified.geojson").read_text(encoding="utf-8")
    path = tmp_path / "wards.geojson"
    path.write_text(wards.replace('"ward_name"', '"区の名"'), encoding="utf-8")
    fields = {"name": "区の名", "id": "ward_code"}
    areas = import_areas(store, path, AreaImportOptions(city=NIIGATA, level=1, fields=fields))
    assert areas.added == 8
    assert "北区" in {a.name for a in store.areas(NIIGATA)}


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("地域包括支援センター", "chiiki-hokatsu-shien-center"),
        ("地域包括\n支援センター", "chiiki-hokatsu-shien-center"),
        ("ふれあい・いきいきサロン", "fureai-ikiiki-salon"),
        ("コミュニティーカフェ", "community-cafe"),
        ("ボランティアセンター", "volunteer-center"),
        ("スーパー", "super"),
        ("ゲートボール", "geetobooru"),  # not in the table: read, long vowels kept
        ("居場所", "ibasho"),
        ("Men's Club 2", "men-s-club-2"),
    ],
)
def test_slugs_read_the_label(label: str, slug: str) -> None:
    assert slug_of(label) == slug


def test_a_multi_line_label_is_one_line() -> None:
    assert one_line("地域包括\r\n 支援センター") == "地域包括支援センター"
    assert one_line("Men's\nclub") == "Men's club"
