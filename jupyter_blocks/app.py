"""The server extension: configuration traits and lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any, ClassVar

from jupyter_events import EventLogger
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.serverapp import ServerApp
from traitlets import Bool, Float, Int, Type, Unicode, default, validate

from .edits.linking import NotebookWriter
from .edits.renames import FOLLOW_GRACE, MoveClaims, Renames
from .index.service import BlocksService
from .index.tree import TreeRules
from .reuse import env as kernel_env
from .reuse.closure import MAX_CELLS as MAX_RECIPE_CELLS
from .store import BlockStore, SQLiteStore
from .store.location import default_db_path
from .web.routes import route_table

DATABASE_URL_VARIABLE = "JUPYTER_BLOCKS_DATABASE_URL"
EVENTS_DIR = Path(__file__).parent / "events"
BLOCKS_EVENT = "https://events.jupyter-blocks.org/jupyter_blocks/blocks/v1"
CONTENTS_EVENT = "https://events.jupyter.org/jupyter_server/contents_service/v1"

__all__ = ["BlocksExtension", "default_db_path"]


class BlocksExtension(ExtensionApp):
    """Indexes every notebook cell under the server root as a block and serves it."""

    name = "jupyter_blocks"
    # Other extensions (JupyterLab itself) must keep loading when ours is the entry point.
    load_other_extensions = True
    _starting: asyncio.Task[None] | None = None
    # Links being rewritten after renames (kept so that the tasks are not collected).
    _follows: ClassVar[set[asyncio.Task[None]]] = set()
    _restore_env: Any = None

    db_path = Unicode(
        "",
        config=True,
        help="""Path of the SQLite index file. Empty (the default) means one file per
        server root under the Jupyter data directory: jupyter_blocks/index-<hash of the
        root>.sqlite, which several servers started on the same root share. The index
        is a cache: deleting it loses nothing, it is rebuilt from the notebooks (also
        while the server runs). A damaged index is set aside as
        <name>.corrupt-<time> and rebuilt; when the file cannot be created or written
        (a read-only folder, a file where its folder should be), the server keeps
        serving and /api/blocks answers 503 with the reason until it can.""",
    )
    store_class = Type(
        default_value=SQLiteStore,
        klass=BlockStore,
        config=True,
        help="""The block store implementation (a subclass of
        jupyter_blocks.store.BlockStore). The default keeps the index in SQLite, in a
        file of this server's (db_path). jupyter_blocks.store.PostgresStore keeps it in
        a PostgreSQL database (database_url) that every server of a space shares: a
        team's servers then build the index once and tell each other's users of every
        change (see the README, "Teams and JupyterHub").""",
    )
    database_url = Unicode(
        config=True,
        help=f"""The PostgreSQL database of PostgresStore, as a libpq URL:
        postgresql://user:password@host:5432/database (?sslmode=require and other libpq
        options may follow). Defaults to the environment variable
        {DATABASE_URL_VARIABLE} (how a hub hands a secret to every server), and when
        that is empty too, libpq's own PGHOST, PGUSER, PGPASSWORD... variables apply.
        The user needs the right to create a schema in the database (the store creates
        and versions its own tables). Logs and messages show it without its
        password.""",
    )
    space = Unicode(
        "",
        config=True,
        help="""The space of PostgresStore: the name of the folder of notebooks that
        several servers serve (a team's shared volume, which may be mounted at a
        different path on each machine). Servers of one space share one index; servers
        of different spaces never see each other's blocks. Empty (the default): this
        server's own space, named after this machine and the real path of the root, so
        that nothing is shared unless a space is named (give every server of a team
        the same name, for example "team-analytics").""",
    )
    max_notebook_size = Int(
        100 * 2**20,
        config=True,
        help="""Notebooks larger than this many bytes are not indexed (they are listed
        as skipped, with the reason, in the status endpoint).""",
    )
    max_recipe_cells = Int(
        MAX_RECIPE_CELLS,
        config=True,
        help="""The most cells one recipe may hold (the cells use() and a headless run
        execute for a code block: the block and the cells above it that it depends
        on). A larger recipe is refused with a message naming this setting, so that a
        notebook of tens of thousands of chained cells never holds a request.""",
    )
    follow_renames = Bool(
        True,
        config=True,
        help="""When a notebook or folder is renamed or moved through Jupyter, rewrite
        the [[links]] to it in other notebooks (closed ones, unchanged since indexed,
        through the ContentsManager; open clean ones are reloaded by the frontend).""",
    )
    watch_files = Bool(
        True,
        config=True,
        help="""Watch the root for notebooks changed outside Jupyter (git, a terminal,
        another editor). When False, or when watching is not possible, the root is
        checked every poll_interval seconds instead.""",
    )
    poll_interval = Float(
        60.0,
        config=True,
        help="""Seconds between two full checks of the root for changes made outside
        Jupyter, when file watching is off or unavailable.""",
    )
    search_budget_ms = Int(
        15,
        config=True,
        help="""Milliseconds a search may spend ranking matches. A query that matches
        too much to rank in time answers with its first matches, unranked, found within
        the same budget again: a search takes at most about twice this.""",
    )

    request_timeout = Float(
        10.0,
        config=True,
        help="""Seconds a request may wait for the block index: a query, or the index
        catching up after an id was written into a notebook. Past it the request is
        answered 503 with the reason, so that an index that is locked by another
        program, on a stalled disk, damaged or unreachable never hangs a request (nor
        JupyterLab waiting for it). Normal requests take milliseconds; raise it only for
        an index on a very slow disk or network.""",
    )

    @default("database_url")
    def _database_url_default(self) -> str:
        return os.environ.get(DATABASE_URL_VARIABLE, "")

    def make_store(self, root: str) -> BlockStore:
        """The configured store of the index of ``root`` (not opened)."""
        store_class: Any = self.store_class
        if store_class.in_database:
            return store_class(self.database_url, root, space=self.space or None)
        return store_class(self.db_path or default_db_path(root), root)

    # A setting out of range is said, and its default used: raising TraitError here makes
    # jupyter_server drop every setting of the extension (a team's database_url with it,
    # so that each server silently indexed into a private SQLite file).
    @validate("max_notebook_size", "search_budget_ms", "max_recipe_cells")
    def _positive(self, proposal: dict[str, Any]) -> int:
        value: int = proposal["value"]
        return value if value > 0 else self._default_for(proposal)

    @validate("poll_interval", "request_timeout")
    def _seconds_positive(self, proposal: dict[str, Any]) -> float:
        value: float = proposal["value"]
        return value if value > 0 else self._default_for(proposal)

    def _default_for(self, proposal: dict[str, Any]) -> Any:
        trait = proposal["trait"]
        self.log.error(
            "jupyter-blocks: c.BlocksExtension.%s must be positive, not %r: %r is used",
            trait.name,
            proposal["value"],
            trait.default_value,
        )
        return trait.default_value

    @property
    def server(self) -> ServerApp:
        assert self.serverapp is not None, "the extension is not linked to a server"
        return self.serverapp

    @property
    def events(self) -> EventLogger:
        assert self.server.event_logger is not None
        return self.server.event_logger

    @property
    def root_dir(self) -> str:
        cm = self.server.contents_manager
        return os.path.abspath(getattr(cm, "root_dir", None) or self.server.root_dir)

    def initialize(self, argv: Any = None) -> None:
        # Our event schema must exist before anything (the service) can emit on it.
        self.events.register_event_schema(EVENTS_DIR / "blocks.yaml")
        super().initialize()

    def initialize_settings(self) -> None:
        cm = self.server.contents_manager
        rules = TreeRules(
            root=self.root_dir,
            allow_hidden=bool(getattr(cm, "allow_hidden", False)),
            hide_globs=tuple(getattr(cm, "hide_globs", ())),
        )
        store = self.make_store(rules.root)
        self.service = BlocksService(
            store=store,
            rules=rules,
            max_size=self.max_notebook_size,
            emit=self._emit,
            # Created here, on the event loop's thread, which then owns its database.
            notary=getattr(cm, "notary", None),
            watch=self.watch_files,
            poll_interval=self.poll_interval,
            search_budget_ms=self.search_budget_ms,
            request_timeout=self.request_timeout,
            max_recipe_cells=self.max_recipe_cells,
            location_hint=store.setting,
            log=self.log,
        )
        self.settings["jupyter_blocks"] = self.service
        self.settings["jupyter_blocks_ids"] = NotebookWriter(self.service, cm)
        self.settings["jupyter_blocks_moves"] = MoveClaims()
        self.events.add_listener(schema_id=CONTENTS_EVENT, listener=self._on_contents_event)
        self._export_kernel_env()
        # A server embedded without Jupyter's own start sequence (pytest-jupyter, some
        # launchers) never calls the start hook below: start as soon as a loop runs.
        with contextlib.suppress(RuntimeError):
            self._starting = asyncio.get_running_loop().create_task(self.service.start())

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table())

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # The first scan runs in the background: the server answers from the start.
        await self.service.start()
        self._export_kernel_env()  # again: the port is bound now (it may have moved)
        self.log.info(
            "jupyter_blocks: indexing %s into %s", self.root_dir, self.service.store.location
        )

    async def stop_extension(self) -> None:
        for task in list(self._follows):
            task.cancel()
        self.events.remove_listener(schema_id=CONTENTS_EVENT, listener=self._on_contents_event)
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        await self.service.stop()
        if self._restore_env is not None:
            self._restore_env()

    def _export_kernel_env(self) -> None:
        """Tell the kernels this server starts where the blocks are, so that
        ``jupyter_blocks.use`` finds them by itself (see reuse/env.py)."""
        store = self.service.store
        db = store.location if isinstance(store, SQLiteStore) else None
        restore = kernel_env.export(kernel_env.server_env(self.server, self.root_dir, db))
        if self._restore_env is None:
            self._restore_env = restore

    async def _on_contents_event(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        self.service.on_contents_event(data)
        source, path = data.get("source_path"), data.get("path")
        renamed = data.get("action") == "rename" and self.follow_renames
        if renamed and isinstance(source, str) and isinstance(path, str) and source != path:
            task = asyncio.get_running_loop().create_task(self._follow(source, path))
            self._follows.add(task)
            task.add_done_callback(self._follows.discard)

    async def _follow(self, old: str, new: str) -> None:
        """Rewrite the links to a moved notebook, unless the browser that moved it
        asks to (it edits its open notebooks itself), and tell the frontends."""
        await asyncio.sleep(FOLLOW_GRACE)
        claims: MoveClaims = self.settings["jupyter_blocks_moves"]
        if claims.claimed(old, new):
            return
        keeper: NotebookWriter = self.settings["jupyter_blocks_ids"]
        try:
            result = await Renames(self.service, keeper).follow_move(old, new, [])
        except Exception:  # the rename itself is done; a link left is what check shows
            self.log.exception("jupyter-blocks could not update links to %s", new)
            return
        if result["written"] or result["refused"]:
            self._emit(
                {
                    "action": "links-moved",
                    "from": old.strip("/"),
                    "to": new.strip("/"),
                    "paths": [w["path"] for w in result["written"]],
                    "count": sum(len(w["cells"]) for w in result["written"]),
                    "refused": [r["path"] for r in result["refused"]],
                }
            )

    def _emit(self, data: dict[str, Any]) -> None:
        self.events.emit(schema_id=BLOCKS_EVENT, data=data)
