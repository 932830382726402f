"""A read shared by the requests waiting at one moment (geo.store.coalesced): fewer reads under
load, and never a result read before the request arrived, so no committed write is missed."""

from __future__ import annotations

import asyncio

import pytest

from geo.store.coalesced import Coalesced
from tests.test_hot_reads import fresh_loop


class Database:
    """A counter that writes move on, read with a delay (a round trip) by ``read``."""

    def __init__(self) -> None:
        self.committed = 0
        self.reads = 0
        self.fail_next = False

    async def read(self) -> int:
        self.reads += 1
        seen = self.committed  # the snapshot is taken as the read begins
        await asyncio.sleep(0.01)
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("server closed the connection")
        return seen


def test_callers_at_one_moment_share_a_read() -> None:
    db = Database()

    async def main() -> list[int]:
        shared = Coalesced(db.read)
        return await asyncio.gather(*(shared() for _ in range(20)))

    assert fresh_loop(main()) == [0] * 20
    assert db.reads == 1


def test_no_caller_gets_a_read_begun_before_it_arrived() -> None:
    """Writes commit while reads are under way; each caller notes what was committed when it
    arrived and must be answered with at least that."""
    db = Database()

    async def caller(shared: Coalesced[int], delay: float) -> tuple[int, int]:
        await asyncio.sleep(delay)
        arrived = db.committed
        return arrived, await shared()

    async def writer() -> None:
        for _ in range(12):
            await asyncio.sleep(0.004)
            db.committed += 1

    async def main() -> list[tuple[int, int]]:
        shared = Coalesced(db.read)
        work = [caller(shared, i * 0.001) for i in range(50)]
        results = await asyncio.gather(writer(), *work)
        return results[1:]  # type: ignore[return-value]

    answers = fresh_loop(main())
    assert all(seen >= arrived for arrived, seen in answers), answers
    assert 2 <= db.reads < 50  # shared, yet more than one: callers came during reads


def test_a_failed_read_fails_its_waiters_and_the_next_read_runs() -> None:
    db = Database()

    async def main() -> None:
        shared = Coalesced(db.read)
        db.fail_next = True
        results = await asyncio.gather(*(shared() for _ in range(5)), return_exceptions=True)
        assert all(isinstance(r, ConnectionError) for r in results)
        db.committed = 3
        assert await shared() == 3

    fresh_loop(main())
    assert db.reads == 2


def test_a_caller_that_gives_up_leaves_the_others_read() -> None:
    db = Database()

    async def main() -> None:
        shared = Coalesced(db.read)
        impatient = asyncio.ensure_future(shared())
        patient = asyncio.ensure_future(shared())
        await asyncio.sleep(0.001)
        impatient.cancel()
        assert await patient == 0
        with pytest.raises(asyncio.CancelledError):
            await impatient

    fresh_loop(main())
    assert db.reads == 1
