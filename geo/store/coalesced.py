"""One read shared by the requests that want it at the same moment, never one begun before them.

Under load, dozens of requests a second each need the store's revision and nothing else (a
nearby answer whose places the city's index already keeps). Each read alone costs a pooled
connection and a round trip, more than the rest of such an answer. Requests that arrive while a
read is under way wait for the next one, which starts when that read ends and serves them all.
So every request is answered from a read that began after it arrived, and sees every write
committed before it arrived, exactly as with a read of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Coalesced(Generic[T]):
    """An async read that requests waiting at the same time share (on one event loop)."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._next: asyncio.Future[T] | None = None  # the read the newest arrivals will share
        self._running: asyncio.Task[None] | None = None

    async def __call__(self) -> T:
        """The read's result, from a read that begins after this call."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            self._next.add_done_callback(_retrieved)
        waiting = self._next
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self._serve())
        return await asyncio.shield(waiting)  # a caller given up on leaves the others' read

    async def _serve(self) -> None:
        """Run reads while anyone waits: each for those who arrived before it began."""
        try:
            while self._next is not None:
                due, self._next = self._next, None  # later arrivals wait for the next read
                try:
                    due.set_result(await self._read())
                except Exception as exc:  # every waiter of this read gets its failure
                    due.set_exception(exc)
                except BaseException:  # cancelled (the loop is closing): so are its waiters
                    due.cancel()
                    raise
        finally:
            self._running = None
            if self._next is not None:  # left early: nobody is left waiting for ever
                self._next.cancel()
                self._next = None


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a failure as seen even when every waiter had given up, so asyncio does not
    report it as never retrieved (the waiters that remain get it all the same)."""
    if not future.cancelled():
        future.exception()
