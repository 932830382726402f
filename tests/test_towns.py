"""Town points: imported from a file, found by the name a resident types, same in both stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from boundaries.town_import import TownImportOptions, import_towns
from geo.errors import InputError
from geo.japan.municipalities import get_city
from geo.store.base import Store
from service.app import create_app


def _write(path: Path, towns: list[tuple[str, str, float, float]]) -> Path:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"town": name, "ward_name": ward},
        }
        for name, ward, lon, lat in towns
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


TOWNS = [
    ("本町通一番町", "中央区", 139.0494, 37.9280),
    ("本町通十番町", "中央区", 139.0410, 37.9235),
    ("東堀通", "中央区", 139.0470, 37.9210),
    ("本町", "西蒲区", 138.8832, 37.7665),
    ("寺尾東", "西区", 138.9848, 37.8724),
]


def test_towns_import_and_search_prefers_names_that_start_with_the_query(
    store: Store, tmp_path: Path
) -> None:
    store.put_city(get_city("15100"))
    report = import_towns(
        store, _write(tmp_path / "towns.geojson", TOWNS), TownImportOptions(city="15100")
    )
    assert report.added == 5
    found = [t.name for t in store.towns("15100", "本町")]
    assert found == ["本町", "本町通一番町", "本町通十番町"]
    assert [
        t.name for t in store.towns("15100", "ﾃﾗｵ")
    ] == []  # no kana in the file: no match by reading
    assert [t.name for t in store.towns("15100", "寺尾")] == ["寺尾東"]
    assert len(store.towns("15100", None, limit=2)) == 2
    again = import_towns(store, tmp_path / "towns.geojson", TownImportOptions(city="15100"))
    assert again.unchanged == 5 and not again.changed


def test_town_outside_the_city_is_refused_and_nothing_changes(store: Store, tmp_path: Path) -> None:
    store.put_city(get_city("15100"))
    bad = _write(tmp_path / "bad.geojson", [*TOWNS, ("丸の内", "千代田区", 139.7640, 35.6812)])
    with pytest.raises(InputError) as caught:
        import_towns(store, bad, TownImportOptions(city="15100"))
    assert "feature 6" in str(caught.value) and "outside the city" in str(caught.value)
    assert store.towns("15100") == []


def test_towns_route_answers_matches_and_problems(store: Store, tmp_path: Path) -> None:
    store.put_city(get_city("15100"))
    import_towns(store, _write(tmp_path / "towns.geojson", TOWNS), TownImportOptions(city="15100"))
    client = TestClient(create_app(store))
    body = client.get("/api/cities/15100/towns", params={"q": "本町", "limit": 2}).json()
    assert [t["name"] for t in body] == ["本町", "本町通一番町"]
    assert body[0]["area"] == "西蒲区" and body[0]["lat"] == pytest.approx(37.7665)
    assert client.get("/api/cities/15100/towns", params={"limit": 0}).status_code == 422
    assert client.get("/api/cities/99999/towns").status_code == 404


def test_a_private_home_is_stored_at_its_town_point_never_the_home(
    store: Store, tmp_path: Path
) -> None:
    from geo.store.base import PlaceQuery
    from layers.place_import import PlaceImportOptions, import_places

    store.put_city(get_city("15100"))
    import_towns(store, _write(tmp_path / "towns.geojson", TOWNS), TownImportOptions(city="15100"))
    home = (139.0501, 37.9291)  # a house near 本町通一番町
    salon = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(home)},
        "properties": {
            "id": "s1",
            "name": "自宅サロン",
            "category": "salon",
            "location_precision": "town",
        },
    }
    path = tmp_path / "salons.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [salon]}, ensure_ascii=False),
        encoding="utf-8",
    )
    report = import_places(store, path, PlaceImportOptions(city="15100"))
    assert any("private homes" in n for n in report.notes)
    (stored,) = store.places(PlaceQuery(city="15100"))
    assert (stored.lon, stored.lat) == (139.0494, 37.9280)
    assert store.places(PlaceQuery(city="15100", bbox=(139.0500, 37.9290, 139.0502, 37.9292))) == []
    assert import_places(store, path, PlaceImportOptions(city="15100")).unchanged == 1


def test_town_search_folds_chome_numbers_oaza_spaces_and_width(
    store: Store, tmp_path: Path
) -> None:
    """新潟市's real town points (the demo pack's Geolonia list): what residents type finds them."""
    store.put_city(get_city("15100"))
    import_towns(
        store, Path("service/demo_data/15100/towns.geojson"), TownImportOptions(city="15100")
    )
    client = TestClient(create_app(store))

    def names(q: str, **params: object) -> list[str]:
        found = client.get("/api/cities/15100/towns", params={"q": q, **params})
        assert found.status_code == 200, found.text
        return [t["name"] for t in found.json()]

    for typed in (
        "関屋本村町1丁目",
        "関屋本村町１丁目",
        "関屋本村町一丁目",
        "関屋 本村町1",
        "関屋本村町一",
        "字関屋本村町一丁目",
    ):
        assert names(typed) == ["関屋本村町一丁目"], typed
    assert names("関屋田町") == [f"関屋田町{n}丁目" for n in "一二三四"]
    every = names("関屋", limit=5000)
    assert len(every) == 27 and every[:2] == ["関屋", "関屋"]
    assert every.index("関屋松波町一丁目") + 1 == every.index("関屋松波町二丁目")
    assert every.index("関屋松波町二丁目") + 1 == every.index("関屋松波町三丁目")
