"""Charts of the k^4 chapter (Altair, the project's theme)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..overparam import MODEL_LABELS, Result, curves, round_sig
from ..overparam_fit import crossovers
from .theme import PALETTE, WIDTH

# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _decades(lo: float, hi: float, mantissas=(1,)) -> list[float]:
    """Tick values m x 10^e between lo and hi (log axes without cluttered minor labels)."""
    out = []
    for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        out += [float(m * 10.0**e) for m in mantissas if lo <= m * 10.0**e <= hi]
    return out


def chart_frame(result: Result) -> pd.DataFrame:
    """Small long table for the charts: one row per (curve, n); expert-missing rows keyed by m.

    Parameters
    ----------
    result : analysis.overparam.Result

    Returns
    -------
    pandas.DataFrame
    """
    c = curves(result)
    design = result.design
    frames = []
    for m in design.missing:
        if m == 0:
            continue
        sub = c[(c["model"] == "expert_missing") & (c["missing"] == m)].copy()
        frames.append(sub)
    fixed = c[c["model"] != "expert_missing"].copy()
    out = pd.concat(frames + [fixed], ignore_index=True)
    out["curve"] = out["model"].map(MODEL_LABELS)
    out["m_article"] = out["missing"].map(design.article_missing)
    out = out[["curve", "model", "m_article", "n", "params", "train_flop", "rmse"]].copy()
    # Significant digits, so the embedded spec does not depend on the last bits of BLAS results.
    for col in ("train_flop", "rmse"):
        out[col] = [round_sig(v, 5) for v in out[col]]
    return out


def crossover_frame(result: Result) -> pd.DataFrame:
    """Crossover points of the random-features model for the chart's diamonds.

    Parameters
    ----------
    result : analysis.overparam.Result

    Returns
    -------
    pandas.DataFrame
        ``m_article``, ``n_cross``, ``flop_cross``, ``rmse`` (5 significant digits).
    """
    cr = crossovers(result)
    cr = cr[(cr["model"] == "random_features") & cr["n_cross"].notna()].copy()
    c = curves(result)
    rf = c[c["model"] == "random_features"].sort_values("n")
    cr["rmse"] = [float(np.exp(np.interp(np.log(v), np.log(rf["n"].to_numpy(float)), np.log(rf["rmse"].to_numpy()))))
                  for v in cr["n_cross"]]
    cr["m_article"] = cr["missing_of_article"]
    out = cr[["m_article", "n_cross", "flop_cross", "rmse"]].copy()
    for col in ("n_cross", "flop_cross", "rmse"):
        out[col] = [round_sig(v, 5) for v in out[col]]
    return out


def error_chart(result: Result, *, m_default: float = 10.0) -> alt.VConcatChart:
    """Error against data and against compute, log axes, with a slider over the missed variables.

    Parameters
    ----------
    result : analysis.overparam.Result
    m_default : float
        The slider's start: missed true variables of the article's 100.

    Returns
    -------
    altair.VConcatChart
    """
    frame = chart_frame(result)
    cross = crossover_frame(result)
    steps = sorted(v for v in frame["m_article"].unique() if v > 0)
    m_param = alt.param(
        name="missed",
        value=m_default,
        bind=alt.binding_range(min=min(steps), max=max(steps), step=min(steps),
                               name=f"true variables missed by the expert (of {result.design.article_true}) "),
    )
    keep = f"datum.model != 'expert_missing' || datum.m_article == missed"
    colour = alt.Color("curve:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=400),
                       scale=alt.Scale(domain=list(MODEL_LABELS.values()),
                                       range=[PALETTE[i] for i in (0, 3, 2, 4, 5, 1, 7)]))
    y = alt.Y("rmse:Q", scale=alt.Scale(type="log", nice=False, padding=8),
              axis=alt.Axis(values=_decades(0.01, 10, (1, 2, 5))),
              title="error: RMSE of prediction excess (noise sd = 1)")
    tooltip = ["curve:N", "n:Q", "params:Q", alt.Tooltip("train_flop:Q", format=".3~e"), "rmse:Q"]

    def panel(xfield: str, title: str, xcross: str) -> alt.LayerChart:
        if xfield == "train_flop":
            axis = alt.Axis(format="~e", values=_decades(1e3, 1e13))
        else:
            axis = alt.Axis(format=",d", values=_decades(10, 1e5, (1, 2, 5)))
        x = alt.X(f"{xfield}:Q", scale=alt.Scale(type="log", nice=False, padding=8), title=title, axis=axis)
        lines = (alt.Chart(frame).transform_filter(keep).mark_line(point=True)
                 .encode(x=x, y=y, color=colour, tooltip=tooltip))
        marks = (alt.Chart(cross).transform_filter("datum.m_article == missed")
                 .mark_point(shape="diamond", size=160, filled=False, color=PALETTE[7], strokeWidth=2)
                 .encode(x=alt.X(f"{xcross}:Q"), y="rmse:Q",
                         tooltip=[alt.Tooltip("n_cross:Q", format=",.0f", title="crossover n"),
                                  alt.Tooltip("flop_cross:Q", format=".3~e", title="crossover FLOPs")]))
        return alt.layer(lines, marks).properties(width=WIDTH, height=260)

    top = panel("n", "training examples n", "n_cross")
    bottom = panel("train_flop", "training compute (FLOPs, counted)", "flop_cross")
    return alt.vconcat(top, bottom).add_params(m_param).properties(
        description=(
            "Two log-log panels of prediction error for four models: the expert with all true variables, "
            "the expert missing some (slider), ridge on all candidates and an overparameterized "
            "random-features model. Top: error against training examples; bottom: against training "
            "FLOPs. A diamond marks where the random-features model overtakes the mis-specified expert."
        )
    )


def models_chart(table: pd.DataFrame) -> alt.Chart:
    """Parameters against training images for the sourced ImageNet models (log axes).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`analysis.tables.load_overparam_models` and :func:`analysis.overparam_summary.parameter_ratios`.

    Returns
    -------
    altair.Chart
    """
    rows = []
    for _, r in table.iterrows():
        rows.append({"model": r["model"], "images": float(r["labelled_images"]), "data": "labelled only",
                     "params": float(r["params"])})
        if r["extra_images"] > 0:
            rows.append({"model": r["model"], "images": float(r["labelled_images"] + r["extra_images"]),
                         "data": "with extra (pre-)training images", "params": float(r["params"])})
    df = pd.DataFrame(rows)
    lim = [min(df["images"].min(), df["params"].min()) / 3, max(df["images"].max(), df["params"].max()) * 3]
    diag = pd.DataFrame({"images": lim, "params": lim})
    ticks = _decades(1e5, 1e11)
    x = alt.X("images:Q", scale=alt.Scale(type="log", domain=lim), title="training images",
              axis=alt.Axis(format="~e", values=ticks))
    yax = alt.Y("params:Q", scale=alt.Scale(type="log", domain=lim), title="parameters",
                axis=alt.Axis(format="~e", values=ticks))
    line = alt.Chart(diag).mark_line(strokeDash=[4, 4], color="#888888").encode(x=x, y=yax)
    pts = alt.Chart(df).mark_point(filled=True, size=80).encode(
        x=x, y=yax, shape=alt.Shape("data:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400)),
        color=alt.Color("model:N", title=None, legend=alt.Legend(orient="right", labelLimit=400)),
        tooltip=["model:N", "data:N", alt.Tooltip("images:Q", format=".3~s"), alt.Tooltip("params:Q", format=".3~s")],
    )
    return alt.layer(line, pts).properties(width=420, height=320, description=(
        "Log-log scatter of parameters against training images for four ImageNet models, with and without "
        "their extra pre-training images; the dashed diagonal marks one parameter per image, above which a "
        "model is overparameterized."))




def compute_frontier_chart(runs: pd.DataFrame, accounting: str = "flop_article") -> alt.LayerChart:
    """Error against compute for every (n, p) of the frontier run; the frontier joined by a line.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`analysis.overparam_frontier.simulate_frontier`.
    accounting : str
        A key of :data:`analysis.overparam_frontier.ACCOUNTINGS`.

    Returns
    -------
    altair.LayerChart
    """
    from ..overparam_frontier import _mean_table, frontier_points

    t = _mean_table(runs, accounting)
    front = frontier_points(runs, accounting)
    for frame in (t, front):
        frame["compute"] = [round_sig(v, 5) for v in frame["compute"]]
        frame["rmse"] = [round_sig(v, 5) for v in frame["rmse"]]
    x = alt.X("compute:Q", scale=alt.Scale(type="log", nice=False), axis=alt.Axis(format="~e"),
              title="training compute, parameters x data (one pass)")
    y = alt.Y("rmse:Q", scale=alt.Scale(type="log", nice=False), title="error: RMSE of prediction excess")
    pts = alt.Chart(t[["n", "p", "compute", "rmse"]]).mark_point(filled=True, size=40).encode(
        x=x, y=y, color=alt.Color("p:O", title="width p", scale=alt.Scale(scheme="viridis")),
        tooltip=["n:Q", "p:Q", alt.Tooltip("compute:Q", format=".3~e"), "rmse:Q"])
    line = alt.Chart(front[["n", "p", "compute", "rmse"]]).mark_line(color=PALETTE[7]).encode(x=x, y=y)
    return alt.layer(line, pts).properties(width=WIDTH, height=300, description=(
        "Log-log scatter of prediction error against training compute for random-features models of every "
        "width and training-set size; a black line joins the compute-optimal frontier."))
