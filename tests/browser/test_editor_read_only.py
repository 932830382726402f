"""The editor in Chromium for the city's viewer, on its own copy of the demo: signed in through
/login, they see every place with every field (the internal contact too), the history and the
areas' contacts, under a notice that they may only look; no button that would change anything is
there, the fields are focusable and labelled but cannot be typed into, the pin does not move, and
nothing reaches the store. axe-clean like the editor itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.accounts import User
from geo.model import Place
from geo.store.base import PlaceQuery
from geo.store.gpkg import GpkgStore
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
EMAIL, PASSWORD = "viewer@example.jp", "viewer-browser-password-1"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def viewer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def viewer(store: GpkgStore) -> None:
        store.put_user(User(EMAIL, CITY, "viewer", hash_password(PASSWORD)))

    with demo_server(tmp_path_factory.mktemp("viewer"), viewer) as server:
        yield server


@pytest.fixture
def vpage(browser: Any, viewer_server: Server, watch: Watch) -> Iterator[Any]:
    """A signed-in viewer's editor; afterwards nothing left 127.0.0.1 and no console error."""
    context = open_context(browser, watch, viewport=DESKTOP)
    pg = context.new_page()
    watch_page(pg, watch)
    sign_in_to_editor(pg, viewer_server.url, CITY, EMAIL, PASSWORD)
    yield pg
    context.close()
    assert_stayed_here(watch)


def sample(server: Server) -> Place:
    """A demo salon with a phone, an internal contact and schedule rules, at its exact spot."""
    found = [p for p in server.store.places(PlaceQuery(city=CITY))
             if p.phone and p.internal_contact and p.schedule_rules and p.status == "active"
             and p.location_precision == "exact"]  # fmt: skip
    assert found
    return found[0]


def open_place(page: Any, place: Place) -> None:
    page.fill("#f-text", place.name)  # the filters stay usable: they change nothing
    page.locator(f'#place-list button[data-id="{place.id}"]').click()
    page.wait_for_selector("#form-view:not([hidden])")
    page.wait_for_selector("#preview li, #preview p")


def test_the_viewer_sees_every_place_read_only(
    vpage: Any, viewer_server: Server, axe_source: str, artifacts: Path
) -> None:
    revision = viewer_server.store.revision()
    notice = vpage.locator("#read-only-notice")
    assert notice.is_visible() and "閲覧のみの権限です" in notice.inner_text()
    assert "市の管理者に編集権限を依頼してください" in notice.inner_text()
    listed = vpage.locator("#place-list > li").count()
    every = PlaceQuery(
        city=CITY, kinds=("gathering", "venue"), statuses=("active", "paused", "closed")
    )
    assert listed == len(viewer_server.store.places(every)) and listed > 200
    assert vpage.locator("#list-heading").inner_text().startswith("市内の場所（閲覧のみ）")
    assert vpage.locator("#new-place").is_hidden()
    vpage.screenshot(path=str(artifacts / "editor-viewer-list.png"))
    assert run_axe(vpage, axe_source) == []

    place = sample(viewer_server)
    open_place(vpage, place)
    # every field, the internal contact too
    assert vpage.input_value("#p-name") == place.name
    assert vpage.input_value("#p-phone") == place.phone
    assert vpage.input_value("#p-internal_contact") == place.internal_contact
    assert vpage.locator("#rules .rule").count() == len(place.schedule_rules or [])
    # no button that would change it; the residents' card is still a link away
    for button in (
        "#save",
        "#verify",
        "#pause",
        "#close-place",
        "#reopen",
        "#rule-add",
        "#schedule-from-rules",
        "#address-locate",
        "#town-find",
    ):
        assert vpage.locator(button).is_hidden(), button
    assert vpage.locator("#rules .rule-remove:visible").count() == 0
    assert vpage.locator("#view-card").is_visible()
    # text fields: readonly, labelled, focusable; typing changes nothing
    for field in ("#p-name", "#p-phone", "#p-internal_contact", "#p-schedule", "#p-lat"):
        state = vpage.evaluate(
            """(sel) => { const e = document.querySelector(sel); e.focus();
               return { ro: e.readOnly, disabled: e.disabled, focused: document.activeElement === e,
                        label: e.labels.length ? e.labels[0].textContent.trim() : '' }; }""",
            field,
        )
        assert state["ro"] and not state["disabled"] and state["focused"] and state["label"], field
        before = vpage.input_value(field)
        vpage.keyboard.type("9 改")
        vpage.keyboard.press("Backspace")
        assert vpage.input_value(field) == before, field
    # what has no read-only state is disabled (its label still names it)
    assert vpage.locator("#p-category").is_disabled()
    assert vpage.locator("#p-location_precision").is_disabled()
    boxes = vpage.locator("#rules input[type=checkbox], #rules input[type=radio]")
    assert boxes.count() > 7 and all(boxes.nth(i).is_disabled() for i in range(boxes.count()))
    assert all(
        vpage.locator("#rules input[type=time]").nth(i).get_attribute("readonly") is not None
        for i in range(vpage.locator("#rules input[type=time]").count())
    )
    # Enter in a field, a tap on the map: nothing is sent, the pin stays
    vpage.focus("#p-name")
    vpage.keyboard.press("Enter")
    lat = vpage.input_value("#p-lat")
    box = vpage.locator("#map").bounding_box()
    vpage.mouse.click(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    assert vpage.input_value("#p-lat") == lat
    assert not vpage.evaluate("() => Tsudoi.edit.unsaved()")

    # the history is there to read, without restore buttons
    vpage.click("#history summary")
    vpage.wait_for_selector("#history-list li")
    assert vpage.locator("#history-list .restore-button:visible").count() == 0
    vpage.screenshot(path=str(artifacts / "editor-viewer-form.png"), full_page=True)
    assert run_axe(vpage, axe_source) == []

    # the areas' contacts: every area's, read-only, nothing to add, remove or save
    vpage.click("#form-close")
    vpage.click("#contacts summary")
    area = next(a for a in viewer_server.store.areas(CITY) if a.contacts)
    vpage.select_option("#contact-area", area.id)
    rows = vpage.locator("#contact-rows .contact-row")
    assert rows.count() == len(area.contacts)
    name = rows.first.locator('input[data-key="name"]')
    assert name.input_value() == area.contacts[0].name
    assert name.get_attribute("readonly") is not None
    name.focus()
    vpage.keyboard.type("x")
    assert name.input_value() == area.contacts[0].name
    assert vpage.locator("#contact-add").is_hidden()
    assert vpage.locator("#contacts-form button[type=submit]").is_hidden()
    assert vpage.locator("#contact-rows .contact-remove:visible").count() == 0
    assert run_axe(vpage, axe_source) == []
    assert viewer_server.store.revision() == revision


def test_the_keyboard_reaches_the_read_only_fields_and_no_save(
    vpage: Any, viewer_server: Server
) -> None:
    open_place(vpage, sample(viewer_server))
    vpage.focus("#form-title")
    seen: list[str] = []
    for _ in range(80):
        vpage.keyboard.press("Tab")
        seen.append(vpage.evaluate("() => document.activeElement.id"))
        if seen[-1] == "p-lon":
            break
    for wanted in (
        "view-card",
        "p-name",
        "p-phone",
        "p-internal_contact",
        "p-schedule",
        "p-address",
        "p-lat",
        "p-lon",
    ):
        assert wanted in seen, f"{wanted} is not reached by Tab"
    assert not {"save", "verify", "rule-add", "town-q"} & set(seen)
