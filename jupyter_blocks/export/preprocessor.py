"""Static export: a notebook with its references and embeds resolved, for readers who do
not have jupyter-blocks (HTML, PDF, markdown, or a self-contained .ipynb).

``TransclusionPreprocessor`` is an nbconvert preprocessor: ``((id))`` becomes a link to
the source cell titled by the block's title (``titles.py``), ``[[path.ipynb]]`` a link
to the notebook, and ``{{embed ((id))}}`` the embedded block's own cells (markdown, code
with its outputs), honouring facets, the depth limit, cycles and a bound on the whole
export. Broken and deleted references become visible notes, never nothing. What it
writes from other notebooks follows the sanitizing policy of ``policy.py``; what an
embedded cell links relative to its notebook is rewritten (``relink.py``).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode, from_dict
from nbformat.sign import NotebookNotary
from traitlets import Bool, Instance, Int, Unicode

from ..index.indexer import Indexer
from ..index.tree import TreeRules
from ..links.patch import PatchError, parse_patch, patched_output
from ..links.refs import Reference, is_block_id, reference_spans
from ..links.relink import relink
from ..links.titles import block_title
from ..notebooks.cells import NotebookReader
from ..notebooks.ids import new_id
from ..notebooks.notebook import cell_source, normalize_path
from ..policy import clean_html, clean_outputs, escape_markdown, markdown_html
from ..store import Block, BlockStore, SQLiteStore
from .markup import html_block, plain_language_names
from .report import ExportReport


@dataclass
class _Where:
    """Where the text being expanded comes from: the embeds it sits in (to stop at
    cycles), how deep, its notebook's folder, and its attachments."""

    ancestors: list[str]
    depth: int
    folder: str
    attachments: dict[str, Any] | None = None
    embedded: bool = False


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
    max_embeds = Int(
        1000,
        help="""Embeds one export may expand in all (nested ones included); past it each
        embed is a visible 'export limit' note, so that notebooks embedding each other
        many times cannot make an export run away.""",
    ).tag(config=True)
    max_embedded_bytes = Int(
        64 * 2**20,
        help="Bytes of embedded sources and outputs one export may write, in all.",
    ).tag(config=True)
    notebook_path = Unicode(
        "",
        help="""Where the exported notebook lives, relative to root_dir (links to other
        notebooks are made relative to it).""",
    ).tag(config=True)
    html = Bool(
        False,
        help="""Write embedded markdown as sanitized HTML (for HTML exports). Otherwise
        it stays markdown, which the reader's renderer sanitizes (JupyterLab does).""",
    ).tag(config=True)
    store = Instance(
        "jupyter_blocks.store.base.BlockStore", allow_none=True, help="An open store to use."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = ExportReport()
        self._reader = NotebookReader(2**31, whole_up_to=2**31)
        self._own_store = False
        self._trust: dict[str, bool] = {}
        self._embeds = 0
        self._bytes = 0

    # -- nbconvert -----------------------------------------------------------------------
    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        self._open()
        if not self.notebook_path:
            self.notebook_path = self._path_from(resources)
        try:
            folder = posixpath.dirname(self.notebook_path)
            cells: list[NotebookNode] = []
            for cell in nb.cells:
                if cell.cell_type != "markdown":
                    cells.append(cell)
                    continue
                own = cell.get("id")
                where = _Where(
                    [own] if isinstance(own, str) and is_block_id(own) else [],
                    0,
                    folder,
                    cell.get("attachments"),
                )
                cells.extend(self._expand(cell_source(cell), cell, where))
            # Cells of the copy carry ids (nbformat 4.5), as the embedded ones do.
            for cell in cells:
                if not isinstance(cell.get("id"), str):
                    cell["id"] = new_id()
            nb.cells = cells
            nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
            plain_language_names(nb)
        finally:
            self._close()
        resources.setdefault("jupyter_blocks", {})["report"] = self.report
        return nb, resources

    # -- expansion -----------------------------------------------------------------------
    def _expand(
        self, source: str, original: NotebookNode | None, where: _Where
    ) -> list[NotebookNode]:
        """A markdown source as cells: its text with references rewritten, and each
        embed replaced by the embedded block's cells."""
        if where.embedded:
            source = relink(source, where.folder, posixpath.dirname(self.notebook_path))
        spans = reference_spans(source)
        if not spans:
            return [self._markdown(source, where, original)]
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
                    cells.append(self._markdown(pending, where, original if not cells else None))
                text = []
                cells.extend(self._embed(ref, blocks.get(ref.target), where))
        text.append(source[cursor:])
        rest = "".join(text)
        if rest.strip() or not cells:
            cells.append(self._markdown(rest, where, original if not cells else None))
        return cells

    def _embed(self, ref: Reference, block: Block | None, where: _Where) -> list[NotebookNode]:
        block_id = ref.target
        if block is None:
            self.report.broken.append(block_id)
            return [self._note(f"**block not found:** `{block_id}`")]
        if block.deleted:
            self.report.deleted.append(block_id)
            quoted = "\n".join(f"> {escape_markdown(line)}" for line in block.source.splitlines())
            return [
                self._note(
                    f"**deleted block** `{block_id}` (was in {escape_markdown(block.path)}), "
                    f"last known content:\n>\n{quoted}"
                )
            ]
        if block_id in where.ancestors:
            self.report.cycles.append(block_id)
            loop = " → ".join(f"`{a}`" for a in [*where.ancestors, block_id])
            return [self._note(f"**cycle:** {loop}")]
        if where.depth >= self.embed_depth:
            self.report.too_deep.append(block_id)
            return [self._note(f"**too deep:** `{block_id}` (embeds nest deeper)")]
        if self.report.limit or self._embeds >= self.max_embeds:
            return [self._over_limit(f"{self.max_embeds} embeds", "max_embeds")]
        cell = self._cell(block) or {}
        self._embeds += 1
        self._bytes += len(block.source) + len(str(cell.get("outputs", "")))
        if self._bytes > self.max_embedded_bytes:
            return [self._over_limit(f"{self.max_embedded_bytes} bytes", "max_embedded_bytes")]
        caption = self._note(
            f"*Embedded from [{escape_markdown(block.path)}, cell {block.index + 1}]"
            f"({self._cell_link(block)})*",
            quote=False,
        )
        if block.cell_type != "code":
            inner = _Where(
                [*where.ancestors, block_id],
                where.depth + 1,
                posixpath.dirname(block.path),
                cell.get("attachments"),
                embedded=True,
            )
            return [caption, *self._expand(cell_source(cell) or block.source, None, inner)]
        return [caption, *self._code(ref, block, cell)]

    def _code(self, ref: Reference, block: Block, cell: dict[str, Any]) -> list[NotebookNode]:
        """An embedded code block with the outputs its facet picks, as the user may see
        them (sanitized unless its notebook is trusted)."""
        outputs = [] if ref.facet == "source" else list(cell.get("outputs", []))
        notes: list[NotebookNode] = []
        if ref.output is not None:
            if ref.output >= len(outputs):
                notes.append(self._note(f"**no output {ref.output}** in `{ref.target}`"))
            outputs = outputs[ref.output : ref.output + 1]
        if ref.patch is not None:
            try:
                patch = parse_patch(ref.patch)
                outputs = [patched_output(o, patch) for o in outputs]
            except PatchError as error:
                self.report.invalid.append(f"{ref.target}: {error}")
                return [self._note(f"**cannot apply the patch** to `{ref.target}`: {error}")]
        outputs = [o for o in outputs if o.get("output_type") != "invalid"]
        if outputs and not self._trusted(block):
            self.report.untrusted = True
            outputs = clean_outputs(outputs)
        code = from_dict(
            {
                "cell_type": "code",
                "id": new_id(),
                "metadata": {},
                "source": cell_source(cell) or block.source,
                "execution_count": cell.get("execution_count"),
                "outputs": outputs,
            }
        )
        if ref.facet == "outputs":
            # nbconvert's templates leave out the input of such a cell.
            code.metadata["transient"] = {"remove_source": True}
            code.metadata["jupyter"] = {"source_hidden": True}
        return [*notes, code]

    # -- pieces --------------------------------------------------------------------------
    def _reference(self, target: str, block: Block | None) -> str:
        if block is None:
            self.report.broken.append(target)
            return f"**\\[block not found: `{target}`\\]**"
        title = escape_markdown(self._title(block) or f"cell {block.index + 1}")
        if block.deleted:
            self.report.deleted.append(target)
            where = escape_markdown(block.path)
            return f"**\\[deleted block: {title} (`{target}`, was in {where})\\]**"
        return f"[{title}]({self._cell_link(block)})"

    def _title(self, block: Block) -> str:
        """The block's title, its own references shown by their targets' titles."""
        nested = (
            [r.target for _, _, r in reference_spans(block.source) if r.kind == "ref"]
            if block.cell_type == "markdown"
            else []
        )
        found = self._store().get_blocks(nested) if nested else {}
        titles = {t: block_title(b.source, b.cell_type) for t, b in found.items()}
        return block_title(block.source, block.cell_type, titles)

    def _notebook_link(self, target: str) -> str:
        path, reason = self._store().resolve_notebook_link(normalize_path(target))
        if path is None:
            self.report.broken.append(f"[[{target}]]")
            return f"**\\[notebook link {escape_markdown(target)}: {escape_markdown(reason)}\\]**"
        name = posixpath.basename(path).removesuffix(".ipynb")
        return f"[{escape_markdown(name)}]({self._relative(path)})"

    def _cell_link(self, block: Block) -> str:
        anchor = f"#cell-id={block.id}" if block.id else ""
        return self._relative(block.path) + anchor

    def _relative(self, path: str) -> str:
        """A link destination from the exported notebook to ``path``, percent-encoded
        (spaces and ``#`` in names would end or cut it)."""
        here = posixpath.dirname(self.notebook_path)
        return quote(posixpath.relpath(path, here or "."), safe="/")

    def _markdown(
        self, source: str, where: _Where, original: NotebookNode | None = None
    ) -> NotebookNode:
        """A piece of markdown as a cell. The first piece of a split cell keeps its id
        and metadata; every piece keeps the attachments its text may show. Embedded
        markdown is sanitized HTML in an HTML export."""
        attachments = where.attachments if isinstance(where.attachments, dict) else None
        if where.embedded and self.html:
            html = clean_html(markdown_html(source, attachments))
            return from_dict(
                {
                    "cell_type": "markdown",
                    "id": new_id(),
                    "metadata": {},
                    "source": html_block(html),
                }
            )
        cell: dict[str, Any] = {
            "cell_type": "markdown",
            "id": new_id(),
            "metadata": {},
            "source": source,
        }
        if original is not None:
            cell.update({k: original[k] for k in ("id", "metadata") if k in original})
        if attachments:
            cell["attachments"] = {
                name: bundle for name, bundle in attachments.items() if name in source
            }
        return from_dict(cell)

    def _note(self, text: str, quote: bool = True) -> NotebookNode:
        return from_dict(
            {
                "cell_type": "markdown",
                "id": new_id(),
                "metadata": {},
                "source": f"> {text}\n" if quote else f"{text}\n",
            }
        )

    def _over_limit(self, what: str, trait: str) -> NotebookNode:
        self.report.limit = (
            f"export limit reached: more than {what} embedded "
            f"(c.TransclusionPreprocessor.{trait}); the rest is left out"
        )
        return self._note(f"**{self.report.limit}**")

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

    def _path_from(self, resources: dict[str, Any]) -> str:
        """The exported notebook's path from the root, from what nbconvert knows of it
        (``jupyter nbconvert --to blocks_html folder/name.ipynb``)."""
        metadata = resources.get("metadata") or {}
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            return ""
        folder = os.path.abspath(metadata.get("path") or os.getcwd())
        relative = os.path.relpath(os.path.join(folder, name + ".ipynb"), self._rules.root)
        return "" if relative.startswith("..") else relative.replace(os.sep, "/")

    # -- the index -----------------------------------------------------------------------
    def _open(self) -> None:
        root = os.path.abspath(self.root_dir or os.getcwd())
        self._rules = TreeRules(root)
        if self.store is not None:
            return
        from ..app import default_db_path

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
