"""Invalidate the execution cache when analysis/ or data/ change.

jupyter-cache keys a notebook on its code cells only, so a change to the analysis package or to a
data table would otherwise leave stale outputs in the book. This script hashes ``analysis/**/*.py``
and ``data/**`` and, when the hash differs from the last build's, removes ``<build>/.jupyter_cache``
*and* Sphinx's saved environment ``<build>/.doctrees``. Both are needed: with the cache gone but the
environment kept, Sphinx sees unchanged ``.md`` sources, re-reads nothing, and the stale outputs stay
in the HTML.

Usage: python scripts/cache_guard.py [BUILD_DIR]   (default: _build)
"""

from __future__ import annotations

import hashlib
import shutil
import sys

from analysis.paths import ROOT



def inputs_hash() -> str:
    digest = hashlib.sha256()
    files = sorted(ROOT.glob("analysis/**/*.py")) + sorted(p for p in ROOT.glob("data/**/*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(build: str = "_build") -> None:
    build_dir = ROOT / build
    stamp = build_dir / ".inputs-hash"
    current = inputs_hash()
    if stamp.exists() and stamp.read_text().strip() != current:
        for stale in (build_dir / ".jupyter_cache", build_dir / ".doctrees"):
            if stale.exists():
                shutil.rmtree(stale)
                print(f"analysis/ or data/ changed: cleared {stale}")
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
