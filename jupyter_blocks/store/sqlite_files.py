"""The SQLite index file on disk: which files it is made of, its identity (so that a file
replaced under a running server is noticed), setting a damaged one aside, and what its
errors mean (told apart by SQLite's own result codes, ``sqlite_errorname``, with
SQLite's messages as a fallback on older Pythons)."""

from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
import time

from .errors import StoreBusy, StoreCorrupt, StoreError, StoreFull, StoreUnavailable

COMPANIONS = ("-journal", "-wal", "-shm")
KEEP_SET_ASIDE = 2  # damaged index files kept for inspection; older ones are removed


def identity(location: str) -> tuple[int, int] | None:
    """Which file is at ``location`` (device, inode), or None when there is none."""
    try:
        st = os.stat(location)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def size_and_mtime(location: str) -> tuple[int, int] | None:
    try:
        st = os.stat(location)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def delete_files(location: str) -> None:
    for suffix in ("", *COMPANIONS):
        with contextlib.suppress(FileNotFoundError):
            os.remove(location + suffix)


def set_aside(location: str, opened: tuple[int, int] | None) -> str | None:
    """Rename a damaged index file to ``<name>.corrupt-<time>`` (its journal or WAL
    beside it), keeping the last KEEP_SET_ASIDE of them. Nothing is moved when the file
    at ``location`` is no longer the one that was opened (another server already
    replaced it); the journal, WAL and shared memory of a deleted file are removed, as
    SQLite would otherwise replay them into the next file."""
    current = identity(location)
    if current is None:
        for suffix in COMPANIONS:
            with contextlib.suppress(FileNotFoundError):
                os.remove(location + suffix)
        return None
    if opened is not None and current != opened:
        return None
    dest = f"{location}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    n = 1
    while os.path.exists(dest):
        n += 1
        dest = f"{location}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
    os.replace(location, dest)
    for suffix in ("-journal", "-wal"):
        if os.path.exists(location + suffix):
            os.replace(location + suffix, dest + suffix)
    with contextlib.suppress(FileNotFoundError):
        os.remove(location + "-shm")
    older = sorted(
        (
            p
            for p in glob.glob(glob.escape(location) + ".corrupt-*")
            if not p.endswith(("-wal", "-journal"))
        ),
        key=os.path.getmtime,
    )
    for path in older[:-KEEP_SET_ASIDE]:
        for suffix in ("", "-journal", "-wal"):
            with contextlib.suppress(OSError):
                os.remove(path + suffix)
    return dest


_CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR_SHORT_READ")
_CORRUPT_TEXT = ("malformed", "not a database", "no such table", "no such column")
_UNAVAILABLE_CODES = ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_PERM")
_UNAVAILABLE_TEXT = ("unable to open", "readonly", "I/O error", "closed database")


def classify(error: BaseException, location: str) -> StoreError | None:
    """What an error met while using the index at ``location`` means (see
    ``BlockStore.fault``)."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return StoreUnavailable(f"the index at {location} cannot be used ({reason})")
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if code.startswith(_CORRUPT_CODES) or any(t in text for t in _CORRUPT_TEXT):
        return StoreCorrupt(f"the index file {location} is damaged ({text})")
    if code == "SQLITE_FULL" or "is full" in text:
        return StoreFull(f"no space is left for the index at {location} ({text})")
    if code == "SQLITE_INTERRUPT" or text == "interrupted":
        return StoreBusy(f"a read of the index at {location} was interrupted ({text})")
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "is locked" in text:
        return StoreBusy(f"the index at {location} is locked by another program ({text})")
    if code == "SQLITE_READONLY" or "readonly database" in text or _unwritable(location):
        return StoreUnavailable(
            f"the index file {location} cannot be changed ({text}): it, its -journal "
            "file, or its folder is read-only (permissions, an immutable attribute: see "
            "lsattr and chattr -i, or a read-only file system)"
        )
    if code.startswith(_UNAVAILABLE_CODES) or any(t in text for t in _UNAVAILABLE_TEXT):
        return StoreUnavailable(f"the index at {location} cannot be used ({text})")
    return None


def _unwritable(location: str) -> bool:
    """Whether the index file, a companion of it, or its folder cannot be written (for
    root too: an immutable attribute)."""
    paths = [location + s for s in ("", *COMPANIONS)] + [os.path.dirname(location) or "."]
    return any(os.path.exists(p) and not os.access(p, os.W_OK) for p in paths)
