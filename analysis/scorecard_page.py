"""Where the scorecard's numbers come from, where each claim links to, and the page's table.

The scorecard notebook runs after every other chapter and reads the numbers they glued:

* in the book build, from the glue files myst-nb writes for every executed (or cached) notebook
  into ``_build/jupyter_execute`` (``<chapter>.glue.json``). The book's extension
  (``book/_ext/report_ext.py``) points ``DLDR_GLUE_DIR`` there, reads the scorecard last and
  re-executes it whenever any page is rebuilt, so it never sees a stale or missing chapter;
* elsewhere (``make goldens``, nbval), from the executed golden notebooks in ``tests/goldens``,
  each of which nbval checks against a fresh execution of its chapter.

The site export ``scorecard.json`` is computed from ``results.json``'s own mapping by the same
:func:`analysis.scorecard.score_claims`, so the page, the export and ``results.json`` agree.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from . import paths
from .numbers import GLUE_MIME, GLUE_PREFIX, METADATA_KEY
from .scorecard import VERDICTS, parse_rule, split_keys

GLUE_DIR_ENV = "DLDR_GLUE_DIR"
SCORECARD_DOC = "notebooks/scorecard"
GOLDENS = paths.TESTS / "goldens"
NUMBERS_PAGE = "book/numbers.html"  # its table gives each key the id number-<key with hyphens>


def _entry(output: Mapping[str, Any], chapter: str) -> tuple[str, dict] | None:
    meta = (output.get("metadata") or {})
    report = meta.get(METADATA_KEY)
    name = (meta.get("scrapbook") or {}).get("name")
    if report is None or name is None:
        return None  # figures, tables and other glued objects are not numbers
    data = output.get("data", {})
    text = data.get(GLUE_PREFIX + GLUE_MIME, data.get(GLUE_MIME))
    return name, {"value": json.loads(text), "unit": report.get("unit", ""), "chapter": chapter,
                  "page": chapter + ".html"}


def _add(results: dict, name: str, entry: dict, where: Path) -> None:
    if name in results and results[name]["chapter"] != entry["chapter"]:
        raise ValueError(f"glue key {name!r} is defined in both {results[name]['chapter']} and {entry['chapter']} "
                         f"({where})")
    results[name] = entry


def results_from_glue_dir(folder: Path) -> dict[str, dict]:
    """Every number glued with report metadata, from myst-nb's ``*.glue.json`` files under ``folder``."""
    folder = Path(folder)
    results: dict[str, dict] = {}
    for path in sorted(folder.rglob("*.glue.json")):
        chapter = path.relative_to(folder).as_posix().removesuffix(".glue.json")
        if chapter == SCORECARD_DOC or not (paths.ROOT / f"{chapter}.md").exists():
            continue  # itself, or a page since removed from the book (a stale glue file)
        for output in json.loads(path.read_text(encoding="utf-8")).values():
            found = _entry(output, chapter)
            if found:
                _add(results, *found, path)
    return results


def results_from_notebooks(notebooks: list[Path], folder: str = "notebooks") -> dict[str, dict]:
    """Every number glued with report metadata in executed notebooks (chapter ``folder/<stem>``)."""
    results: dict[str, dict] = {}
    for path in sorted(notebooks):
        chapter = f"{folder}/{Path(path).stem}"
        if chapter == SCORECARD_DOC:
            continue
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                found = _entry(output, chapter)
                if found:
                    _add(results, *found, path)
    return results


def glued_results() -> tuple[dict[str, dict], str]:
    """The numbers of every other chapter, and where they were read (see the module docstring)."""
    folder = os.environ.get(GLUE_DIR_ENV)
    if folder:
        if not Path(folder).is_dir():
            raise FileNotFoundError(f"{GLUE_DIR_ENV}={folder} is not a folder")
        return results_from_glue_dir(Path(folder)), "the book build's glue files"
    return results_from_notebooks(list(GOLDENS.glob("*.ipynb"))), "the executed golden notebooks (tests/goldens)"


HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def section_anchor(markdown: str, key: str) -> str | None:
    """The HTML id of the section whose prose first shows ``key`` with a ``{glue:...}`` role.

    ``None`` when the key is glued but not shown in the prose (then link to the page). The id is
    what docutils makes of the heading text (lower case, hyphens), without MyST's ``$`` and
    backticks; the site test checks every anchor exists on its page.
    """
    from docutils.nodes import make_id

    role = re.compile(r"\{glue(?::[a-z]+)?\}`" + re.escape(key) + r"(?:[:`])")
    heading, depth, in_code = None, 0, False
    for line in markdown.splitlines():
        if line.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        m = HEADING.match(line)
        if m:
            heading, depth = m.group(2), len(m.group(1))
            continue
        if role.search(line):
            if heading is None or depth == 1:
                return None  # before the first section: the page itself
            return make_id(heading.replace("$", "").replace("`", "")) or None
    return None


def add_links(scored: pd.DataFrame, root: Path = paths.ROOT) -> pd.DataFrame:
    """Add ``page`` (site-root relative) and ``anchor`` to each scored claim.

    A claim links to the chapter that glues its first result key, at the section showing it; an
    ``all_of`` claim to its first part's; a claim with no key and no chapter page has no link.
    ``number_link`` points at its first key's row on the Numbers page.
    """
    out = scored.copy()
    by_id = {r.claim_id: r for r in out.itertuples()}
    pages, anchors = [], []
    cache: dict[str, str] = {}
    for row in out.itertuples():
        src = row
        rule = parse_rule(row.rule)
        if rule.name == "all_of":
            src = by_id[rule.param[0]]
        keys = split_keys(src.result_keys)
        doc = src.key_chapter or ""
        if not keys or not doc:
            pages.append("")
            anchors.append("")
            continue
        md = root / (doc + ".md")
        if doc not in cache:
            cache[doc] = md.read_text(encoding="utf-8") if md.exists() else ""
        pages.append(doc + ".html")
        anchors.append(section_anchor(cache[doc], keys[0]) or "")
    out["page"], out["anchor"] = pages, anchors
    out["number_link"] = [f"{NUMBERS_PAGE}#number-{split_keys(r.result_keys)[0].replace('_', '-')}"
                          if split_keys(r.result_keys) else "" for r in out.itertuples()]
    return out


def scorecard_records(linked: pd.DataFrame, counts: Mapping[str, int]) -> dict:
    """The ``scorecard.json`` export: counts and one record per claim (links relative to the site root)."""
    records = []
    for row in linked.to_dict("records"):
        row["link"] = row["page"] + (f"#{row['anchor']}" if row["anchor"] else "") if row["page"] else ""
        records.append(row)
    return {"counts": dict(counts), "verdicts": list(VERDICTS), "claims": records}


COLGROUP = "<colgroup>" + "".join(f'<col style="width: {w}%">' for w in (15, 30, 11, 14, 21, 9)) + "</colgroup>"
CSS_CLASS = {"reproduced": "sc-yes", "partly reproduced": "sc-partly", "not reproduced": "sc-no",
             "not testable": "sc-untestable"}

SCRIPT = """<script>
(function () {
  var root = document.getElementById("scorecard");
  var chapter = root.querySelector("select[name=chapter]");
  var verdict = root.querySelector("select[name=verdict]");
  var shown = root.querySelector(".sc-shown");
  function apply() {
    var n = 0;
    root.querySelectorAll("tbody tr").forEach(function (tr) {
      var ok = (!chapter.value || tr.dataset.chapter === chapter.value) &&
               (!verdict.value || tr.dataset.verdict === verdict.value);
      tr.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n;
  }
  chapter.addEventListener("change", apply);
  verdict.addEventListener("change", apply);
  apply();
})();
</script>"""


def _rule_param(rule: str) -> str:
    name, _, param = rule.partition(":")
    return f":{param}" if name in ("within_factor", "within_abs") else ""


def _options(name: str, label: str, values: list[str]) -> str:
    opts = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)
    return f'<label>{label} <select name="{name}"><option value="">all</option>{opts}</select></label>'


def scorecard_html(linked: pd.DataFrame, here: str = "notebooks/scorecard", chapters: list[str] | None = None) -> str:
    """The scorecard as an HTML table with two filters (chapter, verdict) that work offline.

    ``here`` is the docname of the page showing it, so links are relative to it; ``chapters`` sets
    the order of the chapter filter (default: order of first appearance).
    """
    chapters = chapters or list(dict.fromkeys(linked["chapter"]))
    base = posixpath.dirname(here)
    e = html.escape
    rows = []
    for r in linked.itertuples():
        link = ""
        if r.page:
            href = posixpath.relpath(r.page, base) + (f"#{r.anchor}" if r.anchor else "")
            link = f'<a href="{e(href)}">{e(posixpath.basename(r.page).removesuffix(".html"))}</a>'
        if r.number_link:
            link += f' (<a href="{e(posixpath.relpath(r.number_link.partition("#")[0], base))}#{e(r.number_link.partition("#")[2])}">number</a>)'
        published = f"{r.published:.6g}"
        rows.append(
            f'<tr id="claim-{e(r.claim_id.replace("_", "-"))}" data-chapter="{e(r.chapter)}" data-verdict="{e(r.verdict)}">'
            f'<td><code>{e(r.claim_id)}</code><br><small>{e(r.chapter)}</small></td>'
            f'<td>{e(r.claim)} <a href="{e(r.source)}">source</a>{"" if r.wording_checked == "yes" else " (wording not checked)"}</td>'
            f'<td>{e(published)} {e(r.unit)}</td><td>{e(r.ours)}</td>'
            f'<td class="{CSS_CLASS[r.verdict]}"><strong>{e(r.verdict)}</strong>: {e(r.why)}'
            f'<br><small>rule <code>{e(r.rule.split(":")[0])}{e(_rule_param(r.rule))}</code></small></td><td>{link}</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("claim id, chapter", "claim", "published", "ours", "verdict", "where"))
    return (f'<div id="scorecard" class="report-scorecard"><p>{_options("chapter", "Chapter", chapters)} '
            f'{_options("verdict", "Verdict", list(VERDICTS))} <span class="sc-shown">{len(rows)}</span> of '
            f'{len(rows)} claims shown.</p><table class="report-scorecard-table" style="table-layout: fixed; width: 100%">{COLGROUP}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>\n{SCRIPT}')
