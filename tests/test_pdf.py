"""The whole book as PDF through LaTeX (Debian TeX Live: scripts/ensure_tex.sh installs it).

Built once per session after the website (same output folder, so the notebooks are not executed
again: the execution cache is shared), then read back with ``pdftotext``: every page's title and a
sample of headline numbers, formatted as the prose formats them, must be in the text.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import unicodedata

import pytest
import yaml

from analysis.paths import ROOT

pytestmark = pytest.mark.site

# Headline numbers readers quote; each is checked in the format its chapter prints it.
HEADLINE_KEYS = ("evidence_n_models", "imagenet_gamma", "imagenet_n_models", "k2_slope_mean",
                 "k4_gamma_overparam", "usd_error_5pct", "nyc_months_error_5pct")
ROLE_RE = re.compile(r"\{glue:text\}`(?P<key>[a-z0-9_]+)(?::(?P<fmt>[^`]*))?`")


def _norm(text: str) -> str:
    # NFKC folds ² and ₂ to 2 and ligatures (ﬁ) to letters; pdftotext breaks lines anywhere.
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text)


def _sources() -> dict[str, str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for p in toc.get("parts", []) for c in p.get("chapters", [])]
    return {f: (ROOT / f"{f}.md").read_text(encoding="utf-8") for f in files}


@pytest.fixture(scope="module")
def pdf_text(built_site):
    from conftest import run_build

    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        pytest.fail("TeX Live and poppler-utils are required for the PDF test: run `make test` "
                    "(scripts/ensure_tex.sh installs them)")
    start = time.perf_counter()
    proc = run_build("pdflatex")
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    (built_site.root.parent / "pdf-build.log").write_text(f"{seconds:.1f} s\n{log}")
    assert proc.returncode == 0, log[-4000:]
    pdf = built_site.root / "latex" / "report.pdf"
    assert pdf.exists(), f"no PDF at {pdf}:\n{log[-3000:]}"
    warnings = [line for line in log.splitlines() if "WARNING:" in line or "ERROR:" in line]
    assert not warnings, "\n".join(warnings)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return _norm(text)


def test_every_page_title_is_in_the_pdf(pdf_text):
    missing = []
    for doc, source in _sources().items():
        title = re.search(r"^# (.+)$", source, re.MULTILINE).group(1)
        title = re.sub(r"[$`*]", "", title)
        # case-insensitive: LaTeX styles may capitalise a heading (the book's title page does)
        if _norm(title).lower() not in pdf_text.lower():
            missing.append(f"{doc}: {title!r}")
    assert not missing, "titles missing from the PDF: " + "; ".join(missing)


def test_headline_numbers_are_in_the_pdf_as_the_prose_prints_them(pdf_text, built_site):
    results = json.loads((built_site.html / "results.json").read_text())
    checked = []
    for source in _sources().values():
        for m in ROLE_RE.finditer(source):
            key, fmt = m.group("key"), m.group("fmt") or ""
            if key not in HEADLINE_KEYS or key in {k for k, _ in checked}:
                continue
            value = results[key]["value"]
            printed = format(value, fmt) if fmt else str(value)
            checked.append((key, printed))
    assert {k for k, _ in checked} == set(HEADLINE_KEYS), "a headline key is no longer printed in the prose"
    missing = [f"{k} = {p}" for k, p in checked if p not in pdf_text]
    assert not missing, "numbers missing from the PDF text: " + ", ".join(missing)


def test_pdf_has_charts_citations_and_a_bibliography(pdf_text, built_site):
    tex = (built_site.root / "latex" / "report.tex").read_text()
    assert tex.count("\\sphinxincludegraphics") >= 15  # every chart, as its PNG
    # author-year citations resolved to text, and the bibliography's entries printed
    assert "Thompson" in pdf_text and "Computational Limits of Deep Learning" in pdf_text
    assert "??" not in pdf_text, "an unresolved reference or citation prints as ?? in LaTeX"
