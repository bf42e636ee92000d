"""How a kernel started by the server finds the block index: environment variables.

At start-up the server extension exports these in the server's own environment, which
every kernel (and terminal) it launches inherits, as JupyterHub does with
``JUPYTERHUB_API_TOKEN``. Kernels run as the same user as the server, who can already
read the server's token from its runtime file (``jpserver-<pid>.json``), so the token
in the environment gives the kernel nothing that user did not have.

- ``JUPYTER_BLOCKS_URL``: the server's base URL on the loopback interface.
- ``JUPYTER_BLOCKS_TOKEN``: a token the server accepts (its own; absent when it has none).
- ``JUPYTER_BLOCKS_ROOT``: the server root (for ``path.ipynb#N`` references, and for the
  direct reading of the index when the server cannot be reached).
- ``JUPYTER_BLOCKS_DB``: the SQLite index file, when the server uses the SQLite store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

URL = "JUPYTER_BLOCKS_URL"
TOKEN = "JUPYTER_BLOCKS_TOKEN"  # noqa: S105 - the name of a variable, not a secret
ROOT = "JUPYTER_BLOCKS_ROOT"
DB = "JUPYTER_BLOCKS_DB"
NAMES = (URL, TOKEN, ROOT, DB)
WILDCARD_IPS = ("", "0.0.0.0", "::")  # noqa: S104 - recognised, not bound


def server_env(server: Any, root: str, db: str | None) -> dict[str, str]:
    """The variables for a running ``ServerApp`` (its port must be bound for the URL to
    be right: call again once the server has started)."""
    env = {ROOT: root}
    if db:
        env[DB] = db
    if not getattr(server, "sock", ""):  # a Unix socket: kernels read the index instead
        ip = server.ip
        host = "127.0.0.1" if ip in WILDCARD_IPS or ip == "localhost" else ip
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if server.certfile else "http"
        env[URL] = f"{scheme}://{host}:{server.port}{server.base_url}"
    token = getattr(getattr(server, "identity_provider", None), "token", "")
    if token:
        env[TOKEN] = token
    return env


def export(env: Mapping[str, str]) -> Callable[[], None]:
    """Put ``env`` into this process's environment (inherited by the kernels it starts
    from now on); returns the function that puts back what was there before."""
    before = {name: os.environ.get(name) for name in NAMES}
    for name in NAMES:
        if name in env:
            os.environ[name] = env[name]
        else:
            os.environ.pop(name, None)

    def restore() -> None:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    return restore
