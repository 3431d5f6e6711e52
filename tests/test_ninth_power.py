"""The ninth-power chapter: estimators recover known exponents, intervals cover, headline pinned."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import eiv, stats, tables
from analysis import ninth_power as npw
from analysis import ninth_power_robust as rb

TRUE_SLOPE = -0.11  # gamma = 9.09


# ---------------------------------------------------------------- synthetic: errors in variables
@pytest.fixture(scope="module")
def replicated():
    rows = []
    for seed in range(200):
        s = eiv.synthetic(n=60, slope=TRUE_SLOPE, sd_v=0.7, seed=seed)
        rows.append({
            "ols": eiv.ols_slope(s["x"], s["y"]),
            "ols_true_x": eiv.ols_slope(s["x_true"], s["y"]),
            "moments": eiv.moments_slope(s["x"], s["y"], s["sx"]),
            "simex": eiv.simex_slope(s["x"], s["y"], s["sx"], replicates=100, seed=seed),
            "reverse": 1 / eiv.ols_slope(s["y"], s["x"]),
        })
    return pd.DataFrame(rows)


def test_naive_slope_is_attenuated_by_compute_noise(replicated):
    reliability = 1.6**2 / (1.6**2 + 0.7**2)
    se = replicated["ols"].std() / math.sqrt(len(replicated))
    assert abs(replicated["ols"].mean() - TRUE_SLOPE * reliability) < 3 * se
    assert replicated["ols"].mean() > TRUE_SLOPE + 10 * se  # flatter: gamma inflated
    # without the noise OLS is unbiased
    assert abs(replicated["ols_true_x"].mean() - TRUE_SLOPE) < 3 * replicated["ols_true_x"].std() / math.sqrt(200)


def test_moments_estimator_recovers_the_true_slope(replicated):
    se = replicated["moments"].std() / math.sqrt(len(replicated))
    assert abs(replicated["moments"].mean() - TRUE_SLOPE) < 3 * se


def test_simex_removes_most_of_the_bias(replicated):
    bias_ols = abs(replicated["ols"].mean() - TRUE_SLOPE)
    bias_simex = abs(replicated["simex"].mean() - TRUE_SLOPE)
    assert bias_simex < 0.4 * bias_ols


def test_two_ols_directions_bracket_the_true_exponent(replicated):
    gamma = -1 / TRUE_SLOPE
    assert (-1 / replicated["ols"]).median() > gamma > (-1 / replicated["reverse"]).median()


def test_deming_with_the_true_variance_ratio_is_consistent():
    s = eiv.synthetic(n=4000, slope=TRUE_SLOPE, sd_u=0.12, sd_v=0.7, seed=3)
    b = eiv.deming_slope(s["x"], s["y"], delta=0.12**2 / 0.7**2)
    assert b == pytest.approx(TRUE_SLOPE, rel=0.05)


def test_moments_bootstrap_interval_covers():
    hits = 0
    sims = 200
    for seed in range(sims):
        s = eiv.synthetic(n=40, slope=TRUE_SLOPE, sd_v=0.7, seed=1000 + seed)
        fit = eiv.eiv_fit(s["x"], s["y"], s["sx"], method="moments", n_resamples=399, seed=seed)
        hits += fit.slope_low <= TRUE_SLOPE <= fit.slope_high
    assert hits / sims >= 0.90, f"coverage {hits / sims:.3f}"


def test_naive_interval_undercovers_under_compute_noise():
    hits = 0
    for seed in range(100):
        s = eiv.synthetic(n=60, slope=TRUE_SLOPE, sd_v=0.7, seed=2000 + seed)
        fit = stats.loglog_fit(np.exp(s["x"]), np.exp(s["y"]))
        hits += fit.slope_low <= TRUE_SLOPE <= fit.slope_high
    assert hits / 100 < 0.8


# ---------------------------------------------------------------- inversion and floor form
def test_compute_for_error_inverts_an_exact_power_law():
    c = np.logspace(18, 23, 12)
    e = 30 * (c / 1e18) ** -0.1 * np.exp(np.random.default_rng(0).normal(0, 0.01, c.size))
    fit = stats.loglog_fit(c, e)
    point, lo, hi = npw.compute_for_error(fit, 15.0)
    assert point == pytest.approx(1e18 * 2**10, rel=0.1)
    assert lo < point < hi
    rev = stats.loglog_fit_reverse(c, e)
    p2, lo2, hi2 = npw.compute_for_error(rev, 15.0)
    assert p2 == pytest.approx(point, rel=0.1) and lo2 < p2 < hi2


def test_compute_for_error_is_unbounded_when_the_slope_is_not_significant():
    rng = np.random.default_rng(1)
    c = np.logspace(18, 20, 6)
    e = 20 * np.exp(rng.normal(0, 0.3, c.size))
    fit = stats.loglog_fit(c, e)
    if fit.slope_high > 0 and fit.slope_low < 0:
        assert math.isinf(npw.compute_for_error(fit, 5.0)[2])


def test_floor_fit_recovers_parameters_and_refuses_targets_below_the_floor():
    c = np.logspace(17, 24, 30)
    e = 25 * (c / rb.C_REF) ** -0.3 + 8
    d = pd.DataFrame({"compute": c, "error": e * np.exp(np.random.default_rng(2).normal(0, 0.005, c.size))})
    ff = rb.fit_floor(d, n_boot=50)
    assert ff.b == pytest.approx(0.3, rel=0.1) and ff.c == pytest.approx(8, abs=0.5)
    assert math.isinf(ff.compute_for_error(7.0)[0])
    assert math.isfinite(ff.compute_for_error(12.0)[0])


# ---------------------------------------------------------------- committed data
@pytest.fixture(scope="module")
def models():
    return tables.imagenet_models()


@pytest.fixture(scope="module")
def table(models):
    return npw.fit_table(models)


def test_fit_table_has_the_agreed_columns_and_headline_first(table):
    need = {"analysis", "subset", "compute_measure", "direction", "form", "slope", "slope_ci_low", "slope_ci_high",
            "gamma", "gamma_ci_low", "gamma_ci_high", "halving_multiplier", "r2", "n"}
    assert need <= set(table.columns)
    assert table.iloc[0]["analysis"] == "headline"
    ok = table.dropna(subset=["gamma"])
    assert (ok["gamma_ci_low"] <= ok["gamma"]).all() and (ok["gamma"] <= ok["gamma_ci_high"]).all()
    assert table["analysis"].is_unique


def test_headline_fit_matches_its_table_row(models, table):
    fit = npw.headline_fit(models)
    row = table.iloc[0]
    assert fit.exponent().value == pytest.approx(row["gamma"])
    assert fit.n == row["n"]


def test_authors_public_points_reproduce_the_referee_pilot(table):
    """Pilot A.1 of the referee report: gamma 13.6 (error on compute) vs 6.2 (compute on error)."""
    fwd = table[(table["compute_measure"] == "authors_points") & (table["subset"] == "all") & (table["metric"] == "top1")
                & (table["direction"] == "y_on_x")].iloc[0]
    rev = table[table["analysis"] == "authors' points, reverse direction"].iloc[0]
    assert round(fwd["gamma"], 0) in (13, 14) and round(rev["gamma"], 0) == 6


def test_prepare_degrades_without_optional_columns(models):
    optional = ["ensemble", "accuracy_caveat", "ensemble_size"] + [c for c in models.columns if c.endswith("log10_sd")]
    slim = models.drop(columns=[c for c in optional if c in models.columns])
    data = npw.prepare(slim)
    assert data["unc_default_rule"].all()
    # without the ensemble flag, the size in the name ("7CNNs", "6 convnets") still marks ensembles
    assert set(data.loc[~data["single"], "model"]) == {"AlexNet - 7CNNs", "ZFNet (ensemble, 6 convnets)"}


# ---------------------------------------------------------------- pinned headline (committed data)
def test_headline_figures_on_the_committed_table(models, table):
    """Pinned, rounded: a change here is a change of the chapter's headline (update CHANGELOG)."""
    head = table.iloc[0]
    assert (int(head["n"]), round(head["gamma"], 1), round(head["r2"], 2)) == (73, 12.4, 0.68)
    assert round(head["gamma_ci_low"], 1) == 10.4 and round(head["gamma_ci_high"], 1) == 15.4
    pair = rb.alexnet_nasnet(models, tables.hardware_table())
    assert round(pair["compute_ratio"]) == 1069 and round(pair["gamma"], 2) == 9.27
    assert round(pair["hardware_speedup"], 2) == 5.88 and round(pair["gamma_single"], 2) == 8.15


def test_compute_for_error_on_the_headline_is_ordered_and_consistent(models):
    fit = npw.headline_fit(models)
    point, lo, hi = npw.compute_for_error(fit, 10.0)
    assert lo < point < hi
    # the point inverts the fitted line exactly
    assert math.log(10.0) == pytest.approx(fit.intercept + fit.slope * math.log(point))
    # a lower target needs more compute
    assert npw.compute_for_error(fit, 5.0)[0] > point


def test_leaving_out_a_paper_finds_the_sweep_that_moves_gamma():
    """A paper with many rows on a steeper line than the rest must show up as the one that moves gamma."""
    import numpy as np
    import pandas as pd

    from analysis import ninth_power_robust as rb

    rng = np.random.default_rng(0)
    c_other = np.logspace(18, 23, 20)
    c_sweep = np.logspace(22, 23, 15)
    d = pd.DataFrame({
        "paper": [f"p{i}" for i in range(20)] + ["sweep"] * 15,
        "compute": np.concatenate([c_other, c_sweep]),
        "error": np.concatenate([40 * (c_other / 1e18) ** (-1 / 8) * np.exp(rng.normal(0, 0.02, 20)),
                                 0.6 * 40 * (c_sweep / 1e18) ** (-1 / 8)]),  # below the others' line
    })
    t = rb.paper_influence(d)
    assert t.iloc[0]["paper"] == "sweep" and t.iloc[0]["n_rows"] == 15
    assert abs(t.iloc[0]["gamma_without"] - 8) < 0.5  # without the sweep, the other papers' gamma
    assert t["gamma_change"].abs().idxmax() == 0 and t.iloc[0]["gamma_change"] > 1  # it moves gamma most
