#!/usr/bin/env bash
# Install jupyter-blocks and what the demo notebooks import into .venv, then start
# JupyterLab on demo-workspace/: your working copy of demo/, made on the first run (git
# ignores it; later runs keep your edits; delete it to start again from demo/).
# Needs Python 3.10+ and Node 20 (for the build); nothing else to start by hand.
#
#   bash scripts/demo.sh [--no-install] [JUPYTER LAB OPTIONS...]
#
# --no-install uses .venv as it is: scripts/test.sh, whose editable install must stay,
# starts the demo so. DEMO_WORKSPACE names another working copy (scripts/test.sh uses a
# fresh one when yours exists, so that your edits never change what it tests).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_env.sh
workspace="${DEMO_WORKSPACE:-demo-workspace}"

install=1
if [ "${1:-}" = "--no-install" ]; then
  install=0
  shift
fi

if [ "$install" = 1 ]; then
  ensure_venv
  # A development link left by scripts/test.sh would shadow the installed labextension.
  link=.venv/share/jupyter/labextensions/jupyter-blocks
  if [ -L "$link" ]; then rm "$link"; fi
  step "Installing jupyter-blocks (pip builds the JupyterLab extension) and what the demo imports"
  pip install -q --disable-pip-version-check "jupyterlab>=4.6,<5" . -r demo/requirements.txt
elif [ -x .venv/bin/python ]; then
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi

if [ -d "$workspace" ]; then
  step "Using your working copy $workspace/ (delete it to start again from demo/)"
else
  step "Copying demo/ to $workspace/ (your working copy; git ignores it) and trusting it"
  # Made aside and renamed when complete, so an interrupted first run leaves no half copy.
  rm -rf "$workspace.partial"
  python -c 'import shutil, sys; shutil.copytree("demo", sys.argv[1], ignore=shutil.ignore_patterns(*sys.argv[2:]))' \
    "$workspace.partial" ".*" requirements.txt
  # Jupyter's own signatures, in the data dir the server below reads: these notebooks
  # are yours, so their outputs (and embeds of them) are not shown as untrusted.
  find "$workspace.partial" -name '*.ipynb' -exec jupyter trust {} + >/dev/null
  mv "$workspace.partial" "$workspace"
fi

step "Starting JupyterLab on $workspace/ (open the URL printed below; Ctrl+C stops it)"
args=(--ServerApp.root_dir="$workspace" --ServerApp.ip=127.0.0.1 --ServerApp.open_browser=False)
if [ "$(id -u)" -eq 0 ]; then args+=(--allow-root); fi
exec jupyter lab "${args[@]}" "$@"
