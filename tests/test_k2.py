"""The k² chapter's simulations: exact values, rates, a deliberately broken estimator, fits, charts.

Reduced sizes keep the file fast; tolerances are about four Monte-Carlo standard errors, so a correct
implementation passes with the fixed seeds and a wrong one (wrong level or wrong exponent) fails.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit

from analysis import k2, k2_fit, k2_knn, k2_sim, k2_theory
from analysis.charts import k2 as k2_charts

NS = (40, 160, 640, 2560)


def _level_ok(sim: k2_sim.Simulation, sigma: float = 1.0, tol: float = 0.05) -> bool:
    """Is the sample mean's RMSE at sigma / sqrt(n) to within tol (in log)?"""
    return bool(np.all(np.abs(np.log(sim.summary() * np.sqrt(sim.ns) / sigma)) < tol))


# --------------------------------------------------------------------------- sample mean
def test_sample_mean_rmse_is_sigma_over_sqrt_n():
    sim = k2_sim.simulate_mean((50, 400), reps=4000, seed=1, sigma=2.0)
    # MSE over R replicates has relative sd sqrt(2/R) = 2.2%, so the RMSE about 1.1%
    np.testing.assert_allclose(sim.summary(), 2.0 / np.sqrt([50, 400]), rtol=0.045)
    np.testing.assert_allclose(sim.theory, 2.0 / np.sqrt([50, 400]))


def test_half_data_estimator_keeps_the_slope_but_fails_the_level_check():
    reps = 2000
    good = k2_sim.simulate_mean(NS, reps, seed=2)
    half = k2_sim.simulate_mean(NS, reps, seed=2, estimator=lambda x: x[:, : x.shape[1] // 2].mean(axis=1))
    good_fit, half_fit = k2_fit.fit_simulation(good), k2_fit.fit_simulation(half)
    # both slopes are -1/2: a slope test alone cannot see the waste of half the data ...
    assert good_fit.slope == pytest.approx(-0.5, abs=0.03)
    assert half_fit.slope == pytest.approx(-0.5, abs=0.03)
    # ... but the level is sqrt(2) too high, and the level test catches it
    np.testing.assert_allclose(half.summary() / good.summary(), np.sqrt(2.0), rtol=0.06)
    assert _level_ok(good)
    assert not _level_ok(half)


def test_mean_slope_ci_is_tight_and_covers_theory():
    fit = k2_fit.fit_simulation(k2_sim.simulate_mean(NS, 3000, seed=3))
    assert fit.slope_low < -0.5 < fit.slope_high
    assert fit.slope_high - fit.slope_low < 0.06


# --------------------------------------------------------------------------- OLS
def test_batched_ols_matches_lstsq():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 30, 4))
    y = rng.standard_normal((5, 30))
    got = k2_sim.ols_fit_batched(x, y)
    for i in range(5):
        np.testing.assert_allclose(got[i], np.linalg.lstsq(x[i], y[i], rcond=None)[0], rtol=1e-10)


def test_ols_exact_expected_errors():
    p, sigma, rho, ns = 3, 1.5, 0.5, (20, 80)
    coef, risk = k2_sim.simulate_ols(ns, reps=4000, seed=4, p=p, sigma=sigma, rho=rho)
    cov = k2_theory.ar1_covariance(p, rho)
    nn = np.array(ns, dtype=float)
    np.testing.assert_allclose(risk.loss.mean(axis=1), sigma**2 * p / (nn - p - 1), rtol=0.07)
    np.testing.assert_allclose(
        coef.loss.mean(axis=1), sigma**2 * np.trace(np.linalg.inv(cov)) / (nn - p - 1), rtol=0.07
    )
    # the naive sigma^2 p / n (no finite-sample correction) is 20% off at n = 20, and is rejected
    assert abs(risk.loss.mean(axis=1)[0] / (sigma**2 * p / 20) - 1) > 0.1


def test_ols_slopes_match_theory():
    coef, risk = k2_sim.simulate_ols(NS, reps=600, seed=5)
    assert k2_fit.fit_simulation(coef).slope == pytest.approx(k2_fit.grid_theory_slope(coef), abs=0.03)
    assert k2_fit.fit_simulation(risk).slope == pytest.approx(k2_fit.grid_theory_slope(risk), abs=0.06)
    assert k2_fit.grid_theory_slope(risk) == pytest.approx(2 * k2_fit.grid_theory_slope(coef), abs=0.01)


# --------------------------------------------------------------------------- logistic regression
def _excess_monte_carlo(w_hat, w, size=2_000_000, seed=6):
    x = np.random.default_rng(seed).standard_normal((size, len(w)))
    eta = expit(x @ w)
    disagree = np.sign(x @ w_hat) != np.sign(x @ w)
    return float(np.mean(np.abs(2 * eta - 1) * disagree))


@pytest.mark.parametrize("angle", [0.15, 0.8, 2.5])
def test_excess_error_closed_form_matches_monte_carlo(angle):
    w = np.array([1.0, 0.5])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    w_hat = 3.0 * rot @ w  # the scale of w_hat does not change the classifier
    exact = float(k2_theory.excess_error_gaussian(w_hat, w))
    assert exact == pytest.approx(_excess_monte_carlo(w_hat, w), rel=0.03)


def test_excess_error_limits():
    w = np.array([1.0, -2.0, 0.5])
    assert float(k2_theory.excess_error_gaussian(2 * w, w)) == pytest.approx(0.0, abs=1e-12)
    bayes = k2_theory.bayes_error_gaussian(w)
    assert float(k2_theory.excess_error_gaussian(-w, w)) == pytest.approx(1 - 2 * bayes, abs=1e-6)
    # Bayes error by Monte Carlo
    x = np.random.default_rng(7).standard_normal((1_000_000, 3))
    assert bayes == pytest.approx(float(np.mean(expit(-np.abs(x @ w)))), abs=2e-3)


def test_newton_matches_statsmodels_logit():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 200, 2))
    y = (rng.random((3, 200)) < expit(x @ np.array([1.0, 0.5]))).astype(float)
    got = k2_sim.fit_logistic_newton(x, y)
    for i in range(3):
        ref = sm.Logit(y[i], x[i]).fit(disp=0).params
        np.testing.assert_allclose(got[i], ref, rtol=1e-6)


def test_newton_raises_under_separation():
    x = np.linspace(-1, 1, 20).reshape(1, 20, 1) + np.zeros((1, 20, 1))
    x = np.concatenate([x, np.ones_like(x)], axis=2)
    y = (x[..., 0] > 0).astype(float)
    with pytest.raises(RuntimeError, match="separation"):
        k2_sim.fit_logistic_newton(x, y)


def test_logistic_excess_error_slope_and_level():
    sim = k2_sim.simulate_logistic((100, 400, 1600, 6400), reps=300, seed=9)
    assert k2_fit.fit_simulation(sim).slope == pytest.approx(-1.0, abs=0.1)
    # at the largest n the first-order formula holds to within Monte-Carlo error (~1/sqrt(R) ~ 6%)
    assert sim.summary()[-1] / sim.theory[-1] == pytest.approx(1.0, abs=0.25)


# --------------------------------------------------------------------------- k-nearest neighbours
def test_knn_matches_brute_force_with_wraparound():
    rng = np.random.default_rng(10)
    x = rng.random((2, 50, 2))
    y = rng.standard_normal((2, 50))
    q = np.concatenate([rng.random((2, 5, 2)), np.full((2, 1, 2), 0.999)], axis=1)  # a point near the corner
    got = k2_knn.knn_predict_torus(x, y, q, k=7)
    for b in range(2):
        for j in range(q.shape[1]):
            diff = np.abs(x[b] - q[b, j])
            dist = np.sum(np.minimum(diff, 1 - diff) ** 2, axis=1)
            assert got[b, j] == pytest.approx(y[b, np.argsort(dist)[:7]].mean(), rel=1e-9)


def test_knn_k_rule():
    assert k2_theory.knn_k(10_000, 4) == 100
    assert k2_theory.knn_k(10_000, 1) == round(10_000**0.8)
    assert k2_theory.knn_k(3, 1, const=100.0) == 3


def test_knn_slope_d1():
    sim = k2_knn.simulate_knn((100, 400, 1600, 6400), reps=12, seed=11, d=1, test_points=40)
    fit = k2_fit.fit_simulation(sim)
    assert sim.theory_slope == pytest.approx(-0.4)
    # the parametric -1/2 is well outside the tolerance
    assert fit.slope == pytest.approx(-0.4, abs=0.05)


# --------------------------------------------------------------------------- fits and multipliers
def test_fit_power_law_recovers_an_exact_law():
    ns = np.array([10.0, 100.0, 1000.0, 10000.0])
    fit = k2_fit.fit_power_law(ns, 3.0 * ns**-0.5, np.full(4, 0.01))
    assert fit.slope == pytest.approx(-0.5, abs=1e-12)
    assert np.exp(fit.intercept) == pytest.approx(3.0, rel=1e-12)


def test_data_multiplier_and_ci_mapping():
    assert float(k2_fit.data_multiplier(10, -0.5)) == pytest.approx(100.0)
    assert float(k2_fit.data_multiplier(10, -1.0)) == pytest.approx(10.0)
    assert float(k2_fit.data_multiplier(10, -0.25)) == pytest.approx(1e4)
    sims = k2.run(k2.Config(ns=(50, 100, 200, 400, 800), reps_mean=200, reps_ols=100, reps_logistic=100,
                            reps_knn=4, knn_dims=(2,), knn_test_points=10))
    mults = k2_fit.fitted_multiplier_table(k2_fit.slope_table(sims))
    assert np.all(mults["multiplier_low"] <= mults["multiplier"])
    assert np.all(mults["multiplier"] <= mults["multiplier_high"])


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_arrays_and_different_seed_differs():
    cfg = k2.Config(ns=(50, 200, 800), reps_mean=20, reps_ols=20, reps_logistic=20, reps_knn=3,
                    knn_dims=(1, 2), knn_test_points=5)
    a, b = k2.run(cfg), k2.run(cfg)
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key].loss, b[key].loss)
    c = k2.run(k2.Config(**{**cfg.__dict__, "seed": cfg.seed + 1}))
    assert not np.array_equal(a["mean"].loss, c["mean"].loss)


def test_block_limit_changes_draws_except_for_the_mean(monkeypatch):
    """The replicate-block limit is read when a simulator runs (so this test really lowers it).

    The sample mean draws one array per block, so its blocks continue one generator stream and the
    results do not depend on the limit. OLS, logistic and kNN draw x and then y within each block,
    so a different limit gives different (equally valid) replicates: ``MAX_BLOCK_ELEMENTS`` is
    a fixed constant of the design, not a tuning knob, and the chapter's numbers depend on it.
    """
    mean_ref = k2_sim.simulate_mean((30, 90), reps=16, seed=12).loss
    ols_ref = k2_sim.simulate_ols((30, 90), reps=16, seed=12)[0].loss
    monkeypatch.setattr(k2_sim, "MAX_BLOCK_ELEMENTS", 200)  # forces several replicate blocks
    assert len(k2_sim._blocks(16, 90)) > 1
    np.testing.assert_allclose(k2_sim.simulate_mean((30, 90), reps=16, seed=12).loss, mean_ref, rtol=1e-12)
    ols_blocked = k2_sim.simulate_ols((30, 90), reps=16, seed=12)[0].loss
    assert ols_blocked.shape == ols_ref.shape and not np.allclose(ols_blocked, ols_ref)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: k2_sim.simulate_mean((100, 50), 10, 0), "strictly increasing"),
        (lambda: k2_sim.simulate_mean((0, 10), 10, 0), "at least 1"),
        (lambda: k2_sim.simulate_mean((10.5, 20), 10, 0), "whole numbers"),
        (lambda: k2_sim.simulate_mean((10, 20), 1, 0), "reps"),
        (lambda: k2_sim.simulate_mean((10, 20), 10, 0, sigma=-1.0), "sigma"),
        (lambda: k2_sim.simulate_ols((4, 20), 10, 0, p=3), "n > p \\+ 1"),
        (lambda: k2_sim.simulate_logistic((10, 20), 10, 0, w=(0.0, 0.0)), "not all zero"),
        (lambda: k2_knn.simulate_knn((10, 20), 10, 0, d=0), "d must be"),
        (lambda: k2_fit.fit_power_law([1, 2], [1, 2], [0.1, 0.1]), "at least 3"),
        (lambda: k2_fit.fit_power_law([1, 2, 3], [1, -2, 3], [0.1, 0.1, 0.1]), "positive"),
        (lambda: k2_fit.data_multiplier(10, 0.5), "negative slope"),
        (lambda: k2_fit.data_multiplier(0.5, -0.5), "at least 1"),
        (lambda: k2_theory.ar1_covariance(3, 1.0), "rho"),
        (lambda: k2.n_grid(3, 2), "must exceed"),
    ],
)
def test_bad_input_raises_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- charts
@pytest.fixture(scope="module")
def small_results():
    cfg = k2.Config(ns=(50, 200, 800), reps_mean=50, reps_ols=30, reps_logistic=30, reps_knn=3,
                    knn_dims=(1,), knn_test_points=5)
    sims = k2.run(cfg)
    return sims, k2_fit.slope_table(sims)


def test_multiplier_chart_has_slider_k_and_computes_in_vega(small_results):
    _, fits = small_results
    spec = k2_charts.k2_multiplier_chart(fits).to_dict()
    assert spec["description"].strip()
    text = json.dumps(spec)
    assert '"name": "k"' in text
    assert "pow(k, -1 / datum.slope)" in text
    rows = next(iter(spec["datasets"].values()))
    assert {r["key"] for r in rows} == set(fits.index)


def test_error_chart_has_alt_text_and_small_data(small_results):
    sims, _ = small_results
    spec = k2_charts.k2_error_chart(k2_fit.points_table(sims)).to_dict()
    assert spec["description"].strip()
    assert 0 < sum(len(v) for v in spec["datasets"].values()) < 5000, "the chart must embed its (small) data"


def test_log_se_point_values():
    # review §2.2 M2: the standard error of log(mean) is sd / (sqrt(R) mean), halved for an RMSE
    loss = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 6.0]])
    sd = loss.std(axis=1, ddof=1)
    expected = sd / (2.0 * loss.mean(axis=1))  # sqrt(R) = 2
    assert np.allclose(expected, [0.2581988897471611, 1 / 3])
    for root, factor in ((False, 1.0), (True, 0.5)):
        sim = k2.Simulation(key="x", label="x", metric="MSE", ns=np.array([10, 20]), loss=loss, root=root,
                            theory_slope=-1.0)
        assert np.allclose(sim.log_se(), factor * expected, rtol=1e-12)

