"""The command line reads and writes by the server's rules (issue 28): ``export`` of a
pipe says so at once, and ``check --fix --write`` never writes outside the root nor
waits on a pipe, whatever a notebook became after it was indexed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ondisk import md, write
from test_renames import fix, sources

ANSWER_WITHIN = 30.0


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "jupyter_blocks.cli", *args, f"--BlocksApp.db_path={home / 'i.db'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=ANSWER_WITHIN,
        check=False,
    )


def test_export_of_a_pipe_says_it_is_no_notebook(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "pipe.ipynb")
    started = time.monotonic()
    done = cli(tmp_path / "home", "export", str(root / "pipe.ipynb"), "--to=html")
    assert done.returncode == 2
    assert "not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < ANSWER_WITHIN


def linked_root(tmp_path: Path) -> tuple[Path, Path]:
    """A root where index.ipynb links to a notebook that moved (the new one is the only
    notebook of that name), indexed once."""
    root = tmp_path / "root"
    write(root / "notes" / "target.ipynb", [md("t1", "# Target")])
    write(root / "index.ipynb", [md("l1", "See [[old/target.ipynb]].")])
    home = tmp_path / "home"
    assert cli(home, "index", str(root)).returncode == 0
    return root, home


def no_refresh_fix(root: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return fix(root, home, "--write", "--no-refresh")


def test_fix_never_writes_through_a_link_out_of_the_root(tmp_path):
    root, home = linked_root(tmp_path)
    # Given index.ipynb swapped, after indexing, for a link to a notebook outside
    outside = tmp_path / "outside.ipynb"
    os.replace(root / "index.ipynb", outside)
    before = outside.read_bytes()
    (root / "index.ipynb").symlink_to(outside)
    # When the fix is written from the index as it was
    done = no_refresh_fix(root, home)
    # Then the file outside is untouched, and the user is told why
    assert outside.read_bytes() == before
    assert "index.ipynb: left as it is" in done.stdout and "outside the root" in done.stdout


def test_fix_never_waits_on_a_pipe(tmp_path):
    root, home = linked_root(tmp_path)
    (root / "index.ipynb").unlink()
    os.mkfifo(root / "index.ipynb")
    started = time.monotonic()
    done = no_refresh_fix(root, home)
    assert "index.ipynb: left as it is" in done.stdout and "regular file" in done.stdout
    assert time.monotonic() - started < ANSWER_WITHIN


def test_fix_writes_through_a_link_inside_the_root(tmp_path):
    root, home = linked_root(tmp_path)
    # A notebook kept elsewhere in the root and linked to: the link's target is written
    os.replace(root / "index.ipynb", root / "notes" / "real-index.ipynb")
    (root / "index.ipynb").symlink_to(root / "notes" / "real-index.ipynb")
    assert cli(home, "index", str(root)).returncode in (0, 1)
    done = fix(root, home, "--write")
    assert "cell(s) rewritten" in done.stdout, done.stdout + done.stderr
    assert (root / "index.ipynb").is_symlink()
    assert sources(root / "notes" / "real-index.ipynb") == ["See [[notes/target.ipynb]]."]


def test_fix_writes_links_in_text_notebooks_in_their_own_syntax(tmp_path):
    root, home = linked_root(tmp_path)
    # A MyST notebook and a py:percent script link the moved notebook too
    myst = (
        "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n"
        "# Notes\n\nSee [[old/target.ipynb]] for the target.\n"
    )
    (root / "linker.md").write_text(myst)
    script = "# %%\nx = 1\n\n# %% [markdown]\n# Read [[old/target.ipynb]] first.\n"
    (root / "script.py").write_text(script)
    done = fix(root, home, "--write")
    assert "linker.md: 1 cell(s) rewritten" in done.stdout, done.stdout + done.stderr
    assert "script.py: 1 cell(s) rewritten" in done.stdout, done.stdout + done.stderr
    assert (root / "linker.md").read_text() == myst.replace("old/", "notes/")
    assert (root / "script.py").read_text() == script.replace("old/", "notes/")
    assert done.returncode == 0
