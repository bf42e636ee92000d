"""nbconvert's exporters with blocks resolved: ``jupyter nbconvert --to blocks_html``
(``blocks_markdown``, ``blocks_notebook``), and JupyterLab's File > Save and Export
Notebook As menu. Each runs ``TransclusionPreprocessor`` before its own steps.
"""

from __future__ import annotations

from nbconvert.exporters import HTMLExporter, MarkdownExporter, NotebookExporter

from .preprocessor import TransclusionPreprocessor


class _BlocksExporterMixin:
    """Exporters that resolve blocks first (``jupyter nbconvert --to blocks_html``)."""

    blocks_html = False

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()  # type: ignore[misc]
        # First of all: the exporter's own steps (extracting images for markdown, ...)
        # then apply to the embedded blocks too.
        self.register_preprocessor(  # type: ignore[attr-defined]
            TransclusionPreprocessor(parent=self, html=self.blocks_html), enabled=True
        )
        preprocessors = self._preprocessors  # type: ignore[attr-defined]
        preprocessors.insert(0, preprocessors.pop())


class BlocksHTMLExporter(_BlocksExporterMixin, HTMLExporter):
    export_from_notebook = "HTML with blocks"
    blocks_html = True


class BlocksMarkdownExporter(_BlocksExporterMixin, MarkdownExporter):
    export_from_notebook = "Markdown with blocks"


class BlocksNotebookExporter(_BlocksExporterMixin, NotebookExporter):
    export_from_notebook = "Notebook with blocks"
