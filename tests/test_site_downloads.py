"""Downloads in the built website, read through the browser: every chart figure offers SVG, PNG,
CSV and metadata JSON, the links point to files that exist and are valid of their kind; the
evidence chapter offers the data tables, the Numbers page results.json, and the footer the version."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from analysis.charts.downloads import report_version
from analysis.paths import ROOT

pytestmark = pytest.mark.site

CHAPTERS = ["notebooks/evidence", "notebooks/k2_data_bound", "notebooks/cost"]


def _links(browser, path: Path, selector: str) -> tuple[list[dict], int, str]:
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
               else r.abort())
    try:
        page.goto(path.as_uri(), wait_until="load")
        links = page.evaluate(
            f"[...document.querySelectorAll('{selector}')].map(a => ({{href: a.href, text: a.textContent.trim(), "
            "format: a.dataset.format || '', download: a.getAttribute('download') || '', "
            "visible: a.offsetParent !== null, figure: (a.closest('figure') || {}).id || ''}))")
        n_figures = page.evaluate("document.querySelectorAll('figure .report-chart').length")
        footer = page.evaluate("document.body.innerText")
    finally:
        page.close()
    return links, n_figures, footer


def _file(href: str) -> Path:
    url = urlparse(href)
    assert url.scheme == "file", f"download link is not a local file: {href}"
    path = Path(unquote(url.path))
    assert path.is_file(), f"download link points to a missing file: {path}"
    return path


def _check(path: Path, fmt: str) -> None:
    data = path.read_bytes()
    if fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg") and len(list(root.iter())) > 10, f"{path}: not a drawn SVG"
    elif fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
        width, height = struct.unpack(">II", data[16:24])
        assert width > 300 and height > 150, f"{path}: {width}x{height} is too small for a chart"
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert len(rows) >= 2 and len(rows[0]) >= 2, f"{path}: no rows"
        assert all(len(r) == len(rows[0]) for r in rows), f"{path}: ragged CSV"
    elif fmt == "json":
        meta = json.loads(data)
        for field in ("figure", "producer", "data_tables", "licence", "report_version", "description"):
            assert meta.get(field) not in (None, ""), f"{path}: metadata has no {field}"
        assert meta["producer"].startswith("analysis.charts."), f"{path}: producer {meta['producer']}"
        assert meta["report_version"] == report_version()
    else:
        raise AssertionError(f"unknown format {fmt}")


@pytest.mark.parametrize("docname", CHAPTERS)
def test_every_chart_figure_offers_valid_downloads(built_site, browser, docname):
    links, n_figures, _ = _links(browser, built_site.html / f"{docname}.html", "a.report-download")
    assert n_figures >= 2, f"{docname}: expected chart figures"
    assert len(links) == 4 * n_figures, f"{docname}: {len(links)} download links for {n_figures} chart figures"
    assert all(link["visible"] and link["figure"] for link in links), "a download link is hidden or outside its figure"
    by_figure: dict[str, set] = {}
    for link in links:
        _check(_file(link["href"]), link["format"])
        assert link["download"].endswith("." + link["format"])
        by_figure.setdefault(link["figure"], set()).add(link["format"])
    assert all(v == {"svg", "png", "csv", "json"} for v in by_figure.values())


def test_csv_download_holds_the_rows_the_chart_plots(built_site):
    # The frontier chart plots the ImageNet records: its CSV names models and their errors.
    path = built_site.html / "_downloads" / "figures" / "fig-evidence-frontier.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) >= 10 and any("model" in c for c in rows[0])


def test_evidence_chapter_offers_the_data_tables(built_site, browser):
    links, _, _ = _links(browser, built_site.html / "notebooks" / "evidence.html", "a.download")
    names = {Path(unquote(urlparse(link["href"]).path)).name: link["href"] for link in links}
    assert {"imagenet_models.csv", "hardware.csv", "datapackage.json"} <= set(names)
    for name, href in names.items():
        path = _file(href)
        if name == "imagenet_models.csv":
            assert path.read_bytes() == (Path(__file__).parents[1] / "data" / name).read_bytes()


def test_numbers_page_links_results_json_and_footer_shows_version(built_site, browser):
    links, _, text = _links(browser, built_site.html / "book" / "numbers.html", "a")
    hrefs = [link["href"] for link in links]
    results = [h for h in hrefs if h.endswith("/results.json")]
    assert results and json.loads(_file(results[0]).read_text())
    assert f"Version {report_version()}" in text
    _, _, cite = _links(browser, built_site.html / "book" / "cite.html", "a")
    assert "@techreport{" in cite and f"version = {{{report_version()}}}" in cite


def test_every_figure_and_table_has_a_number_and_a_link_target(built_site):
    seen = {}
    for page in sorted(built_site.html.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        in_figures = sum(html[m.start():html.find("</figure>", m.start())].count('class="report-chart"')
                         for m in re.finditer(r"<figure\b", html))
        assert in_figures == html.count('class="report-chart"'), f"{page.name}: a chart outside a numbered figure"
        for m in re.finditer(r'<(figure|table)\b[^>]*>', html):
            block = html[m.start():html.find(f"</{m.group(1)}>", m.start())]
            if m.group(1) == "table" and "<caption" not in block:
                continue  # output tables of code cells (DataFrames) are not numbered tables
            ident = re.search(r'\bid="([^"]+)"', m.group(0))
            number = re.search(r'caption-number">(Fig\.|Table) (\d+)', block)
            assert ident and number, f"{page.name}: a {m.group(1)} without a link target or a number: {m.group(0)}"
            assert ident.group(1) not in seen, f"link target {ident.group(1)} used twice"
            seen[ident.group(1)] = page.name
    assert sum(1 for k in seen if k.startswith("fig-")) >= 16 and "tab-k4-frontier" in seen


def test_every_display_equation_has_a_number_and_a_link_target(built_site):
    # each "$$ (eq-name)" of the sources is an anchor "equation-eq-name" carrying its number "(N)"
    labels = sorted(
        m.group(1)
        for path in sorted((ROOT / "notebooks").glob("*.md")) + sorted((ROOT / "book").glob("*.md"))
        for m in re.finditer(r"^\$\$\s*\((eq-[a-z0-9-]+)\)\s*$", path.read_text(encoding="utf-8"), re.M)
    )
    assert len(labels) >= 3
    html = "".join(p.read_text(encoding="utf-8") for p in sorted(built_site.html.rglob("*.html")))
    numbers = []
    for label in labels:
        m = re.search(rf'id="equation-{label}"><span class="eqno">\((\d+)\)<a class="headerlink" '
                      rf'href="#equation-{label}"', html)
        assert m, f"equation {label}: no number or no link target in the built site"
        numbers.append(int(m.group(1)))
    assert len(set(numbers)) == len(numbers), f"two equations share a number: {dict(zip(labels, numbers))}"
    assert html.count('class="math-wrapper"') == html.count('class="math-wrapper" tabindex="0" id="equation-')
