"""The default block store: one SQLite file, WAL mode, FTS5 over block text.

One writer connection (used by the indexer's single writer thread) and one read-only
connection per reader thread; WAL lets readers run while the writer commits.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import threading
import time
from collections.abc import Container, Iterable, Iterator, Sequence

from .base import (
    Backlink,
    Block,
    BlockRow,
    BlockStore,
    Counts,
    Duplicate,
    FileState,
    NotebookRow,
    SearchHit,
    SearchResult,
)

# Bump when the schema or what the indexer extracts changes: the index is rebuilt.
SCHEMA_VERSION = 2

# Prefixes of this many characters are indexed; shorter ones are not searched as
# prefixes (see fts_query).
PREFIX_INDEX = 3
_TOKENIZE = "'unicode61 remove_diacritics 2'"

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Every file the index has looked at; skipped is NULL for indexed notebooks.
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    skipped TEXT
);
CREATE TABLE blocks (
    rowid INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    idx INTEGER NOT NULL,
    id TEXT,
    cell_type TEXT NOT NULL,
    source TEXT NOT NULL,
    -- Order in which the id was first seen: a duplicated id resolves to the lowest.
    first_seen INTEGER NOT NULL
);
CREATE INDEX blocks_by_path ON blocks (path, idx);
CREATE INDEX blocks_by_id ON blocks (id, first_seen) WHERE id IS NOT NULL;
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
    path TEXT NOT NULL,
    idx INTEGER NOT NULL,
    cell_type TEXT NOT NULL,
    source TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    deleted_at REAL NOT NULL
);
-- Search matches words, never phrases, so the full-text index keeps no positions
-- (detail = none: a third of its cost). Only the prefixes a query can ask for fast are
-- indexed (see fts_query). Inserts are added by the store itself, a whole batch in one
-- statement (FTS5 writes a segment per statement; a row trigger costs several times
-- more).
CREATE VIRTUAL TABLE blocks_fts USING fts5 (
    source, path,
    content = 'blocks', content_rowid = 'rowid',
    tokenize = {_TOKENIZE},
    detail = none,
    prefix = '{PREFIX_INDEX}'
);
CREATE TRIGGER blocks_ad AFTER DELETE ON blocks BEGIN
    DELETE FROM links WHERE block = old.rowid;
    INSERT INTO blocks_fts (blocks_fts, rowid, source, path)
    VALUES ('delete', old.rowid, old.source, old.path);
END;
CREATE TRIGGER blocks_au AFTER UPDATE OF source, path ON blocks BEGIN
    INSERT INTO blocks_fts (blocks_fts, rowid, source, path)
    VALUES ('delete', old.rowid, old.source, old.path);
    INSERT INTO blocks_fts (rowid, source, path) VALUES (new.rowid, new.source, new.path);
END;
"""  # noqa: S608 (constants only)

# During a bulk load: WAL pages between checkpoints, and the writer's page cache.
_BULK_CHECKPOINT_PAGES = 20000
_BULK_CACHE_KIB = 8 * 1024
_WAL_SIZE_LIMIT = 8 * 2**20
_BLOCK_COLUMNS = "id, path, idx, cell_type, source"
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
# Whole-query limits that keep a pathological query cheap to even build.
MAX_QUERY_TERMS = 12
_CHUNK = 400  # ids per IN (...) clause, under SQLite's variable limit
# Bound parameters per statement: SQLite's default limit (999 before 3.32).
_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


class SQLiteStore(BlockStore):
    """Block index in a single SQLite file."""

    def __init__(self, location: str, root: str) -> None:
        super().__init__(location, root)
        self._writer: sqlite3.Connection | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._next_seen = 0
        # Bumped after every committed write; cached aggregates are keyed by it.
        self._generation = 0
        self._cache: dict[str, tuple[int, object]] = {}

    # -- lifecycle ---------------------------------------------------------------------
    def open(self) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(self.location)), exist_ok=True)
        try:
            con = self._connect()
            if not self._is_current(con):
                con.close()
                con = self._create()
        except sqlite3.DatabaseError:
            # Not a database (or corrupt): the index is a cache, so start again.
            con = self._create()
        self._writer = con
        self._next_seen = (
            1
            + con.execute(
                "SELECT max(coalesce((SELECT max(first_seen) FROM blocks), 0),"
                " coalesce((SELECT max(first_seen) FROM tombstones), 0))"
            ).fetchone()[0]
        )

    def close(self) -> None:
        with self._readers_lock:
            for con in self._readers:
                with contextlib.suppress(sqlite3.Error):
                    con.close()
            self._readers.clear()
        if self._writer is not None:
            with contextlib.suppress(sqlite3.Error):
                self._writer.execute("PRAGMA optimize")
                self._writer.close()
            self._writer = None

    def _create(self) -> sqlite3.Connection:
        """A new, empty index for this schema and root (whatever was there is removed)."""
        self._delete_files()
        con = self._connect()
        con.executescript("BEGIN;" + _SCHEMA + "COMMIT;")  # one commit, not one per table
        with con:
            con.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("root", self.root)],
            )
        return con

    def _connect(self, readonly: bool = False) -> sqlite3.Connection:
        # The writer binds whole batches of cell sources: a statement kept in the cache
        # would keep its last bound values (megabytes) alive, so it keeps none.
        con = sqlite3.connect(
            self.location,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=128 if readonly else 0,
        )
        con.execute("PRAGMA busy_timeout = 10000")
        if readonly:
            con.execute("PRAGMA query_only = 1")
        else:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            # A WAL grown by a bulk load shrinks back to this once it is reused.
            con.execute(f"PRAGMA journal_size_limit = {_WAL_SIZE_LIMIT}")
        return con

    def _is_current(self, con: sqlite3.Connection) -> bool:
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:
            return False
        return meta.get("schema_version") == str(SCHEMA_VERSION) and meta.get("root") == self.root

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.location + suffix)

    def _reader(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = self._connect(readonly=True)
            self._local.con = con
            with self._readers_lock:
                self._readers.append(con)
        return con

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._writer
        if con is None:
            raise RuntimeError("the block store is not open")
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        self._generation += 1

    def _cached(self, key: str, compute):  # type: ignore[no-untyped-def]
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self._generation:
            return hit[1]
        generation = self._generation
        value = compute()
        self._cache[key] = (generation, value)
        return value

    # -- writes ------------------------------------------------------------------------
    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Many writes in a row (a cold scan): the WAL is copied back into the database
        less often and the writer keeps more pages in memory, which together take a
        third off the cost of storing. What is left in the WAL waits for ``settle``."""
        con = self._writer
        if con is None:
            raise RuntimeError("the block store is not open")
        con.execute(f"PRAGMA wal_autocheckpoint = {_BULK_CHECKPOINT_PAGES}")
        con.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")
        try:
            yield
        finally:
            con.execute("PRAGMA cache_size = -2000")
            con.execute("PRAGMA wal_autocheckpoint = 1000")

    def settle(self) -> None:
        if self._writer is not None:
            self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def put_notebooks(self, notebooks: list[NotebookRow]) -> list[str]:
        # Few statements per batch: the writer thread waits for the GIL after each one
        # while the next batch is parsed, and FTS5 writes a segment per statement.
        changed: list[str] = []
        with self._write() as con:
            known = self._indexed(con, [nb.path for nb in notebooks])
            added: list[tuple[str, BlockRow]] = []
            for nb in notebooks:
                if nb.path in known:
                    changed.extend(self._diff_notebook(con, nb, added))
                else:
                    added.extend((nb.path, block) for block in nb.blocks)
                    changed.extend(block.id for block in nb.blocks if block.id)
            self._insert_blocks(con, added)
            _insert_many(
                con,
                "files (path, mtime_ns, size, skipped)",
                [(nb.path, nb.mtime_ns, nb.size, None) for nb in notebooks],
                "INSERT OR REPLACE",
            )
        return changed

    @staticmethod
    def _indexed(con: sqlite3.Connection, paths: list[str]) -> set[str]:
        """Which of these paths the index holds blocks for."""
        found: set[str] = set()
        for chunk in _chunks(paths):
            marks = ",".join("?" * len(chunk))
            found.update(
                path
                for (path,) in con.execute(
                    f"SELECT path FROM files WHERE skipped IS NULL AND path IN ({marks})",  # noqa: S608
                    chunk,
                )
            )
        return found

    def _diff_notebook(
        self, con: sqlite3.Connection, nb: NotebookRow, added: list[tuple[str, BlockRow]]
    ) -> list[str]:
        """Apply a notebook's new cells as a diff, so that an edit to one cell touches one
        row (and keeps the first-seen order of every id). New cells go to ``added``."""
        old: dict[tuple[str, object], tuple[int, int, str, str, str | None]] = {}
        for rowid, idx, bid, ctype, source in con.execute(
            "SELECT rowid, idx, id, cell_type, source FROM blocks WHERE path = ?", (nb.path,)
        ):
            old[_block_key(old, bid, idx)] = (rowid, idx, ctype, source, bid)
        changed: list[str] = []
        new_keys: dict[tuple[str, object], None] = {}
        for block in nb.blocks:
            key = _block_key(new_keys, block.id, block.index)
            new_keys[key] = None
            previous = old.pop(key, None)
            if previous is None:
                added.append((nb.path, block))
                if block.id:
                    changed.append(block.id)
                continue
            rowid, idx, ctype, source, _ = previous
            if (idx, ctype, source) == (block.index, block.cell_type, block.source):
                continue
            con.execute(
                "UPDATE blocks SET idx = ?, cell_type = ?, source = ? WHERE rowid = ?",
                (block.index, block.cell_type, block.source, rowid),
            )
            if source != block.source:
                con.execute("DELETE FROM links WHERE block = ?", (rowid,))
                self._insert_links(con, [(rowid, block)])
            if block.id:
                changed.append(block.id)
        for rowid, _idx, _ctype, _source, bid in old.values():
            self._bury(con, rowid)
            if bid:
                changed.append(bid)
        return changed

    def _insert_blocks(self, con: sqlite3.Connection, blocks: list[tuple[str, BlockRow]]) -> None:
        if not blocks:
            return
        # A block coming back (undo, git revert, a move seen as delete + create) takes
        # its old place in the first-seen order, and its tombstone goes.
        revived: dict[str, int] = {}
        if con.execute("SELECT 1 FROM tombstones LIMIT 1").fetchone():
            for chunk in _chunks([b.id for _, b in blocks if b.id]):
                marks = ",".join("?" * len(chunk))
                revived.update(
                    con.execute(
                        f"DELETE FROM tombstones WHERE id IN ({marks}) RETURNING id, first_seen",  # noqa: S608
                        chunk,
                    ).fetchall()
                )
        rows = []
        for path, block in blocks:
            # Only the first copy of an id takes its old place back; later ones are new.
            first_seen = revived.pop(block.id, None) if block.id else None
            if first_seen is None:
                first_seen = self._next_seen
                self._next_seen += 1
            rows.append((path, block.index, block.id, block.cell_type, block.source, first_seen))
        _insert_many(con, "blocks (path, idx, id, cell_type, source, first_seen)", rows)
        # One writer inside one transaction: the new rows took consecutive rowids.
        last = con.execute("SELECT last_insert_rowid()").fetchone()[0]
        first = last - len(blocks) + 1
        self._insert_links(con, [(first + i, block) for i, (_, block) in enumerate(blocks)])
        self._index_text(con, first, last)

    @staticmethod
    def _index_text(con: sqlite3.Connection, first: int, last: int) -> None:
        """Add new rows to the full-text index, all in one statement."""
        con.execute(
            "INSERT INTO blocks_fts (rowid, source, path)"
            " SELECT rowid, source, path FROM blocks WHERE rowid BETWEEN ? AND ?",
            (first, last),
        )

    @staticmethod
    def _insert_links(con: sqlite3.Connection, blocks: list[tuple[int, BlockRow]]) -> None:
        links = [
            (rowid, link.kind, link.target, link.facet)
            for rowid, block in blocks
            for link in block.links
        ]
        _insert_many(con, "links (block, kind, target, facet)", links)

    @staticmethod
    def _bury(con: sqlite3.Connection, rowid: int) -> None:
        """Delete a block row, leaving a tombstone for its id."""
        con.execute(
            "INSERT OR REPLACE INTO tombstones"
            " (id, path, idx, cell_type, source, first_seen, deleted_at)"
            " SELECT id, path, idx, cell_type, source, first_seen, ? FROM blocks"
            " WHERE rowid = ? AND id IS NOT NULL",
            (time.time(), rowid),
        )
        con.execute("DELETE FROM blocks WHERE rowid = ?", (rowid,))

    def _remove_blocks_of(self, con: sqlite3.Connection, path: str) -> list[str]:
        rows = con.execute("SELECT rowid, id FROM blocks WHERE path = ?", (path,)).fetchall()
        for rowid, _ in rows:
            self._bury(con, rowid)
        return [bid for _, bid in rows if bid]

    def remove_notebooks(self, paths: list[str]) -> list[str]:
        removed: list[str] = []
        with self._write() as con:
            for path in paths:
                removed.extend(self._remove_blocks_of(con, path))
                con.execute("DELETE FROM files WHERE path = ?", (path,))
        return removed

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
                self._remove_blocks_of(con, dst)
                con.execute("DELETE FROM files WHERE path = ?", (dst,))
                con.execute("UPDATE blocks SET path = ? WHERE path = ?", (dst, src))
                con.execute("UPDATE files SET path = ? WHERE path = ?", (dst, src))
        return len(moves)

    def put_skipped(self, path: str, state: FileState, reason: str) -> None:
        with self._write() as con:
            self._remove_blocks_of(con, path)
            con.execute(
                "INSERT OR REPLACE INTO files (path, mtime_ns, size, skipped) VALUES (?, ?, ?, ?)",
                (path, state.mtime_ns, state.size, reason),
            )

    # -- reads -------------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        return {
            path: FileState(mtime_ns, size)
            for path, mtime_ns, size in self._reader().execute(
                "SELECT path, mtime_ns, size FROM files"
            )
        }

    def file_state(self, path: str) -> FileState | None:
        row = (
            self._reader()
            .execute("SELECT mtime_ns, size FROM files WHERE path = ?", (path,))
            .fetchone()
        )
        return FileState(*row) if row else None

    def paths_under(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return [
            p
            for (p,) in self._reader().execute(
                "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ?",
                (path, len(prefix), prefix),
            )
        ]

    def get_blocks(self, ids: list[str]) -> dict[str, Block]:
        con = self._reader()
        found: dict[str, Block] = {}
        # One snapshot for both tables: a block coming back moves from tombstones to
        # blocks in one commit, and must be seen in one or the other.
        con.execute("BEGIN")
        try:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                marks = ",".join("?" * len(chunk))
                for row in con.execute(
                    f"SELECT {_BLOCK_COLUMNS} FROM blocks WHERE id IN ({marks})"  # noqa: S608
                    " ORDER BY first_seen DESC",
                    chunk,
                ):
                    found[row[0]] = Block(*row)  # lowest first_seen written last: it wins
                missing = [i for i in chunk if i not in found]
                if missing:
                    marks = ",".join("?" * len(missing))
                    for row in con.execute(
                        f"SELECT {_BLOCK_COLUMNS} FROM tombstones WHERE id IN ({marks})",  # noqa: S608
                        missing,
                    ):
                        found[row[0]] = Block(row[0], row[1], row[2], row[3], row[4], deleted=True)
        finally:
            con.execute("COMMIT")
        return found

    def backlinks(self, block_id: str) -> list[Backlink]:
        rows = self._reader().execute(
            "SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM links l JOIN blocks b ON b.rowid = l.block"
            " WHERE l.target = ? AND l.kind IN ('ref', 'embed')"
            " ORDER BY b.path, b.idx, l.kind",
            (block_id,),
        )
        return [Backlink(*row) for row in rows]

    def notebook_backlinks(self, path: str, link_targets: list[str]) -> list[Backlink]:
        marks = ",".join("?" * len(link_targets)) or "NULL"
        rows = self._reader().execute(
            # ids of this notebook that resolve here (not to an earlier original)
            "WITH own AS (SELECT o.id FROM blocks o WHERE o.path = ? AND o.id IS NOT NULL"  # noqa: S608
            "   AND NOT EXISTS (SELECT 1 FROM blocks e"
            "                   WHERE e.id = o.id AND e.first_seen < o.first_seen))"
            " SELECT DISTINCT b.id, b.path, b.idx, l.kind, b.source"
            " FROM links l JOIN blocks b ON b.rowid = l.block"
            " WHERE (l.kind IN ('ref', 'embed') AND l.target IN (SELECT id FROM own))"
            f"    OR (l.kind = 'notebook' AND l.target IN ({marks}))"
            " ORDER BY b.path, b.idx, l.kind",
            (path, *link_targets),
        )
        return [Backlink(*row) for row in rows]

    def backlink_counts(self, path: str) -> dict[str, int]:
        rows = self._reader().execute(
            "SELECT l.target, count(DISTINCT l.block) FROM links l"
            " WHERE l.kind IN ('ref', 'embed') AND l.target IN"
            "   (SELECT id FROM blocks WHERE path = ? AND id IS NOT NULL)"
            " GROUP BY l.target",
            (path,),
        )
        return {target: count for target, count in rows}

    def search(self, query: str, limit: int, budget_ms: int) -> SearchResult:
        match = fts_query(query)
        if not match:
            return SearchResult([], True)
        con = self._reader()
        select = (
            "SELECT b.id, b.path, b.idx, b.cell_type,"
            " snippet(blocks_fts, 0, '', '', '…', 16)"
            " FROM blocks_fts JOIN blocks b ON b.rowid = blocks_fts.rowid"
            " WHERE blocks_fts MATCH ?"
        )
        # Ranking scores every match: for a very common word that is too slow, so it
        # runs under a time budget, and past it the first matches are served unranked.
        try:
            with _deadline(con, budget_ms):
                rows = con.execute(
                    select + " ORDER BY bm25(blocks_fts, 1.0, 0.5) LIMIT ?", (match, limit)
                ).fetchall()
            return SearchResult([SearchHit(*row) for row in rows], True)
        except sqlite3.OperationalError as error:
            if "interrupted" not in str(error):
                raise
        # Unranked, the first matches: those holding the last word as typed first (its
        # postings are read as they stream), then its longer forms (a prefix merges the
        # postings of every word it starts, which takes long for a common one).
        found: dict[tuple[str, int], SearchHit] = {}
        attempts = [match[:-1], match] if match.endswith("*") else [match]
        with contextlib.suppress(sqlite3.OperationalError), _deadline(con, budget_ms):
            for attempt in attempts:
                for row in con.execute(select + " LIMIT ?", (attempt, limit)):
                    hit = SearchHit(*row)
                    found.setdefault((hit.path, hit.index), hit)
                if len(found) >= limit:
                    break
        return SearchResult(list(found.values())[:limit], False)

    def counts(self) -> Counts:
        def compute() -> Counts:
            con = self._reader()
            return Counts(
                notebooks=con.execute(
                    "SELECT count(*) FROM files WHERE skipped IS NULL"
                ).fetchone()[0],
                blocks=con.execute("SELECT count(*) FROM blocks").fetchone()[0],
                references=con.execute("SELECT count(*) FROM links").fetchone()[0],
            )

        result: Counts = self._cached("counts", compute)
        return result

    def skipped(self) -> list[tuple[str, str]]:
        return (
            self._reader()
            .execute("SELECT path, skipped FROM files WHERE skipped IS NOT NULL ORDER BY path")
            .fetchall()
        )

    def duplicates(self, limit: int) -> list[Duplicate]:
        def compute() -> list[Duplicate]:
            rows = self._reader().execute(
                "SELECT path, original, count(*) FROM ("
                "  SELECT path,"
                "    first_value(path) OVER (PARTITION BY id ORDER BY first_seen) AS original,"
                "    row_number() OVER (PARTITION BY id ORDER BY first_seen) AS rank"
                "  FROM blocks WHERE id IN ("
                "    SELECT id FROM blocks WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1))"
                " WHERE rank > 1 GROUP BY path, original ORDER BY path, original LIMIT ?",
                (limit,),
            )
            return [Duplicate(*row) for row in rows]

        result: list[Duplicate] = self._cached(f"duplicates:{limit}", compute)
        return result

    def unresolved_links(self) -> list[tuple[Backlink, str, bool]]:
        rows = self._reader().execute(
            "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target,"
            "  EXISTS (SELECT 1 FROM tombstones t WHERE t.id = l.target)"
            " FROM links l JOIN blocks b ON b.rowid = l.block"
            " WHERE l.kind IN ('ref', 'embed')"
            "   AND NOT EXISTS (SELECT 1 FROM blocks x WHERE x.id = l.target)"
            " ORDER BY b.path, b.idx"
        )
        return [(Backlink(*row[:5]), row[5], bool(row[6])) for row in rows]

    def notebook_links(self) -> list[tuple[Backlink, str]]:
        rows = self._reader().execute(
            "SELECT b.id, b.path, b.idx, l.kind, b.source, l.target"
            " FROM links l JOIN blocks b ON b.rowid = l.block WHERE l.kind = 'notebook'"
            " ORDER BY b.path, b.idx"
        )
        return [(Backlink(*row[:5]), row[5]) for row in rows]

    def embed_edges(self) -> list[tuple[str, str]]:
        rows = self._reader().execute(
            "SELECT DISTINCT b.id, l.target FROM links l JOIN blocks b ON b.rowid = l.block"
            " WHERE l.kind = 'embed' AND b.id IS NOT NULL"
            "   AND NOT EXISTS (SELECT 1 FROM blocks e"
            "                   WHERE e.id = b.id AND e.first_seen < b.first_seen)"
        )
        return [(row[0], row[1]) for row in rows]

    def ids_resolving_elsewhere(self, path: str) -> set[str]:
        rows = self._reader().execute(
            "SELECT DISTINCT b.id FROM blocks b WHERE b.path = ? AND b.id IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM blocks e WHERE e.id = b.id AND e.path != b.path"
            "             AND e.first_seen < b.first_seen)",
            (path,),
        )
        return {row[0] for row in rows}

    def notebook_paths_named(self, name: str) -> list[str]:
        return [
            path
            for (path,) in self._reader().execute(
                "SELECT path FROM files WHERE skipped IS NULL AND (path = ? OR path LIKE ?"
                " ESCAPE '\\')",
                (name, "%/" + _like_escape(name)),
            )
        ]


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression for what a user typed: every word must appear, and the
    last one as a prefix (the user may still be typing it). A last word of one or two
    ASCII letters or digits matches as a whole word instead: as a prefix it would match
    nearly everything, and FTS5 merges the postings of every word it starts before it
    returns a row, which no time budget can interrupt (prefixes of PREFIX_INDEX
    characters are indexed, and longer ones start fewer words). A run of Chinese or
    Japanese characters is one word to the tokenizer: its beginning, however short,
    stays a prefix. Words are quoted, so FTS syntax in the input (``"``, ``*``,
    ``NEAR``, ``OR``, ``column:``) is only ever text."""
    words = _words(text)[:MAX_QUERY_TERMS]
    if not words:
        return ""
    terms = [f'"{w}"' for w in words]
    last = words[-1]
    if not text[-1:].isspace() and (len(last) >= PREFIX_INDEX or not last.isascii()):
        terms[-1] += "*"
    return " ".join(terms)


def _words(text: str) -> list[str]:
    """The words of a query as the index's tokenizer splits them. Python's idea of a
    word character and SQLite's (older Unicode tables) differ on a few letters; a quoted
    word that SQLite splits would be a phrase, which an index without positions cannot
    match, so non-ASCII text is split by SQLite itself."""
    if text.isascii():
        return _WORD_RE.findall(text)
    with _TOKENIZER_LOCK:
        con = _tokenizer()
        con.execute("DELETE FROM words")
        con.execute("INSERT INTO words (text) VALUES (?)", (text,))
        return [term for (term,) in con.execute("SELECT term FROM words_vocab ORDER BY offset")]


_TOKENIZER_LOCK = threading.Lock()


@functools.cache
def _tokenizer() -> sqlite3.Connection:
    """An in-memory FTS5 table with the index's tokenizer, to split query text."""
    con = sqlite3.connect(":memory:", check_same_thread=False)
    con.executescript(
        f"""
        CREATE VIRTUAL TABLE words USING fts5 (text, tokenize = {_TOKENIZE});
        CREATE VIRTUAL TABLE words_vocab USING fts5vocab (words, 'instance');
        """
    )
    return con


def _block_key(
    taken: Container[tuple[str, object]], block_id: str | None, index: int
) -> tuple[str, object]:
    """How a cell is matched across two versions of its notebook: by id, or by position
    when it has none (or repeats an id already seen in this notebook)."""
    if block_id and ("id", block_id) not in taken:
        return ("id", block_id)
    return ("idx", index)


def _insert_many(
    con: sqlite3.Connection, into: str, rows: Sequence[tuple[object, ...]], verb: str = "INSERT"
) -> None:
    """Insert rows with a few multi-row statements rather than one per row: SQLite then
    runs without the GIL for a whole chunk (executemany takes it back after every row,
    and waits for it while another thread parses)."""
    if not rows:
        return
    width = len(rows[0])
    per_statement = max(1, _MAX_VARIABLES // width)
    group = "(" + ",".join("?" * width) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values = ",".join([group] * len(chunk))
        con.execute(
            f"{verb} INTO {into} VALUES {values}",
            [value for row in chunk for value in row],
        )


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@contextlib.contextmanager
def _deadline(con: sqlite3.Connection, budget_ms: int) -> Iterator[None]:
    """Interrupt the statements run inside once ``budget_ms`` has passed."""
    end = time.monotonic() + budget_ms / 1000

    def over() -> int:
        return 1 if time.monotonic() > end else 0

    con.set_progress_handler(over, 2000)
    try:
        yield
    finally:
        con.set_progress_handler(None, 0)
