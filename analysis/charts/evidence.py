"""Charts of the evidence chapter: coverage by year, ours against a reference, the frontier over time."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from .. import evidence

__all__ = ["comparison_chart", "coverage_chart", "frontier_chart"]


def _extra_label(value) -> str:
    if pd.isna(value) or (isinstance(value, str) and not value.strip()):
        return "not established"
    return "ImageNet-1k only" if value == "none" else "extra data"


def coverage_chart(frame: pd.DataFrame) -> alt.Chart:
    """Bar chart of models per publication year, split by whether they carry a compute value.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table (:func:`analysis.tables.imagenet_models`).

    Returns
    -------
    altair.Chart
    """
    f = evidence.with_period(frame)
    f["compute"] = np.where(f["hardware_burden_flop"].notna() | f["operations_flop"].notna(),
                            "with a compute value", "no compute value")
    agg = f.groupby(["year", "compute"]).size().reset_index(name="models")
    chart = (
        alt.Chart(agg)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="publication year"),
            y=alt.Y("models:Q", title="models in the table"),
            color=alt.Color("compute:N", title=None, sort=["with a compute value", "no compute value"],
                            legend=alt.Legend(orient="top")),
            order=alt.Order("compute:N", sort="descending"),
            tooltip=["year:O", "compute:N", "models:Q"],
        )
        .properties(
            width=560, height=260,
            description="Bar chart of ImageNet models in the table per publication year, split into rows with and without a training-compute value.",
        )
    )
    return chart


def comparison_chart(frame: pd.DataFrame, ours: str, theirs: str, ours_title: str, theirs_title: str, description: str):
    """Log-log scatter of our compute against a reference, with the y = x line and 3x bands.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table (:func:`analysis.tables.imagenet_models`).
    ours, theirs : str
        Columns compared (ours on y, the reference on x).
    ours_title, theirs_title : str
        Axis titles.
    description : str
        Alt text.

    Returns
    -------
    altair.LayerChart
    """
    f = evidence.comparison_frame(frame, ours, theirs)
    lo = 10.0 ** math.floor(math.log10(min(f[ours].min(), f[theirs].min()) / 3))
    hi = 10.0 ** math.ceil(math.log10(max(f[ours].max(), f[theirs].max()) * 3))
    lines = pd.DataFrame(
        [{"x": lo, "y": lo, "line": "y = x"}, {"x": hi, "y": hi, "line": "y = x"},
         {"x": lo, "y": 3 * lo, "line": "3x above"}, {"x": hi / 3, "y": hi, "line": "3x above"},
         {"x": 3 * lo, "y": lo, "line": "3x below"}, {"x": hi, "y": hi / 3, "line": "3x below"}]
    )
    scale = alt.Scale(type="log", domain=[lo, hi])
    guide = (
        alt.Chart(lines)
        .mark_line(color="#888888")
        .encode(
            x=alt.X("x:Q", scale=scale, title=theirs_title),
            y=alt.Y("y:Q", scale=scale, title=ours_title),
            detail="line:N",
            strokeDash=alt.condition(alt.datum.line == "y = x", alt.value([1, 0]), alt.value([4, 4])),
        )
    )
    pts = (
        alt.Chart(f)
        .mark_circle(size=70)
        .encode(
            x=alt.X(f"{theirs}:Q", scale=scale),
            y=alt.Y(f"{ours}:Q", scale=scale),
            color=alt.Color("year:O", title="publication year", legend=alt.Legend(orient="bottom", direction="horizontal")),
            tooltip=["model:N", "year:O", alt.Tooltip(f"{ours}:Q", format=".3g"),
                     alt.Tooltip(f"{theirs}:Q", format=".3g"), alt.Tooltip("ratio:Q", format=".3g")],
        )
    )
    labels = pts.mark_text(align="left", dx=7, fontSize=10).encode(text="model:N", color=alt.value("#333333"))
    return (guide + pts + labels).properties(width=480, height=400, description=description)


def frontier_chart(frame: pd.DataFrame):
    """Top-1 error of every row over time (log axis), with the best-so-far frontier as a step line.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table (:func:`analysis.tables.imagenet_models`).

    Returns
    -------
    altair.LayerChart
    """
    f = frame.copy()
    f["training data"] = f["extra_data"].map(_extra_label)
    f["accuracy"] = np.where(f["accuracy_caveat"].isna(), "as published", "unconfirmed")
    pts = f[["model", "publication_date", "top1_error_pct", "training data", "accuracy"]]
    last = frame["publication_date"].max()

    def steps(confirmed_only: bool, label: str) -> pd.DataFrame:
        fr = evidence.frontier(frame, confirmed_only)[["model", "publication_date", "top1_error_pct"]]
        end = pd.DataFrame({"model": ["(latest)"], "publication_date": [last], "top1_error_pct": [fr["top1_error_pct"].min()]})
        return pd.concat([fr, end], ignore_index=True).assign(frontier=label)

    step = pd.concat([steps(False, "all results"), steps(True, "without unconfirmed")], ignore_index=True)
    yscale = alt.Scale(type="log", domain=[5, 60])
    base = alt.Chart(pts).mark_point(size=45, opacity=0.75, filled=True).encode(
        x=alt.X("publication_date:T", title="publication date"),
        y=alt.Y("top1_error_pct:Q", scale=yscale, title="top-1 error (%), log scale"),
        color=alt.Color("training data:N", sort=["ImageNet-1k only", "extra data", "not established"]),
        shape=alt.Shape("accuracy:N", sort=["as published", "unconfirmed"], scale=alt.Scale(range=["circle", "triangle-down"]),
                        title="top-1"),
        tooltip=["model:N", alt.Tooltip("publication_date:T"), alt.Tooltip("top1_error_pct:Q", format=".2f"), "training data:N",
                 "accuracy:N"],
    )
    line = alt.Chart(step).mark_line(interpolate="step-after", color="#000000").encode(
        x="publication_date:T", y=alt.Y("top1_error_pct:Q", scale=yscale),
        strokeDash=alt.StrokeDash("frontier:N", sort=["all results", "without unconfirmed"],
                                  scale=alt.Scale(range=[[1, 0], [5, 3]]), title="best so far"),
    )
    return (line + base).properties(
        width=560, height=340,
        description="Scatter of ImageNet top-1 error against publication date for every model in the table, coloured by whether extra training data was used, with unconfirmed results drawn as downward triangles; a solid black step line shows the best result so far and a dashed one the best so far without the unconfirmed results.",
    )
