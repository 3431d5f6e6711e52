#!/usr/bin/env bash
# Install Debian packages with apt-get, directly as root, else through sudo; used by
# ensure_chromium.sh and ensure_tex.sh when what they check for is missing.
# Usage: bash scripts/apt_install.sh WHAT PACKAGE [PACKAGE ...]   (WHAT names them in messages)
set -euo pipefail
what="$1"; shift
echo "$what not found: installing with apt-get ($*)" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "error: $what is missing and this user cannot run apt-get; install the Debian packages: $*" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
echo "$what installed in $(( $(date +%s) - start )) s" >&2
