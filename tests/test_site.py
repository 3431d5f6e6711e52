"""The built website: a clean build with warnings as errors, fully offline, every chart drawn.

Negative control (documented in the README): delete ``_build_test/_build/html/_static/altair-offline.js``
and rerun with ``DLDR_REUSE_BUILD=1``; the browser tests then fail on every chart page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from analysis.numbers import KEY_RE
from analysis.paths import ROOT

pytestmark = pytest.mark.site


# Keys the issues promise to readers and citing authors (stable names).
PROMISED_KEYS = {
    "k2_slope_mean", "k2_slope_mean_ci_low", "k2_slope_mean_ci_high", "k2_slope_ols", "k2_slope_knn",
    "k2_data_multiplier_k10",
    "k4_gamma_overparam", "k4_gamma_overparam_ci_low", "k4_gamma_overparam_ci_high", "k4_gamma_expert",
    "k4_crossover_n", "k4_crossover_flop",
    "k4_gamma_frontier", "k4_gamma_frontier_ci_low", "k4_gamma_frontier_ci_high", "k4_frontier_p_exponent",
    "k4_gamma_gd", "k4_gamma_mse", "k4_crossover_n_lasso", "k4_gamma_mlp", "k4_bootstrap_coverage",
    "k4_frontier_data_exponent", "k4_sens_max_gamma_shift", "k4_sens_max_data_shift",
    "k2_data_exponent_mse_knn_d4", "k2_data_exponent_01_logistic",
    "evidence_n_models", "evidence_n_with_compute",
    "usd_error_5pct", "usd_error_5pct_ci_low", "usd_error_5pct_ci_high", "co2_t_error_5pct",
    "nyc_months_error_5pct", "nyc_months_error_5pct_ci_low", "nyc_months_error_5pct_ci_high",
    "usd_error_1pct", "nyc_months_error_1pct", "usd_error_5pct_authors", "nyc_months_error_5pct_authors",
    "imagenet_gamma", "imagenet_gamma_ci_low", "imagenet_gamma_ci_high", "imagenet_halving_multiplier",
    "imagenet_r2", "imagenet_n_models", "imagenet_gamma_reverse", "imagenet_gamma_eiv", "imagenet_gamma_min",
    "imagenet_gamma_max", "alexnet_nasnet_compute_ratio", "alexnet_nasnet_hardware_speedup", "alexnet_nasnet_gamma",
}

# A JB1 quirk, not ours: sphinx-thebe's config script is emitted twice on every page.
HARMLESS_CONSOLE = ("THEBE_JS_URL",)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def _toc_docnames() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]
    for part in toc.get("parts", []):
        names += [c["file"] for c in part.get("chapters", [])]
    names += [c["file"] for c in toc.get("chapters", [])]
    return names


PAGES = _toc_docnames() + ["genindex", "search"]


def test_clean_build_passes_with_warnings_as_errors(built_site):
    assert built_site.returncode == 0, "build failed:\n" + "\n".join(built_site.warnings[-30:] or [built_site.log[-3000:]])
    assert not built_site.warnings, "\n".join(built_site.warnings)


REMOTE_RESOURCE = [
    re.compile(r"<(?:script|img|source|iframe|video|audio|embed|track)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"<link\b(?=[^>]*\brel\s*=\s*[\"']?(?:stylesheet|preload|modulepreload|icon|shortcut icon|prefetch|manifest))[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"@import\s+[\"'](?:https?:)?//", re.I),
]


def test_no_remote_scripts_styles_fonts_or_images(built_site):
    files = list(built_site.html.rglob("*.html")) + list(built_site.html.rglob("*.css"))
    assert len(files) > 5
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in REMOTE_RESOURCE:
            for m in pattern.finditer(text):
                offenders.append(f"{path.relative_to(built_site.html)}: {text[m.start():m.end() + 60]!r}")
    assert not offenders, "\n".join(offenders[:20])


def test_math_is_written_as_mathml(built_site):
    """Formulas are MathML made at build time (no math runtime to load), with their TeX as alt text."""
    k2 = (built_site.html / "notebooks" / "k2_data_bound.html").read_text()
    assert k2.count("<math ") > 50 and 'alttext="' in k2
    for path in built_site.html.rglob("*.html"):
        text = path.read_text()
        assert 'class="math notranslate' not in text and "tex-mml-chtml.js" not in text, path.name


def test_offline_runtimes_are_served_by_the_site(built_site):
    static = built_site.html / "_static"
    assert (static / "altair-offline.js").stat().st_size > 500_000
    assert (static / "mathjax" / "tex-mml-chtml.js").exists()
    assert list((static / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


def test_results_json_lists_every_glued_number(built_site):
    path = built_site.html / "results.json"
    results = json.loads(path.read_text())
    assert isinstance(results, dict) and results, "results.json is empty"
    for key, entry in results.items():
        assert KEY_RE.match(key), key
        assert isinstance(entry["value"], (int, float)) and not isinstance(entry["value"], bool), key
        assert set(entry) >= {"value", "unit", "chapter", "title", "page"}, key
        assert (built_site.html / entry["page"]).exists(), f"{key}: page {entry['page']} missing"
    missing = PROMISED_KEYS - set(results)
    assert not missing, f"promised keys missing from results.json: {sorted(missing)}"
    numbers_page = (built_site.html / "book" / "numbers.html").read_text()
    not_listed = [k for k in results if f">{k}<" not in numbers_page]
    assert not not_listed, f"keys missing from the Numbers page: {not_listed}"


def test_results_json_holds_published_precision(built_site):
    from analysis.numbers import SIG_DIGITS, publish

    results = json.loads((built_site.html / "results.json").read_text())
    floats = {k: e for k, e in results.items() if isinstance(e["value"], float)}
    assert len(floats) > 100, "expected the report's non-integer numbers in results.json"
    unrounded = {k: e["value"] for k, e in floats.items() if publish(e["value"], e["digits"]) != e["value"]}
    assert not unrounded, f"values not at their published precision: {unrounded}"
    assert results["report_sig_digits"]["value"] == SIG_DIGITS
    assert all(e["digits"] == SIG_DIGITS for e in floats.values()), "no key overrides the precision today"


def test_arithmetic_values_in_results_json(built_site):
    results = json.loads((built_site.html / "results.json").read_text())
    assert results["arith_k4_multiplier_k10"]["value"] == 10000
    assert results["arith_cost_5pct_usd"]["value"] == pytest.approx(1.4547e11, rel=1e-3)
    assert results["arith_cost_5pct_usd"]["chapter"] == "notebooks/article_arithmetic"


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    external, errors = [], []

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return page, external, errors


def _chart_svgs(page) -> int:
    return page.evaluate("document.querySelectorAll('.report-chart svg.marks').length")


@pytest.mark.parametrize("docname", PAGES)
def test_page_draws_offline(built_site, browser, docname):
    path = built_site.html / f"{docname}.html"
    assert path.exists(), f"{path} not built"
    page, external, errors = _open(browser, path)
    try:
        n_charts = page.evaluate("document.querySelectorAll('.report-chart').length")
        if n_charts:
            # Wait until every chart has either drawn or shown the renderer's error text.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.report-chart')].every(e => e.querySelector('svg.marks')"
                " || /^(This chart needs|Chart failed)/.test(e.textContent))",
                timeout=20_000,
            )
            drawn = _chart_svgs(page)
            assert drawn == n_charts, f"{n_charts - drawn} of {n_charts} charts did not draw on {docname}: {errors}"
            labels = page.evaluate(
                "[...document.querySelectorAll('.report-chart')].map(e => e.getAttribute('aria-label') || '')"
            )
            assert all(len(label) > 20 for label in labels), f"chart without alt text on {docname}"
        page.wait_for_timeout(200)
        ours = [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)]
        assert external == [], f"requests left the local files: {external}"
        assert ours == [], f"console errors: {ours}"
    finally:
        page.close()


def _slider_pages(built_site) -> list[Path]:
    return [p for p in built_site.html.rglob("*.html") if "binding_range" in p.read_text() or '"input":"range"' in p.read_text()]


def test_sliders_redraw_their_charts(built_site, browser):
    pages = _slider_pages(built_site)
    assert pages, "no page has a slider-bound chart"
    checked = 0
    for path in pages:
        page, external, _ = _open(browser, path)
        try:
            page.wait_for_selector(".report-chart .vega-bindings input[type=range]", timeout=20_000)
            charts = page.query_selector_all(".report-chart")
            for chart in charts:
                for rng in chart.query_selector_all(".vega-bindings input[type=range]"):
                    before = chart.eval_on_selector("svg.marks", "e => e.innerHTML")
                    rng.evaluate(
                        "e => { const lo = +e.min, hi = +e.max, v = +e.value;"
                        " e.value = String(Math.abs(v - hi) > Math.abs(v - lo) ? hi : lo);"
                        " e.dispatchEvent(new Event('input', {bubbles: true})); }"
                    )
                    page.wait_for_timeout(300)
                    after = chart.eval_on_selector("svg.marks", "e => e.innerHTML")
                    assert after != before, f"slider did not redraw its chart on {path.name}"
                    checked += 1
            assert external == []
        finally:
            page.close()
    assert checked >= 1


def test_cost_calculator_recomputes_in_the_browser(built_site, browser):
    """Moving the grid-intensity slider changes the CO2 line and leaves the dollar line alone."""
    page, external, _ = _open(browser, built_site.html / "notebooks" / "cost.html")
    try:
        page.wait_for_selector(".report-chart .vega-bindings input[type=range]", timeout=20_000)
        chart = next(c for c in page.query_selector_all(".report-chart") if "grid intensity" in c.inner_text())
        lines = lambda: chart.eval_on_selector_all(  # noqa: E731
            "svg.marks text", "es => es.map(e => e.textContent).filter(t => /^(cost|emissions|=)/.test(t))")
        before = lines()
        assert any(t.startswith("cost: US$") for t in before) and any("Mt CO₂" in t for t in before), before
        grid = next(i for i in chart.query_selector_all(".vega-bindings label")
                    if "grid intensity" in i.inner_text()).query_selector("input[type=range]")
        grid.evaluate("e => { e.value = '0.9'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
        page.wait_for_timeout(300)
        after = lines()
        usd = lambda ls: [t for t in ls if t.startswith("cost:")]  # noqa: E731
        co2 = lambda ls: [t for t in ls if t.startswith("emissions:")]  # noqa: E731
        assert usd(after) == usd(before) and co2(after) != co2(before), (before, after)
        assert external == []
    finally:
        page.close()


def test_select_menus_redraw_their_charts(built_site, browser):
    """Drop-down menus (Vega-Lite params bound to a select) work in the static page."""
    pages = [p for p in built_site.html.rglob("*.html") if '"input":"select"' in p.read_text()]
    assert pages, "no page has a menu-bound chart"
    checked = 0
    for path in pages:
        page, external, _ = _open(browser, path)
        try:
            page.wait_for_selector(".report-chart .vega-bindings select", timeout=20_000)
            for chart in page.query_selector_all(".report-chart"):
                for menu in chart.query_selector_all(".vega-bindings select"):
                    before = chart.eval_on_selector("svg.marks", "e => e.innerHTML")
                    menu.evaluate(
                        "e => { e.selectedIndex = (e.selectedIndex + 1) % e.options.length;"
                        " e.dispatchEvent(new Event('change', {bubbles: true})); }"
                    )
                    page.wait_for_timeout(300)
                    after = chart.eval_on_selector("svg.marks", "e => e.innerHTML")
                    assert after != before, f"menu did not redraw its chart on {path.name}"
                    checked += 1
            assert external == []
        finally:
            page.close()
    assert checked >= 2


def test_non_html_builder_gets_png_charts(built_site):
    """The LaTeX/PDF route shows each chart as its PNG fallback, never as a text repr."""
    from conftest import run_build

    proc = run_build("latex")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    tex = (built_site.root / "latex" / "report.tex").read_text()
    n_charts = sum(p.read_text().count('class="report-chart"') for p in built_site.html.rglob("*.html"))
    n_images = tex.count("\\sphinxincludegraphics")
    assert n_charts > 0 and n_images >= n_charts, f"{n_images} images in report.tex for {n_charts} charts"
    assert "<Chart:" not in tex and "alt.LayerChart" not in tex and "alt.Chart" not in tex


# --------------------------------------------------------------------------- reader experience (issue 17)
def _load_script(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


page_weight = _load_script("page_weight")
WIDTHS = (375, 768, 1280)

# axe-core rules whose serious/critical violations we accept, each with why it cannot be fixed in
# this theme. Empty today: every page passes with zero serious or critical violations. A rule added
# here must say why, and the test still fails on any other rule.
AXE_ACCEPTED: dict[str, str] = {}
AXE_BLOCKING = ("serious", "critical")

# Axis-label colour and background of one chart, as drawn (light and dark variants).
CHART_LOOK_JS = """el => {
  const svg = el.querySelector('svg.marks');
  const bg = svg.querySelector('rect.background') || svg.querySelector('.background');
  const label = svg.querySelector('.role-axis-label text, .role-legend-label text, text');
  return {background: bg ? (bg.getAttribute('fill') || getComputedStyle(bg).fill) : getComputedStyle(svg).backgroundColor,
          svgStyle: svg.getAttribute('style') || '',
          label: label ? (label.getAttribute('fill') || getComputedStyle(label).fill) : null,
          theme: el.getAttribute('data-chart-theme')};
}"""


def _luminance(colour: str) -> float:
    colour = colour.strip()
    if colour.startswith("#") and len(colour) == 4:
        colour = "#" + "".join(ch * 2 for ch in colour[1:])
    if colour.startswith("#") and len(colour) == 7:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _open_tracked(browser, path: Path):
    """Like :func:`_open`, and also record the requests the page completes (its resource list)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    external, errors = [], []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES)
               else (external.append(r.request.url), r.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    finished = page_weight.track(page)
    page.goto(path.as_uri(), wait_until="load")
    return page, external, errors, finished


def _uses_chart_runtime(files: list[dict]) -> bool:
    return any(f["file"].endswith("altair-offline.js") for f in files)


@pytest.mark.parametrize("docname", PAGES)
def test_page_fits_every_screen_loads_only_its_runtimes_and_passes_axe(built_site, browser, docname):
    """No horizontal page scroll at 375/768/1280 px, charts inside the screen, only the runtimes the
    page uses and at most BUDGET_BYTES beyond the theme's shared files (browser resource list), and
    zero serious/critical axe-core violations."""
    from axe_playwright_python.sync_playwright import Axe

    path = built_site.html / f"{docname}.html"
    page, external, errors, finished = _open_tracked(browser, path)
    try:
        page_weight.settle(page)
        page.wait_for_timeout(300)  # fonts and late scripts
        n_charts = page.evaluate("document.querySelectorAll('.report-chart').length")
        has_tables = page.evaluate("document.querySelector('table.dataframe, table.report-numbers') !== null")
        weight = page_weight.measure(page, built_site.html, finished)
        files = [f["file"] for f in weight["files"]]
        assert _uses_chart_runtime(weight["files"]) == bool(n_charts), f"chart runtime on {docname}: {files}"
        assert not any(f.startswith("_static/mathjax/") for f in files), f"{docname} loads MathJax: math is MathML"
        assert any(f.endswith("report-tables.js") for f in files) == has_tables, files
        assert weight["own_bytes"] <= page_weight.BUDGET_BYTES, (
            f"{docname} loads {weight['own_bytes']:,} bytes beyond the theme's shared files: "
            f"{[f for f in weight['files'] if not f['shared']]}")
        if page.evaluate("document.querySelector('.math') !== null"):
            raise AssertionError(f"{docname} has unconverted math (MathJax markup) left")

        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(250)  # vega-embed redraws container-width charts on resize
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{docname} scrolls sideways by {overflow} px at {width} px"
            outside = page.evaluate(
                "[...document.querySelectorAll('.report-chart')].map(e => e.getBoundingClientRect())"
                ".filter(r => r.width > 0 && (r.left < -1 || r.right > document.documentElement.clientWidth + 1)).length")
            assert outside == 0, f"{outside} charts stick out of the screen on {docname} at {width} px"
            if width == 375 and n_charts:
                wide = page.evaluate(
                    "[...document.querySelectorAll('.report-chart.report-chart-fit')].filter(e => "
                    "e.querySelector('svg.marks').getBoundingClientRect().width > e.clientWidth + 1).length")
                assert wide == 0, f"{wide} single-view charts wider than their box at 375 px on {docname}"

        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_timeout(250)
        # preload=false: axe would otherwise re-fetch every stylesheet with XHR, which file:// refuses
        results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
        violations = results.response["violations"]
        blocking = [v for v in violations if v.get("impact") in AXE_BLOCKING and v["id"] not in AXE_ACCEPTED]
        detail = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"]) for v in blocking]
        assert not blocking, f"axe-core on {docname}: {detail}"
        assert external == []
        ours = [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)]
        assert ours == [], f"console errors: {ours}"
    finally:
        page.close()


def test_charts_follow_the_dark_theme_live(built_site, browser):
    """Toggling the theme redraws every chart with the dark variant (transparent background, light
    axis labels) and back, without reloading the page."""
    pages = sorted(p for p in built_site.html.rglob("*.html") if 'class="report-chart"' in p.read_text())
    assert pages, "no chart pages"
    checked = 0
    for path in pages:
        page, external, errors = _open(browser, path)
        try:
            page_weight.settle(page)
            chart = page.query_selector(".report-chart")
            light = chart.evaluate(CHART_LOOK_JS)
            assert light["theme"] == "light" and _luminance(light["label"]) < 0.5, light
            page.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")  # what the toggle does
            page.wait_for_function(
                "[...document.querySelectorAll('.report-chart')].every(e => e.getAttribute('data-chart-theme') === 'dark'"
                " && e.querySelector('svg.marks'))", timeout=20_000)
            page.wait_for_timeout(100)
            dark = chart.evaluate(CHART_LOOK_JS)
            assert dark["background"] != light["background"] or dark["svgStyle"] != light["svgStyle"], (light, dark)
            assert _luminance(dark["label"]) > 0.6, f"dark chart labels not light on {path.name}: {dark}"
            page.evaluate("document.documentElement.setAttribute('data-theme', 'light')")
            page.wait_for_function(
                "[...document.querySelectorAll('.report-chart')].every(e => e.getAttribute('data-chart-theme') === 'light'"
                " && e.querySelector('svg.marks'))", timeout=20_000)
            assert chart.evaluate(CHART_LOOK_JS)["label"] == light["label"]
            assert external == [] and [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)] == []
            checked += 1
        finally:
            page.close()
    assert checked == len(pages)


def test_numbers_page_is_searchable_and_links_keys_to_their_use(built_site, browser):
    results = json.loads((built_site.html / "results.json").read_text())
    sample = results["k2_slope_mean"]
    assert sample["source"] and "inputs" in sample, sample
    assert sample["anchor"].endswith("#num-k2-slope-mean"), sample["anchor"]
    anchored = [k for k, e in results.items() if "#" in e["anchor"]]
    assert len(anchored) > len(results) / 2, f"only {len(anchored)} of {len(results)} keys link to a use"
    for key in anchored:
        page_html = (built_site.html / results[key]["anchor"].split("#")[0]).read_text()
        assert f'id="{results[key]["anchor"].split("#")[1]}"' in page_html, key
    evidence = [e for e in results.values() if e["chapter"] == "notebooks/evidence"]
    assert any(any(i.endswith(".csv") for i in e["inputs"]) for e in evidence), "evidence numbers name no data file"

    page, external, errors = _open(browser, built_site.html / "book" / "numbers.html")
    try:
        rows = lambda: page.evaluate("[...document.querySelectorAll('table.report-numbers tbody tr')].filter(r => !r.hidden).length")  # noqa: E731
        total = rows()
        assert total == len(results)
        page.fill("#report-numbers-query", "k2 slope mean ci")
        assert 1 <= rows() < 10
        page.fill("#report-numbers-query", "")
        page.select_option("#report-numbers-chapter", "notebooks-cost")
        n_cost = sum(e["chapter"] == "notebooks/cost" for e in results.values())
        assert rows() == n_cost
        page.select_option("#report-numbers-chapter", "")
        assert rows() == total
        link = page.query_selector("#number-k2-slope-mean a")
        link.click()
        page.wait_for_load_state("load")
        assert page.url.endswith("k2_data_bound.html#num-k2-slope-mean")
        assert page.evaluate("document.getElementById('num-k2-slope-mean').textContent.trim()") == f"{sample['value']:.3f}"
        assert external == []
    finally:
        page.close()


def test_evidence_tables_sort_and_filter_in_the_page(built_site, browser):
    page, external, errors = _open(browser, built_site.html / "notebooks" / "evidence.html")
    try:
        page.wait_for_selector(".report-table-filter input")
        table = page.query_selector_all("table.dataframe")[0]
        visible = lambda: table.evaluate("t => [...t.tBodies[0].rows].filter(r => !r.hidden).length")  # noqa: E731
        total = visible()
        assert total >= 2
        first_cell = lambda: table.evaluate("t => [...t.tBodies[0].rows][0].cells[0].textContent.trim()")  # noqa: E731
        column = table.evaluate("t => [...t.tHead.rows].pop().cells.length") - 1
        button = table.query_selector_all("th button.report-sort")[-1]
        button.click()
        values = table.evaluate(f"t => [...t.tBodies[0].rows].map(r => r.cells[{column}].textContent.trim())")
        button.click()
        values_desc = table.evaluate(f"t => [...t.tBodies[0].rows].map(r => r.cells[{column}].textContent.trim())")
        assert values_desc == list(reversed(values)) or values_desc != values, "sorting did not reorder the rows"
        box = page.query_selector_all(".report-table-filter input")[0]
        box.fill(first_cell())
        assert 1 <= visible() <= total
        box.fill("zzz-no-such-row")
        assert visible() == 0
        assert external == [] and [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)] == []
    finally:
        page.close()
