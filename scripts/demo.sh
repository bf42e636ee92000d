#!/usr/bin/env bash
# Install jupyter-blocks into .venv and start JupyterLab on the demo notebooks.
# Needs Python 3.10+ and Node 20 (for the build); nothing else to start by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_env.sh
ensure_venv

# A development link left by scripts/test.sh would shadow the installed labextension.
link=.venv/share/jupyter/labextensions/jupyter-blocks
if [ -L "$link" ]; then rm "$link"; fi

step "Installing jupyter-blocks (pip builds the JupyterLab extension)"
pip install -q --disable-pip-version-check "jupyterlab>=4.6,<5" .

step "Starting JupyterLab on demo/ (open the URL printed below; Ctrl+C stops it)"
args=(--ServerApp.root_dir=demo --ServerApp.ip=127.0.0.1 --ServerApp.open_browser=False)
if [ "$(id -u)" -eq 0 ]; then args+=(--allow-root); fi
exec jupyter lab "${args[@]}" "$@"
