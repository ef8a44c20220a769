#!/usr/bin/env bash
# OONI's own Python package (`oonidata` 0.3.0 from PyPI) in a virtual environment of its own:
# it upgrades `cryptography`, so it stays out of the system Python. Created once under
# target/ooni-venv (reused while it holds that version); prints the venv's python.
# Needs PyPI the first time: scripts/install.sh runs it before the tests enter their
# loopback-only namespace.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${AJAR_OONI_VENV:-$ROOT/target/ooni-venv}
PY=$VENV/bin/python
OONIDATA_VERSION=0.3.0
if ! "$PY" -c "import importlib.metadata as m, sys; import oonidata; sys.exit(m.version('oonidata') != '$OONIDATA_VERSION')" 2>/dev/null; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "ooni-venv: python3's venv module is missing (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
  if ! "$PY" -m pip install --quiet --disable-pip-version-check "oonidata==$OONIDATA_VERSION" >&2; then
    rm -rf "$VENV"
    echo "ooni-venv: could not install oonidata $OONIDATA_VERSION from PyPI (inside the tests' namespace there is no network: run bash scripts/install.sh first)" >&2
    exit 1
  fi
fi
echo "$PY"
