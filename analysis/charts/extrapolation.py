"""Charts of the extrapolation chapter: the Spectrum figure, reproduced and extended.

Top panel: per-year best top-1 error up to mid-2020, the authors' log10 trend with its 95%
prediction band, the logit and floor-fitted trends, extrapolated to 2025; the 5/3/1% targets and
the measured label-noise floor. Bottom panel: the compute that the compute fit implies along the
authors' trend, with its interval (FLOP, log scale; the cost chapter adds dollar and CO2 axes to
:func:`compute_panel`). No result published after mid-2020 appears here (the back-test chapter
shows them).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .. import extrapolation as ex
from .. import extrapolation_compute as xc

X_DOMAIN = [2011.5, 2025.5]
ERROR_DOMAIN = [0.8, 50]
X_AXIS = alt.Axis(title="year", format="d", values=list(range(2012, 2026)))


def _x(field: str = "year"):
    return alt.X(f"{field}:Q", scale=alt.Scale(domain=X_DOMAIN, nice=False), axis=X_AXIS)


def error_panel(models: pd.DataFrame, floor: float | None = None, end: float = 2025) -> alt.LayerChart:
    floor = ex.label_floor_pct() if floor is None else floor
    best = ex.per_year_best(models)[["year", "model", "error"]]
    yscale = alt.Scale(type="log", domain=ERROR_DOMAIN, nice=False)
    y = alt.Y("error:Q", scale=yscale, title="top-1 error (%), log scale",
              axis=alt.Axis(values=[1, 2, 3, 5, 10, 20, 40]))
    bands = ex.trend_band(models, "log10", 2012, end, floor)
    lines = pd.concat([ex.trend_band(models, f, 2012, end, floor) for f in ("log10", "logit", "saturating_fitted")],
                      ignore_index=True)
    lines = lines.rename(columns={"fit": "error"})
    lines["part"] = np.where(lines["year"] <= 2020.5, "fitted", "extrapolated")
    band = alt.Chart(bands).mark_area(opacity=0.18, color="#0072B2").encode(
        x=_x(), y=alt.Y("pi_low:Q", scale=yscale), y2="pi_high:Q")
    order = [ex.FORM_LABELS[f] for f in ("log10", "logit", "saturating_fitted")]
    trend = alt.Chart(lines).mark_line().encode(
        x=_x(), y=y,
        color=alt.Color("label:N", sort=order, title="trend fitted to mid-2020",
                        scale=alt.Scale(domain=order, range=["#0072B2", "#E69F00", "#009E73"]),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400)),
        tooltip=["label:N", alt.Tooltip("year:Q", format=".1f"), alt.Tooltip("error:Q", format=".2f")],
    )
    pts = alt.Chart(best).mark_point(size=60, filled=True, color="#000000").encode(
        x=_x(), y=y, tooltip=["model:N", "year:Q", alt.Tooltip("error:Q", format=".2f")])
    rules = pd.DataFrame({
        "error": [5.0, 3.0, 1.0, floor],
        "what": ["target 5%", "target 3%", "target 1%", f"wrong validation labels {floor:.1f}%"],
    })
    rule = alt.Chart(rules).mark_rule(strokeDash=[3, 3]).encode(
        y=alt.Y("error:Q", scale=yscale),
        color=alt.condition(alt.datum.error == floor, alt.value("#D55E00"), alt.value("#888888")))
    text = alt.Chart(rules).mark_text(align="left", dx=3, dy=-6, fontSize=11).encode(
        x=alt.datum(2011.5), y=alt.Y("error:Q", scale=yscale), text="what:N",
        color=alt.condition(alt.datum.error == floor, alt.value("#D55E00"), alt.value("#555555")))
    cut = alt.Chart(pd.DataFrame({"year": [2020.5]})).mark_rule(color="#555555").encode(x=_x())
    cut_text = alt.Chart(pd.DataFrame({"year": [2020.5], "error": [40.0], "t": ["data up to mid-2020 | extrapolation"]})) \
        .mark_text(align="center", dy=-4, fontSize=11, color="#555555").encode(x=_x(), y=alt.Y("error:Q", scale=yscale),
                                                                               text="t:N")
    return alt.layer(band, rule, text, cut, cut_text, trend, pts).properties(width=560, height=300)


def compute_panel(path: pd.DataFrame, points: pd.DataFrame | None = None) -> alt.LayerChart:
    """Implied compute along the trend (``path`` from :func:`xc.implied_compute_path`), with the
    per-year best models that have a compute value as points. Fields: year, flop, flop_low, flop_high."""
    yscale = alt.Scale(type="log", domain=[1e17, 1e33], nice=False)
    y = alt.Y("flop:Q", scale=yscale, title="training compute (FLOP), log scale",
              axis=alt.Axis(format="~e", values=[1e18, 1e21, 1e24, 1e27, 1e30, 1e33]))
    p = path.assign(flop_high=np.minimum(path["flop_high"], 1e33), flop_low=np.maximum(path["flop_low"], 1e17))
    band = alt.Chart(p).mark_area(opacity=0.18, color="#0072B2").encode(
        x=_x(), y=alt.Y("flop_low:Q", scale=yscale), y2="flop_high:Q")
    line = alt.Chart(p).mark_line(color="#0072B2").encode(
        x=_x(), y=y, tooltip=[alt.Tooltip("year:Q", format=".1f"), alt.Tooltip("error:Q", format=".2f"),
                              alt.Tooltip("flop:Q", format=".2e")])
    layers = [band, line]
    if points is not None:
        layers.append(alt.Chart(points).mark_point(size=60, filled=True, color="#000000").encode(
            x=_x(), y=y, tooltip=["model:N", "year:Q", alt.Tooltip("error:Q", format=".2f"),
                                  alt.Tooltip("flop:Q", format=".2e")]))
    cut = alt.Chart(pd.DataFrame({"year": [2020.5]})).mark_rule(color="#555555").encode(x=_x())
    layers.append(cut)
    return alt.layer(*layers).properties(width=560, height=220)


def spectrum_figure(models: pd.DataFrame, floor: float | None = None) -> alt.VConcatChart:
    """Both panels, sharing the year axis."""
    path = xc.implied_compute_path(models)
    pts = ex.per_year_best(models, require_compute=True).rename(columns={"compute": "flop"})
    pts = pts[["year", "model", "error", "flop"]]
    chart = alt.vconcat(error_panel(models, floor), compute_panel(path, pts)).resolve_scale(x="shared", color="independent")
    return chart.properties(description=(
        "Two panels sharing a year axis from 2012 to 2025. Top: the best ImageNet top-1 error of each year up to "
        "mid-2020 as black dots on a log scale, the authors' log-linear trend with its 95% prediction band, a logit "
        "trend and a trend with a fitted floor, all extended to 2025, with dotted lines at the 5, 3 and 1 percent "
        "targets and a red dashed line at the share of wrong validation labels. Bottom: the training compute that "
        "the compute fit implies along the authors' trend, with its interval, and the compute of the best models "
        "of each year that have a compute value."))
