"""What a block store raises when the index itself is in trouble (see ``base``)."""

from __future__ import annotations


class StoreError(Exception):
    """The index cannot serve or store right now; ``str()`` says why, for a user."""


class StoreCorrupt(StoreError):
    """The index is damaged, truncated or gone: set it aside and rebuild it."""


class StoreUnavailable(StoreError):
    """The index cannot be opened or reached (its location is unusable, its database
    is down): nothing to rebuild, try again later."""


class StoreFull(StoreError):
    """No space is left for a write (disk full or a size limit): retry it later."""


class StoreBusy(StoreError):
    """Another writer holds the index for longer than the store waits: try again."""
