#!/usr/bin/env bash
# Make sure Debian's TeX Live (pdflatex + latexmk + the LaTeX packages Sphinx's LaTeX writer uses)
# and poppler-utils (pdftotext, for the PDF test) are installed. Installs them with apt when missing:
# directly as root, else through sudo. About 380 MB and about a minute of apt on a fast mirror.
# texlive-fonts-extra (1.5 GB) is NOT needed: _config.yml sets use_jupyterbook_latex: false.
set -euo pipefail
PACKAGES="texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended latexmk tex-gyre poppler-utils"
if command -v pdflatex >/dev/null 2>&1 && command -v latexmk >/dev/null 2>&1 \
   && command -v pdftotext >/dev/null 2>&1 && kpsewhich tgtermes.sty >/dev/null 2>&1; then
  exit 0
fi
echo "TeX Live / poppler-utils not found: installing with apt-get ($PACKAGES)" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "error: TeX Live is missing and this user cannot run apt-get; install the Debian packages: $PACKAGES" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "TeX Live installed in $(( $(date +%s) - start )) s" >&2
command -v pdflatex >/dev/null && command -v latexmk >/dev/null && command -v pdftotext >/dev/null
