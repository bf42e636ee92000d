"""Reusing a code block in a kernel: ``jupyter_blocks.use`` (see api.py and README)."""

from .api import use
from .errors import (
    BlockNotFound,
    CellFailed,
    IndexUnavailable,
    MissingInput,
    NotCodeBlock,
    NotPython,
    RecipeTooLarge,
    UnknownOverride,
    UseError,
)
from .result import CellRun, Result

__all__ = [
    "BlockNotFound",
    "CellFailed",
    "CellRun",
    "IndexUnavailable",
    "MissingInput",
    "NotCodeBlock",
    "NotPython",
    "RecipeTooLarge",
    "Result",
    "UnknownOverride",
    "UseError",
    "use",
]
