"""Load bench: uncached bbox and nearby on both stores against tipg, and a PostgreSQL restart.

Not a test; it installs nothing. What it needs, once:

    apt-get install wrk                                   # the load generator (Debian)
    python3 -m venv /work/tipgvenv && /work/tipgvenv/bin/pip install tipg "uvicorn[standard]"
    # a PostgreSQL cluster of its own, so the restart disturbs nobody else's database:
    pg_createcluster 15 bench -p 5433 && pg_ctlcluster 15 bench start   # trust for 127.0.0.1
    psql -h 127.0.0.1 -p 5433 -U postgres -c 'CREATE DATABASE tsudoi_bench' postgres
    psql -h 127.0.0.1 -p 5433 -U postgres -c 'CREATE EXTENSION postgis' tsudoi_bench

Then, from the repository root with the project's venv:

    python bench/bench_speed.py \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5433/tsudoi_bench \\
        --gpkg /tmp/bench_speed.gpkg --tipg /work/tipgvenv/bin/uvicorn \\
        --restart 'pg_ctlcluster 15 bench restart'

It loads the same 12,497 real town points (bench/speed_data.py) into both stores, serves them
with one worker each — Tsudoi on PostGIS, Tsudoi on the GeoPackage, tipg on the same PostGIS
table — and runs wrk -t2 -c16 against each in turn, every request a different query (a 0.01°
bbox with limit 50 around a random town point; a nearby search from a different point; the map
page's list, 50 places by distance from a different point; a city's coverage for a different
walk in minutes), ``--runs`` times (``--kinds`` picks which). It prints, per target, the median
req/s, p50 and p99 latency, the ratio to tipg's bbox rate and the PostgreSQL sessions opened
during the run (pg_stat_database.sessions). Last, a fault run: a Python load generator (4
threads) on Tsudoi-on-PostGIS bbox while ``--restart`` restarts PostgreSQL half-way; it reports
every error with its time relative to the restart, and when answers came back, without
restarting Tsudoi.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import speed_data  # noqa: E402

LUA = ROOT / "bench" / "paths.lua"
CITY = speed_data.CITY
PATHS_PER_FILE = 200_000


@dataclass
class Target:
    name: str
    port: int
    paths: Path
    group: int = 0  # the server's process group, whose CPU time is counted


class Run(NamedTuple):
    """One wrk run's figures: req/s, p50 and p99 ms, PostgreSQL sessions opened, errors."""

    rps: float
    p50: float
    p99: float
    sessions: int
    errors: int
    cpu_ms: float  # the server's CPU time per answer (all its processes)
    pg_ms: float  # PostgreSQL's CPU time per answer (its backends)


def write_paths(folder: Path) -> dict[str, Path]:
    """The request paths, one per line, the same boxes and points for every server."""
    points = speed_data.town_points()
    rng = random.Random(1)
    files = {k: folder / f"{k}.txt" for k in ("bbox", "tipg", "nearby", "page", "coverage")}
    with ExitStack() as stack:
        out = {k: stack.enter_context(p.open("w")) for k, p in files.items()}
        for _ in range(PATHS_PER_FILE):
            _, lon, lat = rng.choice(points)
            x, y = lon - rng.uniform(0, 0.01), lat - rng.uniform(0, 0.01)
            box = f"{x:.5f},{y:.5f},{x + 0.01:.5f},{y + 0.01:.5f}"
            out["bbox"].write(f"/api/cities/{CITY}/places?bbox={box}&limit=50\n")
            out["tipg"].write(f"/collections/public.places/items?bbox={box}&limit=50\n")
            out["nearby"].write(
                f"/api/places/nearby?lat={y + 0.005:.5f}&lon={x + 0.005:.5f}&city={CITY}&limit=10\n"
            )
            # the map page's list as a resident pans or asks "near me": 50 by distance
            out["page"].write(
                f"/api/cities/{CITY}/places?sort=distance&lat={y + 0.005:.5f}"
                f"&lon={x + 0.005:.5f}&limit=50\n"
            )
            # a coordinator's coverage, each request another walk (2,501 different minutes)
            minutes = rng.randint(500, 3000) / 100
            out["coverage"].write(f"/api/cities/{CITY}/coverage?minutes={minutes:.2f}\n")
    return files


def free_ports(names: list[str]) -> dict[str, int]:
    """A free port per name, all different (the sockets are held until every one is bound)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in names]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return {name: int(s.getsockname()[1]) for name, s in zip(names, socks, strict=True)}


@contextmanager
def serving(
    cmd: list[str], port: int, ready: str, env: dict[str, str], cwd: Path | None = None
) -> Iterator[int]:
    """A server in its own process group (yielded), until the block ends."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=log, start_new_session=True, cwd=cwd
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}{ready}", timeout=10):
                    break
            except (URLError, ConnectionError, HTTPError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode()[-2000:]
                    raise SystemExit(f"{cmd[0]} did not start:\n{output}") from None
                time.sleep(0.5)
        yield proc.pid  # its process group: start_new_session made it the leader
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # one process each: Ctrl+C as a user would
            if proc.wait(timeout=60) is None:  # pragma: no cover - wait raises on a time-out
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (state first), or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def group_cpu_s(group: int) -> float:
    """CPU seconds (user + system) of every process in a process group, so far."""
    ticks = 0
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        fields = _stat(pid)
        if fields is not None and int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICK


def backends_cpu_s(admin_url: str) -> float:
    """CPU seconds of PostgreSQL's client backends so far (same machine; the pools keep them
    for the whole run, so a difference is the run's)."""
    engine = create_engine(admin_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'")
        ).scalars()
        ticks = 0
        for pid in pids:
            fields = _stat(str(pid))
            if fields is not None:
                ticks += int(fields[11]) + int(fields[12])
    engine.dispose()
    return ticks / _TICK


def sessions(admin_url: str) -> int:
    """Sessions PostgreSQL has opened so far, in every database (pg_stat_database, PG ≥ 14)."""
    engine = create_engine(admin_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT sum(sessions) FROM pg_stat_database")).scalar_one()
    engine.dispose()
    return int(n)


def wrk(target: Target, seconds: int) -> tuple[float, float, float, int, int]:
    """req/s, p50 ms, p99 ms, non-2xx answers plus socket errors, and requests, from one run."""
    run = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", str(LUA), f"http://127.0.0.1:{target.port}"],
        env={**os.environ, "PATHS": str(target.paths)},
        capture_output=True,
        text=True,
        check=True,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", run.stdout).group(1))  # type: ignore[union-attr]
    found = re.search(
        r"BENCH p50_ms=([\d.]+) p99_ms=([\d.]+) requests=(\d+) non2xx=(\d+) errors=(\d+)",
        run.stdout,
    )
    assert found, run.stdout
    errors = int(found[4]) + int(found[5])
    return rps, float(found[1]), float(found[2]), errors, int(found[3])


def load_run(
    targets: list[Target], runs: int, seconds: int, admin_url: str
) -> dict[str, list[Run]]:
    figures: dict[str, list[Run]] = {t.name: [] for t in targets}
    for t in targets:  # warm up: imports, caches of cities and areas, JIT-free but first touches
        wrk(t, 2)
    for i in range(runs):
        for t in targets:
            before = sessions(admin_url)
            cpu0, pg0 = group_cpu_s(t.group), backends_cpu_s(admin_url)
            rps, p50, p99, errors, n = wrk(t, seconds)
            cpu_ms = (group_cpu_s(t.group) - cpu0) * 1000 / max(n, 1)
            pg_ms = (backends_cpu_s(admin_url) - pg0) * 1000 / max(n, 1)
            # the three look-ups since `before` are themselves counted when they end (the
            # GeoPackage runs, which never touch PostgreSQL, show 0 with this correction)
            opened = sessions(admin_url) - before - 3
            figures[t.name].append(Run(rps, p50, p99, opened, errors, cpu_ms, pg_ms))
            print(
                f"run {i + 1} {t.name:<22} {rps:7.1f} req/s  p50 {p50:6.1f} ms  "
                f"p99 {p99:6.1f} ms  sessions {opened:4d}  errors {errors}  "
                f"CPU/answer {cpu_ms:.2f} ms + PostgreSQL {pg_ms:.2f} ms",
                flush=True,
            )
    return figures


def report(figures: dict[str, list[Run]], baseline: str | None) -> None:
    """Medians of the runs, the ratio to tipg's bbox rate, the most sessions any run opened,
    and CPU per answer (the server's and PostgreSQL's): on a machine shared with other jobs
    the rates follow each process's share of the cores, the CPU an answer costs much less."""
    med = statistics.median
    base = med(r.rps for r in figures[baseline]) if baseline else None
    base_cpu = med(r.cpu_ms + r.pg_ms for r in figures[baseline]) if baseline else None
    print(
        f"\n{'target':<28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'× tipg':>6} "
        f"{'sessions':>8} {'errors':>6} {'CPU ms':>6} {'PG ms':>6} {'× tipg CPU':>10}"
    )
    for name, runs in figures.items():
        rps, p50, p99 = (med(getattr(r, k) for r in runs) for k in Run._fields[:3])
        cpu, pg = med(r.cpu_ms for r in runs), med(r.pg_ms for r in runs)
        ratio = f"{rps / base:.2f}" if base else "-"
        # answers per CPU-second (server and PostgreSQL together) against tipg's bbox answers
        per_cpu = f"{base_cpu / med(r.cpu_ms + r.pg_ms for r in runs):.2f}" if base_cpu else "-"
        opened, errors = max(r.sessions for r in runs), sum(r.errors for r in runs)
        print(
            f"{name:<28} {rps:7.1f} {p50:7.1f} {p99:7.1f} {ratio:>6} {opened:8d} {errors:6d} "
            f"{cpu:6.2f} {pg:6.2f} {per_cpu:>10}"
        )


def fault_run(port: int, paths: Path, restart: str, seconds: float) -> None:
    """Requests from 4 threads while PostgreSQL restarts half-way; errors by time."""
    lines = paths.read_text().split()
    events: list[tuple[float, float, str]] = []  # start, end, outcome
    lock = threading.Lock()
    start = time.monotonic()
    stop = start + seconds

    def client(k: int) -> None:
        i = k * 10_000
        while time.monotonic() < stop:
            t0 = time.monotonic()
            try:
                with urlopen(f"http://127.0.0.1:{port}{lines[i % len(lines)]}", timeout=10) as r:
                    outcome = str(r.status)
            except HTTPError as exc:
                outcome = str(exc.code)
            except (URLError, OSError) as exc:
                outcome = type(exc).__name__
            with lock:
                events.append((t0 - start, time.monotonic() - start, outcome))
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    time.sleep(seconds / 2)
    r0 = time.monotonic() - start
    subprocess.run(shlex.split(restart), check=True)
    r1 = time.monotonic() - start
    for th in threads:
        th.join()
    failed = sorted(e for e in events if e[2] != "200")
    after = [e for e in events if e[0] >= r1]
    first_ok = min((e[1] for e in after if e[2] == "200"), default=None)
    print(
        f"\nfault run: {len(events)} requests in {seconds:.0f} s, restart "
        f"({restart}) from {r0:.2f} s to {r1:.2f} s ({r1 - r0:.2f} s)"
    )
    print(
        f"errors: {len(failed)}"
        + (
            f", first at {failed[0][0] - r0:+.2f} s, last ended {failed[-1][1] - r1:+.2f} s "
            "(relative to the restart's start / end)"
            if failed
            else ""
        )
    )
    outside = [e for e in failed if e[1] < r0 - 0.05 or e[0] > r1 + 1.0]
    print(f"errors outside [restart start, restart end + 1 s]: {len(outside)}")
    if first_ok is not None:
        print(
            f"first answer after the restart ended: {first_ok - r1:+.2f} s; "
            f"answers after it: {sum(e[2] == '200' for e in after)} of {len(after)}"
        )
    for e in failed[:10]:
        print(f"  {e[0] - r0:+.3f} s … {e[1] - r0:+.3f} s: {e[2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", required=True, help="postgresql+psycopg://… (PostGIS)")
    parser.add_argument("--gpkg", required=True, help="path of the bench GeoPackage")
    parser.add_argument("--tipg", help="tipg's venv uvicorn, e.g. /work/tipgvenv/bin/uvicorn")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--restart", help="the command that restarts PostgreSQL")
    parser.add_argument("--fault-seconds", type=float, default=12.0)
    parser.add_argument("--no-load", action="store_true", help="the stores are loaded already")
    parser.add_argument(
        "--before",
        type=Path,
        help="another copy of Tsudoi (e.g. `git archive main`), served beside this one on the "
        "same stores, for before/after figures from one run",
    )
    parser.add_argument(
        "--kinds",
        nargs="+",
        default=["bbox", "nearby", "page", "coverage"],
        choices=["bbox", "nearby", "page", "coverage"],
        help="what to load: the uncached bbox listing, nearby, the map page's list by "
        "distance, a city's coverage (default: all four)",
    )
    args = parser.parse_args()
    if not args.no_load:
        for db in (args.pg_url, args.gpkg):
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "speed_data.py"), "--db", db], check=True
            )
    url = make_url(args.pg_url)
    admin_url = url.set(database="postgres").render_as_string(hide_password=False)
    asyncpg_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    folder = Path(tempfile.mkdtemp(prefix="tsudoi-bench-"))
    files = write_paths(folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tsudoi = [sys.executable, "-m", "service.cli", "serve", "--log-level", "warning"]
    ports = free_ports(["pg", "gpkg", "tipg", "pg-before", "gpkg-before"])
    targets = []
    for kind in args.kinds:  # before and after side by side, under the same load
        for store in ("postgis", "gpkg"):
            for stage in ("before", "") if args.before else ("",):
                suffix = f"-{stage}" if stage else ""
                port = ports[("pg" if store == "postgis" else "gpkg") + suffix]
                targets.append(Target(f"tsudoi{suffix}-{store} {kind}", port, files[kind]))
    groups: dict[int, int] = {}  # port → the server's process group
    with ExitStack() as stack:
        for suffix, root in [("", ROOT), *([("-before", args.before)] if args.before else [])]:
            for key, db in (("pg", args.pg_url), ("gpkg", args.gpkg)):
                port = ports[key + suffix]
                groups[port] = stack.enter_context(
                    serving(
                        [*tsudoi, "--db", db, "--port", str(port)],
                        port,
                        "/healthz",
                        {**env, "PYTHONPATH": str(root)},
                        cwd=root,  # `python -m` puts the working folder first on the path
                    )
                )
        baseline = None
        if args.tipg:
            tipg_env = {**os.environ, "DATABASE_URL": asyncpg_url}
            groups[ports["tipg"]] = stack.enter_context(
                serving(
                    [
                        args.tipg,
                        "tipg.main:app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(ports["tipg"]),
                        "--workers",
                        "1",
                        "--no-access-log",
                        "--log-level",
                        "warning",
                    ],
                    ports["tipg"],
                    "/collections",
                    tipg_env,
                )
            )
            baseline = "tipg bbox"
            targets.insert(0, Target(baseline, ports["tipg"], files["tipg"]))
        for t in targets:
            t.group = groups[t.port]
        figures = load_run(targets, args.runs, args.seconds, admin_url)
        report(figures, baseline)
        if args.restart:
            fault_run(ports["pg"], files["bbox"], args.restart, args.fault_seconds)


if __name__ == "__main__":
    main()
