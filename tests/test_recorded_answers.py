"""Recorded answers: the HTTP API and the CLI reports, byte for byte, as they were recorded.

Why this file exists: the code is being restructured (modules move into subpackages) under the
rule that behaviour does not change. The other tests check properties; this one pins the exact
answers. It loads the demo cities (15100 新潟市, 35202 宇部市, 35215 周南市) once per store
(GeoPackage and PostGIS), sends a fixed list of GET requests and compares each answer's status,
content type and body with the file recorded under ``tests/data/recorded/``; it runs the
``tsudoi`` command on the repository's own test files (import reports) and on the demo
(coverage, suggest) and compares stdout and the exit code. Both stores are held to the same
recordings.

What is not compared, and why: ``updated_at`` (when the store was written) and the MILP
solver's ``seconds`` are replaced by ``"<volatile>"`` before recording and comparing; temporary
paths, the repository's path and the PostGIS URL become ``<TMP>``, ``<REPO>`` and ``<DB>``.
The keys inside ``schedule_rules`` are sorted: PostGIS (jsonb) and the GeoPackage store give
the same rules with their keys in a different order. The store revision appears in no answer.
Requests with ``simplify_m`` run on a store opened for them alone (see ``Call.alone``).
次回開催 (``next_date``) depends on the clock: every request runs with the clock frozen by
time-machine (which patches ``datetime.now``, ``date.today`` and ``time.time`` themselves, so
it holds wherever the code that asks for the time lives), at ``NOW`` unless a request names
another moment; the CLI runs under the same frozen clock.

Re-record after an intended change, then review ``git diff tests/data/recorded``::

    TSUDOI_RECORD=1 python -m pytest -p no:cacheprovider tests/test_recorded_answers.py

The first store to answer a request records it; the other is compared with that recording in
the same run. Without ``TSUDOI_RECORD=1`` a missing recording fails. Bodies larger than
``GZIP_ABOVE`` bytes are stored gzipped; the bytes compared are the uncompressed body.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import json
import math
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.store.base import Store
from geo.store.gpkg import GpkgStore
from geo.store.postgis import PostgisStore
from service.app import create_app
from service.demo import load_demo

RECORD_ENV = "TSUDOI_RECORD"
RECORDING = os.environ.get(RECORD_ENV) == "1"
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RECORDED = HERE / "data" / "recorded"
INDEX = RECORDED / "index.json"
IMPORTS = HERE / "data" / "imports"
POPULATION = HERE / "data" / "population"
READERS = HERE / "data" / "readers"
GZIP_ABOVE = 100_000
DIFF_LINES = 40
CLI_WORKERS = min(4, os.cpu_count() or 1)  # commands run side by side
VOLATILE = '"<volatile>"'
STORE_TABLES = ("places", "areas", "categories", "cities", "towns", "networks", "population")

JST = ZoneInfo("Asia/Tokyo")
# A Wednesday morning two days before 春分の日 (Fri 2026-03-20): sessions already running today
# still count, the week-of-month rules and the holiday skip all show.
NOW = datetime(2026, 3, 18, 10, 20, tzinfo=JST)
# The last working days of the year: 次回開催 skips 年末年始 (12/29–1/3).
YEAR_END = datetime(2026, 12, 28, 15, 5, tzinfo=JST)

NIIGATA_STATION = {"lat": 37.9161, "lon": 139.0236}
NIIGATA_SOUTH = {"lat": 37.80, "lon": 139.10}
NIIGATA_SEA = {"lat": 38.05, "lon": 138.95}
UBE_CENTRE = {"lat": 33.95, "lon": 131.25}
UBE_EAST = {"lat": 33.944, "lon": 131.288}


# -- the requests ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One GET request of the recorded list."""

    name: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    at: datetime = NOW
    # on a store opened for this request alone: GET /areas?simplify_m= simplifies the areas the
    # GeoPackage store keeps in memory in place, which every later answer would then show
    alone: bool = False

    @property
    def label(self) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.params) if self.params else ""
        when = "" if self.at == NOW else f"  (clock at {self.at.isoformat()})"
        return f"GET {self.path}{query}{when}"


def get(name: str, path: str, *points: dict[str, float], at: datetime = NOW,
        **params: str | int | float) -> Call:
    """A request; ``points`` ({"lat", "lon"}) come first in the query, then ``params``."""
    query = [(k, str(v)) for p in points for k, v in p.items()]
    query += [(k, str(v)) for k, v in params.items()]
    return Call(name, path, tuple(query), at, alone="simplify_m" in params)


C15, C35 = "/api/cities/15100", "/api/cities/35202"
NIIGATA_BBOX = "139.0,37.8,139.2,38.0"

CALLS: list[Call] = [
    get("healthz", "/healthz"),
    # cities
    get("cities", "/api/cities"),
    get("city-15100", C15),
    get("city-35202", C35),
    get("city-99999-404", "/api/cities/99999"),
    get("city-13101-not-held-404", "/api/cities/13101"),
    get("city-not-a-code-404", "/api/cities/niigata"),
    # categories
    get("categories", "/api/categories"),
    get("categories-15100", "/api/categories", city="15100"),
    get("categories-35202", "/api/categories", city="35202"),
    get("categories-99999-404", "/api/categories", city="99999"),
    # areas
    get("areas-15100-level1", f"{C15}/areas", level=1),
    get("areas-15100-level2-simplify50", f"{C15}/areas", level=2, simplify_m=50),
    get("areas-15100-simplify20", f"{C15}/areas", simplify_m=20),
    get("areas-15100-level3-empty", f"{C15}/areas", level=3),
    get("areas-35202", f"{C35}/areas"),
    get("areas-35202-level2", f"{C35}/areas", level=2),
    get("areas-35202-simplify10", f"{C35}/areas", simplify_m=10),
    get("areas-99999-404", "/api/cities/99999/areas"),
    get("areas-at-15100-station", f"{C15}/areas/at", NIIGATA_STATION),
    get("areas-at-15100-south", f"{C15}/areas/at", NIIGATA_SOUTH),
    get("areas-at-15100-sea", f"{C15}/areas/at", NIIGATA_SEA),
    get("areas-at-35202-centre", f"{C35}/areas/at", UBE_CENTRE),
    get("areas-at-35202-in-15100", f"{C35}/areas/at", NIIGATA_STATION),
    # places
    get("places-15100", f"{C15}/places"),
    get("places-15100-all", f"{C15}/places", status="all", kind="all"),
    get("places-15100-salon-bbox", f"{C15}/places", category="salon", bbox=NIIGATA_BBOX),
    get("places-15100-two-categories", f"{C15}/places", category="chanoma,dementia-cafe"),
    get("places-15100-venues", f"{C15}/places", kind="venue"),
    get("places-15100-paused-closed", f"{C15}/places", status="paused,closed", kind="all"),
    get("places-15100-ward-15103", f"{C15}/places", area="15100-L1-15103"),
    get("places-15100-area-d07-all", f"{C15}/places", area="15100-L2-d07", status="all"),
    get("places-15100-q-cafe-page", f"{C15}/places", q="カフェ", limit=5, offset=2),
    get("places-15100-q-halfwidth", f"{C15}/places", q="ｻﾛﾝ", limit=3),
    get("places-15100-limit10", f"{C15}/places", limit=10),
    get("places-15100-offset200", f"{C15}/places", offset=200, status="all"),
    get("places-15100-unknown-area-404", f"{C15}/places", area="15100-zz"),
    get("places-35202", f"{C35}/places"),
    get("places-35202-all", f"{C35}/places", status="all", kind="all"),
    get("places-35202-area-d01", f"{C35}/places", area="35202-L2-d01"),
    get("places-35202-kayoinoba-all", f"{C35}/places", category="kayoinoba", status="all"),
    get("places-99999-404", "/api/cities/99999/places"),
    get("places-15100-year-end", f"{C15}/places", category="salon", at=YEAR_END),
    get("places-35202-year-end", f"{C35}/places", at=YEAR_END),
    # one place
    get("place-15100-chanoma", "/api/places/15100-places-d0014"),
    get("place-15100-private-home", "/api/places/15100-places-d0017"),
    get("place-15100-paused-home", "/api/places/15100-places-d0052"),
    get("place-15100-hall", "/api/places/15100-halls-E1510000010111"),
    get("place-35202-chanoma", "/api/places/35202-places-d0001"),
    get("place-35202-hall", "/api/places/35202-halls-P20-373"),
    get("place-unknown-404", "/api/places/15100-places-d9999"),
    # nearby
    get("nearby-15100-station", "/api/places/nearby", NIIGATA_STATION, limit=20),
    get("nearby-15100-venues", "/api/places/nearby", NIIGATA_SOUTH, limit=5, kind="venue"),
    get("nearby-15100-salon-city", "/api/places/nearby", NIIGATA_STATION, limit=8,
        category="salon", city="15100"),
    get("nearby-35202-centre", "/api/places/nearby", UBE_CENTRE),
    get("nearby-35202-all-city", "/api/places/nearby", UBE_EAST, limit=15, city="35202",
        status="all", kind="all"),
    get("nearby-35202-from-15100", "/api/places/nearby", NIIGATA_STATION, limit=3,
        city="35202"),
    get("nearby-city-99999-404", "/api/places/nearby", UBE_CENTRE, city="99999"),
    # walks
    get("walks-15100-station", f"{C15}/walks", NIIGATA_STATION),
    get("walks-35202-centre", f"{C35}/walks", UBE_CENTRE),
    get("walks-35202-east", f"{C35}/walks", UBE_EAST),
    get("walks-99999-404", "/api/cities/99999/walks", UBE_CENTRE),
    # towns
    get("towns-15100-first", f"{C15}/towns"),
    get("towns-15100-sumire", f"{C15}/towns", q="すみれ"),
    get("towns-15100-katakana", f"{C15}/towns", q="スミレ"),
    get("towns-15100-chuo-limit5", f"{C15}/towns", q="中央", limit=5),
    get("towns-15100-kosugi", f"{C15}/towns", q="小杉"),
    get("towns-35202", f"{C35}/towns", q="藤山"),
    get("towns-99999-404", "/api/cities/99999/towns", q="中央"),
    # coverage
    get("coverage-15100", f"{C15}/coverage"),
    get("coverage-15100-csv", f"{C15}/coverage", format="csv"),
    get("coverage-15100-geojson", f"{C15}/coverage", format="geojson"),
    get("coverage-15100-m5-s4-age75", f"{C15}/coverage", minutes=5, speed_kmh=4, age=75),
    get("coverage-35202", f"{C35}/coverage"),
    get("coverage-35202-csv", f"{C35}/coverage", format="csv"),
    get("coverage-35202-geojson", f"{C35}/coverage", format="geojson"),
    get("coverage-35202-m16", f"{C35}/coverage", minutes=16),
    get("coverage-35202-age75-csv", f"{C35}/coverage", age=75, format="csv"),
    get("coverage-35202-salon-kayoinoba", f"{C35}/coverage", category="salon,kayoinoba"),
    get("coverage-99999-404", "/api/cities/99999/coverage"),
    # coverage gaps
    get("gaps-15100-limit20", f"{C15}/coverage/gaps", limit=20),
    get("gaps-15100-csv", f"{C15}/coverage/gaps", format="csv"),
    get("gaps-35202", f"{C35}/coverage/gaps"),
    get("gaps-35202-csv", f"{C35}/coverage/gaps", format="csv"),
    get("gaps-35202-share08-limit5", f"{C35}/coverage/gaps", min_uncovered_share=0.8, limit=5),
    get("gaps-35202-m16-age75-csv", f"{C35}/coverage/gaps", minutes=16, age=75, format="csv"),
    get("gaps-35202-salon", f"{C35}/coverage/gaps", category="salon", limit=10),
    get("gaps-99999-404", "/api/cities/99999/coverage/gaps"),
    # isochrones
    get("isochrone-35202-point", "/api/isochrone", UBE_CENTRE),
    get("isochrone-35202-point-city-m5", "/api/isochrone", UBE_EAST, city="35202", minutes=5),
    get("isochrone-35202-point-m15-s4", "/api/isochrone", UBE_CENTRE, minutes=15, speed_kmh=4),
    get("isochrone-15100-no-network-409", "/api/isochrone", NIIGATA_STATION, city="15100"),
    get("isochrone-nowhere-404", "/api/isochrone", NIIGATA_STATION),
    get("isochrone-place-35202", "/api/places/35202-places-d0001/isochrone"),
    get("isochrone-place-35202-m5", "/api/places/35202-halls-P20-373/isochrone", minutes=5),
    get("isochrone-place-15100-409", "/api/places/15100-places-d0014/isochrone"),
    get("isochrone-place-private-home-409", "/api/places/15100-places-d0017/isochrone"),
    get("isochrone-place-unknown-404", "/api/places/35202-places-d9999/isochrone"),
    # suggestions
    get("suggestions-35202", f"{C35}/suggestions"),
    get("suggestions-35202-k1", f"{C35}/suggestions", k=1),
    get("suggestions-35202-k5-m16", f"{C35}/suggestions", k=5, minutes=16),
    get("suggestions-35202-k12", f"{C35}/suggestions", k=12),
    get("suggestions-35202-age75-hall", f"{C35}/suggestions", age=75, candidates="hall"),
    get("suggestions-35202-salon", f"{C35}/suggestions", k=3, category="salon"),
    get("suggestions-15100", f"{C15}/suggestions"),
    get("suggestions-15100-k10-m16", f"{C15}/suggestions", k=10, minutes=16),
    get("suggestions-99999-404", "/api/cities/99999/suggestions"),
]


# -- the CLI reports ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """One ``tsudoi`` command; ``--db`` is added: a scratch store, or the demo store."""

    name: str
    args: tuple[str, ...]
    db: str = ""  # imports: the scratch store's name (a .gpkg in the module's tmp dir)
    postgis: bool = False  # demo runs: on the PostGIS demo store too (else GeoPackage only)


def run(name: str, *args: str | Path, db: str = "", postgis: bool = False) -> Run:
    return Run(name, tuple(str(a) for a in args), db, postgis)


WARDS = IMPORTS / "niigata_wards_n03_simplified.geojson"
TOWNS = IMPORTS / "niigata_towns_sample.geojson"
HALLS = IMPORTS / "takamatsu_community_center_10.csv"
SUPPORT = IMPORTS / "takamatsu_support_centers.csv"
MYMAPS = IMPORTS / "takasaki_mymaps.kml"
MESH = POPULATION / "estat_mesh_niigata_500m.csv"
SWAPPED = READERS / "swapped.csv"
TEXT_LAT = READERS / "text_in_latitude.csv"

# In order per scratch store: each run sees the imports listed before it on the same store.
# Stores run side by side, each one's runs one after another.
IMPORT_RUNS: list[Run] = [
    run("import-population-mesh-dry-run-no-areas", "import", "population", MESH,
        "--city", "15100", "--year", "2020", "--dry-run", "--json", db="niigata-empty"),
    run("import-areas-wards-dry-run", "import", "areas", WARDS, "--city", "15100",
        "--level", "1", "--dry-run", "--json", db="niigata"),
    run("import-areas-wards", "import", "areas", WARDS, "--city", "15100", "--level", "1",
        "--json", db="niigata"),
    run("import-areas-wards-again-text", "import", "areas", WARDS, "--city", "15100",
        "--level", "1", db="niigata"),
    run("import-towns-dry-run", "import", "towns", TOWNS, "--city", "15100", "--dry-run",
        "--json", db="niigata-towns"),
    run("import-towns", "import", "towns", TOWNS, "--city", "15100", "--json",
        db="niigata-towns"),
    run("import-population-mesh", "import", "population", MESH, "--city", "15100",
        "--year", "2020", "--json", db="niigata"),
    run("import-population-mesh-text", "import", "population", MESH, "--city", "15100",
        "--year", "2021", db="niigata"),
    run("import-places-halls-dry-run", "import", "places", HALLS, "--city", "37201",
        "--category", "hall", "--dry-run", "--json", db="takamatsu"),
    run("import-places-halls", "import", "places", HALLS, "--city", "37201",
        "--category", "hall", "--json", db="takamatsu"),
    run("import-places-halls-again-text", "import", "places", HALLS, "--city", "37201",
        "--category", "hall", db="takamatsu"),
    run("import-places-support-centres", "import", "places", SUPPORT, "--city", "37201",
        "--category", "hall", "--kind", "venue", "--json", db="takamatsu"),
    run("import-places-support-as-halls-source-dry-run", "import", "places", SUPPORT,
        "--city", "37201", "--category", "hall", "--source", HALLS.name, "--prune",
        "--dry-run", "--json", db="takamatsu"),
    run("import-places-swapped-refused", "import", "places", SWAPPED, "--city", "37201",
        "--category", "hall", "--json", db="takamatsu"),
    run("import-places-text-latitude-refused", "import", "places", TEXT_LAT, "--city", "37201",
        "--category", "hall", "--json", db="takamatsu"),
    run("import-places-mymaps-unknown-categories", "import", "places", MYMAPS,
        "--city", "10202", "--json", db="takasaki"),
    run("import-places-mymaps-create-categories", "import", "places", MYMAPS,
        "--city", "10202", "--create-categories", "--json", db="takasaki"),
]

# On the module's demo store (the GeoPackage one; the PostGIS one too where marked).
DEMO_RUNS: list[Run] = [
    run("coverage-35202-json", "coverage", "--city", "35202", "--format", "json", postgis=True),
    run("coverage-35202-csv", "coverage", "--city", "35202"),
    run("coverage-35202-gaps-geojson", "coverage", "--city", "35202", "--gaps", "--limit", "5",
        "--format", "geojson"),
    run("coverage-15100-m16-age75-json", "coverage", "--city", "15100", "--minutes", "16",
        "--age", "75", "--format", "json"),
    run("suggest-35202-json", "suggest", "--city", "35202", "--json", postgis=True),
    run("suggest-35202-k5-m16-json", "suggest", "--city", "35202", "--k", "5", "--minutes", "16",
        "--json"),
    run("suggest-35202-text", "suggest", "--city", "35202", "--k", "2"),
]


# -- recording and comparing ----------------------------------------------------------------------
_VOLATILE_JSON = (
    # when the store wrote the record
    (re.compile(r'("updated_at": ?)"[^"]*"'), rf"\1{VOLATILE}"),
    # how long the MILP solver took
    (re.compile(r'("seconds": ?)-?[0-9][0-9.eE+-]*'), rf"\1{VOLATILE}"),
)


_STORE_ORDERED = re.compile(r'"schedule_rules": ?')


def _sort_store_ordered(body: str) -> str:
    """Sort the keys inside each ``schedule_rules`` value, and change nothing else.

    PostGIS keeps the rules as jsonb, which orders an object's keys its own way (shorter keys
    first); the GeoPackage store keeps the order they were imported in. The values are equal,
    so both stores are held to one recording with the keys sorted.
    """
    decoder = json.JSONDecoder()
    parts: list[str] = []
    pos = 0
    for m in _STORE_ORDERED.finditer(body):
        if m.start() < pos:
            continue
        value, end = decoder.raw_decode(body, m.end())
        parts += [body[pos:m.end()],
                  json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))]
        pos = end
    return "".join(parts) + body[pos:]


def normalise(body: str, replace: dict[str, str] | None = None) -> str:
    """The body with what changes from run to run (or from store to store) made constant."""
    for old, new in (replace or {}).items():
        body = body.replace(old, new)
    for pattern, repl in _VOLATILE_JSON:
        body = pattern.sub(repl, body)
    return _sort_store_ordered(body)


@dataclass
class Recording:
    """What is compared for one request or command: a few fields and a body."""

    kind: str  # "http" or "cli"
    name: str
    label: str
    fields: dict[str, Any]
    body: bytes
    suffix: str
    detail: str = ""  # shown when it differs, never compared (a command's stderr)

    def file(self) -> str:
        name = f"{self.kind}/{self.name}{self.suffix}"
        return f"{name}.gz" if len(self.body) > GZIP_ABOVE else name


@dataclass
class _Session:
    """Recordings written in this run, to be merged into the index at the end of the module."""

    written: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


_SESSION = _Session()


def _index() -> dict[str, dict[str, dict[str, Any]]]:
    if not INDEX.exists():
        return {"http": {}, "cli": {}}
    found: dict[str, dict[str, dict[str, Any]]] = json.loads(INDEX.read_text(encoding="utf-8"))
    return found


def _read_body(file: str) -> bytes | None:
    path = RECORDED / file
    if not path.exists():
        return None
    data = path.read_bytes()
    return gzip.decompress(data) if file.endswith(".gz") else data


def _pretty_lines(body: bytes) -> list[str]:
    text_ = body.decode("utf-8", errors="replace")
    try:
        return json.dumps(json.loads(text_), ensure_ascii=False, indent=1).splitlines()
    except ValueError:
        return text_.splitlines()


def short_diff(recorded: bytes, now: bytes) -> str:
    """A unified diff of the bodies (JSON indented first), cut to DIFF_LINES lines."""
    lines = list(difflib.unified_diff(
        _pretty_lines(recorded), _pretty_lines(now), "recorded", "now", n=2, lineterm=""
    ))
    if not lines:  # the same once parsed: spacing, escaping or number spelling differs
        at = next((i for i, (a, b) in enumerate(zip(recorded, now, strict=False)) if a != b),
                  min(len(recorded), len(now)))
        lo = max(0, at - 80)
        return (f"bytes differ from offset {at} (lengths {len(recorded)} and {len(now)}):\n"
                f"  recorded …{recorded[lo:at + 80]!r}\n  now      …{now[lo:at + 80]!r}")
    more = len(lines) - DIFF_LINES
    return "\n".join(lines[:DIFF_LINES]) + (f"\n… {more} more diff lines" if more > 0 else "")


def _close(a: Any, b: Any) -> bool:
    """Equal JSON values, floats allowed to differ in their last digits (summation order)."""
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float))
                and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _cells(body: bytes) -> list[list[Any]]:
    """A CSV body's cells, numbers read as floats so they compare by value."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    out: list[list[Any]] = []
    for row in rows:
        cells: list[Any] = []
        for cell in row:
            try:
                cells.append(float(cell) if "." in cell else cell)
            except ValueError:
                cells.append(cell)
        out.append(cells)
    return out


def same_but_rounding(recorded: bytes, now: bytes) -> bool:
    """True when two JSON or CSV bodies differ only in a float's last digits.

    numpy and scipy releases sum in different orders, so a share or a head count can move in
    its 16th digit from one machine to the next; that is not a change of answer.
    """
    try:
        return _close(json.loads(recorded), json.loads(now))
    except ValueError:
        pass
    try:
        return _close(_cells(recorded), _cells(now))
    except (UnicodeDecodeError, csv.Error):
        return False


def check(rec: Recording) -> None:
    """Record (TSUDOI_RECORD=1, first store to answer) or compare with the recording."""
    key = (rec.kind, rec.name)
    if RECORDING and key not in _SESSION.written:
        plain = RECORDED / rec.kind / f"{rec.name}{rec.suffix}"
        for stale in (plain, Path(f"{plain}.gz")):
            stale.unlink(missing_ok=True)
        path = RECORDED / rec.file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(rec.body, 9, mtime=0) if path.suffix == ".gz" else rec.body)
        _SESSION.written[key] = {"request": rec.label, **rec.fields, "body": rec.file()}
        return

    entry = _SESSION.written.get(key) or _index().get(rec.kind, {}).get(rec.name)
    how = f"record it with {RECORD_ENV}=1 (see {Path(__file__).name}'s docstring)"
    if entry is None:
        pytest.fail(f"{rec.label}: no recording named {rec.kind}/{rec.name} in "
                    f"{INDEX.relative_to(REPO)}; {how}", pytrace=False)
    recorded = _read_body(entry["body"])
    if recorded is None:
        pytest.fail(f"{rec.label}: the recorded body {entry['body']} is missing; {how}",
                    pytrace=False)
    problems = [
        f"{k}: recorded {entry.get(k)!r}, now {v!r}"
        for k, v in rec.fields.items() if entry.get(k) != v
    ]
    if recorded != rec.body and not same_but_rounding(recorded, rec.body):
        problems.append(f"body differs from {entry['body']}:\n{short_diff(recorded, rec.body)}")
    if problems:
        if rec.detail:
            problems.append(f"stderr (not compared):\n{rec.detail[-2000:]}")
        pytest.fail(f"{rec.label} ({rec.kind}/{rec.name}) no longer answers as recorded\n"
                    + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="module", autouse=True)
def _write_index() -> Iterator[None]:
    """After a recording run: merge what was written into the index, in the declared order,
    dropping entries (and files) of requests no longer declared."""
    yield
    if not RECORDING or not _SESSION.written:
        return
    old = _index()
    declared = {"http": [c.name for c in CALLS], "cli": [r.name for r in IMPORT_RUNS + DEMO_RUNS]}
    new: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, names in declared.items():
        new[kind] = {}
        for name in names:
            entry = _SESSION.written.get((kind, name)) or old.get(kind, {}).get(name)
            if entry is not None:
                new[kind][name] = entry
    INDEX.write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    kept = {RECORDED / e["body"] for entries in new.values() for e in entries.values()}
    for kind in declared:
        for path in (RECORDED / kind).glob("*"):
            if path not in kept:
                path.unlink()


# -- the demo, once per store ---------------------------------------------------------------------
@dataclass
class Demo:
    """Both demo cities loaded into one store, and a client of the API on it."""

    kind: str
    store: Store
    client: TestClient
    db: str  # --db for the CLI; also what open_store opens

    def open_store(self) -> Store:
        """Another store on the same data, with nothing held in memory yet."""
        return GpkgStore(Path(self.db)) if self.kind == "gpkg" else PostgisStore(self.db)


@pytest.fixture(
    scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Demo]:
    store: Store
    if request.param == "gpkg":
        path = tmp_path_factory.mktemp("recorded") / "demo.gpkg"
        store, db = GpkgStore(path), str(path)
    else:
        db = request.getfixturevalue("postgis_url")
        engine: Engine = request.getfixturevalue("postgis_engine")
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(STORE_TABLES)}"))
        store = PostgisStore(db)
    try:
        load_demo(store)
        client = TestClient(create_app(store))
        yield Demo(request.param, store, client, db)
        client.close()
    finally:
        store.close()


def test_the_recorded_lists_are_well_formed() -> None:
    for names in ([c.name for c in CALLS], [r.name for r in IMPORT_RUNS + DEMO_RUNS]):
        assert len(set(names)) == len(names), "two recordings share a name"
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", n) for n in names)


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_http_answer(demo: Demo, call: Call) -> None:
    store = demo.open_store() if call.alone else demo.store
    client = TestClient(create_app(store)) if call.alone else demo.client
    try:
        with time_machine.travel(call.at, tick=False):
            response = client.get(call.path, params=list(call.params))
    finally:
        if call.alone:
            client.close()
            store.close()
    content_type = response.headers.get("content-type", "")
    suffix = ".csv" if "csv" in content_type else ".json" if "json" in content_type else ".txt"
    body = normalise(response.content.decode("utf-8")).encode("utf-8")
    check(Recording(
        "http", call.name, call.label,
        {"status": response.status_code, "content_type": content_type}, body, suffix,
    ))


# -- the CLI --------------------------------------------------------------------------------------
def _entry_point() -> str:
    """The `tsudoi` console script as pyproject.toml declares it ("module:attr")."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry: str = project["scripts"]["tsudoi"]
    return entry


# Runs the console script's target as the installed script would, under the frozen clock.
_LAUNCHER = """\
import importlib, sys
from datetime import datetime
import time_machine
time_machine.travel(datetime.fromisoformat(sys.argv.pop(1)), tick=True).start()
module, _, attr = sys.argv.pop(1).partition(":")
sys.argv[0] = "tsudoi"
sys.exit(getattr(importlib.import_module(module), attr)())
"""


def tsudoi(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TSUDOI_DATABASE_URL"}
    env.update(COLUMNS="200", NO_COLOR="1", PYTHONIOENCODING="utf-8", TERM="dumb")
    return subprocess.run(
        [sys.executable, "-c", _LAUNCHER, NOW.isoformat(), _entry_point(), *args],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )


def run_all(runs: list[Run], db: Callable[[Run], str], chain_of: Callable[[Run], str],
            cwd: Path, replace: dict[str, str]) -> dict[str, Recording]:
    """Run the commands: those of one chain one after another, chains side by side."""
    chains: dict[str, list[Run]] = {}
    for r in runs:
        chains.setdefault(chain_of(r), []).append(r)

    def chain(todo: list[Run]) -> list[Recording]:
        done = []
        for r in todo:
            command = [*r.args, "--db", db(r)]
            result = tsudoi(command, cwd)
            done.append(Recording(
                "cli", r.name, normalise(" ".join(["tsudoi", *command]), replace),
                {"exit_code": result.returncode},
                normalise(result.stdout, replace).encode("utf-8"), ".txt", result.stderr,
            ))
        return done

    with ThreadPoolExecutor(max_workers=CLI_WORKERS) as pool:
        found = pool.map(chain, chains.values())
        return {rec.name: rec for recs in found for rec in recs}


@pytest.fixture(scope="module")
def import_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recording]:
    """Every import run, each on its scratch store (run once, compared one per test)."""
    tmp = tmp_path_factory.mktemp("imports")
    return run_all(IMPORT_RUNS, lambda r: str(tmp / f"{r.db}.gpkg"), lambda r: r.db, tmp,
                   {str(tmp): "<TMP>", str(REPO): "<REPO>"})


@pytest.fixture(scope="module")
def demo_reports(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recording]:
    """Coverage and suggestions from the command line on the demo store, side by side."""
    runs = [r for r in DEMO_RUNS if demo.kind == "gpkg" or r.postgis]
    tmp = tmp_path_factory.mktemp("cli")
    # they only read: each its own chain
    return run_all(runs, lambda _: demo.db, lambda r: r.name, tmp,
                   {demo.db: "<DB>", str(tmp): "<TMP>", str(REPO): "<REPO>"})


@pytest.mark.parametrize("run_", IMPORT_RUNS, ids=[r.name for r in IMPORT_RUNS])
def test_import_report(import_reports: dict[str, Recording], run_: Run) -> None:
    check(import_reports[run_.name])


DEMO_PAIRS = [  # each command-line run with the stores it runs on (some only on the GeoPackage)
    pytest.param(kind, run_, id=f"{kind}-{run_.name}",
                 marks=[pytest.mark.postgis] if kind == "postgis" else [])
    for kind in ("gpkg", "postgis") for run_ in DEMO_RUNS if kind == "gpkg" or run_.postgis
]  # fmt: skip


@pytest.mark.parametrize(("demo", "run_"), DEMO_PAIRS, indirect=["demo"])
def test_demo_report(demo: Demo, demo_reports: dict[str, Recording], run_: Run) -> None:
    check(demo_reports[run_.name])
