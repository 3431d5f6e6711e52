"""The overparameterization penalty (k^4): expert versus flexible models, simulated and timed.

The article's second step says that deep networks are overparameterized (more parameters than
training examples), that the number of parameters must grow with the data, and that training costs
parameters x data, so compute grows as n^2 = (k^2)^2 = k^4. Its X-ray story contrasts an *expert*
model, which looks only at the variables experts chose, with a *flexible* model that looks at all
candidates. This module simulates that story in the spirit of the paper's Fig. 1 (whose exact
settings we could not verify) and counts the floating-point operations (FLOPs) of every fit.

Design (all sizes are the article's scaled down by 5, keeping its ratios):

* ``n_candidates`` standard-normal candidate variables, of which the first ``n_true`` carry the
  signal: y = x . beta + noise, with equal |beta_j| (random signs), signal-to-noise ratio
  ``snr`` = ||beta||^2 / sigma^2 and sigma = 1. The article's 100 true details become 20 here,
  among 200 candidates; "missing m of 100" becomes m/5 of 20.
* Models (all fitted on the same nested samples of each replicate, so curves are comparable):

  - ``expert``: least squares on exactly the true variables (well specified, fixed size);
  - ``expert_missing``: least squares on the true variables minus ``m`` of them (mis-specified);
  - ``ridge``: ridge regression on all candidates, penalty lambda = sigma^2 d / ||beta||^2 (the
    optimal ridge penalty for isotropic features, set from the known signal-to-noise ratio);
  - ``random_features``: an overparameterized flexible model with p = ``feature_ratio`` x n ReLU
    random features of all candidates, fitted by (nearly) minimum-norm least squares, the
    solution that gradient descent from zero converges to. Its size grows with the data.

* Error: the root of the excess mean squared prediction error, sqrt(E_x[(f_hat(x) - f(x))^2]),
  in units of the noise standard deviation (RMSE of the prediction excess, the metric of the k^2
  chapter). For linear models it is computed exactly (||beta_hat - beta||, as Cov(x) = I); for the
  random-features model on a fresh test sample of each replicate. Replicate MSEs are averaged
  before the square root.
* Compute: the FLOPs of the linear algebra each fit executes, counted analytically (see the
  ``flops_*`` functions) and cross-checked against wall time in :func:`benchmark`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
from scipy.linalg import blas, lapack

from . import charts
from . import paths
from .validate import Column, DataError, read_table

MODELS_FILE = paths.DATA / "overparam_models.csv"
MODEL_LABELS = {
    "expert": "expert: all true variables",
    "expert_missing": "expert: some missed (slider)",
    "ridge": "flexible: ridge, all candidates",
    "random_features": "overparameterized: random features, tuned",
    "random_features_minnorm": "overparameterized: minimum-norm, untuned",
}


# --------------------------------------------------------------------------------------------
# FLOP counts (one multiply-add = 2 FLOPs; LAPACK/BLAS leading terms plus the lower-order terms
# of the calls we make). These are what the simulation executes, not asymptotic orders.
# --------------------------------------------------------------------------------------------


def flops_gram(n: int, k: int) -> float:
    """X^T X for an n x k matrix with a symmetric rank-k update (BLAS syrk, which NumPy uses for
    ``A.T @ A``): k(k+1)/2 distinct entries, each a length-n dot product (2n FLOPs) = n k (k+1)."""
    return float(n) * k * (k + 1)


def flops_matvec(n: int, k: int) -> float:
    """A^T y (or A w) for an n x k matrix: 2 n k."""
    return 2.0 * n * k


def flops_lu_solve(k: int) -> float:
    """Solve a k x k system with one right-hand side by LU (LAPACK gesv): 2k^3/3 + 2k^2."""
    return 2.0 * k**3 / 3.0 + 2.0 * k**2


def flops_cholesky_solve(k: int) -> float:
    """Cholesky factorization (potrf, k^3/3) plus two triangular solves (2k^2)."""
    return k**3 / 3.0 + 2.0 * k**2


def flops_least_squares(n: int, k: int) -> float:
    """Least squares / ridge on k variables via the normal equations: X^T X, X^T y, (+ lambda I), LU."""
    return flops_gram(n, k) + flops_matvec(n, k) + k + flops_lu_solve(k)


def flops_random_features(n: int, d: int, p: int, n_val: int = 0, n_penalties: int = 1) -> float:
    """Random-features regression with p > n, solved in its dual (kernel) form, penalty tuned on a
    hold-out set.

    ``n`` is the number of examples the model is fitted on and ``n_val`` the held-out examples
    used to choose the penalty among ``n_penalties`` values. Feature map Z = X W^T for all
    n + n_val examples (2(n+n_val)dp) and ReLU ((n+n_val)p comparisons, counted as 1 FLOP each);
    Gram matrix Phi Phi^T by syrk (n(n+1)p); then per penalty: + lambda I (n), Cholesky solve
    (n^3/3 + 2n^2), primal weights w = Phi^T alpha (2np) and validation predictions (2 n_val p).
    """
    rows = n + n_val
    per_penalty = n + flops_cholesky_solve(n) + flops_matvec(n, p) + flops_matvec(n_val, p)
    return 2.0 * rows * d * p + rows * p + flops_gram(p, n) + n_penalties * per_penalty


def flops_random_features_gd_pass(n: int, p: int) -> float:
    """One full-batch gradient-descent pass over the same model: Phi w (2np) and Phi^T r (2np).

    This is the article's accounting (parameters x data per pass); training with a fixed number of
    passes costs a constant multiple of it, so it scales as n p = n^2 when p is proportional to n.
    """
    return 4.0 * n * p


def flops_random_features_test(n_test: int, d: int, p: int) -> float:
    """Evaluating the fitted random-features model on a test sample (not training compute)."""
    return 2.0 * n_test * d * p + n_test * p + flops_matvec(n_test, p)


# --------------------------------------------------------------------------------------------
# Design and simulation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """Settings of the simulation (defaults: the chapter's run)."""

    n_true: int = 20
    n_candidates: int = 200
    snr: float = 4.0
    sizes: tuple[int, ...] = (50, 71, 100, 141, 200, 283, 400, 566, 800, 1131, 1600, 2263, 3200)
    missing: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7, 8)
    feature_ratio: float = 2.0
    penalties: tuple[float, ...] = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0)
    val_fraction: float = 0.2
    replicates: int = 8
    n_test: int = 1000
    min_norm_jitter: float = 1e-10
    seed: int = 20210401
    article_true: int = 100  # the article's number of true details (for labels only)

    def validate(self) -> "Design":
        if self.n_true < 1 or self.n_candidates <= self.n_true:
            raise ValueError("need 1 <= n_true < n_candidates")
        if self.snr <= 0:
            raise ValueError("snr must be positive")
        if not self.sizes or any(n <= self.n_true + 1 for n in self.sizes):
            raise ValueError(f"every sample size must exceed n_true + 1 = {self.n_true + 1}")
        if list(self.sizes) != sorted(set(self.sizes)):
            raise ValueError("sizes must be strictly increasing")
        if any(m < 0 or m >= self.n_true for m in self.missing):
            raise ValueError("each missing count must be in [0, n_true)")
        if self.feature_ratio <= 1:
            raise ValueError("feature_ratio must exceed 1 (overparameterized: p > n)")
        if self.replicates < 2:
            raise ValueError("need at least 2 replicates (for confidence intervals)")
        if self.n_test < 10:
            raise ValueError("n_test must be at least 10")
        if not self.penalties or any(v < 0 for v in self.penalties) or self.penalties[0] != 0.0:
            raise ValueError("penalties must start with 0.0 (the minimum-norm fit) and be non-negative")
        if not 0 < self.val_fraction < 0.5:
            raise ValueError("val_fraction must be in (0, 0.5)")
        if any(self.split(n)[1] < 2 for n in self.sizes):
            raise ValueError("every sample size must leave at least 2 validation examples")
        return self

    def split(self, n: int) -> tuple[int, int]:
        """(examples the random-features model is fitted on, held-out examples for its penalty)."""
        n_val = int(round(self.val_fraction * n))
        return n - n_val, n_val

    @property
    def ridge_penalty(self) -> float:
        """lambda = sigma^2 d / ||beta||^2 with sigma = 1 and ||beta||^2 = snr."""
        return self.n_candidates / self.snr

    def n_features(self, n: int) -> int:
        return int(round(self.feature_ratio * n))

    def article_missing(self, m: int) -> float:
        return m * self.article_true / self.n_true


@dataclass
class Result:
    design: Design
    runs: pd.DataFrame  # one row per (replicate, model, missing, n): mse, train_flop, seconds
    total_flop: float = 0.0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def _replicate_data(design: Design, rng: np.random.Generator):
    d, s, n_max = design.n_candidates, design.n_true, design.sizes[-1]
    p_max = design.n_features(n_max)
    beta = np.zeros(d)
    beta[:s] = np.sqrt(design.snr / s) * rng.choice([-1.0, 1.0], size=s)
    x = rng.standard_normal((n_max, d))
    y = x @ beta + rng.standard_normal(n_max)
    # Rows of W ~ N(0, I/d), so each pre-activation w.x is standard normal.
    w = rng.standard_normal((p_max, d)) / np.sqrt(d)
    x_test = rng.standard_normal((design.n_test, d))
    return beta, x, y, w, x_test


def _least_squares_batch(x: np.ndarray, y: np.ndarray, k: int, penalty: float) -> np.ndarray:
    """Normal-equation fits on the first ``k`` columns for a stack of replicates: x (R, n, d),
    y (R, n) -> (R, k). Slicing (not fancy indexing) keeps the data in place for BLAS."""
    xk = x[:, :, :k]
    xt = xk.transpose(0, 2, 1)
    gram = np.matmul(xt, xk)  # syrk per replicate
    rhs = np.matmul(xt, y[:, :, None])
    if penalty:
        gram += penalty * np.eye(k)
    return np.linalg.solve(gram, rhs)[:, :, 0]


class _Workspace:
    """Preallocated Fortran-ordered buffers reused across fits.

    Fresh 100 MB arrays would cost page faults rather than FLOPs, and Fortran order lets SciPy's
    BLAS and LAPACK wrappers work in place without copies.
    """

    def __init__(self, n_fit_max: int, n_val_max: int, p_max: int, n_test: int):
        self.fit = np.empty(n_fit_max * p_max)
        self.val = np.empty(n_val_max * p_max)
        self.test = np.empty(n_test * p_max)
        self.gram = np.empty(n_fit_max * n_fit_max)
        self.chol = np.empty(n_fit_max * n_fit_max)

    @staticmethod
    def view(buf: np.ndarray, rows: int, cols: int) -> np.ndarray:
        return buf[: rows * cols].reshape((rows, cols), order="F")


def _relu_features(x: np.ndarray, w: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = max(x w^T, 0) with BLAS dgemm writing into ``out`` (2 n d p FLOPs + n p)."""
    blas.dgemm(1.0, x, w, trans_b=1, c=out, overwrite_c=1)
    np.maximum(out, 0.0, out=out)
    return out


def _random_features_fit(x, y, w, x_test, f_test, n_fit, penalties, jitter, work: _Workspace | None = None):
    """Fit p > n ReLU random features in dual (kernel) form for each penalty on the first ``n_fit``
    rows; return (validation MSE on the remaining rows, test excess MSE), one entry per penalty.

    Penalties are in units of the feature-averaged kernel K/p (whose diagonal is about 1/2); the
    first, 0, is the minimum-norm interpolant (plus a tiny jitter for numerical safety). The hot
    path calls SciPy's BLAS/LAPACK only: NumPy and SciPy ship separate OpenBLAS builds whose
    thread pools fight each other when calls alternate between them.
    """
    n, p, n_test = x.shape[0], w.shape[0], x_test.shape[0]
    n_val = n - n_fit
    if work is None:
        work = _Workspace(n_fit, n_val, p, n_test)
    x = np.asfortranarray(x)
    w = np.asfortranarray(w)
    fit = _relu_features(x[:n_fit], w, work.view(work.fit, n_fit, p))
    val = _relu_features(np.asfortranarray(x[n_fit:]), w, work.view(work.val, n_val, p))
    gram = blas.dsyrk(1.0, fit, lower=1, c=work.view(work.gram, n_fit, n_fit), overwrite_c=1)  # n(n+1)p
    scale = float(np.trace(gram)) / n_fit
    chol = work.view(work.chol, n_fit, n_fit)
    y_fit = np.ascontiguousarray(y[:n_fit])
    alphas = np.empty((n_fit, len(penalties)), order="F")
    for j, lam in enumerate(penalties):
        np.copyto(chol, gram)
        chol.flat[:: n_fit + 1] += lam * p + jitter * scale
        factor, info = lapack.dpotrf(chol, lower=1, overwrite_a=1, clean=0)
        if info != 0:
            raise np.linalg.LinAlgError(f"Cholesky failed (info={info}) for penalty {lam}")
        sol, info = lapack.dpotrs(factor, y_fit, lower=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"triangular solve failed (info={info})")
        alphas[:, j] = sol
    coef = blas.dgemm(1.0, fit, alphas, trans_a=1)  # (p, penalties): one pass for all penalties
    val_mse = np.mean((blas.dgemm(1.0, val, coef) - y[n_fit:, None]) ** 2, axis=0)
    phi_test = _relu_features(np.asfortranarray(x_test), w, work.view(work.test, n_test, p))
    test_mse = np.mean((blas.dgemm(1.0, phi_test, coef) - f_test[:, None]) ** 2, axis=0)
    return val_mse, test_mse


def simulate(design: Design | None = None) -> Result:
    """Run every model at every sample size on every replicate; return per-run MSE and FLOPs."""
    design = (design or Design()).validate()
    rng = np.random.default_rng(design.seed)
    seeds = rng.spawn(design.replicates)
    data = [_replicate_data(design, r) for r in seeds]
    beta = np.stack([b for b, *_ in data])  # (R, d)
    x_all = np.stack([x for _, x, *_ in data])  # (R, n_max, d)
    y_all = np.stack([y for _, _, y, *_ in data])
    d, s = design.n_candidates, design.n_true
    rows = []
    total_flop = 0.0
    start = time.perf_counter()
    # Phase 1: the small linear models, all replicates batched (NumPy's BLAS).
    for n in design.sizes:
        x, y = x_all[:, :n, :], y_all[:, :n]
        # Experts: least squares on the true variables minus m of them (the last m).
        for m in design.missing:
            t0 = time.perf_counter()
            coef = _least_squares_batch(x, y, s - m, 0.0)
            dt = time.perf_counter() - t0
            err = beta.copy()
            err[:, : s - m] -= coef
            mse = np.einsum("rd,rd->r", err, err)
            flop = flops_least_squares(n, s - m)
            total_flop += flop * design.replicates
            name = "expert" if m == 0 else "expert_missing"
            rows += [(r, name, m, n, s - m, mse[r], flop, dt / design.replicates, np.nan)
                     for r in range(design.replicates)]
        # Flexible, fixed size: ridge on all candidates.
        t0 = time.perf_counter()
        coef = _least_squares_batch(x, y, d, design.ridge_penalty)
        dt = time.perf_counter() - t0
        err = beta - coef
        mse = np.einsum("rd,rd->r", err, err)
        flop = flops_least_squares(n, d)
        total_flop += flop * design.replicates
        rows += [(r, "ridge", 0, n, d, mse[r], flop, dt / design.replicates, design.ridge_penalty)
                 for r in range(design.replicates)]
    # Phase 2 (separately, so NumPy's and SciPy's BLAS thread pools do not alternate).
    n_last = design.sizes[-1]
    work = _Workspace(*design.split(n_last), design.n_features(n_last), design.n_test)
    f_tests = [xt @ b for b, _, _, _, xt in data]  # noiseless test targets
    for n in design.sizes:
        # Flexible, overparameterized: p = ratio * n random features (loop: each call is large BLAS).
        p = design.n_features(n)
        n_fit, n_val = design.split(n)
        k_pen = len(design.penalties)
        flop_tuned = flops_random_features(n_fit, d, p, n_val, k_pen)
        flop_minnorm = flops_random_features(n_fit, d, p, 0, 1)
        for r, (b, xr, yr, wr, xt) in enumerate(data):
            t0 = time.perf_counter()
            val_mse, test_mse = _random_features_fit(xr[:n], yr[:n], wr[:p], xt, f_tests[r], n_fit,
                                                      design.penalties, design.min_norm_jitter, work)
            dt = time.perf_counter() - t0
            best = int(np.argmin(val_mse))
            total_flop += (flop_tuned + flops_matvec(design.n_test, d)
                           + 2.0 * design.n_test * d * p + design.n_test * p + k_pen * flops_matvec(design.n_test, p))
            rows.append((r, "random_features", 0, n, p, test_mse[best], flop_tuned, dt, design.penalties[best]))
            rows.append((r, "random_features_minnorm", 0, n, p, test_mse[0], flop_minnorm, np.nan, 0.0))
    seconds = time.perf_counter() - start
    runs = pd.DataFrame(rows, columns=["replicate", "model", "missing", "n", "params", "mse", "train_flop", "seconds",
                                       "penalty"])
    return Result(design=design, runs=runs, total_flop=total_flop, seconds=seconds)


def expert_theory_mse(n, k: int, snr: float, n_true: int, missing: int = 0):
    """Expected excess MSE of least squares on k of the true variables (Gaussian design, sigma = 1).

    The ``missing`` true variables are independent of the included ones, so their signal
    (snr * missing / n_true) is a bias that never goes away and also acts as extra noise:
    E = b + (1 + b) k / (n - k - 1), with b the missing signal variance.
    """
    n = np.asarray(n, dtype=float)
    if np.any(n <= k + 1):
        raise ValueError("least squares needs n > k + 1 for a finite expected error")
    b = snr * missing / n_true
    return b + (1.0 + b) * k / (n - k - 1.0)


def round_sig(value: float, digits: int = 6) -> float:
    """Round to ``digits`` significant digits (glued values must not depend on the last BLAS bits)."""
    value = float(value)
    if value == 0 or not np.isfinite(value):
        return value
    return float(f"{value:.{digits - 1}e}")


# --------------------------------------------------------------------------------------------
# Summaries, exponents, crossover
# --------------------------------------------------------------------------------------------


def curves(result: Result) -> pd.DataFrame:
    """Mean over replicates: RMSE = sqrt(mean excess MSE), FLOPs, parameters, per model and n."""
    g = result.runs.groupby(["model", "missing", "n"], sort=True)
    out = g.agg(mse=("mse", "mean"), train_flop=("train_flop", "first"), params=("params", "first"),
                seconds=("seconds", "mean"), penalty=("penalty", "median")).reset_index()
    out["rmse"] = np.sqrt(out["mse"])
    return out


def fit_gamma(flop: np.ndarray, mse_reps: np.ndarray) -> float:
    """Exponent gamma in compute ~ k^gamma from one curve.

    ``mse_reps`` is (replicates, sizes); the error is the RMSE of the replicate mean. Compute is
    exact (counted) and the error is noisy, so we regress log RMSE on log compute (OLS) and invert:
    RMSE ~ C^(-1/gamma), i.e. k = RMSE_ref / RMSE grows as C^(1/gamma). The reference point only
    shifts the intercept.
    """
    flop = np.asarray(flop, dtype=float)
    rmse = np.sqrt(np.mean(np.asarray(mse_reps, dtype=float), axis=0))
    if flop.shape != rmse.shape or flop.size < 3:
        raise ValueError("need one compute value per sample size and at least 3 sizes")
    slope = np.polyfit(np.log(flop), np.log(rmse), 1)[0]
    if slope >= 0:
        raise ValueError("error does not fall with compute on this curve; gamma is undefined")
    return float(-1.0 / slope)


def gamma_with_ci(flop, mse_reps, *, n_boot: int = 2000, seed: int = 7, level: float = 0.95) -> dict:
    """Point estimate of gamma and a percentile bootstrap CI over replicates (resampled whole)."""
    mse_reps = np.asarray(mse_reps, dtype=float)
    point = fit_gamma(flop, mse_reps)
    rng = np.random.default_rng(seed)
    r = mse_reps.shape[0]
    idx = rng.integers(0, r, size=(n_boot, r))
    boot_rmse = np.sqrt(mse_reps[idx].mean(axis=1))  # (n_boot, sizes)
    logc = np.log(np.asarray(flop, dtype=float))
    logc_c = logc - logc.mean()
    slopes = (np.log(boot_rmse) - np.log(boot_rmse).mean(axis=1, keepdims=True)) @ logc_c / (logc_c @ logc_c)
    gammas = -1.0 / slopes[slopes < 0]
    lo, hi = np.quantile(gammas, [(1 - level) / 2, (1 + level) / 2])
    return {"gamma": point, "ci_low": float(lo), "ci_high": float(hi), "n_boot": n_boot}


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


def exponents(result: Result, *, n_min: int | None = None, n_boot: int = 2000) -> pd.DataFrame:
    """gamma (with 95% bootstrap CI) per model, fitted on sample sizes n >= ``n_min`` (all if None).

    The random-features model gets two rows: compute as executed by our exact (Cholesky) solver,
    which grows as n^3, and the article's accounting, parameters x data per gradient pass (n p).
    """
    rows = []
    for model, label, accounting in EXPONENT_ROWS:
        n, flop, mse = _mse_matrix(result, model)
        if accounting.startswith("parameters"):
            flop = np.array([flops_random_features_gd_pass(result.design.split(v)[0], result.design.n_features(v))
                             for v in n])
        keep = n >= (n_min or 0)
        n, flop, mse = n[keep], flop[keep], mse[:, keep]
        fit = gamma_with_ci(flop, mse, n_boot=n_boot)
        rmse = np.sqrt(mse.mean(axis=0))
        rows.append({"model": label, "compute": accounting, "n_from": int(n[0]), "n_to": int(n[-1]),
                     "gamma": fit["gamma"], "ci_low": fit["ci_low"], "ci_high": fit["ci_high"],
                     "error_slope_vs_n": float(np.polyfit(np.log(n), np.log(rmse), 1)[0]),
                     "compute_slope_vs_n": float(np.polyfit(np.log(n), np.log(flop), 1)[0])})
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


def crossovers(result: Result) -> pd.DataFrame:
    """For each number of missed variables: the n (and the flexible model's FLOPs there) at which
    each flexible model's error falls below the mis-specified expert's."""
    c = curves(result)
    rows = []
    for m in result.design.missing:
        if m == 0:
            continue
        ex = c[(c["model"] == "expert_missing") & (c["missing"] == m)].sort_values("n")
        for model in ("ridge", "random_features"):
            fx = c[c["model"] == model].sort_values("n")
            n = fx["n"].to_numpy(dtype=float)
            n_cross = _crossing(n, fx["rmse"].to_numpy(), ex["rmse"].to_numpy())
            flop_cross = None
            if n_cross is not None:
                flop_cross = float(np.exp(np.interp(np.log(n_cross), np.log(n), np.log(fx["train_flop"].to_numpy()))))
            rows.append({"missing": m, "missing_of_article": result.design.article_missing(m), "model": model,
                         "n_cross": n_cross, "flop_cross": flop_cross,
                         "expert_floor_rmse": float(np.sqrt(result.design.snr * m / result.design.n_true))})
    return pd.DataFrame(rows)


def wall_time_check(result: Result) -> dict:
    """Achieved GFLOP/s of the random-features fits at the largest sizes (FLOP count / wall time)."""
    c = curves(result)
    rf = c[c["model"] == "random_features"].sort_values("n").tail(3)
    rates = rf["train_flop"] / rf["seconds"] / 1e9
    return {"rf_gflops_largest": float(rates.iloc[-1]), "rf_gflops_min_of_top3": float(rates.min())}


# --------------------------------------------------------------------------------------------
# Real models: parameters per training image
# --------------------------------------------------------------------------------------------


def _source(value: object) -> str | None:
    text = str(value)
    ok = text.startswith(("arXiv:", "https://", "http://", "doi:"))
    return None if ok else "source must be an arXiv id (arXiv:...), a DOI (doi:...) or a URL"


MODEL_COLUMNS = [
    Column("model", "string"),
    Column("params", "integer", minimum=1),
    Column("labelled_images", "integer", minimum=1),
    Column("extra_images", "integer", minimum=0),
    Column("source", "string", check=_source),
    Column("note", "string"),
]


def load_models(path: Path = MODELS_FILE) -> pd.DataFrame:
    """Parameter and data counts of a few ImageNet models, with the ratios the article discusses."""
    table = read_table(path, MODEL_COLUMNS, unique=("model",))
    if table.empty:
        raise DataError(path, "the table has no rows")
    table["params_per_labelled_image"] = table["params"].astype(float) / table["labelled_images"].astype(float)
    total = (table["labelled_images"] + table["extra_images"]).astype(float)
    table["params_per_image_all"] = table["params"].astype(float) / total
    return table


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _decades(lo: float, hi: float, mantissas=(1,)) -> list[float]:
    """Tick values m x 10^e between lo and hi (log axes without cluttered minor labels)."""
    out = []
    for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
        out += [float(m * 10.0**e) for m in mantissas if lo <= m * 10.0**e <= hi]
    return out


def chart_frame(result: Result) -> pd.DataFrame:
    """Small long table for the charts: one row per (curve, n); expert-missing rows keyed by m."""
    c = curves(result)
    design = result.design
    frames = []
    for m in design.missing:
        if m == 0:
            continue
        sub = c[(c["model"] == "expert_missing") & (c["missing"] == m)].copy()
        frames.append(sub)
    fixed = c[c["model"] != "expert_missing"].copy()
    out = pd.concat(frames + [fixed], ignore_index=True)
    out["curve"] = out["model"].map(MODEL_LABELS)
    out["m_article"] = out["missing"].map(design.article_missing)
    out = out[["curve", "model", "m_article", "n", "params", "train_flop", "rmse"]].copy()
    # Significant digits, so the embedded spec does not depend on the last bits of BLAS results.
    for col in ("train_flop", "rmse"):
        out[col] = [round_sig(v, 5) for v in out[col]]
    return out


def crossover_frame(result: Result) -> pd.DataFrame:
    cr = crossovers(result)
    cr = cr[(cr["model"] == "random_features") & cr["n_cross"].notna()].copy()
    c = curves(result)
    rf = c[c["model"] == "random_features"].sort_values("n")
    cr["rmse"] = [float(np.exp(np.interp(np.log(v), np.log(rf["n"].to_numpy(float)), np.log(rf["rmse"].to_numpy()))))
                  for v in cr["n_cross"]]
    cr["m_article"] = cr["missing_of_article"]
    out = cr[["m_article", "n_cross", "flop_cross", "rmse"]].copy()
    for col in ("n_cross", "flop_cross", "rmse"):
        out[col] = [round_sig(v, 5) for v in out[col]]
    return out


def error_chart(result: Result, *, m_default: float = 10.0) -> alt.VConcatChart:
    """Error against data and against compute, log axes, with a slider over the missed variables."""
    frame = chart_frame(result)
    cross = crossover_frame(result)
    steps = sorted(v for v in frame["m_article"].unique() if v > 0)
    m_param = alt.param(
        name="missed",
        value=m_default,
        bind=alt.binding_range(min=min(steps), max=max(steps), step=min(steps),
                               name=f"true variables missed by the expert (of {result.design.article_true}) "),
    )
    keep = f"datum.model != 'expert_missing' || datum.m_article == missed"
    colour = alt.Color("curve:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=400),
                       scale=alt.Scale(domain=list(MODEL_LABELS.values()),
                                       range=[charts.PALETTE[i] for i in (0, 3, 2, 4, 5)]))
    y = alt.Y("rmse:Q", scale=alt.Scale(type="log", nice=False, padding=8),
              axis=alt.Axis(values=_decades(0.01, 10, (1, 2, 5))),
              title="error: RMSE of prediction excess (noise sd = 1)")
    tooltip = ["curve:N", "n:Q", "params:Q", alt.Tooltip("train_flop:Q", format=".3~e"), "rmse:Q"]

    def panel(xfield: str, title: str, xcross: str) -> alt.LayerChart:
        if xfield == "train_flop":
            axis = alt.Axis(format="~e", values=_decades(1e3, 1e13))
        else:
            axis = alt.Axis(format=",d", values=_decades(10, 1e5, (1, 2, 5)))
        x = alt.X(f"{xfield}:Q", scale=alt.Scale(type="log", nice=False, padding=8), title=title, axis=axis)
        lines = (alt.Chart(frame).transform_filter(keep).mark_line(point=True)
                 .encode(x=x, y=y, color=colour, tooltip=tooltip))
        marks = (alt.Chart(cross).transform_filter("datum.m_article == missed")
                 .mark_point(shape="diamond", size=160, filled=False, color=charts.PALETTE[7], strokeWidth=2)
                 .encode(x=alt.X(f"{xcross}:Q"), y="rmse:Q",
                         tooltip=[alt.Tooltip("n_cross:Q", format=",.0f", title="crossover n"),
                                  alt.Tooltip("flop_cross:Q", format=".3~e", title="crossover FLOPs")]))
        return alt.layer(lines, marks).properties(width=charts.WIDTH, height=260)

    top = panel("n", "training examples n", "n_cross")
    bottom = panel("train_flop", "training compute (FLOPs, counted)", "flop_cross")
    return alt.vconcat(top, bottom).add_params(m_param).properties(
        description=(
            "Two log-log panels of prediction error for four models: the expert with all true variables, "
            "the expert missing some (slider), ridge on all candidates and an overparameterized "
            "random-features model. Top: error against training examples; bottom: against training "
            "FLOPs. A diamond marks where the random-features model overtakes the mis-specified expert."
        )
    )


def models_chart(table: pd.DataFrame) -> alt.Chart:
    """Parameters against training images for the sourced ImageNet models (log axes)."""
    rows = []
    for _, r in table.iterrows():
        rows.append({"model": r["model"], "images": float(r["labelled_images"]), "data": "labelled only",
                     "params": float(r["params"])})
        if r["extra_images"] > 0:
            rows.append({"model": r["model"], "images": float(r["labelled_images"] + r["extra_images"]),
                         "data": "with extra (pre-)training images", "params": float(r["params"])})
    df = pd.DataFrame(rows)
    lim = [min(df["images"].min(), df["params"].min()) / 3, max(df["images"].max(), df["params"].max()) * 3]
    diag = pd.DataFrame({"images": lim, "params": lim})
    ticks = _decades(1e5, 1e11)
    x = alt.X("images:Q", scale=alt.Scale(type="log", domain=lim), title="training images",
              axis=alt.Axis(format="~e", values=ticks))
    yax = alt.Y("params:Q", scale=alt.Scale(type="log", domain=lim), title="parameters",
                axis=alt.Axis(format="~e", values=ticks))
    line = alt.Chart(diag).mark_line(strokeDash=[4, 4], color="#888888").encode(x=x, y=yax)
    pts = alt.Chart(df).mark_point(filled=True, size=80).encode(
        x=x, y=yax, shape=alt.Shape("data:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400)),
        color=alt.Color("model:N", title=None, legend=alt.Legend(orient="right", labelLimit=400)),
        tooltip=["model:N", "data:N", alt.Tooltip("images:Q", format=".3~s"), alt.Tooltip("params:Q", format=".3~s")],
    )
    return alt.layer(line, pts).properties(width=420, height=320, description=(
        "Log-log scatter of parameters against training images for four ImageNet models, with and without "
        "their extra pre-training images; the dashed diagonal marks one parameter per image, above which a "
        "model is overparameterized."))


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


def matmul_gflops(size: int = 2000, repeats: int = 5, seed: int = 0) -> float:
    """Dense float64 matrix product (BLAS gemm, 2 size^3 FLOPs), best of ``repeats``, in GFLOP/s."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((size, size))
    b = rng.standard_normal((size, size))
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2.0 * size**3 / best / 1e9


def benchmark(design: Design | None = None) -> dict:
    """Machine peak (matmul) against the simulation's achieved rate, measured in the same run."""
    peak = matmul_gflops()
    result = simulate(design)
    sim = result.total_flop / result.seconds / 1e9
    out = {
        "k4_matmul_gflops": peak,
        "k4_sim_gflops": sim,
        "k4_sim_fraction_of_matmul": sim / peak,
        "k4_simulation_seconds": result.seconds,
        "k4_simulation_flop": result.total_flop,
    }
    out.update({f"k4_{k}": v for k, v in wall_time_check(result).items()})
    return out
