"""Unit tests for the k^4 chapter's sensitivity arms, data exponent and the frontier's p-exponent interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import overparam_frontier as fr
from analysis import overparam_sensitivity as sens

BASE = fr.FrontierDesign(n_true=5, n_candidates=40, sizes=(40, 80, 160, 320, 640), widths=(40, 80, 160, 320, 640),
                         replicates=2, n_test=200, seed=17)


@pytest.fixture(scope="module")
def arms():
    return sens.sensitivity_runs(BASE)


def test_p_resolution_is_half_a_grid_step_over_the_n_range():
    doubling = [400, 800, 1600, 3200]
    two_sizes = pd.DataFrame({"n": [800, 800, 800, 1600, 1600]})
    assert fr.p_resolution(two_sizes, doubling) == pytest.approx(1.0)  # a factor 2 in n, half of a factor 2 in p
    three_sizes = pd.DataFrame({"n": [400, 800, 1600]})
    assert fr.p_resolution(three_sizes, doubling) == pytest.approx(0.5)  # twice the range halves it
    assert fr.p_resolution(pd.DataFrame({"n": [800, 800]}), doubling) == np.inf


def test_frontier_p_interval_is_never_degenerate():
    runs = fr.simulate_frontier(fr.FrontierDesign(n_true=5, n_candidates=40, sizes=(40, 80, 160, 320, 640),
                                                  widths=(10, 20, 40, 80, 160, 320, 640, 1280), replicates=3, n_test=200))
    for r in fr.frontier_exponents(runs).itertuples():
        assert r.p_ci_low <= r.p_exponent <= r.p_ci_high
        assert r.p_ci_high - r.p_ci_low >= 2 * r.p_resolution - 1e-12
        assert r.p_resolution > 0


def test_data_exponent_recovers_a_known_rate_and_respects_the_cap():
    rows = []
    for n in (100, 200, 400, 800, 1600):
        for p in (50, 100, 200):
            # the best width has MSE 100 / n (RMSE ~ n^-1/2: data exponent 2); the others are worse
            mse = 100.0 / n * (1.0 if p == 100 else 1.5)
            rows += [{"replicate": r, "n": n, "p": p, "mse": mse} for r in range(2)]
    runs = pd.DataFrame(rows)
    curve = sens.data_optimal_curve(runs)
    assert (curve["p"] == 100).all()
    fit = sens.data_exponent(runs, cap=10.0)
    assert fit["exponent"] == pytest.approx(2.0) and fit["capped"] and fit["points"] == 5
    below = sens.data_exponent(runs, cap=float(np.sqrt(100.0 / 300)))  # only n = 400, 800, 1600 are below
    assert below["n_from"] == 400 and below["points"] == 3 and below["capped"]
    few = sens.data_exponent(runs, cap=float(np.sqrt(100.0 / 1000)))  # one point below: three largest n
    assert not few["capped"] and few["n_from"] == 400


def test_arms_change_exactly_one_setting_and_the_baseline_does_not_shift(arms):
    assert set(arms) == {name for name, _, _ in sens.ARMS}
    base = arms["baseline"][0]
    for name, field, factor in sens.ARMS:
        design = arms[name][0]
        changed = {f for f in ("snr", "n_candidates", "val_fraction") if getattr(design, f) != getattr(base, f)}
        assert changed == ({field} if field else set())
        if field:
            assert getattr(design, field) == pytest.approx(getattr(base, field) * factor, rel=0.02)
    table = sens.sensitivity_table(arms)
    assert table.loc["baseline", "data_shift"] == 0
    assert np.isnan(table.loc["baseline", "gamma_shift"]) or table.loc["baseline", "gamma_shift"] == 0
    with pytest.raises(ValueError, match="baseline"):
        sens.sensitivity_table({k: v for k, v in arms.items() if k != "baseline"})


def test_higher_snr_gives_lower_relative_error(arms):
    """More signal per unit of noise: at the largest n the best model's error, relative to the error
    of predicting zero (sqrt(snr)), is lower at the higher SNR than at the lower (same draws)."""
    rel = {}
    for arm in ("snr_low", "snr_high"):
        design, runs = arms[arm]
        rel[arm] = sens.data_optimal_curve(runs)["rmse"].iloc[-1] / design.null_rmse
    assert rel["snr_high"] < rel["snr_low"]


def test_larger_holdout_costs_accuracy(arms):
    """A larger hold-out share leaves fewer examples to fit (same draws, common random numbers), so
    the best model's error, averaged over n on a log scale, is not lower than with a smaller share."""
    logs = {arm: np.log(sens.data_optimal_curve(arms[arm][1])["rmse"]).mean() for arm in ("holdout_low", "holdout_high")}
    assert logs["holdout_high"] > logs["holdout_low"]


def test_display_has_one_row_per_arm_and_dashes_for_undefined(arms):
    table = sens.sensitivity_table(arms)
    table.loc["snr_low", "gamma"] = np.nan
    shown = sens.sensitivity_display(table)
    assert len(shown) == len(sens.ARMS)
    assert shown.loc[sens.ARM_LABELS["snr_low"], "frontier gamma"] == "-"


def test_lower_snr_gives_a_larger_frontier_gamma(arms):
    """The chapter's finding: against its own (lower) null error, a weaker signal makes the frontier's
    error fall more slowly with compute, so gamma is larger at half the baseline SNR than at twice it."""
    table = sens.sensitivity_table(arms)
    assert table.loc["snr_low", "gamma"] > table.loc["snr_high", "gamma"]
