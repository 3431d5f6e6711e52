"""Per-figure downloads (analysis.charts.downloads) on a constructed chapter, and the evidence
chapter's data downloads."""

from __future__ import annotations

import csv
import io
import json
import re

import altair as alt
import pandas as pd
import pytest

from analysis import charts
from analysis.charts import downloads
from analysis.paths import ROOT

SOURCE = '''# A chapter

```{code-cell} ipython3
:tags: [hide-input]

from analysis import evidence
from analysis.charts import evidence as ev_charts
from myst_nb import glue
glue("fig_a", ev_charts.coverage_chart(models), display=False)
glue("n_rows", 3, display=False)
```

```{glue:figure} fig_a
:name: fig-a

A caption.
```

```{glue:figure} fig_unnamed
A figure without a name gets no downloads.
```
'''


def _chart():
    df = pd.DataFrame({"year": [2012, 2020], "error": [0.4, 0.1], "model": ["AlexNet", "EfficientNet-L2"]})
    return alt.Chart(df).mark_point().encode(x="year:Q", y="error:Q").properties(
        description="Two points, for the test")


def _glue(chart) -> dict:
    charts.enable()
    return {"fig_a": {"data": {"text/html": charts.render_html(chart.to_dict())}}}


def test_names_producers_and_tables_are_read_from_the_source():
    assert downloads.figure_names(SOURCE) == {"fig-a": "fig_a"}
    assert downloads.producers(SOURCE)["fig_a"] == "analysis.charts.evidence.coverage_chart"
    assert "imagenet_models.csv" in downloads.chapter_tables(SOURCE)


def test_spec_round_trips_through_the_rendered_html():
    chart = _chart()
    glue = _glue(chart)
    spec = downloads.spec_from_html(glue["fig_a"]["data"]["text/html"])
    assert spec["description"] == "Two points, for the test"
    assert downloads.spec_from_html("<p>no chart</p>") is None


def test_figure_files_are_valid_and_hold_the_plotted_rows():
    figs = downloads.figure_downloads(SOURCE, _glue(_chart()), chapter="notebooks/x", source_path="notebooks/x.md",
                                      title="A chapter")
    assert [f.name for f in figs] == ["fig-a"]
    files = figs[0].files
    assert files["svg"].lstrip().startswith(b"<svg") and b"</svg>" in files["svg"]
    assert files["png"][:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode())))
    assert [r["model"] for r in rows] == ["AlexNet", "EfficientNet-L2"] and rows[1]["error"] == "0.1"
    meta = json.loads(files["json"])
    assert meta["producer"] == "analysis.charts.evidence.coverage_chart"
    assert meta["licence"] == "CC-BY-SA-4.0"  # drawn from a chapter that reads the Papers-with-Code-derived table
    assert meta["report_version"] == downloads.report_version()
    assert {t["table"] for t in meta["data_tables"]} >= {"data/imagenet_models.csv"}


def test_layered_chart_csv_numbers_its_tables():
    a = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    b = pd.DataFrame({"x": [5], "label": ["five"]})
    layered = (alt.Chart(a).mark_line().encode(x="x:Q", y="y:Q") + alt.Chart(b).mark_text().encode(x="x:Q", text="label:N"))
    spec = layered.properties(description="layers").to_dict()
    rows = list(csv.DictReader(io.StringIO(downloads.spec_csv(spec))))
    assert len(rows) == 3 and {r["table"] for r in rows} == {"1", "2"}
    assert any(r["label"] == "five" for r in rows)


def test_a_named_figure_of_a_key_never_glued_is_an_error():
    with pytest.raises(ValueError, match="fig-a.*fig_a"):
        downloads.figure_downloads(SOURCE, {}, chapter="x", source_path="notebooks/x.md", images=False)


def test_every_data_table_is_downloadable_from_the_evidence_chapter():
    text = (ROOT / "notebooks" / "evidence.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\{download\}`[^`<]*<\.\./(data/[^>]+)>`", text))
    expected = {f"data/{p.relative_to(ROOT / 'data').as_posix()}" for p in (ROOT / "data").rglob("*.csv")}
    assert expected <= linked, f"not downloadable: {sorted(expected - linked)}"
    assert {"data/datapackage.json", "data/README.md"} <= linked


def test_every_figure_and_table_directive_has_a_name():
    unnamed = []
    for path in list((ROOT / "notebooks").glob("*.md")) + list((ROOT / "book").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^```\{(glue:figure|figure|table|list-table|math)\}[^\n]*\n((?::[^\n]*\n)*)", text, re.M):
            if not re.search(r"^:(name|label):", m.group(2), re.M):
                unnamed.append(f"{path.name}: {m.group(0).splitlines()[0]}")
        # a $$ display equation needs a label after its closing $$, "$$ (eq-name)", to be numbered
        opened = False
        for line in text.splitlines():
            if line.startswith("$$"):
                if opened and not re.match(r"^\$\$\s*\(eq-[a-z0-9-]+\)\s*$", line):
                    unnamed.append(f"{path.name}: display equation without a label")
                opened = not opened
        # a bare Markdown table (outside a table directive) has no number either
        in_table = False
        for line in text.splitlines():
            if line.startswith("```{table}") or line.startswith("```{list-table}"):
                in_table = True
            elif in_table and line.strip() == "```":
                in_table = False
            elif re.match(r"^\|\s*:?-{3,}", line) and not in_table:
                unnamed.append(f"{path.name}: bare Markdown table at {line[:40]!r}")
    assert not unnamed, "figures/tables/equations without a name (no number, no link target): " + "; ".join(unnamed)
