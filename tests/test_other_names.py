"""A notebook with more than one name on disk: a symbolic link to it (or to its folder)
inside the root, or a hard link. The index holds a notebook once, under its own path
(a link indexed too would hold the same ids and be judged its own copy), a request
through the link's name reaches it, and a file with other names is never written
(Jupyter writes in place: the write would reach every name, maybe outside the root)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.both_stores


def write_notebook(path: Path, *sources: str) -> None:
    """An nbformat 4.4 notebook in the on-disk shape (sources as lists of lines),
    without cell ids, as many notebooks in the wild are."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(s) for s in sources]
    data = json.loads(nbformat.writes(nb))
    data["nbformat_minor"] = 4
    for cell in data["cells"]:
        cell.pop("id")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


@pytest.fixture
def linked(jp_root_dir: Path) -> Path:
    """analyses/real.ipynb, named also by current.ipynb (a link to it) and by
    latest/real.ipynb (latest is a link to the folder)."""
    real = jp_root_dir / "analyses" / "real.ipynb"
    write_notebook(real, "# Real analysis\nThe one true notebook.", "See it all.")
    nb = json.loads(real.read_text())
    nb["cells"][0]["id"] = "real-title"
    nb["cells"][1]["id"] = "real-words"
    nb["nbformat_minor"] = 5
    real.write_text(json.dumps(nb, indent=1) + "\n")
    (jp_root_dir / "current.ipynb").symlink_to(real)
    (jp_root_dir / "latest").symlink_to(jp_root_dir / "analyses", target_is_directory=True)
    write_notebook(jp_root_dir / "uses.ipynb", "Built on ((real-title)).")
    write_notebook(jp_root_dir / "analyses" / "plain.ipynb", "No ids here.", "Nor here.")
    (jp_root_dir / "plain-link.ipynb").symlink_to(jp_root_dir / "analyses" / "plain.ipynb")
    return jp_root_dir


async def test_a_linked_notebook_is_indexed_once_under_its_own_path(linked, blocks):
    status = await blocks.ready()
    assert status["duplicates"] == []  # not its own copy
    block = await blocks.get("block", "real-title")
    assert block["path"] == "analyses/real.ipynb"
    backlinks = await blocks.get("backlinks", "real-title")
    assert [b["path"] for b in backlinks["backlinks"]] == ["uses.ipynb"]
    hits = await blocks.get("search", q="true notebook")
    assert [h["path"] for h in hits["results"]] == ["analyses/real.ipynb"]
    # Asked for by the link's name (JupyterLab opened current.ipynb): the same notebook
    for name in ("current.ipynb", "latest/real.ipynb"):
        counts = await blocks.get("backlink-counts", path=name)
        assert counts["counts"] == {"real-title": 1}
        assert counts["path"] == "analyses/real.ipynb"


async def test_a_save_through_a_link_updates_the_notebook_it_names(linked, blocks, jp_fetch):
    await blocks.ready()
    # JupyterLab saves the notebook it opened as latest/real.ipynb
    model = json.loads((await jp_fetch("api", "contents", "latest", "real.ipynb")).body)
    model["content"]["cells"][1]["source"] = "Now with a new paragraph about otters."
    body = {"type": "notebook", "format": "json", "content": model["content"]}
    await jp_fetch("api", "contents", "latest", "real.ipynb", method="PUT", body=json.dumps(body))

    async def found() -> list[str]:
        hits = await blocks.get("search", q="otters")
        return [h["path"] for h in hits["results"]]

    assert await blocks.until(found) == ["analyses/real.ipynb"]
    status = await blocks.get("status")
    assert status["duplicates"] == []
    assert status["notebooks"] == 3  # analyses/real.ipynb, analyses/plain.ipynb, uses.ipynb


async def test_an_id_asked_through_a_link_is_written_into_the_notebook(linked, blocks):
    await blocks.ready()
    reply = await blocks.post("ensure-id", body={"path": "plain-link.ipynb", "index": 1})
    assert reply["written"] is True and reply["path"] == "analyses/plain.ipynb"
    assert (linked / "plain-link.ipynb").is_symlink()
    cells = json.loads((linked / "analyses" / "plain.ipynb").read_text())["cells"]
    assert cells[1]["id"] == reply["id"]
    assert (await blocks.get("block", reply["id"]))["path"] == "analyses/plain.ipynb"


async def test_a_hard_linked_notebook_is_read_and_never_written(
    jp_root_dir: Path, tmp_path: Path, blocks
):
    # Another name of the file lies outside the root (a snapshot, a colleague's copy)
    outside = tmp_path / "elsewhere" / "kept.ipynb"
    write_notebook(outside, "# Kept elsewhere\nWords about badgers.")
    os.link(outside, jp_root_dir / "kept.ipynb")
    before = outside.read_bytes()
    await blocks.ready()
    hits = await blocks.get("search", q="badgers")
    assert [h["path"] for h in hits["results"]] == ["kept.ipynb"]  # read, as any file
    for route, body in (
        ("ensure-id", {"path": "kept.ipynb", "index": 0}),
        ("reassign-ids", {"path": "kept.ipynb"}),
    ):
        code, message = await blocks.error(route, method="POST", body=body)
        assert code == 403
        assert "2 names on disk (hard links)" in message and "nothing is written" in message
    assert outside.read_bytes() == before
