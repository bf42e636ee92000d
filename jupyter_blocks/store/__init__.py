"""Where the block index lives: the interface, the default SQLite store, and the team
store on PostgreSQL (``PostgresStore``, imported on first use: it needs psycopg, from
the ``postgres`` extra)."""

from typing import Any

from .base import BlockStore, open_or_set_aside
from .errors import StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreUnavailable
from .records import (
    Backlink,
    Block,
    BlockRow,
    Counts,
    Duplicate,
    FileState,
    LinkRow,
    LoggedChange,
    NotebookRow,
    SearchHit,
    SearchResult,
)
from .sqlite import SQLiteStore

__all__ = [
    "Backlink",
    "Block",
    "BlockRow",
    "BlockStore",
    "Counts",
    "Duplicate",
    "FileState",
    "LinkRow",
    "LoggedChange",
    "NotebookRow",
    "PostgresStore",
    "SQLiteStore",
    "SearchHit",
    "SearchResult",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreUnavailable",
    "open_or_set_aside",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":
        try:
            from .postgres import PostgresStore
        except ImportError as error:
            raise ImportError(
                f"The PostgreSQL store needs psycopg 3 and psycopg_pool ({error}): "
                "pip install 'jupyter-blocks[postgres]'"
            ) from error
        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
