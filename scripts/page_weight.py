"""Bytes a page loads, from the browser's own resource list, split into the theme's shared files
and what the page itself adds (its HTML, the report's runtimes, its images).

Used by ``scripts/bench.py`` (``make bench`` prints it per page) and by ``tests/test_site.py``
(which checks the budget). The site is read from ``file://`` URLs, for which Chromium keeps no
Resource Timing entries and reports no transfer sizes, so the resource list is the browser's own
log of finished requests (Playwright's ``requestfinished`` events, which include fonts, images and
scripts loaded later by other scripts) together with any Performance API entries, and each URL is
sized from the file it names.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

#: Files under ``_static/`` that the report adds (everything else there is the theme's or Sphinx's
#: and is shared by every page, cached after the first).
OWN_STATIC = ("altair-offline.js", "report-tables.js", "report.css", "mathjax/")
#: Shared by every page although outside ``_static/``: Sphinx's search index.
SHARED_OUTSIDE_STATIC = ("searchindex.js",)
BUDGET_BYTES = 1_500_000  # what a page may load beyond the theme's shared files (issue 17)

RESOURCES_JS = "[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]"


def _path(url: str) -> Path | None:
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def classify(html_root: Path, urls: list[str]) -> dict:
    """Sizes of the resources a page loaded (``urls``: the page first, then the resource list)."""
    html_root = html_root.resolve()
    shared, own, files = 0, 0, []
    for url in dict.fromkeys(u.split("#")[0].split("?")[0] for u in urls):
        path = _path(url)
        if path is None or not path.is_file():
            continue
        size = path.stat().st_size
        rel = path.resolve().relative_to(html_root).as_posix()
        is_shared = (rel.startswith("_static/") and not any(rel[len("_static/"):].startswith(o) for o in OWN_STATIC)) \
            or rel in SHARED_OUTSIDE_STATIC
        if is_shared:
            shared += size
        else:
            own += size
        files.append({"file": rel, "bytes": size, "shared": is_shared})
    return {"shared_bytes": shared, "own_bytes": own, "total_bytes": shared + own, "files": files}


def track(page) -> list[str]:
    """Start recording the URLs of the requests ``page`` completes; returns the (growing) list."""
    finished: list[str] = []
    page.on("requestfinished", lambda request: finished.append(request.url))
    return finished


def measure(page, html_root: Path, finished: list[str]) -> dict:
    """Classify what an open Playwright ``page`` has loaded so far (``finished``: from :func:`track`)."""
    return classify(html_root, page.evaluate(RESOURCES_JS) + list(finished))


def settle(page) -> None:
    """Wait until every chart on the page has drawn (or shown its error)."""
    if page.evaluate("document.querySelectorAll('.report-chart').length"):
        page.wait_for_function(
            "() => [...document.querySelectorAll('.report-chart')].every(e => e.querySelector('svg.marks')"
            " || /^(This chart needs|Chart failed)/.test(e.textContent))",
            timeout=20_000,
        )


def browser_page_weights(html_root: Path, chromium: str, args: list[str]) -> list[dict]:
    """Open every page of the site in headless Chromium and measure it (see :func:`classify`)."""
    from playwright.sync_api import sync_playwright

    html_root = html_root.resolve()
    rows = []
    pages = sorted(p for p in html_root.rglob("*.html") if p.relative_to(html_root).parts[0] != "_static"
                   and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8", errors="replace"))  # redirect stubs
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        try:
            for path in pages:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:", "about:")) else r.abort())
                finished = track(page)
                page.goto(path.as_uri(), wait_until="load")
                settle(page)
                page.wait_for_timeout(300)
                row = measure(page, html_root, finished)
                row["page"] = path.relative_to(html_root).as_posix()
                rows.append(row)
                page.close()
        finally:
            browser.close()
    return rows
