"""The records a block store holds and answers with, and how paths are compared.

Every store (SQLite, PostgreSQL) reads and writes these shapes; ``base.BlockStore``
names them in its interface.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

CellType = Literal["markdown", "code", "raw"]


def path_key(path: str) -> str:
    """How a path is compared: in Unicode NFC (macOS writes names in NFD; a person types
    NFC), so that names that look the same are the same. The index keeps the real name
    to open the file."""
    return unicodedata.normalize("NFC", path)


LinkKind = Literal["ref", "embed", "notebook"]


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One reference written in a markdown cell: to a block id, or to a notebook path."""

    kind: LinkKind
    target: str
    facet: str | None = None


@dataclass(slots=True)
class BlockRow:
    """One cell of a notebook, as the index keeps it: its place, source and links, its
    label (``labels.py``), its title (``titles.py``, nested references dropped) and the
    words search indexes when they differ from the source (``searchtext.py``)."""

    index: int
    id: str | None
    cell_type: str
    source: str
    links: list[LinkRow] = field(default_factory=list)
    label: str | None = None
    title: str = ""
    words: str | None = None
    # What the block is named by, which search ranks first: its label and its title
    # when the title is a heading (or a code cell's leading comment), not a paragraph.
    name: str = ""
    # What the store computed for the block as it was read, off its writer (PostgreSQL:
    # its word vectors, for the notebook's path); None: computed when it is written.
    prepared: tuple[str, ...] | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class NotebookRow:
    """One indexed notebook: where it is, what version of the file was read, its cells."""

    path: str
    mtime_ns: int
    size: int
    blocks: list[BlockRow]
    nbformat: int = 4
    nbformat_minor: int = 5
    # What could not be indexed in full (a cell too costly to parse for references).
    problems: list[str] = field(default_factory=list)
    # The notebook's title: its first heading ("" when it has none).
    title: str = ""
    # The scan that read it (0: a change seen live): a copy and its original read by
    # one scan say nothing of which came first (copies.py).
    scan: int = 0


@dataclass(frozen=True, slots=True)
class FileState:
    """What the index saw of a file last time (to tell whether it changed)."""

    mtime_ns: int
    size: int


@dataclass(frozen=True, slots=True)
class Block:
    """A block as served: its place and content (outputs are read from the file)."""

    id: str | None
    path: str
    index: int
    cell_type: str
    source: str
    deleted: bool = False
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Backlink:
    """A block that references (or embeds, or links the notebook of) a target."""

    id: str | None
    path: str
    index: int
    kind: LinkKind
    source: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str | None
    path: str
    index: int
    cell_type: str
    snippet: str
    title: str = ""
    label: str | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[SearchHit]
    # False when the query matched too much to rank in time: the hits are then the first
    # matches found, not the best ones.
    ranked: bool


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A notebook holding cell ids of another one, judged its copy (``copies.py``), and
    why; ``conclusive`` is False when nothing told the two apart."""

    path: str
    original: str
    count: int
    reason: str = ""
    conclusive: bool = True


@dataclass(frozen=True, slots=True)
class LabelHolder:
    """A block declaring a label that another block declares too (or that is another
    block's id: the id wins)."""

    label: str
    id: str | None
    path: str
    index: int
    clash: Literal["label", "id"] = "label"


@dataclass(frozen=True, slots=True)
class NotebookNode:
    """An indexed notebook as the graph shows it: its title (first heading, "" when it
    has none) and how many blocks (cells) it holds."""

    path: str
    title: str
    blocks: int


@dataclass(frozen=True, slots=True)
class NotebookEdge:
    """``count`` links of one ``kind`` written in ``source``'s cells: for ``ref`` and
    ``embed``, to blocks of the notebook ``target`` (its real path, the target id or
    label resolved as ``get_blocks`` does); for ``notebook``, ``target`` is the
    ``[[path]]`` as the index keeps it (normalized, NFC), resolved by the caller."""

    source: str
    target: str
    kind: LinkKind
    count: int


@dataclass(frozen=True, slots=True)
class LinkCount:
    """``count`` links of one ``kind`` written in ``source``'s cells to ``target`` as
    written (an id or label, or a ``[[path]]`` as the index keeps it), unresolved."""

    source: str
    kind: LinkKind
    target: str
    count: int


@dataclass(frozen=True, slots=True)
class Counts:
    notebooks: int
    blocks: int
    references: int


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """A change another server wrote to a shared index (see ``changes_since``)."""

    paths: list[str]
    ids: list[str]
    # True when the lists were cut short, or changes were missed: refresh everything.
    truncated: bool = False
