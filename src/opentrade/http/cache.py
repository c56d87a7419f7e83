"""A small LRU of derived results (KPIs, market rankings, their JSON), keyed by the registry revision and the
request's parameters.

A result costs from milliseconds to a second to compute and microseconds to look up. Under load many requests
miss the same key at once; one of them computes, the others wait for it (one lock per key), so a cold cache under
200 connections costs one computation, not 200. Async handlers look a key up with :meth:`peek` on the event loop
and only go to a worker thread on a miss.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from opentrade.domain.kpi import KpiResult
from opentrade.services.kpis import compute_kpis
from opentrade.services.registry import registry_version
from opentrade.store.db import Database

T = TypeVar("T")
_MISSING = object()


class ResultCache:
    def __init__(self, size: int = 128):
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def peek(self, key: Hashable) -> Any:
        """The cached value, or :data:`_MISSING` (use :meth:`has`)."""
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is not _MISSING:
                self._data.move_to_end(key)
            return value

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        value = self.peek(key)
        if value is not _MISSING:
            return value
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # the first caller computes; the others find its result
            value = self.peek(key)
            if value is _MISSING:
                value = compute()
                with self._lock:
                    self._data[key] = value
                    while len(self._data) > self._size:
                        self._data.popitem(last=False)
        with self._lock:
            self._key_locks.pop(key, None)
        return value

    async def aget(self, key: Hashable, compute: Callable[[], T]) -> T:
        """:meth:`get` for async handlers: a hit costs no thread hop; a miss computes in the thread pool."""
        value = self.peek(key)
        if value is not _MISSING:
            return value
        return await run_in_threadpool(self.get, key, compute)


def cached_kpis(cache: ResultCache, db: Database, day: dt.date) -> list[KpiResult]:
    """The headline figures at ``day``, per registry revision (shared by the API and the cockpit's overview)."""
    return cache.get(("kpis", registry_version(db), day), lambda: compute_kpis(db, as_of=day))
