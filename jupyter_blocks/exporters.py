"""The exporters' public module name (``export/exporters.py`` holds them)."""

from .export.exporters import BlocksHTMLExporter, BlocksMarkdownExporter, BlocksNotebookExporter

__all__ = ["BlocksHTMLExporter", "BlocksMarkdownExporter", "BlocksNotebookExporter"]
