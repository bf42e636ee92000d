"""Opening a file that claims to be a notebook: only a regular file, and never a wait.

A path ending in ``.ipynb`` may be a named pipe, a device or a socket; ``open`` on a pipe
blocks until someone writes to it, which would hold a thread (and the request waiting
on it) forever. The file is opened without blocking and checked before it is read.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any, BinaryIO, Literal, overload


class Skip(Exception):
    """A file that cannot be indexed; the message says why, for the user."""


def open_regular(os_path: str) -> BinaryIO:
    """``os_path`` opened for reading in binary, or OSError when it is not a regular
    file (its message says so)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(os_path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, a device or a socket)")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@overload
def read_regular(os_path: str, limit: int) -> bytes: ...
@overload
def read_regular(os_path: str, limit: int, with_mtime: Literal[True]) -> tuple[bytes, float]: ...


def read_regular(os_path: str, limit: int, with_mtime: bool = False) -> Any:
    """The bytes of a regular file of at most ``limit`` bytes (and, ``with_mtime``, its
    modification time in seconds), else OSError (``errno.EFBIG`` when larger)."""
    with open_regular(os_path) as f:
        # read(n) allocates n bytes: ask for the size the file has (and past it, when
        # it is growing, for no more than the limit allows).
        st = os.fstat(f.fileno())
        size = st.st_size
        data = f.read(min(size, limit) + 1)
        if size < len(data) <= limit:
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes")
    return (data, st.st_mtime) if with_mtime else data


def single_name_refusal(st: os.stat_result) -> str | None:
    """Why a notebook may not be written, when it has other names on disk (hard links,
    ``st_nlink`` > 1), else None. Jupyter writes a notebook in place, so a write would
    change the file under every name, and a name may lie outside the root (where
    nothing is ever written), out of sight of the person saving."""
    if st.st_nlink <= 1:
        return None
    return (
        f"it has {st.st_nlink} names on disk (hard links), and writing it would change "
        "the file under every one, maybe outside the root: nothing is written. Give it "
        "one name (copy it, then replace it with the copy) and try again"
    )
