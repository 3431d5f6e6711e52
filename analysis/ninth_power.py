"""ImageNet compute against error: does the "ninth power" hold (chapter ``notebooks/ninth_power.md``)?

The article's claim: on ImageNet, compute has grown with at least the 9th power of the improvement
(error ``∝ C**slope`` with ``gamma = -1/slope >= 9``), so halving the error costs more than 500× the
compute. This module fits that relation on ``data/imagenet_models.csv`` under every analysis choice
a referee would try and returns one row per choice (:func:`fit_table`).

Stable interface (used by the extrapolation chapter):

* :func:`fit_table` (one row per analysis choice),
* :func:`headline_fit` (the :class:`analysis.stats.LogLogFit` the chapter argues for),
* :func:`compute_for_error` (compute needed for a target error, with an interval).

All column names of the evidence table are isolated in :data:`COLUMNS` (one place to adapt when
the table changes); optional columns that may be missing fall back to a stated rule
(:func:`prepare`). Logs: fits run on natural logs (``analysis.stats``); slopes do not depend on the
base. Errors are in percent, compute in FLOP.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from . import stats, tables

# ----------------------------------------------------------------------------------------------
# Column map: every name of data/imagenet_models.csv used by this chapter (candidates in order)
# ----------------------------------------------------------------------------------------------
COLUMNS: dict[str, tuple[str, ...]] = {
    "model": ("model",),
    "paper": ("paper_title", "source"),
    "date": ("publication_date",),
    "top1": ("top1_error_pct",),
    "top5": ("top5_error_pct",),
    "operations": ("operations_flop",),
    "operations_status": ("operations_status",),
    # hardware burden in the authors' convention (FP32 peak for GPUs, BF16 for TPUs)
    "burden_authors": ("hardware_burden_authors_convention_flop", "hardware_burden_fp32_flop", "hardware_burden_flop"),
    # hardware burden at the precision the run trained in (16-bit tensor peak for mixed precision)
    # (when the table also holds the authors'-convention column, ``hardware_burden_flop`` is the
    # burden at the training precision; otherwise it is derived, see _burden_training_fallback)
    "burden_training": ("hardware_burden_training_precision_flop", "hardware_burden_training_flop"),
    "burden_plain": ("hardware_burden_flop",),
    "authors_points": ("authors_hardware_burden_flop",),
    "log10_unc": ("hardware_burden_log10_sd", "compute_log10_uncertainty", "compute_log10_sd"),
    "ops_log10_unc": ("operations_log10_sd", "operations_log10_uncertainty"),
    "ensemble": ("ensemble",),
    "ensemble_size": ("ensemble_size",),
    "single_model": ("single_model",),
    "extra_data": ("extra_data",),
    "caveat": ("accuracy_caveat",),
    "search": ("search_cost_included", "includes_search", "compute_includes_search"),
    "accelerator": ("accelerator",),
    "count": ("accelerator_count",),
    "hours": ("train_hours",),
    "notes": ("notes",),
}

# Fallback when the table has no column saying that compute includes an architecture search: the
# rows whose notes say their hardware time is the search run (MnasNet-A3: "each architecture
# search takes 4.5 days on 64 TPUv2 devices"; NASNet-A: 500 GPUs for 4 days).
SEARCH_FALLBACK = re.compile(r"^(MnasNet-A3|NASNET-A\(6\)|NASNet-A)", re.I)

# Fallback per-row uncertainty of log10(compute) when the table gives none: one standard deviation
# by how the value was obtained. A value the paper reports: a factor 10**0.15 = 1.4; our estimate
# from inputs (peak x devices x hours, or 3 x forward FLOPs x images x epochs): 10**0.3 = 2; an
# Epoch AI estimate of another run's compute: 10**0.5 = 3.2. A stated rule, not a measurement; the
# chapter shows how the errors-in-variables fit moves when the uncertainties are halved or doubled.
DEFAULT_LOG10_UNC = {"reported": 0.15, "estimated": 0.3, "epoch": 0.5}

MEASURES = {
    "burden": "hardware burden (authors' convention)",
    "burden_training": "hardware burden (training precision)",
    "operations": "operations",
    "authors_points": "authors' public points",
}
SUBSETS = ("all", "single", "frontier", "imagenet1k", "no_search", "confirmed")
HEADLINE = {"measure": "burden", "subset": "single", "metric": "top1", "direction": "y_on_x", "form": "polynomial"}
REF_YEAR = 2012


def column(frame: pd.DataFrame, key: str, required: bool = True) -> str | None:
    """The name of the column that holds ``key`` (first candidate present), or None."""
    for name in COLUMNS[key]:
        if name in frame.columns:
            return name
    if required:
        raise KeyError(f"data/imagenet_models.csv: none of the columns {COLUMNS[key]} for {key!r}")
    return None


def _ensemble_size(name: str) -> int | None:
    m = re.search(r"(\d+)\s*(?:CNNs|convnets|nets|models)", name, re.I)
    return int(m.group(1)) if m else None


def prepare(models: pd.DataFrame, hardware: pd.DataFrame | None = None) -> pd.DataFrame:
    """One tidy frame with the chapter's variables under fixed names.

    Columns: model, paper, date, year, top1, top5, burden, burden_training, operations,
    authors_points, log10_unc (per measure: unc_<measure>), single (bool), ensemble_size,
    imagenet1k (bool), search (bool), confirmed (bool), plus the hardware inputs.
    Missing optional columns degrade as documented in :data:`COLUMNS` and the notes above.
    """
    f = models
    out = pd.DataFrame({
        "model": f[column(f, "model")].astype(str),
        "paper": f[column(f, "paper")].astype(str),
        "date": pd.to_datetime(f[column(f, "date")]),
        "top1": f[column(f, "top1")].astype(float),
        "top5": f[column(f, "top5")].astype(float),
        "burden": f[column(f, "burden_authors")].astype(float),
        "operations": f[column(f, "operations")].astype(float),
        "authors_points": f[column(f, "authors_points")].astype(float),
    })
    out["year"] = out["date"].dt.year + (out["date"].dt.day_of_year - 1) / 365.25
    for key in ("accelerator", "count", "hours"):
        col = column(f, key, required=False)
        out[key] = f[col] if col else np.nan
    # burden at training precision: the column if present, else derived from the device table
    col = column(f, "burden_training", required=False)
    if col is None and column(f, "burden_authors") != "hardware_burden_flop":
        col = column(f, "burden_plain", required=False)
    if col:
        out["burden_training"] = f[col].astype(float)
    else:
        out["burden_training"] = _burden_training_fallback(out, hardware)
    # ensembles and single models
    ens_col, size_col, single_col = (column(f, k, required=False) for k in ("ensemble", "ensemble_size", "single_model"))
    if size_col:
        size = f[size_col].astype(float)
    else:
        size = pd.Series([_ensemble_size(m) for m in out["model"]], index=f.index, dtype=float)
    is_ens = f[ens_col].eq("yes") if ens_col else pd.Series(False, index=f.index)
    size = size.where(size.notna() | ~is_ens, np.nan)
    out["ensemble_size"] = size.where(size.notna(), np.where(is_ens, np.nan, 1.0))
    if single_col:
        out["single"] = f[single_col].astype(str).str.lower().isin(["yes", "true", "1"])
    else:
        out["single"] = ~is_ens & (out["ensemble_size"].fillna(2) == 1)
    extra = f[column(f, "extra_data")]
    out["imagenet1k"] = extra.eq("none")
    cav = column(f, "caveat", required=False)
    out["confirmed"] = f[cav].isna() if cav else True
    scol = column(f, "search", required=False)
    if scol:
        out["search"] = f[scol].astype(str).str.lower().isin(["yes", "true", "1"])
    else:
        out["search"] = out["model"].str.match(SEARCH_FALLBACK)
    # per-row log10 uncertainty of each compute measure
    status_col = column(f, "operations_status")
    unc_col, ops_unc_col = column(f, "log10_unc", required=False), column(f, "ops_log10_unc", required=False)
    burden_status = f["hardware_burden_status"] if "hardware_burden_status" in f.columns else "estimated"
    default_b = pd.Series(burden_status, index=f.index).map(DEFAULT_LOG10_UNC).fillna(DEFAULT_LOG10_UNC["estimated"])
    default_o = f[status_col].map(DEFAULT_LOG10_UNC).fillna(DEFAULT_LOG10_UNC["estimated"])
    out["unc_burden"] = f[unc_col].astype(float).fillna(default_b) if unc_col else default_b
    out["unc_burden_training"] = out["unc_burden"]
    out["unc_operations"] = f[ops_unc_col].astype(float).fillna(default_o) if ops_unc_col else default_o
    out["unc_authors_points"] = DEFAULT_LOG10_UNC["estimated"]
    out["unc_default_rule"] = unc_col is None
    return out.reset_index(drop=True)


def _burden_training_fallback(out: pd.DataFrame, hardware: pd.DataFrame | None) -> pd.Series:
    """Burden with the 16-bit tensor peak for GPUs that have tensor cores (Volta and later).

    The table records the FP32 peak for every GPU (the authors' convention); runs on V100/A100/H100
    almost always trained in mixed precision, so this rescales those rows by tensor/FP32 peak.
    Rows on other devices keep their value.
    """
    if hardware is None:
        hardware = tables.hardware_table()
    h = hardware.set_index("accelerator")
    ratio = (h["peak_tensor_16bit_flops"] / h["peak_fp32_flops"]).where(h["kind"].eq("gpu"))
    factor = out["accelerator"].map(ratio).fillna(1.0)
    return out["burden"] * factor


# ----------------------------------------------------------------------------------------------
# Selecting the points of one analysis
# ----------------------------------------------------------------------------------------------
def select(data: pd.DataFrame, measure: str = "burden", subset: str = "all", metric: str = "top1",
           start_year: float | None = None) -> pd.DataFrame:
    """Rows with the compute measure and the error metric, restricted to ``subset``.

    ``subset``: all | single (no ensembles) | frontier (lowest error of each publication year
    among the rows with this measure) | imagenet1k (no extra training data, established) |
    no_search (compute without architecture search) | confirmed (no accuracy caveat).
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown compute measure {measure!r}; one of {sorted(MEASURES)}")
    d = data[data[measure].notna() & data[metric].notna() & (data[measure] > 0)].copy()
    if start_year is not None:
        d = d[d["year"] >= start_year]
    if subset == "all":
        pass
    elif subset == "single":
        d = d[d["single"]]
    elif subset == "frontier":
        d = d[d["single"]]
        d["cal_year"] = d["date"].dt.year
        d = d.sort_values([metric, "date"]).groupby("cal_year", sort=True).head(1).drop(columns="cal_year")
    elif subset == "imagenet1k":
        d = d[d["single"] & d["imagenet1k"]]
    elif subset == "no_search":
        d = d[d["single"] & ~d["search"]]
    elif subset == "confirmed":
        d = d[d["single"] & d["confirmed"]]
    else:
        raise ValueError(f"unknown subset {subset!r}; one of {SUBSETS}")
    out = d.sort_values("date").reset_index(drop=True)
    out["compute"] = out[measure]
    out["error"] = out[metric]
    out["unc"] = out[f"unc_{measure}"]
    return out


# ----------------------------------------------------------------------------------------------
# Fits
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    analysis: str
    measure: str = "burden"
    subset: str = "single"
    metric: str = "top1"
    direction: str = "y_on_x"  # y_on_x | x_on_y | eiv_moments | simex
    form: str = "polynomial"  # polynomial | exponential | time_trend
    cluster: bool = True
    start_year: float | None = None


def fit_points(d: pd.DataFrame, direction: str = "y_on_x", cluster: bool = True, level: float = 0.95) -> stats.LogLogFit:
    """The power-law fit of one selection (natural logs) in the given direction."""
    groups = d["paper"].to_numpy() if cluster and d["paper"].nunique() >= 2 and d["paper"].nunique() < len(d) else None
    if direction == "y_on_x":
        return stats.loglog_fit(d["compute"], d["error"], groups=groups, level=level)
    if direction == "x_on_y":
        return stats.loglog_fit_reverse(d["compute"], d["error"], groups=groups, level=level)
    raise ValueError(f"unknown direction {direction!r}")


def _time_trend(d: pd.DataFrame, level: float):
    exog = sm.add_constant(np.column_stack([np.log(d["compute"]), d["year"] - REF_YEAR]))
    res = sm.OLS(np.log(d["error"].to_numpy()), exog).fit()
    low, high = res.conf_int(alpha=1 - level)[1]
    return res, float(res.params[1]), float(res.bse[1]), float(low), float(high)


def _exponential(d: pd.DataFrame, level: float):
    """error = a + b·log10(C) (compute exponential in the error). Returns the statsmodels result."""
    exog = sm.add_constant(np.log10(d["compute"].to_numpy()))
    return sm.OLS(d["error"].to_numpy(), exog).fit()


def _gamma_from_slope(slope: float, low: float, high: float) -> tuple[float, float, float]:
    g = stats.exponent_from_slope
    return g(slope), g(low), g(high)


def run_choice(data: pd.DataFrame, ch: Choice, level: float = 0.95) -> dict:
    """Fit one analysis choice; a dict with the columns of :func:`fit_table`."""
    from . import eiv

    d = select(data, ch.measure, ch.subset, ch.metric, ch.start_year)
    row = {"analysis": ch.analysis, "subset": ch.subset, "compute_measure": ch.measure, "metric": ch.metric,
           "direction": ch.direction, "form": ch.form, "start_year": ch.start_year, "n": len(d),
           "n_papers": d["paper"].nunique()}
    nan = float("nan")
    if len(d) < 4:
        return row | {k: nan for k in ("slope", "slope_se", "slope_ci_low", "slope_ci_high", "gamma", "gamma_ci_low",
                                       "gamma_ci_high", "halving_multiplier", "halving_ci_low", "halving_ci_high", "r2")}
    r2 = nan
    if ch.form == "polynomial" and ch.direction in ("y_on_x", "x_on_y"):
        fit = fit_points(d, ch.direction, ch.cluster, level)
        r2 = fit.r2
        if ch.direction == "y_on_x":
            slope, se, lo, hi = fit.slope, fit.slope_se, fit.slope_low, fit.slope_high
        else:  # report the implied error-on-compute slope -1/gamma
            g = fit.exponent()
            slope, lo, hi = -1 / g.value, -1 / g.low if g.low > 0 else -math.inf, -1 / g.high
            se = fit.slope_se / fit.slope**2
    elif ch.form == "polynomial":
        est = eiv.eiv_fit(np.log(d["compute"]), np.log(d["error"]), np.log(10) * d["unc"].to_numpy(),
                          method=ch.direction.replace("eiv_", ""), level=level)
        slope, se, lo, hi = est.slope, est.slope_se, est.slope_low, est.slope_high
    elif ch.form == "time_trend":
        res, slope, se, lo, hi = _time_trend(d, level)
        r2 = float(res.rsquared)
    elif ch.form == "exponential":
        res = _exponential(d, level)
        b = float(res.params[1])
        blo, bhi = res.conf_int(alpha=1 - level)[1]
        e0 = float(d["error"].min())
        # halving from the lowest error of the selection: Δlog10 C = (e0/2)/|b|
        mult = [10 ** (e0 / 2 / -x) if x < 0 else math.inf for x in (b, bhi, blo)]
        return row | {"slope": b, "slope_se": float(res.bse[1]), "slope_ci_low": float(blo), "slope_ci_high": float(bhi),
                      "gamma": nan, "gamma_ci_low": nan, "gamma_ci_high": nan, "halving_multiplier": mult[0],
                      "halving_ci_low": mult[1], "halving_ci_high": mult[2], "r2": float(res.rsquared)}
    else:
        raise ValueError(f"unknown form {ch.form!r}")
    gamma, glo, ghi = _gamma_from_slope(slope, lo, hi)
    return row | {"slope": slope, "slope_se": se, "slope_ci_low": lo, "slope_ci_high": hi, "gamma": gamma,
                  "gamma_ci_low": glo, "gamma_ci_high": ghi, "halving_multiplier": 2.0**gamma,
                  "halving_ci_low": 2.0**glo, "halving_ci_high": 2.0**ghi if math.isfinite(ghi) else math.inf, "r2": r2}


def choices() -> list[Choice]:
    """Every analysis choice of the chapter, the headline first."""
    h = Choice("headline")
    out = [h]
    for m in MEASURES:
        for s in SUBSETS:
            for metric in ("top1", "top5"):
                if (m, s, metric) != (h.measure, h.subset, h.metric):
                    out.append(Choice(f"{m} / {s} / {metric}", m, s, metric))
    out += [
        Choice("reverse direction (compute on error)", direction="x_on_y"),
        Choice("errors in variables (moments)", direction="eiv_moments"),
        Choice("errors in variables (SIMEX)", direction="eiv_simex"),
        Choice("no clustering by paper", cluster=False),
        Choice("with a time trend", form="time_trend"),
        Choice("exponential form", form="exponential"),
        Choice("operations, reverse direction", measure="operations", direction="x_on_y"),
        Choice("operations, errors in variables", measure="operations", direction="eiv_moments"),
        Choice("frontier, reverse direction", subset="frontier", direction="x_on_y"),
        Choice("authors' points, reverse direction", measure="authors_points", subset="all", direction="x_on_y"),
        Choice("operations, with a time trend", measure="operations", form="time_trend"),
    ]
    out += [Choice(f"from {y}", start_year=y) for y in (2015, 2017, 2019)]
    return out


def fit_table(models: pd.DataFrame, level: float = 0.95, hardware: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per analysis choice: the fit, its exponent and the multiplier to halve the error.

    Columns: analysis, subset, compute_measure, metric, direction, form, start_year, n, n_papers,
    slope (of ln error on ln compute; for ``x_on_y`` the implied ``-1/gamma``; for the exponential
    form the slope of error (%) on log10 compute), slope_se, slope_ci_low/high, gamma (= -1/slope),
    gamma_ci_low/high, halving_multiplier (2**gamma; exponential form: from the lowest error of the
    selection), halving_ci_low/high, r2. Rows with fewer than 4 points carry NaN.
    """
    data = prepare(models, hardware)
    rows = [run_choice(data, ch, level) for ch in choices()]
    return pd.DataFrame(rows)


def headline_fit(models: pd.DataFrame, level: float = 0.95, hardware: pd.DataFrame | None = None) -> stats.LogLogFit:
    """The fit the chapter argues for: ln top-1 error on ln hardware burden, single models,
    cluster-robust by paper (see the chapter for why)."""
    data = prepare(models, hardware)
    d = select(data, HEADLINE["measure"], HEADLINE["subset"], HEADLINE["metric"])
    return fit_points(d, "y_on_x", cluster=True, level=level)


def compute_for_error(fit, error_pct: float, level: float = 0.95, interval: str = "mean") -> tuple[float, float, float]:
    """Compute (FLOP) at which the fit reaches ``error_pct``, with a ``level`` interval.

    * error-on-compute fit (``direction == "y_on_x"``): invert ``ln E = a + b ln C``; the interval
      is the set of C whose confidence band (``interval="mean"``) or prediction band
      (``"prediction"``) contains ``ln E`` (Fieller-type inversion); ``inf`` where the band does not
      close (the slope is not distinguishable from zero at that level);
    * compute-on-error fit (``"x_on_y"``): direct prediction of ``ln C`` at ``ln E`` with its band;
    * floor-aware fit (:class:`analysis.ninth_power_robust.FloorFit`): ``inf`` when the target is at
      or below the fitted floor (also for bootstrap draws whose floor is above the target).
    """
    if hasattr(fit, "compute_for_error"):
        return fit.compute_for_error(error_pct, level)
    res = fit.result
    y = math.log(error_pct)
    cov = np.asarray(res.cov_params())
    scale_extra = float(res.scale) if interval == "prediction" else 0.0
    tcrit = (fit.slope_high - fit.slope) / fit.slope_se
    a, b = fit.intercept, fit.slope
    if fit.direction == "x_on_y":
        mean = a + b * y
        var = cov[0, 0] + 2 * cov[0, 1] * y + cov[1, 1] * y * y + scale_extra
        half = tcrit * math.sqrt(var)
        return math.exp(mean), math.exp(mean - half), math.exp(mean + half)
    x0 = (y - a) / b
    # (a + b x - y)^2 = t^2 (v00 + 2 v01 x + v11 x^2 + s2)  ->  A x^2 + B x + C = 0
    t2 = tcrit**2
    A = b * b - t2 * cov[1, 1]
    B = 2 * b * (a - y) - 2 * t2 * cov[0, 1]
    C = (a - y) ** 2 - t2 * (cov[0, 0] + scale_extra)
    disc = B * B - 4 * A * C
    if A <= 0 or disc < 0:
        return math.exp(x0), 0.0, math.inf
    r1, r2 = sorted(((-B - math.sqrt(disc)) / (2 * A), (-B + math.sqrt(disc)) / (2 * A)))
    return math.exp(x0), math.exp(r1), math.exp(r2)

