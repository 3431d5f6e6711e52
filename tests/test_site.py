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
        if page.evaluate("document.querySelector('mjx-container') !== null || /\\\\\\(|\\$\\$/.test(document.body.innerText)"):
            page.wait_for_function("document.querySelector('mjx-container') !== null", timeout=10_000)
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
