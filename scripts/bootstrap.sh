# Sourced by scripts/demo and scripts/test: a fresh machine needs only Python 3.11+ and git.
# Creates .venv with uv in it, then lets uv install this repo and its dev tools (locked).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
# The interpreter for this repo's own venv: the machine's default python3, resolved before
# PYENV_VERSION below widens what pyenv's shims may pick.
PYTHON="${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}"
# Every pyenv interpreter this machine has, so products can target 3.11 to 3.13.
if command -v pyenv >/dev/null 2>&1 && [ -z "${PYENV_VERSION:-}" ]; then
  PYENV_VERSION="$(pyenv versions --bare | grep -E '^3\.1[1-9]\.' | sort -rV | awk -F. '!seen[$1"."$2]++' | paste -sd: -)"
  export PYENV_VERSION
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "paved-road needs Python 3.11 or newer; found $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/uv ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check uv
fi
.venv/bin/uv sync --locked --quiet --python "$(.venv/bin/python -c 'import sys; print(sys.executable)')"
export PATH="$ROOT/.venv/bin:$PATH"
# Copier reads a user settings file; an empty one crashes it, so point it at a known-good one.
if [ -z "${COPIER_SETTINGS_PATH:-}" ]; then
  export COPIER_SETTINGS_PATH="$ROOT/.venv/copier-settings.yml"
  [ -f "$COPIER_SETTINGS_PATH" ] || echo '{}' > "$COPIER_SETTINGS_PATH"
fi
