"""Rebuild data/imagenet_models.csv, data/hardware.csv and data/imagenet_excluded.csv.

A thin command line over :mod:`analysis.build` (the steps, their rules and their tests live
there). Inputs: the public upstream files in ``--upstream`` (default
``analysis.paths.shared_data_sources()``) and the curated tables in ``data/curated/``.
``--check`` rebuilds in memory and diffs against the committed files (exit 1 on any difference).

Usage: python scripts/build_data.py [--upstream PATH] [--check]
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from analysis import paths
from analysis.build import build


def check(texts: dict[str, str], data_dir: Path) -> int:
    """Print a short diff per differing file; 0 when every file reproduces exactly, else 1."""
    differ = False
    for name, text in texts.items():
        path = data_dir / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            differ = True
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), f"committed/{name}", f"rebuilt/{name}", lineterm="", n=0)
            print("\n".join(list(diff)[:40]))
    print("differences found" if differ else "committed tables reproduce exactly")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", type=Path, default=None, help="folder of upstream data sources")
    ap.add_argument("--check", action="store_true", help="rebuild in memory and diff against data/; exit 1 on difference")
    args = ap.parse_args(argv)
    upstream = args.upstream or paths.shared_data_sources()
    if upstream is None or not Path(upstream).is_dir():
        print("upstream data sources not found (give --upstream PATH or set DLDR_SHARED_DATA)", file=sys.stderr)
        return 2
    texts = build(Path(upstream))
    if args.check:
        return check(texts, paths.DATA)
    for name, text in texts.items():
        (paths.DATA / name).write_text(text, encoding="utf-8")
        print(f"wrote data/{name}: {text.count(chr(10)) - 1} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
