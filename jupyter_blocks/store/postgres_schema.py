"""The PostgreSQL index of a space: where it lives (one schema per space), its tables,
their version, the connections to it, and what its errors mean.

A **space** is a folder of notebooks that several servers serve. Each space has a
schema of its own, ``blocks_<16 hex digits of the space's SHA-256>``: the servers of
one space share its tables, and a server reads no other schema (every statement names
its schema), so servers of different spaces never see each other's blocks. The store
creates the schema on first use (one transaction: a server that loses the race to create
it uses the winner's), and keeps its version in ``meta``: an older version is the cache
of an older jupyter-blocks and is replaced; a newer one belongs to a newer jupyter-blocks
and is left alone (a clear error says what to do).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from typing import Any

import psycopg
import psycopg_pool
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict

from .errors import StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreUnavailable

# Bump when the tables or what the indexer extracts change: the space's index is rebuilt.
SCHEMA_VERSION = 2
URL_SETTING = "c.BlocksExtension.database_url"
SPACE_SETTING = "c.BlocksExtension.space"
CONNECT_TIMEOUT = 5  # seconds to reach the database before it counts as unreachable
LOCK_TIMEOUT_MS = 10_000  # a write waits this long for another server's write
STATEMENT_TIMEOUT_MS = 60_000  # no statement of ours may run longer (a stuck one ends)


def connect_options() -> dict[str, Any]:
    """libpq options of every connection: bounded in time, named, and with TCP
    keepalives (a database host that vanished is noticed within about 25 s)."""
    return {
        "connect_timeout": CONNECT_TIMEOUT,
        "application_name": "jupyter-blocks",
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }


TABLES = {"meta", "writer", "files", "blocks", "links", "tombstones", "changes", "leases"}
TABLES |= {"servers", "copies"}

# Every table name is prefixed with {s}., the space's schema. No foreign keys (a bulk
# COPY would check each row): links and tombstones are kept by the store's own writes.
SCHEMA = """
CREATE SCHEMA {s};
CREATE TABLE {s}.meta (key text PRIMARY KEY, value text NOT NULL);
-- One row, locked by every write (FOR UPDATE): the servers of a space write one at a
-- time, as SQLite's writers do, so that first-seen numbers and the change log follow
-- the order of commits.
CREATE TABLE {s}.writer (
    one boolean PRIMARY KEY CHECK (one),
    next_seen bigint NOT NULL,
    next_key bigint NOT NULL,
    pruned_through bigint NOT NULL,
    scan_wanted bigint NOT NULL,
    scan_done bigint NOT NULL
);
-- key is the path in Unicode NFC, how links and requests name it (a file named on
-- macOS is in NFD); path is the real name, to open it.
CREATE TABLE {s}.files (
    path text PRIMARY KEY,
    key text NOT NULL,
    mtime_ns bigint NOT NULL,
    size bigint NOT NULL,
    skipped text,
    title text NOT NULL DEFAULT '',
    problems text,
    -- When the index first held it (seconds), and by which scan (0: a change seen
    -- live): the index's memory of which notebook held an id first (copies.py).
    first_indexed double precision NOT NULL DEFAULT 0,
    scan bigint NOT NULL DEFAULT 0
);
CREATE INDEX files_by_key ON {s}.files (key);
CREATE TABLE {s}.blocks (
    key bigint PRIMARY KEY,
    path text NOT NULL,
    idx integer NOT NULL,
    id text,
    label text,
    cell_type text NOT NULL,
    source text NOT NULL,
    title text NOT NULL DEFAULT '',
    -- The label and heading a block is named by (ranked first by search).
    name text NOT NULL DEFAULT '',
    -- What search indexes when it differs from the source (searchtext.py), else NULL.
    words text,
    first_seen bigint NOT NULL,
    -- The words search finds (postgres_search.vector): name, words and path; and the
    -- name's alone, which ranks a block named by the query first.
    terms tsvector NOT NULL,
    name_terms tsvector NOT NULL
);
CREATE INDEX blocks_by_path ON {s}.blocks (path, idx);
CREATE INDEX blocks_by_id ON {s}.blocks (id, first_seen) WHERE id IS NOT NULL;
CREATE INDEX blocks_by_label ON {s}.blocks (label, first_seen) WHERE label IS NOT NULL;
CREATE INDEX blocks_by_terms ON {s}.blocks USING gin (terms);
CREATE TABLE {s}.links (
    block bigint NOT NULL,
    kind text NOT NULL,
    target text NOT NULL,
    facet text
);
CREATE INDEX links_by_target ON {s}.links (target, kind);
CREATE INDEX links_by_block ON {s}.links (block);
CREATE TABLE {s}.tombstones (
    id text PRIMARY KEY,
    label text,
    path text NOT NULL,
    idx integer NOT NULL,
    cell_type text NOT NULL,
    source text NOT NULL,
    first_seen bigint NOT NULL,
    deleted_at double precision NOT NULL
);
-- Notebooks judged copies of another (copies.py), and why.
CREATE TABLE {s}.copies (
    path text NOT NULL,
    original text NOT NULL,
    reason text NOT NULL,
    conclusive boolean NOT NULL,
    PRIMARY KEY (path, original)
);
CREATE TABLE {s}.changes (
    seq bigint PRIMARY KEY,
    origin text NOT NULL,
    paths text NOT NULL,
    ids text NOT NULL,
    truncated boolean NOT NULL
);
-- The turn to scan the space: held by one server until expires_at (renewed while it
-- scans), with its progress for the others to show.
CREATE TABLE {s}.leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL,
    done bigint NOT NULL,
    total bigint NOT NULL
);
-- The servers of the space, seen within the last PRESENCE seconds: a server that
-- starts alone scans; one that joins live servers serves at once.
CREATE TABLE {s}.servers (
    origin text PRIMARY KEY,
    host text NOT NULL,
    seen timestamptz NOT NULL
);
"""

_SCHEMA_RE = re.compile(r"^blocks_[0-9a-f]{16}$")


def schema_for(space: str) -> str:
    """The PostgreSQL schema of a space."""
    return "blocks_" + hashlib.sha256(space.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def default_space(root: str) -> str:
    """A server root's own space: this machine's name and the root's real path. Two
    servers share an index by default only when they run on one machine and serve one
    folder, as with the SQLite file; a team names its space (``space``) to share it
    across machines, where one path may be a different folder on each (every user's
    home is /home/jovyan in a JupyterHub on Kubernetes)."""
    return f"{socket.gethostname()}:{os.path.realpath(root)}"


def sql(schema: str, text: str) -> str:
    """``text`` with ``{s}`` naming the schema (generated here, never from input)."""
    if not _SCHEMA_RE.match(schema):
        raise ValueError(f"not a schema of ours: {schema!r}")
    return text.replace("{s}", schema)


def describe(url: str) -> str:
    """Where a database URL points, for messages and logs: never its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an invalid database URL"
    user = parts.get("user") or os.environ.get("PGUSER") or "(default user)"
    host = parts.get("host") or os.environ.get("PGHOST") or "localhost"
    port = parts.get("port") or os.environ.get("PGPORT") or "5432"
    database = parts.get("dbname") or os.environ.get("PGDATABASE") or user
    return f"{user}@{host}:{port}/{database}"


def connect(url: str, **options: Any) -> psycopg.Connection[Any]:
    """A connection in autocommit mode, bounded in time and kept alive."""
    con: psycopg.Connection[Any] = psycopg.connect(
        url,
        autocommit=True,
        **connect_options(),
        **options,
    )
    con.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    return con


def prepare(con: psycopg.Connection[Any], schema: str, space: str) -> bool:
    """Make the space's schema ready to use: created when missing, replaced when it is
    of an older version. Returns whether it is new. StoreUnavailable when the schema
    belongs to a newer jupyter-blocks or holds something else; StoreCorrupt when tables
    of it are missing."""
    for _attempt in range(3):
        meta = read_meta(con, schema)
        if meta is None:
            if _create(con, schema, space):
                return True
            continue  # another server created it meanwhile: check what it made
        version = int(meta.get("schema_version", "0") or 0)
        if meta.get("space") != space:
            raise StoreUnavailable(
                f"the schema {schema} in {describe_con(con)} holds the index of another "
                f"space ({meta.get('space')!r}): choose another {SPACE_SETTING}"
            )
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"the index of space {space!r} in {describe_con(con)} was made by a newer "
                f"jupyter-blocks (schema version {version}; this one knows "
                f"{SCHEMA_VERSION}): upgrade jupyter-blocks on this server, or give it a "
                f"space of its own with {SPACE_SETTING}"
            )
        if version < SCHEMA_VERSION:
            _replace(con, schema, space)
            return True
        missing = TABLES - tables_of(con, schema)
        if missing:
            raise StoreCorrupt(
                f"the index of space {space!r} lost its tables {', '.join(sorted(missing))}"
            )
        return False
    raise StoreBusy(f"the index of space {space!r} is being created by another server")


def read_meta(con: psycopg.Connection[Any], schema: str) -> dict[str, str] | None:
    """The schema's meta table; None when there is no such schema. StoreUnavailable
    when the schema exists but is not a block index (it is never touched)."""
    found = con.execute(
        "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
    ).fetchone()
    if found is None:
        return None
    try:
        rows = con.execute(sql(schema, "SELECT key, value FROM {s}.meta")).fetchall()
    except errors.UndefinedTable:
        raise StoreUnavailable(
            f"the schema {schema} in {describe_con(con)} holds something else than a "
            f"block index: choose another {SPACE_SETTING}"
        ) from None
    return dict(rows)


def tables_of(con: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    return {row[0] for row in rows}


def _create(con: psycopg.Connection[Any], schema: str, space: str) -> bool:
    """Create the schema in one transaction; False when another server did first."""
    try:
        with con.transaction():
            _create_tables(con, schema, space)
    except (errors.DuplicateSchema, errors.UniqueViolation, errors.DuplicateTable):
        return False
    return True


def _replace(con: psycopg.Connection[Any], schema: str, space: str) -> None:
    """Replace an index of an older version by an empty one (one transaction)."""
    try:
        with con.transaction():
            con.execute(sql(schema, "LOCK TABLE {s}.meta IN ACCESS EXCLUSIVE MODE"))
            row = con.execute(
                sql(schema, "SELECT value FROM {s}.meta WHERE key = 'schema_version'")
            ).fetchone()
            if row is not None and int(row[0]) >= SCHEMA_VERSION:
                return  # another server replaced it first
            con.execute(sql(schema, "DROP SCHEMA {s} CASCADE"))
            _create_tables(con, schema, space)
    except (errors.UndefinedTable, errors.InvalidSchemaName, errors.DuplicateSchema):
        return  # replaced by another server meanwhile: the caller checks again


def _create_tables(con: psycopg.Connection[Any], schema: str, space: str) -> None:
    con.execute(sql(schema, SCHEMA))
    con.execute(
        sql(schema, "INSERT INTO {s}.meta (key, value) VALUES (%s, %s), (%s, %s)"),
        ("schema_version", str(SCHEMA_VERSION), "space", space),
    )
    con.execute(
        sql(
            schema,
            "INSERT INTO {s}.writer (one, next_seen, next_key, pruned_through, scan_wanted,"
            " scan_done) VALUES (true, 1, 1, 0, 1, 0)",
        )
    )


def drop_space(url: str, space: str) -> bool:
    """Remove a space's index from the database (it is a cache: its servers rebuild it
    on their next start). Returns whether there was one."""
    schema = schema_for(space)
    with connect(url) as con:
        if read_meta(con, schema) is None:
            return False
        con.execute(sql(schema, "DROP SCHEMA {s} CASCADE"))
    return True


def describe_con(con: psycopg.Connection[Any]) -> str:
    info = con.info
    return f"{info.user}@{info.host}:{info.port}/{info.dbname}"


# -- what errors mean ----------------------------------------------------------------
_REFUSED = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    "does not exist",  # role or database
    "pg_hba.conf",
    "permission denied",
)
_CLASSES_UNAVAILABLE = ("08", "57", "53", "28", "3D", "42501")


def classify(error: BaseException, where: str, space: str) -> StoreError | None:
    """What an error met while using the index of ``space`` at ``where`` (a database
    described without its password) means (see ``BlockStore.fault``)."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, psycopg_pool.PoolTimeout):
        return StoreUnavailable(f"PostgreSQL at {where} does not answer ({error})")
    if not isinstance(error, psycopg.Error):
        return None
    state = error.sqlstate or ""
    text = str(error).strip().replace("\n\t", " ").replace("\n", " ")
    if state == "53100":
        return StoreFull(f"PostgreSQL at {where} has no space left ({text})")
    if state in ("55P03", "57014", "40001", "40P01"):
        return StoreBusy(f"the index of space {space!r} is busy ({text})")
    if state in ("42P01", "3F000", "42703"):
        return StoreCorrupt(f"the index of space {space!r} at {where} lost a part ({text})")
    if state == "42501" or state.startswith("28") or any(t in text for t in _REFUSED):
        return StoreUnavailable(
            f"PostgreSQL at {where} refused this server ({text}): fix the user, password "
            f"or database in {URL_SETTING} (or JUPYTER_BLOCKS_DATABASE_URL)"
        )
    if (
        isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))
        or state.startswith(_CLASSES_UNAVAILABLE)
        or error.__class__ is psycopg.Error
    ):
        return StoreUnavailable(
            f"PostgreSQL at {where} cannot be reached ({text}); it is tried again "
            f"(the database is set by {URL_SETTING})"
        )
    return None
