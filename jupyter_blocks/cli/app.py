"""`jupyter blocks`: index, inspect and check notebooks from the command line.

Uses the server's settings (``c.BlocksExtension.*``, ``c.ServerApp.root_dir``, the
ContentsManager's hidden-file rules from ``jupyter_server_config``) and the same index
file, so that it sees exactly what the server serves.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from textwrap import dedent
from typing import Any

from jupyter_core.application import JupyterApp
from jupyter_server.services.contents.filemanager import FileContentsManager
from traitlets import Bool, Enum, Unicode

from .. import __version__
from ..app import BlocksExtension
from ..export.notebook import export
from ..index.indexer import Indexer
from ..index.tree import TreeRules
from ..index.views import backlink_json, block_json, search_hit_json
from ..links.refs import is_target
from ..notebooks.cells import NotebookReader
from ..notebooks.notebook import Skip
from ..store import BlockStore, StoreUnavailable, open_or_set_aside
from .check import cell_number, check, render_report
from .stale import plan_fixes, write_fixes

COMMON_ALIASES = {
    "root": "BlocksCommand.root",
    "db": "BlocksExtension.db_path",
}
COMMON_FLAGS = {
    "json": ({"BlocksCommand": {"json": True}}, "Print JSON instead of text."),
    "no-refresh": (
        {"BlocksCommand": {"refresh": False}},
        "Use the index as it is, without first bringing it up to date with the files.",
    ),
}


class BlocksCommand(JupyterApp):
    """What every subcommand shares: the settings, the index, and its refresh."""

    # The server's configuration files, so the index and the hidden-file rules match it.
    config_file_name = Unicode("jupyter_server_config")
    aliases = COMMON_ALIASES
    flags = COMMON_FLAGS
    # The classes whose traits the options set: --help documents them from here.
    classes = [BlocksExtension]  # noqa: RUF012 (a traitlets trait, set per class)

    root = Unicode(
        "",
        config=True,
        help="""The folder whose notebooks are indexed (the server root). Defaults to
        c.ServerApp.root_dir when configured, else the current directory.""",
    )
    json = Bool(False, config=True, help="Print JSON instead of text.")
    refresh = Bool(
        True,
        config=True,
        help="Bring the index up to date with the files before answering.",
    )

    def root_dir(self) -> str:
        if self.extra_args and self.positional_root:
            return os.path.abspath(self.extra_args[0])
        if self.root:
            return os.path.abspath(self.root)
        configured = self.config.get("ServerApp", {}).get("root_dir")
        return os.path.abspath(os.path.expanduser(configured or os.getcwd()))

    positional_root = False

    def open_index(self) -> tuple[BlockStore, Indexer, FileContentsManager]:
        root = self.root_dir()
        if not os.path.isdir(root):
            self.exit_with(f"{root} is not a folder.", 2)
        settings = BlocksExtension(config=self.config)
        contents = FileContentsManager(config=self.config, root_dir=root)
        rules = TreeRules(root, contents.allow_hidden, tuple(contents.hide_globs))
        store = settings.make_store(root)
        try:
            moved = open_or_set_aside(store)
        except StoreUnavailable as error:
            fix = "Set --db to another file" if not store.in_database else f"Check {store.setting}"
            self.exit_with(f"The index cannot be used: {error}. {fix}.", 2)
        if moved:
            self.log.warning("The index was damaged; set aside as %s and rebuilt.", moved)
        indexer = Indexer(store, rules, settings.max_notebook_size, self.log)
        if self.refresh:
            self.update(indexer)
        return store, indexer, contents

    def update(self, indexer: Indexer) -> None:
        stale, gone = indexer.plan()
        indexer.remove(gone)
        if not stale:
            return
        done = 0
        tty = sys.stderr.isatty()

        def progress(count: int) -> None:
            nonlocal done
            done += count
            if tty:
                sys.stderr.write(f"\rIndexing notebooks: {done}/{len(stale)}")
                sys.stderr.flush()

        indexer.index_all(stale, progress)
        if tty:
            sys.stderr.write("\n")

    def print(self, data: Any, text: str) -> None:
        print(json.dumps(data, indent=1, ensure_ascii=False) if self.json else text)

    def exit_with(self, message: str, code: int) -> None:
        print(message, file=sys.stderr)
        self.exit(code)

    def block_id(self) -> str:
        if not self.extra_args or not is_target(self.extra_args[0]):
            self.exit_with(f"Give a block id: jupyter blocks {self.name.split()[-1]} ID", 2)
        return self.extra_args[0]


class IndexCommand(BlocksCommand):
    name = "jupyter blocks index"
    description = "Build or refresh the index of every notebook under ROOT."
    examples = dedent(
        """
        jupyter blocks index            # the current folder (or c.ServerApp.root_dir)
        jupyter blocks index ~/notes    # another folder
        """
    )
    positional_root = True

    def start(self) -> None:
        store, _, _ = self.open_index()
        counts = store.counts()
        skipped = store.skipped()
        store.close()
        self.print(
            {
                **dataclasses.asdict(counts),
                "skipped": [{"path": p, "reason": r} for p, r in skipped],
            },
            f"{counts.notebooks} notebooks, {counts.blocks} blocks, "
            f"{counts.references} references; {len(skipped)} skipped",
        )


class ShowCommand(BlocksCommand):
    name = "jupyter blocks show"
    description = "Show the block with this id: where it lives, its source and outputs."
    examples = dedent(
        """
        jupyter blocks show sales-plot
        jupyter blocks show sales-plot --root=~/notes --json
        """
    )

    def start(self) -> None:
        block_id = self.block_id()
        store, indexer, _ = self.open_index()
        block = store.get_blocks([block_id]).get(block_id)
        store.close()
        if block is None:
            self.exit_with(f"block not found: {block_id}", 1)
            return
        content = (
            None if block.deleted else NotebookReader(2**31).read(indexer.rules.os_path(block.path))
        )
        cell = content.cell(block.id, block.index) if content else None
        data = block_json(block, cell, None, content.data if content else None)
        data.pop("_signature")
        data.pop("trusted")
        state = " (deleted: last known content)" if block.deleted else ""
        outputs = ", ".join(o.get("output_type", "?") for o in data["outputs"])
        self.print(
            data,
            f"{block.id}  {block.path} {cell_number(block.index)} ({data['cell_type']}){state}\n"
            f"{data['source']}" + (f"\n[outputs: {outputs}]" if outputs else ""),
        )


class BacklinksCommand(BlocksCommand):
    name = "jupyter blocks backlinks"
    description = "List the blocks that reference or embed the block with this id."
    examples = dedent(
        """
        jupyter blocks backlinks sales-plot
        jupyter blocks backlinks sales-plot --root=~/notes --json
        """
    )

    def start(self) -> None:
        block_id = self.block_id()
        store, _, _ = self.open_index()
        links = [backlink_json(b, block_id) for b in store.backlinks(block_id)]
        store.close()
        self.print(
            {"id": block_id, "backlinks": links},
            "\n".join(
                f"{b['path']} {cell_number(b['index'])} ({b['kind']}): {b['snippet']}"
                for b in links
            )
            or f"No block references {block_id}.",
        )


class SearchCommand(BlocksCommand):
    name = "jupyter blocks search"
    description = "Search the text of every block."
    examples = dedent(
        """
        jupyter blocks search seasonal index
        jupyter blocks search --root=~/notes --json monthly plo
        """
    )

    def start(self) -> None:
        query = " ".join(self.extra_args)
        if not query.strip():
            self.exit_with("Give words to search for: jupyter blocks search TEXT", 2)
        store, _, _ = self.open_index()
        result = store.search(query, 20, 1000)
        store.close()
        hits = [search_hit_json(h) for h in result.hits]
        self.print(
            {"results": hits, "ranked": result.ranked},
            "\n".join(
                f"{h['id'] or '(no id)'}  {h['path']} {cell_number(h['index'])}: {h['snippet']}"
                for h in hits
            )
            or "No block matches.",
        )


class ExportCommand(BlocksCommand):
    name = "jupyter blocks export"
    description = """Export NOTEBOOK with every reference and embed resolved, for readers
    without jupyter-blocks: --to html, markdown or notebook (a self-contained .ipynb
    whose embeds became ordinary cells). Broken references become visible notes;
    --strict exits 1 when there is one."""
    examples = dedent(
        """
        jupyter blocks export report.ipynb --to=html     # report.html
        jupyter blocks export report.ipynb --to=notebook --output=shared.ipynb
        """
    )

    to = Enum(["html", "markdown", "notebook"], "html", config=True, help="Output format.")
    output = Unicode("", config=True, help="Output file (default: beside the notebook).")
    strict = Bool(False, config=True, help="Exit 1 when a reference does not resolve.")
    aliases = {**COMMON_ALIASES, "to": "ExportCommand.to", "output": "ExportCommand.output"}  # noqa: RUF012
    flags = {  # noqa: RUF012 (traitlets traits, set per class)
        **COMMON_FLAGS,
        "strict": ({"ExportCommand": {"strict": True}}, "Exit 1 on a broken reference."),
    }

    def start(self) -> None:
        if not self.extra_args:
            self.exit_with("Give the notebook to export: jupyter blocks export NOTEBOOK", 2)
        source = os.path.abspath(self.extra_args[0])
        root = os.path.abspath(self.root) if self.root else self.root_dir()
        if os.path.commonpath([root, source]) != root:
            root = os.path.dirname(source)
        self.root = root
        store, indexer, _ = self.open_index()
        try:
            exporter = export(source, root, store, self.to, self.output, indexer.max_size)
        except Skip as skip:
            store.close()
            self.exit_with(f"{source} cannot be exported: {skip}.", 2)
            return
        store.close()
        report = exporter.report
        for problem in report.problems:
            print(f"warning: {problem}", file=sys.stderr)
        print(f"Wrote {exporter.written}")
        self.exit(1 if self.strict and report.problems else 0)


class CheckCommand(BlocksCommand):
    name = "jupyter blocks check"
    description = """Check every reference under ROOT. Lists broken references,
    references to deleted blocks, notebook links that resolve to nothing, duplicate ids,
    embed cycles and notebooks that could not be indexed. Exits 1 when a reference does
    not resolve (for CI and pre-commit)."""
    examples = dedent(
        """
        jupyter blocks check            # the current folder (or c.ServerApp.root_dir)
        jupyter blocks check ~/notes --json
        """
    )
    positional_root = True
    fix = Bool(
        False,
        config=True,
        help="""Print how the notebook links left stale by renames made outside Jupyter
        (git mv, a terminal) would be rewritten, where the new target is unambiguous
        (a dry run; add --write to apply).""",
    )
    write = Bool(False, config=True, help="With --fix: rewrite the links.")
    flags = {  # noqa: RUF012 (traitlets flags)
        **BlocksCommand.flags,
        "fix": ({"CheckCommand": {"fix": True}}, "Show how stale links would be fixed."),
        "write": ({"CheckCommand": {"write": True}}, "With --fix: apply the fixes."),
    }

    def start(self) -> None:
        store, indexer, contents = self.open_index()
        root = indexer.rules.root
        if self.fix:
            edits, lines = plan_fixes(store, root)
            out = sys.stderr if self.json else sys.stdout  # --json: stdout is the report
            print("\n".join(lines) or "No stale link has an unambiguous new target.", file=out)
            if self.write and edits:
                print(
                    "\n".join(write_fixes(edits, contents, indexer.rules, indexer.max_size)),
                    file=out,
                )
                self.update(indexer)
            elif edits:
                print("(a dry run: add --write to rewrite these links)", file=out)
        report = check(store, root)
        store.close()
        self.print(report.to_json(), render_report(report))
        self.exit(1 if report.failed else 0)


class BlocksApp(JupyterApp):
    name = "jupyter blocks"
    description = "Index, inspect and check the blocks of your notebooks (jupyter-blocks)."
    version = __version__
    subcommands = {  # noqa: RUF012 (a traitlets trait, set per class)
        "index": (IndexCommand, IndexCommand.description),
        "show": (ShowCommand, ShowCommand.description),
        "backlinks": (BacklinksCommand, BacklinksCommand.description),
        "search": (SearchCommand, SearchCommand.description),
        "check": (CheckCommand, "Check every reference; exit 1 when one is broken."),
        "export": (ExportCommand, "Export a notebook with its embeds resolved."),
        # By name: the command builds on BlocksCommand, defined here.
        "run": ("jupyter_blocks.cli.run.RunCommand", "Run a code block headless."),
    }

    def start(self) -> None:
        if self.subapp is None:
            print(f"{self.description}\n\nSubcommands: {', '.join(self.subcommands)}")
            print("Run 'jupyter blocks SUBCOMMAND --help' for the options of each.")
            self.exit(2)
        super().start()


main = launch_new_instance = BlocksApp.launch_instance
