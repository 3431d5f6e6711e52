"""Exponents, intervals and crossovers of the k^4 simulation (:mod:`analysis.overparam`).

gamma is the exponent of C ~ k^gamma: compute is counted exactly and the error is noisy, so log
RMSE is regressed on log C and the slope inverted. Intervals resample whole replicates (which
keeps the correlation across sample sizes): a jackknife over replicates with Student-t quantiles
(:func:`replicate_interval`), whose coverage :func:`interval_coverage` checks on a synthetic case
with a known answer; the percentile bootstrap of the first edition under-covers with 8 replicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import stats as _stats
from .flops import flops_gd_pass, flops_least_squares
from .overparam import Result, curves, expert_theory_mse

# --------------------------------------------------------------------------------------------
# Summaries, exponents, crossover
# --------------------------------------------------------------------------------------------


def loglog_slope(x, y) -> float:
    """OLS slope of log y on log x, by :func:`analysis.stats.loglog_fit`.

    Parameters
    ----------
    x, y : array_like
        Positive values, at least 3 points.

    Returns
    -------
    float

    Examples
    --------
    >>> round(loglog_slope([1, 10, 100], [1, 0.1, 0.01]), 6)
    -1.0
    """
    return _stats.loglog_fit(np.asarray(x, dtype=float), np.asarray(y, dtype=float)).slope


def replicate_interval(point: float, leave_one_out, level: float = 0.95) -> tuple[float, float]:
    """Jackknife-t interval over R replicates: point +- t_{R-1} x the jackknife standard error,
    sqrt((R-1)/R x sum (theta_(i) - mean)^2), from the R leave-one-replicate-out estimates.

    Parameters
    ----------
    point : float
        The estimate on all replicates.
    leave_one_out : array_like
        The R leave-one-replicate-out estimates (R >= 3, finite).
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Examples
    --------
    >>> lo, hi = replicate_interval(2.0, [1.9, 2.0, 2.1])
    >>> round(lo, 3), round(hi, 3)
    (1.503, 2.497)
    """
    loo = np.asarray(leave_one_out, dtype=float)
    r = loo.size
    if r < 3 or not np.all(np.isfinite(loo)):
        raise ValueError("need at least 3 finite leave-one-out estimates")
    se = float(np.sqrt((r - 1) / r * np.sum((loo - loo.mean()) ** 2)))
    half = float(stats.t.ppf(0.5 + level / 2, r - 1)) * se
    return point - half, point + half


def fit_gamma(flop: np.ndarray, mse_reps: np.ndarray) -> float:
    """Exponent gamma in compute ~ k^gamma from one curve.

    ``mse_reps`` is (replicates, sizes); the error is the RMSE of the replicate mean. Compute is
    exact (counted) and the error is noisy, so we regress log RMSE on log compute (OLS) and invert:
    RMSE ~ C^(-1/gamma), i.e. k = RMSE_ref / RMSE grows as C^(1/gamma). The reference point only
    shifts the intercept.

    Parameters
    ----------
    flop : array_like
        Compute at each sample size.
    mse_reps : array_like
        Excess MSE, replicates x sizes.

    Returns
    -------
    float
    """
    flop = np.asarray(flop, dtype=float)
    rmse = np.sqrt(np.mean(np.asarray(mse_reps, dtype=float), axis=0))
    if flop.shape != rmse.shape or flop.size < 3:
        raise ValueError("need one compute value per sample size and at least 3 sizes")
    slope = loglog_slope(flop, rmse)
    if slope >= 0:
        raise ValueError("error does not fall with compute on this curve; gamma is undefined")
    return float(-1.0 / slope)


def gamma_with_ci(flop, mse_reps, *, level: float = 0.95) -> dict:
    """Point estimate of gamma and its jackknife-t interval over replicates (resampled whole).

    Parameters
    ----------
    flop, mse_reps
        As in :func:`fit_gamma`.
    level : float
        Confidence level.

    Returns
    -------
    dict
        ``gamma``, ``ci_low``, ``ci_high``.
    """
    mse_reps = np.asarray(mse_reps, dtype=float)
    point = fit_gamma(flop, mse_reps)
    loo = [fit_gamma(flop, np.delete(mse_reps, i, axis=0)) for i in range(mse_reps.shape[0])]
    lo, hi = replicate_interval(point, loo, level)
    return {"gamma": point, "ci_low": lo, "ci_high": hi}


def gamma_percentile_bootstrap(flop, mse_reps, *, n_boot: int = 1000, seed: int = 7, level: float = 0.95) -> dict:
    """The first edition's percentile bootstrap over replicates (kept to show its under-coverage).
    Resamples whose slope is not negative are dropped and counted in ``dropped``. Its slopes are
    computed in one vectorized least-squares step (the same OLS slope as :func:`loglog_slope`):
    the coverage check calls it hundreds of thousands of times.

    Parameters
    ----------
    flop, mse_reps
        As in :func:`fit_gamma`.
    n_boot, seed : int
        Resamples and the seed.
    level : float
        Confidence level.

    Returns
    -------
    dict
        ``gamma``, ``ci_low``, ``ci_high``, ``dropped``.
    """
    mse_reps = np.asarray(mse_reps, dtype=float)
    rng = np.random.default_rng(seed)
    r = mse_reps.shape[0]
    idx = rng.integers(0, r, size=(n_boot, r))
    logr = np.log(np.sqrt(mse_reps[idx].mean(axis=1)))
    logc = np.log(np.asarray(flop, dtype=float))
    logc_c = logc - logc.mean()
    slopes = (logr - logr.mean(axis=1, keepdims=True)) @ logc_c / (logc_c @ logc_c)
    gammas = -1.0 / slopes[slopes < 0]
    lo, hi = np.quantile(gammas, [(1 - level) / 2, (1 + level) / 2])
    return {"gamma": fit_gamma(flop, mse_reps), "ci_low": float(lo), "ci_high": float(hi),
            "dropped": int(n_boot - gammas.size)}


def interval_coverage(sizes, *, k: int = 20, snr: float = 4.0, replicates: int = 8, simulations: int = 400,
                      seed: int = 5, level: float = 0.95) -> dict:
    """Coverage of both replicate intervals on a case with a known answer: least squares on k
    variables (the expert), nested sample sizes, ``replicates`` per simulation. The target is the
    gamma of the exact expected error curve, sigma^2 k / (n - k - 1), on the same sizes.

    Parameters
    ----------
    sizes : sequence of int
        Nested sample sizes.
    k, replicates, simulations, seed : int
    snr, level : float

    Returns
    -------
    dict
        ``target_gamma``, the coverage of ``jackknife_t`` and ``percentile_bootstrap``, ``mc_se``.
    """
    sizes = np.asarray(sizes, dtype=int)
    flop = np.array([flops_least_squares(v, k) for v in sizes])
    target = fit_gamma(flop, expert_theory_mse(sizes, k, snr, k)[None, :])
    rng = np.random.default_rng(seed)
    hits = {"jackknife_t": 0, "percentile_bootstrap": 0}
    for _ in range(simulations):
        x = rng.standard_normal((replicates, sizes[-1], k))
        e = rng.standard_normal((replicates, sizes[-1]))
        mse = np.empty((replicates, sizes.size))
        for j, n in enumerate(sizes):
            err = np.linalg.solve(np.matmul(x[:, :n].transpose(0, 2, 1), x[:, :n]),
                                  np.matmul(x[:, :n].transpose(0, 2, 1), e[:, :n, None]))[:, :, 0]
            mse[:, j] = np.einsum("rk,rk->r", err, err)
        jk = gamma_with_ci(flop, mse, level=level)
        pb = gamma_percentile_bootstrap(flop, mse, n_boot=400, level=level)
        hits["jackknife_t"] += jk["ci_low"] <= target <= jk["ci_high"]
        hits["percentile_bootstrap"] += pb["ci_low"] <= target <= pb["ci_high"]
    mc = float(np.sqrt(level * (1 - level) / simulations))
    return {"target_gamma": target, "simulations": simulations, "replicates": replicates, "mc_se": mc,
            **{k_: v / simulations for k_, v in hits.items()}}


def _mse_matrix(result: Result, model: str, missing: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sub = result.runs[(result.runs["model"] == model) & (result.runs["missing"] == missing)]
    wide = sub.pivot(index="replicate", columns="n", values="mse").sort_index(axis=1)
    first = sub.groupby("n").first().sort_index()
    return wide.columns.to_numpy(), first["train_flop"].to_numpy(), wide.to_numpy()


EXPONENT_ROWS = (
    ("expert", "expert, all true variables", "executed FLOPs"),
    ("ridge", "ridge on all candidates", "executed FLOPs"),
    ("random_features", "random features, p = 2n, tuned", "executed FLOPs (exact solve)"),
    ("random_features", "random features, p = 2n, tuned", "parameters x data (gradient pass)"),
    ("random_features_minnorm", "random features, p = 2n, minimum-norm", "executed FLOPs (exact solve)"),
)


def exponents(result: Result, *, n_min: int | None = None) -> pd.DataFrame:
    """gamma (with 95% jackknife-t CI over replicates) per model, fitted on sample sizes n >= ``n_min`` (all if None).

    The random-features model gets two rows: compute as executed by our exact (Cholesky) solver,
    which grows as n^3, and the article's accounting, parameters x data per gradient pass (n p).

    Parameters
    ----------
    result : analysis.overparam.Result
    n_min : int, optional

    Returns
    -------
    pandas.DataFrame
        One row per (model, accounting).
    """
    rows = []
    for model, label, accounting in EXPONENT_ROWS:
        n, flop, mse = _mse_matrix(result, model)
        if accounting.startswith("parameters"):
            flop = np.array([flops_gd_pass(result.design.split(v)[0], result.design.n_features(v))
                             for v in n])
        keep = n >= (n_min or 0)
        n, flop, mse = n[keep], flop[keep], mse[:, keep]
        fit = gamma_with_ci(flop, mse)
        rmse = np.sqrt(mse.mean(axis=0))
        rows.append({"model": label, "compute": accounting, "n_from": int(n[0]), "n_to": int(n[-1]),
                     "gamma": fit["gamma"], "ci_low": fit["ci_low"], "ci_high": fit["ci_high"],
                     "error_slope_vs_n": loglog_slope(n, rmse), "compute_slope_vs_n": loglog_slope(n, flop)})
    return pd.DataFrame(rows)


def _crossing(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> float | None:
    """First x where curve a drops below curve b, interpolated linearly in log-log; None if never."""
    diff = np.log(a) - np.log(b)
    below = np.nonzero(diff < 0)[0]
    if below.size == 0:
        return None
    i = int(below[0])
    if i == 0:
        return float(x[0])
    lx0, lx1 = np.log(x[i - 1]), np.log(x[i])
    t = diff[i - 1] / (diff[i - 1] - diff[i])
    return float(np.exp(lx0 + t * (lx1 - lx0)))


FLEXIBLE = ("ridge", "lasso", "random_features", "mlp")


def _loglog_interp(x_new: float, x, y) -> float:
    return float(np.exp(np.interp(np.log(x_new), np.log(np.asarray(x, float)), np.log(np.asarray(y, float)))))


def crossovers(result: Result) -> pd.DataFrame:
    """For each number of missed variables and each flexible model present: the n at which its
    error falls below the mis-specified expert's, and both models' compute there, counted as
    executed FLOPs (``flop_cross``, ``expert_flop``) and as parameters x data per pass
    (``article_flop_cross``, ``expert_article_flop``). The expert's curve is interpolated
    log-log at the flexible model's sample sizes.

    Parameters
    ----------
    result : analysis.overparam.Result

    Returns
    -------
    pandas.DataFrame
        One row per (missing, flexible model).
    """
    c = curves(result)
    design = result.design
    rows = []
    for m in design.missing:
        if m == 0:
            continue
        ex = c[(c["model"] == "expert_missing") & (c["missing"] == m)].sort_values("n")
        for model in [v for v in FLEXIBLE if v in set(c["model"])]:
            fx = c[c["model"] == model].sort_values("n")
            n = fx["n"].to_numpy(dtype=float)
            ex_rmse = np.array([_loglog_interp(v, ex["n"], ex["rmse"]) for v in n])
            n_cross = _crossing(n, fx["rmse"].to_numpy(), ex_rmse)
            row = {"missing": m, "missing_of_article": design.article_missing(m), "model": model, "n_cross": n_cross,
                   "flop_cross": None, "article_flop_cross": None, "expert_flop": None, "expert_article_flop": None,
                   "expert_floor_rmse": float(np.sqrt(design.snr * m / design.n_true))}
            if n_cross is not None:
                row["flop_cross"] = _loglog_interp(n_cross, n, fx["train_flop"])
                row["article_flop_cross"] = _loglog_interp(n_cross, n, fx["article_flop"])
                row["expert_flop"] = flops_least_squares(n_cross, design.n_true - m)
                row["expert_article_flop"] = flops_gd_pass(n_cross, design.n_true - m)
            rows.append(row)
    return pd.DataFrame(rows)


def crossover_table(result: Result) -> pd.DataFrame:
    """Readers' table: crossover n per flexible model (rows: missed of 100), and at 10 of 100 the
    compute ratio to the expert under both accountings; 'beyond' when no crossover in range.

    Parameters
    ----------
    result : analysis.overparam.Result

    Returns
    -------
    pandas.DataFrame
        Text cells: rows missed (of 100), columns flexible models.
    """
    cr = crossovers(result)
    wide = cr.pivot(index="missing_of_article", columns="model", values="n_cross")
    wide = wide[[m for m in FLEXIBLE if m in wide.columns]]
    out = wide.apply(lambda col: [f"{v:,.0f}" if v is not None and np.isfinite(v) else "beyond" for v in col])
    out.index = [f"{v:.0f}" for v in out.index]
    out.index.name = "missed (of 100)"
    return out
