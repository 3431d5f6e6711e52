"""scripts/cache_guard.py: a change to analysis/ or data/ must force notebooks to re-execute."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from analysis.paths import ROOT

spec = importlib.util.spec_from_file_location("cache_guard", ROOT / "scripts" / "cache_guard.py")
cache_guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cache_guard)


def _build_dir(tmp_path: Path, stamp: str, ext_stamp: str | None = None) -> Path:
    build = tmp_path / "_build"
    for d in (".jupyter_cache", ".doctrees", "html"):
        (build / d).mkdir(parents=True)
    (build / ".inputs-hash").write_text(stamp + "\n")
    (build / ".extensions-hash").write_text((ext_stamp or cache_guard.extensions_hash()) + "\n")
    return build


def test_changed_inputs_clear_the_cache_and_the_sphinx_environment(tmp_path):
    # Sphinx re-reads a notebook only if its environment is gone too: clearing the cache alone
    # leaves stale outputs in the HTML (that was a real bug).
    build = _build_dir(tmp_path, "an-old-hash")
    cache_guard.main(str(build))
    assert not (build / ".jupyter_cache").exists()
    assert not (build / ".doctrees").exists()
    assert (build / "html").exists()
    assert (build / ".inputs-hash").read_text().strip() == cache_guard.inputs_hash()


def test_unchanged_inputs_keep_the_cache(tmp_path):
    build = _build_dir(tmp_path, cache_guard.inputs_hash())
    cache_guard.main(str(build))
    assert (build / ".jupyter_cache").exists() and (build / ".doctrees").exists()


def test_changed_extensions_rewrite_pages_without_re_executing(tmp_path):
    # an edit to book/_ext (say, how equations are numbered) reaches every page, and no notebook runs
    build = _build_dir(tmp_path, cache_guard.inputs_hash(), ext_stamp="an-old-hash")
    cache_guard.main(str(build))
    assert (build / ".jupyter_cache").exists()
    assert not (build / ".doctrees").exists()
    assert (build / ".extensions-hash").read_text().strip() == cache_guard.extensions_hash()
