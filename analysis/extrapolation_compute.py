"""Compute for a target ImageNet error, as a mid-2020 reader could have estimated it.

Used by the extrapolation chapter and imported by the cost chapter (:func:`target_compute`).
Only results published up to :data:`analysis.extrapolation.CUTOFF` enter a fit. Errors in percent,
compute in FLOP (hardware burden, the paper's measure). Fits run on natural logs.

Forms (rows of :func:`target_compute`):

* ``best_of_year``: the authors' website method (paper-facts §5.3): the lowest-error row of each
  year among rows with a compute value, ``ln E = a + b ln C`` by OLS; the interval is the set of
  compute values whose 95% confidence band of the line contains the target (Fieller-type inversion;
  ``inf`` where the band never closes);
* ``all_single``: the same fit on every single-model row with a compute value (no ensembles);
* ``floor_aware``: ``E = F + A·C^b`` with ``F`` the measured label-noise floor, fitted as
  ``ln(E − F) = a + b ln C`` on the ``all_single`` rows; a target at or below ``F`` is unreachable
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

COMPUTE_FORMS = ("best_of_year", "all_single", "floor_aware")
COMPUTE_LABELS = {
    "best_of_year": "best of each year (authors' website method)",
    "all_single": "all single models",
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
    if form in ("all_single", "floor_aware"):
        f = ex.to_mid2020(models)
        f = f[f[c["compute"]].notna() & (f["ensemble"] != "yes")]
        return pd.DataFrame({"model": f[c["model"]], "year": f[c["date"]].dt.year, "error": f[c["error"]],
                             "compute": f[c["compute"]]}).reset_index(drop=True)
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


def target_compute(models: pd.DataFrame, targets=(5.0, 3.0, 1.0), level: float = ex.LEVEL,
                   floor: float | None = None) -> pd.DataFrame:
    """Compute needed for each target error, per functional form (the cost chapter's input).

    One row per form and target. Columns: form, label, target_pct, flop, flop_low, flop_high
    (``level`` interval; ``inf`` = unbounded or unreachable), multiple_vs_2020 (flop / compute of
    :func:`best_2020`), orders_of_magnitude (log10 of flop_high / flop_low; inf when unbounded),
    gamma (exponent of the fit), n (points), reachable (False when the target is at or below the
    form's floor).
    """
    base = best_2020(models)["compute"]
    rows = []
    for form in COMPUTE_FORMS:
        fit = fit_compute(models, form, floor)
        for target in targets:
            flop, low, high = fit.compute_for_error(target, level)
            span = math.log10(high / low) if 0 < low and math.isfinite(high) else math.inf
            rows.append({"form": form, "label": COMPUTE_LABELS[form], "target_pct": float(target), "flop": flop,
                         "flop_low": low, "flop_high": high, "multiple_vs_2020": flop / base,
                         "orders_of_magnitude": span, "gamma": fit.gamma, "n": fit.n,
                         "reachable": bool(target > fit.floor)})
    return pd.DataFrame(rows)


def implied_compute_path(models: pd.DataFrame, trend_form: str = "log10", compute_form: str = "best_of_year",
                         start: float = 2012, end: float = 2025, level: float = ex.LEVEL) -> pd.DataFrame:
    """Compute implied along the time trend (the chart's bottom panel): at each year the trend's
    fitted error is turned into compute by the compute fit. Columns: year, error, flop, flop_low,
    flop_high (the compute fit's interval at the trend's central error)."""
    band = ex.trend_band(models, trend_form, start, end, level=level)
    fit = fit_compute(models, compute_form)
    vals = [fit.compute_for_error(e, level) for e in band["fit"]]
    return pd.DataFrame({"year": band["year"], "error": band["fit"], "flop": [v[0] for v in vals],
                         "flop_low": [v[1] for v in vals], "flop_high": [v[2] for v in vals]})
