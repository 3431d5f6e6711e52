"""The book's own Sphinx extension.

1. **Offline charts.** Writes the Vega / Vega-Lite / Vega-Embed runtime (from the bundle that
   ships inside ``vl-convert-python``) to ``_static/altair-offline.js`` and adds it, as a plain
   synchronous script, to the pages that contain a chart, and only to those.
2. **Math without a runtime.** The HTML builder writes math as MathML (``latex2mathml`` at build
   time; browsers draw MathML natively), so no page loads a math runtime; a formula that cannot
   be converted fails the build with its text. MathJax 3 (from the ``sphinx-mathjax-offline``
   wheel) is still copied to ``_static/mathjax`` for ``_config.yml``'s ``mathjax_path`` should
   the renderer ever be switched back.
3. **Numbers.** Collects every number glued with :func:`analysis.numbers.glue_number` (the glue
   outputs that carry ``report`` metadata), checks that keys are unique across the book, writes
   ``results.json`` at the site root and fills the ``report-numbers`` directive with a table that
   can be searched and filtered in the page (``report-tables.js``), giving each number's
   provenance (the function or cell that made it, its data inputs) and a link to its first use.
4. **Anchors at glue sites.** ``{glue:text}`` is replaced by a subclass that gives the first use
   of each key on a page the id ``num-<key>`` (underscores as hyphens), so the Numbers page can
   link to the sentence that uses it.
5. **Tables.** Pages with DataFrame tables (e.g. the evidence chapter) get ``report-tables.js``
   too: each table can be sorted by a column and filtered in the page, offline.
6. **Scorecard.** The scorecard notebook reads every other chapter's glued numbers while it
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
TABLES_JS = "report-tables.js"
TABLE_MARKERS = ('class="dataframe', "report-numbers")
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
    shutil.copy2(Path(__file__).with_name(TABLES_JS), static / TABLES_JS)
    app.add_css_file(CSS_FILE)


def _html_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if 'role="doc-biblioentry"' in body:
        # docutils marks each bibliography entry doc-biblioentry (deprecated in ARIA 1.2) inside a
        # role="list"; a list needs listitem children (axe-core: aria-required-children, critical).
        body = context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')
    # Called within html-page-context, add_js_file adds the script to this page only.
    if CHART_MARKER in body:
        app.add_js_file(VEGA_JS, priority=200)
    if any(marker in body for marker in TABLE_MARKERS):
        app.add_js_file(TABLES_JS, priority=500, defer="defer")


# --------------------------------------------------------------------------- math as MathML
def _mathml(latex: str, display: str) -> str:
    import html as _html

    from latex2mathml.converter import convert

    try:
        out = convert(latex.strip(), display=display)
    except Exception as exc:  # latex2mathml raises a variety of errors; name the formula
        raise ValueError(f"cannot convert this formula to MathML: {latex!r} ({exc})") from exc
    return out.replace("<math ", f'<math alttext="{_html.escape(latex.strip(), quote=True)}" ', 1)


def _visit_math_inline(self, node) -> None:
    try:
        self.body.append(_mathml(node.astext(), "inline"))
    except ValueError as exc:
        LOGGER.warning(str(exc), location=node, type="report", subtype="math")
        self.body.append(self.encode(node.astext()))
    raise nodes.SkipNode


def _visit_math_block(self, node) -> None:
    latex = node.astext()
    if node.get("number") and node.get("ids"):
        self.body.append(f'<div class="math-wrapper" tabindex="0" id="{node["ids"][0]}">')
    else:  # tabindex: a formula wider than a phone scrolls in its box, reachable by keyboard
        self.body.append('<div class="math-wrapper" tabindex="0">')
    if node.get("number"):  # "(2.1)" as Sphinx's own renderers write it, with a link to itself
        from sphinx.util.math import get_node_equation_number

        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    try:
        self.body.append(_mathml(latex, "block"))
    except ValueError as exc:
        LOGGER.warning(str(exc), location=node, type="report", subtype="math")
        self.body.append(self.encode(latex))
    self.body.append("</div>\n")
    raise nodes.SkipNode


# --------------------------------------------------------------------------- anchors at glue sites
def anchor_id(key: str) -> str:
    """The HTML id of a key's first use on its page (``num-`` and the key with hyphens)."""
    return "num-" + key.replace("_", "-")


def _glue_text_role():
    from myst_nb.ext.glue.roles import PasteTextRole

    class AnchoredPasteTextRole(PasteTextRole):
        """``{glue:text}`` whose first use of a key on a page carries the id :func:`anchor_id`."""

        def run(self):
            result, messages = super().run()
            key = self.text.rsplit(":", 1)[0] if ":" in self.text else self.text
            if "::" in key or not result or not isinstance(result[0], nodes.inline):
                return result, messages
            env = self.document.settings.env
            used = env.temp_data.setdefault("report_glue_used", set())
            if key not in used:
                used.add(key)
                result[0]["ids"].append(anchor_id(key))
                result[0]["classes"].append("report-number")
                uses = getattr(env, "report_glue_uses", None)
                if uses is None:
                    uses = env.report_glue_uses = {}
                uses.setdefault(env.docname, set()).add(key)
            return result, messages

    return AnchoredPasteTextRole()


def _env_purge_doc(app, env, docname) -> None:
    getattr(env, "report_glue_uses", {}).pop(docname, None)


def _env_merge_info(app, env, docnames, other) -> None:
    uses = getattr(env, "report_glue_uses", None)
    if uses is None:
        uses = env.report_glue_uses = {}
    for doc in docnames:
        if doc in getattr(other, "report_glue_uses", {}):
            uses[doc] = other.report_glue_uses[doc]


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
            entry["source"] = meta.get("source", "")
            entry["inputs"] = list(meta.get("inputs", []))
            used_here = key in getattr(env, "report_glue_uses", {}).get(docname, set())
            entry["anchor"] = entry["page"] + (f"#{anchor_id(key)}" if used_here else "")
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


def _slug(docname: str) -> str:
    return docname.replace("/", "-").replace("_", "-")


def _filter_controls(chapters: list[tuple[str, str]]) -> nodes.raw:
    import html as _html

    options = "".join(
        f'<option value="{_html.escape(_slug(doc))}">{_html.escape(title)}</option>' for doc, title in chapters
    )
    return nodes.raw("", (
        '<div class="report-numbers-filter" role="search">'
        '<label>Find a key or word <input type="search" id="report-numbers-query" '
        'placeholder="e.g. gamma, usd, slope" autocomplete="off"></label> '
        f'<label>Chapter <select id="report-numbers-chapter"><option value="">all chapters</option>{options}'
        '</select></label> '
        '<span id="report-numbers-count" aria-live="polite"></span>'
        '</div>'
    ), format="html")


def _provenance(entry: dict) -> nodes.paragraph:
    para = nodes.paragraph(classes=["report-provenance"])
    para += nodes.Text(entry.get("source") or "not recorded")
    inputs = entry.get("inputs", [])
    para += nodes.Text("; data read by then: " + (", ".join(inputs) if inputs else "none (no data file)"))
    return para


def _numbers_table(app: Sphinx, fromdocname: str, numbers: dict[str, dict]) -> list[nodes.Node]:
    order = {doc: i for i, doc in enumerate(_toc_order(app))}
    chapters = sorted({e["chapter"] for e in numbers.values()}, key=lambda d: (order.get(d, len(order)), d))
    out: list[nodes.Node] = [nodes.paragraph(text=(
        f"Published precision: every non-integer number is rounded once, where it is glued, to "
        f"{SIG_DIGITS} significant digits (a key that needs another precision says so in results.json, "
        f"field digits); counts and years are exact integers. The prose prints fewer digits where "
        f"it says so; this table and results.json hold the published value."))]
    titles = [(c, next(e["title"] for e in numbers.values() if e["chapter"] == c)) for c in chapters]
    out.append(_filter_controls(titles))
    for chapter, title in titles:
        entries = {k: e for k, e in numbers.items() if e["chapter"] == chapter}
        section = nodes.container(classes=["report-numbers-section"], ids=[f"numbers-{_slug(chapter)}"])
        heading = nodes.paragraph(classes=["report-numbers-chapter"])
        heading += nodes.strong("", "", nodes.reference(
            "", title, internal=True, refuri=app.builder.get_relative_uri(fromdocname, chapter)))
        heading += nodes.Text(f" ({len(entries)} numbers)")
        section += heading
        table = nodes.table(classes=["report-numbers"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (30, 16, 30, 24):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        row = nodes.row()
        for label in ("key (links to its use)", "value", "what it is", "made by, from"):
            row += nodes.entry("", nodes.paragraph(text=label))
        head += row
        body = nodes.tbody()
        group += body
        for key, entry in entries.items():
            row = nodes.row(ids=[f"number-{key.replace('_', '-')}"])
            target = app.builder.get_relative_uri(fromdocname, chapter) + (
                "#" + entry["anchor"].split("#", 1)[1] if "#" in entry.get("anchor", "") else "")
            row += nodes.entry("", nodes.paragraph("", "", nodes.reference(
                "", "", nodes.literal(text=key), internal=True, refuri=target)))
            value = _format_value(entry["value"], entry.get("digits", SIG_DIGITS)) + (f" {entry['unit']}" if entry["unit"] else "")
            row += nodes.entry("", nodes.paragraph(text=value))
            row += nodes.entry("", nodes.paragraph(text=entry.get("note", "")))
            row += nodes.entry("", _provenance(entry))
            body += row
        section += table
        out.append(section)
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
    app.add_html_math_renderer("mathml", (_visit_math_inline, None), (_visit_math_block, None))
    app.add_role_to_domain("glue", "text", _glue_text_role(), override=True)
    app.connect("env-purge-doc", _env_purge_doc)
    app.connect("env-merge-info", _env_merge_info)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _html_page_context)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("env-get-outdated", _env_get_outdated)
    app.connect("env-before-read-docs", _env_before_read_docs)
    app.connect("build-finished", _build_finished)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
