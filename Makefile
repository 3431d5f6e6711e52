# Two commands for readers and CI (see README): `make book` and `make test`.
# Both create .venv with Python 3.11 and install the pinned requirements first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: help install book book-pdf test unit check-data browser goldens bench clean

help:
	@echo "make book     build the website into _build/html (installs what it needs)"
	@echo "make test     run every test: unit, nbval goldens, clean build + browser check"
	@echo "make check-data  check every table of data/ against data/datapackage.json (FILE:ROW:COLUMN: rule)"
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

book-pdf: install
	$(BIN)/jupyter-book build . --builder pdflatex

browser:
	bash scripts/ensure_chromium.sh

test: install browser
	$(BIN)/python -m pytest

unit: install
	$(BIN)/python -m pytest tests -m "not site" --ignore=tests/goldens

check-data: install
	$(BIN)/python -m analysis.validate data

goldens: install
	$(BIN)/python scripts/goldens.py $(NB)

bench: install browser
	$(BIN)/python scripts/bench.py

clean:
	rm -rf _build _build_test
