#!/usr/bin/env bash
# Make sure Debian's TeX Live (pdflatex + latexmk + the LaTeX packages Sphinx's LaTeX writer uses)
# and poppler-utils (pdftotext, for the PDF test) are installed. Installs them with apt when missing:
# scripts/apt_install.sh. About 380 MB and about a minute of apt on a fast mirror.
# texlive-fonts-extra (1.5 GB) is NOT needed: _config.yml sets use_jupyterbook_latex: false.
set -euo pipefail
PACKAGES="texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended latexmk tex-gyre poppler-utils"
if command -v pdflatex >/dev/null 2>&1 && command -v latexmk >/dev/null 2>&1 \
   && command -v pdftotext >/dev/null 2>&1 && kpsewhich tgtermes.sty >/dev/null 2>&1; then
  exit 0
fi
# shellcheck disable=SC2086
bash "$(dirname "$0")/apt_install.sh" "TeX Live / poppler-utils" $PACKAGES
command -v pdflatex >/dev/null && command -v latexmk >/dev/null && command -v pdftotext >/dev/null
