"""Where JupyterLab sees math in markdown, so that the block syntax inside math is not
taken for a reference (math is typeset, never read as prose).

A port of ``removeMath`` from JupyterLab's ``@jupyterlab/rendermime`` (``latex.ts``),
which hides ``$...$``, ``$$...$$``, ``\\\\(...\\\\)``, ``\\\\[...\\\\]`` and
``\\begin{...}...\\end{...}`` from the markdown parser before rendering a markdown cell.
The frontend calls JupyterLab's own function; the shared syntax table
(``spec/syntax-cases.json``) checks that this port agrees with it.
"""

from __future__ import annotations

import re

_MATHSPLIT = re.compile(
    r"(\$\$?|\\(?:begin|end)\{[a-z]*\*?\}|\\[{}$]|[{}]|(?:\n\s*)+|@@\d+@@|\\\\[()\[\]])",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^(?P<fence>`{3,}|(?:~T){3,})[^`\n]*\n[\s\S]*?^(?P=fence)`*$", re.MULTILINE)
_CODE_SPAN = re.compile(r"(^|[^\\])(`+)([^\n]*?[^`\n])\2(?!`)", re.MULTILINE)
_DETILDE = re.compile(r"~([TD])")
_TWO_LINES = re.compile(r"\n.*\n")


def remove_math(text: str) -> tuple[str, list[str]]:
    """``text`` with each piece of math replaced by ``@@n@@``, and the pieces, as
    JupyterLab's ``removeMath`` does (the pieces keep their delimiters)."""
    math: list[str] = []
    start: int | None = None
    end: str | None = None
    last: int | None = None
    braces = 0
    has_code = "`" in text or "~~~" in text
    if has_code:
        text = text.replace("~", "~T")
        text = _FENCE.sub(lambda m: m.group(0).replace("$", "~D"), text)
        text = _CODE_SPAN.sub(lambda m: m.group(0).replace("$", "~D"), text)

    def detilde(value: str) -> str:
        if not has_code:
            return value
        return _DETILDE.sub(lambda m: "~" if m.group(1) == "T" else "$", value)

    blocks = _MATHSPLIT.split(re.sub(r"\r\n?", "\n", text))

    def process(i: int, j: int) -> None:
        block = "".join(blocks[i : j + 1]).replace("&", "&amp;")
        block = block.replace("<", "&lt;").replace(">", "&gt;")
        for k in range(i + 1, j + 1):
            blocks[k] = ""
        blocks[i] = f"@@{len(math)}@@"
        math.append(detilde(block))

    i = 1
    while i < len(blocks):
        block = blocks[i]
        if block[:1] == "@":
            blocks[i] = f"@@{len(math)}@@"
            math.append(block)
        elif start is not None:
            if block == end:
                if braces:
                    last = i
                else:
                    process(start, i)
                    start = end = last = None
            elif _TWO_LINES.search(block):
                if last is not None:
                    i = last
                    process(start, i)
                start = end = last = None
                braces = 0
            elif block == "{":
                braces += 1
            elif block == "}" and braces:
                braces -= 1
        elif block in ("$", "$$"):
            start, end, braces = i, block, 0
        elif block in ("\\\\(", "\\\\["):
            start, braces = i, 0
            end = "\\\\)" if block.endswith("(") else "\\\\]"
        elif block[1:6] == "begin":
            start, braces = i, 0
            end = "\\end" + block[6:]
        i += 2
    if start is not None and last is not None:
        process(start, last)
    return detilde("".join(blocks)), math
