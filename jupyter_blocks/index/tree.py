"""What may be read under the root (the one rule every reader applies): which folders are
never entered, which files are notebooks the server would serve, and the walk that finds
them. A path is root-relative with ``/`` separators throughout."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass

from ..notebooks.notebook import notebook_state
from ..notebooks.textnotebooks import TEXT_SUFFIXES as TEXT
from ..notebooks.textnotebooks import is_notebook_name
from ..store import FileState

# Folders never indexed, even when hidden files are allowed: tool caches, version
# control, dependencies. Virtual environments are recognised by their pyvenv.cfg.
ALWAYS_SKIPPED = frozenset(
    {
        ".ipynb_checkpoints",
        ".git",
        ".hg",
        ".svn",
        ".venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".Trash",
        "__pycache__",
        "node_modules",
        "site-packages",
    }
)


def storable(path: str) -> str:
    """A path as the index and JSON can hold it. A file name that is not valid UTF-8
    reaches Python with its odd bytes as lone surrogates, which neither SQLite nor a
    JSON encoder to UTF-8 accepts: such a name is written with ``\\x`` escapes (as
    ``ls -b`` shows it). Every other path is returned as it is."""
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate from JSON, not from a file name
        return path.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


BAD_NAME = (
    "its name is not valid UTF-8, so Jupyter cannot open it or link to it: rename it "
    "(for example with convmv)"
)


def is_environment(os_dir: str) -> bool:
    """Whether a folder is a virtual environment (it holds ``pyvenv.cfg``)."""
    return os.path.exists(os.path.join(os_dir, "pyvenv.cfg"))


@dataclass(frozen=True)
class TreeRules:
    """Which files under the root are notebooks the server would serve."""

    root: str
    allow_hidden: bool = False
    hide_globs: tuple[str, ...] = ()

    def hides(self, name: str) -> bool:
        if name in ALWAYS_SKIPPED:
            return True
        if name.startswith(".") and not self.allow_hidden:
            return True
        return any(fnmatch.fnmatch(name, glob) for glob in self.hide_globs)

    def os_path(self, path: str) -> str:
        return os.path.join(self.root, *path.split("/")) if path else self.root

    def allows(self, path: str) -> bool:
        """Whether a root-relative path may be indexed and read (the one rule every
        reader applies): no hidden part, not inside a virtual environment, and no
        symlink leading out of the root."""
        return not self.hidden(path) and not self.in_environment(path) and self.inside(path)

    def in_environment(self, path: str) -> bool:
        """Whether a folder above the root-relative ``path`` (under the root) is a
        virtual environment: never indexed, never served."""
        parts = path.split("/")[:-1]
        return any(
            is_environment(self.os_path("/".join(parts[: depth + 1])))
            for depth in range(len(parts))
        )

    def hidden(self, path: str) -> bool:
        """Whether a root-relative path names something the server would not list."""
        parts = path.split("/")
        return not path or any(p in ("", ".", "..") or self.hides(p) for p in parts)

    def inside(self, path: str) -> bool:
        """Whether a root-relative path, its links resolved, stays under the root."""
        try:
            real = os.path.realpath(self.os_path(path))
        except (OSError, ValueError):  # a loop of links, a name the system cannot encode
            return False
        root = os.path.realpath(self.root)
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def canonical(self, path: str) -> str:
        """The root-relative path a notebook is indexed under: ``path`` with its
        symbolic links resolved, when they lead to a file inside the root (a notebook
        has one path in the index, whatever links name it); else ``path`` as given
        (``allows`` refuses a link out of the root)."""
        if not path:
            return path
        try:
            real = os.path.realpath(self.os_path(path))
            root = os.path.realpath(self.root)
        except (OSError, ValueError):
            return path
        if not real.startswith(root.rstrip(os.sep) + os.sep):
            return path
        return os.path.relpath(real, root).replace(os.sep, "/")

    def walk(self, under: str = "") -> Iterator[tuple[str, FileState]]:
        """Every notebook under ``under`` (root-relative), with its state. Symbolic
        links are never indexed: a linked folder is not followed (no loops, no escape),
        and a linked notebook is another name of a file that is indexed where it lives
        when it is inside the root and allowed (indexed twice, it would hold the same
        ids as itself and be judged its own copy)."""
        stack = [under]
        while stack:
            rel_dir = stack.pop()
            try:
                entries = list(os.scandir(self.os_path(rel_dir)))
            except OSError:
                continue
            names = {entry.name for entry in entries}
            for entry in entries:
                name = entry.name
                if self.hides(name):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not is_environment(entry.path):
                            stack.append(rel)
                        continue
                    if not is_notebook_name(name):
                        continue
                    if entry.is_symlink():
                        continue
                    if not entry.is_file():
                        continue
                    if name.endswith(".ipynb") and any(name[:-6] + t in names for t in TEXT):
                        state = notebook_state(entry.path, names)  # a pair, maybe
                    else:
                        st = entry.stat()
                        state = FileState(st.st_mtime_ns, st.st_size)
                except OSError:
                    continue
                if state is not None:
                    yield rel, state
