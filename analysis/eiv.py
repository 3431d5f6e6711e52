"""Errors-in-variables slopes for ``y = a + b x + u`` when ``x`` is observed with known noise.

Ordinary least squares of ``y`` on a noisy ``x`` is biased toward zero ("attenuation"): with
observed ``w = x + v``, ``var(v) = s**2`` per row, ``b_ols -> b * var(x) / (var(x) + mean s**2)``.
For the ninth-power fit (ln error on ln compute) a flatter slope means a *larger* exponent
``gamma = -1/b``, so compute noise inflates gamma. Two corrections, both using the per-row
standard deviation ``s_i`` of the noise in ``x`` (in the units of ``x``):

* :func:`moments_slope` (method of moments, the "reliability-ratio" or known-variance Deming
  estimator): ``b = S_xy / (S_xx - sum s_i**2 (1 - 1/n))`` with centred sums;
* :func:`simex_slope` (simulation-extrapolation, Cook & Stefanski 1994): add extra noise
  ``sqrt(lam) s_i`` for ``lam`` in a grid, average the OLS slope over replicates, fit a quadratic
  in ``lam`` and extrapolate to ``lam = -1`` (no noise). The quadratic extrapolant is known to
  under-correct somewhat when the attenuation is strong.

:func:`deming_slope` is the classic Deming estimator for a known ratio of error variances
(``delta = var(error in y) / var(error in x)``; orthogonal regression is ``delta = 1``).

Intervals (:func:`eiv_fit`) come from a pairs bootstrap (:func:`analysis.stats.bootstrap_ci`,
BCa), because the estimators' sampling distributions are skewed for small samples; on the
synthetic data of the tests the percentile interval covered 89% at n = 40 and BCa 92.5% (200
simulations each), so BCa it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import stats

SIMEX_LAMBDAS = (0.0, 0.5, 1.0, 1.5, 2.0)


def ols_slope(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    xc = x - x.mean()
    return float(xc @ (y - y.mean()) / (xc @ xc))


def moments_slope(x, y, sx) -> float:
    """Method-of-moments slope with known per-row noise sd ``sx`` of ``x``; NaN if not identified.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 2.0, 3.0])
    >>> round(moments_slope(x, 2 * x, np.zeros(4)), 6)   # no noise: the OLS slope
    2.0
    >>> round(moments_slope(x, 2 * x, np.full(4, 0.5)), 3)   # S_xy / (S_xx - 4 x 0.25 x 3/4)
    2.353
    """
    x, y, sx = (np.asarray(a, float) for a in (x, y, sx))
    n = x.size
    xc = x - x.mean()
    denom = xc @ xc - np.sum(sx**2) * (1 - 1 / n)
    if denom <= 0:
        return float("nan")
    return float(xc @ (y - y.mean()) / denom)


def deming_slope(x, y, delta: float = 1.0) -> float:
    """Deming slope for error-variance ratio ``delta = var(err y) / var(err x)``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    xc, yc = x - x.mean(), y - y.mean()
    sxx, syy, sxy = xc @ xc, yc @ yc, xc @ yc
    d = syy - delta * sxx
    return float((d + np.sqrt(d * d + 4 * delta * sxy * sxy)) / (2 * sxy))


def simex_slope(x, y, sx, lambdas=SIMEX_LAMBDAS, replicates: int = 200, seed: int = 0) -> float:
    """SIMEX slope with a quadratic extrapolant (deterministic for a given ``seed``)."""
    x, y, sx = (np.asarray(a, float) for a in (x, y, sx))
    rng = np.random.default_rng(seed)
    means = []
    yc = y - y.mean()
    for lam in lambdas:
        if lam == 0:
            means.append(ols_slope(x, y))
            continue
        w = x[None, :] + np.sqrt(lam) * sx[None, :] * rng.standard_normal((replicates, x.size))
        wc = w - w.mean(axis=1, keepdims=True)
        means.append(float(np.mean((wc @ yc) / np.einsum("ij,ij->i", wc, wc))))
    coef = np.polyfit(np.asarray(lambdas, float), np.asarray(means), 2)
    return float(np.polyval(coef, -1.0))


@dataclass(frozen=True)
class EIVFit:
    slope: float
    slope_se: float
    slope_low: float
    slope_high: float
    level: float
    method: str
    n: int


def eiv_fit(x, y, sx, method: str = "moments", level: float = 0.95, n_resamples: int = 999, seed: int = 0) -> EIVFit:
    """Errors-in-variables slope of ``y`` on ``x`` with a pairs-bootstrap percentile interval.

    ``method``: ``"moments"`` (:func:`moments_slope`) or ``"simex"`` (:func:`simex_slope`).
    Resamples on which the moments estimator is not identified (denominator <= 0) are given a
    slope of 0 (an infinite exponent) rather than dropped, and counted in the interval that way.
    """
    x, y, sx = (np.asarray(a, float) for a in (x, y, sx))
    if method == "moments":
        def est(a, b, c):
            v = moments_slope(a, b, c)
            return 0.0 if np.isnan(v) else v
        replicates = None
    elif method == "simex":
        def est(a, b, c):
            return simex_slope(a, b, c, replicates=50, seed=seed)
        replicates = 200
    else:
        raise ValueError(f"unknown errors-in-variables method {method!r}")
    value = moments_slope(x, y, sx) if method == "moments" else simex_slope(x, y, sx, replicates=replicates, seed=seed)
    n_res = n_resamples if method == "moments" else min(n_resamples, 399)
    ci = stats.bootstrap_ci((x, y, sx), est, n_resamples=n_res, level=level, paired=True, seed=seed, method="BCa")
    return EIVFit(value, float(np.std(ci.distribution, ddof=1)), ci.low, ci.high, level, method, int(x.size))


def synthetic(n: int = 60, slope: float = -0.11, sd_x_true: float = 1.6, sd_u: float = 0.12, sd_v: float = 0.7,
              seed: int = 0) -> dict:
    """Synthetic ln-compute / ln-error data with a known slope and known compute noise.

    ``x_true ~ N(46, sd_x_true)`` (ln FLOP), ``y = 3 + slope * (x_true - 46) + N(0, sd_u)`` (ln error),
    observed ``w = x_true + N(0, sd_v)``. Returns arrays ``x`` (observed), ``x_true``, ``y``, ``sx``.
    """
    rng = np.random.default_rng(seed)
    xt = 46 + sd_x_true * rng.standard_normal(n)
    y = 3 + slope * (xt - 46) + sd_u * rng.standard_normal(n)
    w = xt + sd_v * rng.standard_normal(n)
    return {"x": w, "x_true": xt, "y": y, "sx": np.full(n, sd_v)}
