"""The extrapolation: when does ImageNet error reach 5%, 3% and 1%, and at what compute?

Chapter ``notebooks/extrapolation.md``. Everything here is what a reader could have known in
mid-2020: only results published up to :data:`CUTOFF` (2020-06-30, the paper's window) enter a fit.

Time trends (:func:`fit_trend`) are fitted to the **per-year best** top-1 error ``E`` (percent),
with the year as regressor, in three forms (:data:`FORMS`):

* ``log10``: ``log10 E = a + b·year`` (the authors' website form, paper-facts §5.3);
* ``logit``: ``logit(E/100) = a + b·year`` (error bounded by 0 and 100%);
* ``saturating``: ``log10(E − F) = a + b·year``, a floor ``F`` that the error approaches but never
  crosses: fixed at the measured label-noise floor (:func:`label_floor_pct`), or ``saturating_fitted``
  with ``F`` chosen by least squares on ``log10 E`` (profile over a grid).

Crossing years (:func:`crossing`) come with two intervals: the **prediction interval** (the years
whose statsmodels 95% prediction band for a new per-year best contains the target) and a
**residual bootstrap** percentile interval (:func:`bootstrap_crossings`; the floor is refitted in
every resample of ``saturating_fitted``). A target at or below a floor, or a trend whose band never
reaches the target, gives ``inf``: "never" is an answer. Glued values use :data:`NEVER_SENTINEL`.

Compute for a target error is in :mod:`analysis.extrapolation_compute` (:func:`target_compute`).
All column names of ``data/imagenet_models.csv`` used here are in :data:`COLUMNS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.stats
import statsmodels.api as sm

from . import tables

CUTOFF = pd.Timestamp("2020-06-30")
TARGETS = (5.0, 3.0, 1.0)
HORIZON = 2200.0  # latest year searched for a crossing; beyond it counts as never
NEVER_SENTINEL = 9999  # glued in place of a year that is never reached (documented on the Numbers page)
LEVEL = 0.95
N_BOOT = 2000
SEED = 20200630
FORMS = ("log10", "logit", "saturating", "saturating_fitted")
FORM_LABELS = {
    "log10": "log10 error on year (authors' form)",
    "logit": "logit error on year",
    "saturating": "floor at label noise",
    "saturating_fitted": "floor fitted",
}
# every column of data/imagenet_models.csv this chapter reads (one place to adapt)
COLUMNS = {
    "model": "model",
    "date": "publication_date",
    "error": "top1_error_pct",
    "error_real": "top1_error_real_pct",  # ReaL labels (Beyer et al. 2020); may be absent
    # hardware burden in the authors' convention (FP32 peak for GPUs), as the ninth-power headline
    # and the back-test use it, so that best-of-year points, the 2020 base and the headline agree
    "compute": "hardware_burden_authors_convention_flop",
    "extra_data": "extra_data",
    "authors_model": "authors_model",  # name of the matching point on the authors' website
}
SELECTIONS = {
    "all": "every result in the table (headline)",
    "with_compute": "results with a compute value (the authors' website rule)",
    "authors_points": "only the authors' public frontier points",
}


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
def label_floor_pct(noise: pd.DataFrame | None = None) -> float:
    """The measured floor (percent of validation images with a wrong original label)."""
    noise = tables.load_label_noise() if noise is None else noise
    return float(noise.loc[noise["headline"] == "yes", "value_pct"].iloc[0])


def to_mid2020(models: pd.DataFrame, cutoff: pd.Timestamp = CUTOFF) -> pd.DataFrame:
    """Rows published up to ``cutoff`` (the data a mid-2020 reader had)."""
    return models[models[COLUMNS["date"]] <= cutoff].copy()


def select_rows(models: pd.DataFrame, selection: str = "all") -> pd.DataFrame:
    """Rows of one selection (:data:`SELECTIONS`) before the per-year best is taken."""
    if selection == "all":
        return models
    if selection == "with_compute":
        return models[models[COLUMNS["compute"]].notna()]
    if selection == "authors_points":
        return models[models[COLUMNS["authors_model"]].notna()]
    raise ValueError(f"unknown selection {selection!r}; one of {sorted(SELECTIONS)}")


def per_year_best(models: pd.DataFrame, cutoff: pd.Timestamp = CUTOFF, require_compute: bool = False) -> pd.DataFrame:
    """Lowest top-1 error of each publication year up to ``cutoff`` (ties: first published).

    Columns: year, model, date, error, error_real (NaN where the table has no ReaL value or no
    such column), compute, extra_data. ``require_compute`` keeps only rows with a compute value first
    (the authors' website selection).
    """
    c = COLUMNS
    f = to_mid2020(models, cutoff)
    if require_compute:
        f = f[f[c["compute"]].notna()]
    f = f.sort_values([c["error"], c["date"], c["model"]], kind="mergesort")
    f = f.assign(year=f[c["date"]].dt.year).groupby("year", sort=True).head(1).sort_values("year")
    real = f[c["error_real"]] if c["error_real"] in f.columns else pd.Series(np.nan, index=f.index)
    return pd.DataFrame({
        "year": f["year"].astype(int).to_numpy(), "model": f[c["model"]].to_numpy(), "date": f[c["date"]].to_numpy(),
        "error": f[c["error"]].astype(float).to_numpy(), "error_real": real.astype(float).to_numpy(),
        "compute": f[c["compute"]].astype(float).to_numpy(), "extra_data": f[c["extra_data"]].to_numpy(),
    })


# ----------------------------------------------------------------------------------------------
# Transforms
# ----------------------------------------------------------------------------------------------
def transform(form: str, error_pct, floor: float = 0.0) -> np.ndarray:
    """Error (percent) -> the linear scale of ``form``; NaN at or below the floor."""
    e = np.asarray(error_pct, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if form == "log10":
            return np.log10(e)
        if form == "logit":
            p = e / 100.0
            return np.log(p / (1.0 - p))
        if form in ("saturating", "saturating_fitted"):
            return np.where(e > floor, np.log10(np.where(e > floor, e - floor, 1.0)), np.nan)
    raise ValueError(f"unknown form {form!r}; one of {FORMS}")


def inverse(form: str, value, floor: float = 0.0) -> np.ndarray:
    """Linear scale of ``form`` -> error in percent."""
    v = np.asarray(value, dtype=float)
    if form == "log10":
        return 10.0**v
    if form == "logit":
        return 100.0 / (1.0 + np.exp(-v))
    if form in ("saturating", "saturating_fitted"):
        return floor + 10.0**v
    raise ValueError(f"unknown form {form!r}; one of {FORMS}")


# ----------------------------------------------------------------------------------------------
# Fits
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendFit:
    """A straight line ``transform(E) = a + b·year`` (statsmodels OLS) in one form."""

    form: str
    floor: float
    years: np.ndarray = field(repr=False)
    errors: np.ndarray = field(repr=False)
    result: Any = field(repr=False, compare=False)

    @property
    def intercept(self) -> float:
        return float(self.result.params[0])

    @property
    def slope(self) -> float:
        return float(self.result.params[1])

    def predict(self, years, level: float = LEVEL) -> pd.DataFrame:
        """Fitted error (%) with the confidence band of the trend and the prediction band of a new
        per-year best, both at ``level``, at each year."""
        years = np.asarray(years, dtype=float)
        sf = self.result.get_prediction(sm.add_constant(years, has_constant="add")).summary_frame(alpha=1 - level)
        out = {"year": years}
        for name, col in (("fit", "mean"), ("ci_low", "mean_ci_lower"), ("ci_high", "mean_ci_upper"),
                          ("pi_low", "obs_ci_lower"), ("pi_high", "obs_ci_upper")):
            out[name] = inverse(self.form, sf[col].to_numpy(), self.floor)
        return pd.DataFrame(out)

    def crossing_year(self, target_pct: float) -> float:
        """Year the fitted trend reaches ``target_pct``; ``inf`` if never."""
        return _cross(self.form, self.floor, self.intercept, self.slope, target_pct)


def _cross(form: str, floor: float, a, b, target_pct: float):
    """Vectorised crossing year of ``a + b·year = transform(target)``; inf where never."""
    g = float(transform(form, target_pct, floor))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(b < 0, (g - a) / np.where(b < 0, b, -1.0), np.inf)
    if not math.isfinite(g):  # target at or below the floor
        t = np.full_like(t, np.inf)
    t = np.where(t > HORIZON, np.inf, t)
    return float(t) if t.ndim == 0 else t


def _ols(years: np.ndarray, y: np.ndarray):
    return sm.OLS(y, sm.add_constant(years.astype(float), has_constant="add")).fit()


def _profile_floor(years: np.ndarray, errors: np.ndarray, grid_size: int = 400) -> float:
    """Floor minimising the squared error of ``log10 E`` for ``log10(E − F) = a + b·year``."""
    floors = np.linspace(0.0, errors.min(), grid_size, endpoint=False)
    return float(floors[np.argmin(_profile_sse(years, errors[None, :], floors)[0])])


def _profile_sse(years: np.ndarray, errors: np.ndarray, floors: np.ndarray) -> np.ndarray:
    """SSE on log10 E for each (resample row of ``errors``) x (floor): shape (n_resamples, n_floors)."""
    t = years - years.mean()
    y = np.log10(errors[:, None, :] - floors[None, :, None])  # (R, F, n)
    b = (y * t).sum(-1) / (t * t).sum()
    a = y.mean(-1)
    fitted = floors[None, :, None] + 10.0 ** (a[..., None] + b[..., None] * t)
    return ((np.log10(errors[:, None, :]) - np.log10(fitted)) ** 2).sum(-1)


def fit_trend(best: pd.DataFrame, form: str, floor: float | None = None) -> TrendFit:
    """Fit one form to the per-year best (columns ``year``, ``error``).

    ``floor`` is required for ``saturating`` (the label-noise floor) and ignored otherwise;
    ``saturating_fitted`` estimates it.
    """
    years = best["year"].to_numpy(dtype=float)
    errors = best["error"].to_numpy(dtype=float)
    if len(years) < 3:
        raise ValueError(f"need at least 3 per-year points to fit a trend, got {len(years)}")
    if form == "saturating":
        if floor is None:
            raise ValueError("the saturating form needs a floor (percent)")
        if floor >= errors.min():
            raise ValueError(f"floor {floor}% is not below every per-year best (lowest {errors.min()}%)")
    elif form == "saturating_fitted":
        floor = _profile_floor(years, errors)
    elif form in ("log10", "logit"):
        floor = 0.0
    else:
        raise ValueError(f"unknown form {form!r}; one of {FORMS}")
    res = _ols(years, transform(form, errors, floor))
    return TrendFit(form, float(floor), years, errors, res)


def _band_crossing(fit: TrendFit, target_pct: float, level: float, band: str) -> tuple[float, float]:
    """Earliest and latest year at which the ``band`` ("pi" or "ci") contains the target (inf: never)."""
    g = float(transform(fit.form, target_pct, fit.floor))
    if not math.isfinite(g):
        return math.inf, math.inf
    grid = np.arange(fit.years.min(), HORIZON + 1e-9, 0.01)
    sf = fit.result.get_prediction(sm.add_constant(grid, has_constant="add")).summary_frame(alpha=1 - level)
    lo = sf["obs_ci_lower" if band == "pi" else "mean_ci_lower"].to_numpy()
    hi = sf["obs_ci_upper" if band == "pi" else "mean_ci_upper"].to_numpy()
    early = np.flatnonzero(lo <= g)
    late = np.flatnonzero(hi <= g)
    return (float(grid[early[0]]) if early.size else math.inf, float(grid[late[0]]) if late.size else math.inf)


def bootstrap_crossings(best: pd.DataFrame, form: str, floor: float | None = None, targets=TARGETS,
                        n_resamples: int = N_BOOT, seed: int = SEED) -> np.ndarray:
    """Residual-bootstrap crossing years, shape (n_resamples, len(targets)); inf = never.

    The years stay fixed (they are the design); residuals of the fit (on its own linear scale,
    and on log10 E for ``saturating_fitted``) are resampled with replacement and inflated by
    ``sqrt(n / (n - 2))``. ``saturating_fitted`` refits its floor in every resample.
    """
    fit = fit_trend(best, form, floor)
    rng = np.random.default_rng(seed)
    years = fit.years
    n = years.size
    idx = rng.integers(0, n, size=(n_resamples, n))
    t = years - years.mean()
    if form == "saturating_fitted":
        log_fit = np.log10(inverse(form, fit.result.fittedvalues, fit.floor))
        resid = np.log10(fit.errors) - log_fit
        errs = 10.0 ** (log_fit + resid[idx] * math.sqrt(n / (n - 2)))
        out = np.empty((n_resamples, len(targets)))
        for start in range(0, n_resamples, 200):  # chunks keep memory small
            e = errs[start:start + 200]
            floors = np.linspace(0.0, 1.0, 400, endpoint=False)[None, :] * e.min(1, keepdims=True)
            sse = np.stack([_profile_sse(years, e[i:i + 1], floors[i])[0] for i in range(e.shape[0])])
            fl = floors[np.arange(e.shape[0]), np.argmin(sse, 1)]
            y = np.log10(e - fl[:, None])
            b = (y * t).sum(1) / (t * t).sum()
            a = y.mean(1) - b * years.mean()
            for j, target in enumerate(targets):
                out[start:start + 200, j] = [_cross(form, f, ai, bi, target) for f, ai, bi in zip(fl, a, b)]
        return out
    resid = np.asarray(fit.result.resid)
    y = np.asarray(fit.result.fittedvalues)[None, :] + resid[idx] * math.sqrt(n / (n - 2))
    b = (y * t).sum(1) / (t * t).sum()
    a = y.mean(1) - b * years.mean()
    return np.column_stack([_cross(form, fit.floor, a, b, target) for target in targets])


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q, method="inverted_cdf"))  # order statistic: inf-safe


def crossing_table(models: pd.DataFrame, level: float = LEVEL, n_resamples: int = N_BOOT,
                   floor: float | None = None) -> pd.DataFrame:
    """One row per form and target: the crossing year with its prediction and bootstrap intervals.

    Columns: form, label, floor_pct, slope (per year, on the form's scale), r2, target_pct, year,
    pi_low, pi_high (prediction band), ci_low, ci_high (confidence band of the trend),
    boot_low, boot_high (residual bootstrap percentile), boot_never_share. ``inf`` = never.
    """
    floor = label_floor_pct() if floor is None else floor
    best = per_year_best(models)
    rows = []
    for form in FORMS:
        fit = fit_trend(best, form, floor)
        boot = bootstrap_crossings(best, form, floor, TARGETS, n_resamples)
        a = (1 - level) / 2
        for j, target in enumerate(TARGETS):
            pi = _band_crossing(fit, target, level, "pi")
            ci = _band_crossing(fit, target, level, "ci")
            rows.append({
                "form": form, "label": FORM_LABELS[form], "floor_pct": fit.floor, "slope": fit.slope,
                "r2": float(fit.result.rsquared), "target_pct": target, "year": fit.crossing_year(target),
                "pi_low": pi[0], "pi_high": pi[1], "ci_low": ci[0], "ci_high": ci[1],
                "boot_low": _percentile(boot[:, j], a), "boot_high": _percentile(boot[:, j], 1 - a),
                "boot_never_share": float(np.mean(~np.isfinite(boot[:, j]))),
            })
    return pd.DataFrame(rows)


def selection_table(models: pd.DataFrame, form: str = "log10") -> pd.DataFrame:
    """Crossing years of one form under each selection of points (:data:`SELECTIONS`)."""
    rows = []
    for key, label in SELECTIONS.items():
        best = per_year_best(select_rows(models, key))
        fit = fit_trend(best, form, label_floor_pct() if form == "saturating" else None)
        rows.append({"selection": key, "label": label, "n_years": len(best),
                     "last_year": int(best["year"].iloc[-1]),
                     "last_error": float(best["error"].iloc[-1]), "slope": fit.slope,
                     **{f"year_{t:g}pct": fit.crossing_year(t) for t in TARGETS}})
    return pd.DataFrame(rows)


def year_or_sentinel(value: float) -> float:
    """A crossing year for glue: the year itself, or :data:`NEVER_SENTINEL` when never."""
    return float(value) if math.isfinite(value) else float(NEVER_SENTINEL)


def trend_band(models: pd.DataFrame, form: str = "log10", start: float = 2012, end: float = 2025,
               floor: float | None = None, level: float = LEVEL) -> pd.DataFrame:
    """The fitted trend with its bands on a 0.1-year grid (the chart's top panel)."""
    floor = label_floor_pct() if floor is None else floor
    fit = fit_trend(per_year_best(models), form, floor)
    out = fit.predict(np.round(np.arange(start, end + 1e-9, 0.1), 1), level)
    return out.assign(form=form, label=FORM_LABELS[form])


def coverage_check(models: pd.DataFrame, n_sims: int = 200, n_resamples: int = 500, target: float = 5.0,
                   seed: int = SEED) -> dict[str, float]:
    """Coverage of the three intervals on synthetic per-year bests drawn from the fitted log10 trend
    (same years, normal residuals with the fit's residual standard deviation).

    Returns the share of data sets whose interval contains the true crossing year of the trend,
    for the confidence band (``ci``), the prediction band (``pi``) and the bootstrap (``boot``).
    """
    best = per_year_best(models)
    fit = fit_trend(best, "log10")
    sd = math.sqrt(float(fit.result.scale))
    truth = fit.crossing_year(target)
    rng = np.random.default_rng(seed)
    hits = {"ci": 0, "pi": 0, "boot": 0}
    for i in range(n_sims):
        y = np.asarray(fit.result.fittedvalues) + sd * rng.standard_normal(fit.years.size)
        sim = pd.DataFrame({"year": fit.years, "error": 10.0**y})
        f = fit_trend(sim, "log10")
        for band in ("ci", "pi"):
            lo, hi = _band_crossing(f, target, LEVEL, band)
            hits[band] += lo <= truth <= hi
        boot = bootstrap_crossings(sim, "log10", targets=(target,), n_resamples=n_resamples, seed=seed + i)[:, 0]
        a = (1 - LEVEL) / 2
        hits["boot"] += _percentile(boot, a) <= truth <= _percentile(boot, 1 - a)
    return {k: v / n_sims for k, v in hits.items()} | {"n_sims": n_sims, "residual_sd_log10": sd}


def tcrit(df: float, level: float = LEVEL) -> float:
    return float(scipy.stats.t.ppf(0.5 + level / 2, df))
