"""Charts of the k² chapter: simulated error against n, and the data multiplier with a slider for k."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import theme

__all__ = ["k2_error_chart", "k2_multiplier_chart"]


def k2_error_chart(points: pd.DataFrame, columns: int = 2) -> alt.FacetChart:
    """Error against n on log axes, one panel per learner: points with Monte-Carlo 95% bars, the
    fitted power law with its 95% band, and the theory curve (dashed).

    Parameters
    ----------
    points : pandas.DataFrame
        :func:`analysis.k2_fit.points_table`.
    columns : int
        Panels per row.

    Returns
    -------
    altair.FacetChart
    """
    data = points.copy()
    for col in ("error", "error_low", "error_high", "fit", "fit_low", "fit_high", "theory"):
        data[col] = data[col].map(lambda v: float(f"{v:.5g}"))
    order = list(dict.fromkeys(data["learner"]))
    x = alt.X("n:Q", scale=alt.Scale(type="log"), axis=theme.log_axis("sample size n"))
    y_scale = alt.Scale(type="log", zero=False)
    y = alt.Y("error:Q", scale=y_scale, axis=theme.log_axis("error"))
    base = alt.Chart().encode(x=x)
    band = base.mark_area(opacity=0.25, color=theme.PALETTE[0]).encode(
        y=alt.Y("fit_low:Q", scale=y_scale, axis=theme.log_axis("error")), y2="fit_high:Q"
    )
    fit_line = base.mark_line(color=theme.PALETTE[0]).encode(y=alt.Y("fit:Q", scale=y_scale))
    theory = base.mark_line(color=theme.PALETTE[3], strokeDash=[6, 4]).encode(
        y=alt.Y("theory:Q", scale=y_scale)
    )
    bars = base.mark_rule(color="#333333").encode(y=alt.Y("error_low:Q", scale=y_scale), y2="error_high:Q")
    dots = base.mark_point(color="#333333", size=30).encode(
        y=y,
        tooltip=[
            alt.Tooltip("learner:N"),
            alt.Tooltip("n:Q"),
            alt.Tooltip("error:Q", format=".4g"),
            alt.Tooltip("fit:Q", format=".4g", title="fitted"),
            alt.Tooltip("theory:Q", format=".4g"),
        ],
    )
    layered = alt.layer(band, fit_line, theory, bars, dots, data=data).properties(width=250, height=170)
    return (
        layered.facet(
            facet=alt.Facet("learner:N", sort=order, title=None, header=alt.Header(labelFontSize=12)),
            columns=columns,
        )
        .resolve_scale(y="independent")
        .properties(
            description=(
                "Log-log panels, one per learner, of simulated error against sample size n from about 30 "
                "to 30,000: dots with Monte-Carlo 95% bars, a blue fitted power law with its 95% band, "
                "and a dashed red theory curve. The mean and OLS coefficient errors fall with slope -1/2, "
                "the squared-error and classification excess errors with slope near -1, and the "
                "nearest-neighbour errors more slowly."
            )
        )
    )


def k2_multiplier_chart(fits: pd.DataFrame, k_default: float = 10.0, k_max: float = 100.0) -> alt.LayerChart:
    """Horizontal bars: data multiplier pow(k, -1/slope) per learner, computed in Vega-Lite from the
    fitted slopes, with the slider param ``k``; whiskers map the slope's 95% CI; the dashed rule
    marks the article's k².

    Parameters
    ----------
    fits : pandas.DataFrame
        :func:`analysis.k2_fit.slope_table`.
    k_default, k_max : float
        Initial and largest value of the slider.

    Returns
    -------
    altair.LayerChart
    """
    data = fits.reset_index()[["key", "learner", "slope", "slope_low", "slope_high", "theory_slope"]].copy()
    for col in ("slope", "slope_low", "slope_high", "theory_slope"):
        data[col] = data[col].map(lambda v: float(f"{v:.5g}"))
    order = list(data["learner"])
    k = alt.param(
        name="k",
        value=k_default,
        bind=alt.binding_range(min=1.5, max=k_max, step=0.5, name="improvement factor k "),
    )
    x_scale = alt.Scale(type="log", domain=[1, 1e10])
    y = alt.Y("learner:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    base = (
        alt.Chart(data)
        .transform_calculate(
            multiplier="pow(k, -1 / datum.slope)",
            multiplier_low="pow(k, -1 / datum.slope_low)",
            multiplier_high="pow(k, -1 / datum.slope_high)",
            theory="pow(k, -1 / datum.theory_slope)",
            label="format(pow(k, -1 / datum.slope), ',.3~r') + '×'",
        )
        .encode(y=y)
    )
    bars = base.mark_bar(color=theme.PALETTE[0], opacity=0.8, height=16).encode(
        x=alt.X("multiplier:Q", scale=x_scale, axis=theme.log_axis("data multiplier needed (log scale)")),
        x2=alt.datum(1),
        tooltip=[
            alt.Tooltip("learner:N"),
            alt.Tooltip("slope:Q", format=".3f", title="fitted slope"),
            alt.Tooltip("multiplier:Q", format=",.3~r", title="multiplier"),
            alt.Tooltip("multiplier_low:Q", format=",.3~r", title="95% CI low"),
            alt.Tooltip("multiplier_high:Q", format=",.3~r", title="95% CI high"),
        ],
    )
    whiskers = base.mark_rule(color="#333333", strokeWidth=2).encode(
        x=alt.X("multiplier_low:Q", scale=x_scale), x2="multiplier_high:Q"
    )
    theory_ticks = base.mark_tick(color=theme.PALETTE[3], thickness=3, size=22).encode(
        x=alt.X("theory:Q", scale=x_scale)
    )
    labels = base.mark_text(align="left", dx=6, fontSize=12).encode(
        x=alt.X("multiplier_high:Q", scale=x_scale), text="label:N"
    )
    k2_rule = (
        alt.Chart(pd.DataFrame({"one": [1]}))
        .transform_calculate(k2="pow(k, 2)")
        .mark_rule(strokeDash=[6, 4], color="#000000")
        .encode(x=alt.X("k2:Q", scale=x_scale))
    )
    return (
        alt.layer(bars, whiskers, theory_ticks, labels, k2_rule)
        .add_params(k)
        .properties(
            width=300,
            height=alt.Step(30),
            description=(
                "Horizontal bars on a log scale giving, for each learner, the factor by which the data must "
                "grow to divide its error by k, computed from the fitted slope as k to the power -1/slope, "
                "with whiskers for the 95% interval, red ticks for theory and a dashed black line at k "
                "squared. A slider sets k."
            ),
        )
    )
