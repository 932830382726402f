"""The editor in Chromium, against the real app on its own copy of the demo (the other browser
tests' store is never written): signed in through /login as a person would, axe-clean at desktop
and phone sizes, usable by keyboard alone, and the end-to-end of issue 9 — a phone number and a
schedule rule changed in the editor show on the residents' card, the history shows the change,
and restore brings the old values back. A change made meanwhile by someone else is not lost."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from geo.accounts import User
from geo.history import Change
from geo.model import Place
from geo.store.base import PlaceQuery
from geo.store.gpkg import GpkgStore
from layers.verification import today_in_japan
from service.auth.passwords import hash_password
from tests.browser.conftest import (
    Server,
    Watch,
    assert_stayed_here,
    demo_server,
    open_context,
    sign_in_to_editor,
    watch_page,
)
from tests.browser.test_map_page import run_axe

pytestmark = pytest.mark.browser

CITY = "15100"
EMAIL, PASSWORD = "coordinator@example.jp", "editor-test-password-1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def admin(store: GpkgStore) -> None:
        store.put_user(User(EMAIL, CITY, "admin", hash_password(PASSWORD)))

    with demo_server(tmp_path_factory.mktemp("editor"), admin) as server:
        yield server


@pytest.fixture
def epage(browser: Any, editor_server: Server, watch: Watch) -> Iterator[Any]:
    """A page on the editor's server; afterwards nothing left 127.0.0.1 and no console error
    but the refusals a test provokes."""
    context = open_context(browser, watch, viewport=DESKTOP)
    pg = context.new_page()
    watch_page(pg, watch)
    yield pg
    context.close()
    assert_stayed_here(watch)


def sign_in(page: Any, server: Server) -> None:
    """Open the editor: sent to /login, sign in there, come back to the editor."""
    sign_in_to_editor(page, server.url, CITY, EMAIL, PASSWORD)


def sample(server: Server) -> Place:
    """A real-shaped demo salon with a phone and schedule rules, shown at its exact spot."""
    places = server.store.places(PlaceQuery(city=CITY))
    found = [p for p in places if p.phone and p.schedule_rules and p.location_precision == "exact"
             and p.status == "active" and len(p.schedule_rules) == 1]
    assert found
    return found[0]


def open_place(page: Any, place: Place) -> None:
    page.fill("#f-text", place.name)
    page.locator(f'#place-list button[data-id="{place.id}"]').click()
    page.wait_for_selector("#form-view:not([hidden])")
    page.wait_for_selector("#preview li, #preview p")


def wait_saved(page: Any) -> None:
    page.wait_for_function(
        "() => /保存しました|戻しました/.test(document.getElementById('message').textContent)")


# ------------------------------------------------------------------------------ accessibility


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_editor_is_axe_clean(
    epage: Any, editor_server: Server, axe_source: str, artifacts: Path, size: dict[str, int]
) -> None:
    epage.set_viewport_size(size)
    sign_in(epage, editor_server)
    assert epage.locator("#place-list > li").count() > 100
    name = "phone" if size is PHONE else "desktop"
    epage.screenshot(path=str(artifacts / f"editor-{name}-list.png"))
    assert run_axe(epage, axe_source) == []
    open_place(epage, sample(editor_server))
    epage.click("#history summary")
    epage.wait_for_selector("#history-list li")
    epage.screenshot(path=str(artifacts / f"editor-{name}-form.png"), full_page=True)
    assert run_axe(epage, axe_source) == []
    epage.click("#form-close")
    epage.click("#contacts summary")
    epage.select_option("#contact-area", index=1)
    assert run_axe(epage, axe_source) == []


def test_the_editor_in_english(
    epage: Any, editor_server: Server, axe_source: str, artifacts: Path
) -> None:
    sign_in(epage, editor_server)
    epage.goto(f"{editor_server.url}/edit/{CITY}?lang=en")
    epage.wait_for_selector("html[data-ready=true]", state="attached", timeout=60000)
    assert epage.locator("html").get_attribute("lang") == "en"
    assert epage.locator("#queue-title").inner_text() == "Waiting to be checked"
    open_place(epage, sample(editor_server))
    assert epage.locator("#verify").inner_text() == "I have checked this information"
    assert "Weekdays" in epage.locator("#rules").inner_text()
    epage.screenshot(path=str(artifacts / "editor-desktop-form-en.png"))
    assert run_axe(epage, axe_source) == []


def _focused(page: Any) -> dict[str, Any]:
    """What has focus: its id, whether it is named, and whether its focus is visible."""
    found: dict[str, Any] = page.evaluate("""() => {
      const e = document.activeElement, s = getComputedStyle(e);
      const name = (e.labels && e.labels.length ? e.labels[0].textContent : '') ||
        e.getAttribute('aria-label') || e.textContent || e.getAttribute('title') || '';
      return { id: e.id, tag: e.tagName, type: e.type || '', name: name.trim(),
               outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
    }""")
    return found


def test_a_place_can_be_edited_with_the_keyboard_alone(epage: Any, editor_server: Server) -> None:
    place = sample(editor_server)
    sign_in(epage, editor_server)
    epage.fill("#f-text", place.name)  # the filter, then Tab from it to the place's button
    epage.focus("#f-text")
    for _ in range(12):
        epage.keyboard.press("Tab")
        if epage.evaluate("() => document.activeElement.dataset.id") == place.id:
            break
    assert epage.evaluate("() => document.activeElement.dataset.id") == place.id
    epage.keyboard.press("Enter")
    epage.wait_for_selector("#form-view:not([hidden])")
    assert epage.evaluate("() => document.activeElement.id") == "form-title"
    seen: list[str] = []
    for _ in range(80):  # every control on the way is named and shows its focus
        epage.keyboard.press("Tab")
        f = _focused(epage)
        assert f["name"], f"an unnamed control: {f}"
        assert f["outline"], f"focus not visible on {f}"
        seen.append(f["id"])
        if f["id"] == "save":
            break
    for wanted in ("verify", "p-name", "p-phone", "p-internal_contact", "rule-add", "p-schedule",
                   "town-q", "town-find", "p-lat", "p-lon", "p-location_precision", "save"):
        assert wanted in seen, f"{wanted} is not reached by Tab"
    # the pin moves without a drag: a town chosen by name, all by keyboard
    lat_before = epage.input_value("#p-lat")
    epage.focus("#town-q")
    epage.keyboard.type("古町通")
    epage.keyboard.press("Enter")
    epage.wait_for_selector("#town-results button")
    epage.keyboard.press("Tab")
    epage.keyboard.press("Tab")
    assert epage.evaluate("() => document.activeElement.closest('#town-results') !== null")
    epage.keyboard.press("Enter")
    assert epage.input_value("#p-location_precision") == "town"
    assert epage.input_value("#p-lat") != lat_before
    # a new phone number typed and saved by keyboard
    epage.focus("#p-phone")
    epage.keyboard.press("Control+a")
    epage.keyboard.type("025-111-2233")
    epage.focus("#save")
    epage.keyboard.press("Enter")
    wait_saved(epage)
    stored = editor_server.store.place(place.id)
    assert stored is not None and stored.phone == "025-111-2233"
    assert stored.location_precision == "town" and abs(stored.lat - place.lat) > 1e-5
    # or from the address typed in its field
    epage.fill("#p-address", "新潟市中央区古町通7番町1010")
    epage.focus("#address-locate")
    epage.keyboard.press("Enter")
    epage.wait_for_function("() => /古町通七番町/.test(document.getElementById('town-status')"
                            ".textContent)")
    assert abs(float(epage.input_value("#p-lat")) - 37.9227) < 0.01


# ------------------------------------------------------------------------------ end to end


def _card(page: Any, server: Server, place_id: str) -> dict[str, str]:
    page.goto(f"{server.url}/map/{CITY}?place={place_id}")
    page.wait_for_selector("#card:not([hidden])")
    out: dict[str, str] = {}
    for field in ("phone", "next_date", "schedule"):
        node = page.locator(f'#card-body [data-field="{field}"]')
        out[field] = node.inner_text() if node.count() else ""
    return out


def _formatted(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def test_a_change_reaches_the_residents_card_and_restore_undoes_it(
    epage: Any, editor_server: Server, artifacts: Path
) -> None:
    place = sample(editor_server)
    old_rules = place.schedule_rules or []
    sign_in(epage, editor_server)
    open_place(epage, place)
    assert epage.input_value("#p-phone") == place.phone

    # a new phone, and the rule's first weekday moved to the next day of the week
    epage.fill("#p-phone", "025-987-6543")
    rule = epage.locator("#rules .rule").first
    day = sorted(old_rules[0]["weekdays"])[0]
    new_day = next(d for d in range(day + 1, day + 8) if d % 7 not in old_rules[0]["weekdays"]) % 7
    rule.locator(f'.weekdays input[value="{day}"]').uncheck()
    rule.locator(f'.weekdays input[value="{new_day}"]').check()
    days = sorted((set(old_rules[0]["weekdays"]) - {day}) | {new_day})
    epage.wait_for_function(
        "(js) => { const li = [...document.querySelectorAll('#preview li')];"
        " return li.length === 3 && li.every((n) =>"
        "   js.includes(new Date(n.dataset.date + 'T00:00:00Z').getUTCDay())); }",
        arg=[(d + 1) % 7 for d in days])
    epage.click("#schedule-from-rules")
    new_text = epage.input_value("#p-schedule")
    assert new_text and new_text != place.schedule
    previewed = epage.locator("#preview li").first.get_attribute("data-date")
    epage.click("#save")
    wait_saved(epage)
    epage.screenshot(path=str(artifacts / "editor-saved.png"))

    stored = editor_server.store.place(place.id)
    assert stored is not None and stored.phone == "025-987-6543"
    assert stored.schedule_rules and new_day in stored.schedule_rules[0]["weekdays"]
    assert day not in stored.schedule_rules[0]["weekdays"]

    # the residents' card shows both
    resident = epage.context.new_page()
    card = _card(resident, editor_server, place.id)
    assert card["phone"] == "025-987-6543"
    assert previewed and _formatted(previewed) in card["next_date"]
    assert card["schedule"] == new_text
    resident.screenshot(path=str(artifacts / "editor-residents-card.png"))

    # the history shows the change, newest first, by this person through the editor
    epage.click("#history summary")
    epage.wait_for_selector("#history-list li")
    newest = epage.locator("#history-list > li").first
    assert EMAIL in newest.inner_text() and "編集画面" in newest.inner_text()
    phone = newest.locator('dd[data-field="phone"]')
    assert phone.locator(".before").inner_text() == place.phone
    assert phone.locator(".after").inner_text() == "025-987-6543"
    assert newest.locator('dd[data-field="schedule_rules"]').count() == 1

    # restore: back to how it was after the change before ours
    epage.locator("#history-list > li").nth(1).locator(".restore-button").click()
    wait_saved(epage)
    epage.wait_for_function(
        "(p) => document.getElementById('p-phone').value === p", arg=place.phone)
    back = editor_server.store.place(place.id)
    assert back is not None and back.phone == place.phone
    assert back.schedule_rules == old_rules and back.schedule == place.schedule
    card = _card(resident, editor_server, place.id)
    assert card["phone"] == place.phone and card["schedule"] == (place.schedule or "")
    assert epage.locator("#history-list > li").first.inner_text().count("復元") >= 1


def test_a_change_made_meanwhile_is_not_overwritten(epage: Any, editor_server: Server) -> None:
    """Someone else saves while the form is open: ours is refused (412), theirs kept, and the
    form shows the current version."""
    places = editor_server.store.places(PlaceQuery(city=CITY))
    place = next(p for p in reversed(places) if p.fee and p.status == "active")
    sign_in(epage, editor_server)
    open_place(epage, place)
    theirs = replace(place, fee="300円（他の人の変更）")
    editor_server.store.write_place(theirs, place.content_hash(), Change(
        kind="place", record_id=place.id, city=CITY, who="token:other", via="api",
        action="update"))
    epage.fill("#p-fee", "500円")
    epage.click("#save")
    epage.wait_for_function(
        "() => document.getElementById('p-fee').value === '300円（他の人の変更）'")
    assert "他の人がこの場所を変更しました" in epage.locator("#form-error").inner_text()
    stored = editor_server.store.place(place.id)
    assert stored is not None and stored.fee == "300円（他の人の変更）"
    assert re.search("他の人", epage.locator("#message").inner_text())


def test_create_verify_pause_close_reopen_and_area_contacts(
    epage: Any, editor_server: Server
) -> None:
    store = editor_server.store
    sign_in(epage, editor_server)
    before = {p.id for p in store.places(PlaceQuery(city=CITY, statuses=("active", "paused",
                                                                         "closed")))}
    # a new place: named, a kind chosen, placed by a tap on the map
    epage.click("#new-place")
    assert epage.evaluate("() => document.activeElement.id") == "form-title"
    epage.fill("#p-name", "テスト新設サロン")
    epage.select_option("#p-category", "salon")
    epage.click("#save")
    assert "ピンを場所に置いてください" in epage.locator("#form-error").inner_text()
    box = epage.locator("#map").bounding_box()
    epage.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert epage.input_value("#p-lat") and epage.input_value("#p-lon")
    epage.locator("#rules").wait_for(state="attached")
    epage.click("#rule-add")
    epage.locator('#rules .rule .weekdays input[value="3"]').check()
    epage.fill("#p-phone", "025-222-3333")
    epage.click("#save")
    epage.wait_for_function(
        "() => /新しい場所を保存しました/.test(document.getElementById('message').textContent)")
    new = [p for p in store.places(PlaceQuery(city=CITY)) if p.id not in before]
    assert len(new) == 1 and new[0].name == "テスト新設サロン" and new[0].source == "editor"
    created = new[0]
    assert created.phone == "025-222-3333" and created.schedule_rules
    assert created.schedule_rules[0]["weekdays"] == [3]
    epage.wait_for_function("(name) => !document.getElementById('form-view').hidden &&"
                            " document.getElementById('form-title').textContent === name",
                            arg="テスト新設サロン")

    # 情報を確認しました: today in Japan
    epage.click("#verify")
    epage.wait_for_function("() => /確認済みにしました/.test("
                            "document.getElementById('message').textContent)")
    checked = store.place(created.id)
    assert checked is not None and checked.last_verified == today_in_japan().isoformat()
    assert "最終確認日" in epage.locator("#verified-text").inner_text()

    # pause, close, reopen: only the buttons that apply are offered
    assert epage.locator("#reopen").is_hidden()
    for button, status, message in (("#pause", "paused", "休止にしました"),
                                    ("#close-place", "closed", "終了にしました"),
                                    ("#reopen", "active", "再開にしました")):
        epage.click(button)
        epage.wait_for_function("(m) => document.getElementById('message').textContent"
                                ".includes(m)", arg=message)
        stored = store.place(created.id)
        assert stored is not None and stored.status == status
    assert epage.locator("#reopen").is_hidden() and epage.locator("#pause").is_visible()

    # an area's contacts
    epage.click("#form-close")
    epage.click("#contacts summary")
    epage.select_option("#contact-area", index=1)
    area_id = epage.input_value("#contact-area")
    epage.click("#contact-add")
    last = epage.locator("#contact-rows .contact-row").last
    last.locator('input[data-key="role"]').fill("見守り相談窓口")
    last.locator('input[data-key="name"]').fill("テスト相談室")
    last.locator('input[data-key="phone"]').fill("025-444-5555")
    epage.click("#contacts-form button[type=submit]")
    epage.wait_for_function("() => /保存しました/.test("
                            "document.getElementById('contacts-status').textContent)")
    area = store.area(area_id)
    assert area is not None
    assert [c.phone for c in area.contacts if c.name == "テスト相談室"] == ["025-444-5555"]


def test_text_from_data_is_text_in_the_editor(epage: Any, editor_server: Server) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    place = Place(id=f"{CITY}-editor-hostile", city=CITY, kind="gathering", category="salon",
                  name=hostile, lon=139.0236, lat=37.9161, phone="<b>025</b>",
                  schedule="<script>alert(2)</script>", internal_contact="<i>x</i>")
    editor_server.store.write_place(place, None, Change(
        kind="place", record_id=place.id, city=CITY, who="import", via="import",
        action="create", source="hostile"))
    sign_in(epage, editor_server)
    epage.fill("#f-text", "img")
    button = epage.locator(f'#place-list button[data-id="{place.id}"]')
    assert hostile in button.inner_text()
    button.click()
    epage.wait_for_selector("#form-view:not([hidden])")
    assert epage.locator("#form-title").inner_text() == hostile
    assert epage.input_value("#p-schedule") == "<script>alert(2)</script>"
    epage.click("#history summary")
    epage.wait_for_selector("#history-list li")
    assert hostile in epage.locator("#history-list").inner_text()
    assert epage.locator("#panel img, #panel b, #panel i").count() == 0


def test_leaving_with_unsaved_edits_asks_first(
    epage: Any, editor_server: Server, watch: Watch
) -> None:
    """A changed field and no save: the browser's leave-page question; as saved, none."""
    place = sample(editor_server)
    sign_in(epage, editor_server)
    open_place(epage, place)
    asked: list[str] = []
    epage.on("dialog", lambda d: asked.append(d.type))  # the page's watcher dismisses it: stay
    assert not epage.evaluate("() => Tsudoi.edit.unsaved()")  # opened, nothing typed yet
    epage.click("#p-phone")
    epage.keyboard.type("9")  # a person's keystroke (the browser asks only after one)
    assert epage.evaluate("() => Tsudoi.edit.unsaved()")
    epage.evaluate("() => { location.href = '/'; }")
    epage.wait_for_timeout(500)
    assert asked == ["beforeunload"] and "/edit/" in epage.url
    watch.dialogs.clear()  # that one was asked for
    epage.keyboard.press("Backspace")  # as saved again: leaving asks nothing
    assert not epage.evaluate("() => Tsudoi.edit.unsaved()")
    epage.evaluate("() => { location.href = '/'; }")
    epage.wait_for_url(f"{editor_server.url}/")
    assert asked == ["beforeunload"]
