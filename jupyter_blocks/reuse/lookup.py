"""Finding a block's recipe from a kernel: through the server that started the kernel
(so any store works and the server's authorization applies), else by reading the SQLite
index of a root directly.

A reference is a block id (``"sales-plot"``), the same in the markdown syntax
(``"((sales-plot))"``), or, for a cell without an id, ``"path/to/notebook.ipynb#3"``:
the notebook's path relative to the root and the cell's number counted from 1 (the
number ``use()`` shows in its provenance and tracebacks).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from . import env
from .errors import BlockNotFound, IndexUnavailable, UseError

TIMEOUT = 30.0  # seconds for one request to the server
_PATH_REF = re.compile(r"^(?P<path>.+\.ipynb)#(?P<number>\d+)$", re.IGNORECASE)
_MARKUP = re.compile(r"^\(\((?P<id>[^()]*)\)\)$")


@dataclass(frozen=True)
class Ref:
    """A parsed reference: an id, or a notebook path and a 0-based cell index."""

    text: str
    id: str | None = None
    path: str | None = None
    index: int = 0

    @property
    def name(self) -> str:
        """How messages name the block."""
        return self.id if self.id is not None else f"{self.path}#{self.index + 1}"


def parse_ref(ref: object) -> Ref:
    """A Ref, or a UseError saying what a reference looks like."""
    if not isinstance(ref, str):
        raise TypeError(
            f"use() takes a block reference as a string, not {type(ref).__name__}: "
            'use("block-id") or use("path/to/notebook.ipynb#3").'
        )
    text = ref.strip()
    markup = _MARKUP.match(text)
    if markup:
        text = markup["id"].strip()
    at = _PATH_REF.match(text)
    if at:
        number = int(at["number"])
        if number < 1:
            raise UseError(f"{ref!r}: cells are numbered from 1.")
        return Ref(ref, path=at["path"].strip().lstrip("/"), index=number - 1)
    from ..links.refs import is_block_id

    if not is_block_id(text):
        raise UseError(
            f"{ref!r} is not a block reference: give a block id (1 to 64 letters, digits, "
            "'-' or '_', as Copy Block Reference gives it) or a cell without an id as "
            '"path/to/notebook.ipynb#3" (its number, counted from 1).'
        )
    return Ref(ref, id=text)


@dataclass
class Found:
    """A recipe (the REST shape, see source.recipe_json) and where it came from."""

    recipe: dict[str, Any]
    via: str  # "server", "index" or "file"
    root: str | None


def find(ref: Ref, root: str | None) -> Found:
    """The recipe of ``ref``: from ``root``'s files when given; else from the server that
    started this kernel; else from the root it announced. Raises BlockNotFound (with
    the closest matches) or IndexUnavailable."""
    if root is not None:
        return _from_root(ref, os.path.abspath(os.path.expanduser(root)), None)
    url = os.environ.get(env.URL)
    server_root = os.environ.get(env.ROOT)
    if url:
        token = os.environ.get(env.TOKEN) or os.environ.get("JUPYTERHUB_API_TOKEN", "")
        try:
            return Found(ServerIndex(url, token).recipe(ref), "server", server_root)
        except _Unreachable as error:
            if not server_root:
                raise IndexUnavailable(
                    f"The Jupyter server at {url} cannot be asked ({error}): pass "
                    "root='folder' to read the notebooks of a folder directly."
                ) from None
    if server_root:
        return _from_root(ref, server_root, os.environ.get(env.DB))
    if ref.path is not None:
        return _from_root(ref, os.getcwd(), None)
    raise IndexUnavailable(
        f"use({ref.text!r}) cannot find the block index: this kernel was not started by "
        "a Jupyter server with jupyter-blocks. Pass the folder that holds the notebooks: "
        f"use({ref.text!r}, root='path/to/folder')."
    )


def _from_root(ref: Ref, root: str, db: str | None) -> Found:
    if ref.path is not None:  # no index needed
        return Found(LocalIndex.file_recipe(root, ref), "file", root)
    return Found(_local(root, db).recipe(ref), "index", root)


class _Unreachable(Exception):
    """The server cannot be asked (down, or refusing this kernel's token)."""


class ServerIndex:
    """The REST API of the server that started this kernel."""

    def __init__(self, url: str, token: str) -> None:
        self.base = url.rstrip("/") + "/api/blocks/"
        self.token = token

    def recipe(self, ref: Ref) -> dict[str, Any]:
        if ref.id is not None:
            answer = self._get(f"recipe/{urllib.parse.quote(ref.id)}", {})
        else:
            assert ref.path is not None
            answer = self._get("recipe", {"path": ref.path, "index": str(ref.index)})
        if isinstance(answer, _Missing):
            if ref.id is None:
                raise BlockNotFound(answer.message)
            raise BlockNotFound(answer.message + closest(ref.id, self.search))
        return answer

    def search(self, query: str) -> list[dict[str, Any]]:
        answer = self._get("search", {"q": query, "limit": "20"})
        return [] if isinstance(answer, _Missing) else list(answer.get("results", []))

    def _get(self, path: str, params: dict[str, str]) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        # The server's own http(s) URL, from the environment it gave this kernel.
        request = urllib.request.Request(self.base + path + query)  # noqa: S310
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - our own server's http(s) URL
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            message = _message(error)
            if error.code == 404:
                return _Missing(message)
            if error.code == 400:
                raise UseError(message) from None
            raise _Unreachable(message) from None
        except (OSError, ValueError) as error:  # refused, timed out, not JSON
            raise _Unreachable(str(error)) from None


@dataclass
class _Missing:
    message: str


def _message(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read()).get("message") or error.reason)
    except (OSError, ValueError, AttributeError):
        return str(error.reason)


_stores: dict[tuple[str, str], LocalIndex] = {}
_stores_lock = threading.Lock()


def _local(root: str, db: str | None) -> LocalIndex:
    """One open index per root and file for the life of the kernel."""
    from ..store.location import default_db_path

    location = db or default_db_path(root)
    with _stores_lock:
        found = _stores.get((root, location))
        if found is None:
            found = _stores[(root, location)] = LocalIndex(root, location)
        return found


class LocalIndex:
    """The SQLite index of a root, read directly (and brought up to date when a block
    is not where it says)."""

    def __init__(self, root: str, location: str) -> None:
        from ..index.indexer import Indexer
        from ..index.tree import TreeRules
        from ..notebooks.notebook import DEFAULT_MAX_SIZE
        from ..store import SQLiteStore

        if not os.path.isdir(root):
            raise IndexUnavailable(f"{root} is not a folder: pass the notebooks' root=.")
        self.root = root
        self.rules = TreeRules(root)
        self.store = SQLiteStore(location, root)
        self.store.open()
        self.indexer = Indexer(self.store, self.rules, DEFAULT_MAX_SIZE)
        self.lock = threading.Lock()

    def recipe(self, ref: Ref) -> dict[str, Any]:
        if ref.path is not None:
            return self.file_recipe(self.root, ref)
        assert ref.id is not None
        with self.lock:
            found = self._recipe_by_id(ref.id)
            if isinstance(found, str):
                self._refresh()  # the index may lag behind the files: catch up once
                found = self._recipe_by_id(ref.id)
        if isinstance(found, str):
            raise BlockNotFound(found + closest(ref.id, self.search))
        return found

    def _recipe_by_id(self, block_id: str) -> dict[str, Any] | str:
        """The recipe, or why there is none."""
        from .source import read_source_notebook, recipe_json

        block = self.store.get_blocks([block_id]).get(block_id)
        if block is None:
            return (
                f"No block has the id {block_id}: no notebook under {self.root} holds a "
                "cell with it."
            )
        if block.deleted:
            return (
                f"The block {block_id} was deleted: its cell is gone from {block.path} "
                f"(it was cell {block.index + 1})."
            )
        try:
            notebook = read_source_notebook(self.rules.os_path(block.path), block.path)
        except BlockNotFound as error:
            return str(error)
        position = notebook.position_of(block_id)
        if position is None:
            return f"The block {block_id} is no longer in {block.path}."
        return recipe_json(notebook, position)

    def _refresh(self) -> None:
        stale, gone = self.indexer.plan()
        self.indexer.remove(gone)
        self.indexer.index_all(stale)

    def search(self, query: str) -> list[dict[str, Any]]:
        from ..index.views import search_hit_json

        return [search_hit_json(hit) for hit in self.store.search(query, 20, 15).hits]

    @staticmethod
    def file_recipe(root: str, ref: Ref) -> dict[str, Any]:
        """The recipe of a cell given by path and position, read from its file: only a
        notebook the server would serve (``TreeRules.allows``, the rule of every
        endpoint)."""
        from ..index.tree import TreeRules
        from ..notebooks.notebook import normalize_path
        from ..notebooks.textnotebooks import is_notebook_name
        from .source import read_source_notebook, recipe_json

        assert ref.path is not None
        path = normalize_path(ref.path)
        if not is_notebook_name(path) or not TreeRules(root).allows(path):
            raise BlockNotFound(f"No notebook at {path} that a Jupyter server would serve.")
        notebook = read_source_notebook(os.path.join(root, *path.split("/")), path)
        if ref.index >= len(notebook.cells):
            raise BlockNotFound(
                f"{path} has {len(notebook.cells)} cells: there is no cell {ref.index + 1}."
            )
        return recipe_json(notebook, ref.index)


def closest(block_id: str, search: Any) -> str:
    """ " Closest: ..." naming the known ids most like ``block_id`` (found by searching
    the index for its words, then ranked by similarity to what was typed), or ""."""
    hits: dict[str, dict[str, Any]] = {}
    words = [w for w in re.split(r"[-_\s]+", block_id) if w]
    # The whole, each word, then each word's beginning (a prefix search: "totl" finds
    # "total"); the index has no list of ids to compare with, so its text is searched.
    queries = [" ".join(words), *(w for w in words if len(w) >= 3)]
    queries += [w[:3] for w in words if len(w) > 3]
    for query in list(dict.fromkeys(queries))[:6]:
        try:
            results = search(query)
        except Exception:  # suggestions are a courtesy: never fail on them
            results = []
        for hit in results:
            if hit.get("id") and hit["id"] != block_id:
                hits.setdefault(hit["id"], hit)
    ranked = sorted(
        hits.values(),
        key=lambda h: -difflib.SequenceMatcher(None, block_id, h["id"]).ratio(),
    )[:3]
    if not ranked:
        return " Copy Block Reference (right-click a cell in JupyterLab) gives a cell's id."
    return (
        " Closest: "
        + "; ".join(f"{h['id']!r} ({h['path']} cell {h['index'] + 1})" for h in ranked)
        + "."
    )
