"""Absolute paths to the project's folders, so code works from any working directory.

Notebooks run with their own folder as the working directory (Jupyter Book), golden copies run
from ``tests/goldens`` (nbval), and scripts run from the repository root; all of them resolve
data through this module.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
BOOK = ROOT / "book"
TESTS = ROOT / "tests"


def shared_data_sources() -> Path | None:
    """The folder of upstream reference datasets, if present.

    ``DLDR_SHARED_DATA`` overrides the default ``../shared/data-sources`` beside the repository.
    Returns ``None`` when the folder does not exist (the curated tables in ``data/`` are then the
    only input, which is all the book needs).
    """
    env = os.environ.get("DLDR_SHARED_DATA")
    path = Path(env) if env else ROOT.parent / "shared" / "data-sources"
    return path if path.is_dir() else None
