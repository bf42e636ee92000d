"""Text notebooks: the formats jupytext reads (py:percent scripts, MyST and jupytext
markdown, R Markdown, Quarto) as block sources, read with jupytext itself (the optional
extra ``jupyter-blocks[text]``).

- **Which files.** ``.Rmd`` and ``.qmd`` files are notebooks. A ``.py`` file is one when
  it has a jupytext header or percent cell markers (``# %%``); a ``.md`` file when its
  front matter says so (``jupytext:``, ``jupyter:`` or ``kernelspec:``, as jupytext and
  MyST write it) or it holds MyST ``{code-cell}`` directives. Any other ``.py`` or
  ``.md`` file is not a notebook and is left alone, said nowhere.
- **Ids** live in the format's own cell metadata, as jupytext writes it (``# %% id="x"``,
  ``:id: x``, ``{python id="x"}``, ``<!-- #region id="x" -->``); a cell without one is
  addressed by path and position, as an id-less ``.ipynb`` cell. jupytext's own random
  ids (new at every read) are never used.
- **No program runs.** jupytext reads some formats by running a program: pandoc (its
  ``md:pandoc``), quarto (``.qmd``), marimo. A file that names such a format is skipped
  with that reason; a ``.qmd`` file is read with jupytext's R Markdown reader (the same
  chunks, ``#|`` options kept in the source, so ``#| label:`` is a label). jupytext's
  configuration files are never read (``jupytext.reads`` with no config).
- **Pairs.** ``x.ipynb`` and a text file of the same stem in the same folder whose
  jupytext header names ``ipynb`` among its ``formats`` are one notebook, indexed at
  the ``.ipynb`` path: inputs from the text file when it is newer (jupytext's rule),
  ids and outputs from the ``.ipynb`` (``jupytext.combine``). The text file itself is
  not a second notebook.
"""

from __future__ import annotations

import codecs
import os
import re
from typing import Any

from ..links.refs import is_block_id
from .files import Skip
from .textyaml import YamlTooLarge, check_yaml

TEXT_SUFFIXES = (".py", ".md", ".Rmd", ".rmd", ".qmd")
# Formats jupytext reads by running another program, and that program.
PROGRAM_FORMATS = {"pandoc": "pandoc", "quarto": "quarto", "marimo": "marimo"}
_PY_MARKER = re.compile(r"^#\s?%%", re.MULTILINE)
_HEADER_KEY = re.compile(r"^(?:# )?(?:jupytext|jupyter|kernelspec):", re.MULTILINE)
_MYST_CELL = re.compile(r"^(?:```|~~~)\{code-cell\}", re.MULTILINE)
INSTALL = "pip install 'jupyter-blocks[text]'"
# Larger text notebooks are skipped: jupytext checks every cell it builds (a third of
# a millisecond each), so 50,000 lines of one-line cells already take about 10 s.
MAX_TEXT_SIZE = 16 * 2**20
MAX_TEXT_LINES = 50_000


class NotANotebook(Skip):
    """A ``.py`` or ``.md`` file that is not a notebook: not indexed, not reported."""


class PairedText(Skip):
    """The text half of a pair: its notebook is the ``.ipynb`` beside it."""

    def __init__(self, notebook: str) -> None:
        super().__init__(f"paired with {notebook}, where its blocks are indexed")
        self.notebook = notebook

    def __reduce__(self) -> tuple[type[PairedText], tuple[str]]:
        # As made (a child process that parses sends it to the server: parse_process.py).
        return PairedText, (self.notebook,)


def is_text_name(name: str) -> bool:
    """Whether a file name may be a text notebook (by its extension)."""
    return name.endswith(TEXT_SUFFIXES)


def is_notebook_name(name: str) -> bool:
    """Whether a file name may be a notebook: ``.ipynb`` or a text notebook's."""
    return name.endswith(".ipynb") or is_text_name(name)


def looks_like_notebook(text: str, name: str) -> bool:
    """The cheap test of the module docstring's "which files"."""
    if name.endswith((".Rmd", ".rmd", ".qmd")):
        return True
    head = _front_matter(text, "# " if name.endswith(".py") else "")
    if head is not None and _HEADER_KEY.search(head):
        return True
    if name.endswith(".py"):
        return bool(_PY_MARKER.search(text))
    return bool(_MYST_CELL.search(text))


def _front_matter(text: str, prefix: str) -> str | None:
    """The YAML front matter (``---`` lines, commented with ``prefix`` in a script)."""
    fence = prefix + "---"
    lines = text.split("\n", 200)
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].rstrip() != fence:
        return None
    for end in range(start + 1, min(len(lines), 200)):
        if lines[end].rstrip() == fence:
            return "\n".join(lines[start + 1 : end])
    return None


def decode(data: bytes) -> str:
    """A text notebook's bytes as text (UTF-8, a byte order mark dropped), or Skip."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Skip(f"not valid UTF-8 text ({error.reason} at byte {error.start})") from None


def text_format(text: str, name: str) -> dict[str, str]:
    """The jupytext format to read ``text`` (a file called ``name``) with, or Skip when
    reading it would run a program."""
    from jupytext.formats import guess_format, read_format_from_metadata

    ext = os.path.splitext(name)[1]
    if ext in (".qmd", ".Rmd", ".rmd"):
        # Quarto's own reader runs quarto; R Markdown's reads the same chunks.
        return {"extension": ".Rmd", "format_name": "rmarkdown"}
    declared = read_format_from_metadata(text, ext)
    if declared in PROGRAM_FORMATS:
        raise Skip(_program(declared))
    if declared:
        return {"extension": ext, "format_name": declared}
    guessed, options = guess_format(text, ext)
    if guessed == "pandoc":  # a guess from fenced divs: jupytext's own markdown reads them
        guessed, options = "markdown", {}
    if guessed in PROGRAM_FORMATS:
        raise Skip(_program(guessed))
    if not guessed:
        # jupytext guesses nothing from a header that names a format without its
        # extension (as people write it by hand): the cells say which one it is.
        guessed = "percent" if ext == ".py" else "myst" if _MYST_CELL.search(text) else "markdown"
    return {"extension": ext, "format_name": guessed, **options}


def _program(format_name: str) -> str:
    return (
        f"a {format_name} notebook: jupytext reads it by running the program "
        f"{PROGRAM_FORMATS[format_name]}, and jupyter-blocks never runs programs"
    )


def read_text(text: str, name: str) -> Any:
    """The notebook jupytext reads from ``text`` (a ``NotebookNode``), its cells' ids
    taken from their metadata; Skip when it cannot be read."""
    try:
        import jupytext
    except ImportError:
        raise Skip(f"a text notebook, but jupytext is not installed: {INSTALL}") from None
    lines = text.count("\n")
    if len(text) > MAX_TEXT_SIZE or lines > MAX_TEXT_LINES:
        raise Skip(
            f"a text notebook of {lines:,} lines: jupytext builds and checks each cell "
            f"(a third of a millisecond each), so those over {MAX_TEXT_LINES:,} lines or "
            f"{MAX_TEXT_SIZE // 2**20} MiB are not read; save it as .ipynb"
        )
    check_yaml(text, name)  # before jupytext reads it: its YAML may be an alias bomb
    try:
        fmt = text_format(text, name)  # jupytext reads the header's YAML for the format
    except RecursionError:
        raise YamlTooLarge("its YAML is nested too deeply to be read") from None
    try:
        nb = jupytext.reads(text, fmt=fmt, config=None)
    except Exception as error:  # jupytext raises many kinds on half-written text
        raise Skip(
            f"could not be read as a {fmt['format_name']} notebook ({type(error).__name__}: "
            f"{str(error)[:200]})"
        ) from None
    for cell in nb.cells:
        own = cell.get("metadata", {}).get("id")
        cell.pop("id", None)
        if isinstance(own, str) and is_block_id(own):
            cell["id"] = own
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def load_text(data: bytes, name: str) -> dict[str, Any]:
    """A text notebook's bytes as an nbformat 4 notebook (before the block model's
    normalization), or Skip (NotANotebook for a file that is not one)."""
    text = decode(data)
    if not looks_like_notebook(text, name):
        raise NotANotebook("not a notebook")
    plain: dict[str, Any] = _plain(read_text(text, name))
    return plain


def _plain(nb: Any) -> Any:
    """A NotebookNode as plain dicts and lists (the block model's shape)."""
    if isinstance(nb, dict):
        return {k: _plain(v) for k, v in nb.items()}
    if isinstance(nb, list):
        return [_plain(v) for v in nb]
    return nb


# -- pairs --------------------------------------------------------------------------------
def declares_ipynb(text: str, name: str) -> bool:
    """Whether a text notebook's jupytext header pairs it with an ``.ipynb``."""
    head = _front_matter(text, "# " if name.endswith(".py") else "")
    if head is None:
        return False
    found = re.search(r"^\s*(?:# )?\s*formats:\s*(.+)$", head, re.MULTILINE)
    return found is not None and "ipynb" in found.group(1)


def paired_notebook(os_path: str, text: str) -> str | None:
    """The ``.ipynb`` a text notebook at ``os_path`` is paired with, or None."""
    name = os.path.basename(os_path)
    stem = os.path.splitext(os_path)[0]
    if declares_ipynb(text, name) and os.path.isfile(stem + ".ipynb"):
        return stem + ".ipynb"
    return None


def paired_text(os_path: str, nb: dict[str, Any]) -> str | None:
    """The text notebook beside the ``.ipynb`` at ``os_path`` that pairs with it (its
    ``metadata.jupytext.formats`` names it, in the same folder), or None."""
    info = nb.get("metadata", {}).get("jupytext")
    formats = info.get("formats") if isinstance(info, dict) else None
    if isinstance(formats, list):
        formats = ",".join(str(f) for f in formats)
    if not isinstance(formats, str) or "/" in formats:
        return None  # no pair, or a pair in another folder (not followed)
    stem = os.path.splitext(os_path)[0]
    for part in formats.split(","):
        ext = part.split(":", 1)[0].strip()
        ext = ext if ext.startswith(".") else "." + ext
        if ext in TEXT_SUFFIXES and os.path.isfile(stem + ext):
            return stem + ext
    return None


def combined(nb: dict[str, Any], mtime_ns: int, text_os_path: str, read: Any) -> dict[str, Any]:
    """A paired ``.ipynb`` (``nb``, as read, its file modified at ``mtime_ns``) with its
    inputs from the text file when the text file is newer (``read(os_path) -> bytes``
    reads it within the size limit): jupytext's own combination, cells matched by their
    sources. A text file that cannot be read leaves the ``.ipynb`` as it is."""
    import nbformat
    from jupytext.combine import combine_inputs_with_outputs

    try:
        if os.stat(text_os_path).st_mtime_ns <= mtime_ns:
            return nb
        source = read_text(decode(read(text_os_path)), os.path.basename(text_os_path))
        both = combine_inputs_with_outputs(source, nbformat.from_dict(nb))
    except Exception:  # a half-written text file (Skip, OSError...): the .ipynb stands
        return nb
    result: dict[str, Any] = _plain(both)
    result["nbformat"], result["nbformat_minor"] = nb["nbformat"], nb["nbformat_minor"]
    return result
