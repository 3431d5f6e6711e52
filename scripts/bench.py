"""Benchmark: build times, notebook execution times, chapter kernels, test time, page weights.

Usage: python scripts/bench.py [--skip-tests] [--json PATH]      (or: make bench)

Measures, on this machine, in one run:

1. cold build time (empty execution cache), in a scratch copy of the working tree;
2. cached rebuild time after a prose-only change (a paragraph added to a page and to a notebook's
   markdown), and how many notebooks that rebuild re-executed (should be none);
3. each notebook's execution time (from the execution cache of the cold build);
4. each chapter's kernel benchmark (``scripts/bench_chapters.py``):
   throughput, achieved GFLOP/s against a dense matmul, ...;
5. the whole test suite's wall time (``python -m pytest``), unless ``--skip-tests``;
6. each HTML page's weight from the browser's own resource list (``scripts/page_weight.py``):
   what it loads in headless Chromium, split into the theme's shared files and what the page adds
   (its HTML, the report's runtimes, images); falls back to parsing the HTML when no browser is
   installed.

Nothing here is asserted: this is measurement, kept out of the tests on purpose.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

from analysis.paths import ROOT
from bench_chapters import CHAPTER_BENCHMARKS  # beside this script (sys.path[0] when run as a script)
from page_weight import BUDGET_BYTES, browser_page_weights

JB = Path(sys.executable).with_name("jupyter-book")


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if line and (ROOT / line).is_file()]


def scratch_copy() -> Path:
    dest = Path(tempfile.mkdtemp(prefix="dldr-bench-"))
    for rel in tracked_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    return dest


def build(src: Path) -> tuple[float, str, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [str(JB), "build", str(src), "-W", "-n", "--keep-going"], cwd=src, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        print(log[-3000:], file=sys.stderr)
        raise SystemExit(f"build failed in {src}")
    return seconds, log, log.count("Executing notebook")


def notebook_times(src: Path) -> dict[str, float]:
    from jupyter_cache import get_cache

    cache = get_cache(src / "_build" / ".jupyter_cache")
    times = {}
    for record in cache.list_cache_records():
        name = Path(record.uri).relative_to(src).as_posix() if Path(record.uri).is_absolute() else record.uri
        times[name] = float(record.data.get("execution_seconds", float("nan")))
    return dict(sorted(times.items()))


def prose_change(src: Path) -> None:
    with open(src / "book" / "intro.md", "a", encoding="utf-8") as f:
        f.write("\n\nA sentence added by the benchmark (prose-only change).\n")
    with open(src / "notebooks" / "article_arithmetic.md", "a", encoding="utf-8") as f:
        f.write("\n\nA sentence added by the benchmark to a notebook's markdown.\n")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img") and a.get("src"):
            self.refs.append(a["src"])
        elif tag == "link" and a.get("href") and (a.get("rel") or "").lower() in ("stylesheet", "preload", "icon"):
            self.refs.append(a["href"])


def page_weights(html_root: Path) -> list[dict]:
    rows = []
    for page in sorted(html_root.rglob("*.html")):
        if page.relative_to(html_root).parts[0] == "_static":
            continue  # theme template fragments, not pages
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        loaded, missing = 0, []
        for ref in dict.fromkeys(parser.refs):
            if re.match(r"^(https?:)?//", ref):
                missing.append(ref)
                continue
            target = (page.parent / ref.split("?")[0].split("#")[0]).resolve()
            if target.is_file():
                loaded += target.stat().st_size
            else:
                missing.append(ref)
        rows.append(
            {
                "page": page.relative_to(html_root).as_posix(),
                "own_bytes": page.stat().st_size,
                "loaded_bytes": loaded,
                "unresolved": missing,
            }
        )
    return rows


def chapter_benchmarks() -> dict[str, dict]:
    results = {}
    for name, kernel in CHAPTER_BENCHMARKS.items():
        start = time.perf_counter()
        out = kernel()
        out = {k: (float(v) if isinstance(v, (int, float)) else v) for k, v in out.items()}
        out["benchmark_wall_seconds"] = time.perf_counter() - start
        results[name] = out
    return results


def run_tests() -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = next((l for l in reversed(proc.stdout.splitlines()) if re.search(r"\d+ (passed|failed)", l)), "")
    return seconds, summary.strip("= ")


def kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    ap.add_argument("--json", type=Path, default=ROOT / "_build" / "bench.json", help="where to write the figures")
    args = ap.parse_args()

    report: dict = {}
    src = scratch_copy()
    try:
        print(f"scratch copy of the working tree: {src}")
        cold, _, executed = build(src)
        report["cold_build_seconds"] = cold
        report["cold_build_notebooks_executed"] = executed
        print(f"\ncold build (empty cache): {cold:.1f} s, {executed} notebooks executed")

        report["notebook_execution_seconds"] = notebook_times(src)
        print("\nnotebook execution times (jupyter-cache):")
        for name, sec in report["notebook_execution_seconds"].items():
            print(f"  {sec:7.1f} s  {name}")

        prose_change(src)
        cached, _, executed = build(src)
        report["cached_rebuild_after_prose_change_seconds"] = cached
        report["cached_rebuild_notebooks_executed"] = executed
        print(f"\ncached rebuild after a prose-only change: {cached:.1f} s, {executed} notebooks re-executed")

        report["pages"] = page_weights(src / "_build" / "html")
        print("\npage weights parsed from the HTML (own HTML + local scripts, stylesheets and images it names):")
        for row in report["pages"]:
            flag = f"  UNRESOLVED: {row['unresolved']}" if row["unresolved"] else ""
            print(f"  {kib(row['own_bytes']):>10} + {kib(row['loaded_bytes']):>10}  {row['page']}{flag}")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            import importlib.util

            spec = importlib.util.spec_from_file_location("site_conftest", ROOT / "tests" / "conftest.py")
            conftest = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = conftest  # dataclasses look their module up while the class is made
            spec.loader.exec_module(conftest)  # the browser flags the site test uses
            CHROMIUM_ARGS = conftest.CHROMIUM_ARGS
            rows = browser_page_weights(src / "_build" / "html", chromium, CHROMIUM_ARGS)
            report["pages_loaded_in_browser"] = [{k: v for k, v in r.items() if k != "files"} | {
                "files": [f["file"] for f in r["files"] if not f["shared"]]} for r in rows]
            print(f"\nbytes loaded per page in Chromium (browser resource list; budget beyond the theme's "
                  f"shared files: {kib(BUDGET_BYTES)}):")
            print(f"  {'total':>10} {'shared':>10} {'page adds':>10}  page")
            for r in rows:
                flag = "  OVER BUDGET" if r["own_bytes"] > BUDGET_BYTES else ""
                print(f"  {kib(r['total_bytes']):>10} {kib(r['shared_bytes']):>10} {kib(r['own_bytes']):>10}  {r['page']}{flag}")
    finally:
        shutil.rmtree(src, ignore_errors=True)

    report["chapters"] = chapter_benchmarks()
    print("\nchapter kernels (scripts/bench_chapters.py):")
    for name, figures in report["chapters"].items():
        print(f"  {name}:")
        for key, value in figures.items():
            print(f"    {key:38s} {value:,.4g}" if isinstance(value, float) else f"    {key:38s} {value}")

    if not args.skip_tests:
        seconds, summary = run_tests()
        report["test_suite_seconds"] = seconds
        report["test_suite_summary"] = summary
        print(f"\nwhole test suite (python -m pytest): {seconds:.1f} s  [{summary}]")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfigures written to {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")


if __name__ == "__main__":
    main()
