"""The public names of the static export, where they have always been:
``jupyter_blocks.nbconvert.TransclusionPreprocessor`` and the exporters
(``export/preprocessor.py``, ``export/exporters.py``)."""

from .export.exporters import BlocksHTMLExporter, BlocksMarkdownExporter, BlocksNotebookExporter
from .export.preprocessor import TransclusionPreprocessor

__all__ = [
    "BlocksHTMLExporter",
    "BlocksMarkdownExporter",
    "BlocksNotebookExporter",
    "TransclusionPreprocessor",
]
