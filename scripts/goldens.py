"""Regenerate the golden notebooks that nbval compares against.

For every chapter ``notebooks/NAME.md`` (a Jupytext MyST notebook), write
``tests/goldens/NAME.ipynb`` and execute it in a fresh kernel (working directory ``notebooks/``,
as in the book build). Image outputs are dropped (nbval never compares ``image/png``), and the
PNG fallback that a glued chart carries (``application/papermill.record/image/png``, which nbval
*would* compare byte for byte, although its pixels depend on the machine's fonts) is replaced by
the stub ``PNG_STUB``; ``tests/nbval_sanitize.cfg`` maps every base64 PNG to the same token, so
nbval still checks that the fallback exists while the chart itself is compared through its
Vega-Lite spec (the ``text/html`` output). Cell ids are numbered, so a regenerated golden differs
from the old one only where results changed.
Review ``git diff tests/goldens`` before committing: the diff *is* the change in results.

Usage: python scripts/goldens.py [NAME ...]     (default: all chapter notebooks)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from analysis.paths import ROOT

NOTEBOOKS = ROOT / "notebooks"
GOLDENS = ROOT / "tests" / "goldens"


LAST = "scorecard"  # reads the other goldens (analysis.scorecard_page), so it is regenerated after them


def chapter_notebooks() -> list[Path]:
    found = [p for p in sorted(NOTEBOOKS.glob("*.md")) if "kernelspec" in jupytext.read(p).metadata]
    return sorted(found, key=lambda p: p.stem == LAST)


PNG_STUB = "iVBORw0KGgo="  # the base64 of the PNG signature: marks "a PNG was here"


def strip_images(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for key in list(data):
                if key.startswith("image/"):
                    del data[key]
                    out.get("metadata", {}).pop(key, None)
                elif "/image/" in key:
                    data[key] = PNG_STUB


def number_cells(nb: nbformat.NotebookNode) -> None:
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"


def regenerate(md: Path) -> float:
    nb = jupytext.read(md)
    nb.metadata.pop("jupytext", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    elapsed = time.perf_counter() - start
    strip_images(nb)
    number_cells(nb)
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    GOLDENS.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, GOLDENS / f"{md.stem}.ipynb")
    return elapsed


def main(names: list[str]) -> None:
    targets = [NOTEBOOKS / f"{n.removesuffix('.md')}.md" for n in names] if names else chapter_notebooks()
    targets = sorted(targets, key=lambda p: p.stem == LAST)
    for md in targets:
        if not md.exists():
            raise SystemExit(f"no such notebook: {md.relative_to(ROOT)}")
        print(f"{md.relative_to(ROOT)} -> tests/goldens/{md.stem}.ipynb: {regenerate(md):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
