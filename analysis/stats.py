"""One statistics layer for every chapter: log-log power-law fits, exponents, multipliers, bootstrap.

A power law ``y = A x**slope`` is a straight line on log-log axes, so every chapter fits it the same
way: least squares of ``log y`` on ``log x`` with statsmodels (ordinary, or weighted when the points
carry known standard errors, optionally with cluster-robust errors when points come in correlated
groups). The fitted slope translates into the two numbers the article talks about:

* the **exponent** ``gamma = -1 / slope``: compute (or data) grows as ``k**gamma`` for a ``k``-fold
  error reduction when error ``∝ x**slope``;
* the **multiplier** ``k**gamma`` for a given improvement factor ``k``.

Both are monotone functions of the slope, so their confidence intervals are the slope's interval
mapped through the same function (an endpoint at or beyond ``slope = 0`` maps to ``inf``: the data
cannot rule out that the error stops falling).

:func:`loglog_fit_reverse` regresses the other way (``log x`` on ``log y``); with noisy ``y`` and
exact ``x`` the two directions bracket the answer, which is why the ninth-power chapter shows both.

Bootstrap intervals use :func:`scipy.stats.bootstrap`; :func:`bootstrap_ci` refuses (with the count)
any resample whose statistic is not finite instead of dropping it silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
import scipy.stats
import statsmodels.api as sm

__all__ = ["BootstrapCI", "Estimate", "LogLogFit", "bootstrap_ci", "exponent_from_slope", "loglog_fit",
           "loglog_fit_reverse", "multiplier_from_exponent"]

Direction = Literal["y_on_x", "x_on_y"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a two-sided confidence interval at ``level``."""

    value: float
    low: float
    high: float
    level: float

    def as_tuple(self) -> tuple[float, float, float]:
        """``(value, low, high)``."""
        return (self.value, self.low, self.high)


def exponent_from_slope(slope: float) -> float:
    """Exponent ``gamma = -1 / slope`` for error ``∝ x**slope``; ``inf`` when ``slope >= 0``.

    Parameters
    ----------
    slope : float
        Log-log slope of error against the resource (negative when the error falls).

    Returns
    -------
    float
        ``-1 / slope`` for a negative slope, else ``inf`` (no finite resource reaches a lower error).

    Examples
    --------
    >>> exponent_from_slope(-0.5)
    2.0
    >>> exponent_from_slope(0.0)
    inf
    """
    slope = float(slope)
    return -1.0 / slope if slope < 0 else float("inf")


def multiplier_from_exponent(k: float, gamma: float) -> float:
    """Resource multiplier ``k**gamma`` for a ``k``-fold error reduction.

    Parameters
    ----------
    k : float
        Improvement factor, at least 1.
    gamma : float
        Exponent (may be ``inf``; then the multiplier is ``inf`` for ``k > 1``).

    Returns
    -------
    float

    Examples
    --------
    >>> multiplier_from_exponent(10, 2.0)
    100.0
    """
    k = float(k)
    if k < 1:
        raise ValueError(f"the improvement factor k must be at least 1, got {k}")
    if k == 1:
        return 1.0
    # np.power, not Python's **: the same last digit as the array code paths (they differ by 1 ULP)
    return float(np.power(k, gamma)) if np.isfinite(gamma) else float("inf")


@dataclass(frozen=True)
class LogLogFit:
    """Result of :func:`loglog_fit` or :func:`loglog_fit_reverse`.

    ``slope`` and ``intercept`` are on natural-log axes (the slope does not depend on the base).
    ``direction`` says which variable was regressed on which: ``"y_on_x"`` (log y on log x) or
    ``"x_on_y"`` (log x on log y). ``scale`` is the estimated residual variance (about 1 for a WLS
    fit whose weights are correct inverse variances). ``result`` is the statsmodels results object.
    """

    slope: float
    intercept: float
    slope_se: float
    intercept_se: float
    slope_low: float
    slope_high: float
    level: float
    r2: float
    n: int
    scale: float
    cov_type: str
    direction: Direction
    result: Any = field(repr=False, compare=False)

    @property
    def slope_ci(self) -> Estimate:
        """The slope with its interval as an :class:`Estimate`."""
        return Estimate(self.slope, self.slope_low, self.slope_high, self.level)

    def predict(self, x, level: float | None = None) -> pd.DataFrame:
        """Fitted value and pointwise confidence band of the mean at ``x``, in original units.

        Parameters
        ----------
        x : array_like
            Positive values of the regressor (``x`` for ``y_on_x``, ``y`` for ``x_on_y``).
        level : float, optional
            Confidence level of the band; the fit's level by default.

        Returns
        -------
        pandas.DataFrame
            Columns ``fit``, ``fit_low``, ``fit_high`` (exponentiated back from log space).
        """
        level = self.level if level is None else level
        exog = sm.add_constant(np.log(np.asarray(x, dtype=float)), has_constant="add")
        frame = self.result.get_prediction(exog).summary_frame(alpha=1 - level)
        return pd.DataFrame(
            {"fit": np.exp(frame["mean"].to_numpy()), "fit_low": np.exp(frame["mean_ci_lower"].to_numpy()),
             "fit_high": np.exp(frame["mean_ci_upper"].to_numpy())}
        )

    def exponent(self) -> Estimate:
        """Exponent ``gamma`` with its interval: resource ``∝ k**gamma`` for a ``k``-fold error cut.

        For ``y_on_x`` (error on resource) ``gamma = -1/slope``; for ``x_on_y`` (resource on error)
        ``gamma = -slope``. Both maps are increasing in the slope, so the interval endpoints map
        directly; an endpoint with ``slope >= 0`` (y_on_x) gives ``inf``.
        """
        if self.direction == "y_on_x":
            if self.slope >= 0:
                raise ValueError(f"fitted slope {self.slope:.4g} >= 0: the error does not fall, gamma is undefined")
            values = [exponent_from_slope(s) for s in (self.slope, self.slope_low, self.slope_high)]
        else:
            if self.slope >= 0:
                raise ValueError(f"fitted slope {self.slope:.4g} >= 0: the resource does not grow as error falls")
            values = [-self.slope, -self.slope_high, -self.slope_low]
        return Estimate(values[0], values[1], values[2], self.level)

    def multiplier(self, k: float) -> Estimate:
        """Multiplier ``k**gamma`` with its interval (``k**`` is increasing for ``k > 1``)."""
        g = self.exponent()
        return Estimate(*(multiplier_from_exponent(k, v) for v in (g.value, g.low, g.high)), self.level)


def _check_positive(name: str, values: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
    if bad.size:
        raise ValueError(
            f"{name} must be positive and finite to fit on log-log axes; bad at index {int(bad[0])}: "
            f"{values[bad[0]]!r} ({bad.size} bad value(s))"
        )


def _fit(xlog: np.ndarray, ylog: np.ndarray, *, weights, groups, level: float, direction: Direction) -> LogLogFit:
    n = xlog.size
    if n < 3:
        raise ValueError(f"need at least 3 points to fit a slope with an interval, got {n}")
    exog = sm.add_constant(xlog, has_constant="add")
    if weights is None:
        model = sm.OLS(ylog, exog)
    else:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != xlog.shape:
            raise ValueError(f"weights must have one value per point: {weights.shape} vs {xlog.shape}")
        if np.any(~np.isfinite(weights) | (weights <= 0)):
            raise ValueError("weights must be positive and finite")
        model = sm.WLS(ylog, exog, weights=weights)
    if groups is None:
        result = model.fit()
        cov_type = "nonrobust"
    else:
        groups = np.asarray(groups)
        if groups.shape != xlog.shape:
            raise ValueError(f"groups must have one label per point: {groups.shape} vs {xlog.shape}")
        n_groups = np.unique(groups).size
        if n_groups < 2:
            raise ValueError("cluster-robust errors need at least 2 groups")
        # t with (groups - 1) degrees of freedom: statsmodels' small-sample choice for clusters
        result = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]}, use_t=True)
        cov_type = "cluster"
    low, high = result.conf_int(alpha=1 - level)[1]
    return LogLogFit(
        slope=float(result.params[1]), intercept=float(result.params[0]), slope_se=float(result.bse[1]),
        intercept_se=float(result.bse[0]), slope_low=float(low), slope_high=float(high), level=float(level),
        r2=float(result.rsquared), n=int(n), scale=float(result.scale), cov_type=cov_type, direction=direction,
        result=result,
    )


def _prepare(x, y, log_se, weights):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of the same length, got shapes {x.shape} and {y.shape}")
    _check_positive("x", x)
    _check_positive("y", y)
    if log_se is not None:
        if weights is not None:
            raise ValueError("give either log_se or weights, not both")
        log_se = np.asarray(log_se, dtype=float)
        if log_se.shape != x.shape or np.any(~np.isfinite(log_se) | (log_se <= 0)):
            raise ValueError("log_se must be positive and finite, one value per point")
        weights = 1.0 / log_se**2
    return x, y, weights


def loglog_fit(x, y, *, log_se=None, weights=None, groups=None, level: float = 0.95) -> LogLogFit:
    """Fit ``log y = intercept + slope * log x`` by least squares (statsmodels).

    Parameters
    ----------
    x, y : array_like
        Positive, finite 1-D arrays of equal length (at least 3 points).
    log_se : array_like, optional
        Standard error of each ``log y``; gives WLS with weights ``1 / log_se**2``. The residual
        scale is still estimated, so the interval widens if the points scatter more than their
        errors allow (e.g. when the curve is not a straight line).
    weights : array_like, optional
        WLS weights (inverse variances up to a constant); exclusive with ``log_se``.
    groups : array_like, optional
        Cluster labels; gives cluster-robust standard errors and a t interval with
        ``n_groups - 1`` degrees of freedom.
    level : float
        Confidence level of the slope interval (default 0.95).

    Returns
    -------
    LogLogFit

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 10.0, 100.0, 1000.0])
    >>> fit = loglog_fit(x, 3.0 * x**-0.5)
    >>> round(fit.slope, 6), round(float(np.exp(fit.intercept)), 6), fit.n
    (-0.5, 3.0, 4)
    >>> fit.exponent().value                   # compute grows as k**2 for a k-fold error cut
    2.0
    >>> round(fit.multiplier(10).value, 6)
    100.0
    """
    x, y, weights = _prepare(x, y, log_se, weights)
    return _fit(np.log(x), np.log(y), weights=weights, groups=groups, level=level, direction="y_on_x")


def loglog_fit_reverse(x, y, *, weights=None, groups=None, level: float = 0.95) -> LogLogFit:
    """Fit the reverse direction, ``log x = intercept + slope * log y`` (x on y).

    Use it when ``y`` (e.g. an error rate) is the exact variable and ``x`` (e.g. compute) the noisy
    one; the exponent is then ``-slope`` directly. Parameters as in :func:`loglog_fit`; ``weights``
    refer to the variance of ``log x``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 10.0, 100.0, 1000.0])
    >>> fit = loglog_fit_reverse(x, 3.0 * x**-0.5)
    >>> round(fit.slope, 6), round(fit.exponent().value, 6), fit.direction
    (-2.0, 2.0, 'x_on_y')
    """
    x, y, weights = _prepare(x, y, None, weights)
    return _fit(np.log(y), np.log(x), weights=weights, groups=groups, level=level, direction="x_on_y")


@dataclass(frozen=True)
class BootstrapCI:
    """A bootstrap confidence interval and how it was made.

    ``distribution`` holds every resampled statistic (none dropped: :func:`bootstrap_ci` refuses
    non-finite ones).
    """

    value: float
    low: float
    high: float
    level: float
    n_resamples: int
    method: str
    distribution: np.ndarray = field(repr=False, compare=False)

    def estimate(self) -> Estimate:
        """The interval as an :class:`Estimate`."""
        return Estimate(self.value, self.low, self.high, self.level)


def bootstrap_ci(
    data: tuple,
    statistic: Callable[..., float],
    *,
    n_resamples: int = 2000,
    level: float = 0.95,
    method: str = "percentile",
    seed: int = 0,
    paired: bool = False,
    vectorized: bool = False,
) -> BootstrapCI:
    """Bootstrap confidence interval of ``statistic(*data)`` by :func:`scipy.stats.bootstrap`.

    Parameters
    ----------
    data : tuple of array_like
        Samples to resample (one array per argument of ``statistic``).
    statistic : callable
        Returns a float; must be finite on every resample (see Raises).
    n_resamples, level, method, paired, vectorized
        Passed to :func:`scipy.stats.bootstrap` (``confidence_level=level``).
    seed : int
        Seed of the NumPy generator: the same seed gives the same interval.

    Returns
    -------
    BootstrapCI

    Raises
    ------
    ValueError
        If the statistic is not finite on some resamples, with their count. For an exponent
        ``-1/slope`` bootstrap the slope instead and map its interval with
        :func:`exponent_from_slope` (percentile intervals map through monotone functions, and a
        slope >= 0 then maps to an infinite endpoint instead of a dropped resample).

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(1).normal(5.0, 1.0, size=200)
    >>> ci = bootstrap_ci((sample,), np.mean, n_resamples=999, seed=2, vectorized=True)
    >>> bool(ci.low < 5.0 < ci.high), ci.n_resamples, ci.method
    (True, 999, 'percentile')
    """
    data = tuple(np.asarray(d) for d in data)
    value = float(statistic(*data))
    if vectorized:
        def stat(*args, axis=-1):
            return statistic(*args, axis=axis)
    else:
        stat = statistic
    res = scipy.stats.bootstrap(
        data, stat, n_resamples=n_resamples, confidence_level=level, method=method,
        paired=paired, vectorized=vectorized, rng=np.random.default_rng(seed),
    )
    dist = np.asarray(res.bootstrap_distribution, dtype=float)
    bad = int(np.count_nonzero(~np.isfinite(dist)))
    if bad:
        raise ValueError(
            f"the statistic is not finite on {bad} of {n_resamples} bootstrap resamples; "
            "bootstrap a quantity defined on every resample (e.g. the slope, not -1/slope) "
            "and map its interval"
        )
    return BootstrapCI(
        value=value,
        low=float(res.confidence_interval.low),
        high=float(res.confidence_interval.high),
        level=float(level),
        n_resamples=int(n_resamples),
        method=method,
        distribution=dist,
    )
