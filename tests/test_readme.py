"""The README's command-line examples are what the demo gives (issue 15: they drifted)."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from helpers import REPO


def readme_examples() -> Any:
    spec = importlib.util.spec_from_file_location(
        "readme_examples", REPO / "scripts" / "readme_examples.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_readme_examples_are_what_the_demo_gives():
    examples = readme_examples()
    lines = examples.README.read_text(encoding="utf-8").split("\n")
    # Given the README's marked console blocks: the command line on the demo's copy
    # (output shown), then export (commands that must succeed)
    found = examples.blocks(lines)
    assert [block.mode for block in found] == ["output", "runs"]
    assert {e.command.split()[2] for e in found[0].examples if e.command.startswith("jupyter")} >= {
        "index",
        "search",
        "backlinks",
        "show",
        "check",
    }
    # When each command runs on a fresh copy of demo/, its output is the README's
    _, diff = examples.differences(lines)
    assert not diff, "\n".join([*diff, "Update with: python scripts/readme_examples.py --write"])
