"""Readable names for blocks, written as Quarto and MyST write them, so that the same
notebook renders unchanged in their own embeds:

- a code cell whose leading cell options (``#| key: value`` lines, Quarto's
  "Cell options", https://quarto.org/docs/reference/cells/cells-jupyter.html; MyST-NB
  reads the same) include ``#| label: <name>``;
- a markdown cell whose first line is a MyST target, ``(<name>)=``
  (https://mystmd.org/guide/cross-references#targeting-content).

A label is what ``((...))`` may hold (``refs.TARGET_RE``: letters, digits, ``_ - . :``).
Specified in ``spec/syntax-cases.json`` (``labels``), which the frontend also runs.
"""

from __future__ import annotations

import re

from .refs import is_target

_OPTION_RE = re.compile(r"^\s*#\|\s*(?P<key>[A-Za-z0-9_-]+)\s*:\s*(?P<value>.*?)\s*$")
_TARGET_LINE_RE = re.compile(r"^\s*\((?P<name>[^()\s]+)\)=\s*$")


def label_of(cell_type: str, source: str) -> str | None:
    """The label a cell declares, or None."""
    if cell_type == "code":
        for line in source.splitlines():
            if not line.strip():
                continue
            option = _OPTION_RE.match(line)
            if option is None:
                break  # options come first
            if option.group("key") == "label":
                value = option.group("value").strip("'\"")
                return value if is_target(value) else None
        return None
    if cell_type == "markdown":
        for line in source.splitlines():
            if line.strip():
                target = _TARGET_LINE_RE.match(line)
                name = target.group("name") if target else None
                return name if name and is_target(name) else None
    return None


def with_label(cell_type: str, source: str, label: str) -> str:
    """The source of a cell with ``label`` set in the cell's own form (replacing the
    label it had)."""
    if cell_type == "code":
        lines = source.splitlines(keepends=True)
        for i, line in enumerate(lines):
            option = _OPTION_RE.match(line)
            if option is None and line.strip():
                break
            if option is not None and option.group("key") == "label":
                end = "\n" if line.endswith("\n") else ""
                lines[i] = f"#| label: {label}{end}"
                return "".join(lines)
        return f"#| label: {label}\n{source}"
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip():
            if _TARGET_LINE_RE.match(line):
                end = "\n" if line.endswith("\n") else ""
                lines[i] = f"({label})={end}"
                return "".join(lines)
            break
    return f"({label})=\n{source}"
