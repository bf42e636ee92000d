#!/usr/bin/env bash
# Install everything the tests need (Python and Node dependencies, Debian's chromium and
# postgresql) and run every test layer: ruff, mypy, eslint/prettier, pytest, jest, a tiny benchmark run,
# galata.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_env.sh

if [ ! -x /usr/bin/chromium ]; then
  step "Installing Debian's chromium (the UI tests drive it)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
  step "Installing Debian's postgresql (the team store's tests run a throwaway cluster)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

ensure_venv
# The development link of an earlier run points into jupyter_blocks/labextension: pip
# would write the installed extension's files through it into the source tree.
link=.venv/share/jupyter/labextensions/jupyter-blocks
if [ -L "$link" ]; then rm "$link"; fi
rm -f jupyter_blocks/labextension/install.json
step "Installing Python dependencies, jupyter-blocks (editable) and what the demo imports"
# The labextension is built just below with jlpm, which the first install brings. The
# demo's requirements: the demo's first look below and UI tests run its cells.
SKIP_JUPYTER_BUILDER=1 pip install -q --disable-pip-version-check -e ".[test]" -r demo/requirements.txt

# jupytext (for text notebooks) brings its own server extension, which replaces the
# ContentsManager: the tests run with Jupyter's own, which jupyter-blocks needs (a test
# enables jupytext's where it matters).
# (jupytext's own conf.d file enables it and sorts after what `jupyter server extension
# disable` writes, so a file that sorts last turns it off.)
printf '{"ServerApp": {"jpserver_extensions": {"jupyterlab_jupytext": false}}}\n' \
  >"$VIRTUAL_ENV/etc/jupyter/jupyter_server_config.d/zz-tests-no-jupytext-contents.json"

step "Installing Node dependencies and building the labextension"
jlpm install >/dev/null
jlpm build
jupyter-builder develop --overwrite . >/dev/null
jupyter server extension enable --sys-prefix jupyter_blocks >/dev/null

step "Checking that both halves are installed and enabled"
strip() { sed 's/\x1b\[[0-9;]*m//g'; }
jupyter labextension list 2>&1 | strip | grep -E "jupyter-blocks v[^ ]+ enabled +OK"
jupyter server extension list 2>&1 | strip | grep -E "jupyter_blocks enabled"
jupyter server extension list 2>&1 | strip | grep -E "jupyter_blocks [^ ]+ OK"
wheel_dir="$(mktemp -d)"
pip wheel -q --disable-pip-version-check --no-deps -w "$wheel_dir" . 2>&1 | grep -v "is ignored" || true
python scripts/check_wheel.py "$wheel_dir"/jupyter_blocks-*.whl
rm -rf "$wheel_dir"

step "Lint: ruff, ruff format, mypy, eslint, prettier"
ruff check .
ruff format --check .
mypy
jlpm lint:check

step "The demo as a person first sees it: demo.sh's working copy, every notebook opened and run"
# What a newcomer does before running the tests (issue 15): it must change nothing git
# sees, and the tests below must pass with the working copy and its checkpoints there.
git_status() { git status --porcelain --untracked-files=all 2>/dev/null || true; }
before="$(git_status)"
python scripts/demo_first_look.py
if [ "$(git_status)" != "$before" ]; then
  echo "Running the demo changed what git sees:"
  diff <(echo "$before") <(git_status) || true
  exit 1
fi

step "pytest (server, real HTTP, SQLite and a throwaway PostgreSQL)"
# One PostgreSQL cluster for the run, in a temporary folder, on loopback and a Unix
# socket in that folder, owned by the postgres user (PostgreSQL refuses to run as root);
# stopped and removed at the end, whatever happens.
pg_dir="$(mktemp -d /tmp/jupyter-blocks-pg-XXXXXX)"
trap 'python tests/pgcluster.py stop "$pg_dir"' EXIT
JUPYTER_BLOCKS_TEST_DATABASE_URL="$(python tests/pgcluster.py start "$pg_dir")"
export JUPYTER_BLOCKS_TEST_DATABASE_URL
pytest

step "jest (frontend model)"
jlpm test

step "Benchmarks at a tiny size (kept working; figures come from full runs, see BENCHMARKS.md)"
# Skipped, with the reason, without ../shared/corpus/pdsh (the corpora are built from it).
python -m bench --notebooks 50 --repeat 1 --rounds 20

step "galata (JupyterLab in headless Chromium)"
(cd ui-tests && jlpm install >/dev/null && jlpm playwright test)

step "Jupyter Notebook 7 (the same extension, in jupyter notebook)"
(cd ui-tests && jlpm playwright test --config playwright-notebook.config.js)

step "All test layers passed"
