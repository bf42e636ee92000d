"""``jupyter blocks``: the command line (``app``), each subcommand in its module."""

from __future__ import annotations

from typing import Any


def main(argv: Any = None) -> None:
    """The ``jupyter blocks`` (and ``jupyter-blocks``) entry point."""
    from .app import BlocksApp

    BlocksApp.launch_instance(argv)


launch_new_instance = main
