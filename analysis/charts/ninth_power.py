"""Charts of the ninth-power chapter (Altair; the book's theme and offline renderer)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import ninth_power as npw

SUBSET_LABELS = {
    "all": "all models (ensembles too)",
    "single": "single models",
    "frontier": "best of each year",
    "imagenet1k": "ImageNet-1k only",
    "no_search": "no architecture search",
}
GAMMA_CLIP = (2.0, 60.0)


def scatter_frames(data: pd.DataFrame, measures=("burden", "burden_training", "operations", "authors_points"),
                   subsets=tuple(SUBSET_LABELS), level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long tables for the selector chart: points and fitted line with band per (measure, subset)."""
    pts, lines = [], []
    for m in measures:
        for s in subsets:
            d = npw.select(data, m, s)
            if len(d) < 4:
                continue
            fit = npw.fit_points(d, "y_on_x", cluster=True, level=level)
            g = fit.exponent()
            label = f"γ = {g.value:.1f} [{g.low:.1f}, {g.high:.1f}], N = {fit.n}" if math.isfinite(g.high) else \
                f"γ = {g.value:.1f} [{g.low:.1f}, ∞), N = {fit.n}"
            pts.append(pd.DataFrame({
                "model": d["model"], "year": d["date"].dt.year, "compute": d["compute"], "error": d["error"],
                "measure": npw.MEASURES[m], "subset": SUBSET_LABELS[s],
            }))
            grid = np.logspace(np.log10(d["compute"].min()), np.log10(d["compute"].max()), 25)
            band = fit.predict(grid)
            lines.append(pd.DataFrame({
                "compute": grid, "fit": band["fit"], "fit_low": band["fit_low"], "fit_high": band["fit_high"],
                "measure": npw.MEASURES[m], "subset": SUBSET_LABELS[s], "label": label,
            }))
    return pd.concat(pts, ignore_index=True), pd.concat(lines, ignore_index=True)


def error_compute_chart(data: pd.DataFrame):
    """Top-1 error against training compute on log axes, with a selector for measure and subset."""
    import altair as alt

    pts, lines = scatter_frames(data)
    measure = alt.param(name="np_measure", value=npw.MEASURES["burden"],
                        bind=alt.binding_select(options=list(dict.fromkeys(pts["measure"])), name="compute measure: "))
    subset = alt.param(name="np_subset", value=SUBSET_LABELS["single"],
                       bind=alt.binding_select(options=list(dict.fromkeys(pts["subset"])), name="models: "))
    keep = (alt.datum.measure == measure) & (alt.datum.subset == subset)
    x = alt.X("compute:Q", scale=alt.Scale(type="log"), axis=alt.Axis(title="training compute (FLOP), log scale", format="~e"))
    yscale = alt.Scale(type="log", domain=[5, 50])
    band = alt.Chart(lines).mark_area(opacity=0.25, color="#0072B2").encode(
        x=x, y=alt.Y("fit_low:Q", scale=yscale), y2="fit_high:Q").transform_filter(keep)
    line = alt.Chart(lines).mark_line(color="#0072B2").encode(x=x, y=alt.Y("fit:Q", scale=yscale)).transform_filter(keep)
    text = alt.Chart(lines).mark_text(align="left", baseline="top", x=8, y=8, fontSize=12).encode(
        text="label:N").transform_filter(keep).transform_aggregate(label="min(label)")
    dots = alt.Chart(pts).mark_circle(size=60, color="#D55E00", opacity=0.85).encode(
        x=x, y=alt.Y("error:Q", scale=yscale, axis=alt.Axis(title="top-1 error (%), log scale")),
        tooltip=["model:N", "year:O", alt.Tooltip("compute:Q", format=".3g", title="compute (FLOP)"),
                 alt.Tooltip("error:Q", format=".2f", title="top-1 error (%)")],
    ).transform_filter(keep)
    return (band + line + dots + text).add_params(measure, subset).properties(
        width=560, height=360,
        description=("Log-log scatter of ImageNet top-1 error against training compute, one dot per model, with the "
                     "fitted power law and its 95% confidence band; two menus choose the compute measure and the set "
                     "of models, and the fitted exponent gamma with its interval is printed in the corner."),
    )


GROUPS = {
    "headline": "headline",
    "reverse direction (compute on error)": "regression direction / compute noise",
    "operations, reverse direction": "regression direction / compute noise",
    "authors' points, reverse direction": "regression direction / compute noise",
    "errors in variables (moments)": "regression direction / compute noise",
    "errors in variables (SIMEX)": "regression direction / compute noise",
    "no clustering by paper": "regression direction / compute noise",
    "with a time trend": "specification",
    "burden / all / top1": "which models",
    "burden / frontier / top1": "which models",
    "burden / imagenet1k / top1": "which models",
    "burden / no_search / top1": "which models",
    "burden / single / top5": "top-5 instead of top-1",
    "burden_training / single / top1": "compute measure",
    "operations / single / top1": "compute measure",
    "authors_points / all / top1": "compute measure",
    "from 2015": "start year",
    "from 2017": "start year",
    "from 2019": "start year",
}
LABELS = {
    "burden / all / top1": "with ensembles",
    "burden / frontier / top1": "best of each year",
    "burden / imagenet1k / top1": "ImageNet-1k only",
    "burden / no_search / top1": "no architecture search",
    "burden / single / top5": "top-5 error",
    "burden_training / single / top1": "burden at training precision",
    "operations / single / top1": "operations",
    "authors_points / all / top1": "authors' public points",
}


def gamma_frame(table: pd.DataFrame) -> pd.DataFrame:
    t = table[table["analysis"].isin(GROUPS)].copy()
    t["_order"] = t["analysis"].map({a: i for i, a in enumerate(GROUPS)})
    t = t.sort_values("_order")
    t["group"] = t["analysis"].map(GROUPS)
    t["label"] = t["analysis"].map(lambda a: LABELS.get(a, a))
    t["label"] = t["label"] + " (N = " + t["n"].astype(int).astype(str) + ")"
    lo, hi = GAMMA_CLIP
    t["ci_low_shown"] = t["gamma_ci_low"].clip(lo, hi)
    t["ci_high_shown"] = t["gamma_ci_high"].clip(lo, hi)
    t["ci_high_text"] = t["gamma_ci_high"].map(lambda v: "∞" if not math.isfinite(v) else f"{v:.1f}")
    return t[["analysis", "label", "group", "n", "gamma", "gamma_ci_low", "ci_low_shown", "ci_high_shown",
              "ci_high_text", "r2"]]


def gamma_chart(table: pd.DataFrame, claimed: float = 9.0, theory: float = 4.0):
    """One point per analysis choice: gamma with its 95% interval, against the article's 9 and theory's 4."""
    import altair as alt

    t = gamma_frame(table)
    order = list(t["label"])
    x = alt.X("gamma:Q", scale=alt.Scale(type="log", domain=list(GAMMA_CLIP)),
              axis=alt.Axis(title="γ (compute ∝ k^γ for a k-fold error cut), log scale", values=[2, 4, 9, 20, 50]))
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    groups = list(dict.fromkeys(t["group"]))
    palette = ["#000000", "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]
    color = alt.Color("group:N", title="what changes", scale=alt.Scale(domain=groups, range=palette[:len(groups)]),
                      legend=alt.Legend(orient="bottom", columns=2, labelLimit=300))
    rules = alt.Chart(t).mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low_shown:Q", scale=alt.Scale(type="log", domain=list(GAMMA_CLIP))), x2="ci_high_shown:Q", y=y, color=color)
    dots = alt.Chart(t).mark_point(filled=True, size=70).encode(
        x=x, y=y, color=color,
        tooltip=["analysis:N", alt.Tooltip("gamma:Q", format=".1f"), alt.Tooltip("gamma_ci_low:Q", format=".1f", title="95% low"),
                 alt.Tooltip("ci_high_text:N", title="95% high"), "n:Q", alt.Tooltip("r2:Q", format=".2f")])
    refs = pd.DataFrame({"gamma": [theory, claimed], "what": ["theory's lower bound (4)", "the article (9)"]})
    ref = alt.Chart(refs).mark_rule(color="#888888", strokeDash=[4, 4]).encode(x="gamma:Q", tooltip=["what:N"])
    return (ref + rules + dots).properties(
        width=460, height=22 * len(t),
        description=("Dot-and-whisker chart of the fitted exponent gamma with its 95% interval for each analysis choice "
                     "(regression direction, compute noise, which models, compute measure, metric, start year, time "
                     "trend), on a log axis with dashed reference lines at 4 (theory) and 9 (the article); intervals "
                     "that reach infinity are drawn to the right edge."),
    )
