"""A record is identified within its source: two files never overwrite each other (both stores).

Real files: 高松市's 52 community centres and its 地域包括支援センター list, both in the
自治体標準オープンデータセット layout and both numbered 1…N; a second community-centre file made
as a city would publish part of the list (its rows cut out and renumbered 1…N); 境港市's 地区 as
a town list and its e-Stat 町丁・字 polygons, each numbered 1…N, at two levels.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from boundaries.area_import import AreaImportOptions, import_areas
from geo.ingest.duplicates import DUPLICATE_WITHIN_M
from geo.ingest.ids import area_id, place_id, source_of_file
from geo.ingest.report import ImportReport
from geo.io.features import read_features
from geo.store.base import PlaceQuery, Store
from layers.place_import import PlaceImportOptions, import_places

DATA = Path(__file__).parent / "data"
COMMUNITY = DATA / "source" / "standard-dataset" / "takamatsu_community_center.csv"
SUPPORT = DATA / "imports" / "takamatsu_support_centers.csv"
SAKAI_LIST = DATA / "imports" / "town_list_sakaiminato.csv"
SAKAI_ESTAT = DATA / "imports" / "estat_2015_sakaiminato_towns.zip"
TAKAMATSU, SAKAI = "37201", "31204"
ALL = PlaceQuery(city=TAKAMATSU, kinds=(), statuses=())


def places(store: Store, path: Path, **options: Any) -> ImportReport:
    return import_places(
        store, path, PlaceImportOptions(city=TAKAMATSU, category="hall", **options)
    )


def counts(report: ImportReport) -> tuple[int, int, int]:
    return report.added, report.updated, report.unchanged


def renumbered_part(tmp_path: Path, first: int, last: int, name: str) -> Path:
    """Rows first…last of the real list as a file of their own, numbered 1…N as cities do."""
    rows = list(csv.reader(io.StringIO(COMMUNITY.read_text(encoding="utf-8-sig"))))
    part = [[str(n), *row[1:]] for n, row in enumerate(rows[first : last + 1], start=1)]
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([rows[0], *part])
    return path


# --- places: ids by source --------------------------------------------------------------------


def test_two_standard_dataset_files_in_one_category_keep_both(store: Store) -> None:
    community = places(store, COMMUNITY)
    support = places(store, SUPPORT)

    assert counts(community) == (52, 0, 0) and counts(support) == (7, 0, 0)
    stored = store.places(ALL)
    assert len(stored) == 59
    by_source = {p.source for p in stored}
    assert by_source == {"takamatsu_community_center", "takamatsu_support_centers"}
    one = store.place("37201-takamatsu_community_center-1")
    other = store.place("37201-takamatsu_support_centers-1")
    assert one is not None and one.name == "高松市日新コミュニティセンター"
    assert other is not None and other.name.startswith("地域包括支援センター")
    # re-importing either updates only its own records: here, none changed
    assert counts(places(store, COMMUNITY)) == (0, 0, 52)
    assert counts(places(store, SUPPORT)) == (0, 0, 7)
    assert places(store, SUPPORT).missing == []  # the other file's places are not "missing"


def test_a_part_of_a_list_renumbered_1_to_n_keeps_both_and_reports_possible_duplicates(
    store: Store, tmp_path: Path
) -> None:
    places(store, COMMUNITY)
    south = renumbered_part(tmp_path, 27, 52, "地区別_南部.csv")  # 26 rows, ids 1…26

    report = places(store, south)

    assert counts(report) == (26, 0, 0)
    assert len(store.places(ALL)) == 52 + 26  # nothing merged, nothing overwritten
    source = source_of_file(south.name)
    assert report.source == source and f"(source {source})" in report.summary()
    pairs = {(d.id, d.other_id) for d in report.duplicates}
    assert pairs == {
        (f"37201-{source}-{n}", f"37201-takamatsu_community_center-{n + 26}") for n in range(1, 27)
    }
    assert all(d.distance_m == 0 and d.other_source == "takamatsu_community_center"
               for d in report.duplicates)  # fmt: skip
    assert report.duplicate_lines()[0].startswith(f"possible duplicate: 37201-{source}-1 and ")
    assert report.as_dict()["duplicates"][0]["other_id"] == "37201-takamatsu_community_center-27"
    # the first list, imported again, names the same pairs from its side and changes nothing
    again = places(store, COMMUNITY)
    assert counts(again) == (0, 0, 52) and len(again.duplicates) == 26


def test_a_duplicate_needs_the_same_folded_name_within_50_m(store: Store, tmp_path: Path) -> None:
    places(store, COMMUNITY)
    rows = list(csv.reader(io.StringIO(COMMUNITY.read_text(encoding="utf-8-sig"))))
    header, nisshin, bancho = rows[0], rows[1], rows[2]
    # 30 m north, written half-width and with a space: the same place
    near = ["1", f"{float(nisshin[1]) + 30 / 111_000:.8f}", nisshin[2], "高松市日新 ｺﾐｭﾆﾃｨｾﾝﾀｰ"]
    # 80 m north: another place of the same name
    far = ["2", f"{float(bancho[1]) + 80 / 111_000:.8f}", bancho[2], bancho[3]]
    path = tmp_path / "council.csv"
    path.write_text("\n".join(",".join(r) for r in (header[:4], near, far)), encoding="utf-8")

    report = places(store, path)

    assert [(d.id, d.other_id) for d in report.duplicates] == [
        ("37201-council-1", "37201-takamatsu_community_center-1")
    ]
    assert 25 < report.duplicates[0].distance_m < 35 < DUPLICATE_WITHIN_M
    # a file is no duplicate of itself: re-importing it reports the other source only
    assert [d.other_id for d in places(store, path).duplicates] == [
        "37201-takamatsu_community_center-1"
    ]


def test_source_option_names_the_source_and_scopes_the_ids(store: Store, tmp_path: Path) -> None:
    renamed = tmp_path / "公民館一覧_2026年4月.csv"
    renamed.write_bytes(COMMUNITY.read_bytes())

    first = places(store, COMMUNITY, source="community-centres")
    second = places(store, renamed, source="community-centres")  # the next edition of the list

    assert counts(first) == (52, 0, 0) and counts(second) == (0, 0, 52)
    assert store.place("37201-community-centres-52") is not None
    # without --source, the Japanese file name gives a source of its own (ASCII id characters)
    own = places(store, renamed)
    assert counts(own) == (52, 0, 0) and own.source == source_of_file(renamed.name)
    assert own.source.isascii() and own.source.replace("_", "-").replace("-", "").isalnum()


def test_source_names_are_slugged_to_id_characters() -> None:
    assert source_of_file("takamatsu_community_center.csv") == "takamatsu_community_center"
    assert source_of_file("salons.geojson.gz") == "salons"
    assert source_of_file("ｓａｌｏｎｓ２０２６.xlsx") == "salons2026"  # full width to ASCII
    kana, kanji = source_of_file("サロン一覧.xlsx"), source_of_file("通いの場一覧.xlsx")
    assert kana != kanji and kana.isascii() and kanji.isascii()
    assert place_id("37201", "a", "1", "x", 0, 0) != place_id("37201", "b", "1", "x", 0, 0)


# --- areas: ids by level ----------------------------------------------------------------------


def _sakai_districts(tmp_path: Path) -> Path:
    """境港市's three 地区 as a town list numbered 1…3."""
    text = SAKAI_LIST.read_text(encoding="utf-8-sig")
    path = tmp_path / "chiku.csv"
    path.write_text(text.replace("S1,", "1,").replace("S2,", "2,").replace("S3,", "3,"),
                    encoding="utf-8-sig")  # fmt: skip
    return path


def _sakai_towns(tmp_path: Path) -> Path:
    """境港市's 町丁・字 polygons (e-Stat, land only) as areas numbered 1…49."""
    rows = [r for r in read_features(SAKAI_ESTAT).rows if r.props["MOJI"] not in ("中海", "境水道")]
    features = [
        {"type": "Feature", "geometry": mapping(r.geometry),
         "properties": {"id": n, "name": r.props["MOJI"]}}
        for n, r in enumerate(rows, start=1)
    ]  # fmt: skip
    path = tmp_path / "jichikai.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_two_area_files_of_different_levels_keep_both(store: Store, tmp_path: Path) -> None:
    districts, towns = _sakai_districts(tmp_path), _sakai_towns(tmp_path)

    second = import_areas(store, districts, AreaImportOptions(city=SAKAI, level=2))
    third = import_areas(store, towns, AreaImportOptions(city=SAKAI, level=3))

    assert (second.added, third.added, third.updated) == (3, 49, 0)
    assert [a.id for a in store.areas(SAKAI, level=2)] == ["31204-L2-1", "31204-L2-2", "31204-L2-3"]
    assert len(store.areas(SAKAI, level=3)) == 49
    assert store.area("31204-L2-1").name == "境地区"  # type: ignore[union-attr]
    assert store.area("31204-L3-1").name == "渡町"  # type: ignore[union-attr]
    again = import_areas(store, districts, AreaImportOptions(city=SAKAI, level=2))
    assert (again.added, again.updated, again.unchanged, again.missing) == (0, 0, 3, [])
    assert area_id(SAKAI, "1", 3, "") == "31204-L3-1"
