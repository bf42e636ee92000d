"""Static export: a notebook with its references and embeds resolved, for readers who do
not have jupyter-blocks (HTML, PDF, markdown, or a self-contained .ipynb).

``TransclusionPreprocessor`` is an nbconvert preprocessor: ``((id))`` becomes a link to
the source cell titled by the block's first line, ``[[path.ipynb]]`` a link to the
notebook, and ``{{embed ((id))}}`` the embedded block's own cells (markdown rendered by
the exporter, code with its outputs), honouring facets, the depth limit and cycles.
Broken and deleted references become visible notes, never nothing.
"""

from __future__ import annotations

import os
import posixpath
import uuid
from dataclasses import dataclass, field
from typing import Any

from nbconvert.exporters import HTMLExporter, MarkdownExporter, NotebookExporter
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode, from_dict
from nbformat.sign import NotebookNotary
from traitlets import Bool, Instance, Int, Unicode

from .cells import NotebookReader
from .indexer import Indexer, TreeRules
from .notebook import cell_source, normalize_path
from .refs import reference_spans
from .store import Block, BlockStore, SQLiteStore

TITLE_CHARS = 80


@dataclass
class ExportReport:
    """What the export could not resolve (``--strict`` fails on any of it)."""

    broken: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    cycles: list[str] = field(default_factory=list)
    too_deep: list[str] = field(default_factory=list)
    untrusted: bool = False

    @property
    def problems(self) -> list[str]:
        return (
            [f"block not found: {i}" for i in self.broken]
            + [f"deleted block: {i}" for i in self.deleted]
            + [f"cycle: {i}" for i in self.cycles]
            + [f"too deep: {i}" for i in self.too_deep]
        )


class TransclusionPreprocessor(Preprocessor):
    """Resolve ``((id))``, ``{{embed ((id))}}`` and ``[[path]]`` in markdown cells."""

    root_dir = Unicode(
        "",
        help="""The folder references resolve in (the Jupyter server root). Defaults to
        the current directory.""",
    ).tag(config=True)
    db_path = Unicode(
        "",
        help="""The index to read. Empty: the folder's default index (the server's),
        brought up to date with the files first.""",
    ).tag(config=True)
    embed_depth = Int(3, help="How many embeds deep an embed may nest.").tag(config=True)
    notebook_path = Unicode(
        "",
        help="""Where the exported notebook lives, relative to root_dir (links to other
        notebooks are made relative to it).""",
    ).tag(config=True)
    store = Instance(
        "jupyter_blocks.store.base.BlockStore", allow_none=True, help="An open store to use."
    )
    keep_syntax_notes = Bool(True, help="Show a note where a reference could not resolve.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = ExportReport()
        self._reader = NotebookReader(2**31)
        self._own_store = False
        self._trust: dict[str, bool] = {}

    # -- nbconvert -----------------------------------------------------------------------
    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        self._open()
        try:
            cells: list[NotebookNode] = []
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cells.extend(self._expand(cell_source(cell), cell, [], 0))
                else:
                    cells.append(cell)
            nb.cells = cells
            nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
        finally:
            self._close()
        resources.setdefault("jupyter_blocks", {})["report"] = self.report
        return nb, resources

    # -- expansion -----------------------------------------------------------------------
    def _expand(
        self, source: str, original: NotebookNode | None, ancestors: list[str], depth: int
    ) -> list[NotebookNode]:
        """A markdown source as cells: its text with references rewritten, and each
        embed replaced by the embedded block's cells."""
        spans = reference_spans(source)
        if not spans:
            return [self._markdown(source, original)]
        ids = [ref.target for _, _, ref in spans if ref.kind != "notebook"]
        blocks = self._store().get_blocks(ids) if ids else {}
        cells: list[NotebookNode] = []
        text: list[str] = []
        cursor = 0
        for start, end, ref in spans:
            text.append(source[cursor:start])
            cursor = end
            if ref.kind == "notebook":
                text.append(self._notebook_link(ref.target))
            elif ref.kind == "ref":
                text.append(self._reference(ref.target, blocks.get(ref.target)))
            else:
                pending = "".join(text)
                if pending.strip():
                    cells.append(self._markdown(pending, original if not cells else None))
                text = []
                cells.extend(
                    self._embed(ref.target, ref.facet, blocks.get(ref.target), ancestors, depth)
                )
        text.append(source[cursor:])
        rest = "".join(text)
        if rest.strip() or not cells:
            cells.append(self._markdown(rest, original if not cells else None))
        return cells

    def _embed(
        self,
        block_id: str,
        facet: str | None,
        block: Block | None,
        ancestors: list[str],
        depth: int,
    ) -> list[NotebookNode]:
        if block is None:
            self.report.broken.append(block_id)
            return [self._markdown(f"> **block not found:** `{block_id}`\n")]
        if block.deleted:
            self.report.deleted.append(block_id)
            quoted = "\n".join(f"> {line}" for line in block.source.splitlines())
            return [
                self._markdown(
                    f"> **deleted block** `{block_id}` (was in {block.path}), last known "
                    f"content:\n>\n{quoted}\n"
                )
            ]
        if block_id in ancestors:
            self.report.cycles.append(block_id)
            return [self._markdown(f"> **cycle:** `{block_id}` embeds itself\n")]
        if depth >= self.embed_depth:
            self.report.too_deep.append(block_id)
            return [self._markdown(f"> **too deep:** `{block_id}` (embeds nest deeper)\n")]
        cell = self._cell(block)
        caption = self._markdown(
            f"*Embedded from [{block.path}, cell {block.index + 1}]({self._cell_link(block)})*\n"
        )
        if block.cell_type != "code":
            source = cell_source(cell) if cell else block.source
            return [caption, *self._expand(source, None, [*ancestors, block_id], depth + 1)]
        code = from_dict(
            {
                "cell_type": "code",
                "id": new_id(),
                "metadata": {},
                "source": cell_source(cell) if cell else block.source,
                "execution_count": (cell or {}).get("execution_count"),
                "outputs": [] if facet == "source" else list((cell or {}).get("outputs", [])),
            }
        )
        if facet == "outputs":
            # nbconvert's templates leave out the input of such a cell.
            code.metadata["transient"] = {"remove_source": True}
            code.metadata["jupyter"] = {"source_hidden": True}
        if code.outputs and not self._trusted(block):
            self.report.untrusted = True
        return [caption, code]

    # -- pieces --------------------------------------------------------------------------
    def _reference(self, block_id: str, block: Block | None) -> str:
        if block is None:
            self.report.broken.append(block_id)
            return f"**[block not found: `{block_id}`]**"
        title = _title(block.source) or f"cell {block.index + 1}"
        if block.deleted:
            self.report.deleted.append(block_id)
            return f"**[deleted block: {title} (`{block_id}`, was in {block.path})]**"
        return f"[{_escape(title)}]({self._cell_link(block)})"

    def _notebook_link(self, target: str) -> str:
        path, reason = self._store().resolve_notebook_link(normalize_path(target))
        if path is None:
            self.report.broken.append(f"[[{target}]]")
            return f"**[notebook link {target}: {reason}]**"
        name = posixpath.basename(path)
        return f"[{_escape(name.removesuffix('.ipynb'))}]({self._relative(path)})"

    def _cell_link(self, block: Block) -> str:
        anchor = f"#cell-id={block.id}" if block.id else ""
        return self._relative(block.path) + anchor

    def _relative(self, path: str) -> str:
        here = posixpath.dirname(self.notebook_path)
        return posixpath.relpath(path, here or ".")

    def _markdown(self, source: str, original: NotebookNode | None = None) -> NotebookNode:
        cell = {
            "cell_type": "markdown",
            "id": new_id(),
            "metadata": {},
            "source": source,
        }
        if original is not None:
            # The first part of a split cell keeps the cell's id, metadata, attachments.
            cell.update(
                {k: original[k] for k in ("id", "metadata", "attachments") if k in original}
            )
        return from_dict(cell)

    def _cell(self, block: Block) -> dict[str, Any] | None:
        content = self._reader.read(self._rules.os_path(block.path))
        return content.cell(block.id, block.index) if content else None

    def _trusted(self, block: Block) -> bool:
        """Whether the user trusts the block's notebook (Jupyter's signatures)."""
        if block.path not in self._trust:
            content = self._reader.read(self._rules.os_path(block.path))
            notary = NotebookNotary(parent=self)
            try:
                trusted = content is not None and notary.check_signature(from_dict(content.data))
            except Exception:
                trusted = False
            finally:
                notary.store.close()
            self._trust[block.path] = bool(trusted)
        return self._trust[block.path]

    # -- the index -----------------------------------------------------------------------
    def _open(self) -> None:
        root = os.path.abspath(self.root_dir or os.getcwd())
        self._rules = TreeRules(root)
        if self.store is not None:
            return
        from .app import default_db_path

        self.store = SQLiteStore(self.db_path or default_db_path(root), root)
        self.store.open()
        self._own_store = True
        indexer = Indexer(self.store, self._rules, 100 * 2**20)
        stale, gone = indexer.plan()
        indexer.remove(gone)
        indexer.index_all(stale)

    def _close(self) -> None:
        if self._own_store and self.store is not None:
            self.store.close()
            self.store = None
            self._own_store = False

    def _store(self) -> BlockStore:
        assert self.store is not None
        return self.store


def new_id() -> str:
    return str(uuid.uuid4())


def _title(source: str) -> str:
    for line in source.splitlines():
        text = line.strip().lstrip("#").strip().replace("**", "").replace("`", "")
        if text:
            return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"
    return ""


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


class _BlocksExporterMixin:
    """Exporters that resolve blocks first (``jupyter nbconvert --to blocks_html``)."""

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()  # type: ignore[misc]
        # First of all: the exporter's own steps (extracting images for markdown, ...)
        # then apply to the embedded blocks too.
        self.register_preprocessor(TransclusionPreprocessor, enabled=True)  # type: ignore[attr-defined]
        preprocessors = self._preprocessors  # type: ignore[attr-defined]
        preprocessors.insert(0, preprocessors.pop())


class BlocksHTMLExporter(_BlocksExporterMixin, HTMLExporter):
    export_from_notebook = "HTML with blocks"


class BlocksMarkdownExporter(_BlocksExporterMixin, MarkdownExporter):
    export_from_notebook = "Markdown with blocks"


class BlocksNotebookExporter(_BlocksExporterMixin, NotebookExporter):
    export_from_notebook = "Notebook with blocks"
