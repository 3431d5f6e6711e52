# Two commands for readers and CI (see README): `make book` and `make test`.
# Both create .venv with Python 3.11 and install the pinned requirements first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: help install book book-pdf tex test unit check-data browser goldens bench clean changelog

help:
	@echo "make book     build the website into _build/html (installs what it needs)"
	@echo "make book-pdf build the whole book as PDF into _build/latex/report.pdf (installs TeX Live)"
	@echo "make test     run every test: unit, nbval goldens, clean build + browser check + PDF"
	@echo "make check-data  check every table of data/ against data/datapackage.json (FILE:ROW:COLUMN: rule)"
	@echo "make changelog  regenerate CHANGELOG.md's list of changed numbers (after make book)"
	@echo "make goldens  re-execute the chapter notebooks into tests/goldens (NB=name for one)"
	@echo "make bench    measure build, notebook, test times and page weights"
	@echo "make clean    remove _build and _build_test (including the execution cache)"

$(STAMP): requirements.txt pyproject.toml
	bash scripts/ensure_venv.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

book: install
	$(BIN)/python scripts/cache_guard.py _build
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "Open _build/html/index.html in a browser (works offline, no server needed)."

book-pdf: install tex
	$(BIN)/jupyter-book build . $(JB_FLAGS) --builder pdflatex
	@echo "PDF: _build/latex/report.pdf"

tex:
	bash scripts/ensure_tex.sh

changelog: install
	$(BIN)/python scripts/changelog_numbers.py --current _build/html/results.json

browser:
	bash scripts/ensure_chromium.sh

test: install browser tex
	$(BIN)/python -m pytest

unit: install
	$(BIN)/python -m pytest tests -m "not site" --ignore=tests/goldens

check-data: install
	$(BIN)/python -m analysis.validate data

goldens: install
	$(BIN)/python scripts/goldens.py $(NB)

bench: install browser tex
	$(BIN)/python scripts/bench.py

clean:
	rm -rf _build _build_test
