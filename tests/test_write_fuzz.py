"""Hostile input to every write route of issue 9 on both stores: whatever a caller sends
(any JSON value, bytes that are not JSON, odd headers, odd ids), the answer is never a 5xx, a
4xx is problem+json naming what was wrong, and nothing is written when the request is refused.

Hypothesis draws the inputs; each test builds its city once and throws many examples at it."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from geo.store.base import Store
from service.app import create_app
from service.auth.tokens import create_token
from tests.editing_city import NIIGATA, WEST, WEST_POINT, build

FUZZ = settings(
    max_examples=100, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip

PLACE_FIELDS = (
    "name", "category", "kind", "lon", "lat", "status", "location_precision", "schedule_rules",
    "schedule", "phone", "email", "url", "kana", "address", "fee", "organiser", "description",
    "accessibility", "internal_contact", "extra", "last_verified", "id", "city", "source",
    "demo", "type", "geometry", "properties", "contacts",
)  # fmt: skip

# Text a store may choke on: NUL, lone surrogates, control characters, long runs.
nasty_text = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(codec=None, categories=None), max_size=12),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e", "\x1b[31m", "\r\n",
                     "𠮷", "null", "NaN", "1e309", "-0", "", " ", "\ufeff"]),
    st.integers(1, 6).map(lambda n: "長" * (1000 * n)),
)  # fmt: skip
numbers = st.one_of(
    st.integers(), st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([-0.0, 0, 1e308, -1e308]),
)  # fmt: skip
scalars = st.one_of(st.none(), st.booleans(), numbers, nasty_text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)
    ),
    max_leaves=12,
)
rule = st.dictionaries(
    st.sampled_from(["weekdays", "start", "end", "weeks", "every", "from", "until", "dates",
                     "holidays", "nth", "month_days", "except", "x"]),
    values, max_size=5,
)  # fmt: skip
field_values = st.one_of(values, st.lists(rule, max_size=3), rule)
place_bodies = st.one_of(
    values,
    st.dictionaries(st.sampled_from(PLACE_FIELDS), field_values, max_size=6),
    st.builds(lambda extra: {"name": "x", "category": "salon", "lon": WEST_POINT[0],
                             "lat": WEST_POINT[1], **extra},
              st.dictionaries(st.sampled_from(PLACE_FIELDS), field_values, max_size=3)),
)  # fmt: skip


def encode(value: Any) -> bytes:
    """JSON as a careless client writes it: NaN/Infinity as bare words, surrogates escaped."""
    return json.dumps(value, allow_nan=True).encode()


raw_bodies = st.one_of(
    place_bodies.map(encode),
    st.binary(max_size=64),
    st.sampled_from([b"", b" ", b"{", b"[", b'{"a":', b"\xff\xfe{}", b"\xef\xbb\xbf{}",
                     b'{"name": "\\ud800"}', b'{"name": NaN}', b'{"lat": 1e309}',
                     b'{"a":1,"a":2}', b"[" * 5000 + b"]" * 5000, b'"' + b"x" * 1_000_001 + b'"',
                     b'{"name": "a\\u0000b"}', b"null", b"-0", b"1e309"]),
)  # fmt: skip
content_types = st.sampled_from([
    "application/json", "application/merge-patch+json", "text/plain", "",
    "application/x-www-form-urlencoded", "multipart/form-data", "application/json; charset=latin1",
    "application/json; charset=utf-16",
])  # fmt: skip
if_matches = st.one_of(
    st.sampled_from(["", "*", '"*"', "W/", 'W/""', '""', '"', ",", ", ,", '"a", *', "W/W/\"x\"",
                     "\t", "null"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.integers(1, 20).map(lambda n: '"' + "a" * (1000 * n) + '"'),
    st.lists(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=10),
             max_size=5).map(lambda tags: ", ".join(f'W/"{t}"' for t in tags)),
)  # fmt: skip
authorizations = st.one_of(
    st.sampled_from(["", "Bearer", "Bearer ", "Bearer  ", "bearer x", "Basic YWRtaW46YWRtaW4=",
                     "Basic", "Digest x", "Bearer tsd_", "Bearer " + "x" * 5000, "Token x"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60).map(
        lambda s: "Bearer " + s),
)  # fmt: skip
bad_ids = st.one_of(
    st.sampled_from(["%00", "a%00b", "..", "%2e%2e", "a%2Fb", "%2F", "%E3%81%82", "%ED%A0%80",
                     "%FF", "x" * 5000, "%20", "15100-editor-" + "0" * 100, "%0A", "~", "@"]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/?#%"),
            min_size=1, max_size=30).filter(lambda s: s.strip(".")),  # "." is the client's
)  # fmt: skip


class Fuzzed:
    """The city, a client that answers 500 instead of raising, and an admin token."""

    def __init__(self, store: Store, client: TestClient, west: str, admin: str) -> None:
        self.store = store
        self.client = client
        self.west = west
        self.admin = {"Authorization": f"Bearer {admin}"}

    def etag(self, place_id: str) -> str:
        return str(self.client.get(f"/api/places/{place_id}").headers["etag"])

    def area_etag(self) -> str:
        return str(self.client.get(f"/api/areas/{WEST}").headers["etag"])


@pytest.fixture
def fuzzed(store: Store, tmp_path: Path) -> Iterator[Fuzzed]:
    store, _, west, _ = build(store, tmp_path)
    admin = create_token(store, NIIGATA, "admin")[1]
    raise_errors = bool(os.environ.get("FUZZ_RAISE"))  # set it to see a 500's traceback
    with TestClient(create_app(store), raise_server_exceptions=raise_errors) as client:
        yield Fuzzed(store, client, west, admin)


def answered(response: Response, html_ok: bool = False) -> Response:
    """Never a 5xx; a refusal is problem+json with status, title and detail (or, for a page
    with its own form, HTML)."""
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    if currently_in_test_context():
        event(f"status {response.status_code}")
    if response.status_code >= 400:
        kind = response.headers.get("content-type", "")
        if html_ok and kind.startswith("text/html"):
            return response
        assert kind.startswith("application/problem+json"), (kind, response.text[:500])
        body = response.json()
        assert body["status"] == response.status_code
        assert body["title"] and body["detail"]
    return response


def unchanged_when_refused(f: Fuzzed, response: Response, revision: int) -> None:
    if response.status_code >= 400:
        assert f.store.revision() == revision, response.text[:500]


def _refused_json(body: Any) -> bool:
    """Whether this parsed body cannot be a valid write (so a 2xx must not happen)."""
    return not isinstance(body, dict)


# -- places --------------------------------------------------------------------------------------


@FUZZ
@given(body=raw_bodies, kind=content_types)
@example(body=b'{"name": "\\ud800", "category": "salon", "lon": 139.031, "lat": 37.91}',
         kind="application/json")
@example(body=b'{"name": "x", "category": "salon", "lon": 139.031, "lat": 37.91, '
              b'"extra": {"\\udfff": 1}}', kind="application/json")
def test_create_place_never_fails(fuzzed: Fuzzed, body: bytes, kind: str) -> None:
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.post(
        f"/api/cities/{NIIGATA}/places", content=body,
        headers={**fuzzed.admin, "Content-Type": kind},
    ))  # fmt: skip
    unchanged_when_refused(fuzzed, got, before)
    if got.status_code == 201:
        assert fuzzed.client.get(got.headers["location"]).status_code == 200


@FUZZ
@given(body=raw_bodies, kind=content_types)
@example(body=b'{"phone": "\\udc00"}', kind="application/json")
@example(body=b'{"schedule_rules": [{"weekdays": [1e309]}]}', kind="application/json")
def test_patch_place_never_fails(fuzzed: Fuzzed, body: bytes, kind: str) -> None:
    before = fuzzed.store.revision()
    stored = fuzzed.store.place(fuzzed.west)
    got = answered(fuzzed.client.patch(
        f"/api/places/{fuzzed.west}", content=body,
        headers={**fuzzed.admin, "Content-Type": kind, "If-Match": fuzzed.etag(fuzzed.west)},
    ))  # fmt: skip
    unchanged_when_refused(fuzzed, got, before)
    if got.status_code >= 400:
        assert fuzzed.store.place(fuzzed.west) == stored


@FUZZ
@given(patch=st.dictionaries(st.sampled_from(PLACE_FIELDS), field_values, min_size=1,
                             max_size=3))  # fmt: skip
@example(patch={"lon": float("nan")})
@example(patch={"lat": -0.0, "lon": 1e308})
@example(patch={"status": ["closed"]})
@example(patch={"extra": {"a": "\x00"}})
def test_patch_fields_of_every_type(fuzzed: Fuzzed, patch: dict[str, Any]) -> None:
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.patch(
        f"/api/places/{fuzzed.west}", content=encode(patch),
        headers={**fuzzed.admin, "Content-Type": "application/json",
                 "If-Match": fuzzed.etag(fuzzed.west)},
    ))  # fmt: skip
    unchanged_when_refused(fuzzed, got, before)
    if got.status_code == 200:  # what was accepted reads back as JSON, finite
        back = fuzzed.client.get(f"/api/places/{fuzzed.west}", headers=fuzzed.admin)
        assert back.status_code == 200
        lon, lat = back.json()["geometry"]["coordinates"]
        assert math.isfinite(lon) and math.isfinite(lat)


@FUZZ
@given(if_match=if_matches, auth=authorizations, use_auth=st.booleans())
@example(if_match="*", auth="", use_auth=False)
def test_headers_of_every_shape(fuzzed: Fuzzed, if_match: str, auth: str, use_auth: bool) -> None:
    """If-Match and Authorization of any shape: 401/403/412/428, never 5xx, nothing written."""
    headers = {"If-Match": if_match, "Content-Type": "application/json"}
    headers.update({"Authorization": auth} if use_auth else fuzzed.admin)
    before = fuzzed.store.revision()
    for method, path, body in (
        ("PATCH", f"/api/places/{fuzzed.west}", {"phone": "025-999-9999"}),
        ("POST", f"/api/places/{fuzzed.west}/verify", None),
        ("POST", f"/api/places/{fuzzed.west}/restore", {"change": 1}),
        ("PATCH", f"/api/areas/{WEST}", {"contacts": []}),
        ("GET", f"/api/places/{fuzzed.west}/history", None),
        ("GET", f"/api/areas/{WEST}/history", None),
    ):
        got = answered(fuzzed.client.request(method, path, content=encode(body) if body else b"",
                                              headers=headers))  # fmt: skip
        assert use_auth or got.status_code != 200 or method == "GET" or "verify" in path
        if use_auth and got.status_code < 400 and method != "GET":
            assert auth.startswith("Bearer "), "a write without a valid token went through"
        unchanged_when_refused(fuzzed, got, before)
        before = fuzzed.store.revision()


@FUZZ
@given(place_id=bad_ids, body=st.sampled_from([b"{}", b'{"phone": "1"}', b'{"change": 1}']))
def test_bad_ids(fuzzed: Fuzzed, place_id: str, body: bytes) -> None:
    before = fuzzed.store.revision()
    headers = {**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west),
               "Content-Type": "application/json"}  # fmt: skip
    for method, path in (
        ("PATCH", f"/api/places/{place_id}"),
        ("POST", f"/api/places/{place_id}/verify"),
        ("GET", f"/api/places/{place_id}/history"),
        ("POST", f"/api/places/{place_id}/restore"),
        ("GET", f"/api/areas/{place_id}"),
        ("PATCH", f"/api/areas/{place_id}"),
        ("GET", f"/api/areas/{place_id}/history"),
        ("POST", f"/api/cities/{place_id}/places"),
        ("GET", f"/edit/{place_id}/places.json"),
        ("GET", f"/edit/{place_id}/stale.csv"),
        ("GET", f"/edit/{place_id}/locate?address=x"),
        ("GET", f"/edit/{place_id}"),
    ):
        got = fuzzed.client.request(method, path, content=body, headers=headers,
                                    follow_redirects=False)  # fmt: skip
        answered(got, html_ok=path.startswith("/edit/"))
        assert fuzzed.store.revision() == before, (method, path)


@FUZZ
@given(change=values)
@example(change=float("inf"))
@example(change=10**400)
@example(change=-(2**63) - 1)
@example(change=2**63)
@example(change=True)
@example(change="1")
@example(change=1.5)
@example(change=-0.0)
def test_restore_with_change_ids_of_every_type(fuzzed: Fuzzed, change: Any) -> None:
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.post(
        f"/api/places/{fuzzed.west}/restore", content=encode({"change": change}),
        headers={**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west),
                 "Content-Type": "application/json"},
    ))  # fmt: skip
    unchanged_when_refused(fuzzed, got, before)


# -- areas ---------------------------------------------------------------------------------------

contact = st.dictionaries(
    st.sampled_from(["role", "name", "phone", "email", "url", "note", "hours", "x"]), values,
    max_size=5)  # fmt: skip


@FUZZ
@given(body=st.one_of(raw_bodies, st.builds(lambda c: encode({"contacts": c}),
                                            st.one_of(values, st.lists(contact, max_size=3)))))
@example(body=b'{"contacts": [{"role": "\\ud800", "name": "x"}]}')
@example(body=b'{"contacts": [{"role": "a", "name": "b", "phone": 1e309}]}')
def test_patch_area_never_fails(fuzzed: Fuzzed, body: bytes) -> None:
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.patch(
        f"/api/areas/{WEST}", content=body,
        headers={**fuzzed.admin, "If-Match": fuzzed.area_etag(),
                 "Content-Type": "application/json"},
    ))  # fmt: skip
    unchanged_when_refused(fuzzed, got, before)


# -- the public preview --------------------------------------------------------------------------


@FUZZ
@given(body=st.one_of(raw_bodies,
                      st.builds(lambda r: encode({"schedule_rules": r}),
                                st.one_of(values, st.lists(rule, max_size=3)))))  # fmt: skip
@example(body=b'{"schedule_rules": [{"weekdays": [1], "start": "10:00", "end": "12:00", '
              b'"weeks": [1e309]}]}')
def test_schedule_preview_never_fails(fuzzed: Fuzzed, body: bytes) -> None:
    answered(fuzzed.client.post("/api/schedule/preview", content=body,
                                headers={"Content-Type": "application/json"}))  # fmt: skip


# -- the sign-in form and the editor -------------------------------------------------------------

def _sendable(text: str) -> bool:
    """What a client can put in a URL or form (no lone surrogates, no huge redirect)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return len(text) <= 1500


query_text = nasty_text.filter(_sendable)
form_values = st.one_of(query_text,
                        st.integers(1, 4).map(lambda n: "p" * (100_000 * n)))  # fmt: skip


@FUZZ
@given(fields=st.lists(st.tuples(st.sampled_from(["email", "password", "csrf_token", "next",
                                                  "lang", "x"]), form_values), max_size=8),
       kind=content_types, raw=st.one_of(st.none(), st.binary(max_size=80)))  # fmt: skip
@example(fields=[("email", "a"), ("email", "b"), ("csrf_token", "")], kind="", raw=None)
def test_login_form_never_fails(fuzzed: Fuzzed, fields: list[tuple[str, str]], kind: str,
                                raw: bytes | None) -> None:  # fmt: skip
    fuzzed.client.cookies.clear()
    page = fuzzed.client.get("/login")
    assert page.status_code == 200
    if raw is None:
        got = fuzzed.client.post("/login", data=fields, follow_redirects=False)
    else:
        got = fuzzed.client.post("/login", content=raw, headers={"Content-Type": kind},
                                 follow_redirects=False)  # fmt: skip
    answered(got, html_ok=True)
    assert got.status_code != 303  # nobody is a user here
    out = fuzzed.client.post("/logout", data=fields, follow_redirects=False)
    answered(out, html_ok=True)


@FUZZ
@given(address=st.one_of(query_text, st.just("x" * 301)), lang=st.one_of(st.none(), query_text),
       months=st.one_of(st.none(), query_text))  # fmt: skip
def test_editor_reads_never_fail(fuzzed: Fuzzed, address: str, lang: str | None,
                                 months: str | None) -> None:  # fmt: skip
    params: dict[str, str] = {}
    if lang is not None:
        params["lang"] = lang
    if months is not None:
        params["months"] = months
    for path in (f"/edit/{NIIGATA}", f"/edit/{NIIGATA}/places.json", f"/edit/{NIIGATA}/stale.csv"):
        for headers in (fuzzed.admin, {}):
            got = fuzzed.client.get(path, params=params, headers=headers, follow_redirects=False)
            answered(got, html_ok=path == f"/edit/{NIIGATA}")
    got = fuzzed.client.get(f"/edit/{NIIGATA}/locate", params={"address": address, **params},
                            headers=fuzzed.admin)  # fmt: skip
    answered(got)


# -- what was accepted can be undone; sessions with any CSRF header ------------------------------

text_fields = st.sampled_from(["phone", "description", "schedule", "kana", "internal_contact",
                               "fee", "address"])  # fmt: skip


@FUZZ
@given(edits=st.lists(st.one_of(
    st.dictionaries(text_fields, st.one_of(st.none(), nasty_text), min_size=1, max_size=3),
    st.builds(lambda e: {"extra": e}, st.one_of(st.none(), st.dictionaries(nasty_text, values,
                                                                            max_size=3))),
), min_size=1, max_size=4), back=st.integers(0, 5))  # fmt: skip
def test_restore_after_any_accepted_edits(fuzzed: Fuzzed, edits: list[dict[str, Any]],
                                          back: int) -> None:  # fmt: skip
    """Whatever the API accepted, restoring to any change of the history is never a 5xx."""
    for edit in edits:
        answered(fuzzed.client.patch(
            f"/api/places/{fuzzed.west}", content=encode(edit),
            headers={**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west),
                     "Content-Type": "application/json"},
        ))  # fmt: skip
    history = fuzzed.store.changes("place", fuzzed.west)
    change = history[min(back, len(history) - 1)].id
    got = answered(fuzzed.client.post(
        f"/api/places/{fuzzed.west}/restore", content=encode({"change": change}),
        headers={**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west),
                 "Content-Type": "application/json"},
    ))  # fmt: skip
    assert got.status_code == 200, got.text
    answered(fuzzed.client.get(f"/api/places/{fuzzed.west}/history", headers=fuzzed.admin))


@FUZZ
@given(csrf=st.one_of(st.none(), st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                                         max_size=80)),
       cookie=st.one_of(st.none(), st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                                         exclude_characters=";,\\\""),
                                           max_size=200)))  # fmt: skip
def test_session_writes_with_any_csrf_header(fuzzed: Fuzzed, csrf: str | None,
                                             cookie: str | None) -> None:  # fmt: skip
    """A session write with a wrong or missing X-CSRF-Token, or a forged session cookie, is a
    401/403 problem, and writes nothing."""
    fuzzed.client.cookies.clear()
    if cookie is not None:
        fuzzed.client.cookies.set("tsudoi_session", cookie)
    headers = {"Content-Type": "application/json", "If-Match": fuzzed.etag(fuzzed.west)}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.patch(f"/api/places/{fuzzed.west}",
                                       content=b'{"phone": "0"}', headers=headers))  # fmt: skip
    assert got.status_code in (401, 403), got.text
    assert fuzzed.store.revision() == before
    fuzzed.client.cookies.clear()


# -- the failures fuzzing found, kept as plain regression tests ----------------------------------


@pytest.mark.parametrize("body, field", [
    (b'{"name": "\\ud800", "category": "salon", "lon": 139.031, "lat": 37.91}', "name"),
    (b'{"name": "x", "category": "salon", "lon": 139.031, "lat": 37.91, "extra": {"\\udfff": 1}}',
     "extra.\\udfff"),
    (b'{"name": "x", "category": "salon", "lon": 139.031, "lat": 37.91, '
     b'"schedule_rules": [{"weekdays": [1], "start": "10:00", "end": "\\udc00"}]}',
     "schedule_rules[0].end"),
])  # fmt: skip
def test_lone_surrogate_is_a_422_naming_the_field(fuzzed: Fuzzed, body: bytes,
                                                  field: str) -> None:  # fmt: skip
    """A ``\\ud800`` escape is valid JSON but no UTF-8 text: it was a 500 from the store
    (GeoPackage and PostGIS alike); now a 422 naming where it is, and nothing is written."""
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.post(f"/api/cities/{NIIGATA}/places", content=body,
                                      headers={**fuzzed.admin,
                                               "Content-Type": "application/json"}))  # fmt: skip
    assert got.status_code == 422
    assert [(p["field"], "surrogate" in p["reason"]) for p in got.json()["problems"]] == [
        (field, True)]
    assert fuzzed.store.revision() == before
    patched = answered(fuzzed.client.patch(
        f"/api/places/{fuzzed.west}", content=b'{"phone": "\\udc00"}',
        headers={**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west)},
    ))  # fmt: skip
    assert patched.status_code == 422 and "phone" in patched.text
    area = answered(fuzzed.client.patch(
        f"/api/areas/{WEST}", content=b'{"contacts": [{"role": "\\ud800", "name": "x"}]}',
        headers={**fuzzed.admin, "If-Match": fuzzed.area_etag()},
    ))  # fmt: skip
    assert area.status_code == 422 and "contacts[0].role" in area.text
    assert fuzzed.store.revision() == before


@pytest.mark.parametrize("extra", [str(2**64), str(-(2**63) - 1), "1" + "0" * 400, str(2**53),
                                   "1e20", "-1.5e300", "1e309"])  # fmt: skip
def test_huge_number_is_a_422_naming_the_field(fuzzed: Fuzzed, extra: str) -> None:
    """``extra: {"n": 18446744073709551616}`` was stored, then the answer failed to render
    (orjson: "Integer exceeds 64-bit range", a 500 after the write); on PostGIS ``1e20`` did
    the same, as jsonb gives it back as the integer 100000000000000000000. Now a 422."""
    before = fuzzed.store.revision()
    got = answered(fuzzed.client.patch(
        f"/api/places/{fuzzed.west}", content=f'{{"extra": {{"n": {extra}}}}}'.encode(),
        headers={**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west)},
    ))  # fmt: skip
    assert got.status_code == 422
    assert [p["field"] for p in got.json()["problems"]] == ["extra.n"]
    assert fuzzed.client.get(f"/api/places/{fuzzed.west}").status_code == 200
    assert fuzzed.store.revision() == before
    ok = answered(fuzzed.client.patch(
        f"/api/places/{fuzzed.west}", content=encode({"extra": {"n": 2**53 - 1}}),
        headers={**fuzzed.admin, "If-Match": fuzzed.etag(fuzzed.west)},
    ))  # fmt: skip
    assert ok.status_code == 200 and ok.json()["properties"]["extra"]["n"] == 2**53 - 1
