"""The verification queue: places nobody has confirmed within the city's months, stalest first —
the pure ordering, the city setting on both stores, the CSV for Excel, `tsudoi stale` and
`tsudoi settings`, and the signed-in download /edit/{code}/stale.csv."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.accounts import User
from geo.errors import InvalidParameter
from geo.japan.municipalities import get_city
from geo.model import Place
from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from layers.place_import import PlaceImportOptions, import_places
from layers.verification import (
    CSV_HEADER,
    DEFAULT_STALE_MONTHS,
    is_stale,
    months_before,
    queue_csv,
    queue_rows,
    setting_name,
    stale_months,
    today_in_japan,
    verification_queue,
)
from service.app import create_app
from service.auth.passwords import hash_password
from service.settings import Settings
from service.stale_queue import stale_queue

NIIGATA = "15100"
TODAY = date(2026, 11, 27)


def _place(
    pid: str, verified: str | None, status: str = "active", name: str | None = None
) -> Place:
    return Place(
        id=pid, city=NIIGATA, kind="gathering", category="salon", name=name or pid,
        lon=139.02, lat=37.91, last_verified=verified, status=status,  # type: ignore[arg-type]
    )  # fmt: skip


# ------------------------------------------------------------------------------ the ordering


def test_never_verified_comes_first_then_the_oldest_check() -> None:
    places = [
        _place("fresh", "2026-10-01"),
        _place("old", "2025-01-15"),
        _place("never-b", None, name="べ"),
        _place("older", "2024-03-01"),
        _place("never-a", None, name="あ"),
        _place("just-stale", "2026-05-26"),
        _place("just-fresh", "2026-05-27"),
    ]
    queue = verification_queue(places, TODAY, 6)
    assert [p.id for p in queue] == ["never-a", "never-b", "older", "old", "just-stale"]


def test_the_months_decide_what_is_stale() -> None:
    places = [_place("a", "2026-09-27"), _place("b", "2026-08-26"), _place("c", "2025-11-26")]
    assert [p.id for p in verification_queue(places, TODAY, 1)] == ["c", "b", "a"]
    assert [p.id for p in verification_queue(places, TODAY, 3)] == ["c", "b"]
    assert [p.id for p in verification_queue(places, TODAY, 12)] == ["c"]
    assert verification_queue(places, TODAY, 13) == []


def test_closed_places_need_no_check_and_paused_ones_do() -> None:
    places = [_place("closed", None, "closed"), _place("paused", None, "paused")]
    assert [p.id for p in verification_queue(places, TODAY, 6)] == ["paused"]


def test_a_date_that_cannot_be_read_counts_as_never_verified() -> None:
    odd = _place("odd", "令和6年春")
    assert is_stale(odd, TODAY, 120)
    assert [p.id for p in verification_queue([_place("old", "2020-01-01"), odd], TODAY, 6)] == [
        "odd", "old",
    ]  # fmt: skip


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 3) == date(2025, 12, 15)
    assert months_before(date(2028, 8, 30), 6) == date(2028, 2, 29)


@pytest.mark.parametrize("months", [0, -1, 121, True])
def test_months_outside_1_to_120_are_refused(months: int) -> None:
    with pytest.raises(InvalidParameter, match="stale_months"):
        verification_queue([], TODAY, months)


def test_the_csv_opens_in_excel_with_japanese_headings() -> None:
    places = [_place("b", "2025-01-01", name="サロン,「和」"), _place("a", None)]
    text = queue_csv(queue_rows(places, TODAY, 6, [["中央区"], []]))
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == CSV_HEADER
    assert [r[0] for r in rows[1:]] == ["a", "b"]
    assert rows[2][1] == "サロン,「和」" and rows[2][3] == "中央区"
    assert rows[1][9] == "" and rows[2][9] == str((TODAY - date(2025, 1, 1)).days)


# ------------------------------------------------------------------------------ stores


def _verified_places(folder: Path) -> Path:
    """Real-shaped salons of 新潟市 checked at different times before today in Japan."""
    today = today_in_japan()
    ages = {"s-never": None, "s-400": 400, "s-200": 200, "s-45": 45}
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [139.02 + i * 0.01, 37.91]},
            "properties": {
                "id": pid, "name": f"サロン{pid}", "category": "salon",
                "address": "新潟市中央区", "phone": "025-000-0000",
                "last_verified": None if age is None else (today - timedelta(days=age)).isoformat(),
            },
        }
        for i, (pid, age) in enumerate(ages.items())
    ]
    path = folder / "salons.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def _import(store: Store, folder: Path) -> None:
    """As `tsudoi import places` does: the city, then the file."""
    store.put_city(get_city(NIIGATA))
    import_places(store, _verified_places(folder), PlaceImportOptions(city=NIIGATA,
                                                                      source="salons"))


def _ids(rows: list[Any]) -> list[str]:
    """The file's own ids (s-never …) inside the store's ids."""
    return [re.sub(r".*?(s-\w+)$", r"\1", r.place.id) for r in rows]


def test_the_city_setting_chooses_the_months_on_both_stores(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    today = today_in_japan()
    assert stale_months(store, NIIGATA) == DEFAULT_STALE_MONTHS
    assert _ids(stale_queue(store, NIIGATA, today)) == ["s-never", "s-400", "s-200"]
    store.put_setting(setting_name(NIIGATA), "12")
    assert stale_months(store, NIIGATA) == 12
    assert _ids(stale_queue(store, NIIGATA, today)) == ["s-never", "s-400"]
    assert _ids(stale_queue(store, NIIGATA, today, 1)) == ["s-never", "s-400", "s-200", "s-45"]
    store.put_setting(setting_name(NIIGATA), "many")
    with pytest.raises(InvalidParameter, match="not a number"):
        stale_months(store, NIIGATA)


# ------------------------------------------------------------------------------ command line


def test_tsudoi_stale_and_settings(tsudoi: Callable[..., Any], tmp_path: Path) -> None:
    db = tmp_path / "t.gpkg"
    with closing(GpkgStore(db)) as store:
        _import(store, tmp_path)
    shown = tsudoi("settings", "show", "--city", NIIGATA, "--db", db, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"{NIIGATA}: stale-months = 6 (default)"

    out = tmp_path / "queue.csv"
    run = tsudoi("stale", "--city", NIIGATA, "--csv", out, "--db", db, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"3 place(s) of {NIIGATA} not verified within 6 month(s)")
    assert [re.search(r"サロン(s-\w+)", ln).group(1) for ln in lines[1:4]] == [  # type: ignore[union-attr]
        "s-never", "s-400", "s-200",
    ]  # fmt: skip
    assert "never verified" in lines[1] and "(400 days)" in lines[2]
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[1][1] == "サロンs-never"

    done = tsudoi("settings", "set", "--city", NIIGATA, "--stale-months", "12", "--db", db,
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    again = tsudoi("settings", "show", "--city", NIIGATA, "--db", db, cwd=tmp_path)
    assert again.stdout.strip() == f"{NIIGATA}: stale-months = 12"
    fewer = tsudoi("stale", "--city", NIIGATA, "--db", db, cwd=tmp_path)
    assert fewer.stdout.splitlines()[0].startswith("2 place(s)")
    one = tsudoi("stale", "--city", NIIGATA, "--months", "1", "--db", db, cwd=tmp_path)
    assert one.stdout.splitlines()[0].startswith("4 place(s)")

    bad = tsudoi("settings", "set", "--city", NIIGATA, "--stale-months", "0", "--db", db,
                 cwd=tmp_path)
    assert bad.returncode == 2 and "--stale-months: must be between 1 and 120" in bad.stderr
    bad = tsudoi("stale", "--city", NIIGATA, "--months", "500", "--db", db, cwd=tmp_path)
    assert bad.returncode == 2 and "between 1 and 120" in bad.stderr


# ------------------------------------------------------------------------------ the download


def _sign_in(client: TestClient, email: str, password: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    done = client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303, done.text


def test_the_signed_in_download_is_the_persons_queue(store: Store, tmp_path: Path) -> None:
    _import(store, tmp_path)
    store.put_user(User("c@example.jp", NIIGATA, "coordinator", hash_password("pass-word-1")))
    store.put_user(User("o@example.jp", "35215", "admin", hash_password("pass-word-2")))
    app = create_app(store, Settings.from_env({"TSUDOI_BASEMAP": "none"}))
    with TestClient(app) as anon:
        r = anon.get(f"/edit/{NIIGATA}/stale.csv", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == f"/login?next=%2Fedit%2F{NIIGATA}"
    with TestClient(app) as client:
        _sign_in(client, "c@example.jp", "pass-word-1")
        r = client.get(f"/edit/{NIIGATA}/stale.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        assert r.headers["cache-control"].startswith("private")
        assert r.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [row[1] for row in rows[1:]] == ["サロンs-never", "サロンs-400", "サロンs-200"]
    with TestClient(app) as other:
        _sign_in(other, "o@example.jp", "pass-word-2")
        assert other.get(f"/edit/{NIIGATA}/stale.csv").status_code == 403
