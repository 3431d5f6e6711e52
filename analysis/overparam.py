"""The overparameterization penalty (k^4): expert versus flexible models, simulated and timed.

The article's second step says that deep networks are overparameterized (more parameters than
training examples), that the number of parameters must grow with the data, and that training costs
parameters x data, so compute grows as n^2 = (k^2)^2 = k^4. Its X-ray story contrasts an *expert*
model, which looks only at the variables experts chose, with a *flexible* model that looks at all
candidates. This module simulates that story in the spirit of the paper's Fig. 1 (whose exact
settings we could not verify) and counts the floating-point operations (FLOPs) of every fit.

Design (the article's 100 true details scaled down by 5; the pool of ten candidates per true
variable is our choice, the article says only "a very large pool"):

* ``n_candidates`` standard-normal candidates, the first ``n_true`` carrying the signal:
  y = x . beta + noise, equal |beta_j| (random signs), ``snr`` = ||beta||^2 / sigma^2, sigma = 1.
  "Missing m of 100" becomes m/5 of 20.
* Models (all fitted on the same nested samples of each replicate): ``expert`` (least squares on
  the true variables), ``expert_missing`` (minus ``m`` of them), ``ridge`` (all candidates, the
  optimal isotropic penalty sigma^2 d / ||beta||^2) and ``random_features`` (p = ``feature_ratio``
  x n ReLU random features, penalty tuned on a hold-out; minimum-norm without it).
* Error: the root of the excess mean squared prediction error, sqrt(E_x[(f_hat(x) - f(x))^2]),
  in units of the noise standard deviation (RMSE of the prediction excess, the metric of the k^2
  chapter). For linear models it is computed exactly (||beta_hat - beta||, as Cov(x) = I); for the
  random-features model on a fresh test sample of each replicate. Replicate MSEs are averaged
  before the square root.
* Compute: the FLOPs of the linear algebra each fit executes, counted analytically (see the
  ``flops_*`` functions) and cross-checked against wall time by ``make bench``
  (``scripts/bench_chapters.py``). The real-model table's loader is :mod:`analysis.overparam_models`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.linalg import blas, lapack

from .flops import flops_gd_pass, flops_least_squares, flops_matvec, flops_random_features, flops_random_features_test, flops_ridge

# One row per fit; ``train_flop`` is executed FLOPs, ``article_flop`` one gradient pass (parameters x
# data), ``passes`` the passes (epochs, sweeps) a learner actually ran where that applies.
RUN_COLUMNS = ["replicate", "model", "missing", "n", "params", "mse", "train_flop", "seconds", "penalty",
               "article_flop", "passes"]
MODEL_LABELS = {
    "expert": "expert: all true variables",
    "expert_missing": "expert: some missed (slider)",
    "ridge": "flexible: ridge, all candidates",
    "random_features": "overparameterized: random features, tuned",
    "random_features_minnorm": "overparameterized: minimum-norm, untuned",
    "lasso": "flexible, selects variables: lasso",
    "mlp": "trained network (Adam), width n/8",
}


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


def replicate_data(design: Design, rng: np.random.Generator):
    """One replicate's data at the largest sizes.

    Parameters
    ----------
    design : Design
    rng : numpy.random.Generator

    Returns
    -------
    tuple
        ``(beta, x, y, w, x_test)``: coefficients (d), inputs (n_max x d), outcomes (n_max),
        random-feature weights (p_max x d) and test inputs (n_test x d).
    """
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


def _ridge_batch(x: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    """Ridge on all columns in the cheaper form: primal (d x d) when n >= d, else dual (n x n):
    w = X^T (X X^T + lambda I)^-1 y. Counted by :func:`analysis.flops.flops_ridge`."""
    n, d = x.shape[1], x.shape[2]
    if n >= d:
        return _least_squares_batch(x, y, d, penalty)
    gram = np.matmul(x, x.transpose(0, 2, 1)) + penalty * np.eye(n)
    alpha = np.linalg.solve(gram, y[:, :, None])
    return np.matmul(x.transpose(0, 2, 1), alpha)[:, :, 0]


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
    """Run every model at every sample size on every replicate.

    Parameters
    ----------
    design : Design, optional
        Settings; the chapter's by default.

    Returns
    -------
    Result
        ``runs`` has one row per (replicate, model, missing, n) with the columns ``RUN_COLUMNS``.
    """
    design = (design or Design()).validate()
    rng = np.random.default_rng(design.seed)
    seeds = rng.spawn(design.replicates)
    data = [replicate_data(design, r) for r in seeds]
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
            rows += [(r, name, m, n, s - m, mse[r], flop, dt / design.replicates, np.nan, flops_gd_pass(n, s - m), np.nan)
                     for r in range(design.replicates)]
        # Flexible, fixed size: ridge on all candidates.
        t0 = time.perf_counter()
        coef = _ridge_batch(x, y, design.ridge_penalty)
        dt = time.perf_counter() - t0
        err = beta - coef
        mse = np.einsum("rd,rd->r", err, err)
        flop = flops_ridge(n, d)
        total_flop += flop * design.replicates
        rows += [(r, "ridge", 0, n, d, mse[r], flop, dt / design.replicates, design.ridge_penalty,
                  flops_gd_pass(n, d), np.nan)
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
            total_flop += (flop_tuned + flops_matvec(design.n_test, d) + flops_random_features_test(design.n_test, d, p)
                           + (k_pen - 1) * flops_matvec(design.n_test, p))
            rows.append((r, "random_features", 0, n, p, test_mse[best], flop_tuned, dt, design.penalties[best],
                         flops_gd_pass(n_fit, p), np.nan))
            rows.append((r, "random_features_minnorm", 0, n, p, test_mse[0], flop_minnorm, np.nan, 0.0,
                         flops_gd_pass(n_fit, p), np.nan))
    seconds = time.perf_counter() - start
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS)
    return Result(design=design, runs=runs, total_flop=total_flop, seconds=seconds)


def expert_theory_mse(n, k: int, snr: float, n_true: int, missing: int = 0):
    """Expected excess MSE of least squares on k of the true variables (Gaussian design, sigma = 1).

    The ``missing`` true variables are independent of the included ones, so their signal
    (snr * missing / n_true) is a bias that never goes away and also acts as extra noise:
    E = b + (1 + b) k / (n - k - 1), with b the missing signal variance.

    Parameters
    ----------
    n : array_like
        Sample sizes (each above k + 1).
    k : int
        Variables in the model.
    snr, n_true, missing
        Signal-to-noise ratio, true variables, and how many of them the model misses.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(expert_theory_mse(31, 10, 4.0, 10))
    0.5
    """
    n = np.asarray(n, dtype=float)
    if np.any(n <= k + 1):
        raise ValueError("least squares needs n > k + 1 for a finite expected error")
    b = snr * missing / n_true
    return b + (1.0 + b) * k / (n - k - 1.0)


def round_sig(value: float, digits: int = 6) -> float:
    """Round to ``digits`` significant digits (glued values must not depend on the last BLAS bits).

    Parameters
    ----------
    value : float
    digits : int

    Returns
    -------
    float

    Examples
    --------
    >>> round_sig(3.14159265, 3)
    3.14
    """
    value = float(value)
    if value == 0 or not np.isfinite(value):
        return value
    return float(f"{value:.{digits - 1}e}")


def curves(result: Result) -> pd.DataFrame:
    """Mean over replicates: RMSE = sqrt(mean excess MSE), FLOPs, parameters, per model and n.

    Parameters
    ----------
    result : Result

    Returns
    -------
    pandas.DataFrame
        One row per (model, missing, n): ``mse``, ``rmse``, ``train_flop``, ``params``,
        ``article_flop``, ``seconds``, ``penalty``.
    """
    g = result.runs.groupby(["model", "missing", "n"], sort=True)
    out = g.agg(mse=("mse", "mean"), train_flop=("train_flop", "mean"), params=("params", "first"),
                article_flop=("article_flop", "first"),
                seconds=("seconds", "mean"), penalty=("penalty", "median")).reset_index()
    out["rmse"] = np.sqrt(out["mse"])
    return out
