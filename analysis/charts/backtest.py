"""Charts of the back-test chapter: the mid-2020 forecast band with the later results drawn over it.

:func:`time_figure`: error over time. The per-year best up to mid-2020 (black), the 2020 log10
trend with its 95% prediction band and the floor-fitted trend, extended to 2029; the later per-year
best (orange), the record to date (red step line) and the record without unconfirmed results (green),
unconfirmed results as triangles; the
authors' 2024 forecast (5% in 2026, 3% in 2029) as diamonds.

:func:`compute_figure`: error over compute. The headline selection up to mid-2020 (grey), the 2020
compute-error fit with its 95% prediction band, and the later models of the same selection (red).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .. import backtest as bt
from .. import extrapolation as ex

X_DOMAIN = [2011.5, 2029.5]
ERROR_DOMAIN = [2, 50]
ERROR_VALUES = [2, 3, 5, 10, 20, 40]
COLORS = {"before": "#000000", "later, best of year": "#E69F00", "later, record to date": "#D55E00",
          "later, record without unconfirmed": "#009E73", "authors' 2024 forecast": "#CC79A7"}
RECORDS = ("later, record to date", "later, record without unconfirmed")


def _x():
    return alt.X("year:Q", scale=alt.Scale(domain=X_DOMAIN, nice=False),
                 axis=alt.Axis(title="year", format="d", values=list(range(2012, 2030, 2))))


def _y(field: str = "error", title: str | None = "top-1 error (%), log scale"):
    return alt.Y(f"{field}:Q", scale=alt.Scale(type="log", domain=ERROR_DOMAIN, nice=False, clamp=True),
                 title=title, axis=alt.Axis(values=ERROR_VALUES) if title else None)


def time_points(models: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Points of :func:`time_figure`: year, error, model, series, accuracy (as published / unconfirmed)."""
    before = ex.per_year_best(models).assign(series="before")
    later = bt.best_all_years(models)
    later = later[later["year"] > ex.CUTOFF.year].assign(series="later, best of year")
    recs = []
    for conf, name in zip((False, True), RECORDS):
        r = bt.observed_by_year(models, confirmed_only=conf)
        recs.append(pd.DataFrame({"year": r["year"], "error": r["record_error"], "model": r["record_model"],
                                  "series": name}))
    lf = bt.later_forecast(claims)
    talk = pd.DataFrame({"year": [lf["year_5pct"], lf["year_3pct"]], "error": [5.0, 3.0],
                         "model": ["5% in 2026 (2024 talk)", "3% in 2029 (2024 talk)"],
                         "series": "authors' 2024 forecast"})
    pts = pd.concat([before[["year", "error", "model", "series"]], later[["year", "error", "model", "series"]],
                     *recs, talk], ignore_index=True)
    unconfirmed = set(models.loc[models["accuracy_caveat"].notna(), "model"])
    pts["accuracy"] = np.where(pts["model"].isin(unconfirmed), "unconfirmed", "as published")
    return pts


def time_figure(models: pd.DataFrame, claims: pd.DataFrame, floor: float | None = None) -> alt.LayerChart:
    """Error over time: the 2020 forecast band and the later results (see the module docstring)."""
    floor = ex.label_floor_pct() if floor is None else floor
    years = np.round(np.arange(2012, 2029.01, 0.1), 1)
    best = ex.per_year_best(models)
    log10 = ex.fit_trend(best, "log10").predict(years).assign(label=ex.FORM_LABELS["log10"])
    sat = ex.fit_trend(best, "saturating_fitted").predict(years).assign(label=ex.FORM_LABELS["saturating_fitted"])
    lines = pd.concat([log10, sat], ignore_index=True).rename(columns={"fit": "error"})
    yscale = alt.Scale(type="log", domain=ERROR_DOMAIN, nice=False, clamp=True)
    band = alt.Chart(log10).mark_area(opacity=0.18, color="#0072B2").encode(
        x=_x(), y=alt.Y("pi_low:Q", scale=yscale, title="top-1 error (%), log scale",
                        axis=alt.Axis(values=ERROR_VALUES)), y2="pi_high:Q")
    order = [ex.FORM_LABELS["log10"], ex.FORM_LABELS["saturating_fitted"]]
    trend = alt.Chart(lines).mark_line(strokeDash=[6, 3]).encode(
        x=_x(), y=_y(),
        strokeDash=alt.StrokeDash("label:N", sort=order, title="2020 forecast",
                                  scale=alt.Scale(domain=order, range=[[1, 0], [6, 3]]),
                                  legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400)),
        color=alt.value("#0072B2"),
        tooltip=["label:N", alt.Tooltip("year:Q", format=".1f"), alt.Tooltip("error:Q", format=".2f")])
    pts = time_points(models, claims)
    series = list(COLORS)
    color = alt.Color("series:N", sort=series, title="results",
                      scale=alt.Scale(domain=series, range=[COLORS[s] for s in series]),
                      legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400))
    shape = alt.Shape("accuracy:N", sort=["as published", "unconfirmed"], title="accuracy",
                      scale=alt.Scale(domain=["as published", "unconfirmed"], range=["circle", "triangle-down"]),
                      legend=alt.Legend(orient="bottom", direction="vertical"))
    tooltip = ["model:N", "series:N", "accuracy:N", alt.Tooltip("year:Q", format=".0f"),
               alt.Tooltip("error:Q", format=".2f")]
    step = alt.Chart(pts[pts["series"].isin(RECORDS)]).mark_line(interpolate="step-after").encode(
        x=_x(), y=_y(), color=color, detail="series:N")
    dots = alt.Chart(pts[pts["series"] != "authors' 2024 forecast"]).mark_point(size=70, filled=True).encode(
        x=_x(), y=_y(), color=color, shape=shape, tooltip=tooltip)
    talk = alt.Chart(pts[pts["series"] == "authors' 2024 forecast"]).mark_point(
        size=110, shape="diamond", filled=True).encode(x=_x(), y=_y(), color=color, tooltip=tooltip)
    rules = pd.DataFrame({"error": [floor], "what": [f"wrong validation labels {floor:.1f}%"]})
    floor_rule = alt.Chart(rules).mark_rule(strokeDash=[3, 3], color="#D55E00").encode(y=alt.Y("error:Q", scale=yscale))
    floor_text = alt.Chart(rules).mark_text(align="left", dx=3, dy=8, fontSize=11, color="#D55E00").encode(
        x=alt.datum(2011.6), y=alt.Y("error:Q", scale=yscale), text="what:N")
    cut = alt.Chart(pd.DataFrame({"year": [ex.CUTOFF.year + 0.5]})).mark_rule(color="#555555").encode(x=_x())
    chart = alt.layer(band, floor_rule, floor_text, cut, trend, step, dots, talk).properties(width=560, height=340)
    return chart.properties(description=(
        "Top-1 error on a log scale against year, 2012 to 2029. Black dots: the best result of each year up to "
        "mid-2020. Blue band and solid line: the log-linear trend fitted to those points in mid-2020 with its 95% "
        "prediction band; dashed blue line: the trend with a fitted floor. After the vertical line at mid-2020, "
        "orange dots show the best result of each later year, a red step line the record to date and a green step "
        "line the record without the results marked unconfirmed, which are drawn as triangles. Pink diamonds mark the authors' 2024 forecast of 5% in 2026 and 3% in 2029. A red "
        "dashed line marks the share of wrong validation labels."))


def compute_figure(models: pd.DataFrame) -> alt.LayerChart:
    """Error over compute: the frozen compute-error fit and its band with every later model."""
    band = bt.compute_band(models)
    d = bt.compute_points_all(models)
    pts = pd.DataFrame({"model": d["model"], "compute": d["compute"], "error": d["error"],
                        "when": np.where(d["post"], "published after mid-2020", "published by mid-2020")})
    xscale = alt.Scale(type="log", domain=[1e17, 1e26], nice=False)
    x = alt.X("compute:Q", scale=xscale, title="training compute, hardware burden (FLOP), log scale",
              axis=alt.Axis(format="~e", values=[1e17, 1e19, 1e21, 1e23, 1e25]))
    yscale = alt.Scale(type="log", domain=[4, 50], nice=False, clamp=True)
    y = alt.Y("error:Q", scale=yscale, title="top-1 error (%), log scale", axis=alt.Axis(values=[5, 10, 20, 40]))
    area = alt.Chart(band).mark_area(opacity=0.18, color="#0072B2").encode(
        x=x, y=alt.Y("pi_low:Q", scale=yscale), y2="pi_high:Q")
    line = alt.Chart(band.rename(columns={"fit": "error"})).mark_line(color="#0072B2").encode(
        x=x, y=y, tooltip=[alt.Tooltip("compute:Q", format=".2e"), alt.Tooltip("error:Q", format=".2f")])
    when = ["published by mid-2020", "published after mid-2020"]
    dots = alt.Chart(pts).mark_point(size=60, filled=True).encode(
        x=x, y=y, color=alt.Color("when:N", sort=when, title=None,
                                  scale=alt.Scale(domain=when, range=["#999999", "#D55E00"]),
                                  legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=["model:N", "when:N", alt.Tooltip("compute:Q", format=".2e"), alt.Tooltip("error:Q", format=".2f")])
    chart = alt.layer(area, line, dots).properties(width=560, height=340)
    return chart.properties(description=(
        "Top-1 error against training compute (hardware burden), both on log scales. Grey dots: single models "
        "published by mid-2020; the blue line and band are the power law fitted to them in mid-2020 with its 95% "
        "prediction band, extended to 10^26 FLOP. Red dots: models published after mid-2020. Most red dots lie "
        "below and to the left of the line: they reached their error with less compute than the 2020 fit says."))
