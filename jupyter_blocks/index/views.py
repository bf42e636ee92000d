"""The JSON shapes of blocks, backlinks and search hits, shared by the REST API and the
command line (the REST shapes are a contract: extend them, never rename or drop)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..links.refs import find_references
from ..links.titles import block_text, block_title
from ..policy import language_tag
from ..store import Backlink, Block, SearchHit
from ..store.records import Counts, Duplicate, LabelHolder

SNIPPET_CHARS = 160


def block_json(
    block: Block,
    cell: dict[str, Any] | None,
    signature: str | None,
    notebook: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The REST shape of a block. Content comes from the file when the cell is there
    (the freshest), else from the index (a tombstone keeps its last known source)."""
    cell = cell or {}
    cell_type = cell.get("cell_type", block.cell_type)
    source = cell.get("source", block.source)
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    outputs = cell.get("outputs") if cell_type == "code" else None
    attachments = cell.get("attachments")
    return {
        "id": block.id,
        "label": block.label,
        "path": block.path,
        "index": block.index,
        "cell_type": cell_type,
        "source": source if isinstance(source, str) else block.source,
        "outputs": outputs if isinstance(outputs, list) else [],
        "execution_count": cell.get("execution_count") if cell_type == "code" else None,
        "attachments": attachments if isinstance(attachments, dict) else {},
        "trusted": False,
        "deleted": block.deleted,
        "language": notebook_language(notebook or {}),
        "_signature": signature,
    }


def notebook_language(notebook: dict[str, Any]) -> str:
    """The language of a notebook's code cells (to highlight them), or "" (also for a
    name that is not a plain name: ``policy.language_tag``)."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key in ("language_info", "kernelspec"):
        info = metadata.get(key)
        if isinstance(info, dict):
            name = info.get("name" if key == "language_info" else "language")
            if isinstance(name, str):
                return language_tag(name)
    # A text notebook whose header names no kernel: the language jupytext found.
    jupytext = metadata.get("jupytext")
    if isinstance(jupytext, dict):
        return language_tag(jupytext.get("main_language"))
    return ""


def backlink_json(link: Backlink, target: str | None) -> dict[str, Any]:
    return {
        "id": link.id,
        "path": link.path,
        "index": link.index,
        "kind": link.kind,
        "snippet": snippet_around(link.source, target),
    }


def snippet_around(source: str, target: str | None) -> str:
    """A one-line excerpt of ``source`` centred on where it names ``target`` (or on its
    first reference when no target is given)."""
    found = [source.find(f"(({target}))")] if target else [source.find("(("), source.find("[[")]
    at = min((i for i in found if i >= 0), default=0)
    start = max(0, at - SNIPPET_CHARS // 2)
    text = _squash(source[start : start + SNIPPET_CHARS])
    return ("…" if start else "") + text + ("…" if start + SNIPPET_CHARS < len(source) else "")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def search_hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "label": hit.label,
        "path": hit.path,
        "index": hit.index,
        "cell_type": hit.cell_type,
        "snippet": _squash(hit.snippet),
        "title": hit.title,
    }


def backlink_entries(
    links: list[Backlink], marked: frozenset[str], titles: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Backlinks as the REST API serves them: one entry per referencing cell (``kind``
    its first kind, ``kinds`` all of them), with its text as read (``text``: markdown
    rendered, references shown by their targets' ``titles``), where in it the references
    to ``marked`` targets show (``marks``, offsets), and its ``title``."""
    entries: list[dict[str, Any]] = []
    for link in links:
        last = entries[-1] if entries else None
        if last is not None and (last["path"], last["index"]) == (link.path, link.index):
            if link.kind not in last["kinds"]:
                last["kinds"].append(link.kind)
            continue
        text, marks = block_text(link.source, "markdown", titles, marked)
        entries.append(
            {
                **backlink_json(link, next(iter(sorted(marked)), None)),
                "kinds": [link.kind],
                "text": text,
                "marks": [list(m) for m in marks],
                "title": block_title(link.source, "markdown", titles),
            }
        )
    return entries


def referenced_targets(links: list[Backlink]) -> list[str]:
    """The ids and labels referenced in the sources of these backlinks (to title them)."""
    return sorted(
        {r.target for link in links for r in find_references(link.source) if r.kind != "notebook"}
    )


def status_json(
    state: str,
    reason: str | None,
    counts: Counts,
    pending: int,
    progress: tuple[int, int],
    listed: list[tuple[str, str]],
    duplicates: list[Duplicate],
    labels: list[LabelHolder],
    problems: list[tuple[str, str]],
    limit: int,
) -> dict[str, Any]:
    """``GET /api/blocks/status``: where indexing stands (``state``, ``reason``,
    ``pending``, ``progress``), the counts, and the first ``limit`` skipped files,
    duplicates, label clashes and partly read notebooks."""
    return {
        "state": state,
        "reason": reason,
        "notebooks": counts.notebooks,
        "blocks": counts.blocks,
        "references": counts.references,
        "pending": pending,
        "progress": {"done": progress[0], "total": progress[1]},
        "skipped": [{"path": p, "reason": r} for p, r in listed[:limit]],
        "skipped_total": len(listed),
        "duplicates": [
            {
                "path": d.path,
                "original": d.original,
                "count": d.count,
                "reason": d.reason,
                "conclusive": d.conclusive,
            }
            for d in duplicates
        ],
        "labels": [
            {"label": h.label, "id": h.id, "path": h.path, "index": h.index, "clash": h.clash}
            for h in labels
        ],
        "partial": [{"path": p, "reason": r} for p, r in problems[:limit]],
    }
