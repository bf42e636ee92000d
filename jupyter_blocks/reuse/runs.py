"""Headless runs for the server and the command line: find the block, plan its recipe,
answer from the cache when the same cells ran with the same overrides on the same
kernel, else run it (``headless.run_recipe``) and keep the result.

- **The cache** (``RunCache``): one JSON file per result, named by the recipe's key
  (a SHA-256 of the sources of the cells that run, the overrides and the kernel), in
  the user's Jupyter data folder, ``jupyter_blocks/runs/<root hash>/``; the newest
  ``MAX_ENTRIES`` are kept. A cached answer says so (``"cached": true``); ``no_cache``
  runs again (and keeps the new result). Only complete runs are kept: an error or a
  timeout is run again next time. What the cells read from outside the notebook (a
  data file, the network) is not part of the key: ``no_cache`` when it changed.
- **Trust**: a notebook that Jupyter's signatures say the user has not trusted is not
  run unless the caller says ``allow_untrusted`` (``Untrusted``, a 403). A text
  notebook has no signature: its pair's ``.ipynb`` decides, and alone it counts as not
  trusted.
- **Which kernel**: the one asked for, else the kernel manager's default (never a name
  read from the notebook's metadata).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from typing import Any

from jupyter_core.paths import jupyter_data_dir

from .errors import UseError

MAX_ENTRIES = 512


class Untrusted(UseError, PermissionError):
    """The block's notebook is not trusted by the user, and the run was not allowed."""


def cache_folder(root: str) -> str:
    """Where the results of headless runs under ``root`` are kept."""
    digest = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogatepass"))
    return os.path.join(jupyter_data_dir(), "jupyter_blocks", "runs", digest.hexdigest()[:16])


class RunCache:
    """Results of complete runs by key (see the module docstring)."""

    def __init__(self, folder: str, entries: int = MAX_ENTRIES) -> None:
        self.folder = folder
        self.entries = entries

    def get(self, key: str) -> dict[str, Any] | None:
        """The result kept for ``key`` (marked ``cached``), or None."""
        try:
            with open(self._file(key), "rb") as f:
                result = json.loads(f.read())
        except (OSError, ValueError):
            return None
        if not isinstance(result, dict) or result.get("key") != key:
            return None
        result["cached"] = True
        return result

    def put(self, key: str, result: dict[str, Any]) -> None:
        """Keep a complete result (written whole, then renamed into place)."""
        if result.get("status") != "ok":
            return
        try:
            os.makedirs(self.folder, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(result, f, ensure_ascii=False)
            os.replace(temporary, self._file(key))
            self._prune()
        except OSError:
            return  # a cache: a result not kept is run again

    def _file(self, key: str) -> str:
        if not all(c in "0123456789abcdef" for c in key) or len(key) != 64:
            raise ValueError("not a run key")
        return os.path.join(self.folder, key + ".json")

    def _prune(self) -> None:
        with contextlib.suppress(OSError):
            files = [
                os.path.join(self.folder, n) for n in os.listdir(self.folder) if n.endswith(".json")
            ]
            if len(files) <= self.entries:
                return
            files.sort(key=os.path.getmtime)
            for path in files[: len(files) - self.entries]:
                with contextlib.suppress(OSError):
                    os.remove(path)
