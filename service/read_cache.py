"""What requests read again and again, kept in the process until the store's revision moves on.

The cities a store holds, a city's areas ready for point-in-area tests, whether a city has a
walking network: each request used to read them from the store again, which cost most of an
uncached listing. Each is now built once per store revision — a counter every write, by any
process, moves on in the same transaction — so a request reads that one number and the rows it
answers with. With several server processes each keeps its own copy, and every copy follows the
revision, so a write through one process is seen by all of them at their next request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class RevisionCache:
    """Values by key, each valid for the store revision it was built at (least recently used
    forgotten beyond ``size``)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Hashable, revision: int) -> Any | None:
        """The value held for this revision, or None (never builds: safe on the event loop)."""
        with self._lock:
            held = self._entries.get(key)
            return held[1] if held is not None and held[0] == revision else None

    def latest(self, key: Hashable) -> Any | None:
        """The value held, whatever revision it was built at, or None: a guess that lets a
        request read the revision with its rows, then check the guess against it."""
        with self._lock:
            held = self._entries.get(key)
            return held[1] if held is not None else None

    def get(self, key: Hashable, revision: int, build: Callable[[], T]) -> T:
        """The value built for this revision, building it now when the one held is older.

        Two requests may build the same value at once; both results are equal, one is kept.
        """
        with self._lock:
            held = self._entries.get(key)
            if held is not None and held[0] == revision:
                self._entries.move_to_end(key)
                value: T = held[1]
                return value
        value = build()
        with self._lock:
            self._entries[key] = (revision, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value
