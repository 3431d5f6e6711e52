"""The k² data bound, derived and measured: how fast estimation error falls with the sample size n.

The article's first step is that "to improve performance by a factor of k, at least k² more data
points must be used" (Thompson et al. 2021). That is the parametric rate: the error of a
well-specified estimator falls as n^(-1/2), so dividing it by k takes k² times the data. This
module simulates five learners and measures the exponent:

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

Slopes are fitted by weighted least squares of log(summary error) on log n, where the summary is
the RMSE (or the mean error) over replicates and each point's weight is the inverse of the
delta-method variance of its logarithm. See :func:`fit_power_law`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import altair as alt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

from . import charts

#: Replicate blocks are sized so that no simulated array holds more than this many numbers.
MAX_BLOCK_ELEMENTS = 2**22
LEARNER_IDS = {"mean": 1, "ols": 2, "logistic": 3, "knn": 4}
Z95 = 1.959963984540054


# --------------------------------------------------------------------------- configuration
def n_grid(log10_min: float, log10_max: float, per_decade: int = 4) -> tuple[int, ...]:
    """Sample sizes evenly spaced in log10 n, rounded to integers, ``per_decade`` points a decade."""
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

    def small(self, factor: int = 10) -> "Config":
        """A reduced configuration (fewer replicates) for tests."""
        return replace(
            self,
            reps_mean=max(2, self.reps_mean // factor),
            reps_ols=max(2, self.reps_ols // factor),
            reps_logistic=max(2, self.reps_logistic // factor),
            reps_knn=max(2, self.reps_knn // factor),
        )


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
def ar1_covariance(p: int, rho: float) -> np.ndarray:
    """Covariance with entries rho^|i-j| (a correlated Gaussian design)."""
    p = _check_int(p, 1, "p")
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho!r}")
    idx = np.arange(p)
    return rho ** np.abs(idx[:, None] - idx[None, :])


def ols_theory(ns, p: int, sigma: float, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact expected losses of OLS with a Gaussian design N(0, cov), no intercept, n > p + 1.

    E||b - beta||² = sigma² tr(cov⁻¹) / (n - p - 1) and the prediction excess risk
    E[(b - beta)' cov (b - beta)] = sigma² p / (n - p - 1) (inverse-Wishart mean).
    """
    ns = np.asarray(ns, dtype=float)
    coef = sigma**2 * np.trace(np.linalg.inv(cov)) / (ns - p - 1)
    risk = sigma**2 * p / (ns - p - 1)
    return coef, risk


def ols_fit_batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of stacked problems: x (problems, n, p), y (problems, n) -> (problems, p).

    Solves the normal equations X'X b = X'y of every problem in one batched ``np.linalg.solve``.
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


# --------------------------------------------------------------------------- logistic regression
_HERMITE_X, _HERMITE_W = np.polynomial.hermite_e.hermegauss(96)
_HERMITE_W = _HERMITE_W / np.sqrt(2.0 * np.pi)  # expectations under N(0, 1)
_LEGENDRE_X, _LEGENDRE_W = np.polynomial.legendre.leggauss(32)


def _g(scale: np.ndarray) -> np.ndarray:
    """g(c) = ∫_0^∞ tanh(c r) r exp(-r²/2) dr = sqrt(pi/2) E[Z tanh(c Z)], Z ~ N(0, 1)."""
    c = np.asarray(scale)[..., None]
    return np.sqrt(np.pi / 2.0) * np.sum(_HERMITE_W * _HERMITE_X * np.tanh(c * _HERMITE_X), axis=-1)


def excess_error_gaussian(w_hat: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Excess 0-1 error of the classifier sign(x'w_hat) over the Bayes classifier sign(x'w).

    For x ~ N(0, I) and P(y = 1 | x) = expit(x'w), only the plane spanned by w and w_hat matters.
    The two classifiers disagree on two wedges of angle theta (the angle between w and w_hat), where
    the Bayes classifier gains |2 expit(x'w) - 1| = tanh(|x'w| / 2). In polar coordinates, with psi
    the angle from the Bayes boundary, |x'w| = |w| r sin psi, so

        excess = (1/pi) ∫_0^theta g(|w| sin(psi) / 2) dpsi,

    computed by Gauss-Legendre in psi and Gauss-Hermite in r, vectorized over the leading axes.
    """
    w = np.asarray(w, dtype=float)
    w_hat = np.asarray(w_hat, dtype=float)
    if w_hat.shape[-1] != w.shape[-1]:
        raise ValueError(f"w_hat has {w_hat.shape[-1]} coefficients but w has {w.shape[-1]}")
    norm_w = np.linalg.norm(w)
    if norm_w == 0:
        raise ValueError("the true coefficient vector w must not be zero")
    cos = (w_hat @ w) / (np.linalg.norm(w_hat, axis=-1) * norm_w)
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    psi = theta[..., None] * (_LEGENDRE_X + 1.0) / 2.0
    integral = theta / 2.0 * np.sum(_LEGENDRE_W * _g(norm_w * np.sin(psi) / 2.0), axis=-1)
    return integral / np.pi


def bayes_error_gaussian(w) -> float:
    """Bayes 0-1 error for x ~ N(0, I), P(y = 1 | x) = expit(x'w): E[expit(-|w||Z|)]."""
    from scipy.integrate import quad

    a = float(np.linalg.norm(np.asarray(w, dtype=float)))
    # |Z| has a kink at 0, so integrate over the half line (Gauss-Hermite would be inaccurate)
    value, _ = quad(lambda z: 2.0 * expit(-a * z) * np.exp(-z * z / 2.0) / np.sqrt(2.0 * np.pi), 0.0, np.inf)
    return float(value)


def logistic_asymptotic_excess(ns, w) -> np.ndarray:
    """First-order excess 0-1 error of the logistic MLE: (p - 1) sqrt(pi/2) / (4 pi n c |w|).

    The angle theta between w_hat and w satisfies E[theta²] ≈ (p - 1) / (n c |w|²), with
    c = E[expit(|w|Z)(1 - expit(|w|Z))] the Fisher information across w; and for small theta the
    excess error is |w| sqrt(pi/2) theta² / (4 pi).
    """
    w = np.asarray(w, dtype=float)
    a = float(np.linalg.norm(w))
    s = expit(a * _HERMITE_X)
    c = float(np.sum(_HERMITE_W * s * (1.0 - s)))
    return (w.size - 1) * np.sqrt(np.pi / 2.0) / (4.0 * np.pi * np.asarray(ns, dtype=float) * c * a)


def fit_logistic_newton(
    x: np.ndarray, y: np.ndarray, max_iter: int = 50, tol: float = 1e-7
) -> np.ndarray:
    """Maximum-likelihood logistic regression (no intercept) for stacked problems by Newton's method.

    ``x`` is (problems, n, p) and ``y`` (problems, n) in {0, 1}; returns (problems, p). Raises if
    any problem fails to converge (for example under complete separation, where no MLE exists).
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
    """Excess 0-1 error of logistic regression, x ~ N(0, I_p), P(y = 1 | x) = expit(x'w)."""
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
def knn_k(n: int, d: int, const: float = 1.0) -> int:
    """Rate-optimal number of neighbours for twice-differentiable targets: k ∝ n^(4/(4+d))."""
    return int(min(n, max(1, round(const * n ** (4.0 / (4.0 + d))))))


def knn_target(x: np.ndarray) -> np.ndarray:
    """A smooth periodic regression function on [0, 1)^d: the mean of cos(2 pi x_j) over coordinates."""
    return np.cos(2.0 * np.pi * x).mean(axis=-1)


def knn_predict_torus(train_x: np.ndarray, train_y: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """k-NN regression on the torus [0, 1)^d for stacked problems.

    train_x (b, n, d), train_y (b, n), query (b, m, d) -> predictions (b, m): the average response
    of the k training points nearest (in wrap-around distance) to each query point.
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
    """All learners of the chapter, in display order."""
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
    return int(sum(s.samples for s in sims.values()))


# --------------------------------------------------------------------------- fitting
@dataclass
class PowerLawFit:
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    scale: float  # residual variance relative to the Monte-Carlo variances (about 1 if a power law fits)
    result: object  # the statsmodels results object

    def predict(self, ns) -> pd.DataFrame:
        """Fitted summary error and its pointwise 95% band at ``ns``."""
        exog = sm.add_constant(np.log(np.asarray(ns, dtype=float)), has_constant="add")
        frame = self.result.get_prediction(exog).summary_frame(alpha=0.05)
        return pd.DataFrame(
            {"fit": np.exp(frame["mean"]), "fit_low": np.exp(frame["mean_ci_lower"]),
             "fit_high": np.exp(frame["mean_ci_upper"])}
        )


def fit_power_law(ns, values, log_se) -> PowerLawFit:
    """Weighted least squares of log(values) on log(ns), weights 1 / log_se², 95% t-interval.

    The residual scale is estimated (not fixed at 1), so the interval widens if the points scatter
    more than their Monte-Carlo errors allow, e.g. when the curve is not a straight line.
    """
    ns = np.asarray(ns, dtype=float)
    values = np.asarray(values, dtype=float)
    log_se = np.asarray(log_se, dtype=float)
    if not (ns.shape == values.shape == log_se.shape) or ns.ndim != 1:
        raise ValueError("ns, values and log_se must be 1-D arrays of the same length")
    if ns.size < 3:
        raise ValueError(f"need at least 3 sample sizes to fit a slope with an interval, got {ns.size}")
    if np.any(ns <= 0) or np.any(values <= 0) or np.any(~np.isfinite(values)):
        raise ValueError("sample sizes and errors must be positive and finite to fit on log-log axes")
    if np.any(log_se <= 0) or np.any(~np.isfinite(log_se)):
        raise ValueError("standard errors must be positive and finite")
    exog = sm.add_constant(np.log(ns))
    result = sm.WLS(np.log(values), exog, weights=1.0 / log_se**2).fit()
    low, high = result.conf_int(alpha=0.05)[1]
    return PowerLawFit(
        slope=float(result.params[1]),
        slope_low=float(low),
        slope_high=float(high),
        intercept=float(result.params[0]),
        scale=float(result.scale),
        result=result,
    )


def fit_simulation(sim: Simulation) -> PowerLawFit:
    return fit_power_law(sim.ns, sim.summary(), sim.log_se())


def grid_theory_slope(sim: Simulation) -> float:
    """The slope a perfect simulation would show on this n grid: the same weighted fit of the exact
    expected error curve (only where it is known exactly; NaN otherwise)."""
    if sim.theory is None or not sim.theory_kind.startswith("exact"):
        return float("nan")
    exog = sm.add_constant(np.log(sim.ns.astype(float)))
    result = sm.WLS(np.log(sim.theory), exog, weights=1.0 / sim.log_se() ** 2).fit()
    return float(result.params[1])


def data_multiplier(k, slope) -> np.ndarray:
    """Data multiplier for a k-fold error reduction when error ∝ n^slope: k^(-1/slope)."""
    k = np.asarray(k, dtype=float)
    slope = np.asarray(slope, dtype=float)
    if np.any(k < 1):
        raise ValueError("the improvement factor k must be at least 1")
    if np.any(slope >= 0):
        raise ValueError("the error must fall with n (negative slope) for a data multiplier to exist")
    return k ** (-1.0 / slope)


def fit_table(sims: dict[str, Simulation]) -> pd.DataFrame:
    """One row per learner: fitted slope with 95% CI, theory, and the residual scale."""
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


def multiplier_table(fits: pd.DataFrame, ks=(2, 10, 100)) -> pd.DataFrame:
    """Data multiplier for each k from each fitted slope, with the CI from the slope's endpoints.

    k^(-1/s) increases with s for s < 0, so the low endpoint maps to the low multiplier. If the
    interval reaches a slope of 0 or above, the upper end of the multiplier is unbounded (inf).
    """

    def upper(k, slope):
        return float(data_multiplier(k, slope)) if slope < 0 else float("inf")

    rows = []
    for key, row in fits.iterrows():
        for k in ks:
            rows.append(
                {
                    "key": key,
                    "learner": row["learner"],
                    "k": k,
                    "multiplier": float(data_multiplier(k, row["slope"])),
                    "multiplier_low": float(data_multiplier(k, row["slope_low"])),
                    "multiplier_high": upper(k, row["slope_high"]),
                    "theory_multiplier": float(data_multiplier(k, row["theory_slope"])),
                }
            )
    return pd.DataFrame(rows)


def points_table(sims: dict[str, Simulation]) -> pd.DataFrame:
    """Long table for the error chart: points with Monte-Carlo 95% bars, fitted band and theory."""
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


# --------------------------------------------------------------------------- charts
def error_chart(points: pd.DataFrame, columns: int = 2) -> alt.FacetChart:
    """Error against n on log axes, one panel per learner: points with Monte-Carlo 95% bars, the
    fitted power law with its 95% band, and the theory curve (dashed)."""
    data = points.copy()
    for col in ("error", "error_low", "error_high", "fit", "fit_low", "fit_high", "theory"):
        data[col] = data[col].map(lambda v: float(f"{v:.5g}"))
    order = list(dict.fromkeys(data["learner"]))
    x = alt.X("n:Q", scale=alt.Scale(type="log"), axis=charts.log_axis("sample size n"))
    y_scale = alt.Scale(type="log", zero=False)
    y = alt.Y("error:Q", scale=y_scale, axis=charts.log_axis("error"))
    base = alt.Chart().encode(x=x)
    band = base.mark_area(opacity=0.25, color=charts.PALETTE[0]).encode(
        y=alt.Y("fit_low:Q", scale=y_scale, axis=charts.log_axis("error")), y2="fit_high:Q"
    )
    fit_line = base.mark_line(color=charts.PALETTE[0]).encode(y=alt.Y("fit:Q", scale=y_scale))
    theory = base.mark_line(color=charts.PALETTE[3], strokeDash=[6, 4]).encode(
        y=alt.Y("theory:Q", scale=y_scale)
    )
    bars = base.mark_rule(color="#333333").encode(y=alt.Y("error_low:Q", scale=y_scale), y2="error_high:Q")
    dots = base.mark_point(color="#333333", size=30).encode(
        y=y,
        tooltip=[
            alt.Tooltip("learner:N"),
            alt.Tooltip("n:Q"),
            alt.Tooltip("error:Q", format=".4g"),
            alt.Tooltip("fit:Q", format=".4g", title="fitted"),
            alt.Tooltip("theory:Q", format=".4g"),
        ],
    )
    layered = alt.layer(band, fit_line, theory, bars, dots, data=data).properties(width=250, height=170)
    return (
        layered.facet(
            facet=alt.Facet("learner:N", sort=order, title=None, header=alt.Header(labelFontSize=12)),
            columns=columns,
        )
        .resolve_scale(y="independent")
        .properties(
            description=(
                "Log-log panels, one per learner, of simulated error against sample size n from about 30 "
                "to 30,000: dots with Monte-Carlo 95% bars, a blue fitted power law with its 95% band, "
                "and a dashed red theory curve. The mean and OLS coefficient errors fall with slope -1/2, "
                "the squared-error and classification excess errors with slope near -1, and the "
                "nearest-neighbour errors more slowly."
            )
        )
    )


def multiplier_chart(fits: pd.DataFrame, k_default: float = 10.0, k_max: float = 100.0) -> alt.LayerChart:
    """Horizontal bars: data multiplier pow(k, -1/slope) per learner, computed in Vega-Lite from the
    fitted slopes, with the slider param ``k``; whiskers map the slope's 95% CI; the dashed rule
    marks the article's k²."""
    data = fits.reset_index()[["key", "learner", "slope", "slope_low", "slope_high", "theory_slope"]].copy()
    for col in ("slope", "slope_low", "slope_high", "theory_slope"):
        data[col] = data[col].map(lambda v: float(f"{v:.5g}"))
    order = list(data["learner"])
    k = alt.param(
        name="k",
        value=k_default,
        bind=alt.binding_range(min=1.5, max=k_max, step=0.5, name="improvement factor k "),
    )
    x_scale = alt.Scale(type="log", domain=[1, 1e10])
    y = alt.Y("learner:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    base = (
        alt.Chart(data)
        .transform_calculate(
            multiplier="pow(k, -1 / datum.slope)",
            multiplier_low="pow(k, -1 / datum.slope_low)",
            multiplier_high="pow(k, -1 / datum.slope_high)",
            theory="pow(k, -1 / datum.theory_slope)",
            label="format(pow(k, -1 / datum.slope), ',.3~r') + '×'",
        )
        .encode(y=y)
    )
    bars = base.mark_bar(color=charts.PALETTE[0], opacity=0.8, height=16).encode(
        x=alt.X("multiplier:Q", scale=x_scale, axis=charts.log_axis("data multiplier needed (log scale)")),
        x2=alt.datum(1),
        tooltip=[
            alt.Tooltip("learner:N"),
            alt.Tooltip("slope:Q", format=".3f", title="fitted slope"),
            alt.Tooltip("multiplier:Q", format=",.3~r", title="multiplier"),
            alt.Tooltip("multiplier_low:Q", format=",.3~r", title="95% CI low"),
            alt.Tooltip("multiplier_high:Q", format=",.3~r", title="95% CI high"),
        ],
    )
    whiskers = base.mark_rule(color="#333333", strokeWidth=2).encode(
        x=alt.X("multiplier_low:Q", scale=x_scale), x2="multiplier_high:Q"
    )
    theory_ticks = base.mark_tick(color=charts.PALETTE[3], thickness=3, size=22).encode(
        x=alt.X("theory:Q", scale=x_scale)
    )
    labels = base.mark_text(align="left", dx=6, fontSize=12).encode(
        x=alt.X("multiplier_high:Q", scale=x_scale), text="label:N"
    )
    k2_rule = (
        alt.Chart(pd.DataFrame({"one": [1]}))
        .transform_calculate(k2="pow(k, 2)")
        .mark_rule(strokeDash=[6, 4], color="#000000")
        .encode(x=alt.X("k2:Q", scale=x_scale))
    )
    return (
        alt.layer(bars, whiskers, theory_ticks, labels, k2_rule)
        .add_params(k)
        .properties(
            width=300,
            height=alt.Step(30),
            description=(
                "Horizontal bars on a log scale giving, for each learner, the factor by which the data must "
                "grow to divide its error by k, computed from the fitted slope as k to the power -1/slope, "
                "with whiskers for the 95% interval, red ticks for theory and a dashed black line at k "
                "squared. A slider sets k."
            ),
        )
    )


# --------------------------------------------------------------------------- benchmark
def benchmark(config: Config | None = None) -> dict[str, float]:
    """Wall time of the chapter's full-size simulation and its throughput in simulated data points."""
    start = time.perf_counter()
    sims = run(config or Config())
    seconds = time.perf_counter() - start
    samples = total_samples(sims)
    return {"k2_samples_per_second": samples / seconds, "k2_simulation_seconds": seconds}


# --------------------------------------------------------------------------- printed tables
def format_settings(config: Config) -> str:
    """The simulation's settings, one item a line (deterministic text for the chapter)."""
    c = config
    lines = [
        f"sample sizes n ({len(c.ns)}): " + ", ".join(str(n) for n in c.ns),
        f"mean     : N(0, {c.sigma:g}^2); {c.reps_mean} replicates per n",
        f"OLS      : p = {c.ols_p}, AR(1) design, rho = {c.ols_rho:g}, noise sd {c.sigma:g};",
        f"           {c.reps_ols} replicates per n",
        f"logistic : x ~ N(0, I_{len(c.logistic_w)}), w = {tuple(c.logistic_w)}, "
        f"Bayes error {bayes_error_gaussian(c.logistic_w):.4f};",
        f"           {c.reps_logistic} replicates per n",
        f"kNN      : d = {', '.join(map(str, c.knn_dims))} on the torus, noise sd {c.sigma:g},",
        f"           k = round({c.knn_k_const:g} n^(4/(4+d))); {c.reps_knn} replicates per n,",
        f"           {c.knn_test_points} test points each",
        f"seed     : {c.seed}",
    ]
    return "\n".join(lines)


def fit_summary(fits: pd.DataFrame) -> pd.DataFrame:
    """Fitted slopes with 95% CIs next to theory, as rounded text for display."""
    rows = []
    for _, r in fits.iterrows():
        rows.append(
            {
                "learner": r["learner"],
                "fitted slope [95% CI]": f"{r['slope']:.3f} [{r['slope_low']:.3f}, {r['slope_high']:.3f}]",
                "theory": f"{r['theory_slope']:.3f}",
                "on grid": f"{r['grid_theory_slope']:.3f}" if np.isfinite(r["grid_theory_slope"]) else "",
                "scale": f"{r['scale']:.2f}",
            }
        )
    return pd.DataFrame(rows).set_index("learner")


def multiplier_summary(mults: pd.DataFrame) -> pd.DataFrame:
    """Data multipliers for each k with their 95% CIs, as text with 3 significant figures."""

    def cell(r) -> str:
        return f"{r['multiplier']:,.3g} [{r['multiplier_low']:,.3g}, {r['multiplier_high']:,.3g}]"

    table = {}
    for learner, group in mults.groupby("learner", sort=False):
        table[learner] = {f"k = {int(r['k'])}": cell(r) for _, r in group.iterrows()}
    out = pd.DataFrame.from_dict(table, orient="index")
    out.index.name = "learner"
    return out
