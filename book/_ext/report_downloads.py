"""Per-figure downloads and the report's version (a Sphinx extension of the book).

1. **Version.** Reads the report's version from ``pyproject.toml`` (one source; ``CITATION.cff`` and
   ``.zenodo.json`` are checked against it in the tests) and its release date from
   ``CITATION.cff``; sets Sphinx's ``version``/``release``, the MyST substitutions
   ``report_version`` and ``report_date`` (``{{ report_version }}`` in a page) and the page footer.
2. **Downloads.** For every named chart figure (``glue:figure`` with ``:name:``) of every chapter,
   writes ``_downloads/figures/<name>.svg|png|csv|json`` into the HTML build (drawn offline by
   :mod:`analysis.charts.downloads`) and adds a "Download" line with the four links under the
   figure's caption. Non-HTML builders (PDF) get neither.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from analysis import paths
from analysis.charts import downloads

LOGGER = logging.getLogger(__name__)
FOLDER = ("_downloads", "figures")
LABELS = {"svg": "SVG", "png": "PNG", "csv": "data (CSV)", "json": "metadata (JSON)"}


def release_date() -> str:
    text = (paths.ROOT / "CITATION.cff").read_text(encoding="utf-8")
    m = re.search(r"^date-released:\s*\"?([0-9-]+)\"?", text, re.MULTILINE)
    return m.group(1) if m else ""


def _config_inited(app: Sphinx, config) -> None:
    version = downloads.report_version()
    date = release_date()
    config.version = version
    config.release = version
    subs = dict(getattr(config, "myst_substitutions", {}) or {})
    subs.update(report_version=version, report_date=date)
    config.myst_substitutions = subs
    options = dict(config.html_theme_options or {})
    footer = f"Version {version} ({date}). See <a href=\"{{root}}book/cite.html\">How to cite</a>."
    if not options.get("extra_footer"):
        options["extra_footer"] = footer
    config.html_theme_options = options


def _html_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    # Make the footer's link relative to the page (theme_extra_footer is raw HTML).
    footer = context.get("theme_extra_footer")
    if footer and "{root}" in footer:
        depth = pagename.count("/")
        context["theme_extra_footer"] = footer.replace("{root}", "../" * depth)


def _glue_file(app: Sphinx, docname: str) -> Path:
    parts = docname.split("/")
    return (Path(app.outdir).parent / "jupyter_execute").joinpath(*parts[:-1], parts[-1] + ".glue.json")


def _doctree_resolved(app: Sphinx, doctree, docname: str) -> None:
    if app.builder.format != "html":
        return
    glue_path = _glue_file(app, docname)
    source_path = Path(app.env.doc2path(docname))
    if not glue_path.exists() or source_path.suffix != ".md":
        return
    source = source_path.read_text(encoding="utf-8")
    if "{glue:figure}" not in source:
        return
    title = app.env.titles[docname].astext() if docname in app.env.titles else docname
    figures = downloads.figure_downloads(
        source, json.loads(glue_path.read_text(encoding="utf-8")), chapter=docname,
        source_path=source_path.relative_to(app.srcdir).as_posix(), title=title)
    downloads.write_downloads(figures, Path(app.outdir).joinpath(*FOLDER))
    by_name = {f.name: f for f in figures}
    prefix = "../" * docname.count("/") + "/".join(FOLDER)
    done = set()
    for fig in doctree.findall(nodes.figure):
        name = next((n for n in fig.get("names", []) if n in by_name), None)
        if name is None:
            continue
        links = " · ".join(
            f'<a class="report-download" href="{prefix}/{name}.{ext}" download="{name}.{ext}" '
            f'data-format="{ext}">{label}</a>' for ext, label in LABELS.items())
        html = f'<p class="report-downloads">Download this figure: {links}</p>'
        fig += nodes.raw("", html, format="html")
        done.add(name)
    missing = sorted(set(by_name) - done)
    if missing:
        LOGGER.warning(f"{docname}: chart figures {missing} not found in the page; no download links",
                       type="report", subtype="downloads")


TITLE = "Deep Learning's Diminishing Returns, re-examined: a reproducible report"
AUTHOR = "{The report's developers}"
EXAMPLES = {"number": "evidence_n_models", "figure": "fig-evidence-frontier"}


def bibtex(kind: str, version: str, date: str, what: str = "") -> str:
    """BibTeX for the report (``kind='report'``), one number (``'number'``, ``what`` = its key in
    results.json) or one figure (``'figure'``, ``what`` = its name)."""
    tag = "v" + version.replace(".", "_")
    tex_what = what.replace("_", r"\_")
    if kind == "report":
        key, title, note = f"dldr_reexamined_{tag}", TITLE, f"Version {version}"
        kind_line = ["  type    = {Reproducible report},"]
        entry = "techreport"
    elif kind == "number":
        key = f"dldr_reexamined_{tag}_{what}"
        title = f"Number {tex_what} in: {TITLE}"
        note = f"Key {tex_what} of results.json, version {version}"
        kind_line, entry = [], "misc"
    elif kind == "figure":
        key = f"dldr_reexamined_{tag}_{what.replace('-', '_')}"
        title = f"Figure {what} in: {TITLE}"
        note = f"Figure {what}, version {version}; its data and metadata are {what}.csv and {what}.json"
        kind_line, entry = [], "misc"
    else:
        raise ValueError(f"unknown BibTeX kind {kind!r} (report, number or figure)")
    lines = [f"@{entry}{{{key},", f"  title   = {{{{{title}}}}},", f"  author  = {{{AUTHOR}}},",
             f"  year    = {{{date[:4]}}},", f"  date    = {{{date}}},", f"  version = {{{version}}},",
             *kind_line, f"  note    = {{{note}}},", "}"]
    return "\n".join(lines)


class ReportBibtexDirective(SphinxDirective):
    """``{report-bibtex} report|number|figure``: a BibTeX block with the report's version and date."""

    required_arguments = 1
    optional_arguments = 1

    def run(self):
        kind = self.arguments[0]
        what = self.arguments[1] if len(self.arguments) > 1 else EXAMPLES.get(kind, "")
        text = bibtex(kind, downloads.report_version(), release_date(), what)
        block = nodes.literal_block(text, text, language="bibtex")
        return [block]


def setup(app: Sphinx):
    app.add_directive("report-bibtex", ReportBibtexDirective)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _html_page_context)
    app.connect("doctree-resolved", _doctree_resolved)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
