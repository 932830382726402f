"""The write API with the sign-in session instead of a token, on both stores: a signed-in
person's change needs the session's CSRF token (403 without it, nothing written), is recorded as
``user:{email}`` via ``editor``, sees internal fields, and stops the moment the person is
disabled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo.accounts import User
from geo.store.base import Store
from service.app import create_app
from service.auth.passwords import hash_password
from tests.auth_setup import form_token, sign_in
from tests.editing_city import NIIGATA, WEST, build

EMAIL = "coordinator@example.jp"
PASSWORD = "session writes passphrase"


@pytest.fixture
def signed_in(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, Store, str, str]]:
    """A coordinator of the west area signed in; the west salon's id and its session token."""
    _, _, west, _ = build(store, tmp_path)
    store.put_user(User(EMAIL, NIIGATA, "coordinator", hash_password(PASSWORD), [WEST]))
    with TestClient(create_app(store)) as client:
        assert sign_in(client, EMAIL, PASSWORD).status_code == 303
        token = form_token(client.get("/logout").text)
        yield client, store, west, token


def test_a_session_change_needs_the_csrf_token_and_is_recorded_via_the_editor(
    signed_in: tuple[TestClient, Store, str, str],
) -> None:
    client, store, west, token = signed_in
    read = client.get(f"/api/places/{west}")
    assert read.json()["properties"]["internal_contact"] == "代表 090-0000-0001"  # a city's role
    etag = read.headers["etag"]
    before = len(store.changes("place", west))
    refused = client.patch(f"/api/places/{west}", json={"phone": "025-999-0000"},
                           headers={"If-Match": etag})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert len(store.changes("place", west)) == before
    done = client.patch(f"/api/places/{west}", json={"phone": "025-999-0000"},
                        headers={"If-Match": etag, "X-CSRF-Token": token})
    assert done.status_code == 200, done.text
    newest = store.changes("place", west)[-1]
    assert (newest.who, newest.via) == (f"user:{EMAIL}", "editor")
    assert newest.fields["phone"] == ["025-111-1111", "025-999-0000"]


def test_a_disabled_persons_session_writes_nothing(
    signed_in: tuple[TestClient, Store, str, str],
) -> None:
    client, store, west, token = signed_in
    etag = client.get(f"/api/places/{west}").headers["etag"]
    user = store.user(EMAIL)
    assert user is not None
    user.disabled = True
    store.put_user(user)
    refused = client.post(f"/api/places/{west}/verify",
                          headers={"If-Match": etag, "X-CSRF-Token": token})
    assert refused.status_code == 401
    assert "internal_contact" not in client.get(f"/api/places/{west}").json()["properties"]
