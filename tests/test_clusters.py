"""Clusters per zoom and the list sorted and paged on the server, on both stores: what the map of
a city with many places asks for instead of the whole listing."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.point_clusters import CELL_PX, cell_window, gather, to_pixels
from geo.store.base import Store
from geo.text import fold
from geo.walk.distance import geodesic_m
from service.app import create_app
from tests.conftest import STORE_KINDS, demo_in

CITY = "15100"
CITY_HALL = {"lat": 37.9161, "lon": 139.0236}
CLUSTERS = f"/api/cities/{CITY}/clusters"
PLACES = f"/api/cities/{CITY}/places"


@pytest.fixture(scope="module", params=STORE_KINDS)
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    store: Store = demo_in(request.param, request, tmp_path_factory.mktemp("clusters"))
    with TestClient(create_app(store)) as c:
        yield c
    store.close()


def _everything(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    body = client.get(PLACES, params=params).json()
    features: list[dict[str, Any]] = body["features"]
    return features


def _counted(answer: dict[str, Any]) -> Counter[str]:
    """Places per category in an answer, from its clusters and its lone places."""
    counts: Counter[str] = Counter()
    for c in answer["clusters"]:
        assert c["count"] == sum(c["categories"].values()) > answer["few"]
        counts.update(c["categories"])
    counts.update(f["properties"]["category"] for f in answer["places"])
    return counts


@pytest.mark.parametrize("zoom", [0, 9, 11, 13, 16, 22])
def test_clusters_and_places_add_up_to_the_listing(client: TestClient, zoom: int) -> None:
    listed = _everything(client)
    answer = client.get(CLUSTERS, params={"zoom": zoom}).json()
    assert answer["grid"] == "web-mercator" and answer["zoom"] == zoom
    counts = _counted(answer)
    assert sum(counts.values()) == answer["numberMatched"] == len(listed)
    assert counts == Counter(f["properties"]["category"] for f in listed)
    assert answer["categories"] == dict(counts)
    if zoom == 0:
        assert len(answer["clusters"]) == 1 and not answer["places"]
    # a lone place is the listing's own point and nothing more than the map needs
    by_id = {f["id"]: f for f in listed}
    for f in answer["places"]:
        assert f["geometry"] == by_id[f["id"]]["geometry"]
        assert set(f["properties"]) == {"name", "category", "location_precision", "placed_from"}


def test_a_cluster_is_the_places_of_one_grid_cell(client: TestClient) -> None:
    """Recomputed here from the listing: the same cells, counts and centroids."""
    zoom = 12
    listed = _everything(client)
    lons = [f["geometry"]["coordinates"][0] for f in listed]
    lats = [f["geometry"]["coordinates"][1] for f in listed]
    import numpy as np

    x, y = to_pixels(np.array(lons), np.array(lats), zoom)
    cells: dict[tuple[int, int], list[int]] = {}
    for i, (cx, cy) in enumerate(zip((x // CELL_PX).tolist(), (y // CELL_PX).tolist(),
                                     strict=True)):
        cells.setdefault((int(cx), int(cy)), []).append(i)
    answer = client.get(CLUSTERS, params={"zoom": zoom}).json()
    big = {k: v for k, v in cells.items() if len(v) > answer["few"]}
    assert len(answer["clusters"]) == len(big) > 0
    for c in answer["clusters"]:
        cx, cy = to_pixels(np.array([c["lon"]]), np.array([c["lat"]]), zoom)
        members = big[(int(cx[0] // CELL_PX), int(cy[0] // CELL_PX))]
        assert c["count"] == len(members)
        assert math.isclose(c["lon"], sum(lons[i] for i in members) / len(members), abs_tol=1e-6)
        assert math.isclose(c["lat"], sum(lats[i] for i in members) / len(members), abs_tol=1e-6)
        minx, miny, maxx, maxy = c["bbox"]
        assert all(minx <= lons[i] <= maxx and miny <= lats[i] <= maxy for i in members)


def test_filters_narrow_the_clusters_as_they_narrow_the_listing(client: TestClient) -> None:
    for params in ({"category": "salon"}, {"q": "カフェ"}, {"area": "15100-L1-15103"},
                   {"status": "all", "kind": "all"}, {"category": "salon,chanoma", "zoom": 14}):
        listed = _everything(client, **{k: v for k, v in params.items() if k != "zoom"})
        answer = client.get(CLUSTERS, params={"zoom": 11, **params}).json()
        assert answer["numberMatched"] == len(listed) > 0, params
        assert _counted(answer) == Counter(f["properties"]["category"] for f in listed), params


def test_a_view_counts_whole_cells(client: TestClient) -> None:
    """A bbox is widened to the cells it touches: a cluster on the edge counts all its places,
    and two views touching the same cells get the same answer."""
    zoom = 13
    view = (139.00, 37.88, 139.06, 37.93)
    answer = client.get(CLUSTERS, params={"zoom": zoom, "bbox": ",".join(map(str, view))}).json()
    window = cell_window(view, zoom).bbox()
    assert answer["bbox"] == pytest.approx(list(window))
    minx, miny, maxx, maxy = window
    inside = [f for f in _everything(client)  # where each is shown (a home at its town)
              if minx <= f["geometry"]["coordinates"][0] <= maxx
              and miny <= f["geometry"]["coordinates"][1] <= maxy]
    assert answer["numberMatched"] == len(inside) > 0
    assert sum(_counted(answer).values()) == len(inside)
    nudged = (view[0] + 1e-5, view[1] + 1e-5, view[2] - 1e-5, view[3] - 1e-5)
    again = client.get(CLUSTERS, params={"zoom": zoom, "bbox": ",".join(map(str, nudged))})
    assert again.json() == answer
    whole = client.get(CLUSTERS, params={"zoom": zoom}).json()
    assert whole["numberMatched"] > answer["numberMatched"]


@pytest.mark.parametrize(
    "params",
    [
        {},  # zoom is required
        {"zoom": -1},
        {"zoom": 23},
        {"zoom": "ten"},
        {"zoom": 10, "bbox": "139,37"},
        {"zoom": 10, "bbox": "139.2,37.8,139.0,38.0"},  # min > max
        {"zoom": 10, "bbox": "139,37,200,38"},
        {"zoom": 10, "bbox": "a,b,c,d"},
        {"zoom": 10, "status": "open"},
        {"zoom": 10, "kind": "hall"},
        {"zoom": 10, "q": "\x00"},
        {"zoom": 10, "area": "15100-L1-nowhere"},
    ],
)
def test_bad_cluster_requests_get_a_problem_never_a_5xx(
    client: TestClient, params: dict[str, Any]
) -> None:
    r = client.get(CLUSTERS, params=params)
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.status_code == (404 if "area" in params else 422)


def test_unknown_city_is_a_404(client: TestClient) -> None:
    assert client.get("/api/cities/10202/clusters", params={"zoom": 10}).status_code == 404


def test_the_list_pages_by_reading(client: TestClient) -> None:
    listed = _everything(client)
    want = sorted(listed, key=lambda f: (fold(f["properties"]["kana"] or f["properties"]["name"]),
                                         f["id"]))
    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = client.get(PLACES, params={"sort": "name", "limit": 40, "offset": offset}).json()
        assert body["numberMatched"] == len(listed) and body["sort"] == "name"
        pages.extend(body["features"])
        if body["numberReturned"] < 40:
            break
        offset += 40
    assert [f["id"] for f in pages] == [f["id"] for f in want]
    same = next(f for f in listed if f["id"] == pages[0]["id"])
    assert pages[0]["properties"] == same["properties"]


def test_the_list_pages_by_distance_nearest_first(client: TestClient) -> None:
    listed = _everything(client, category="salon")
    body = client.get(PLACES, params={"sort": "distance", **CITY_HALL, "category": "salon",
                                      "limit": 25, "offset": 10}).json()
    assert body["numberMatched"] == len(listed) and body["numberReturned"] == 25
    metres = {f["id"]: geodesic_m(CITY_HALL["lon"], CITY_HALL["lat"],
                                  *f["geometry"]["coordinates"]) for f in listed}
    ranked = sorted(metres.values())
    got = [f["properties"]["distance_m"] for f in body["features"]]
    assert got == sorted(got)
    assert got == pytest.approx(ranked[10:35], abs=0.1)
    for f in body["features"]:
        assert f["properties"]["distance_m"] == pytest.approx(metres[f["id"]], abs=0.1)
        assert f["properties"]["walking_min"] >= f["properties"]["distance_m"] / 50 - 1


@pytest.mark.parametrize(
    "params",
    [{"sort": "distance"}, {"sort": "distance", "lat": 37.9}, {"sort": "size"},
     {"sort": "distance", "lat": 91, "lon": 139}, {"sort": "name", "limit": 0}],
)
def test_bad_sorts_get_a_problem(client: TestClient, params: dict[str, Any]) -> None:
    r = client.get(PLACES, params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_full_listing_stays_for_exports(client: TestClient) -> None:
    listed = _everything(client)
    assert len(listed) > 100  # no paging unless asked
    csv = client.get(PLACES, params={"format": "csv"})
    assert csv.status_code == 200 and csv.text.count("\n") >= len(listed)


def test_gather_does_not_depend_on_the_order_of_its_points(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    lons = 139.0 + rng.random(3000) * 0.2
    lats = 37.8 + rng.random(3000) * 0.15
    cats = [("salon", "chanoma", "cafe")[i % 3] for i in range(3000)]
    first = gather(lons, lats, cats, 12)
    order = rng.permutation(3000)
    second = gather(lons[order], lats[order], [cats[i] for i in order], 12)
    assert first.clusters == second.clusters
    assert sorted(order[second.singles].tolist()) == first.singles


def test_a_small_city_keeps_its_whole_listing_on_the_map(client: TestClient) -> None:
    """Under 2,000 places the map page loads the listing and filters it itself, as before."""
    import json
    import re

    html = client.get(f"/map/{CITY}").text
    block = re.search(r'<script type="application/json" id="tsudoi-config">(.*?)</script>',
                      html, re.S)
    assert block is not None
    config = json.loads(block.group(1))
    assert config["paged"] is False
    assert f'<link rel="preload" href="{config["api"]["places"]}"' in html
    assert config["api"]["clusters"] == CLUSTERS


def test_a_page_by_distance_is_a_full_ranking_sliced() -> None:
    """The page's nearest come from a k-d tree and a few measured: the same places, metres
    and order (ties in reading order) as measuring every place and sorting, on every page."""
    import random
    from datetime import datetime

    import numpy as np

    from geo.model import Place
    from service.city_places import CityPlaces

    rng = random.Random(5)
    places = [
        Place(id=f"{CITY}-p{i:04}", city=CITY, kind="gathering", name=f"場所{i:04}",
              category=rng.choice(["salon", "cafe"]),
              lon=139.0 + rng.random() * 0.2, lat=37.85 + rng.random() * 0.1)
        for i in range(600)
    ]  # fmt: skip
    places += [  # twins on one point: their tie goes by reading order
        Place(id=f"{CITY}-twin{i}", city=CITY, kind="gathering", name=f"双子{i}",
              category="salon", lon=places[10].lon, lat=places[10].lat)
        for i in range(3)
    ]  # fmt: skip
    held = CityPlaces(
        places, [[] for _ in places], np.array([p.lon for p in places]),
        np.array([p.lat for p in places]), np.array([p.category for p in places], dtype=object),
    )  # fmt: skip
    now = datetime(2026, 11, 28, 10, 0)
    for cats in [(), ("salon",)]:
        chosen = held.select(cats)
        for lon, lat in [(places[10].lon, places[10].lat), (139.1, 37.9), (140.0, 39.0)]:
            every = sorted(
                (geodesic_m(lon, lat, places[i].lon, places[i].lat), i) for i in chosen.tolist()
            )
            for offset, limit in [(0, 1), (0, 5), (3, 50), (590, 50)]:
                page = held.by_distance(chosen, lon, lat, offset, limit, now)
                want = every[offset : offset + limit]
                assert [f["id"] for f in page] == [places[i].id for _, i in want]
                for f, (d, _) in zip(page, want, strict=True):
                    assert f["properties"]["distance_m"] == pytest.approx(d, abs=0.05)
