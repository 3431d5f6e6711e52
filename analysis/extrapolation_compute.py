"""Compute for a target ImageNet error, as a mid-2020 reader could have estimated it.

Used by the extrapolation chapter and imported by the cost chapter (:func:`target_compute`).
Only results published up to :data:`analysis.extrapolation.CUTOFF` enter a fit. Errors in percent,
compute in FLOP (hardware burden, the paper's measure). Fits run on natural logs.

Forms (rows of :func:`target_compute`):

* ``headline``: the ninth-power chapter's headline fit (:func:`analysis.ninth_power.headline_fit`:
  ln top-1 error on ln hardware burden, single models, cluster-robust by paper) on the results
  published by mid-2020, inverted by :func:`analysis.ninth_power.compute_for_error` (the compute
  values whose 95% confidence band contains the target; ``inf`` where it never closes);
* ``best_of_year``: the authors' website method (paper-facts §5.3): the lowest-error row of each
  year among rows with a compute value, the same log-log fit (:func:`analysis.stats.loglog_fit`);
* ``robust_min`` / ``robust_max``: the smallest and largest exponent gamma among the ninth-power
  chapter's top-1 power-law choices (:func:`analysis.ninth_power.fit_table`, mid-2020 data, at
  least :data:`MIN_POINTS` points, finite interval), each anchored at the 2020 best model:
  ``C = C_2020 · (E_2020 / target)**gamma``, with the interval from that choice's gamma interval;
* ``floor_aware``: ``E = F + A·C^b`` with ``F`` the measured label-noise floor, fitted as
  ``ln(E − F) = a + b ln C`` on the headline's points; a target at or below ``F`` is unreachable
  at any compute (``flop = inf``, ``reachable = False``).

``multiple_vs_2020`` divides by the compute of the 2020 best model: the lowest-error row up to
mid-2020 that has a compute value (:func:`best_2020`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from . import extrapolation as ex
from . import ninth_power as npw
from . import stats, tables

COMPUTE_FORMS = ("headline", "best_of_year", "robust_min", "robust_max", "floor_aware")
MIN_POINTS = 6
COMPUTE_LABELS = {
    "headline": "headline (ninth-power chapter)",
    "best_of_year": "best of each year (authors' method)",
    "robust_min": "smallest exponent among the choices",
    "robust_max": "largest exponent among the choices",
    "floor_aware": "floor at label noise",
}


@dataclass(frozen=True)
class ComputeFit:
    """``ln(E − floor) = a + b·ln C`` by statsmodels OLS (``floor = 0`` for a pure power law)."""

    form: str
    floor: float
    n: int
    result: Any

    @property
    def slope(self) -> float:
        return float(self.result.params[1])

    @property
    def gamma(self) -> float:
        """Exponent: compute grows as ``k**gamma`` for a k-fold cut in the (reducible) error."""
        return -1.0 / self.slope if self.slope < 0 else math.inf

    def compute_for_error(self, error_pct: float, level: float = ex.LEVEL) -> tuple[float, float, float]:
        """(flop, flop_low, flop_high) at which the line reaches ``error_pct``; inf when never."""
        if error_pct <= self.floor:
            return math.inf, math.inf, math.inf
        y = math.log(error_pct - self.floor)
        a, b = (float(v) for v in self.result.params)
        if b >= 0:
            return math.inf, 0.0, math.inf
        cov = np.asarray(self.result.cov_params())
        t2 = ex.tcrit(self.result.df_resid, level) ** 2
        x0 = (y - a) / b
        # (a + b x - y)^2 = t^2 (v00 + 2 v01 x + v11 x^2): the x whose confidence band contains y
        qa = b * b - t2 * cov[1, 1]
        qb = 2 * b * (a - y) - 2 * t2 * cov[0, 1]
        qc = (a - y) ** 2 - t2 * cov[0, 0]
        disc = qb * qb - 4 * qa * qc
        if qa <= 0 or disc < 0:  # slope not distinguishable from 0 at this level: unbounded
            return math.exp(x0), 0.0, math.inf
        r1, r2 = sorted(((-qb - math.sqrt(disc)) / (2 * qa), (-qb + math.sqrt(disc)) / (2 * qa)))
        return math.exp(x0), math.exp(r1), math.exp(r2)


def compute_points(models: pd.DataFrame, form: str) -> pd.DataFrame:
    """The (error, compute) points of one form, published up to mid-2020."""
    c = ex.COLUMNS
    if form == "best_of_year":
        best = ex.per_year_best(models, require_compute=True)
        return best[["model", "year", "error", "compute"]]
    if form in ("headline", "floor_aware"):
        h = npw.HEADLINE
        d = npw.select(npw.prepare(ex.to_mid2020(models)), h["measure"], h["subset"], h["metric"])
        return pd.DataFrame({"model": d["model"], "year": d["date"].dt.year, "error": d["error"],
                             "compute": d["compute"]}).reset_index(drop=True)
    raise ValueError(f"unknown compute form {form!r}; one of {COMPUTE_FORMS}")


def fit_compute(models: pd.DataFrame, form: str, floor: float | None = None) -> ComputeFit:
    pts = compute_points(models, form)
    fl = 0.0
    if form == "floor_aware":
        fl = ex.label_floor_pct() if floor is None else floor
        if fl >= pts["error"].min():
            raise ValueError(f"floor {fl}% is not below every error (lowest {pts['error'].min()}%)")
    y = np.log(pts["error"].to_numpy(float) - fl)
    res = sm.OLS(y, sm.add_constant(np.log(pts["compute"].to_numpy(float)), has_constant="add")).fit()
    return ComputeFit(form, fl, len(pts), res)


def best_2020(models: pd.DataFrame) -> pd.Series:
    """The lowest-error row up to mid-2020 that has a compute value (ties: first published)."""
    c = ex.COLUMNS
    f = ex.to_mid2020(models)
    f = f[f[c["compute"]].notna()].sort_values([c["error"], c["date"]], kind="mergesort")
    row = f.iloc[0]
    return pd.Series({"model": row[c["model"]], "date": row[c["date"]], "error": float(row[c["error"]]),
                      "compute": float(row[c["compute"]])})


def _headline(models: pd.DataFrame, level: float):
    return npw.headline_fit(ex.to_mid2020(models), level=level)


def _best_of_year(models: pd.DataFrame, level: float):
    pts = compute_points(models, "best_of_year")
    return stats.loglog_fit(pts["compute"], pts["error"], level=level)


def robustness_choices(models: pd.DataFrame, level: float = ex.LEVEL) -> pd.DataFrame:
    """The ninth-power chapter's top-1 power-law choices on mid-2020 data that enter the range."""
    t = npw.fit_table(ex.to_mid2020(models), level=level)
    keep = (t["metric"] == "top1") & (t["form"] == "polynomial") & (t["n"] >= MIN_POINTS) \
        & np.isfinite(t["gamma"]) & np.isfinite(t["gamma_ci_high"]) & (t["gamma_ci_low"] > 0)
    return t[keep].reset_index(drop=True)


def target_compute(models: pd.DataFrame, targets=(5.0, 3.0, 1.0), level: float = ex.LEVEL,
                   floor: float | None = None) -> pd.DataFrame:
    """Compute needed for each target error, per functional form (the cost chapter's input).

    One row per form and target. Columns: form, label, target_pct, flop, flop_low, flop_high
    (``level`` interval; ``inf`` = unbounded or unreachable), multiple_vs_2020 (flop / compute of
    :func:`best_2020`), orders_of_magnitude (log10 of flop_high / flop_low; inf when unbounded),
    gamma (exponent of the fit), n (points), reachable (False when the target is at or below the
    form's floor).
    """
    b = best_2020(models)
    base, e0 = b["compute"], b["error"]
    fits = {"headline": _headline(models, level), "best_of_year": _best_of_year(models, level)}
    choices = robustness_choices(models, level)
    lo_row, hi_row = choices.loc[choices["gamma"].idxmin()], choices.loc[choices["gamma"].idxmax()]
    floor_fit = fit_compute(models, "floor_aware", floor)
    rows = []
    for form in COMPUTE_FORMS:
        for target in targets:
            n, reachable = None, True
            if form in fits:
                fit = fits[form]
                flop, low, high = npw.compute_for_error(fit, target, level=level)
                gamma, n = fit.exponent().value, fit.n
            elif form in ("robust_min", "robust_max"):
                r = lo_row if form == "robust_min" else hi_row
                gamma, n = float(r["gamma"]), int(r["n"])
                flop, low, high = (base * (e0 / target) ** g for g in (gamma, r["gamma_ci_low"], r["gamma_ci_high"]))
            else:
                flop, low, high = floor_fit.compute_for_error(target, level)
                gamma, n, reachable = floor_fit.gamma, floor_fit.n, bool(target > floor_fit.floor)
            span = math.log10(high / low) if 0 < low and math.isfinite(high) else math.inf
            rows.append({"form": form, "label": COMPUTE_LABELS[form], "target_pct": float(target), "flop": flop,
                         "flop_low": low, "flop_high": high, "multiple_vs_2020": flop / base,
                         "orders_of_magnitude": span, "gamma": gamma, "n": n, "reachable": reachable})
    out = pd.DataFrame(rows)
    out.attrs["robust_min_choice"] = lo_row["analysis"]
    out.attrs["robust_max_choice"] = hi_row["analysis"]
    return out


def implied_compute_path(models: pd.DataFrame, trend_form: str = "log10", compute_form: str = "best_of_year",
                         start: float = 2012, end: float = 2025, level: float = ex.LEVEL) -> pd.DataFrame:
    """Compute implied along the time trend (the chart's bottom panel): at each year the trend's
    fitted error is turned into compute by the compute fit. Columns: year, error, flop, flop_low,
    flop_high (the compute fit's interval at the trend's central error)."""
    band = ex.trend_band(models, trend_form, start, end, level=level)
    fit = _headline(models, level) if compute_form == "headline" else _best_of_year(models, level)
    vals = [npw.compute_for_error(fit, e, level=level) for e in band["fit"]]
    return pd.DataFrame({"year": band["year"], "error": band["fit"], "flop": [v[0] for v in vals],
                         "flop_low": [v[1] for v in vals], "flop_high": [v[2] for v in vals]})


def source_comparison(models: pd.DataFrame, crossings: pd.DataFrame, compute: pd.DataFrame,
                      selections: pd.DataFrame) -> pd.DataFrame:
    """The source's figures beside ours (``crossings`` from :func:`ex.crossing_table`, ``compute``
    from :func:`target_compute`, ``selections`` from :func:`ex.selection_table`).

    Columns: claim_id, claim, source, claimed, ours, ours_low, ours_high, ours_what. Values as
    numbers (years, FLOP, multiples, percent); inf = never / unbounded.
    """
    claims = tables.load_article_claims()

    def cross(form, target):
        r = crossings[(crossings["form"] == form) & (crossings["target_pct"] == target)].iloc[0]
        return r["year"], r["pi_low"], r["pi_high"]

    def comp(form, target, col="flop"):
        r = compute[(compute["form"] == form) & (compute["target_pct"] == target)].iloc[0]
        scale = r["flop"] / r["multiple_vs_2020"] if col == "multiple_vs_2020" else 1.0
        return r["flop"] / scale, r["flop_low"] / scale, r["flop_high"] / scale

    authors = selections.set_index("selection").loc["authors_points"]
    best = ex.per_year_best(models)
    nan = float("nan")
    rows = [
        ("year_at_5pct", *cross("log10", 5.0), "log10 trend, all results; 95% prediction interval"),
        ("talk_year_at_5pct", authors["year_5pct"], nan, nan, "log10 trend, the authors' public points only"),
        ("talk_year_at_3pct", authors["year_3pct"], nan, nan, "log10 trend, the authors' public points only"),
        ("paper_multiple_at_5pct", *comp("headline", 5.0, "multiple_vs_2020"),
         "headline compute fit, multiple of the 2020 best model's compute; 95% interval"),
        ("compute_at_5pct", *comp("headline", 5.0), "headline compute fit; 95% interval"),
        ("paper_compute_at_1pct", *comp("headline", 1.0), "headline compute fit; 95% interval"),
        ("paper_best_error_2020", float(best["error"].iloc[-1]), nan, nan,
         f"lowest top-1 error published by 2020-06-30 ({best['model'].iloc[-1]})"),
    ]
    out = []
    for cid, ours, low, high, what in rows:
        out.append({"claim_id": cid, "claim": claims.loc[cid, "claim"], "source": claims.loc[cid, "source"],
                    "claimed": float(claims.loc[cid, "value"]), "ours": float(ours), "ours_low": float(low),
                    "ours_high": float(high), "ours_what": what})
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------------------------
# Display tables (strings, so stored outputs do not depend on the last digits of a float)
# ----------------------------------------------------------------------------------------------
def fmt_year(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "never"


def fmt_flop(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.1e}" if math.isfinite(value) else "unbounded"


def display_crossings(crossings: pd.DataFrame) -> pd.DataFrame:
    """Crossing years per form (rows) and target (columns): year [prediction] {bootstrap}."""
    t = crossings.copy()
    t["cell"] = [f"{fmt_year(r.year)} [{fmt_year(r.pi_low)}, {fmt_year(r.pi_high)}] "
                 f"{{{fmt_year(r.boot_low)}, {fmt_year(r.boot_high)}}}" for r in t.itertuples()]
    out = t.pivot(index="label", columns="target_pct", values="cell")
    out = out.loc[[ex.FORM_LABELS[f] for f in ex.FORMS], sorted(out.columns, reverse=True)]
    out.columns = [f"{c:g}% error" for c in out.columns]
    floors = t.groupby("label")["floor_pct"].first()
    out.insert(0, "floor (%)", [f"{floors[i]:.2f}" for i in out.index])
    out.index.name = "trend"
    return out


def display_compute(compute: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in compute.itertuples():
        if not r.reachable:
            rows.append({"fit": r.label, "target": f"{r.target_pct:g}%", "FLOP": "unreachable", "95% interval": "",
                         "x 2020 best": "", "orders of magnitude spanned": "", "gamma": f"{r.gamma:.1f}",
                         "points": r.n, "reachable": "no"})
            continue
        rows.append({"fit": r.label, "target": f"{r.target_pct:g}%", "FLOP": fmt_flop(r.flop),
                     "95% interval": f"{fmt_flop(r.flop_low)} to {fmt_flop(r.flop_high)}",
                     "x 2020 best": fmt_flop(r.multiple_vs_2020),
                     "orders of magnitude spanned": f"{r.orders_of_magnitude:.1f}" if math.isfinite(r.orders_of_magnitude) else "unbounded",
                     "gamma": f"{r.gamma:.1f}", "points": r.n, "reachable": "yes"})
    return pd.DataFrame(rows).set_index(["fit", "target"])


def display_comparison(comp: pd.DataFrame) -> pd.DataFrame:
    def fmt(v, cid):
        if not math.isfinite(v):
            return "" if v != v else "never"
        if cid.startswith(("year", "talk_year")):
            return f"{v:.1f}"
        if cid == "paper_best_error_2020":
            return f"{v:.1f}%"
        return f"{v:.1e}"

    rows = []
    for r in comp.itertuples():
        interval = f"{fmt(r.ours_low, r.claim_id)} to {fmt(r.ours_high, r.claim_id)}" if r.ours_low == r.ours_low else ""
        rows.append({"claim": r.claim_id, "source says": fmt(r.claimed, r.claim_id), "ours": fmt(r.ours, r.claim_id),
                     "ours, 95% interval": interval, "ours from": r.ours_what})
    return pd.DataFrame(rows).set_index("claim")


def display_best(best: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "year": best["year"], "model": best["model"], "top-1 error (%)": best["error"].map(lambda v: f"{v:.2f}"),
        "ReaL error (%)": best["error_real"].map(lambda v: f"{v:.2f}" if v == v else ""),
        "compute (FLOP)": best["compute"].map(lambda v: f"{v:.2e}" if v == v else ""),
    })
    return out.set_index("year")
