"""The team store: a space's block index in PostgreSQL, shared by every server of the
space (see ``postgres_schema`` for spaces and the schema, ``postgres_share`` for the
scan's turn and the news between servers, ``postgres_writes`` and ``postgres_search``).

One writer connection (the indexer's writer thread; every write locks the space's
``writer`` row, so the servers of a space write one at a time) and a pool of reader
connections (psycopg_pool). A request's reads share one connection
(``read_as_one``), checked before use when it was idle for CHECK_IDLE seconds or more,
and read again on another when it turns out lost: a restart of PostgreSQL costs a
reconnection, not an error. Needs psycopg 3 and psycopg_pool
(``pip install jupyter-blocks[postgres]``).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool

from . import postgres_schema as schema
from . import postgres_writes as writes
from .base import BlockStore
from .diff import rename_moves
from .errors import StoreBusy, StoreError, StoreUnavailable
from .postgres_copies import judge_copies
from .postgres_queries import PostgresQueries
from .postgres_reads import Reads
from .postgres_search import prepare_vectors
from .postgres_share import HEARTBEAT, POLL_ANYWAY, Keeper, Listener, Sharing
from .records import (
    FileState,
    LoggedChange,
    NotebookRow,
    path_key,
)

T = TypeVar("T")
READERS = 6  # reader connections at most (the service reads on 4 threads)
POOL_WAIT = 5.0  # seconds a read waits for a connection before the database is unreachable
# A reader connection used less than this many seconds ago is not checked (a round trip)
# before it is used again; a request whose connection was lost is read again.
CHECK_IDLE = 1.0
ANALYZE_FROM = 2000  # blocks (keys given) after which a bulk load renews statistics
# The columns of blocks that queries select by (statistics on sources, titles and names
# would only cost: a third of an ANALYZE's time went to them); during a bulk load, only
# those the writes' own lookups use (a notebook's blocks, the blocks holding its ids).
SELECTED_BY = "blocks (key, path, idx, id, label, cell_type, first_seen, terms)"
LOOKED_UP_BY = "blocks (path, id)"


class PostgresStore(PostgresQueries, BlockStore):
    """Block index of one space in a PostgreSQL database. ``location`` is the database
    URL (``postgresql://user:password@host:port/database``; empty: libpq's PG*
    environment variables); ``space`` names the space (default: this machine and the
    root, see ``postgres_schema.default_space``)."""

    setting = schema.URL_SETTING
    prepare = staticmethod(prepare_vectors)
    stalls = "the database server may be stopped, overloaded or out of reach"
    remedy = "Check that the database server runs and that this server reaches it ({setting})"
    in_database = True

    def __init__(self, location: str, root: str, space: str | None = None) -> None:
        super().__init__(location, root)
        self._url = location
        self.space = space or schema.default_space(root)
        self.schema = schema.schema_for(self.space)
        self.where = schema.describe(location)
        # What messages and logs show: never the password.
        self.location = f"{self.where} (space {self.space!r})"
        self.origin = uuid.uuid4().hex
        self.share = Sharing(self.schema, self.origin)
        self._writer: psycopg.Connection[Any] | None = None
        self._pool: ConnectionPool[Any] | None = None
        self._listener: Listener | None = None
        self._keeper: Keeper | None = None
        self._wake: Callable[[], None] = lambda: None
        self._opened = 0
        self._last_read = 0.0
        self._cache: dict[str, tuple[int, object]] = {}
        self._cache_lock = threading.Lock()
        self._held = threading.local()  # the connection of a reader thread's request
        self._analyze_at: int | None = None  # during a bulk load: keys given, to analyze
        self._used: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = (
            weakref.WeakKeyDictionary()
        )
        self.reads = Reads(self.schema, self._read)

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> None:
        """Connect, create the space's schema when missing (or replace one of an older
        version), be present in the space. StoreUnavailable when the database cannot be
        reached, refuses this server, or holds a newer version, or when the space's
        name is not one (blank around it, over 1000 characters); StoreCorrupt when the
        space's tables are damaged."""
        if self.space != self.space.strip() or not self.space or len(self.space) > 1000:
            raise StoreUnavailable(
                f"the space {self.space[:80]!r} is not a name (no blank before or after "
                "it, at most 1000 characters): fix c.BlocksExtension.space, the same on "
                "every server of the team"
            )
        try:
            con = schema.connect(self._url)
        except psycopg.Error as error:
            raise self._fault(error) from None
        try:
            con.execute(f"SET lock_timeout = {schema.LOCK_TIMEOUT_MS}")
            # The index is a cache of the notebooks: a commit need not wait for the WAL
            # to reach the disk (as SQLite's synchronous=OFF). A crash of PostgreSQL may
            # lose the last fraction of a second of commits, never their consistency,
            # and the reopening below sees where the log stands.
            con.execute("SET synchronous_commit = off")
            schema.prepare(con, self.schema, self.space)
            self.share.join(con, again=self._opened > 0)
        except BaseException as error:
            con.close()
            if isinstance(error, psycopg.Error):
                raise self._fault(error) from None
            raise
        self._writer = con
        self._opened += 1
        # Aggregates are cached by where the change log stands; a database that lost
        # its last commits (a crash without synchronous commit, a failover) numbers the
        # next changes again from there, so nothing cached before survives a reopening.
        with self._cache_lock:
            self._cache.clear()
        self._pool = ConnectionPool(
            self._url,
            min_size=1,
            max_size=READERS,
            kwargs={"autocommit": True, **schema.connect_options()},
            configure=_configure,
            check=self._check,
            timeout=POOL_WAIT,
            name=f"jupyter-blocks-{self.schema}",
            open=True,
        )
        self._listener = Listener(self._url, self.schema, self.origin)
        self._listener.wake = self._wake
        self._listener.start()
        self._keeper = Keeper(self._renew, lambda: self.share.claimed is not None)
        self._keeper.start()

    def close(self) -> None:
        for thread in (self._listener, self._keeper):
            if thread is not None:
                thread.stopped.set()
        if self._writer is not None and not self._writer.broken:
            with contextlib.suppress(psycopg.Error):
                self.share.leave(self._writer)
        if self._writer is not None:
            with contextlib.suppress(psycopg.Error):
                self._writer.close()
            self._writer = None
        if self._pool is not None:
            with contextlib.suppress(Exception):
                self._pool.close(timeout=5)
            self._pool = None
        for thread in (self._listener, self._keeper):
            if thread is not None:
                thread.join(timeout=3)
        self._listener = self._keeper = None
        self.share.claimed = None

    # -- faults ------------------------------------------------------------------------
    def fault(self, error: BaseException) -> StoreError | None:
        return schema.classify(error, self.where, self.space)

    def _fault(self, error: BaseException) -> StoreError:
        return self.fault(error) or StoreUnavailable(f"PostgreSQL at {self.where}: {error}")

    def probe(self) -> None:
        """The writer's connection is alive and the space's tables are there (a
        heartbeat, every HEARTBEAT seconds, keeps this server present)."""
        con = self._writer
        if con is None or con.broken or con.closed:
            raise StoreUnavailable(f"the connection to PostgreSQL at {self.where} was lost")
        if time.monotonic() - self.share.last_beat >= HEARTBEAT:
            self.share.beat(con)

    def set_aside(self, reason: str) -> str | None:
        """Drop the damaged index of this space (only when it is of this version: a newer
        one is another jupyter-blocks's), so that ``open`` creates it again."""
        with schema.connect(self._url) as con:
            meta = schema.read_meta(con, self.schema)
            if meta is None or meta.get("schema_version") != str(schema.SCHEMA_VERSION):
                return None
            con.execute(schema.sql(self.schema, "DROP SCHEMA {s} CASCADE"))
        return f"dropped (schema {self.schema})"

    # -- connections -------------------------------------------------------------------
    def read_as_one(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` with every read of it on one connection of the pool (a backlinks
        request reads three times: one checkout, and at most one check, not three). A
        connection found lost (PostgreSQL restarted, a failover, a dropped backend) is
        left to the pool and ``fn`` run once more on another: it only reads."""
        if getattr(self._held, "con", None) is not None:
            return fn(*args)
        for again in (False, True):
            held: psycopg.Connection[Any] | None = None
            try:
                with self._read() as held:
                    self._held.con = held
                    try:
                        return fn(*args)
                    finally:
                        self._held.con = None
            except psycopg.OperationalError:
                if again or held is None or not (held.broken or held.closed):
                    raise
                if self._pool is not None:
                    self._pool.check()  # the others of the pool were lost with it
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _read(self) -> Iterator[psycopg.Connection[Any]]:
        held = getattr(self._held, "con", None)
        if held is not None:
            yield held
            return
        pool = self._pool
        if pool is None:
            raise StoreUnavailable(f"the index at {self.location} is not open")
        with pool.connection(timeout=POOL_WAIT) as con:
            try:
                yield con
            finally:
                self._used[con] = time.monotonic()

    def _check(self, con: psycopg.Connection[Any]) -> None:
        """The pool's check of a connection it hands out: a round trip, unless the
        connection was used less than CHECK_IDLE seconds ago."""
        if time.monotonic() - self._used.get(con, 0.0) >= CHECK_IDLE:
            ConnectionPool.check_connection(con)

    @contextlib.contextmanager
    def _write(self) -> Iterator[writes.Tx]:
        con = self._writer
        if con is None or con.closed:
            raise StoreUnavailable(f"the index at {self.location} is not open")
        with con.transaction():
            row = con.execute(
                schema.sql(self.schema, "SELECT next_seen, next_key FROM {s}.writer FOR UPDATE")
            ).fetchone()
            if row is None:
                raise StoreUnavailable(f"the index of space {self.space!r} has no writer row")
            tx = writes.Tx(con, self.schema, int(row[0]), int(row[1]))
            start = (tx.next_seen, tx.next_key)
            yield tx
            if (tx.next_seen, tx.next_key) != start:
                tx.run(
                    "UPDATE {s}.writer SET next_seen = %s, next_key = %s",
                    (tx.next_seen, tx.next_key),
                )

    # -- the servers of the space ------------------------------------------------------
    def on_change(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        if self._listener is not None:
            self._listener.wake = wake

    def claim_scan(self) -> bool:
        with self._read() as con:
            return self.share.claim(con)

    def scan_progress(self, done: int, total: int) -> None:
        with self._read() as con:
            if not self.share.renew(con, done, total):
                self.share.claimed = None
                raise StoreBusy(
                    f"this server stalled past its turn to scan space {self.space!r}, and "
                    "another server took it over"
                )

    def finish_scan(self) -> None:
        with self._read() as con:
            self.share.finish(con)

    def scan_elsewhere(self) -> tuple[int, int] | None:
        with self._read() as con:
            return self.share.elsewhere(con)

    def _renew(self) -> None:
        with self._read() as con:
            self.share.renew(con)

    def change_cursor(self) -> int:
        with self._read() as con:
            row = con.execute(
                schema.sql(self.schema, "SELECT max(seq) FROM {s}.changes")
            ).fetchone()
        return int(row[0] or 0) if row else 0

    def changes_since(self, cursor: int) -> tuple[int, list[LoggedChange]]:
        """The log is read when a notification said it has news, and every POLL_ANYWAY
        seconds in any case (or every call, while not listening)."""
        listener = self._listener
        quiet = listener is not None and listener.listening and not listener.news
        if quiet and time.monotonic() - self._last_read < POLL_ANYWAY:
            return cursor, []
        if listener is not None:
            listener.news = False
        self._last_read = time.monotonic()
        with self._read() as con:
            return writes.read_changes(con, self.schema, cursor, self.origin)

    # -- writes ------------------------------------------------------------------------
    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        self._analyze_at = 0  # set by the first write
        try:
            yield
        finally:
            self._analyze_at = None
        # The planner's statistics at once: after a bulk load PostgreSQL knows nothing
        # of the new rows until autovacuum analyzes them (a minute later), and plans a
        # lookup by id as a scan of every block (30 ms a request instead of 0.3).
        self._analyze(SELECTED_BY, "links", "files", "tombstones")

    def _analyze(self, *tables: str) -> None:
        """ANALYZE each of ``tables`` (a table of the space, or one with its columns)."""
        con = self._writer
        if con is not None and not con.closed:
            for table in tables:
                con.execute(schema.sql(self.schema, f"ANALYZE {{s}}.{table}"))

    def put_notebooks(self, notebooks: list[NotebookRow]) -> list[str]:
        with self._write() as tx:
            changed = writes.put_notebooks(tx, notebooks)
            changed.extend(judge_copies(tx, [nb.path for nb in notebooks], self.root))
            writes.log_change(tx, self.origin, [nb.path for nb in notebooks], changed)
        # During a bulk load, the statistics again each time the blocks doubled: planned
        # on those of an almost empty table, the copy check of a batch (a join of the
        # blocks on their ids) scanned every block, 11 ms a batch at the start of 2,000
        # notebooks and 60 ms at the end (``ANALYZE_FROM`` blocks on).
        if self._analyze_at is not None and tx.next_key >= self._analyze_at:
            if self._analyze_at:
                self._analyze(LOOKED_UP_BY, "links", "files")
            self._analyze_at = 2 * max(tx.next_key, ANALYZE_FROM)
        return changed

    def remove_notebooks(self, paths: list[str]) -> list[str]:
        with self._write() as tx:
            removed = writes.remove_blocks_of(tx, paths)
            tx.run("DELETE FROM {s}.files WHERE path = ANY(%s)", (paths,))
            writes.forget_copies(tx, paths)
            writes.log_change(tx, self.origin, paths, removed)
        return removed

    def rename_notebook(self, old: str, new: str) -> int:
        with self._write() as tx:
            prefix = old.rstrip("/") + "/"
            known = [
                row[0]
                for row in tx.run(
                    "SELECT path FROM {s}.files WHERE path = %s OR left(path, %s) = %s",
                    (old, len(prefix), prefix),
                )
            ]
            moves = rename_moves(old, new, known)
            if moves:
                writes.rename(tx, moves)
                writes.log_change(tx, self.origin, [old, new] + [p for m in moves for p in m], [])
        return len(moves)

    def put_skipped(self, path: str, state: FileState, reason: str) -> None:
        with self._write() as tx:
            removed = writes.remove_blocks_of(tx, [path])
            writes.forget_copies(tx, [path])
            tx.run(
                "INSERT INTO {s}.files (path, key, mtime_ns, size, skipped)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (path) DO UPDATE SET"
                " key = excluded.key, mtime_ns = excluded.mtime_ns, size = excluded.size,"
                " skipped = excluded.skipped, title = '', problems = NULL",
                (
                    writes.text(path),
                    writes.text(path_key(path)),
                    state.mtime_ns,
                    state.size,
                    writes.text(reason),
                ),
            )
            writes.log_change(tx, self.origin, [path], removed)


def _configure(con: psycopg.Connection[Any]) -> None:
    con.execute(f"SET statement_timeout = {schema.STATEMENT_TIMEOUT_MS}")
