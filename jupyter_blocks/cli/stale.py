"""Where the target of a stale ``[[link]]`` went, after a rename Jupyter did not see
(``git mv``, a terminal): ``jupyter blocks check`` names the new target when the
evidence is unambiguous, and ``check --fix --write`` rewrites the links.

Evidence, strongest first:

1. git's record of renames, when the root is in a repository: renames staged (``git
   mv``) and renames in the history (rename detection, ``-M``), followed to a notebook
   that exists;
2. the one notebook under the root with the link's file name.

Anything else (no record, several notebooks of that name) is left for a person.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata

import nbformat
from jupyter_server.services.contents.manager import ContentsManager

from ..index.tree import TreeRules
from ..links.rewrites import move_links
from ..notebooks import gitread
from ..notebooks.files import read_regular, single_name_refusal
from ..notebooks.ids import IdError, replace_sources
from ..notebooks.textnotebooks import Skip, is_text_name
from ..notebooks.textwrites import replace_sources as text_replace_sources
from ..store import BlockStore

GIT_TIMEOUT = 10.0  # seconds for one git query
HISTORY = 500  # commits of history read for renames


def locate(target: str, store: BlockStore, renames: dict[str, str]) -> tuple[str | None, str]:
    """The notebook a stale ``[[target]]`` now names (a path from the root), and the
    evidence; or None and why not."""
    key = _key(target)
    seen = {key}
    moved = renames.get(key)
    while moved is not None and store.real_path(moved) is None and moved not in seen:
        seen.add(moved)
        moved = renames.get(moved)
    if moved is not None and store.real_path(moved) is not None:
        return store.real_path(moved), f"git records the rename of {key} to {moved}"
    named = store.notebook_paths_named(posixpath.basename(key))
    if len(named) == 1:
        return named[0], f"the only notebook named {posixpath.basename(key)}"
    if named:
        return None, f"{len(named)} notebooks are named {posixpath.basename(key)}"
    return None, "no record of where it went"


def git_renames(root: str) -> dict[str, str]:
    """Renames git knows of under ``root`` (staged, then the history, latest first),
    old path -> new path, both from the root, in NFC. Empty without git or a
    repository. Nothing the repository says may run a program (``gitread.py``)."""
    prefix = gitread.run(root, "rev-parse", "--show-prefix")
    if prefix is None:
        return {}
    prefix = prefix.strip()
    found: dict[str, str] = {}
    for args in (
        ("diff-index", "--cached", "-M", "--name-status", "-z", *gitread.NO_PROGRAMS, "HEAD"),
        (
            "log",
            f"-n{HISTORY}",
            "--no-show-signature",
            *gitread.NO_PROGRAMS,
            "--diff-filter=R",
            "-M",
            "--name-status",
            "--format=",
            "-z",
        ),
    ):
        out = gitread.run(root, *args, timeout=GIT_TIMEOUT)
        if not out:
            continue
        fields = out.split("\0")
        i = 0
        while i < len(fields):
            status = fields[i].strip()
            if status[:1] in ("R", "C") and i + 2 < len(fields):
                old, new = fields[i + 1], fields[i + 2]
                if status[0] == "R" and old.startswith(prefix) and new.startswith(prefix):
                    found.setdefault(_key(old[len(prefix) :]), _key(new[len(prefix) :]))
                i += 3
            else:
                i += 2 if status else 1
    return found


def _key(path: str) -> str:
    path = posixpath.normpath("/" + path.strip().replace("\\", "/")).lstrip("/")
    return unicodedata.normalize("NFC", path)


Edits = dict[str, dict[int, tuple[str, str]]]  # path -> cell index -> (before, after)


def plan_fixes(store: BlockStore, root: str) -> tuple[Edits, list[str]]:
    """The rewrites that fix stale links, by notebook, and a line per link for a
    person (``path cell n: [[old]] -> [[new]] (evidence)``)."""
    renames: dict[str, str] | None = None
    edits: Edits = {}
    lines: list[str] = []
    for link, target in store.notebook_links():
        if store.resolve_notebook_link(target)[0] is not None:
            continue
        if renames is None:
            renames = git_renames(root)
        new, evidence = locate(target, store, renames)
        if new is None:
            continue
        cells = edits.setdefault(link.path, {})
        before, current = cells.get(link.index, (link.source, link.source))
        after = move_links(current, target, new)
        if after is None:
            continue
        cells[link.index] = (before, after)
        lines.append(f"{link.path} cell {link.index + 1}: [[{target}]] -> [[{new}]] ({evidence})")
    return edits, lines


def write_fixes(
    edits: Edits, contents: ContentsManager, rules: TreeRules, max_size: int
) -> list[str]:
    """Write the planned rewrites through the ContentsManager, with the rules of every
    write: only a notebook the server would serve (``TreeRules.allows``: inside the
    root once links are resolved, not hidden, not in a virtual environment), a regular
    file within ``max_size`` bytes, over the very bytes the plan was made from (a
    notebook whose cells changed since they were indexed, or that changes meanwhile, is
    left alone). Returns a line per notebook."""
    done: list[str] = []
    for path, cells in sorted(edits.items()):
        try:
            data = _readable(rules, path, max_size)
            if is_text_name(path):
                # In the format's own syntax, every other byte kept (``textwrites``)
                changed = text_replace_sources(data, posixpath.basename(path), cells)
                model = {"type": "file", "format": "text", "content": changed.decode("utf-8")}
            else:
                change = replace_sources(data.decode("utf-8"), cells)
                node = nbformat.from_dict(change.notebook)
                notary = getattr(contents, "notary", None)
                if notary is not None and notary.check_signature(
                    nbformat.reads(data, as_version=4)
                ):
                    notary.mark_cells(node, True)  # it was trusted: it is signed again
                model = {"type": "notebook", "format": "json", "content": node}
            # The moment of the write: the same file, still allowed, still these bytes.
            if _readable(rules, path, max_size) != data:
                raise IdError("it changed while the fix was prepared")
            contents.save(model, path)
        except (OSError, UnicodeDecodeError, IdError, Skip) as error:
            done.append(f"{path}: left as it is ({error})")
            continue
        except Exception as error:  # a notebook nbformat cannot take: said, not raised
            done.append(f"{path}: left as it is ({type(error).__name__}: {error})")
            continue
        done.append(f"{path}: {len(cells)} cell(s) rewritten")
    return done


def _readable(rules: TreeRules, path: str, max_size: int) -> bytes:
    if not rules.allows(path):
        raise IdError(
            "it is hidden, in a virtual environment, or leads outside the root: nothing "
            "is written there"
        )
    try:
        refusal = single_name_refusal(os.stat(rules.os_path(path)))
        if refusal is not None:
            raise IdError(refusal)
        return read_regular(rules.os_path(path), max_size)
    except OSError as error:
        raise IdError(f"it cannot be read: {error.strerror or error}") from None
