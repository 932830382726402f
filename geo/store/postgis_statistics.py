"""Fresh planner statistics after a bulk write, so a city's new file is read at full speed at once.

PostgreSQL plans every statement from its statistics of each table, and autovacuum refreshes
them only on its next round, a minute or more later (longer on a busy or a new database). Until
then a table just filled is planned as if it were empty. On the load bench (bench/bench_speed.py,
12,497 places loaded, autovacuum off) the uncached bbox listing answered 350 requests a second
before ANALYZE and 1,110-1,250 after, PostgreSQL spending 4.4 ms of CPU per answer against 0.1.

So after a write that changed more rows than autovacuum's own threshold would let pass (50 and
10 % of the rows the statistics know, PostgreSQL's defaults), the store runs ANALYZE on that
table itself, once the write is committed. A single edit never does.
"""

from __future__ import annotations

import logging

from sqlalchemy import Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

BASE_ROWS = 50  # autovacuum_analyze_threshold's default
SCALE = 0.1  # autovacuum_analyze_scale_factor's default
LOCK_TIMEOUT = "5s"  # another ANALYZE of the table under way: leave the table to it


def stale_after(written: int, known_rows: float) -> bool:
    """Whether ``written`` changed rows make statistics of ``known_rows`` rows stale (-1: the
    table was never analysed)."""
    return written > BASE_ROWS + SCALE * max(known_rows, 0.0)


def refresh_statistics(engine: Engine, table: Table, written: int) -> bool:
    """ANALYZE ``table`` when ``written`` rows make its statistics stale; whether it ran.

    The rows are committed already: a failure here only leaves the refresh to autovacuum, so
    it is logged, not raised."""
    if written <= BASE_ROWS:
        return False  # stale for no table: no round trip
    name = engine.dialect.identifier_preparer.format_table(table)
    try:
        with engine.begin() as conn:
            known = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": name},
            ).scalar_one()
            if not stale_after(written, float(known)):
                return False
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            conn.execute(text(f"ANALYZE {name}"))
            return True
    except SQLAlchemyError as exc:
        log.warning("statistics of %s not refreshed (autovacuum will): %s", name, exc)
        return False
