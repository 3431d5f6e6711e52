"""Invalidate the execution cache when analysis/ or data/ change.

jupyter-cache keys a notebook on its code cells only, so a change to the analysis package or to a
data table would otherwise leave stale outputs in the book. This script hashes ``analysis/**/*.py``
and ``data/**`` and, when the hash differs from the last build's, removes ``<build>/.jupyter_cache``
*and* Sphinx's saved environment ``<build>/.doctrees``. Both are needed: with the cache gone but the
environment kept, Sphinx sees unchanged ``.md`` sources, re-reads nothing, and the stale outputs stay
in the HTML.

A change to the book's own Sphinx extensions (``book/_ext``) changes how pages are written, not what
the notebooks compute: it clears the Sphinx environment only (``<build>/.doctrees``), so every page
is written again with the new code and no notebook re-executes.

Usage: python scripts/cache_guard.py [BUILD_DIR]   (default: _build)
"""

from __future__ import annotations

import hashlib
import shutil
import sys

from analysis.paths import ROOT



def _hash(files) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_hash() -> str:
    """Hash of what the notebooks compute from: ``analysis/**/*.py`` and ``data/**``."""
    return _hash(sorted(ROOT.glob("analysis/**/*.py")) + sorted(p for p in ROOT.glob("data/**/*") if p.is_file()))


def extensions_hash() -> str:
    """Hash of the book's Sphinx extensions and their static files (``book/_ext/**``)."""
    return _hash(sorted(p for p in ROOT.glob("book/_ext/**/*") if p.is_file() and "__pycache__" not in p.parts))


def main(build: str = "_build") -> None:
    build_dir = ROOT / build
    stamp = build_dir / ".inputs-hash"
    current = inputs_hash()
    if stamp.exists() and stamp.read_text().strip() != current:
        for stale in (build_dir / ".jupyter_cache", build_dir / ".doctrees"):
            if stale.exists():
                shutil.rmtree(stale)
                print(f"analysis/ or data/ changed: cleared {stale}")
    ext_stamp = build_dir / ".extensions-hash"
    ext_current = extensions_hash()
    if ext_stamp.exists() and ext_stamp.read_text().strip() != ext_current:
        stale = build_dir / ".doctrees"
        if stale.exists():
            shutil.rmtree(stale)
            print(f"book/_ext changed: cleared {stale}")
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    ext_stamp.write_text(ext_current + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
