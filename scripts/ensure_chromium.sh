#!/usr/bin/env bash
# Make sure Debian's chromium is installed (the browser test drives it with Playwright; no
# browser download). Installs it with apt when missing: directly as root, else through sudo.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "chromium not found: installing Debian's chromium with apt-get" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "error: chromium is missing and this user cannot run apt-get; install the Debian package 'chromium'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
