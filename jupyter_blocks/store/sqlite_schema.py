"""The SQLite index file: its schema, its connections, and what its errors mean.

Errors are told apart by SQLite's own result codes (``sqlite_errorname``, Python 3.11+),
with the messages SQLite gives for them as a fallback on older Pythons.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .errors import StoreCorrupt, StoreUnavailable
from .sqlite_files import delete_files, identity, size_and_mtime

# Bump when the schema or what the indexer extracts changes: the index is rebuilt.
SCHEMA_VERSION = 4

# Prefixes of this many characters are indexed; shorter ones are not searched as
# prefixes (see sqlite_search.fts_query).
PREFIX_INDEX = 3
TOKENIZE = "'unicode61 remove_diacritics 2'"

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Every file the index has looked at; skipped is NULL for indexed notebooks. key is
-- the path in Unicode NFC, how links and requests name it (a file named on macOS is in
-- NFD); path is the real name, to open it.
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    skipped TEXT,
    title TEXT NOT NULL DEFAULT '',
    problems TEXT,
    -- When the index first held it, and by which scan (0: a change seen live): the
    -- index's memory of which notebook held an id first (copies.py).
    first_indexed REAL NOT NULL DEFAULT 0,
    scan INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_by_key ON files (key);
CREATE TABLE blocks (
    rowid INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    idx INTEGER NOT NULL,
    id TEXT,
    label TEXT,
    cell_type TEXT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    -- The label and heading a block is named by (ranked first by search).
    name TEXT NOT NULL DEFAULT '',
    -- What search indexes when it differs from the source (searchtext.py), else NULL.
    words TEXT,
    -- Order in which the id was first seen: a duplicated id resolves to the lowest.
    first_seen INTEGER NOT NULL
);
CREATE INDEX blocks_by_path ON blocks (path, idx);
CREATE INDEX blocks_by_id ON blocks (id, first_seen) WHERE id IS NOT NULL;
CREATE INDEX blocks_by_label ON blocks (label, first_seen) WHERE label IS NOT NULL;
CREATE TABLE links (
    block INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    facet TEXT
);
CREATE INDEX links_by_target ON links (target, kind);
CREATE INDEX links_by_block ON links (block);
-- The last known state of blocks whose id disappeared, so references can say so.
CREATE TABLE tombstones (
    id TEXT PRIMARY KEY,
    label TEXT,
    path TEXT NOT NULL,
    idx INTEGER NOT NULL,
    cell_type TEXT NOT NULL,
    source TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    deleted_at REAL NOT NULL
);
-- Notebooks judged copies of another (copies.py), and why.
CREATE TABLE copies (
    path TEXT NOT NULL,
    original TEXT NOT NULL,
    reason TEXT NOT NULL,
    conclusive INTEGER NOT NULL,
    PRIMARY KEY (path, original)
);
-- The last changes written, by which server (origin): servers sharing this file tell
-- their own users of the changes the others wrote. JSON lists of paths and ids.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    paths TEXT NOT NULL,
    ids TEXT NOT NULL,
    truncated INTEGER NOT NULL
);
-- What full-text search reads: a block's title (ranked first), its words and its path.
CREATE VIEW block_text AS
    SELECT rowid, name AS title, coalesce(words, source) AS words, path FROM blocks;
-- Search matches words, never phrases, so the full-text index keeps no positions
-- (detail = none: a third of its cost). Only the prefixes a query can ask for fast are
-- indexed (see fts_query). Inserts are added by the store itself, a whole batch in one
-- statement (FTS5 writes a segment per statement; a row trigger costs several times
-- more).
CREATE VIRTUAL TABLE blocks_fts USING fts5 (
    title, words, path,
    content = 'block_text', content_rowid = 'rowid',
    tokenize = {TOKENIZE},
    detail = none,
    prefix = '{PREFIX_INDEX}'
);
CREATE TRIGGER blocks_ad AFTER DELETE ON blocks BEGIN
    DELETE FROM links WHERE block = old.rowid;
    INSERT INTO blocks_fts (blocks_fts, rowid, title, words, path)
    VALUES ('delete', old.rowid, old.name, coalesce(old.words, old.source), old.path);
END;
CREATE TRIGGER blocks_au AFTER UPDATE OF source, path, name, words ON blocks BEGIN
    INSERT INTO blocks_fts (blocks_fts, rowid, title, words, path)
    VALUES ('delete', old.rowid, old.name, coalesce(old.words, old.source), old.path);
    INSERT INTO blocks_fts (rowid, title, words, path)
    VALUES (new.rowid, new.name, coalesce(new.words, new.source), new.path);
END;
"""  # noqa: S608 (constants only)

JOURNAL_SIZE_LIMIT = 8 * 2**20  # a journal grown by a bulk load shrinks back to this
# Files SQLite keeps beside the index: the rollback journal (this version's), and the
# WAL and its shared memory of an index written by an earlier version (WAL mode).
BUSY_TIMEOUT_MS = 10_000  # how long a statement waits for another writer's lock
QUICK_CHECK_SECONDS = 5.0  # the check at opening stops there (errors on use catch the rest)
CHUNK = 400  # ids per IN (...) clause, under SQLite's variable limit
# Bound parameters per statement: SQLite's default limit (999 before 3.32).
MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def connect(location: str, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode. A reader opens the file read-only, so that a
    deleted index file is an error for it, never a new empty database."""
    # The writer binds whole batches of cell sources: a statement kept in the cache
    # would keep its last bound values (megabytes) alive, so it keeps none.
    if readonly:
        uri = Path(os.path.abspath(location)).as_uri() + "?mode=ro"
        con = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, cached_statements=128
        )
    else:
        con = sqlite3.connect(
            location, isolation_level=None, check_same_thread=False, cached_statements=0
        )
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if readonly:
        con.execute("PRAGMA query_only = 1")
    else:
        # A rollback journal, not WAL: WAL maps its -shm file into memory, and a -shm
        # truncated or made immutable by someone else then kills the whole process
        # (SIGBUS) at the next read. A journal is only ever read and written.
        con.execute("PRAGMA journal_mode = TRUNCATE")
        # The index is a cache: safe when a program crashes (the system has the data),
        # and a power loss that damages it gets it set aside and rebuilt.
        con.execute("PRAGMA synchronous = OFF")
        con.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    return con


def open_writer(location: str, root: str) -> sqlite3.Connection:
    """The writer connection of the index at ``location`` for ``root``, creating the
    index (or rebuilding it empty when it is ours but of an older schema or another
    root). StoreUnavailable when the location cannot hold it; StoreCorrupt when the file
    is damaged or is not a jupyter-blocks index (never removed: the caller sets it
    aside)."""
    folder = os.path.dirname(os.path.abspath(location))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise StoreUnavailable(
            f"the folder of the index, {folder}, cannot be created ({error.strerror})"
        ) from None
    con = connect(location)
    try:
        meta = read_meta(con)
        if meta is None and not is_empty(con):
            raise StoreCorrupt(f"{location} holds something else than a block index")
        current = meta is not None and meta.get("schema_version") == str(SCHEMA_VERSION)
        if meta is not None and not (current and meta.get("root") == root):
            con.close()
            delete_files(location)
            con = connect(location)
            meta = None
        if meta is None:
            create(con, root)
        problem = quick_check(con)
        if problem is not None:
            raise StoreCorrupt(f"the index file {location} is damaged ({problem})")
    except BaseException:
        con.close()
        raise
    return con


def check_file(
    location: str,
    opened: tuple[int, int] | None,
    seen: tuple[int, int] | None,
    by_sqlite: bool = False,
) -> tuple[int, int] | None:
    """StoreCorrupt unless the file at ``location`` is still the one opened, never
    shorter than its last ``seen`` (size, mtime) (SQLite never shrinks it: a truncation
    is damage) and, when something else modified it, found sound by SQLite's quick check
    on a connection of its own (past every cache), unless ``by_sqlite`` (another
    connection's commit, which SQLite counted). Returns what is seen now."""
    now = identity(location)
    if now is None:
        raise StoreCorrupt(f"the index file {location} was deleted")
    if now != opened:
        raise StoreCorrupt(f"the index file {location} was replaced")
    current = size_and_mtime(location)
    if seen is None or current is None or current == seen:
        return current
    if current[0] < seen[0]:
        raise StoreCorrupt(f"the index file {location} was truncated")
    if by_sqlite:
        return current
    con = connect(location, readonly=True)
    try:
        problem = quick_check(con)
    finally:
        con.close()
    if problem is not None:
        raise StoreCorrupt(f"the index file {location} is damaged ({problem})")
    return current


def read_meta(con: sqlite3.Connection) -> dict[str, str] | None:
    """The meta table, or None when the file holds no jupyter-blocks index."""
    try:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise


def create(con: sqlite3.Connection, root: str) -> None:
    """The schema, in an empty database."""
    con.executescript("BEGIN;" + SCHEMA + "COMMIT;")  # one commit, not one per table
    with con:
        con.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("schema_version", str(SCHEMA_VERSION)), ("root", root), ("next_seen", "1")],
        )


def is_empty(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def quick_check(con: sqlite3.Connection, seconds: float = QUICK_CHECK_SECONDS) -> str | None:
    """What SQLite's quick check finds wrong with the file, or None (also when the
    check ran out of time: a damaged page it did not reach fails on first use)."""
    try:
        with deadline(con, seconds * 1000):
            rows = con.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            return None
        raise
    found = rows[0][0] if rows else "no answer"
    return None if found == "ok" else str(found)


@contextlib.contextmanager
def deadline(con: sqlite3.Connection, budget_ms: float) -> Iterator[None]:
    """Interrupt the statements run inside once ``budget_ms`` has passed."""
    end = time.monotonic() + budget_ms / 1000

    def over() -> int:
        return 1 if time.monotonic() > end else 0

    con.set_progress_handler(over, 2000)
    try:
        yield
    finally:
        con.set_progress_handler(None, 0)


def insert_many(
    con: sqlite3.Connection, into: str, rows: Sequence[tuple[object, ...]], verb: str = "INSERT"
) -> None:
    """Insert rows with a few multi-row statements rather than one per row: SQLite then
    runs without the GIL for a whole chunk (executemany takes it back after every row,
    and waits for it while another thread parses)."""
    if not rows:
        return
    width = len(rows[0])
    per_statement = max(1, MAX_VARIABLES // width)
    group = "(" + ",".join("?" * width) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = ",".join([group] * len(chunk))
        con.execute(
            f"{verb} INTO {into} VALUES {values}",
            [value for row in chunk for value in row],
        )


def chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
