"""Exponents of the k² chapter: power-law fits of the simulated errors, data multipliers, tables.

Slopes are fitted by weighted least squares of log(summary error) on log n
(:func:`analysis.stats.loglog_fit`), where the summary is the RMSE (or the mean error) over
replicates and each point's weight is the inverse of the delta-method variance of its logarithm
(:meth:`analysis.k2_sim.Simulation.log_se`). The residual scale is estimated, so the 95% interval widens
when the points scatter more than their Monte-Carlo errors allow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .numbers import headline_frame
from .k2 import Config, total_samples
from .k2_sim import Simulation
from .k2_theory import bayes_error_gaussian

__all__ = [
    "Z95",
    "data_multiplier",
    "fit_power_law",
    "fit_simulation",
    "slope_table",
    "fitted_multiplier_table",
    "grid_theory_slope",
    "k2_headline_rows",
    "metric_exponents",
    "points_table",
]

Z95 = 1.959963984540054
KS = (2, 10, 100)
#: glue-key stems of the learners whose numbers the chapter quotes
GLUE_NAMES = {"mean": "mean", "ols_coef": "ols", "ols_risk": "ols_risk", "logistic": "logistic",
              "knn_d1": "knn_d1", "knn_d2": "knn", "knn_d4": "knn_d4"}
#: the error each learner's curve measures: an RMSE, a squared-error excess risk (MSE) or an excess 0-1 error
METRIC = {"mean": "RMSE", "ols_coef": "RMSE", "ols_risk": "MSE", "logistic": "0-1",
          "knn_d1": "RMSE", "knn_d2": "RMSE", "knn_d4": "RMSE"}


def fit_power_law(ns, values, log_se) -> stats.LogLogFit:
    """Weighted least-squares power law ``values ∝ ns**slope`` with weights ``1 / log_se**2``.

    Parameters
    ----------
    ns, values : array_like
        Sample sizes and the summary error at each (positive, at least 3 points).
    log_se : array_like
        Standard error of ``log(values)`` at each point.

    Returns
    -------
    analysis.stats.LogLogFit
        Slope with its 95% t-interval; ``scale`` about 1 when a straight line fits.

    Examples
    --------
    >>> import numpy as np
    >>> ns = np.array([10.0, 100.0, 1000.0])
    >>> round(fit_power_law(ns, 2 * ns**-0.5, np.full(3, 0.01)).slope, 6)
    -0.5
    """
    return stats.loglog_fit(ns, values, log_se=log_se, level=0.95)


def fit_simulation(sim: Simulation) -> stats.LogLogFit:
    """The power-law fit of one learner's summary error against n.

    Parameters
    ----------
    sim : analysis.k2_sim.Simulation

    Returns
    -------
    analysis.stats.LogLogFit
    """
    return fit_power_law(sim.ns, sim.summary(), sim.log_se())


def grid_theory_slope(sim: Simulation) -> float:
    """The slope a perfect simulation would show on this n grid: the same weighted fit of the exact
    expected error curve (only where it is known exactly; NaN otherwise).

    Parameters
    ----------
    sim : analysis.k2_sim.Simulation

    Returns
    -------
    float
    """
    if sim.theory is None or not sim.theory_kind.startswith("exact"):
        return float("nan")
    return fit_power_law(sim.ns, sim.theory, sim.log_se()).slope


def data_multiplier(k, slope) -> np.ndarray:
    """Data multiplier for a k-fold error reduction when error ∝ n^slope: k^(-1/slope).

    Examples
    --------
    >>> float(data_multiplier(10, -0.5))
    100.0

    Parameters
    ----------
    k : array_like
        Improvement factors (at least 1).
    slope : array_like
        Negative log-log slopes of error against n.

    Returns
    -------
    ndarray
    """
    k = np.asarray(k, dtype=float)
    slope = np.asarray(slope, dtype=float)
    if np.any(k < 1):
        raise ValueError("the improvement factor k must be at least 1")
    if np.any(slope >= 0):
        raise ValueError("the error must fall with n (negative slope) for a data multiplier to exist")
    return k ** (-1.0 / slope)


def metric_exponents(fits: pd.DataFrame) -> pd.DataFrame:
    """Data exponents (n ∝ k**exponent) of each learner in RMSE and in MSE, or in the 0-1 error.

    MSE is the square of RMSE, so its log-log slope is exactly twice the RMSE slope and its data
    exponent half; the intervals map the same way. The excess 0-1 error has no RMSE/MSE version.

    Parameters
    ----------
    fits : pandas.DataFrame
        Output of :func:`slope_table`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``fits``: ``metric`` and, per metric ``rmse``/``mse``/``01``, the exponent
        with ``_low``/``_high`` (NaN where the metric does not apply).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"slope": [-0.5], "slope_low": [-0.52], "slope_high": [-0.48]}, index=["mean"])
    >>> e = metric_exponents(f)
    >>> float(e.loc["mean", "rmse"]), float(e.loc["mean", "mse"])
    (2.0, 1.0)
    """
    rows = {}
    for key, r in fits.iterrows():
        metric = METRIC.get(key, "RMSE")
        to_rmse = {"RMSE": 1.0, "MSE": 0.5}.get(metric)  # slope in RMSE per unit of the fitted slope
        out = {"metric": metric}
        for name, factor in (("rmse", to_rmse), ("mse", None if to_rmse is None else 2 * to_rmse),
                             ("01", 1.0 if metric == "0-1" else None)):
            for suffix, col in (("", "slope"), ("_low", "slope_low"), ("_high", "slope_high")):
                # exponent -1/slope increases with the slope, so the interval ends map to the ends
                out[name + suffix] = np.nan if factor is None else stats.exponent_from_slope(factor * r[col])
        rows[key] = out
    return pd.DataFrame.from_dict(rows, orient="index")


def slope_table(sims: dict[str, Simulation]) -> pd.DataFrame:
    """One row per learner: fitted slope with 95% CI, theory, and the residual scale.

    Parameters
    ----------
    sims : dict of str to analysis.k2_sim.Simulation

    Returns
    -------
    pandas.DataFrame
        Indexed by learner key; columns ``learner``, ``slope``, ``slope_low``, ``slope_high``,
        ``theory_slope``, ``grid_theory_slope``, ``scale``, ``reps``.
    """
    rows = []
    for key, sim in sims.items():
        fit = fit_simulation(sim)
        rows.append(
            {
                "key": key,
                "learner": sim.label,
                "slope": fit.slope,
                "slope_low": fit.slope_low,
                "slope_high": fit.slope_high,
                "theory_slope": sim.theory_slope,
                "grid_theory_slope": grid_theory_slope(sim),
                "scale": fit.scale,
                "reps": sim.loss.shape[1],
            }
        )
    return pd.DataFrame(rows).set_index("key")


def fitted_multiplier_table(fits: pd.DataFrame, ks=KS) -> pd.DataFrame:
    """Data multiplier for each k from each fitted slope, with the CI from the slope's endpoints.

    k^(-1/s) increases with s for s < 0, so the low endpoint maps to the low multiplier. If the
    interval reaches a slope of 0 or above, the upper end of the multiplier is unbounded (inf).

    Parameters
    ----------
    fits : pandas.DataFrame
        Output of :func:`slope_table`.
    ks : sequence of float
        Improvement factors.

    Returns
    -------
    pandas.DataFrame
        One row per (learner, k): ``multiplier`` with ``multiplier_low``/``multiplier_high`` and
        ``theory_multiplier``.
    """
    rows = []
    for key, row in fits.iterrows():
        for k in ks:
            mult = [stats.multiplier_from_exponent(k, stats.exponent_from_slope(row[c]))
                    for c in ("slope", "slope_low", "slope_high", "theory_slope")]
            rows.append({"key": key, "learner": row["learner"], "k": k, "multiplier": mult[0],
                         "multiplier_low": mult[1], "multiplier_high": mult[2], "theory_multiplier": mult[3]})
    return pd.DataFrame(rows)


def points_table(sims: dict[str, Simulation]) -> pd.DataFrame:
    """Long table for the error chart: points with Monte-Carlo 95% bars, fitted band and theory.

    Parameters
    ----------
    sims : dict of str to analysis.k2_sim.Simulation

    Returns
    -------
    pandas.DataFrame
        One row per (learner, n): ``error`` with its bars, ``fit`` with its band, ``theory``.
    """
    frames = []
    for key, sim in sims.items():
        fit = fit_simulation(sim)
        value = sim.summary()
        se = sim.log_se()
        frame = pd.DataFrame(
            {
                "key": key,
                "learner": sim.label,
                "n": sim.ns.astype(int),
                "error": value,
                "error_low": value * np.exp(-Z95 * se),
                "error_high": value * np.exp(Z95 * se),
            }
        )
        frame = pd.concat([frame, fit.predict(sim.ns)], axis=1)
        if sim.theory is not None:
            frame["theory"] = sim.theory
        else:  # anchor the asymptotic rate at the fitted value at the largest n
            anchor = frame["fit"].iloc[-1]
            frame["theory"] = anchor * (sim.ns / sim.ns[-1]) ** sim.theory_slope
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def k2_headline_rows(config: Config, sims: dict[str, Simulation], fits: pd.DataFrame,
                  mults: pd.DataFrame) -> pd.DataFrame:
    """The chapter's quoted numbers as rows ``(key, value, unit, note)`` under stable glue keys.

    Also checks the two statements the prose makes about them: the sample mean's ten-fold
    multiplier interval contains the article's 100, and the OLS coefficient interval contains the
    slope of the exact expected error on the simulated grid (``AssertionError`` otherwise).

    Parameters
    ----------
    config : analysis.k2.Config
    sims : dict of str to analysis.k2_sim.Simulation
    fits : pandas.DataFrame
        :func:`slope_table` of ``sims``.
    mults : pandas.DataFrame
        :func:`fitted_multiplier_table` of ``fits``.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``value``, ``unit``, ``note`` (see :func:`analysis.numbers.headline_frame`).
    """
    rows = [
        ("k2_n_min", int(min(config.ns)), "data points", "smallest simulated sample size"),
        ("k2_n_max", int(max(config.ns)), "data points", "largest simulated sample size"),
        ("k2_samples_total", total_samples(sims), "data points",
         "data points generated and processed across all learners and replicates"),
        ("k2_reps_mean", config.reps_mean, "replicates", "replicates per n, sample mean"),
        ("k2_reps_ols", config.reps_ols, "replicates", "replicates per n, OLS"),
        ("k2_reps_logistic", config.reps_logistic, "replicates", "replicates per n, logistic regression"),
        ("k2_reps_knn", config.reps_knn, "replicates", "replicates per n, kNN (each with several test points)"),
    ]
    for key, name in GLUE_NAMES.items():
        row = fits.loc[key]
        label = row["learner"]
        rows += [
            (f"k2_slope_{name}", row["slope"], "", f"fitted log-log slope, {label}"),
            (f"k2_slope_{name}_ci_low", row["slope_low"], "", f"95% CI low, slope of {label}"),
            (f"k2_slope_{name}_ci_high", row["slope_high"], "", f"95% CI high, slope of {label}"),
            (f"k2_theory_slope_{name}", row["theory_slope"], "", f"asymptotic theory slope, {label}"),
        ]
        exps = metric_exponents(fits.loc[[key]]).iloc[0]
        for metric in ("rmse", "mse", "01"):
            if np.isfinite(exps[metric]):
                what = f"data exponent (n ∝ k^exponent) in {metric.upper()}, {label}"
                rows += [(f"k2_data_exponent_{metric}_{name}", exps[metric], "", what),
                         (f"k2_data_exponent_{metric}_{name}_ci_low", exps[metric + "_low"], "", f"95% CI low, {what}"),
                         (f"k2_data_exponent_{metric}_{name}_ci_high", exps[metric + "_high"], "", f"95% CI high, {what}")]
        if np.isfinite(row["grid_theory_slope"]):
            rows.append((f"k2_grid_slope_{name}", row["grid_theory_slope"], "",
                         f"slope of the exact expected error on the simulated n grid, {label}"))
        for k in KS:
            m = mults[(mults["key"] == key) & (mults["k"] == k)].iloc[0]
            stem = f"k2_data_multiplier_k{k}" + ("" if key == "mean" else f"_{name}")
            rows += [
                (stem, m["multiplier"], "×", f"data multiplier for a {k}-fold error reduction, {label}"),
                (f"{stem}_ci_low", m["multiplier_low"], "×", f"95% CI low of {stem}"),
                (f"{stem}_ci_high", m["multiplier_high"], "×", f"95% CI high of {stem}"),
            ]
    rows += [
        ("k2_slope_mean_deviation", abs(fits.loc["mean", "slope"] + 0.5), "",
         "distance of the sample mean's fitted slope from -1/2"),
        ("k2_grid_multiplier_k10_ols", float(data_multiplier(10, fits.loc["ols_coef", "grid_theory_slope"])), "×",
         "10-fold multiplier implied by the exact OLS coefficient error's slope on the simulated grid"),
        ("k2_logistic_bayes_error", bayes_error_gaussian(config.logistic_w), "",
         "Bayes 0-1 error of the simulated logistic model"),
        ("k2_n_range", max(config.ns) / min(config.ns), "×",
         "ratio of the largest to the smallest simulated n: multipliers above it extrapolate"),
        ("k2_n_extrapolated_multipliers", int(np.sum(mults["multiplier"] > max(config.ns) / min(config.ns))),
         "cells", "multipliers in the chapter's table that extrapolate beyond the simulated range of n"),
    ]
    mean_k10 = mults[(mults["key"] == "mean") & (mults["k"] == 10)].iloc[0]
    assert mean_k10["multiplier_low"] <= 100 <= mean_k10["multiplier_high"], "mean: k=10 CI excludes 100"
    ols = fits.loc["ols_coef"]
    assert ols["slope_low"] <= ols["grid_theory_slope"] <= ols["slope_high"], "OLS: CI excludes the grid slope"
    return headline_frame(rows)
