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
    "NotebookRow",
    "SQLiteStore",
    "SearchHit",
    "SearchResult",
]
