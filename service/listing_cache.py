"""A city's listing built once per change of its data, and reused by every visitor meanwhile.

A map page loads the whole listing of its city, and every resident's page asks for the same one.
Building it (reading every place, their areas, 次回開催, JSON) costs far more than telling whether
anything changed: the store's revision, a counter every write moves on (in the same transaction),
says that in one small read. The key also holds the query and the minute (次回開催 moves on when a
session ends), so an answer is never older than the data or the clock it was built from.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from geo.store.base import Store
from service.fast_json import Body


def data_fingerprint(store: Store, city: str) -> str:
    """Changes whenever anything in the store changes (the store's revision moves on).

    Coarser than the city's own data (a write to another city moves it too), but one read."""
    return f"{store.url}@{store.revision()}"


class ListingCache:
    """The last few listings, rendered (with their gzip beside), by (city, query, revision,
    minute)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Body] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Body | None:
        """The rendered listing, or None."""
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: Body) -> None:
        """Keep a rendered listing, forgetting the least recently used beyond ``size``."""
        with self._lock:
            self._entries[key] = body
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
