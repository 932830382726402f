"""POST /api/schedule/preview: the next three dates of rules not yet saved, and their words,
exactly as residents will see them once saved — public, pure, and 422 naming the wrong rule and
key. The dates are worked out here by plain date arithmetic, not by the engine under test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.history import Change
from geo.japan.municipalities import get_city
from geo.model import Place
from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from layers.verification import today_in_japan
from service.app import create_app
from service.settings import Settings

URL = "/api/schedule/preview"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = GpkgStore(tmp_path_factory.mktemp("preview") / "empty.gpkg")
    with TestClient(create_app(store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))) as c:
        yield c
    store.close()


def _preview(client: TestClient, rules: Any) -> Any:
    return client.post(URL, json={"schedule_rules": rules})


def _next_weekdays(weekday: int, n: int) -> list[str]:
    today = today_in_japan()
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    return [(first + timedelta(days=7 * i)).isoformat() for i in range(n)]


def test_every_tuesday_gives_the_next_three_tuesdays_in_japan(client: TestClient) -> None:
    r = _preview(client, [{"weekdays": [1], "weeks": None, "skip_holidays": False}])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dates"] == _next_weekdays(1, 3)
    assert [s["date"] for s in body["sessions"]] == body["dates"]
    first = date.fromisoformat(body["dates"][0])
    assert body["sessions"][0]["date_ja"] == f"{first.year}年{first.month}月{first.day}日（火）"
    assert body["text_ja"] == "毎週火曜（祝日も開催）"
    assert body["text_en"] == "Every Tuesday (also on public holidays)"


def test_the_words_and_times_are_the_residents(client: TestClient) -> None:
    rules = [{"weekdays": [4, 1], "start": "10:00", "end": "12:00"}]
    body = _preview(client, rules).json()
    assert body["text_ja"] == "毎週火・金曜 10:00〜12:00"
    assert body["text_en"] == "Every Tuesday and Friday, 10:00–12:00"
    assert body["schedule_rules"] == [
        {"weekdays": [1, 4], "weeks": None, "start": "10:00", "end": "12:00"}
    ]
    assert len(body["dates"]) == 3 and body["dates"] == sorted(body["dates"])
    for s in body["sessions"]:
        assert date.fromisoformat(s["date"]).weekday() in (1, 4)
        assert (s["start"], s["end"]) == ("10:00", "12:00")
        assert s["text_ja"].endswith(" 10:00〜12:00")


def test_holidays_are_skipped_as_on_the_card(client: TestClient) -> None:
    """成人の日 is the second Monday of January: a January-only 第2月曜 never meets unless it
    says it meets on holidays."""
    rules: list[dict[str, Any]] = [{"weekdays": [0], "weeks": [2], "months": [1]}]
    body = _preview(client, rules).json()
    assert body["dates"] == [] and body["sessions"] == []
    assert body["text_ja"] == "1月の第2月曜"
    rules[0]["skip_holidays"] = False
    dates = [date.fromisoformat(d) for d in _preview(client, rules).json()["dates"]]
    assert len(dates) == 3 and [d.year - dates[0].year for d in dates] == [0, 1, 2]
    assert all(d.month == 1 and d.weekday() == 0 and 8 <= d.day <= 14 for d in dates)


def test_no_rules_no_dates(client: TestClient) -> None:
    body = _preview(client, []).json()
    assert body == {"schedule_rules": [], "dates": [], "sessions": [], "text_ja": "",
                    "text_en": ""}


@pytest.mark.parametrize(("rules", "named"), [
    ([{"weekdays": [1]}, {"weekdays": [1], "weeks": [7]}], ("schedule_rules[1]", "weeks")),
    ([{"weekdays": [9]}], ("schedule_rules[0]", "weekdays")),
    ([{"weekdays": [2], "start": "25:00"}], ("schedule_rules[0]", "start")),
    ([{"weekdays": [2], "start": "12:00", "end": "10:00"}], ("schedule_rules[0]", "end")),
    ([{"weekdays": [2], "colour": "red"}], ("schedule_rules[0]", "colour")),
    ([{"weeks": [1]}], ("schedule_rules[0]", "weekdays")),
    (["毎週火曜"], ("schedule_rules[0]", "object")),
])  # fmt: skip
def test_a_rule_that_cannot_be_read_is_a_422_naming_it(
    client: TestClient, rules: Any, named: tuple[str, str]
) -> None:
    r = _preview(client, rules)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    for word in named:
        assert word in r.json()["detail"]


@pytest.mark.parametrize("body", [{}, {"schedule_rules": "毎週"}, [],
                                  {"schedule_rules": [{"weekdays": [1]}] * 21}])
def test_a_body_that_is_not_rules_is_a_422(client: TestClient, body: Any) -> None:
    r = client.post(URL, json=body)
    assert r.status_code == 422 and r.json()["status"] == 422


def test_it_is_public_and_only_posts(client: TestClient) -> None:
    assert client.get(URL).status_code == 405
    assert _preview(client, [{"weekdays": [3]}]).status_code == 200  # no credentials


def test_a_saved_place_shows_the_previewed_date_on_both_stores(
    store: Store, tmp_path: Path
) -> None:
    rules = [{"weekdays": [2], "weeks": [1, 3], "start": "13:30", "end": "15:30"}]
    store.put_city(get_city("15100"))
    place = Place(id="15100-t-1", city="15100", kind="gathering", category="salon",
                  name="水曜サロン", lon=139.02, lat=37.91, schedule_rules=rules)
    store.write_place(place, None, Change(kind="place", record_id=place.id, city="15100",
                                          who="import", via="import", action="create"))
    with TestClient(create_app(store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))) as c:
        preview = _preview(c, rules).json()
        shown = c.get(f"/api/places/{place.id}").json()["properties"]
        listed = c.get("/api/cities/15100/places").json()["features"]
    assert preview["dates"] and shown["next_date"] == preview["dates"][0]
    assert [f["properties"]["next_date"] for f in listed] == [preview["dates"][0]]
    for d in preview["dates"]:
        day = date.fromisoformat(d)
        assert day.weekday() == 2 and (day.day - 1) // 7 + 1 in (1, 3)
