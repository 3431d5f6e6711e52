#!/usr/bin/env bash
# Make sure Debian's chromium is installed (the browser test drives it with Playwright; no
# browser download). Installs it with apt when missing (scripts/apt_install.sh).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
bash "$(dirname "$0")/apt_install.sh" chromium chromium
command -v chromium >/dev/null
