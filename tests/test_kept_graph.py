"""The graph kept up to date notebook by notebook (issue 20) equals the graph assembled
afresh from the whole index, after every kind of change, on both stores, over real
HTTP: saves that add and drop links, a new title, a notebook that makes a ``[[name]]``
link resolve (a unique file name) and then not (a second one), renames, deletions, a
hidden notebook, and, on PostgreSQL, a save through another server of the space."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import generate
from ondisk import code, md, write
from test_team import team_server

from jupyter_blocks.index.notebook_graph import full_graph

pytestmark = pytest.mark.both_stores


@pytest.fixture
def graph_root(jp_root_dir: Path) -> Path:
    generate(jp_root_dir / "corpus", 30, seed=5)
    write(
        jp_root_dir / "hub.ipynb",
        [
            md("hub-1", "# Hub\n\nSee [[unique.ipynb]] and ((lbl-x)) and ((lbl-x))."),
            md("hub-2", "Also [[corpus/part-000/00.00-Preface-00000.ipynb]]."),
        ],
    )
    for folder in ("notes", "other", "moved"):
        (jp_root_dir / folder).mkdir()
    return jp_root_dir


def notebook(*cells: Any) -> dict[str, Any]:
    return json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=list(cells))))


class Graphs:
    """The server's kept graph over HTTP, and the full assembly from its own index."""

    def __init__(self, blocks: Any, jp_fetch: Any, serverapp: Any) -> None:
        self.blocks, self.fetch = blocks, jp_fetch
        self.service = serverapp.web_app.settings["jupyter_blocks"]

    async def full(self) -> dict[str, Any]:
        return await self.service.read(full_graph, self.service.store, self.service.rules)

    async def contents(self, path: str, method: str, body: Any = None) -> None:
        kwargs: dict[str, Any] = {"method": method}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        await self.fetch("api", "contents", path, **kwargs)

    async def save(self, path: str, *cells: Any) -> None:
        body = {"type": "notebook", "format": "json", "content": notebook(*cells)}
        await self.contents(path, "PUT", body)

    async def same_once(self, check: Any) -> dict[str, Any]:
        """Once the index shows what ``check`` wants (on the full assembly), the kept
        graph served over HTTP equals the full assembly, edge for edge."""
        await self.blocks.ready()

        async def shown() -> bool:
            return bool(check(await self.full()))

        await self.blocks.until(shown, timeout=30)
        await self.blocks.ready()
        kept = await self.blocks.get("graph")
        full = await self.full()
        assert kept["nodes"] == full["nodes"]
        assert kept["edges"] == full["edges"]
        # and every local graph is cut from the kept one
        near = await self.blocks.get("graph", path="hub.ipynb", depth="1")
        ids = {n["id"] for n in near["nodes"]}
        assert near["edges"] == [
            e for e in full["edges"] if e["source"] in ids and e["target"] in ids
        ]
        return kept


def edge(graph: dict[str, Any], source: str, target: str) -> dict[str, Any] | None:
    return next(
        (e for e in graph["edges"] if e["source"] == source and e["target"] == target), None
    )


def node(graph: dict[str, Any], path: str) -> dict[str, Any] | None:
    return next((n for n in graph["nodes"] if n["id"] == path), None)


async def test_the_kept_graph_equals_a_full_assembly_after_every_change(
    graph_root, blocks, jp_fetch, jp_serverapp
):
    graphs = Graphs(blocks, jp_fetch, jp_serverapp)
    await blocks.ready(timeout=120)
    # Kept from the start: [[unique.ipynb]] and ((lbl-x)) resolve to nothing yet
    first = await graphs.same_once(lambda g: node(g, "hub.ipynb"))
    assert [e["target"] for e in first["edges"] if e["source"] == "hub.ipynb"] == [
        "corpus/part-000/00.00-Preface-00000.ipynb"
    ]

    # A new notebook whose file name is unique: the bare [[unique.ipynb]] resolves to it,
    # and its label answers ((lbl-x))
    await graphs.save(
        "notes/unique.ipynb", md("u-1", "# First title"), code("u-2", "#| label: lbl-x\n1")
    )
    got = await graphs.same_once(lambda g: edge(g, "hub.ipynb", "notes/unique.ipynb"))
    assert edge(got, "hub.ipynb", "notes/unique.ipynb") == {
        "source": "hub.ipynb",
        "target": "notes/unique.ipynb",
        "weight": 3,
        "kinds": ["notebook", "ref"],
    }
    assert node(got, "notes/unique.ipynb") == {
        "id": "notes/unique.ipynb",
        "title": "First title",
        "blocks": 2,
        "backlinks": 3,
    }

    # A new title, and the label moved out: only the [[link]] is left
    await graphs.save("notes/unique.ipynb", md("u-1", "# Second title"), code("u-2", "1"))
    got = await graphs.same_once(lambda g: node(g, "notes/unique.ipynb")["title"] == "Second title")
    assert edge(got, "hub.ipynb", "notes/unique.ipynb")["weight"] == 1  # type: ignore[index]

    # An id written elsewhere first wins over the label: a new notebook holding id lbl-x
    await graphs.save("other/holder.ipynb", md("lbl-x", "# Holder"))
    got = await graphs.same_once(lambda g: edge(g, "hub.ipynb", "other/holder.ipynb"))
    assert edge(got, "hub.ipynb", "other/holder.ipynb")["weight"] == 2  # type: ignore[index]

    # A second notebook named unique.ipynb: the bare name is ambiguous, no edge
    await graphs.save("other/unique.ipynb", md("o-1", "# Another"))
    got = await graphs.same_once(lambda g: node(g, "other/unique.ipynb"))
    assert edge(got, "hub.ipynb", "notes/unique.ipynb") is None

    # Renamed away: unique again
    await graphs.contents("other/unique.ipynb", "PATCH", {"path": "other/distinct.ipynb"})
    got = await graphs.same_once(lambda g: node(g, "other/distinct.ipynb"))
    assert node(got, "other/unique.ipynb") is None
    assert edge(got, "hub.ipynb", "notes/unique.ipynb") is not None

    # The holder renamed: the reference follows its block
    await graphs.contents("other/holder.ipynb", "PATCH", {"path": "moved/holder.ipynb"})
    got = await graphs.same_once(lambda g: edge(g, "hub.ipynb", "moved/holder.ipynb"))
    assert node(got, "other/holder.ipynb") is None

    # Deleted: its node and every edge into it go
    await graphs.contents("notes/unique.ipynb", "DELETE")
    got = await graphs.same_once(lambda g: not node(g, "notes/unique.ipynb"))
    assert all("notes/unique.ipynb" not in (e["source"], e["target"]) for e in got["edges"])

    # A hidden notebook (written to disk, found by the poll) is never a node, and its
    # links never count
    write(graph_root / ".hidden" / "h.ipynb", [md("h-1", "[[hub.ipynb]] ((hub-1))")])
    write(graph_root / "late.ipynb", [md("late-1", "# Late\n\n((hub-2))")])
    got = await graphs.same_once(lambda g: node(g, "late.ipynb"))
    assert node(got, ".hidden/h.ipynb") is None
    assert node(got, "hub.ipynb")["backlinks"] == 1  # type: ignore[index]

    # A corpus notebook saved with its links taken out
    path = max(got["edges"], key=lambda e: e["weight"])["source"]
    await graphs.save(path, md("emptied", "# Emptied"))
    got = await graphs.same_once(lambda g: node(g, path)["title"] == "Emptied")
    assert not any(e["source"] == path for e in got["edges"])


async def test_a_save_through_another_server_of_the_space_reaches_the_kept_graph(
    graph_root, blocks, jp_fetch, jp_serverapp, store_config, tmp_path
):
    if "space" not in store_config:
        pytest.skip("servers share a space on PostgreSQL only")
    graphs = Graphs(blocks, jp_fetch, jp_serverapp)
    await blocks.ready(timeout=120)
    await graphs.same_once(lambda g: node(g, "hub.ipynb"))
    with contextlib.ExitStack() as stack:
        other = stack.enter_context(
            team_server(
                graph_root,
                tmp_path / "home-other",
                store_config["database_url"],
                store_config["space"],
            )
        )
        # The other server saves a notebook that answers both of hub's links
        other.save(
            "notes/unique.ipynb",
            notebook(md("u-1", "# From the other server"), code("u-2", "#| label: lbl-x\n1")),
        )
        got = await graphs.same_once(lambda g: edge(g, "hub.ipynb", "notes/unique.ipynb"))
        assert edge(got, "hub.ipynb", "notes/unique.ipynb")["weight"] == 3  # type: ignore[index]
        assert node(got, "notes/unique.ipynb")["title"] == "From the other server"  # type: ignore[index]


@pytest.mark.parametrize("then", ["asked", "quiet"])
async def test_the_first_assembly_steps_aside_while_requests_are_served(
    jp_root_dir, blocks, jp_fetch, jp_serverapp, then
):
    """Right after a scan the graph is assembled in the background; while requests keep
    coming it waits for them (they would otherwise wait for the GIL at every hand-off
    between threads). A graph request made meanwhile is answered, and exact; without
    one, the assembly ends by itself once the requests stop."""
    generate(jp_root_dir / "corpus", 200, seed=7)
    graphs = Graphs(blocks, jp_fetch, jp_serverapp)
    service = graphs.service
    loop = asyncio.get_running_loop()

    def kept() -> Any:
        from jupyter_blocks.index import notebook_graph as module

        found = module._kept.get(service.store, {}).get(service.rules)
        return found if found is not None and not getattr(found, "building", True) else None

    await blocks.ready(timeout=120)  # its status requests kept the assembly waiting too
    deadline = loop.time() + 1.5
    while loop.time() < deadline:  # a steady stream of requests
        await blocks.get("status")
        await blocks.get("search", q="data", limit="5")
    assert kept() is None  # alone, 200 notebooks are assembled in a few hundredths of a second

    if then == "quiet":  # no request at all: it goes on by itself
        deadline = loop.time() + 20
        while kept() is None and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert kept() is not None
    graph = await blocks.get("graph")  # asked: a reader waits, and the assembly hurries
    full = await graphs.full()
    assert graph["nodes"] == full["nodes"] and len(graph["nodes"]) >= 200
    assert graph["edges"] == full["edges"]
    assert kept() is not None
