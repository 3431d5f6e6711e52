"""Each chapter notebook has a golden copy in tests/goldens whose code matches the .md source.

nbval executes the *golden's* code and compares its outputs, so a golden whose code drifted from
the chapter would test the wrong thing. Regenerate with ``make goldens NB=<name>``.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

from analysis.paths import ROOT

NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").glob("*.md")) if "kernelspec" in jupytext.read(p).metadata]
GOLDENS = ROOT / "tests" / "goldens"


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_every_chapter_is_a_notebook():
    assert NOTEBOOKS, "no chapter notebooks found in notebooks/"


@pytest.mark.parametrize("md", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_golden_matches_source(md: Path):
    golden = GOLDENS / f"{md.stem}.ipynb"
    hint = f"run: make goldens NB={md.stem}"
    assert golden.exists(), f"missing golden {golden.relative_to(ROOT)}; {hint}"
    assert _code(jupytext.read(md)) == _code(jupytext.read(golden)), f"stale golden for {md.name}; {hint}"


def test_no_orphan_goldens():
    names = {p.stem for p in NOTEBOOKS}
    orphans = [p.name for p in GOLDENS.glob("*.ipynb") if p.stem not in names]
    assert not orphans, f"goldens without a chapter: {orphans}"
