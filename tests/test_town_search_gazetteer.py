"""町名で探す in every city (issue 8 §4): the bundled gazetteer answers where a city imported no
towns; a city's own imported towns win once it has them. Both stores."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from boundaries.town_import import TownImportOptions, import_towns
from geo.japan.gazetteer import CREDIT
from geo.japan.municipalities import get_city
from geo.japan.town_search import find_towns
from geo.store.base import Store
from service.app import create_app

SHUNAN_TOWNS = Path(__file__).parent / "data" / "source" / "shunan" / "town_points.geojson.gz"


def _names(client: TestClient, code: str, **params: object) -> list[str]:
    answer = client.get(f"/api/cities/{code}/towns", params=params)
    assert answer.status_code == 200, answer.text
    return [t["name"] for t in answer.json()]


def test_a_city_without_towns_is_searched_in_the_gazetteer(store: Store) -> None:
    for code in ("37201", "15100"):
        store.put_city(get_city(code))
    client = TestClient(create_app(store))

    assert _names(client, "37201", q="扇町", limit=3) == ["扇町一丁目", "扇町二丁目", "扇町三丁目"]
    assert _names(client, "37201", q="扇町２丁目") == ["扇町二丁目"]  # 2丁目 = 二丁目
    assert _names(client, "37201", q="女木") == ["女木町"]  # the island's town
    (shichiku,) = client.get("/api/cities/15100/towns", params={"q": "紫竹四丁目"}).json()
    assert shichiku["area"] == "東区" and shichiku["lat"] == 37.907316
    assert len(_names(client, "37201", limit=5000)) == 235  # every town of 高松市 with a point
    assert _names(client, "37201", q="存在しない町") == []


def test_imported_towns_win(store: Store) -> None:
    store.put_city(get_city("35215"))
    client = TestClient(create_app(store))
    before = client.get("/api/cities/35215/towns", params={"q": "遠石"}).json()
    assert before and {t["id"].split("-")[1] for t in before} == {"gazetteer"}

    import_towns(store, SHUNAN_TOWNS, TownImportOptions(city="35215"))

    after = client.get("/api/cities/35215/towns", params={"q": "遠石"}).json()
    assert after and all("gazetteer" not in t["id"] for t in after)
    ranked = find_towns(store.towns("35215"), "遠石", 20)
    assert [t["name"] for t in after] == [t.name for t in ranked]
    assert CREDIT.startswith("Geolonia")
