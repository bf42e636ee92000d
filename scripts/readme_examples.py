"""The README's console examples, run on a fresh copy of the demo, so they cannot drift.

    python scripts/readme_examples.py           # exit 1 and show the differences
    python scripts/readme_examples.py --write   # rewrite the README's example output

A console block of README.md is checked when a marker comes before its fence:

    <!-- readme_examples: output -->   each command's output must be the lines below it
    <!-- readme_examples: runs -->     each command must succeed (its output is not shown)

The blocks run in order, in one session, in a temporary folder holding a fresh copy of
demo/ as ``demo-workspace`` (what scripts/demo.sh makes), with Jupyter's config, data and
runtime folders of their own (so a fresh index, and none of the user's settings).
``cd`` changes the folder of the commands after it; ``jupyter blocks`` runs this
checkout's command line; output is stdout and stderr, as a terminal shows them.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARKER = re.compile(r"^<!-- readme_examples: (output|runs) -->$")
FENCE = "```"


@dataclass
class Example:
    command: str  # as written after "$ ", comment included
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    mode: str  # "output" or "runs"
    start: int  # index of the first line inside the fence
    end: int  # index of the closing fence
    examples: list[Example] = field(default_factory=list)


def blocks(lines: list[str]) -> list[Block]:
    """The marked console blocks of the README's lines."""
    found = []
    for i, line in enumerate(lines):
        marker = MARKER.match(line)
        if not marker:
            continue
        fence = i + 1
        while fence < len(lines) and not lines[fence].strip():
            fence += 1  # prettier puts a blank line after the marker
        if fence == len(lines) or not lines[fence].startswith(FENCE + "console"):
            raise ValueError(f"README.md line {i + 1}: a marker must precede a console block")
        end = lines.index(FENCE, fence + 1)
        block = Block(marker.group(1), fence + 1, end)
        for text in lines[fence + 1 : end]:
            if text.startswith("$ "):
                block.examples.append(Example(text[2:]))
            elif block.examples:
                block.examples[-1].output.append(text)
            else:
                raise ValueError(f"README.md: output before any command: {text!r}")
        found.append(block)
    return found


def demo_copy(folder: Path) -> None:
    """The demo as scripts/demo.sh copies it (nothing hidden, no requirements file)."""
    shutil.copytree(
        REPO / "demo",
        folder / "demo-workspace",
        ignore=shutil.ignore_patterns(".*", "requirements.txt"),
    )


def argv(command: str) -> list[str]:
    words = shlex.split(command, comments=True)
    if words[:2] == ["jupyter", "blocks"]:
        # This checkout's command line, whatever `jupyter-blocks` is on the PATH
        return [sys.executable, "-m", "jupyter_blocks.cli", *words[2:]]
    if words[0] == "jupyter":
        return [sys.executable, "-m", "jupyter", *words[1:]]
    raise ValueError(f"README.md: not a jupyter command: {command!r}")


def run_all(found: list[Block]) -> list[list[list[str]]]:
    """Each block's commands run in order; the output lines of each."""
    outputs: list[list[list[str]]] = []
    with tempfile.TemporaryDirectory(prefix="readme-examples-") as tmp:
        home = Path(tmp)
        demo_copy(home)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p
            ),
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter" / "config"),
            "JUPYTER_DATA_DIR": str(home / ".jupyter" / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / ".jupyter" / "runtime"),
        }
        cwd = home
        for block in found:
            outputs.append([])
            for example in block.examples:
                words = shlex.split(example.command, comments=True)
                if words[0] == "cd":
                    cwd = (cwd / words[1]).resolve()
                    outputs[-1].append([])
                    continue
                result = subprocess.run(
                    argv(example.command),
                    cwd=cwd,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=300,
                )
                if result.returncode != 0:
                    raise RuntimeError(
                        f"README.md: `{example.command}` exited {result.returncode}:\n"
                        + result.stdout
                    )
                outputs[-1].append(result.stdout.rstrip("\n").split("\n") if result.stdout else [])
    return outputs


def differences(lines: list[str]) -> tuple[list[str], list[str]]:
    """The README's lines as they should be, and a diff against them (empty: up to date)."""
    found = blocks(lines)
    outputs = run_all(found)
    wanted = list(lines)
    # From the last block up, so that earlier line numbers stay valid
    for block, block_outputs in reversed(list(zip(found, outputs, strict=True))):
        if block.mode != "output":
            continue
        body = []
        for example, output in zip(block.examples, block_outputs, strict=True):
            body.append("$ " + example.command)
            body.extend(output)
        wanted[block.start : block.end] = body
    diff = list(difflib.unified_diff(lines, wanted, "README.md", "README.md (as run)", lineterm=""))
    return wanted, diff


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the README's output")
    args = parser.parse_args()
    lines = README.read_text(encoding="utf-8").split("\n")
    wanted, diff = differences(lines)
    if not diff:
        print("The README's examples are what the demo gives.")
        return 0
    if args.write:
        README.write_text("\n".join(wanted), encoding="utf-8")
        print("README.md: example output rewritten from the demo.")
        return 0
    print("\n".join(diff))
    print("\nThe README's examples differ: python scripts/readme_examples.py --write")
    return 1


if __name__ == "__main__":
    sys.exit(main())
