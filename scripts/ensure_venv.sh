#!/usr/bin/env bash
# Make sure "$1 -m venv" works (Debian's system Python needs the python3-venv package for it).
set -euo pipefail
PY="${1:-python3}"
if "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then exit 0; fi
echo "$PY cannot create virtual environments: installing Debian's python3-venv" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "error: install the Debian package python3-venv (needs root)" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
