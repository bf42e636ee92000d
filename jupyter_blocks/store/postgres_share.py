"""What the servers of one space share besides the index: who is there (presence), whose
turn it is to scan (a lease), and the news of each other's writes (LISTEN/NOTIFY).

- **Presence.** Each server keeps a row in ``servers`` fresh (every HEARTBEAT seconds).
  A server that opens the index while no other is present asks for a scan (the files
  may have changed while nobody watched them); one that joins live servers does not:
  they kept the index current. A server that opens it again after losing the database
  asks for one too (what changed meanwhile is read again).
- **The turn to scan** is a lease (a row of ``leases``, not an advisory lock: it is
  bounded even when a machine vanishes without closing its connection, and works on
  databases without advisory locks). The holder renews it every LEASE/3 seconds from a
  thread of its own; when it dies (``kill -9``), the lease runs out and the next server
  to ask takes over within LEASE seconds and finishes the scan.
- **News.** Every write ends with ``NOTIFY`` on the space's channel; a thread of each
  server LISTENs and wakes its worker, which reads the change log at once. The log is
  what counts: a lost notification only delays the news to the next poll.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from .postgres_schema import connect, sql

LEASE = 10  # seconds a scan's turn lasts without renewal
PRESENCE = 30  # seconds after its last heartbeat that a server counts as gone
HEARTBEAT = 10.0  # seconds between two heartbeats
POLL_ANYWAY = 5.0  # seconds between two reads of the log when no news came

log = logging.getLogger(__name__)


class Sharing:
    """One server's part in its space (the SQL runs on connections the store gives)."""

    def __init__(self, schema: str, origin: str) -> None:
        self.schema = schema
        self.origin = origin
        self.claimed: int | None = None  # the scan generation this server scans
        self.last_beat = 0.0

    def q(self, text: str) -> str:
        return sql(self.schema, text)

    def join(self, con: psycopg.Connection[Any], again: bool) -> None:
        """Be present; ask for a scan when no other server is (or after a recovery)."""
        with con.transaction():
            con.execute(self.q("SELECT 1 FROM {s}.writer FOR UPDATE"))
            others = con.execute(
                self.q(
                    "SELECT count(*) FROM {s}.servers WHERE origin <> %s"
                    " AND seen > now() - %s * interval '1 second'"
                ),
                (self.origin, PRESENCE),
            ).fetchone()
            self.beat(con)
            if again or not (others and others[0]):
                con.execute(
                    self.q(
                        "UPDATE {s}.writer SET scan_wanted = scan_done + 1"
                        " WHERE scan_wanted <= scan_done"
                    )
                )

    def beat(self, con: psycopg.Connection[Any]) -> None:
        con.execute(
            self.q(
                "INSERT INTO {s}.servers (origin, host, seen) VALUES (%s, %s, now())"
                " ON CONFLICT (origin) DO UPDATE SET seen = now()"
            ),
            (self.origin, socket.gethostname()),
        )
        self.last_beat = time.monotonic()

    def leave(self, con: psycopg.Connection[Any]) -> None:
        con.execute(self.q("DELETE FROM {s}.servers WHERE origin = %s"), (self.origin,))
        con.execute(self.q("DELETE FROM {s}.leases WHERE holder = %s"), (self.origin,))
        self.claimed = None

    def claim(self, con: psycopg.Connection[Any]) -> bool:
        """Take the turn to scan, when a scan is wanted and nobody holds the turn (or
        its holder stopped renewing it)."""
        row = con.execute(self.q("SELECT scan_wanted, scan_done FROM {s}.writer")).fetchone()
        if row is None or row[0] <= row[1]:
            return False
        taken = con.execute(
            self.q(
                "INSERT INTO {s}.leases (name, holder, expires_at, done, total)"
                " VALUES ('scan', %s, now() + %s * interval '1 second', 0, 0)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires_at = excluded.expires_at, done = 0, total = 0"
                " WHERE {s}.leases.expires_at < now() OR {s}.leases.holder = excluded.holder"
                " RETURNING holder"
            ),
            (self.origin, LEASE),
        ).fetchone()
        if taken is None:
            return False
        self.claimed = int(row[0])
        return True

    def renew(self, con: psycopg.Connection[Any], done: int | None = None, total: int = 0) -> bool:
        """Keep the turn (and say how far the scan is); False when it was lost."""
        renewed = con.execute(
            self.q(
                "UPDATE {s}.leases SET expires_at = now() + %s * interval '1 second',"
                " done = coalesce(%s, done), total = coalesce(%s, total)"
                " WHERE name = 'scan' AND holder = %s"
            ),
            (LEASE, done, total if done is not None else None, self.origin),
        )
        return renewed.rowcount == 1

    def finish(self, con: psycopg.Connection[Any]) -> None:
        if self.claimed is None:
            return
        with con.transaction():
            con.execute(
                self.q("UPDATE {s}.writer SET scan_done = greatest(scan_done, %s)"),
                (self.claimed,),
            )
            con.execute(
                self.q("DELETE FROM {s}.leases WHERE name = 'scan' AND holder = %s"),
                (self.origin,),
            )
        self.claimed = None

    def elsewhere(self, con: psycopg.Connection[Any]) -> tuple[int, int] | None:
        row = con.execute(
            self.q(
                "SELECT w.scan_wanted > w.scan_done, l.done, l.total FROM {s}.writer w"
                " LEFT JOIN {s}.leases l ON l.name = 'scan' AND l.expires_at > now()"
            )
        ).fetchone()
        if row is None or not row[0]:
            return None
        return int(row[1] or 0), int(row[2] or 0)


class Keeper(threading.Thread):
    """Renews the scan lease every LEASE/3 seconds while ``held()`` (a thread of its
    own: a long batch must not let the turn lapse)."""

    def __init__(self, renew: Callable[[], None], held: Callable[[], bool]) -> None:
        super().__init__(name="jupyter-blocks-lease", daemon=True)
        self._renew = renew
        self._held = held
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(LEASE / 3):
            if self._held():
                with contextlib.suppress(Exception):  # the worker finds out on its own
                    self._renew()


class Listener(threading.Thread):
    """LISTENs on the space's channel and calls ``wake()`` for every notification from
    another server (and once each time it starts listening: news may have been missed
    while it did not). Reconnects on its own when the database goes away."""

    def __init__(self, url: str, channel: str, origin: str) -> None:
        super().__init__(name="jupyter-blocks-listen", daemon=True)
        self.url = url
        self.channel = channel
        self.origin = origin
        self.wake: Callable[[], None] = lambda: None
        self.listening = False
        self.news = True  # something may be unread in the log
        self.stopped = threading.Event()

    def run(self) -> None:
        pause = 1.0
        while not self.stopped.is_set():
            try:
                with connect(self.url) as con:
                    con.execute(sql(self.channel, "LISTEN {s}"))
                    self.listening, self.news, pause = True, True, 1.0
                    self.wake()
                    while not self.stopped.is_set():
                        for note in con.notifies(timeout=1.0):
                            if note.payload != self.origin:
                                self.news = True
                                self.wake()
            except psycopg.Error as error:
                if self.listening:
                    log.info("jupyter-blocks: listening for other servers stopped (%s)", error)
            except Exception:  # never let the thread die unseen
                log.exception("jupyter-blocks: the listener of other servers failed")
            self.listening = False
            self.stopped.wait(pause)
            pause = min(pause * 2, 30.0)
