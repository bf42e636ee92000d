"""Where the default index file of a root lives (importable without jupyter_server, so
that a kernel can find the index its server keeps)."""

from __future__ import annotations

import hashlib
import os

from jupyter_core.paths import jupyter_data_dir


def default_db_path(root: str) -> str:
    """One index file per server root, so two servers on different folders never see
    each other's blocks."""
    digest = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:16]
    return os.path.join(jupyter_data_dir(), "jupyter_blocks", f"index-{digest}.sqlite")
