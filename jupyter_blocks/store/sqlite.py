"""The default block store: one SQLite file, a rollback journal, FTS5 over block text.

One writer connection (used by the indexer's single writer thread) and one read-only
connection per reader thread; readers run while the writer prepares a transaction and
wait (busy timeout) only while it commits. Not WAL: WAL maps its -shm file into
memory, and a -shm that someone truncates or makes immutable kills the whole Jupyter
server (SIGBUS) at its next read (docs/design.md). Several
servers may share one file (they serve one root): SQLite serializes their writes, every
write is logged for the others (``changes_since``), and cached aggregates are keyed by
SQLite's ``data_version``, which sees every connection's commits. Around this class:
``sqlite_schema`` (the file, its schema and what its errors mean), ``sqlite_readers``
(the reader connections), ``sqlite_writes``, ``sqlite_reads`` and ``sqlite_search``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from typing import TypeVar

from . import sqlite_copies
from . import sqlite_files as files
from . import sqlite_schema as schema
from .base import BlockStore
from .errors import StoreCorrupt, StoreError, StoreUnavailable
from .records import (
    BlockRow,
    FileState,
    LoggedChange,
    NotebookRow,
    path_key,
)
from .sqlite_copies import judge_copies
from .sqlite_queries import SQLiteQueries
from .sqlite_readers import Readers, reading
from .sqlite_writes import (
    diff_notebook,
    indexed,
    insert_blocks,
    log_change,
    put_files,
    read_changes,
    remove_blocks_of,
)

T = TypeVar("T")
# During a bulk load, the writer's page cache: a transaction whose changed pages do not
# fit must write them to the file before it commits, and readers wait until it does.
_BULK_CACHE_KIB = 64 * 1024
_CACHE_KIB = 8 * 1024


class SQLiteStore(SQLiteQueries, BlockStore):
    """Block index in a single SQLite file."""

    def __init__(self, location: str, root: str) -> None:
        super().__init__(location, root)
        self.origin = uuid.uuid4().hex  # this store's name in the change log
        self._writer: sqlite3.Connection | None = None
        self.readers = Readers(location)
        self._identity: tuple[int, int] | None = None
        # (size, mtime) of the file after this store's last write: a change not made
        # by it (another program, another server's checkpoint) gets the file checked.
        self._seen: tuple[int, int] | None = None
        # SQLite's count of commits made by other connections (another server's).
        self._version: int | None = None
        self._next_seen = 0
        self._shared: dict[str, tuple[object, object]] = {}
        self._shared_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> None:
        """Open the index, creating it (or rebuilding it empty when its schema is older).
        Raises StoreUnavailable when the location cannot hold it, StoreCorrupt when the
        file is damaged or is not a jupyter-blocks index (it is then set aside, never
        removed)."""
        con = schema.open_writer(self.location, self.root)
        con.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        self._writer = con
        self._identity = files.identity(self.location)
        self._seen = files.size_and_mtime(self.location)
        self.readers.open = True

    def close(self) -> None:
        self.readers.close_all()
        if self._writer is not None:
            with contextlib.suppress(sqlite3.Error):
                self._writer.execute("PRAGMA optimize")
            with contextlib.suppress(sqlite3.Error):
                self._writer.close()
            self._writer = None

    # -- faults ------------------------------------------------------------------------
    def fault(self, error: BaseException) -> StoreError | None:
        found = files.classify(error, self.location)
        if isinstance(found, StoreUnavailable) and self._identity is not None:
            # The file this store opened is gone or another one took its place (a new
            # connection cannot open it): that is damage to rebuild, not a bad location.
            now = files.identity(self.location)
            if now is None:
                return StoreCorrupt(f"the index file {self.location} was deleted")
            if now != self._identity:
                return StoreCorrupt(f"the index file {self.location} was replaced")
        return found

    def probe(self) -> None:
        """The file is still the one opened, never shorter than this store left it (SQLite
        never shrinks it; a truncation is damage), and when something else modified it,
        SQLite's quick check (on a connection of its own, past every cache) finds it
        sound."""
        if self._writer is not None:
            version = self._writer.execute("PRAGMA data_version").fetchone()[0]
            # A change another server's SQLite committed needs no check of the file.
            by_sqlite = self._version is not None and version != self._version
            self._version = version
            self._seen = schema.check_file(
                self.location, self._identity, self._seen, by_sqlite=by_sqlite
            )

    def check_writable(self) -> None:
        """A write that changes nothing, committed: SQLite opens a file it may not
        change read-only, and says so only at the first write."""
        with self._write() as con:
            con.execute("UPDATE meta SET value = value WHERE key = 'next_seen'")

    def set_aside(self, reason: str) -> str | None:
        return files.set_aside(self.location, self._identity)

    # -- connections -------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (inside a ``reading`` method)."""
        return self.readers.held().con

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._writer
        if con is None:
            raise StoreUnavailable(f"the index at {self.location} is not open")
        con.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the transaction: another server may have written since.
            self._next_seen = int(
                con.execute("SELECT value FROM meta WHERE key = 'next_seen'").fetchone()[0]
            )
            first = self._next_seen
            yield con
            if self._next_seen != first:
                con.execute(
                    "UPDATE meta SET value = ? WHERE key = 'next_seen'", (str(self._next_seen),)
                )
            con.execute("COMMIT")
            self._seen = files.size_and_mtime(self.location)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise

    def _log_change(self, con: sqlite3.Connection, paths: list[str], ids: list[str]) -> None:
        log_change(con, self.origin, paths, ids)

    # -- changes other servers wrote ---------------------------------------------------
    @reading
    def change_cursor(self) -> int:
        row = self._reader().execute("SELECT max(seq) FROM changes").fetchone()
        return int(row[0] or 0)

    @reading
    def changes_since(self, cursor: int) -> tuple[int, list[LoggedChange]]:
        return read_changes(self._reader(), cursor, self.origin)

    # -- writes ------------------------------------------------------------------------
    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Many writes in a row (a cold scan): the writer keeps more pages in memory, so
        that a batch never writes to the file before it commits (readers would wait for
        the whole transaction then)."""
        con = self._writer
        if con is None:
            raise StoreUnavailable(f"the index at {self.location} is not open")
        con.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
        try:
            yield
        finally:
            con.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")

    def settle(self) -> None:
        if self._writer is not None:
            self._seen = files.size_and_mtime(self.location)

    def put_notebooks(self, notebooks: list[NotebookRow]) -> list[str]:
        # Few statements per batch: the writer thread waits for the GIL after each one
        # while the next batch is parsed, and FTS5 writes a segment per statement.
        changed: list[str] = []
        with self._write() as con:
            known = indexed(con, [nb.path for nb in notebooks])
            added: list[tuple[str, BlockRow]] = []
            for nb in notebooks:
                if nb.path in known:
                    changed.extend(diff_notebook(con, nb, added))
                else:
                    added.extend((nb.path, block) for block in nb.blocks)
                    changed.extend(block.id for block in nb.blocks if block.id)
            self._next_seen = insert_blocks(con, added, self._next_seen)
            put_files(con, notebooks)
            changed.extend(judge_copies(con, [nb.path for nb in notebooks], self.root))
            self._log_change(con, [nb.path for nb in notebooks], changed)
        return changed

    def remove_notebooks(self, paths: list[str]) -> list[str]:
        removed: list[str] = []
        with self._write() as con:
            for path in paths:
                removed.extend(remove_blocks_of(con, path))
                con.execute("DELETE FROM files WHERE path = ?", (path,))
                sqlite_copies.forget(con, path)
            self._log_change(con, paths, removed)
        return removed

    @reading
    def rename_notebook(self, old: str, new: str) -> int:
        moves: list[tuple[str, str]] = []
        con = self._reader()
        if con.execute("SELECT 1 FROM files WHERE path = ?", (old,)).fetchone():
            moves.append((old, new))
        else:
            prefix = old.rstrip("/") + "/"
            for (path,) in con.execute(
                "SELECT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)
            ):
                moves.append((path, new.rstrip("/") + "/" + path[len(prefix) :]))
        if not moves:
            return 0
        with self._write() as con:
            for src, dst in moves:
                # Whatever the index held at the destination is replaced by the move.
                remove_blocks_of(con, dst)
                con.execute("DELETE FROM files WHERE path = ?", (dst,))
                sqlite_copies.forget(con, dst)
                con.execute("UPDATE blocks SET path = ? WHERE path = ?", (dst, src))
                con.execute(
                    "UPDATE files SET path = ?, key = ? WHERE path = ?", (dst, path_key(dst), src)
                )
                sqlite_copies.rename(con, src, dst)
            self._log_change(con, [old, new] + [p for move in moves for p in move], [])
        return len(moves)

    def put_skipped(self, path: str, state: FileState, reason: str) -> None:
        with self._write() as con:
            removed = remove_blocks_of(con, path)
            sqlite_copies.forget(con, path)
            con.execute(
                "INSERT OR REPLACE INTO files (path, key, mtime_ns, size, skipped)"
                " VALUES (?, ?, ?, ?, ?)",
                (path, path_key(path), state.mtime_ns, state.size, reason),
            )
            self._log_change(con, [path], removed)

    # -- reads -------------------------------------------------------------------------
    @reading
    def file_states(self) -> dict[str, FileState]:
        return {
            path: FileState(mtime_ns, size)
            for path, mtime_ns, size in self._reader().execute(
                "SELECT path, mtime_ns, size FROM files"
            )
        }

    @reading
    def file_state(self, path: str) -> FileState | None:
        row = (
            self._reader()
            .execute("SELECT mtime_ns, size FROM files WHERE path = ?", (path,))
            .fetchone()
        )
        return FileState(*row) if row else None

    @reading
    def paths_under(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return [
            p
            for (p,) in self._reader().execute(
                "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ?",
                (path, len(prefix), prefix),
            )
        ]
