#!/usr/bin/env bash
# Create ./.venv with Python 3.11 and install the project with its dev tools, once per change
# of pyproject.toml; then the portal's front-end assets (build-assets.sh). Sourced by the other
# scripts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Python 3.11 is needed (found $("$python_bin" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
stamp="$root/.venv/.installed-$(sha256sum "$root/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Installing the project into .venv (first run or pyproject.toml changed)..." >&2
  [ -x "$root/.venv/bin/python" ] || "$python_bin" -m venv "$root/.venv"
  "$root/.venv/bin/python" -m pip install --quiet --upgrade pip
  "$root/.venv/bin/python" -m pip install --quiet -e "$root[dev]"
  rm -f "$root"/.venv/.installed-*
  touch "$stamp"
fi
source "$root/scripts/build-assets.sh"
export PATH="$root/.venv/bin:$PATH"
