"""The compute-optimal frontier of the random-features model: least compute for each error.

The first edition fixed p = 2n, which builds compute ~ n^2 into the accounting, so its gamma
measured only the error exponent. Here every (n, p, penalty) on a grid is fitted, including
under-parameterized models (p < n), and the frontier is the set of settings that no cheaper
setting beats. Its gamma, and how p grows with n along it, are what the argument's line 2
("p must grow with n") and its "at least k^4" predict.

Each fit is the exact ridge solution in the cheaper of its two forms (dual when p >= n_fit,
primal otherwise), for every penalty at once; the penalty is picked on the held-out share of the
examples. Training compute is counted three ways (see :mod:`analysis.flops`):

* ``flop_exact``: the FLOPs of that exact solve, penalty tuning included;
* ``flop_gd``: full-batch gradient descent from zero with step 1/L (L the largest eigenvalue of
  Phi^T Phi), stopped early at the time the hold-out picks. Early-stopped gradient descent at
  time t behaves like ridge with penalty L/t (gradient flow, Ali, Kolter & Tibshirani 2019), so
  the tuned penalty lam p maps to t = L / (lam p) passes; each pass costs 4 n_fit p plus a
  hold-out check (2 n_val p), after a one-off feature map. :func:`gd_early_stopped` runs the
  gradient descent exactly (in the eigenbasis) so the unit tests can check the mapping;
* ``flop_article``: parameters x data, one gradient pass 4 n_fit p (the article's accounting).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import blas, lapack

from . import flops
from .overparam_fit import loglog_slope, replicate_interval

ACCOUNTINGS = {
    "flop_exact": "executed FLOPs (exact solve)",
    "flop_gd": "gradient descent, passes counted",
    "flop_article": "parameters x data (one pass)",
}


@dataclass(frozen=True)
class FrontierDesign:
    """Settings of the frontier run (the chapter's data-generating process, a grid of widths)."""

    # The chapter's data-generating process scaled down by a further 2 (10 true of 100 candidates),
    # so that the whole grid runs within the chapter's time budget on two cores.
    n_true: int = 10
    n_candidates: int = 100
    snr: float = 4.0
    sizes: tuple[int, ...] = (50, 100, 200, 400, 800, 1600)
    widths: tuple[int, ...] = (25, 50, 100, 200, 400, 800, 1600, 3200)
    penalties: tuple[float, ...] = (0.001, 0.006, 0.03, 0.18, 1.0)
    val_fraction: float = 0.2
    replicates: int = 4
    n_test: int = 500
    seed: int = 20261201
    power_iterations: int = 40

    def validate(self) -> "FrontierDesign":
        if self.n_true < 1 or self.n_candidates <= self.n_true:
            raise ValueError("need 1 <= n_true < n_candidates")
        if list(self.sizes) != sorted(set(self.sizes)) or list(self.widths) != sorted(set(self.widths)):
            raise ValueError("sizes and widths must be strictly increasing")
        if not self.penalties or min(self.penalties) <= 0:
            raise ValueError("penalties must be positive (gradient descent needs a finite stopping time)")
        if not 0 < self.val_fraction < 0.5:
            raise ValueError("val_fraction must be in (0, 0.5)")
        if self.replicates < 2:
            raise ValueError("need at least 2 replicates (intervals, by jackknife, need 3)")
        return self

    def split(self, n: int) -> tuple[int, int]:
        n_val = int(round(self.val_fraction * n))
        return n - n_val, n_val

    @property
    def null_rmse(self) -> float:
        """Error of predicting zero: the signal's standard deviation, sqrt(snr) (noise sd = 1)."""
        return float(np.sqrt(self.snr))


def _relu(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    out = blas.dgemm(1.0, np.asfortranarray(x), np.asfortranarray(w), trans_b=1)
    np.maximum(out, 0.0, out=out)
    return out


def _top_eigenvalue(gram_lower: np.ndarray, iterations: int) -> float:
    """Largest eigenvalue of a symmetric PSD matrix stored in its lower triangle (power iteration;
    the top direction of ReLU features, their mean, is well separated, so this converges fast)."""
    v = np.ones(gram_lower.shape[0]) / np.sqrt(gram_lower.shape[0])
    value = 0.0
    for _ in range(iterations):
        u = blas.dsymv(1.0, gram_lower, v, lower=1)
        value = float(np.sqrt(u @ u))
        v = u / value
    return value


def random_features_path(phi: np.ndarray, y: np.ndarray, penalties, power_iterations: int = 40):
    """Ridge weights of features ``phi`` for each penalty, solved exactly in the cheaper form.

    Parameters
    ----------
    phi : numpy.ndarray
        Features, n x p (Fortran order avoids a copy).
    y : numpy.ndarray
        Outcomes, n.
    penalties : sequence of float
        Penalties in units of ``lam p`` (the feature-averaged kernel's scale).
    power_iterations : int
        Iterations for the top eigenvalue of phi^T phi (it sets gradient descent's passes).

    Returns
    -------
    tuple
        ``(weights, top, form)``: weights (p x penalties), the top eigenvalue, ``"dual"`` when
        p >= n (an n x n system) else ``"primal"`` (p x p).
    """
    n, p = phi.shape
    dual = p >= n
    gram = blas.dsyrk(1.0, phi, lower=1, trans=0 if dual else 1)
    top = _top_eigenvalue(gram, power_iterations)
    rhs = y if dual else blas.dgemv(1.0, phi, y, trans=1)
    coef = np.empty((n if dual else p, len(penalties)), order="F")
    for j, lam in enumerate(penalties):
        a = gram.copy(order="F")
        a.flat[:: a.shape[0] + 1] += lam * p
        factor, info = lapack.dpotrf(a, lower=1, overwrite_a=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(f"Cholesky failed (info={info}) for penalty {lam}")
        coef[:, j], info = lapack.dpotrs(factor, rhs, lower=1)
    weights = blas.dgemm(1.0, phi, coef, trans_a=1) if dual else coef
    return weights, top, "dual" if dual else "primal"


def gd_early_stopped(phi, y, phi_val, y_val, max_passes: float = 1e7, n_times: int = 200):
    """Exact full-batch gradient descent from zero (step 1/L) on 0.5 ||y - phi w||^2, evaluated at
    a log grid of pass counts through the eigenbasis; returns (passes, validation MSE, weights at
    each pass count). For the unit tests: it checks the ridge-to-stopping-time mapping.

    Parameters
    ----------
    phi, y : numpy.ndarray
        Training features (n x p) and outcomes.
    phi_val, y_val : numpy.ndarray
        Hold-out features and outcomes.
    max_passes : float
        Largest pass count evaluated.
    n_times : int
        Points of the log grid of pass counts.

    Returns
    -------
    tuple
        ``(passes, validation MSE, weights p x passes)``.
    """
    u, s, vt = np.linalg.svd(phi, full_matrices=False)
    ev = s**2
    step = 1.0 / ev.max()
    times = np.unique(np.round(np.geomspace(1, max_passes, n_times)))
    proj = u.T @ y
    filt = 1.0 - (1.0 - step * ev[None, :]) ** times[:, None]  # (times, rank)
    coefs = (vt.T @ (filt * (proj / s)[None, :]).T)  # (p, times)
    val = np.mean((phi_val @ coefs - y_val[:, None]) ** 2, axis=0)
    return times, val, coefs


def simulate_frontier(design: FrontierDesign | None = None) -> pd.DataFrame:
    """Fit every (n, p) on every replicate.

    Parameters
    ----------
    design : FrontierDesign, optional
        The chapter's frontier design by default.

    Returns
    -------
    pandas.DataFrame
        One row per (replicate, n, p): the tuned ``penalty``, its test excess ``mse``,
        gradient-descent ``passes`` and the three compute counts of :data:`ACCOUNTINGS`.
    """
    design = (design or FrontierDesign()).validate()
    d, s = design.n_candidates, design.n_true
    seeds = np.random.default_rng(design.seed).spawn(design.replicates)
    rows = []
    for r, rng in enumerate(seeds):
        beta = np.zeros(d)
        beta[:s] = np.sqrt(design.snr / s) * rng.choice([-1.0, 1.0], size=s)
        x = rng.standard_normal((design.sizes[-1], d))
        y = x @ beta + rng.standard_normal(design.sizes[-1])
        w_all = rng.standard_normal((design.widths[-1], d)) / np.sqrt(d)
        x_test = rng.standard_normal((design.n_test, d))
        f_test = x_test @ beta
        for n in design.sizes:
            n_fit, n_val = design.split(n)
            for p in design.widths:
                w = w_all[:p]
                phi, phi_val, phi_test = _relu(x[:n_fit], w), _relu(x[n_fit:n], w), _relu(x_test, w)
                weights, top, form = random_features_path(phi, y[:n_fit], design.penalties, design.power_iterations)
                val = np.mean((phi_val @ weights - y[n_fit:n, None]) ** 2, axis=0)
                best = int(np.argmin(val))
                lam = design.penalties[best]
                test = float(np.mean((phi_test @ weights[:, best] - f_test) ** 2))
                count = flops.flops_random_features if form == "dual" else flops.flops_random_features_primal
                passes = top / (lam * p)
                feature_map = 2.0 * n * d * p + n * p
                rows.append({
                    "replicate": r, "n": n, "p": p, "n_fit": n_fit, "form": form, "penalty": lam,
                    "mse": test, "passes": passes,
                    "flop_exact": count(n_fit, d, p, n_val, len(design.penalties)),
                    "flop_gd": feature_map + passes * (flops.flops_gd_pass(n_fit, p) + flops.flops_matvec(n_val, p)),
                    "flop_article": flops.flops_gd_pass(n_fit, p),
                })
    return pd.DataFrame(rows)


def _mean_table(runs: pd.DataFrame, accounting: str) -> pd.DataFrame:
    g = runs.groupby(["n", "p"], sort=True)
    out = g.agg(mse=("mse", "mean"), passes=("passes", "median")).reset_index()
    out["compute"] = np.exp(g[accounting].apply(lambda v: np.log(v).mean()).to_numpy())
    out["rmse"] = np.sqrt(out["mse"])
    return out


def frontier_points(runs: pd.DataFrame, accounting: str = "flop_article", cap: float | None = None) -> pd.DataFrame:
    """The (n, p) settings on the compute-optimal frontier: sorted by compute, each has a lower
    replicate-mean error than every cheaper setting. ``cap`` keeps only errors below it.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`simulate_frontier`.
    accounting : str
        A key of :data:`ACCOUNTINGS`.
    cap : float, optional
        Keep frontier settings with RMSE below it.

    Returns
    -------
    pandas.DataFrame
        One row per frontier setting: ``n``, ``p``, ``mse``, ``rmse``, ``compute``, ``passes``.
    """
    t = _mean_table(runs, accounting).sort_values(["compute", "rmse"]).reset_index(drop=True)
    best_before = np.minimum.accumulate(np.r_[np.inf, t["rmse"].to_numpy()[:-1]])
    t = t[t["rmse"].to_numpy() < best_before]
    if cap is not None:
        t = t[t["rmse"] < cap]
    return t.reset_index(drop=True)


def frontier_fit(runs: pd.DataFrame, accounting: str = "flop_article", cap: float = 1.0) -> dict:
    """gamma of the frontier (RMSE ~ C^(-1/gamma) over frontier points below ``cap``) and the
    exponent of p in n along it (slope of log p on log n).

    Parameters
    ----------
    runs, accounting, cap
        As in :func:`frontier_points`.

    Returns
    -------
    dict
        ``gamma``, ``p_exponent`` (NaN with a single n) and ``points``.
    """
    pts = frontier_points(runs, accounting, cap)
    if len(pts) < 3:
        raise ValueError(f"only {len(pts)} frontier points below the cap {cap}; cannot fit")
    slope = loglog_slope(pts["compute"], pts["rmse"])
    p_exp = loglog_slope(pts["n"], pts["p"]) if pts["n"].nunique() >= 2 else np.nan
    return {"gamma": -1.0 / slope, "p_exponent": p_exp, "points": len(pts)}


def p_resolution(pts: pd.DataFrame, widths) -> float:
    """Half-width of the interval the width grid alone leaves on the frontier's p exponent.

    Each frontier width is a grid value, known only to within half a grid step (a factor
    sqrt(ratio) for a grid with ratio ``ratio`` between neighbours), so the OLS slope of log p on
    log n can be off by up to ``h * sum|x - mean x| / sum (x - mean x)^2`` with ``h`` half the log
    step and ``x = log n``. With two distinct n a factor 2 apart and a doubling grid this is 1.

    Parameters
    ----------
    pts : pandas.DataFrame
        Frontier settings (:func:`frontier_points`).
    widths : sequence of int
        The width grid.

    Returns
    -------
    float
        The half-width (``inf`` when the frontier has a single n).

    Examples
    --------
    >>> import pandas as pd
    >>> round(p_resolution(pd.DataFrame({"n": [800, 800, 800, 1600, 1600]}), [400, 800, 1600, 3200]), 6)
    1.0
    """
    x = np.log(pts["n"].to_numpy(dtype=float))
    xc = x - x.mean()
    sxx = float(xc @ xc)
    if sxx == 0:
        return float("inf")
    h = 0.5 * float(np.max(np.diff(np.log(np.asarray(widths, dtype=float)))))
    return h * float(np.abs(xc).sum()) / sxx


def frontier_exponents(runs: pd.DataFrame, *, cap: float = 1.0, level: float = 0.95, widths=None) -> pd.DataFrame:
    """Frontier gamma and p-exponent under each accounting, with jackknife-t intervals over replicates.

    Leave-one-replicate-out frontiers usually pick the same grid settings, so the jackknife
    interval of the p exponent can have no width; ``p_ci_low``/``p_ci_high`` therefore add the
    grid's resolution (:func:`p_resolution`, from ``widths``, default the widths in ``runs``)
    on each side, and ``p_resolution`` reports it. ``p_jackknife_width`` is rounded to 1e-9, so that
    a zero width is 0 on every BLAS kernel rather than a last-bit residue.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`simulate_frontier`.
    cap : float
        Fit only frontier settings with RMSE below it.
    level : float
        Confidence level.
    widths : sequence of int, optional
        The width grid.

    Returns
    -------
    pandas.DataFrame
        One row per accounting.
    """
    widths = sorted(runs["p"].unique()) if widths is None else widths
    rows = []
    reps = sorted(runs["replicate"].unique())
    for acc, label in ACCOUNTINGS.items():
        full = frontier_fit(runs, acc, cap)
        loo = [frontier_fit(runs[runs["replicate"] != r], acc, cap) for r in reps]
        g_lo, g_hi = replicate_interval(full["gamma"], [v["gamma"] for v in loo], level)
        p_lo, p_hi = replicate_interval(full["p_exponent"], [v["p_exponent"] for v in loo], level)
        pts = frontier_points(runs, acc, cap)
        res = p_resolution(pts, widths)
        rows.append({"accounting": acc, "label": label, "gamma": full["gamma"], "ci_low": g_lo, "ci_high": g_hi,
                     "gamma_mse": full["gamma"] / 2.0, "p_exponent": full["p_exponent"], "p_ci_low": p_lo - res,
                     "p_ci_high": p_hi + res, "p_jackknife_width": round(p_hi - p_lo, 9) + 0.0, "p_resolution": res,
                     "n_distinct": int(pts["n"].nunique()), "points": full["points"]})
    return pd.DataFrame(rows)


def rule_curve(runs: pd.DataFrame, ratio: float = 2.0) -> pd.DataFrame:
    """Rows of the grid with p = ratio x n (the first edition's rule).

    Parameters
    ----------
    runs : pandas.DataFrame
    ratio : float

    Returns
    -------
    pandas.DataFrame
    """
    return runs[np.isclose(runs["p"], ratio * runs["n"])]


def rule_exponents(runs: pd.DataFrame, *, ratio: float = 2.0, cap: float = 1.0, level: float = 0.95) -> pd.DataFrame:
    """gamma of the p = ratio x n rule under each accounting, fitted where its error is below ``cap``.

    Parameters
    ----------
    runs : pandas.DataFrame
    ratio, cap, level : float

    Returns
    -------
    pandas.DataFrame
        One row per accounting: ``gamma`` with its jackknife-t interval, ``compute_slope_vs_n``,
        ``n_from``, ``n_to``.
    """
    sub = rule_curve(runs, ratio)
    rows = []
    for acc, label in ACCOUNTINGS.items():
        def fit(frame):
            t = _mean_table(frame, acc)
            t = t[t["rmse"] < cap]
            return -1.0 / loglog_slope(t["compute"], t["rmse"]), loglog_slope(t["n"], t["compute"])
        g, c_slope = fit(sub)
        loo = [fit(sub[sub["replicate"] != r])[0] for r in sorted(sub["replicate"].unique())]
        lo, hi = replicate_interval(g, loo, level)
        t = _mean_table(sub, acc)
        t = t[t["rmse"] < cap]
        rows.append({"accounting": acc, "label": label, "gamma": g, "ci_low": lo, "ci_high": hi,
                     "compute_slope_vs_n": c_slope, "n_from": int(t["n"].min()), "n_to": int(t["n"].max())})
    return pd.DataFrame(rows)
