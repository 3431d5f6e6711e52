"""The book's configuration makes a raising cell fail the build, with the traceback in the log."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.paths import ROOT

JB = Path(sys.executable).with_name("jupyter-book")

FAILING = """---
jupytext:
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3 (ipykernel), language: python, name: python3}
---

# A chapter with a bug

```{code-cell} ipython3
ratio = 1 / 0
```
"""


@pytest.mark.site
def test_cell_error_fails_the_build_and_shows_the_traceback(tmp_path):
    shutil.copy2(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("*.md"))
    (tmp_path / "book" / "intro.md").write_text(FAILING)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    proc = subprocess.run(
        [str(JB), "build", str(tmp_path), "-W", "-n", "--keep-going"], capture_output=True, text=True, cwd=tmp_path
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, "a raising cell must fail the build"
    assert "ZeroDivisionError" in log and "ratio = 1 / 0" in log, log[-2000:]
