# Shared by scripts/demo.sh and scripts/test.sh: the project's virtual environment and
# the registry that jlpm uses. Sourced, not run.

# The registry is whatever npm is configured with on this machine (never a fixed host).
if command -v npm >/dev/null 2>&1 && [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(npm config get registry)"
  export YARN_NPM_REGISTRY_SERVER
fi

step() { printf '\n\033[1m==> %s\033[0m (%ss)\n' "$*" "$SECONDS"; }

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    step "Creating the virtual environment .venv"
    python3 -m venv .venv
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
  python -m pip install -q --disable-pip-version-check --upgrade pip
}
