"""The k² data bound, simulated: how fast estimation error falls with the sample size n.

The article's first step is that "to improve performance by a factor of k, at least k² more data
points must be used" (Thompson et al. 2021). That is the parametric rate: the error of a
well-specified estimator falls as n^(-1/2), so dividing it by k takes k² times the data. This
module simulates five learners:

* the sample mean of Gaussian data (RMSE of the estimate);
* ordinary least squares with a correlated Gaussian design: RMSE of the coefficients and the
  prediction excess risk (a squared error, which falls as n^(-1));
* logistic regression fitted by batched Newton steps: excess 0-1 error over the Bayes classifier,
  in closed form for an isotropic Gaussian design (falls as n^(-1) here);
* k-nearest-neighbour regression on the torus [0, 1)^d with k ∝ n^(4/(4+d)) (RMSE falls as
  n^(-2/(4+d)), slower than n^(-1/2)).

Replicates are array axes, never Python loops. To bound memory, large (replicate, n) arrays are
processed in a few blocks of replicates (each block is one vectorized draw); the only other loops
are over the handful of sample sizes and over Newton iterations. Every (learner, n) pair draws from
its own generator ``default_rng([seed, learner_id, n])``, so results do not depend on which other
learners or sample sizes were run.

The closed-form theory lives in :mod:`analysis.k2_theory`; fitting the exponents and the chapter's
tables in :mod:`analysis.k2_fit`; charts in :mod:`analysis.charts.k2`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import expit

from .k2_theory import ar1_covariance, excess_error_gaussian, knn_k, knn_target, logistic_asymptotic_excess, ols_theory

#: Replicate blocks are sized so that no simulated array holds more than this many numbers.
MAX_BLOCK_ELEMENTS = 2**22
LEARNER_IDS = {"mean": 1, "ols": 2, "logistic": 3, "knn": 4}


# --------------------------------------------------------------------------- configuration
def n_grid(log10_min: float, log10_max: float, per_decade: int = 4) -> tuple[int, ...]:
    """Sample sizes evenly spaced in log10 n, rounded to integers, ``per_decade`` points a decade.

    Parameters
    ----------
    log10_min, log10_max : float
        Range of log10 n.
    per_decade : int
        Points per decade.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> n_grid(1, 3, per_decade=2)
    (10, 32, 100, 316, 1000)
    """
    if not log10_max > log10_min:
        raise ValueError(f"n_grid: log10_max ({log10_max}) must exceed log10_min ({log10_min})")
    if per_decade < 1:
        raise ValueError("n_grid: per_decade must be at least 1")
    count = int(round((log10_max - log10_min) * per_decade)) + 1
    ns = np.unique(np.round(10.0 ** np.linspace(log10_min, log10_max, count)).astype(int))
    return tuple(int(n) for n in ns)


@dataclass(frozen=True)
class Config:
    """Everything that sets the chapter's simulation. ``Config()`` is the full-size run."""

    seed: int = 20210924
    ns: tuple[int, ...] = field(default_factory=lambda: n_grid(1.5, 4.5))
    reps_mean: int = 500
    reps_ols: int = 300
    reps_logistic: int = 300
    reps_knn: int = 40
    sigma: float = 1.0
    ols_p: int = 3
    ols_rho: float = 0.5
    logistic_w: tuple[float, ...] = (1.0, 0.5)
    knn_dims: tuple[int, ...] = (1, 2, 4)
    knn_test_points: int = 40
    knn_k_const: float = 1.0


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


def _blocks(reps: int, elements_per_rep: int, max_elements: int = MAX_BLOCK_ELEMENTS):
    """Slices that split ``reps`` replicates into as few blocks as memory allows."""
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


# --------------------------------------------------------------------------- k-nearest neighbours
def knn_predict_torus(train_x: np.ndarray, train_y: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """k-NN regression on the torus [0, 1)^d for stacked problems.

    train_x (b, n, d), train_y (b, n), query (b, m, d) -> predictions (b, m): the average response
    of the k training points nearest (in wrap-around distance) to each query point.

    Parameters
    ----------
    train_x : ndarray, shape (b, n, d)
    train_y : ndarray, shape (b, n)
    query : ndarray, shape (b, m, d)
    k : int
        Number of neighbours (ties at the k-th distance are averaged in).

    Returns
    -------
    ndarray, shape (b, m)
    """
    n = train_x.shape[1]
    if not 1 <= k <= n:
        raise ValueError(f"k must lie between 1 and n = {n}, got {k}")
    # float32 distances: ample precision for ranking, and numpy's partition is much faster on them;
    # in-place operations on two buffers avoid allocating a temporary per step
    qx = query.astype(np.float32)
    tx = train_x.astype(np.float32)
    dist2 = np.zeros(query.shape[:2] + (n,), dtype=np.float32)
    buf = np.empty_like(dist2)
    buf2 = np.empty_like(dist2)
    for j in range(train_x.shape[2]):  # loop over a handful of coordinates
        np.subtract(qx[:, :, None, j], tx[:, None, :, j], out=buf)
        np.abs(buf, out=buf)
        np.subtract(np.float32(1.0), buf, out=buf2)
        np.minimum(buf, buf2, out=buf)  # wrap-around distance along coordinate j
        np.square(buf, out=buf)
        dist2 += buf
    kth = np.partition(dist2, k - 1, axis=-1)[..., k - 1 : k]
    mask = dist2 <= kth
    return (mask.astype(np.float64) @ train_y[..., None])[..., 0] / mask.sum(axis=-1)


def simulate_knn(
    ns, reps: int, seed: int, d: int, test_points: int = 40, sigma: float = 1.0, k_const: float = 1.0
) -> Simulation:
    """RMSE of k-NN regression with k ∝ n^(4/(4+d)), uniform design on the torus, Gaussian noise.

    Each replicate's loss is the squared error averaged over ``test_points`` uniform query points.
    On the torus there is no boundary, so the bias is second order and the MSE falls as
    n^(-4/(4+d)); the RMSE as n^(-2/(4+d)).

    Parameters
    ----------
    ns : sequence of int
        Strictly increasing sample sizes.
    reps : int
        Replicates per sample size (at least 2).
    seed : int
        Base seed; each (learner, n) pair draws from its own generator.
    d : int
        Dimension of the torus.
    test_points : int
        Query points per replicate.
    sigma : float
        Noise standard deviation.
    k_const : float
        Constant in k = round(k_const n^(4/(4+d))).

    Returns
    -------
    Simulation
        Key ``f"knn_d{d}"``; theory slope -2/(4+d), no exact curve.
    """
    d = _check_int(d, 1, "d")
    ns = _check_ns(ns, 2, f"simulate_knn (d = {d})")
    reps = _check_int(reps, 2, "reps")
    test_points = _check_int(test_points, 1, "test_points")
    sigma = _check_positive(sigma, "sigma")
    k_const = _check_positive(k_const, "k_const")
    loss = np.empty((ns.size, reps))
    for i, n in enumerate(ns):
        rng = _rng(seed, "knn", n, extra=d)
        k = knn_k(int(n), d, k_const)
        for sl in _blocks(reps, int(n) * test_points):
            b = sl.stop - sl.start
            x = rng.random((b, int(n), d))
            y = knn_target(x) + sigma * rng.standard_normal((b, int(n)))
            q = rng.random((b, test_points, d))
            pred = knn_predict_torus(x, y, q, k)
            loss[i, sl] = np.mean((pred - knn_target(q)) ** 2, axis=1)
    return Simulation(
        key=f"knn_d{d}",
        label=f"kNN regression, d = {d}: RMSE",
        metric=f"RMSE of the regression function (d = {d})",
        ns=ns,
        loss=loss,
        root=True,
        theory_slope=-2.0 / (4.0 + d),
        theory=None,
        theory_kind="asymptotic rate n^(−2/(4+d)), anchored at the largest n",
        samples=int(reps * (ns.sum() + ns.size * test_points)),
    )


# --------------------------------------------------------------------------- the whole chapter
def run(config: Config | None = None) -> dict[str, Simulation]:
    """All learners of the chapter, in display order.

    Parameters
    ----------
    config : Config, optional
        The full-size ``Config()`` by default.

    Returns
    -------
    dict of str to Simulation
    """
    c = config or Config()
    sims: dict[str, Simulation] = {}
    sims["mean"] = simulate_mean(c.ns, c.reps_mean, c.seed, c.sigma)
    sims["ols_coef"], sims["ols_risk"] = simulate_ols(c.ns, c.reps_ols, c.seed, c.ols_p, c.sigma, c.ols_rho)
    sims["logistic"] = simulate_logistic(c.ns, c.reps_logistic, c.seed, c.logistic_w)
    for d in c.knn_dims:
        sim = simulate_knn(c.ns, c.reps_knn, c.seed, d, c.knn_test_points, c.sigma, c.knn_k_const)
        sims[sim.key] = sim
    return sims


def total_samples(sims: dict[str, Simulation]) -> int:
    """Simulated data points generated and processed across all learners and replicates.

    Parameters
    ----------
    sims : dict of str to Simulation

    Returns
    -------
    int
    """
    return int(sum(s.samples for s in sims.values()))
