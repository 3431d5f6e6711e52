"""Simulators of the k² chapter for the parametric learners: the sample mean, OLS, logistic regression.

Replicates are array axes, never Python loops. To bound memory, large (replicate, n) arrays are
processed in a few blocks of replicates (each block is one vectorized draw); the only other loops
are over the handful of sample sizes and over Newton iterations. Blocks that draw two arrays
(features, then responses) consume the generator in a block-dependent order, so the replicates
depend on the constant :data:`MAX_BLOCK_ELEMENTS` (fixed, not machine-dependent). Every (learner, n) pair draws from
its own generator ``default_rng([seed, learner_id, n])``, so results do not depend on which other
learners or sample sizes were run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

from .k2_theory import ar1_covariance, excess_error_gaussian, logistic_asymptotic_excess, ols_theory

#: Replicate blocks are sized so that no simulated array holds more than this many numbers.
MAX_BLOCK_ELEMENTS = 2**22
LEARNER_IDS = {"mean": 1, "ols": 2, "logistic": 3, "knn": 4}


# --------------------------------------------------------------------------- validation helpers
def _check_ns(ns, minimum: int, what: str) -> np.ndarray:
    arr = np.asarray(ns)
    if arr.ndim != 1 or arr.size < 1:
        raise ValueError(f"{what}: ns must be a non-empty 1-D sequence of sample sizes, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{what}: sample sizes must be whole numbers, got {list(ns)}")
        arr = arr.astype(np.int64)
    if np.any(arr < minimum):
        raise ValueError(f"{what}: every sample size must be at least {minimum}, got {int(arr.min())}")
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{what}: sample sizes must be strictly increasing, got {list(map(int, arr))}")
    return arr.astype(np.int64)


def _check_int(value, minimum: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return int(value)


def _check_positive(value, name: str) -> float:
    if not isinstance(value, (int, float, np.number)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _rng(seed: int, learner: str, n: int, extra: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), LEARNER_IDS[learner], int(n), int(extra)])


def _blocks(reps: int, elements_per_rep: int, max_elements: int | None = None):
    """Slices that split ``reps`` replicates into as few blocks as memory allows.

    The limit is read when called (not bound as a default), so tests can lower it.
    """
    max_elements = MAX_BLOCK_ELEMENTS if max_elements is None else max_elements
    size = max(1, min(reps, max_elements // max(1, elements_per_rep)))
    return [slice(start, min(reps, start + size)) for start in range(0, reps, size)]


# --------------------------------------------------------------------------- simulation results
@dataclass
class Simulation:
    """Per-replicate losses of one learner: ``loss[i, r]`` for sample size ``ns[i]``, replicate r.

    ``loss`` is a squared-error-type quantity; the summary error is ``mean(loss) ** 0.5`` when
    ``root`` (an RMSE) and ``mean(loss)`` otherwise.
    """

    key: str
    label: str
    metric: str
    ns: np.ndarray
    loss: np.ndarray
    root: bool
    theory_slope: float
    theory: np.ndarray | None = None  # exact or asymptotic expected summary error at each n
    theory_kind: str = ""
    samples: int = 0  # simulated data points (training + test) generated and processed

    def summary(self) -> np.ndarray:
        mean = self.loss.mean(axis=1)
        return np.sqrt(mean) if self.root else mean

    def log_se(self) -> np.ndarray:
        """Delta-method standard error of log(summary): sd(loss) / (sqrt(R) mean(loss)), halved for an RMSE."""
        reps = self.loss.shape[1]
        mean = self.loss.mean(axis=1)
        sd = self.loss.std(axis=1, ddof=1)
        se = sd / (np.sqrt(reps) * mean)
        return 0.5 * se if self.root else se


# --------------------------------------------------------------------------- the sample mean
def simulate_mean(
    ns,
    reps: int,
    seed: int,
    sigma: float = 1.0,
    mu: float = 0.0,
    estimator: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Simulation:
    """Squared error of an estimate of mu from n draws of N(mu, sigma²), for each n and replicate.

    ``estimator`` maps a (replicates, n) array to (replicates,) estimates; the default is the
    sample mean, whose RMSE is exactly sigma / sqrt(n).

    Parameters
    ----------
    ns : sequence of int
        Strictly increasing sample sizes.
    reps : int
        Replicates per sample size (at least 2).
    seed : int
        Base seed; each (learner, n) pair draws from its own generator.
    sigma, mu : float
        Standard deviation and mean of the draws.
    estimator : callable, optional
        Maps (replicates, n) draws to (replicates,) estimates.

    Returns
    -------
    Simulation
        Key ``"mean"``; the exact theory curve sigma / sqrt(n).
    """
    ns = _check_ns(ns, 1, "simulate_mean")
    reps = _check_int(reps, 2, "reps")
    sigma = _check_positive(sigma, "sigma")
    est = estimator if estimator is not None else (lambda x: x.mean(axis=-1))
    loss = np.empty((ns.size, reps))
    for i, n in enumerate(ns):
        rng = _rng(seed, "mean", n)
        for sl in _blocks(reps, int(n)):
            x = mu + sigma * rng.standard_normal((sl.stop - sl.start, int(n)))
            loss[i, sl] = (est(x) - mu) ** 2
    return Simulation(
        key="mean",
        label="sample mean: RMSE",
        metric="RMSE of the estimate",
        ns=ns,
        loss=loss,
        root=True,
        theory_slope=-0.5,
        theory=sigma / np.sqrt(ns),
        theory_kind="exact: σ/√n",
        samples=int(reps * ns.sum()),
    )


# --------------------------------------------------------------------------- ordinary least squares
def ols_fit_batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of stacked problems: x (problems, n, p), y (problems, n) -> (problems, p).

    Solves the normal equations X'X b = X'y of every problem in one batched ``np.linalg.solve``.

    Parameters
    ----------
    x : ndarray, shape (problems, n, p)
    y : ndarray, shape (problems, n)

    Returns
    -------
    ndarray, shape (problems, p)
    """
    if x.ndim != 3 or y.shape != x.shape[:2]:
        raise ValueError(f"x must be (problems, n, p) and y (problems, n); got {x.shape} and {y.shape}")
    xt = np.swapaxes(x, 1, 2)
    return np.linalg.solve(xt @ x, xt @ y[..., None])[..., 0]


def simulate_ols(
    ns, reps: int, seed: int, p: int = 3, sigma: float = 1.0, rho: float = 0.5
) -> tuple[Simulation, Simulation]:
    """OLS on y = X beta + noise with rows of X ~ N(0, AR(1) covariance); batched normal equations.

    Returns two simulations sharing the same fits: the RMSE of the coefficients and the prediction
    excess risk (expected squared error on a new point minus the noise variance).

    Parameters
    ----------
    ns : sequence of int
        Strictly increasing sample sizes.
    reps : int
        Replicates per sample size (at least 2).
    seed : int
        Base seed; each (learner, n) pair draws from its own generator.
    p : int
        Number of features (n > p + 1 for the exact theory).
    sigma : float
        Noise standard deviation.
    rho : float
        AR(1) correlation of the features.

    Returns
    -------
    tuple of Simulation
        ``ols_coef`` (RMSE of the coefficients) and ``ols_risk`` (prediction excess risk).
    """
    p = _check_int(p, 1, "p")
    ns = _check_ns(ns, p + 2, f"simulate_ols (p = {p} needs n > p + 1)")
    reps = _check_int(reps, 2, "reps")
    sigma = _check_positive(sigma, "sigma")
    cov = ar1_covariance(p, rho)
    chol = np.linalg.cholesky(cov)
    beta = np.linspace(1.0, -1.0, p)
    coef_loss = np.empty((ns.size, reps))
    risk_loss = np.empty((ns.size, reps))
    for i, n in enumerate(ns):
        rng = _rng(seed, "ols", n)
        for sl in _blocks(reps, int(n) * p):
            b = sl.stop - sl.start
            x = rng.standard_normal((b, int(n), p)) @ chol.T
            y = x @ beta + sigma * rng.standard_normal((b, int(n)))
            err = ols_fit_batched(x, y) - beta
            coef_loss[i, sl] = np.sum(err**2, axis=1)
            risk_loss[i, sl] = np.einsum("ri,ij,rj->r", err, cov, err)
    coef_theory, risk_theory = ols_theory(ns, p, sigma, cov)
    samples = int(reps * ns.sum())
    coef = Simulation(
        key="ols_coef",
        label="OLS coefficients: RMSE",
        metric="RMSE of the coefficient vector",
        ns=ns,
        loss=coef_loss,
        root=True,
        theory_slope=-0.5,
        theory=np.sqrt(coef_theory),
        theory_kind="exact: σ√(tr Σ⁻¹/(n−p−1))",
        samples=samples,
    )
    risk = Simulation(
        key="ols_risk",
        label="OLS prediction: excess risk",
        metric="excess squared prediction error",
        ns=ns,
        loss=risk_loss,
        root=False,
        theory_slope=-1.0,
        theory=risk_theory,
        theory_kind="exact: σ²p/(n−p−1)",
        samples=0,  # the same data as the coefficient simulation: counted once
    )
    return coef, risk


def fit_logistic_newton(
    x: np.ndarray, y: np.ndarray, max_iter: int = 50, tol: float = 1e-7
) -> np.ndarray:
    """Maximum-likelihood logistic regression (no intercept) for stacked problems by Newton's method.

    ``x`` is (problems, n, p) and ``y`` (problems, n) in {0, 1}; returns (problems, p). Raises if
    any problem fails to converge (for example under complete separation, where no MLE exists).

    Parameters
    ----------
    x : ndarray, shape (problems, n, p)
    y : ndarray, shape (problems, n)
    max_iter : int
        Newton steps at most.
    tol : float
        Convergence tolerance on the largest coefficient change.

    Returns
    -------
    ndarray, shape (problems, p)
    """
    if x.ndim != 3 or y.shape != x.shape[:2]:
        raise ValueError(f"x must be (problems, n, p) and y (problems, n); got {x.shape} and {y.shape}")
    problems, n, p = x.shape
    beta = np.zeros((problems, p))
    # row outer products, once: the Hessian is then a weighted sum, one contiguous matmul per step
    outer = (x[..., :, None] * x[..., None, :]).reshape(problems, n, p * p)
    for _ in range(max_iter):
        mu = expit((x @ beta[..., None])[..., 0])
        grad = ((y - mu)[:, None, :] @ x)[:, 0, :]
        hess = ((mu * (1.0 - mu))[:, None, :] @ outer).reshape(problems, p, p)
        try:
            step = np.linalg.solve(hess, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:  # the Hessian degenerates as |beta| diverges under separation
            break
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            break
        if np.max(np.abs(step)) < tol:
            return beta
    raise RuntimeError(
        "logistic regression did not converge in every replicate (possible separation at small n); "
        "use larger n or a weaker signal"
    )


def simulate_logistic(ns, reps: int, seed: int, w=(1.0, 0.5)) -> Simulation:
    """Excess 0-1 error of logistic regression, x ~ N(0, I_p), P(y = 1 | x) = expit(x'w).

    Parameters
    ----------
    ns : sequence of int
        Strictly increasing sample sizes.
    reps : int
        Replicates per sample size (at least 2).
    seed : int
        Base seed; each (learner, n) pair draws from its own generator.
    w : sequence of float
        True coefficients (not all zero).

    Returns
    -------
    Simulation
        Key ``"logistic"``; theory is the first-order asymptotic excess error.
    """
    w = np.asarray(w, dtype=float)
    if w.ndim != 1 or w.size < 2 or not np.any(w != 0):
        raise ValueError("w must be a 1-D vector of at least 2 coefficients, not all zero")
    p = w.size
    ns = _check_ns(ns, p + 2, f"simulate_logistic (p = {p})")
    reps = _check_int(reps, 2, "reps")
    loss = np.empty((ns.size, reps))
    for i, n in enumerate(ns):
        rng = _rng(seed, "logistic", n)
        for sl in _blocks(reps, int(n) * p):
            b = sl.stop - sl.start
            x = rng.standard_normal((b, int(n), p))
            y = (rng.random((b, int(n))) < expit(x @ w)).astype(float)
            loss[i, sl] = excess_error_gaussian(fit_logistic_newton(x, y), w)
    return Simulation(
        key="logistic",
        label="logistic regression: excess 0-1 error",
        metric="excess classification error over Bayes",
        ns=ns,
        loss=loss,
        root=False,
        theory_slope=-1.0,
        theory=logistic_asymptotic_excess(ns, w),
        theory_kind="asymptotic: (p−1)√(π/2)/(4πnc|w|)",
        samples=int(reps * ns.sum()),
    )
