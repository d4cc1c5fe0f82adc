# Shared by bin/demo and bin/test: find Python >= 3.12 and prepare .venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.14 python3.13 python3.12 python3 \
      "$HOME"/.pyenv/versions/3.1[234]*/bin/python3 /usr/local/bin/python3.1[234] /usr/bin/python3.1[234]; do
    [ -n "$candidate" ] || continue
    if python_ok "$candidate"; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure_venv() {
  if [ -x .venv/bin/python ] && python_ok .venv/bin/python; then
    :
  else
    local py
    if ! py="$(find_python)"; then
      echo "RevOps Portal needs Python 3.12 or newer, and none was found." >&2
      echo "Install one (e.g. 'apt-get install python3.12' or 'pyenv install 3.13') or set PYTHON=/path/to/python3.12." >&2
      exit 1
    fi
    echo "==> Creating .venv with $py ($("$py" --version))"
    rm -rf .venv
    "$py" -m venv .venv
  fi
  # Skip pip when this pyproject.toml was installed already with these extras (any extras
  # cover a plain install): it saves a minute, and two runs at once in one checkout don't
  # both write into .venv.
  local hash
  hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if grep -qxF "$1 $hash" .venv/.installed 2>/dev/null \
      || { [ -z "$1" ] && grep -q " $hash\$" .venv/.installed 2>/dev/null; }; then
    return 0
  fi
  echo "==> Installing Python packages into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$1"
  echo "$1 $hash" >>.venv/.installed
}
