"""Readable names for blocks, written as Quarto and MyST write them, so that the same
notebook renders unchanged in their own embeds:

- a code cell whose leading cell options (``#| key: value`` lines, Quarto's
  "Cell options", https://quarto.org/docs/reference/cells/cells-jupyter.html; MyST-NB
  reads the same) include ``#| label: <name>``;
- a markdown cell whose first line is a MyST target, ``(<name>)=``
  (https://mystmd.org/guide/cross-references#targeting-content).

A label is what ``((...))`` may hold (``refs.TARGET_RE``: letters, digits, ``_ - . :``),
and, unquoted in a cell option, text for YAML: ``#| label: true`` (or ``null``, ``1.5``,
``2024-01-05``, ``1:30``) is a boolean, nothing, a number or a date to Quarto and MyST-NB,
so it is no label, and no label is set to such a value (``yaml_reads_as_text``).
Specified in ``spec/syntax-cases.json`` (``labels``), which the frontend also runs.
"""

from __future__ import annotations

import re

from .refs import is_target

_OPTION_RE = re.compile(r"^\s*#\|\s*(?P<key>[A-Za-z0-9_-]+)\s*:\s*(?P<value>.*?)\s*$")
_TARGET_LINE_RE = re.compile(r"^\s*\((?P<name>[^()\s]+)\)=\s*$")
# Plain values YAML reads as something other than text, in YAML 1.1 (PyYAML, MyST-NB) or
# 1.2's core schema with timestamps (js-yaml, Quarto): booleans, null, integers (with
# bases and sexagesimal), floats, dates. The same pattern is in src/labels.ts.
_YAML_NOT_TEXT_RE = re.compile(
    r"^(?:true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF"
    r"|null|Null|NULL|~"
    r"|[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o[0-7_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)"
    r"|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])*\.[0-9_]*"
    r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt][0-9:.]+(?:Z|[-+][0-9:]+)?)?)$"
)


def yaml_reads_as_text(value: str) -> bool:
    """Whether ``value``, written unquoted as a YAML value, reads as a string."""
    return _YAML_NOT_TEXT_RE.match(value) is None


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
                raw = option.group("value")
                value = raw.strip("'\"")
                if value == raw and not yaml_reads_as_text(value):
                    return None  # a boolean, a number, a date: not a name
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
                lines[i] = f"#| label: {label}{_ending(line)}"
                return "".join(lines)
        return f"#| label: {label}{_ending(source, True)}{source}"
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip():
            if _TARGET_LINE_RE.match(line):
                lines[i] = f"({label})={_ending(line)}"
                return "".join(lines)
            break
    return f"({label})={_ending(source, True)}{source}"


def _ending(text: str, new_line: bool = False) -> str:
    """The line break a line of ``text`` ends with, kept as it is (a CRLF cell stays
    CRLF): its last line's, or, for a ``new_line`` put before ``text``, its first line's
    (LF when it has none)."""
    if new_line:
        first = text.splitlines(keepends=True)[:1]
        return _ending(first[0]) or "\n" if first else "\n"
    return text[len(text.rstrip("\r\n")) :]
