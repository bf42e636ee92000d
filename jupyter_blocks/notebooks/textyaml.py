"""The YAML a text notebook holds, checked before jupytext reads it.

jupytext reads a notebook's front matter and MyST cell options with PyYAML's
``safe_load``, which runs no code but keeps YAML's aliases: ``*a`` repeats what ``&a``
named, so a few hundred bytes of anchors that repeat each other nine times, eight levels
deep, become 43 million values once nbformat turns them into notebook nodes (a minute
of CPU and gigabytes of memory in the indexer; one level more and the server is killed).
Here every such YAML text is loaded first, with the same loader, and its size counted
as nbformat would expand it (each alias counted as many times as it is used, in time
linear in the text): more than ``MAX_VALUES`` values, or nesting deeper than Python can
follow, and the notebook is skipped with that reason. Aliases of a reasonable size (a
``<<: *defaults`` merge) are read as jupytext reads them.
"""

from __future__ import annotations

import re
from typing import Any

from .files import Skip

MAX_VALUES = 100_000  # values a notebook's YAML may expand to (a header holds dozens)
_DIRECTIVE = re.compile(r"^(`{3,}|~{3,})\{code-cell\}")


class YamlTooLarge(Skip):
    """YAML that would expand past MAX_VALUES (aliases) or nest past Python's limit."""


def check_yaml(text: str, name: str) -> None:
    """Skip (YamlTooLarge) when a YAML text of this notebook would expand too far: its
    front matter (``# ``-commented in a script) and, in markdown, its MyST cell options.
    Text that is not valid YAML is left to jupytext, which says what is wrong."""
    for part in _yaml_parts(text, name):
        if "*" not in part:
            continue  # no alias: the text's own size bounds it
        import yaml

        try:
            loaded = yaml.safe_load(part)
        except RecursionError:
            raise YamlTooLarge("its YAML is nested too deeply to be read") from None
        except yaml.YAMLError:
            continue
        if _expanded(loaded) > MAX_VALUES:
            raise YamlTooLarge(
                f"its YAML repeats itself through aliases (*name) into more than "
                f"{MAX_VALUES:,} values: not read (an alias bomb would exhaust the server)"
            )


def _expanded(value: Any) -> int:
    """How many values ``value`` holds once every alias is copied out (each shared
    object counted once per use, computed once: linear in the YAML). YamlTooLarge for
    YAML that contains itself (``&a [*a]``), which would never end."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        if done:
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            sizes[id(node)] = min(total, MAX_VALUES + 1)
            open_.discard(id(node))
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_:
            raise YamlTooLarge("its YAML contains itself (an alias to an enclosing value)")
        open_.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if isinstance(child, (dict, list)))
    return sizes.get(id(value), 1)


def _yaml_parts(text: str, name: str) -> list[str]:
    lines = text.split("\n")
    prefix = "# " if name.endswith(".py") else ""
    parts = []
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and lines[start].rstrip() == prefix + "---":
        for end in range(start + 1, len(lines)):
            if lines[end].rstrip() == prefix + "---":
                parts.append("\n".join(line[len(prefix) :] for line in lines[start + 1 : end]))
                break
    if name.endswith(".md"):
        parts.extend(_myst_options(lines))
    return parts


def _myst_options(lines: list[str]) -> list[str]:
    """The options of each MyST ``{code-cell}``: a ``---`` block, or ``:key: value``
    lines, as jupytext reads them (as YAML)."""
    found = []
    for i, line in enumerate(lines):
        if not _DIRECTIVE.match(line):
            continue
        j = i + 1
        if j < len(lines) and lines[j].strip() == "---":
            end = next((k for k in range(j + 1, len(lines)) if lines[k].strip() == "---"), j)
            found.append("\n".join(lines[j + 1 : end]))
            continue
        options = []
        while j < len(lines) and lines[j].startswith(":"):
            options.append(lines[j][1:])
            j += 1
        if options:
            found.append("\n".join(options))
    return found
