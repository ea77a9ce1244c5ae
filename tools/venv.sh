#!/usr/bin/env bash
# Make .venv (Python >= 3.12) with brianmodel installed at the versions of constraints.txt, if it is not there yet.
# Usage: tools/venv.sh [extras]   e.g. tools/venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
stamp=".venv/.installed-${extras:-base}"
if [ -f "$stamp" ] && [ "$stamp" -nt setup.cfg ] && [ "$stamp" -nt constraints.txt ]; then exit 0; fi

find_python() {
  local candidates=(python3.13 python3.12 python3)
  for dir in "$HOME"/.pyenv/versions/3.1[2-9]*/bin; do [ -d "$dir" ] && candidates+=("$dir/python3"); done
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "error: Python >= 3.12 not found (brian2 2.10.1 needs it); install it, e.g. with pyenv" >&2; exit 1; }
  echo "creating .venv with $py ($("$py" --version))"
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt -e ".${extras:+[$extras]}"
touch "$stamp"
