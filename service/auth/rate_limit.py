"""Failed sign-ins counted per (account, client address): after 5 within a minute the pair is
refused (429 with Retry-After) until the oldest of them is a minute old.

Counted in this process's memory: each worker process of ``tsudoi serve --workers N`` counts its
own, so across N workers up to 5 × N failures a minute get through. Keyed on the pair, so one
address guessing at one account does not lock that account out for everyone else.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from geo.errors import TooManyAttempts

MAX_FAILURES = 5
WINDOW_S = 60.0
MAX_KEYS = 100_000  # beyond this, pairs with no recent failure are forgotten first

Key = tuple[str, str]


class FailedSignIns:
    """The recent failures of each (account, address) pair."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(account: str, address: str) -> Key:
        return (account.strip().lower(), address)

    def _recent(self, key: Key, now: float) -> deque[float]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        while found and found[0] <= now - self.window_s:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def check(self, account: str, address: str) -> None:
        """Raise TooManyAttempts (with the seconds to wait) when the pair is over the limit."""
        now = self.clock()
        with self._lock:
            recent = self._recent(self.key(account, address), now)
            if len(recent) < self.max_failures:
                return
            wait = recent[-self.max_failures] + self.window_s - now
        raise TooManyAttempts(
            f"too many failed sign-ins for this account from this address: try again in "
            f"{math.ceil(wait)} s",
            retry_after=max(1, math.ceil(wait)),
        )

    def failed(self, account: str, address: str) -> None:
        """Count one failure of the pair."""
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                self._forget_stale(now)
            key = self.key(account, address)
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, account: str, address: str) -> None:
        """A successful sign-in clears the pair's failures."""
        with self._lock:
            self._failures.pop(self.key(account, address), None)

    def _forget_stale(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= MAX_KEYS:  # all recent: drop the oldest-started pairs
            self._failures.pop(next(iter(self._failures)))
