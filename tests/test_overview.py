"""The national overview (/api/overview, /overview): every city held, with what a batch kept.

The demo's cities are kept through the single-city path of the batch (no cluster is needed to
read what it writes); 周南市 has no population and stays not computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.analysis.batch import city_coverage
from geo.analysis.params import Walk
from geo.japan.municipalities import get_city
from geo.store.base import Store
from service.app import create_app


@pytest.fixture(scope="module")
def api(demo_each_store: Store) -> Iterator[tuple[TestClient, Store]]:
    store = demo_each_store
    store.put_coverage(city_coverage(store, "15100", Walk()))
    store.put_coverage(city_coverage(store, "35202", Walk(minutes=15, age=75)))
    with TestClient(create_app(store)) as client:
        yield client, store


def _get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(path, params=params) if params else client.get(path)
    assert r.status_code == 200, r.text
    return r.json() if path.startswith("/api") else r.text


def test_every_city_is_listed_with_its_kept_figures(api: tuple[TestClient, Store]) -> None:
    client, store = api
    doc = _get(client, "/api/overview")
    rows = {r["code"]: r for r in doc["cities"]}
    assert list(rows) == ["15100", "35202", "35215"]
    for code in ("15100", "35202"):
        kept = store.stored_coverage(code)
        assert kept is not None
        row = rows[code]
        assert row["status"] == "computed"
        assert (row["older_population"], row["covered_older_population"], row["covered_share"],
                row["method"], row["minutes"], row["speed_kmh"], row["threshold_m"], row["age"],
                row["computed_at"]) == (
            kept.older_population, kept.covered_older_population, kept.covered_share,
            kept.method, kept.minutes, kept.speed_kmh, kept.threshold_m, kept.age,
            kept.computed_at)  # fmt: skip
    assert rows["35202"]["method"] == "network" and rows["35202"]["age"] == 75
    shunan = rows["35215"]
    assert shunan["status"] == "not computed" and shunan["covered_share"] is None
    assert shunan["name"] == "周南市" and shunan["prefecture"] == "山口県"


def test_a_kept_figure_is_what_its_coverage_link_answers(api: tuple[TestClient, Store]) -> None:
    client, _ = api
    row = next(r for r in _get(client, "/api/overview")["cities"] if r["code"] == "35202")
    answer = _get(client, row["coverage"])
    assert answer["city"]["covered_share"] == row["covered_share"]
    assert answer["age"] == 75 and answer["minutes"] == 15


def test_totals_add_up_the_computed_cities_and_name_their_walks(
    api: tuple[TestClient, Store],
) -> None:
    client, _ = api
    doc = _get(client, "/api/overview")
    done = [r for r in doc["cities"] if r["status"] == "computed"]
    totals = doc["totals"]
    assert (totals["cities"], totals["computed"], totals["not_computed"]) == (3, 2, 1)
    older = sum(r["older_population"] for r in done)
    covered = sum(r["covered_older_population"] for r in done)
    assert totals["older_population"] == pytest.approx(older)
    assert totals["covered_share"] == pytest.approx(covered / older)
    assert {(w["minutes"], w["age"]) for w in totals["walks"]} == {(10.0, 65), (15.0, 75)}
    assert totals["methods"] == ["network", "straight-line"]


def test_one_prefecture_and_orders(api: tuple[TestClient, Store]) -> None:
    client, _ = api
    doc = _get(client, "/api/overview", prefecture="35")
    assert [r["code"] for r in doc["cities"]] == ["35202", "35215"]
    assert doc["totals"]["computed"] == 1
    by_share = _get(client, "/api/overview", sort="covered_share", order="desc")["cities"]
    shares = [r["covered_share"] for r in by_share]
    assert shares[-1] is None  # not computed: last, whichever the order
    assert shares[:2] == sorted(shares[:2], reverse=True)
    ascending = _get(client, "/api/overview", sort="covered_share", order="asc")["cities"]
    assert [r["code"] for r in ascending][:2] == [r["code"] for r in by_share][:2][::-1]
    assert _get(client, "/api/overview", prefecture="01")["cities"] == []


@pytest.mark.parametrize(
    "params",
    [{"prefecture": "48"}, {"prefecture": "3"}, {"prefecture": "35 "}, {"sort": "population"},
     {"order": "up"}, {"sort": "name\x00"}],
)
def test_bad_parameters_are_problems(api: tuple[TestClient, Store], params: dict[str, str]
                                     ) -> None:  # fmt: skip
    client, _ = api
    for path in ("/api/overview", "/overview"):
        r = client.get(path, params=params)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 422


def test_the_page_is_a_table_in_japanese_first(api: tuple[TestClient, Store]) -> None:
    client, _ = api
    html = _get(client, "/overview")
    assert '<html lang="ja"' in html and "全市区町村のカバー率" in html
    assert "<caption>市区町村別のカバー率</caption>" in html
    assert re.search(r'<th scope="row"><a href="/coordinator/35215">周南市</a></th>', html)
    assert "未計算" in html and "3市区町村のうち2が計算済み" in html
    assert "異なる徒歩条件" in html  # two walks: the totals mix them
    assert ('aria-sort="ascending"><a class="sort-link" href="/overview?sort=code&amp;order=desc"'
            in html)
    assert "<script>" not in html and "http://" not in html and "https://" not in html


def test_the_page_in_english_sorts_by_its_header_links(api: tuple[TestClient, Store]) -> None:
    client, _ = api
    html = _get(client, "/overview", lang="en", sort="older_population", order="desc")
    assert '<html lang="en"' in html and "Coverage in every city" in html
    head = re.search(r'aria-sort="descending"><a class="sort-link" href="([^"]+)">([^<]+)<', html)
    assert head is not None and head.group(2) == "Older residents"
    assert head.group(1) == "/overview?sort=older_population&amp;order=asc&amp;lang=en"
    names = re.findall(r'<th scope="row"><a href="/coordinator/\d+\?lang=en">([^<]+)</a>', html)
    assert names == ["Niigata", "Ube", "Shunan"]  # 236,365 and 38,770 older; Shunan none
    assert "not computed" in html and "15 min at 3 km/h (750 m), aged 75+" in html


def test_names_from_the_store_are_escaped(api: tuple[TestClient, Store]) -> None:
    client, store = api
    city = get_city("01100")
    store.put_city(replace(city, name="<b>札幌</b>&"))
    html = _get(client, "/overview", prefecture="01")
    assert "&lt;b&gt;札幌&lt;/b&gt;&amp;" in html and "<b>札幌" not in html
    assert _get(client, "/api/overview", prefecture="01")["cities"][0]["name"] == "<b>札幌</b>&"
