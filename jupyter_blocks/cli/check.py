"""What `jupyter blocks check` finds: references that do not resolve, duplicate ids
(which notebook is the copy, and why), labels declared twice or clashing with an id,
embeds whose patch is not JSON, embed cycles, and notebooks that could not be indexed
(in full). Reads the store only."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..links.patch import PatchError, parse_patch
from ..store import Backlink, BlockStore
from .stale import git_renames, locate

LIST_LIMIT = 10_000


@dataclass
class CheckReport:
    broken: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[dict[str, Any]] = field(default_factory=list)
    notebook_links: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    cycles: list[list[dict[str, Any]]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    patches: list[dict[str, Any]] = field(default_factory=list)
    partial: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A reference that does not show a live block or notebook, or an embed whose
        patch cannot apply, fails the check."""
        return bool(self.broken or self.deleted or self.notebook_links or self.patches)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "failed": self.failed}


def cell_number(index: int) -> str:
    """A cell as a person counts it: "cell 3" is the third cell, as in JupyterLab's status
    bar ("Cell 3/7"). JSON keeps the 0-based ``index`` of the REST API."""
    return f"cell {index + 1}"


def _where(link: Backlink) -> dict[str, Any]:
    return {"path": link.path, "index": link.index, "id": link.id, "kind": link.kind}


def check(store: BlockStore, root: str | None = None) -> CheckReport:
    """Every reference of the index checked. With ``root``, a notebook link that
    resolves to nothing names its ``new_target`` when the evidence is unambiguous
    (``stale.py``), with the ``evidence``."""
    report = CheckReport()
    renames: dict[str, str] | None = None
    for link, target, has_tombstone in store.unresolved_links():
        if has_tombstone:
            last = store.get_blocks([target]).get(target)
            report.deleted.append(
                {**_where(link), "target": target, "last_path": last.path if last else None}
            )
        else:
            report.broken.append({**_where(link), "target": target})
    for link, target in store.notebook_links():
        path, reason = store.resolve_notebook_link(target)
        if path is None:
            entry = {**_where(link), "target": target, "reason": reason}
            if root is not None:
                if renames is None:
                    renames = git_renames(root)
                new, evidence = locate(target, store, renames)
                entry.update(new_target=new, evidence=evidence)
            report.notebook_links.append(entry)
    report.duplicates = [
        {
            "path": d.path,
            "original": d.original,
            "count": d.count,
            "reason": d.reason,
            "conclusive": d.conclusive,
        }
        for d in store.duplicates(LIST_LIMIT)
    ]
    report.labels = [
        {"label": h.label, "id": h.id, "path": h.path, "index": h.index, "clash": h.clash}
        for h in store.label_clashes(LIST_LIMIT)
    ]
    for link, target, facet in store.patched_embeds():
        try:
            parse_patch(facet.split(" with ", 1)[1])
        except PatchError as error:
            report.patches.append({**_where(link), "target": target, "reason": str(error)})
    report.skipped = [{"path": p, "reason": r} for p, r in store.skipped()]
    report.partial = [{"path": p, "reason": r} for p, r in store.problems()]
    cycles = embed_cycles(store.embed_edges())
    if cycles:
        places = store.get_blocks(sorted({i for cycle in cycles for i in cycle}))
        report.cycles = [
            [{"id": i, "path": places[i].path if i in places else None} for i in cycle]
            for cycle in cycles
        ]
    return report


def embed_cycles(edges: list[tuple[str, str]]) -> list[list[str]]:
    """Each embed cycle once, as the ids along it (A embeds B embeds A -> [A, B])."""
    graph: dict[str, list[str]] = {}
    for source, target in edges:
        graph.setdefault(source, []).append(target)
    cycles: list[list[str]] = []
    for component in _strong_components(graph):
        members = set(component)
        start = min(component)
        if len(component) == 1 and start not in graph.get(start, []):
            continue
        cycles.append(_cycle_through(graph, start, members))
    return sorted(cycles)


def _strong_components(graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (an embed chain can be longer than Python's stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in list(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _cycle_through(graph: dict[str, list[str]], start: str, members: set[str]) -> list[str]:
    """One path from ``start`` back to itself inside a strongly connected component."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in graph.get(node, []):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return list(reversed(path))
                if target in members and target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    return [start]


def render_report(report: CheckReport) -> str:
    lines: list[str] = []

    def section(title: str, items: list[Any], line: Any) -> None:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend("  " + line(item) for item in items)

    def at(item: dict[str, Any]) -> str:
        return f"{item['path']} {cell_number(item['index'])}"

    section("Broken references", report.broken, lambda i: f"{at(i)}: (({i['target']})) not found")
    section(
        "References to deleted blocks",
        report.deleted,
        lambda i: f"{at(i)}: (({i['target']})) was deleted from {i['last_path']}",
    )
    section(
        "Notebook links that resolve to nothing",
        report.notebook_links,
        lambda i: (
            f"{at(i)}: [[{i['target']}]] {i['reason']}"
            + (
                f"; now {i['new_target']} ({i['evidence']}: jupyter blocks check --fix)"
                if i.get("new_target")
                else ""
            )
        ),
    )
    section(
        "Duplicate ids",
        report.duplicates,
        lambda d: (
            f"{d['path']} repeats {d['count']} ids of {d['original']}, judged the copy: "
            f"{d['reason']} (fix: POST /api/blocks/reassign-ids with the copy's path)"
        ),
    )
    section(
        "Labels declared twice, or that are a block's id",
        report.labels,
        lambda h: (
            f"{at(h)}: label {h['label']} "
            + ("is also a block's id (the id wins)" if h["clash"] == "id" else "is declared twice")
        ),
    )
    section(
        "Embeds whose patch cannot apply",
        report.patches,
        lambda i: f"{at(i)}: (({i['target']})) {i['reason']}",
    )
    section(
        "Embed cycles",
        report.cycles,
        lambda c: " -> ".join(f"{b['id']} ({b['path']})" for b in [*c, c[0]]),
    )
    section("Skipped notebooks", report.skipped, lambda s: f"{s['path']}: {s['reason']}")
    section("Notebooks indexed in part", report.partial, lambda s: f"{s['path']}: {s['reason']}")
    if not report.failed:
        lines.append("Every reference resolves.")
    return "\n".join(lines)
