"""Closed forms behind the k² chapter's simulations (pure functions, no random numbers).

* OLS with a Gaussian design: exact expected coefficient error and prediction excess risk;
* logistic regression with an isotropic Gaussian design: the excess 0-1 error of any linear
  classifier in closed form, the Bayes error, and the first-order asymptotic excess of the MLE;
* k-nearest neighbours: the rate-optimal k and the smooth target function.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

def ar1_covariance(p: int, rho: float) -> np.ndarray:
    """Covariance with entries rho^|i-j| (a correlated Gaussian design).

    Parameters
    ----------
    p : int
        Dimension.
    rho : float
        Correlation between neighbours, strictly between -1 and 1.

    Returns
    -------
    ndarray, shape (p, p)

    Examples
    --------
    >>> ar1_covariance(3, 0.5)[0].tolist()
    [1.0, 0.5, 0.25]
    """
    if isinstance(p, bool) or int(p) != p or p < 1:
        raise ValueError(f"p must be a whole number at least 1, got {p!r}")
    p = int(p)
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho!r}")
    idx = np.arange(p)
    return rho ** np.abs(idx[:, None] - idx[None, :])


def ols_theory(ns, p: int, sigma: float, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact expected losses of OLS with a Gaussian design N(0, cov), no intercept, n > p + 1.

    E||b - beta||² = sigma² tr(cov⁻¹) / (n - p - 1) and the prediction excess risk
    E[(b - beta)' cov (b - beta)] = sigma² p / (n - p - 1) (inverse-Wishart mean).

    Parameters
    ----------
    ns : array_like
        Sample sizes (each > p + 1).
    p : int
        Number of features.
    sigma : float
        Noise standard deviation.
    cov : ndarray, shape (p, p)
        Covariance of the features.

    Returns
    -------
    coef, risk : ndarray
        Expected squared coefficient error and expected prediction excess risk at each n.

    Examples
    --------
    >>> import numpy as np
    >>> coef, risk = ols_theory([14], 3, 1.0, np.eye(3))
    >>> float(coef[0]), float(risk[0])
    (0.3, 0.3)
    """
    ns = np.asarray(ns, dtype=float)
    coef = sigma**2 * np.trace(np.linalg.inv(cov)) / (ns - p - 1)
    risk = sigma**2 * p / (ns - p - 1)
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

    Parameters
    ----------
    w_hat : ndarray, shape (..., p)
        Fitted coefficients (any leading axes).
    w : ndarray, shape (p,)
        True coefficients.

    Returns
    -------
    ndarray, shape (...)
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
    """Bayes 0-1 error for x ~ N(0, I), P(y = 1 | x) = expit(x'w): E[expit(-|w||Z|)].

    Parameters
    ----------
    w : array_like
        True coefficients.

    Returns
    -------
    float

    Examples
    --------
    >>> round(bayes_error_gaussian([0.0, 0.0]), 12)  # no signal: a coin flip
    0.5
    """
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

    Parameters
    ----------
    ns : array_like
        Sample sizes.
    w : array_like
        True coefficients (p of them).

    Returns
    -------
    ndarray
    """
    w = np.asarray(w, dtype=float)
    a = float(np.linalg.norm(w))
    s = expit(a * _HERMITE_X)
    c = float(np.sum(_HERMITE_W * s * (1.0 - s)))
    return (w.size - 1) * np.sqrt(np.pi / 2.0) / (4.0 * np.pi * np.asarray(ns, dtype=float) * c * a)


def knn_k(n: int, d: int, const: float = 1.0) -> int:
    """Rate-optimal number of neighbours for twice-differentiable targets: k ∝ n^(4/(4+d)).

    Parameters
    ----------
    n : int
        Training sample size.
    d : int
        Dimension.
    const : float
        Multiplier of the rate.

    Returns
    -------
    int
        Between 1 and n.

    Examples
    --------
    >>> knn_k(10_000, 4)
    100
    """
    return int(min(n, max(1, round(const * n ** (4.0 / (4.0 + d))))))


def knn_target(x: np.ndarray) -> np.ndarray:
    """A smooth periodic regression function on [0, 1)^d: the mean of cos(2 pi x_j) over coordinates.

    Parameters
    ----------
    x : ndarray, shape (..., d)

    Returns
    -------
    ndarray, shape (...)
    """
    return np.cos(2.0 * np.pi * x).mean(axis=-1)
