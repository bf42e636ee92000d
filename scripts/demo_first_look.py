"""The demo as a person first sees it (a step of scripts/test.sh).

    python scripts/demo_first_look.py

Starts ``bash scripts/demo.sh --no-install`` (JupyterLab on demo-workspace/, the working
copy it makes and trusts on its first run, as on a fresh clone; when you already have one,
on a fresh copy beside it, demo-workspace.first-look/, so that your edits never change
what is tested), checks that the server trusts the demo's
code blocks, opens every demo notebook through JupyterLab's own frontend in headless
Chromium, as a person's first look does (JupyterLab writes its checkpoints), runs every
code cell in the notebook's real kernel (each must run without an error: the demo's
requirements are installed), then shuts JupyterLab down as File > Shut Down does.
Exits 1, with the server's log, when anything fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Open a notebook in JupyterLab, wait for its kernel, run every cell; say what ran and
# which outputs are errors (read from the notebook model, as JupyterLab would save it).
OPEN_AND_RUN = """async path => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', { path });
  await panel.context.ready;
  const cells = () => Array.from(panel.content.model.cells);
  const code = cells().filter(cell => cell.type === 'code');
  if (code.length) {
    await panel.sessionContext.ready;
    await app.commands.execute('notebook:run-all-cells');
  }
  const errors = [];
  for (const cell of code) {
    for (const output of cell.outputs.toJSON()) {
      if (output.output_type === 'error') {
        errors.push(`${cell.id}: ${output.ename}: ${output.evalue}`);
      }
    }
  }
  return {
    cells: cells().length,
    code: code.length,
    executed: code.filter(cell => cell.executionCount !== null).length,
    errors
  };
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_workspace() -> Path:
    """Where the demo's working copy will be made: the usual place on a fresh clone,
    else a new copy beside the user's own."""
    usual = REPO / "demo-workspace"
    if not usual.exists():
        return usual
    beside = REPO / "demo-workspace.first-look"
    shutil.rmtree(beside, ignore_errors=True)
    return beside


def demo_notebooks() -> list[str]:
    """The demo's notebooks, as paths in the working copy."""
    demo = REPO / "demo"
    return [
        path.relative_to(demo).as_posix()
        for path in sorted(demo.rglob("*.ipynb"))
        if not any(part.startswith(".") for part in path.relative_to(demo).parts)
    ]


def untrusted_blocks(base: str, token: str) -> list[str]:
    """The demo's code blocks whose outputs the server would not trust (demo.sh signs
    the working copy's notebooks, so embeds of them are not marked untrusted)."""
    found = []
    for path in demo_notebooks():
        cells = json.loads((REPO / "demo" / path).read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code" and cell.get("id"):
                block = call(base, token, "GET", f"api/blocks/block/{cell['id']}")
                if not block["trusted"]:
                    found.append(f"{path}: {cell['id']} is not trusted")
    return found


def call(base: str, token: str, method: str, path: str) -> Any:
    request = urllib.request.Request(
        base + path, method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def first_look(base: str, token: str) -> list[str]:
    """Open and run every demo notebook; the problems seen (none: all went well)."""
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}lab?token={token}")
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
        page.evaluate("() => window.jupyterapp.restored")
        for path in demo_notebooks():
            start = time.monotonic()
            seen = page.evaluate(OPEN_AND_RUN, path)
            took = time.monotonic() - start
            print(
                f"  {path}: {seen['cells']} cells, {seen['executed']}/{seen['code']} code "
                f"cells ran, {len(seen['errors'])} errors ({took:.1f} s)",
                flush=True,
            )
            if seen["executed"] != seen["code"]:
                problems.append(f"{path}: {seen['code'] - seen['executed']} code cells did not run")
            problems += [f"{path}: {error}" for error in seen["errors"]]
        browser.close()
    return problems


def main() -> int:
    workspace = fresh_workspace()
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}/"
    log = Path(tempfile.mkstemp(prefix="demo-first-look-", suffix=".log")[1])
    command = [
        "bash",
        str(REPO / "scripts" / "demo.sh"),
        "--no-install",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        # window.jupyterapp, to open notebooks and run cells with JupyterLab's commands
        "--LabApp.expose_app_in_browser=True",
    ]
    problems: list[str] = []
    with open(log, "wb") as out:
        server = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, "DEMO_WORKSPACE": workspace.name},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            status: Any = None
            while True:
                try:
                    status = call(base, token, "GET", "api/blocks/status")
                    if status["state"] == "ready" and status["pending"] == 0:
                        break
                except (OSError, urllib.error.URLError):
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the index of the demo never got ready (last status: {status})"
                        if status
                        else "JupyterLab did not start"
                    )
                time.sleep(0.5)
            print(f"JupyterLab on {workspace.name}/ at {base}", flush=True)
            problems = untrusted_blocks(base, token) + first_look(base, token)
            # File > Shut Down: the server stops its kernels and exits
            call(base, token, "POST", "api/shutdown")
            server.wait(timeout=60)
        except Exception as error:  # reported with the server's log below
            problems.append(f"{type(error).__name__}: {error}")
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=60)
    checkpoints = list(workspace.rglob(".ipynb_checkpoints"))
    if not problems and not checkpoints:
        problems.append("JupyterLab wrote no .ipynb_checkpoints: the notebooks were not opened")
    if problems:
        print(log.read_text(errors="replace")[-6000:], file=sys.stderr)
        print("The demo's first look failed:\n  " + "\n  ".join(problems), file=sys.stderr)
    else:
        print(f"Every demo notebook opened and ran; {len(checkpoints)} checkpoint folders.")
    log.unlink()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
