"""jupyter-blocks: notebook cells as addressable blocks, with references and backlinks."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - a source tree that was never built
    # hatch writes _version.py from package.json at build time; a bare checkout has none.
    __version__ = "0.0.0.dev0"

from .app import BlocksExtension


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-blocks"}]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    return [{"module": "jupyter_blocks", "app": BlocksExtension}]


__all__ = ["BlocksExtension", "__version__"]
