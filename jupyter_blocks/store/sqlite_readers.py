"""The read-only connections of the SQLite index: one per reader thread, never closed
under a running statement (closing a connection another thread is using can crash the
process), and replaced when the store is opened again."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from . import sqlite_schema as schema
from .errors import StoreUnavailable

T = TypeVar("T")
CLOSE_WAIT = 5.0  # seconds close_all() waits for a read in progress on a connection


@dataclass
class Held:
    """A reader thread's connection, with the lock held while a read runs on it, and
    the aggregates cached for it (keyed by SQLite's data_version)."""

    epoch: int
    con: sqlite3.Connection
    lock: threading.RLock = field(default_factory=threading.RLock)
    closed: bool = False
    cache: dict[str, tuple[int, object]] = field(default_factory=dict)


class Readers:
    """Every reader thread's connection to one index file."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.open = False
        self.epoch = 0  # bumped at each close: connections from before are replaced
        self._local = threading.local()
        self._all: list[Held] = []
        self._lock = threading.Lock()

    def held(self) -> Held:
        """This thread's connection, opened if needed."""
        held: Held | None = getattr(self._local, "held", None)
        if held is not None and held.epoch == self.epoch:
            return held
        if not self.open:
            raise StoreUnavailable(f"the index at {self.location} is not open")
        if held is not None and not held.closed:  # left open by close_all(): ours to close
            with contextlib.suppress(sqlite3.Error):
                held.con.close()
        held = Held(self.epoch, schema.connect(self.location, readonly=True))
        self._local.held = held
        with self._lock:
            self._all.append(held)
        return held

    def close_all(self) -> None:
        """Close every connection once the read running on it is over; one still busy
        after CLOSE_WAIT seconds is interrupted, and if it is still busy, left to its
        thread, which replaces it on its next read."""
        self.open = False
        self.epoch += 1
        with self._lock:
            readers, self._all = self._all, []
        for held in readers:
            if not held.lock.acquire(timeout=CLOSE_WAIT):
                held.con.interrupt()
                if not held.lock.acquire(timeout=CLOSE_WAIT):
                    continue
            try:
                with contextlib.suppress(sqlite3.Error):
                    held.con.close()
                held.closed = True
            finally:
                held.lock.release()


class _HasReaders(Protocol):
    readers: Readers


R = TypeVar("R", bound=_HasReaders)


def reading(method: Callable[..., T]) -> Callable[..., T]:
    """Run a store's read holding this thread's connection (see Readers)."""

    @functools.wraps(method)
    def read(self: _HasReaders, *args: Any, **kwargs: Any) -> T:
        while True:
            held = self.readers.held()
            with held.lock:
                if held.epoch == self.readers.epoch and not held.closed:
                    return method(self, *args, **kwargs)

    return read
