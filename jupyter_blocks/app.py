"""The server extension: configuration traits and lifecycle."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from .handlers import route_table


class BlocksExtension(ExtensionApp):
    """Indexes every notebook cell under the server root as a block and serves it."""

    name = "jupyter_blocks"
    # Other extensions (JupyterLab itself) must keep loading when ours is the entry point.
    load_other_extensions = True

    def initialize_settings(self) -> None:
        self.log.debug("jupyter_blocks settings initialized")

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())

    async def stop_extension(self) -> None:
        self.log.debug("jupyter_blocks stopped")
