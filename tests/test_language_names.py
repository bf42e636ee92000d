"""A notebook's language name is written into markup only when it is a plain name
(issue 28): the shared table (``spec/language-names.json``, which jest runs too), the
REST API, and export as HTML and markdown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ondisk import code, md, write

from jupyter_blocks.policy import language_tag

SPEC = json.loads((Path(__file__).parent.parent / "spec" / "language-names.json").read_text())
HOSTILE = "python\n```\n<img src=x onerror=alert(1)>\n```"


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: json.dumps(c["name"])[:40])
def test_the_shared_table(case):
    assert language_tag(case["name"]) == case["tag"]


@pytest.fixture
def hostile_language(jp_root_dir: Path) -> Path:
    meta = {
        "language_info": {"name": HOSTILE},
        "kernelspec": {"language": HOSTILE, "name": "x", "display_name": "X"},
    }
    write(jp_root_dir / "source.ipynb", [code("odd-code", "1 + 1")], **meta)
    write(
        jp_root_dir / "host.ipynb",
        [md("host-1", "{{embed ((odd-code))}}"), code("own", "2")],
        **meta,
    )
    return jp_root_dir


async def test_the_api_gives_no_language_made_of_markup(hostile_language, blocks):
    await blocks.ready()
    block = await blocks.get("block", "odd-code")
    assert block["language"] == ""
    recipe = await blocks.get("recipe", "odd-code")
    assert recipe["language"] == ""


@pytest.mark.parametrize("to", ["html", "markdown"])
def test_export_writes_no_language_made_of_markup(hostile_language, tmp_path, to):
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_blocks.cli",
            "export",
            str(hostile_language / "host.ipynb"),
            f"--to={to}",
            f"--BlocksApp.db_path={tmp_path / 'i.db'}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = done.stdout.split("Wrote ", 1)[1].strip()
    text = Path(written).read_text()
    assert "onerror" not in text and "<img src=x" not in text
    # The notebook on disk is untouched
    on_disk = json.loads((hostile_language / "host.ipynb").read_text())
    assert on_disk["metadata"]["language_info"]["name"] == HOSTILE
