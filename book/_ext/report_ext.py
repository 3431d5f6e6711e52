"""The book's own Sphinx extension.

1. **Offline charts.** Writes the Vega / Vega-Lite / Vega-Embed runtime (from the bundle that
   ships inside ``vl-convert-python``) to ``_static/altair-offline.js`` and adds it, as a plain
   synchronous script, to the pages that contain a chart, and only to those.
2. **Offline math.** Copies MathJax 3 (from the ``sphinx-mathjax-offline`` wheel, which carries
   the files; its own extension is not loaded) to ``_static/mathjax``; ``_config.yml`` points
   ``mathjax_path`` there, so no page loads MathJax from a CDN.
3. **Numbers.** Collects every number glued with :func:`analysis.numbers.glue_number` (the glue
   outputs that carry ``report`` metadata), checks that keys are unique across the book, writes
   ``results.json`` at the site root and fills the ``report-numbers`` directive with a table.
4. **Scorecard.** The scorecard notebook reads every other chapter's glued numbers while it
   executes: ``DLDR_GLUE_DIR`` points its kernel at myst-nb's glue files, the scorecard is read
   last and re-read (and, being ``execution_mode: force``, re-executed) whenever any page is
   rebuilt. ``scorecard.json`` is written beside ``results.json`` from the same numbers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from analysis.numbers import GLUE_MIME, METADATA_KEY, SIG_DIGITS  # one definition of each, not two

LOGGER = logging.getLogger(__name__)
VEGA_JS = "altair-offline.js"
CSS_FILE = "report.css"
RESULTS_JSON = "results.json"
SCORECARD_JSON = "scorecard.json"
SCORECARD_DOC = "notebooks/scorecard"
GLUE_DIR_ENV = "DLDR_GLUE_DIR"  # read by analysis.scorecard_page.glued_results
CHART_MARKER = 'class="report-chart"'

# The MathJax files a page needs: the combined component, and what it may load on demand.
MATHJAX_KEEP = ("tex-mml-chtml.js", "output/chtml", "input/tex/extensions", "a11y", "ui", "sre", "adaptors")


# --------------------------------------------------------------------------- offline assets
def _write_vega(app: Sphinx) -> None:
    from analysis import charts

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    target = static / VEGA_JS
    text = charts.javascript_bundle()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def _copy_mathjax(app: Sphinx) -> None:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "MathJax for offline use not found: pip install sphinx-mathjax-offline (see requirements.txt)"
        )
    source = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    for rel in MATHJAX_KEEP:
        src = source / rel
        if src.is_dir():
            shutil.copytree(src, target / rel, dirs_exist_ok=True)
        elif src.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / rel)
        else:
            raise RuntimeError(f"MathJax file {src} missing from sphinx-mathjax-offline")


def _builder_inited(app: Sphinx) -> None:
    # Kernels started from here on inherit it: the scorecard reads the chapters' glue files there.
    _glue_dir(app).mkdir(parents=True, exist_ok=True)
    os.environ[GLUE_DIR_ENV] = str(_glue_dir(app))
    if app.builder.format != "html":
        return
    _write_vega(app)
    _copy_mathjax(app)
    static = Path(app.outdir) / "_static"
    shutil.copy2(Path(__file__).with_name(CSS_FILE), static / CSS_FILE)
    app.add_css_file(CSS_FILE)


def _html_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if CHART_MARKER in (context.get("body") or ""):
        # Called within html-page-context, add_js_file adds the script to this page only.
        app.add_js_file(VEGA_JS, priority=200)


# --------------------------------------------------------------------------- glued numbers
def _glue_dir(app: Sphinx) -> Path:
    return Path(app.outdir).parent / "jupyter_execute"


def collect_numbers(app: Sphinx) -> dict[str, dict]:
    """All numbers glued with report metadata, keyed by glue key, from every document."""
    from myst_nb.sphinx_ import NbMetadataCollector

    env = app.env
    doc_data = NbMetadataCollector.get_doc_data(env)
    seen: dict[str, str] = {}
    numbers: dict[str, dict] = {}
    for docname in sorted(env.found_docs):
        keys = doc_data.get(docname, {}).get("glue", [])
        if not keys:
            continue
        path = _glue_dir(app).joinpath(*docname.split("/")).with_name(docname.split("/")[-1] + ".glue.json")
        if not path.exists():
            LOGGER.warning(f"glue data for {docname} not found at {path}", type="report", subtype="glue")
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        title = env.titles[docname].astext() if docname in env.titles else docname
        for key, output in data.items():
            if key in seen and seen[key] != docname:
                LOGGER.warning(
                    f"glue key {key!r} is defined in both {seen[key]} and {docname}; keys must be unique "
                    "across the book",
                    type="report",
                    subtype="glue",
                )
            seen[key] = docname
            meta = (output.get("metadata") or {}).get(METADATA_KEY)
            if meta is None:
                continue  # figures, tables and other glued objects are not numbers
            text = output.get("data", {}).get(GLUE_MIME)
            value = json.loads(text) if text is not None else None
            entry = {
                "value": value,
                "unit": meta.get("unit", ""),
                "chapter": docname,
                "title": title,
                "page": app.builder.get_target_uri(docname) if hasattr(app.builder, "get_target_uri") else docname,
            }
            if isinstance(value, float):
                entry["digits"] = meta.get("digits", SIG_DIGITS)
            if meta.get("note"):
                entry["note"] = meta["note"]
            numbers[key] = entry
    return dict(sorted(numbers.items()))


class report_numbers(nodes.General, nodes.Element):
    """Placeholder replaced by the table of glued numbers once all documents are read."""


class ReportNumbersDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [report_numbers("")]


def _format_value(value, digits: int = SIG_DIGITS) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _toc_order(app: Sphinx) -> list[str]:
    """Documents in reading order (depth-first through the toctrees from the root document)."""
    order: list[str] = []

    def visit(doc: str) -> None:
        if doc in order:
            return
        order.append(doc)
        for child in app.env.toctree_includes.get(doc, []):
            visit(child)

    visit(app.config.root_doc)
    return order


def _numbers_table(app: Sphinx, fromdocname: str, numbers: dict[str, dict]) -> list[nodes.Node]:
    order = {doc: i for i, doc in enumerate(_toc_order(app))}
    chapters = sorted({e["chapter"] for e in numbers.values()}, key=lambda d: (order.get(d, len(order)), d))
    out: list[nodes.Node] = [nodes.paragraph(text=(
        f"Published precision: every non-integer number is rounded once, where it is glued, to "
        f"{SIG_DIGITS} significant digits (a key that needs another precision says so in results.json, "
        f"field digits); counts and years are exact integers. The prose prints fewer digits where "
        f"it says so; this table and results.json hold the published value."))]
    for chapter in chapters:
        entries = {k: e for k, e in numbers.items() if e["chapter"] == chapter}
        title = next(iter(entries.values()))["title"]
        heading = nodes.paragraph(classes=["report-numbers-chapter"])
        heading += nodes.strong("", "", nodes.reference(
            "", title, internal=True, refuri=app.builder.get_relative_uri(fromdocname, chapter)))
        heading += nodes.Text(f" ({len(entries)} numbers)")
        out.append(heading)
        table = nodes.table(classes=["report-numbers"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (36, 22, 42):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        row = nodes.row()
        for label in ("key", "value", "what it is"):
            row += nodes.entry("", nodes.paragraph(text=label))
        head += row
        body = nodes.tbody()
        group += body
        for key, entry in entries.items():
            row = nodes.row(ids=[f"number-{key.replace('_', '-')}"])
            row += nodes.entry("", nodes.paragraph("", "", nodes.literal(text=key)))
            value = _format_value(entry["value"], entry.get("digits", SIG_DIGITS)) + (f" {entry['unit']}" if entry["unit"] else "")
            row += nodes.entry("", nodes.paragraph(text=value))
            row += nodes.entry("", nodes.paragraph(text=entry.get("note", "")))
            body += row
        out.append(table)
    return out


def _doctree_resolved(app: Sphinx, doctree, fromdocname: str) -> None:
    placeholders = list(doctree.findall(report_numbers))
    if not placeholders:
        return
    numbers = collect_numbers(app)
    for node in placeholders:
        node.replace_self(_numbers_table(app, fromdocname, numbers) or [nodes.paragraph(text="No numbers yet.")])


def _env_get_outdated(app, env, added, changed, removed):
    # The Numbers page and the scorecard depend on every notebook: rebuild them whenever anything is rebuilt.
    if not (added or changed or removed):
        return []
    return [doc for doc in env.found_docs if doc.endswith("numbers") or doc == SCORECARD_DOC]


def _env_before_read_docs(app, env, docnames: list[str]) -> None:
    # The scorecard executes last, after every chapter's glue file is written (in place, as Sphinx asks).
    if SCORECARD_DOC in docnames:
        docnames.remove(SCORECARD_DOC)
        docnames.append(SCORECARD_DOC)


def write_scorecard(outdir: Path, numbers: dict[str, dict]) -> Path:
    """Write ``scorecard.json`` from the book's numbers (the mapping of ``results.json``)."""
    from analysis import scorecard, scorecard_page, tables

    scored = scorecard_page.add_links(scorecard.score_claims(tables.load_article_claims(), numbers))
    data = scorecard_page.scorecard_records(scored, scorecard.verdict_counts(scored))
    out = Path(outdir) / SCORECARD_JSON
    out.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def _build_finished(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    numbers = collect_numbers(app)
    out = Path(app.outdir) / RESULTS_JSON
    out.write_text(json.dumps(numbers, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if SCORECARD_DOC in app.env.found_docs:
        write_scorecard(Path(app.outdir), numbers)


def setup(app: Sphinx):
    app.add_node(
        report_numbers,
        html=(lambda self, node: None, lambda self, node: None),
        latex=(lambda self, node: None, lambda self, node: None),
    )
    app.add_directive("report-numbers", ReportNumbersDirective)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _html_page_context)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("env-get-outdated", _env_get_outdated)
    app.connect("env-before-read-docs", _env_before_read_docs)
    app.connect("build-finished", _build_finished)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
