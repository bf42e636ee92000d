"""Where the block index lives: the interface, and the default SQLite store."""

from .base import (
    Backlink,
    Block,
    BlockRow,
    BlockStore,
    Counts,
    Duplicate,
    FileState,
    LinkRow,
    LoggedChange,
    NotebookRow,
    SearchHit,
    SearchResult,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreUnavailable,
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
    "SQLiteStore",
    "SearchHit",
    "SearchResult",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreUnavailable",
]
