"""jupyter-blocks: notebook cells as addressable blocks, with references and backlinks.

``from jupyter_blocks import use`` is cheap (a kernel imports it): the server extension
(``BlocksExtension``, which needs jupyter_server) is imported only when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - a source tree that was never built
    # hatch writes _version.py from package.json at build time; a bare checkout has none.
    __version__ = "0.0.0.dev0"

if TYPE_CHECKING:
    from .app import BlocksExtension
    from .reuse import use


def __getattr__(name: str) -> Any:
    if name == "BlocksExtension":
        from .app import BlocksExtension

        return BlocksExtension
    if name == "use":
        from .reuse import use

        return use
    raise AttributeError(f"module 'jupyter_blocks' has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-blocks"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    from .app import BlocksExtension

    return [{"module": "jupyter_blocks", "app": BlocksExtension}]


__all__ = ["BlocksExtension", "__version__", "use"]
