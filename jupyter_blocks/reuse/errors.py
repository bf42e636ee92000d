"""The errors ``use()`` raises, each with a message that says what to do.

Every one derives from ``UseError`` and also from the built-in exception a Python user
would expect (``LookupError`` for an unknown block, ``NameError`` for a missing input),
so existing ``except`` clauses keep working.
"""

from __future__ import annotations


class UseError(Exception):
    """Base of every error of ``jupyter_blocks.use``."""


class BlockNotFound(UseError, LookupError):
    """No block has this id (or label), or no notebook or cell is at this place."""


class NotCodeBlock(UseError, ValueError):
    """The block is a markdown or raw cell: there is nothing to run."""


class NotPython(UseError, ValueError):
    """The block's notebook is not a Python notebook."""


class MissingInput(UseError, NameError):
    """A cell of the recipe reads a name that no cell above it defines and no override
    gives."""


class UnknownOverride(UseError, TypeError):
    """A keyword argument names nothing the recipe's cells read (a typo, usually)."""


class CellFailed(UseError, RuntimeError):
    """A cell of the recipe raised (or does not parse); the original exception is the
    ``__cause__``, with its traceback in the cell's own code."""


class RecipeTooLarge(UseError, RuntimeError):
    """The recipe needs more cells than the limit allows, or takes too long to plan."""


class IndexUnavailable(UseError, RuntimeError):
    """``use()`` cannot find the block index: not started by a Jupyter server with
    jupyter-blocks, and no ``root=`` given."""
