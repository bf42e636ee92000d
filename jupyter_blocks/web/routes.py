"""Every route of the extension, in one table (the authorization tests walk it)."""

from __future__ import annotations

from .base import API_PREFIX, ID_PATTERN, BlocksHandler
from .blocks import (
    BacklinkCountsHandler,
    BacklinksHandler,
    BlockHandler,
    EnsureIdHandler,
    FollowMoveHandler,
    LabelHandler,
    NotebookBacklinksHandler,
    NotebookLinkHandler,
    ReassignIdsHandler,
    RenameLabelHandler,
    ResolveHandler,
    SearchHandler,
    StatusHandler,
    VersionHandler,
)
from .connections import GraphHandler, LinkMentionHandler, UnlinkedHandler
from .recipes import RecipeHandler
from .runs import RunHandler


def route_table() -> list[tuple[str, type[BlocksHandler]]]:
    """``(pattern, handler)`` for every endpoint under ``/api/blocks/``."""
    return [
        (f"{API_PREFIX}/version", VersionHandler),
        (f"{API_PREFIX}/status", StatusHandler),
        (f"{API_PREFIX}/block/{ID_PATTERN}", BlockHandler),
        (f"{API_PREFIX}/resolve", ResolveHandler),
        (f"{API_PREFIX}/search", SearchHandler),
        (f"{API_PREFIX}/backlinks/{ID_PATTERN}", BacklinksHandler),
        (f"{API_PREFIX}/notebook-backlinks", NotebookBacklinksHandler),
        (f"{API_PREFIX}/backlink-counts", BacklinkCountsHandler),
        (f"{API_PREFIX}/notebook-link", NotebookLinkHandler),
        (f"{API_PREFIX}/unlinked", UnlinkedHandler),
        (f"{API_PREFIX}/graph", GraphHandler),
        (f"{API_PREFIX}/link-mention", LinkMentionHandler),
        (f"{API_PREFIX}/ensure-id", EnsureIdHandler),
        (f"{API_PREFIX}/reassign-ids", ReassignIdsHandler),
        (f"{API_PREFIX}/label", LabelHandler),
        (f"{API_PREFIX}/rename-label", RenameLabelHandler),
        (f"{API_PREFIX}/follow-move", FollowMoveHandler),
        (f"{API_PREFIX}/recipe/{ID_PATTERN}", RecipeHandler),
        (f"{API_PREFIX}/recipe", RecipeHandler),
        (f"{API_PREFIX}/run/{ID_PATTERN}", RunHandler),
        (f"{API_PREFIX}/run", RunHandler),
    ]
