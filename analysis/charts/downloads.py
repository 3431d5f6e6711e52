"""Downloads for every chart: SVG, PNG, the plotted data as CSV and a metadata JSON.

The book's Sphinx extension (``book/_ext/report_downloads.py``) calls :func:`figure_downloads` once
per chapter at build time. Everything here works offline: the images are drawn by
``vl-convert-python`` from the same Vega-Lite spec the page draws, the CSV holds exactly the rows
embedded in that spec, and the metadata names the function that made the chart, the chapter's data
tables with their sources, the licence and the report's version.

Nothing here edits a chart or a spec: the chart's spec is read back from the glued output, where
:func:`analysis.charts.theme.spec_json` wrote it with sorted keys (so it starts with ``{"$schema"``).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths

#: Tables derived in part from Papers with Code (CC BY-SA 4.0): a chart drawn from them is shared alike.
SHARE_ALIKE_TABLES = frozenset({"imagenet_models.csv", "imagenet_excluded.csv"})
CODE_LICENCE = "MIT"
FIGURE_LICENCE = "CC-BY-4.0"
SHARE_ALIKE_LICENCE = "CC-BY-SA-4.0"
FORMATS = ("svg", "png", "csv", "json")
SCHEMA_PREFIX = '{"$schema":"https://vega.github.io/schema/vega-lite'
_FIGURE_RE = re.compile(r"^```\{glue:figure\}\s+(?P<key>\S+)\s*\n(?P<opts>(?::[^\n]*\n)*)", re.MULTILINE)
_NAME_RE = re.compile(r"^:name:\s*(?P<name>\S+)", re.MULTILINE)
_CELL_RE = re.compile(r"^```\{code-cell\}[^\n]*\n(?P<code>.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class FigureDownload:
    """One chart's downloadable files (name without extension) and their metadata."""

    name: str
    glue_key: str
    spec: dict
    metadata: dict = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def report_version() -> str:
    """The report's version: the ``version`` of ``pyproject.toml`` (one source for the book,
    ``CITATION.cff``, ``.zenodo.json`` and the downloads).

    >>> report_version().count(".") >= 1
    True
    """
    import tomllib

    with (paths.ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def spec_from_html(html: str) -> dict | None:
    """The Vega-Lite spec embedded in a chart's HTML output, or None when the HTML holds no chart.

    >>> spec_from_html('<div></div><script>var s = {"$schema":"https://vega.github.io/schema/vega-lite/v6.json","mark":"point"};</script>')["mark"]
    'point'
    """
    start = html.find(SCHEMA_PREFIX)
    if start < 0:
        return None
    spec, _ = json.JSONDecoder().raw_decode(html.replace("<\\/", "</")[start:])
    return spec


def figure_names(source: str) -> dict[str, str]:
    """``{figure name: glue key}`` for every ``glue:figure`` with a ``:name:`` in a MyST source."""
    out = {}
    for m in _FIGURE_RE.finditer(source):
        name = _NAME_RE.search(m.group("opts"))
        if name:
            out[name.group("name")] = m.group("key")
    return out


def _cell_code(block: str) -> str:
    """A code cell's Python: without its leading MyST options (``:tags: [...]`` lines or a ``---`` block)."""
    lines = block.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1:]
    while lines and re.match(r"^:[\w-]+:", lines[0]):
        lines = lines[1:]
    return "\n".join(lines)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def producers(source: str) -> dict[str, str]:
    """``{glue key: fully qualified function}`` for every ``glue("key", f(...))`` in the code cells of
    a MyST notebook, with import aliases resolved (``cch.tornado_figure`` ->
    ``analysis.charts.cost.tornado_figure``)."""
    aliases: dict[str, str] = {}
    calls: dict[str, str] = {}
    for m in _CELL_RE.finditer(source):
        try:
            tree = ast.parse(_cell_code(m.group("code")))
        except SyntaxError:
            continue  # a cell with IPython magics: it cannot make a chart we glue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    aliases[a.asname or a.name] = a.name
            elif (isinstance(node, ast.Call) and _dotted(node.func) == "glue" and len(node.args) >= 2
                  and isinstance(node.args[0], ast.Constant) and isinstance(node.args[1], ast.Call)):
                func = _dotted(node.args[1].func)
                if func:
                    calls[node.args[0].value] = func
    out = {}
    for key, func in calls.items():
        head, _, rest = func.partition(".")
        base = aliases.get(head, head)
        out[key] = f"{base}.{rest}" if rest else base
    return out


def chapter_tables(source: str) -> list[str]:
    """The tables in ``data/`` read by the analysis modules a chapter imports (from
    :data:`analysis.inventory.TABLES`, which names the module that loads each table)."""
    from ..inventory import TABLES

    imported: set[str] = set()
    for m in _CELL_RE.finditer(source):
        for line in _cell_code(m.group("code")).splitlines():
            fm = re.match(r"\s*from\s+analysis\s+import\s+(.+)", line)
            if fm:
                imported |= {f"analysis.{n.strip().split(' as ')[0]}" for n in fm.group(1).split(",")}
            im = re.match(r"\s*(?:import|from)\s+(analysis\.[\w.]+)", line)
            if im:
                imported.add(im.group(1))
    return sorted(t for t, (_, _, loader) in TABLES.items() if loader in imported)


def _datasets(spec: dict) -> list[list[dict]]:
    """Every table of rows a spec embeds: top-level ``datasets`` and inline ``data.values``."""
    found: list[list[dict]] = [rows for _, rows in sorted((spec.get("datasets") or {}).items())]

    def walk(node):
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                found.append(data["values"])
            for k, v in node.items():
                if k not in ("datasets", "data"):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return [rows for rows in found if rows and all(isinstance(r, dict) for r in rows)]


def spec_csv(spec: dict) -> str:
    """The rows a chart plots, as CSV. A chart with several tables (layers) gets a first column
    ``table`` numbering them from 1; columns are the union, in first-seen order."""
    tables = _datasets(spec)
    columns: list[str] = []
    for rows in tables:
        for row in rows:
            columns += [c for c in row if c not in columns]
    several = len(tables) > 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((["table"] if several else []) + columns)
    for i, rows in enumerate(tables, start=1):
        for row in rows:
            writer.writerow(([i] if several else []) + ["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


def _table_sources(tables: list[str]) -> list[dict]:
    from ..inventory import TABLES

    out = []
    for t in tables:
        what, how, loader = TABLES[t]
        out.append({"table": f"data/{t}", "holds": what, "obtained": how, "loaded_by": loader,
                    "licence": SHARE_ALIKE_LICENCE if t in SHARE_ALIKE_TABLES else FIGURE_LICENCE,
                    "sources": "each row names its public source; upstream files and licences are listed "
                               "in data/README.md and data/datapackage.json"})
    return out


def figure_downloads(source: str, glue: dict, *, chapter: str, source_path: str, title: str = "",
                     images: bool = True) -> list[FigureDownload]:
    """The downloads of every named chart figure of one chapter.

    Parameters
    ----------
    source : str
        The chapter's MyST source (its ``glue:figure`` directives and code cells are read).
    glue : dict
        The chapter's glued outputs (``<chapter>.glue.json`` written by myst-nb).
    chapter, source_path, title : str
        The chapter's document name, its source file relative to the repository and its title.
    images : bool
        Draw SVG and PNG (False for a quick listing, e.g. in tests).

    Returns
    -------
    list of FigureDownload
        One per chart figure, with ``files`` keyed by extension (see :data:`FORMATS`).

    Raises
    ------
    ValueError
        If a named figure's glued output holds no chart spec.
    """
    made_by = producers(source)
    tables = chapter_tables(source)
    licence = SHARE_ALIKE_LICENCE if SHARE_ALIKE_TABLES & set(tables) else FIGURE_LICENCE
    version = report_version()
    out = []
    for name, key in figure_names(source).items():
        output = glue.get(key)
        if output is None:
            raise ValueError(f"{source_path}: figure {name!r} shows glue key {key!r}, which the chapter never glued")
        spec = spec_from_html((output.get("data") or {}).get("text/html", ""))
        if spec is None:
            continue  # a glued table or image, not a chart
        meta = {
            "figure": name,
            "title": title,
            "description": spec.get("description", ""),
            "chapter": chapter,
            "notebook": source_path,
            "glue_key": key,
            "producer": made_by.get(key, ""),
            "data_tables": _table_sources(tables),
            "inputs": ("the chapter's data tables listed in data_tables" if tables else
                       "no data table: the chart is drawn from what the chapter computes (seeded simulations)"),
            "csv": "exactly the rows embedded in the chart, at the report's published precision",
            "licence": licence,
            "code_licence": CODE_LICENCE,
            "report_version": version,
            "cite": "see the How to cite page (book/cite.md) and CITATION.cff",
        }
        fig = FigureDownload(name=name, glue_key=key, spec=spec, metadata=meta)
        fig.files["csv"] = spec_csv(spec).encode("utf-8")
        fig.files["json"] = (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        if images:
            import vl_convert as vlc
            from altair.utils._importers import vl_version_for_vl_convert

            vl = vl_version_for_vl_convert()
            fig.files["svg"] = vlc.vegalite_to_svg(spec, vl_version=vl).encode("utf-8")
            fig.files["png"] = vlc.vegalite_to_png(spec, vl_version=vl, scale=2, ppi=144)
        out.append(fig)
    return out


def write_downloads(figures: list[FigureDownload], folder: Path) -> list[Path]:
    """Write each figure's files as ``folder/<name>.<ext>``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fig in figures:
        for ext, data in fig.files.items():
            path = folder / f"{fig.name}.{ext}"
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            written.append(path)
    return written
