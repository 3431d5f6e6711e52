"""analysis.stats: known exponents recovered from synthetic data, intervals cover at their level."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import stats

N_DATASETS = 400
# Monte Carlo tolerance for a 95% coverage over N_DATASETS: 3 binomial standard errors
TOL = 3 * np.sqrt(0.95 * 0.05 / N_DATASETS)


def test_recovers_exact_power_law():
    x = np.geomspace(10, 1e6, 9)
    fit = stats.loglog_fit(x, 7.0 * x**-0.25)
    assert fit.slope == pytest.approx(-0.25, abs=1e-12)
    assert np.exp(fit.intercept) == pytest.approx(7.0, rel=1e-10)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.exponent().value == pytest.approx(4.0)
    assert fit.multiplier(10).value == pytest.approx(1e4)
    rev = stats.loglog_fit_reverse(x, 7.0 * x**-0.25)
    assert rev.slope == pytest.approx(-4.0) and rev.exponent().value == pytest.approx(4.0)


def test_recovers_noisy_exponent_and_interval_contains_truth():
    rng = np.random.default_rng(3)
    x = np.geomspace(1, 1e4, 200)
    y = 2.0 * x**-0.5 * np.exp(rng.normal(0, 0.1, x.size))
    fit = stats.loglog_fit(x, y)
    assert fit.slope_low < -0.5 < fit.slope_high
    assert abs(fit.slope + 0.5) < 0.02
    g = fit.exponent()
    assert g.low < 2.0 < g.high and g.low < g.value < g.high


def _coverage(make_fit, truth: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(N_DATASETS):
        fit = make_fit(rng)
        hits += fit.slope_low <= truth <= fit.slope_high
    return hits / N_DATASETS


def test_ols_interval_covers_at_nominal_level():
    x = np.geomspace(1, 1e3, 10)

    def make(rng):
        return stats.loglog_fit(x, 5 * x**-0.3 * np.exp(rng.normal(0, 0.2, x.size)))

    assert abs(_coverage(make, -0.3, 11) - 0.95) < TOL


def test_wls_interval_covers_with_unequal_errors():
    x = np.geomspace(1, 1e3, 8)
    log_se = np.linspace(0.05, 0.5, x.size)

    def make(rng):
        return stats.loglog_fit(x, x**-0.7 * np.exp(rng.normal(0, log_se)), log_se=log_se)

    assert abs(_coverage(make, -0.7, 12) - 0.95) < TOL


def test_wrong_interval_fails_the_coverage_check():
    """Negative control: a 50% interval passed off as 95% is caught by the same check."""
    x = np.geomspace(1, 1e3, 10)

    def make(rng):
        return stats.loglog_fit(x, 5 * x**-0.3 * np.exp(rng.normal(0, 0.2, x.size)), level=0.5)

    assert abs(_coverage(make, -0.3, 11) - 0.95) > TOL


def test_cluster_robust_interval_covers_with_correlated_groups():
    n_groups, per = 40, 5
    groups = np.repeat(np.arange(n_groups), per)
    x = np.geomspace(1, 1e3, n_groups * per)

    def make(rng):
        shared = np.repeat(rng.normal(0, 0.3, n_groups), per)  # error shared within a group
        return stats.loglog_fit(x, x**-0.5 * np.exp(shared + rng.normal(0, 0.1, x.size)), groups=groups)

    cover = _coverage(make, -0.5, 13)
    assert abs(cover - 0.95) < TOL + 0.02  # cluster-robust errors are asymptotic in the groups
    fit = make(np.random.default_rng(0))
    assert fit.cov_type == "cluster"


def test_bootstrap_interval_covers():
    x = np.geomspace(1, 1e3, 30)
    lx = np.log(x)

    def slope(lx_, ly_, axis=-1):
        xc = lx_ - lx_.mean(axis=axis, keepdims=True)
        yc = ly_ - ly_.mean(axis=axis, keepdims=True)
        return (xc * yc).sum(axis=axis) / (xc * xc).sum(axis=axis)

    rng = np.random.default_rng(14)
    hits, n = 0, 200
    for i in range(n):
        ly = np.log(3 * x**-0.4) + rng.normal(0, 0.3, x.size)
        ci = stats.bootstrap_ci((lx, ly), slope, n_resamples=499, seed=i, paired=True, vectorized=True)
        hits += ci.low <= -0.4 <= ci.high
    assert abs(hits / n - 0.95) < 3 * np.sqrt(0.95 * 0.05 / n) + 0.02  # percentile: slight undercover


@pytest.mark.filterwarnings("ignore::scipy.stats.DegenerateDataWarning")
def test_bootstrap_refuses_non_finite_resamples_with_count():
    data = np.array([-1.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"not finite on \d+ of 200"):
        stats.bootstrap_ci((data,), lambda d: 1.0 / d.min() if d.min() > 0 else np.nan, n_resamples=200)


def test_exponent_interval_maps_through_monotone_map():
    x = np.geomspace(1, 10, 4)
    fit = stats.loglog_fit(x, x**-0.05 * np.exp(np.random.default_rng(2).normal(0, 0.2, x.size)))
    assert fit.slope < 0 <= fit.slope_high  # the data cannot rule out a flat curve
    g = fit.exponent()
    assert g.value == pytest.approx(-1 / fit.slope) and g.low == pytest.approx(-1 / fit.slope_low)
    assert g.high == float("inf") and fit.multiplier(10).high == float("inf")
    m = fit.multiplier(10)
    assert m.low == pytest.approx(10**g.low) and m.value == pytest.approx(10**g.value)
    rev = stats.loglog_fit_reverse(x, x**-0.5 * np.exp(np.random.default_rng(2).normal(0, 0.05, x.size)))
    assert rev.exponent().low == pytest.approx(-rev.slope_high)
    assert stats.multiplier_from_exponent(1, float("inf")) == 1.0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="index 2"):
        stats.loglog_fit([1, 2, 0, 4], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="at least 3"):
        stats.loglog_fit([1, 2], [1, 2])
