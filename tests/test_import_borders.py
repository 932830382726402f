"""Borders (issue 8 §2): GSI's whole shelter list of a city imports into it, no row of a
neighbour does; a point up to 200 m outside is assigned to the nearest area and reported, one
beyond is refused with its distance; and every answer assigns such a point alike."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from boundaries.area_import import AreaImportOptions, import_areas
from boundaries.area_membership import area_ids_at_points
from geo.borders import BORDER_TOLERANCE_M, assign_in_plane, assign_points
from geo.errors import InputError
from geo.japan.crs import project_geometry, to_plane
from geo.japan.municipalities import distance_outside_m, get_city
from geo.store.base import PlaceQuery, Store
from layers.place_import import PlaceImportOptions, import_places
from service.app import create_app

SOURCE = Path(__file__).parent / "data" / "source"
NIIGATA_GSI = SOURCE / "niigata" / "gsi_shelters.geojson.gz"
SHUNAN_GSI = SOURCE / "shunan" / "gsi_shelters.geojson.gz"
NIIGATA_WARDS = Path(__file__).parent / "data" / "imports" / "niigata_wards_n03_simplified.geojson"
SHORE = (139.0400, 37.9370)  # in the sea off 新潟市中央区, 93 m beyond the coast


def features(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return list(json.load(fh)["features"])


def shelters(store: Store, path: Path, city: str) -> Any:
    opts = PlaceImportOptions(city=city, category="hall", kind="venue", source="gsi")
    return import_places(store, path, opts)


@pytest.mark.parametrize(
    ("path", "city", "rows"), [(NIIGATA_GSI, "15100", 338), (SHUNAN_GSI, "35215", 138)]
)
def test_gsi_list_of_a_city_imports_whole_into_it(
    store: Store, path: Path, city: str, rows: int
) -> None:
    report = shelters(store, path, city)

    assert report.rows == rows and report.added == rows and report.rejected == 0
    outside = [
        f for f in features(path) if distance_outside_m(city, *f["geometry"]["coordinates"][:2])
    ]
    # each shelter the outline leaves out is within the border's width and reported by row
    assert len(report.across_border) == len(outside)
    assert all("m outside, assigned to" in line for line in report.across_border)
    assert store.count_places(PlaceQuery(city=city, kinds=("venue",))) == rows


@pytest.mark.parametrize(
    ("path", "neighbour", "named"),
    [
        (NIIGATA_GSI, "15206", "新発田市"),  # borders 新潟市北区
        (NIIGATA_GSI, "15361", "田上町"),  # borders 新潟市秋葉区・南区
        (SHUNAN_GSI, "35207", "下松市"),  # borders 周南市
    ],
)
def test_no_row_of_a_neighbouring_city_imports(
    store: Store, path: Path, neighbour: str, named: str
) -> None:
    with pytest.raises(InputError) as caught:
        shelters(store, path, neighbour)

    problems = caught.value.problems
    assert sorted({p.row for p in problems}) == list(range(1, len(features(path)) + 1))
    first = problems[0]
    assert first.field == "住所" and first.row == 1
    assert (
        first.reason.startswith("住所は")
        and f"--city は {neighbour}（{named}）です" in first.reason
    )
    assert first.hint is not None and f"--city is {neighbour} ({named})" in first.hint
    assert store.places(PlaceQuery(city=neighbour, kinds=(), statuses=())) == []


def test_the_address_names_the_other_city_with_both_names(store: Store, tmp_path: Path) -> None:
    """A row whose point lies in the city but whose 住所 says a neighbour is refused."""
    (row,) = [
        f for f in features(NIIGATA_GSI) if f["properties"]["施設・場所名"] == "横越総合体育館"
    ]
    row["properties"]["住所"] = "新潟県北蒲原郡聖籠町大字諏訪山1635-4"  # 聖籠町役場
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [row]}), "utf-8")

    with pytest.raises(InputError) as caught:
        shelters(store, path, "15100")

    (problem,) = caught.value.problems
    assert problem.reason == "住所は聖籠町ですが、--city は 15100（新潟市）です"
    assert problem.hint is not None
    assert problem.hint.startswith("The address is in 聖籠町, but --city is 15100 (新潟市)")


def _csv(path: Path, *rows: tuple[str, float, float]) -> Path:
    lines = ["名称,緯度,経度", *(f"{n},{lat},{lon}" for n, lon, lat in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_200_m_is_the_border_with_areas_and_the_refusal_says_how_far(
    store: Store, tmp_path: Path
) -> None:
    import_areas(store, NIIGATA_WARDS, AreaImportOptions(city="15100", level=1))
    # 93 m and about 250 m off the coast of 中央区, due north of SHORE
    far = (SHORE[0], SHORE[1] + 0.0015)
    path = _csv(tmp_path / "coast.csv", ("岸のサロン", *SHORE), ("沖のサロン", *far))

    with pytest.raises(InputError) as caught:
        import_places(store, path, PlaceImportOptions(city="15100", category="salon"))

    (problem,) = caught.value.problems
    assert problem.row == 3 and problem.field == "緯度/経度"
    assert "outside the city's imported areas" in problem.reason and " m away" in problem.reason
    metres = float(problem.reason.split("(")[1].split(" m")[0].replace(",", ""))
    assert BORDER_TOLERANCE_M < metres < 300
    assert store.places(PlaceQuery(city="15100", kinds=(), statuses=())) == []


def test_a_point_just_outside_has_the_same_area_in_every_answer(
    store: Store, tmp_path: Path
) -> None:
    store.put_city(get_city("15100"))
    import_areas(store, NIIGATA_WARDS, AreaImportOptions(city="15100", level=1))
    import_places(
        store, _csv(tmp_path / "coast.csv", ("岸のサロン", *SHORE)),
        PlaceImportOptions(city="15100", category="salon"),
    )  # fmt: skip
    areas = store.areas("15100")
    lon, lat = SHORE

    at = [a.id for a in store.areas_at("15100", lon, lat)]
    listing = area_ids_at_points("15100", areas, [lon], [lat])[0]
    client = TestClient(create_app(store))
    answer = client.get("/api/cities/15100/areas/at", params={"lat": lat, "lon": lon})
    assert answer.status_code == 200, answer.text
    api_at = [a["id"] for a in answer.json()]
    api_listing = client.get("/api/cities/15100/places").json()["features"][0]["properties"]
    epsg = get_city("15100").crs_epsg
    x, y = to_plane(epsg)(np.array([lon]), np.array([lat]))
    plane = [project_geometry(a.geometry, epsg) for a in areas]
    area_idx, _ = assign_in_plane(plane, [a.level for a in areas], x, y)  # coverage's rule

    assert at == listing == api_at == api_listing["areas"] == [areas[int(area_idx[0])].id]
    assert at == ["15100-L1-15103"]  # 中央区, the nearest ward
    # the listing's area filter keeps it in that ward, and only there
    in_ward = client.get("/api/cities/15100/places", params={"area": "15100-L1-15103"}).json()
    assert [f["properties"]["name"] for f in in_ward["features"]] == ["岸のサロン"]
    other_ward = client.get("/api/cities/15100/places", params={"area": "15100-L1-15102"})
    assert other_ward.json()["features"] == []
    in_ward_query = PlaceQuery(city="15100", area="15100-L1-15103")
    assert [p.name for p, _ in store.nearby(lon, lat, 5, in_ward_query)] == ["岸のサロン"]
    # 300 m out: no area, in every answer
    far = (lon, lat + 0.0025)
    assert store.areas_at("15100", *far) == [] and assign_points("15100", areas, [far[0]],
                                                                    [far[1]]) == [[]]  # fmt: skip


def test_the_message_names_both_municipalities_in_both_languages() -> None:
    from layers.place_address import address_elsewhere

    refusal = address_elsewhere("26100", "京都府宇治市宇治琵琶33")  # 宇治市役所
    assert refusal is not None
    assert refusal.reason == "住所は宇治市ですが、--city は 26100（京都市）です"
    assert refusal.hint == "The address is in 宇治市, but --city is 26100 (京都市)"
    # the city's own wards, and a town named like another municipality, are not refused
    assert address_elsewhere("26100", "京都市伏見区深草西浦町6丁目4-1") is None
    assert address_elsewhere("26100", "伏見区深草西浦町6丁目4-1") is None
    other_pref = address_elsewhere("26100", "大阪府大阪市北区梅田1丁目")
    assert other_pref is not None and other_pref.reason.startswith("住所は大阪")
