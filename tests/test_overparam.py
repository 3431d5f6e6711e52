"""Unit tests for analysis.overparam: FLOP counts, exponents, simulation, data table, charts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import flops as fl
from analysis import tables
from analysis import overparam as op
from analysis.charts import overparam as oc
from analysis import overparam_fit as of
from analysis import overparam_frontier as fr
from analysis import overparam_learners as ol
from analysis import overparam_summary as osum
from analysis.validate import DataError

SMALL = op.Design(
    n_true=10,
    n_candidates=100,
    snr=4.0,
    sizes=(60, 120, 240, 480, 960),
    missing=(0, 2, 4),
    replicates=6,
    n_test=400,
    seed=11,
)


@pytest.fixture(scope="module")
def small_result():
    return op.simulate(SMALL)


# ---------------------------------------------------------------- FLOP counts (hand-computed)


def test_flop_counts_by_hand():
    assert fl.flops_gram(10, 3) == 10 * 3 * 4  # 6 distinct entries x 2n = n k (k+1)
    assert fl.flops_matvec(10, 3) == 60
    assert fl.flops_lu_solve(3) == pytest.approx(2 * 27 / 3 + 2 * 9)  # 36
    assert fl.flops_cholesky_solve(6) == pytest.approx(216 / 3 + 72)  # 144
    assert fl.flops_least_squares(10, 3) == pytest.approx(120 + 60 + 3 + 36)
    # n=4 fitted, 2 held out, d=3, p=10, 2 penalties:
    # map 2*6*3*10 = 360, relu 60, syrk 10*4*5 = 200,
    # per penalty 4 + (64/3 + 32) + 2*4*10 + 2*2*10 = 177.333...
    assert fl.flops_random_features(4, 3, 10, 2, 2) == pytest.approx(360 + 60 + 200 + 2 * (4 + 64 / 3 + 32 + 80 + 40))
    assert fl.flops_random_features_gd_pass(100, 200) == 4 * 100 * 200
    assert fl.flops_random_features_test(5, 3, 10) == pytest.approx(2 * 5 * 3 * 10 + 50 + 100)


def test_flop_scaling_exponents():
    n = np.array([1000.0, 2000.0, 4000.0])
    ls = [fl.flops_least_squares(v, 20) for v in n]
    assert np.polyfit(np.log(n), np.log(ls), 1)[0] == pytest.approx(1.0, abs=0.01)
    rf = [fl.flops_random_features(v, 10, 2 * v) for v in n]  # syrk n^2 p and Cholesky n^3 dominate
    assert np.polyfit(np.log(n), np.log(rf), 1)[0] == pytest.approx(3.0, abs=0.05)
    gd = [fl.flops_random_features_gd_pass(v, 2 * v) for v in n]
    assert np.polyfit(np.log(n), np.log(gd), 1)[0] == pytest.approx(2.0, abs=1e-9)


# ---------------------------------------------------------------- exponent fitting


def test_fit_gamma_recovers_known_laws():
    n = np.geomspace(100, 10000, 6)
    mse = (1.0 / n)[None, :]  # RMSE ~ n^-1/2
    assert of.fit_gamma(n, mse) == pytest.approx(2.0, rel=1e-9)  # compute ~ n
    assert of.fit_gamma(n**2, mse) == pytest.approx(4.0, rel=1e-9)  # compute ~ n^2
    assert of.fit_gamma(n**2, (1.0 / n**0.5)[None, :]) == pytest.approx(8.0, rel=1e-9)


def test_fit_gamma_rejects_bad_input():
    n = np.geomspace(100, 1000, 4)
    with pytest.raises(ValueError, match="does not fall"):
        of.fit_gamma(n, n[None, :])
    with pytest.raises(ValueError, match="at least 3"):
        of.fit_gamma(n[:2], np.ones((2, 2)))


def test_bootstrap_ci_brackets_point_and_is_deterministic():
    rng = np.random.default_rng(0)
    n = np.geomspace(100, 6400, 7)
    mse = (1.0 / n)[None, :] * rng.lognormal(0, 0.1, size=(10, 7))
    a = of.gamma_with_ci(n, mse)
    b = of.gamma_with_ci(n, mse)
    assert a == b
    assert a["ci_low"] < a["gamma"] < a["ci_high"]
    assert a["ci_low"] > 1.5 and a["ci_high"] < 2.5


# ---------------------------------------------------------------- simulation


def test_design_validation():
    with pytest.raises(ValueError):
        op.Design(n_true=0).validate()
    with pytest.raises(ValueError):
        op.Design(n_true=200, n_candidates=200).validate()
    with pytest.raises(ValueError, match="increasing"):
        op.Design(sizes=(100, 50)).validate()
    with pytest.raises(ValueError, match="exceed"):
        op.Design(sizes=(20, 100)).validate()
    with pytest.raises(ValueError, match="feature_ratio"):
        op.Design(feature_ratio=1.0).validate()
    with pytest.raises(ValueError, match="penalties"):
        op.Design(penalties=(0.1, 1.0)).validate()
    with pytest.raises(ValueError, match="missing"):
        op.Design(missing=(0, 20)).validate()
    with pytest.raises(ValueError, match="replicates"):
        op.Design(replicates=1).validate()


def test_random_features_dual_matches_primal_ridge():
    rng = np.random.default_rng(3)
    n, n_fit, d, p, nt = 40, 30, 5, 80, 50
    x = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    w = rng.standard_normal((p, d)) / np.sqrt(d)
    xt = rng.standard_normal((nt, d))
    ft = rng.standard_normal(nt)
    pens = (0.0, 0.1)
    val_mse, test_mse = op._random_features_fit(x, y, w, xt, ft, n_fit, pens, 1e-12)
    phi = np.maximum(x @ w.T, 0)
    phit = np.maximum(xt @ w.T, 0)
    lam = 0.1 * p
    coef = np.linalg.solve(phi[:n_fit].T @ phi[:n_fit] + lam * np.eye(p), phi[:n_fit].T @ y[:n_fit])
    assert test_mse[1] == pytest.approx(np.mean((phit @ coef - ft) ** 2), rel=1e-8)
    assert val_mse[1] == pytest.approx(np.mean((phi[n_fit:] @ coef - y[n_fit:]) ** 2), rel=1e-8)
    coef0 = np.linalg.pinv(phi[:n_fit]) @ y[:n_fit]  # minimum-norm interpolant
    assert test_mse[0] == pytest.approx(np.mean((phit @ coef0 - ft) ** 2), rel=1e-5)


def test_simulation_is_deterministic(small_result):
    again = op.simulate(SMALL)
    cols = ["replicate", "model", "missing", "n", "params", "mse", "train_flop", "penalty"]
    pd.testing.assert_frame_equal(small_result.runs[cols], again.runs[cols])
    assert small_result.total_flop == again.total_flop


def test_expert_matches_finite_sample_theory(small_result):
    c = op.curves(small_result)
    for m in (0, 4):
        sim = c[(c["model"].isin(["expert", "expert_missing"])) & (c["missing"] == m)].sort_values("n")
        theory = op.expert_theory_mse(sim["n"].to_numpy(), SMALL.n_true - m, SMALL.snr, SMALL.n_true, m)
        # averages of 6 replicates: the excess part scatters by ~ sqrt(2/(6k)); the floor is exact
        assert np.allclose(sim["mse"].to_numpy(), theory, rtol=0.35)
    floor = SMALL.snr * 4 / SMALL.n_true
    big = c[(c["model"] == "expert_missing") & (c["missing"] == 4) & (c["n"] == 960)]["mse"].iloc[0]
    assert floor < big < floor * 1.1


def test_exponents_follow_theory(small_result):
    ex = of.exponents(small_result)
    expert = ex[ex["model"].str.startswith("expert")].iloc[0]
    assert 1.5 < expert["gamma"] < 2.5  # compute ~ n, error ~ n^-1/2
    assert expert["compute_slope_vs_n"] == pytest.approx(1.0, abs=0.1)
    rf = ex[(ex["model"] == "random features, p = 2n, tuned") & ex["compute"].str.startswith("parameters")].iloc[0]
    assert rf["compute_slope_vs_n"] == pytest.approx(2.0, abs=0.02)
    assert rf["gamma"] > 3.5  # parameters x data ~ n^2 and error no faster than n^-1/2
    exact = ex[(ex["model"] == "random features, p = 2n, tuned") & ex["compute"].str.startswith("executed")].iloc[0]
    assert exact["gamma"] > rf["gamma"]


def test_flexible_model_overtakes_misspecified_expert(small_result):
    cr = of.crossovers(small_result)
    ridge = cr[(cr["model"] == "ridge") & (cr["missing"] == 4)].iloc[0]
    assert 60 <= ridge["n_cross"] <= 960
    assert ridge["flop_cross"] > 0


def test_crossing_interpolates_in_log_space():
    x = np.array([100.0, 400.0])
    a = np.array([2.0, 0.5])
    b = np.array([1.0, 1.0])
    assert of._crossing(x, a, b) == pytest.approx(200.0)
    assert of._crossing(x, b * 3, b) is None


def test_round_sig():
    assert op.round_sig(123456789.0, 3) == 123000000.0
    assert op.round_sig(0.000123456, 2) == 0.00012
    assert op.round_sig(0.0) == 0.0


# ---------------------------------------------------------------- data table


def test_models_table_loads_with_ratios():
    t = osum.parameter_ratios(tables.load_overparam_models()).set_index("model")
    ns = t.loc["Noisy Student (EfficientNet-L2)"]
    assert ns["params"] == 480_300_000
    assert ns["params_per_labelled_image"] == pytest.approx(480.3e6 / 1.28e6)
    assert ns["params_per_image_all"] == pytest.approx(480.3e6 / (1.28e6 + 130e6))  # trains on 130M JFT images (81M unique)
    assert (t["params_per_labelled_image"] > 1).all()


def test_models_table_agrees_with_the_evidence_table():
    """The same model must not have two parameter counts in the report's two tables."""
    ours = osum.parameter_ratios(tables.load_overparam_models()).set_index("model")["params"]
    table = tables.imagenet_models().set_index("model")["params"]
    same = {"AlexNet": "AlexNet - 7CNNs", "Noisy Student (EfficientNet-L2)": "NoisyStudent (EfficientNet-L2)",
            "ViT-G/14": "ViT-G/14"}
    for name, other in same.items():
        # Papers with Code rounds Noisy Student's 480.3M to 480M: agree to 0.5%
        assert ours[name] == pytest.approx(float(table[other]), rel=5e-3), name


def test_models_table_agrees_with_the_evidence_table_on_images():
    """Finding 2 of the review: the two tables must not count a model's training images differently
    (Noisy Student trains on 130M JFT images, not 300M; ViT-G/14 pre-trains on JFT-3B)."""
    ours = osum.parameter_ratios(tables.load_overparam_models()).set_index("model")
    images = tables.imagenet_models().set_index("model")["train_images"]
    assert ours.loc["Noisy Student (EfficientNet-L2)", "extra_images"] == float(images["NoisyStudent (EfficientNet-L2)"])
    assert ours.loc["ViT-G/14", "extra_images"] == float(images["ViT-G/14"])
    assert ours.loc["AlexNet", "labelled_images"] == float(images["AlexNet - 7CNNs"])


def test_models_table_bad_rows_name_row_and_column(tmp_path):
    good = tables.OVERPARAM_FILE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "models.csv"
    bad.write_text("\n".join([good[0], good[1].replace("60000000", "sixty", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 2, column 'params'"):
        tables.load_overparam_models(bad)
    bad.write_text("\n".join([good[0], good[1].replace("https://papers", "papers", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="column 'source'"):
        tables.load_overparam_models(bad)
    bad.write_text(good[0] + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="no rows"):
        tables.load_overparam_models(bad)


# ---------------------------------------------------------------- charts


def test_charts_are_small_named_and_described(small_result):
    spec = oc.error_chart(small_result, m_default=20).to_dict()
    assert spec["description"]
    text = json.dumps(spec)
    assert '"missed"' in text
    rows = sum(len(v) for v in spec.get("datasets", {}).values())
    assert 0 < rows < 1000
    models = oc.models_chart(osum.parameter_ratios(tables.load_overparam_models())).to_dict()
    assert models["description"]


# ---------------------------------------------------------------- point values (review §2.2, M1 and M9)


def test_expert_theory_point_values():
    # E = b + (1 + b) k / (n - k - 1): k = 10, n = 60, no missing variable -> 10/49 exactly
    assert op.expert_theory_mse(60, 10, 4.0, 10) == pytest.approx(10 / 49, rel=1e-12)
    # two of 10 true variables missing, snr 4: b = 4*2/10 = 0.8; E = 0.8 + 1.8 * 8/51
    assert op.expert_theory_mse(60, 8, 4.0, 10, 2) == pytest.approx(0.8 + 1.8 * 8 / 51, rel=1e-12)


def test_total_flop_is_the_sum_of_the_counted_parts(small_result):
    """total_flop = training FLOPs of every run + what evaluating each random-features run costs."""
    runs, d = small_result.runs, SMALL.n_candidates
    k_pen = len(SMALL.penalties)
    linear = runs[runs["model"].isin(["expert", "expert_missing", "ridge"])]["train_flop"].sum()
    rf = runs[runs["model"] == "random_features"]
    evaluation = sum(fl.flops_matvec(SMALL.n_test, d) + fl.flops_random_features_test(SMALL.n_test, d, p)
                     + (k_pen - 1) * fl.flops_matvec(SMALL.n_test, p) for p in rf["params"])
    assert small_result.total_flop == pytest.approx(linear + rf["train_flop"].sum() + evaluation, rel=1e-12)


# ---------------------------------------------------------------- second edition


def test_ridge_flops_take_the_cheaper_form():
    assert fl.flops_ridge(1000, 20) == fl.flops_least_squares(1000, 20)
    dual = fl.flops_gram(200, 50) + 50 + fl.flops_lu_solve(50) + fl.flops_matvec(50, 200)
    assert fl.flops_ridge(50, 200) == pytest.approx(dual)
    assert dual < fl.flops_least_squares(50, 200) / 5


def test_ridge_dual_equals_primal():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 30, 60))
    y = rng.standard_normal((2, 30))
    dual = op._ridge_batch(x, y, 2.0)
    primal = np.linalg.solve(np.matmul(x.transpose(0, 2, 1), x) + 2.0 * np.eye(60), np.matmul(x.transpose(0, 2, 1), y[:, :, None]))[:, :, 0]
    assert np.allclose(dual, primal)


def test_lasso_and_mlp_flops_by_hand():
    # n=10, d=4, 2 held out; two penalties with 3 and 1 sweeps, 2 and 0 active
    expected = 10 * 4 * 5 + 80 + 3 * (4 * 4 * 2 + 2 * 2) + 1 * (2 * 4) + 2 * (2 * 2 * 4)
    assert fl.flops_lasso_path(10, 4, 2, [3, 1], [2, 0]) == pytest.approx(expected)
    assert fl.flops_mlp_epoch(100, 10, 5) == 6 * (5 * 11 + 5 + 1) * 100


def test_jackknife_t_interval_covers_on_a_known_case():
    """Coverage of the chapter's interval on synthetic data with a known gamma (small, fast case):
    within about 3 Monte Carlo standard errors of 95%; the percentile bootstrap falls short."""
    cov = of.interval_coverage((40, 80, 160, 320), k=8, replicates=8, simulations=400, seed=3)
    assert abs(cov["jackknife_t"] - 0.95) < 3 * cov["mc_se"] + 0.005
    assert cov["percentile_bootstrap"] < cov["jackknife_t"]


def test_ridge_penalty_maps_to_gradient_descent_stopping_time():
    """Early-stopped GD (run exactly) tuned on a hold-out reaches about the tuned-ridge error, and its
    stopping time is within a small factor of L / (lam p), the mapping the GD accounting uses."""
    rng = np.random.default_rng(4)
    n, nv, d, p = 150, 150, 20, 300
    beta = rng.standard_normal(d) / np.sqrt(d)
    x, xv = rng.standard_normal((n, d)), rng.standard_normal((nv, d))
    w = rng.standard_normal((p, d)) / np.sqrt(d)
    phi, phv = np.maximum(x @ w.T, 0), np.maximum(xv @ w.T, 0)
    y, yv = x @ beta + rng.standard_normal(n), xv @ beta + rng.standard_normal(nv)
    pens = tuple(np.geomspace(1e-4, 1.0, 13))
    weights, top, form = fr.random_features_path(np.asfortranarray(phi), y, pens)
    assert form == "dual" and top == pytest.approx(np.linalg.eigvalsh(phi.T @ phi).max(), rel=1e-6)
    val = np.mean((phv @ weights - yv[:, None]) ** 2, axis=0)
    best = int(np.argmin(val))
    times, gd_val, _ = fr.gd_early_stopped(phi, y, phv, yv)
    t_best = times[int(np.argmin(gd_val))]
    assert gd_val.min() == pytest.approx(val.min(), rel=0.1)
    assert 0.2 < t_best / (top / (pens[best] * p)) < 5


TINY = fr.FrontierDesign(n_true=5, n_candidates=40, sizes=(40, 80, 160, 320, 640), widths=(10, 20, 40, 80, 160, 320, 640, 1280),
                         replicates=3, n_test=200)


def test_frontier_is_pareto_and_exponents_are_sane():
    runs = fr.simulate_frontier(TINY)
    pts = fr.frontier_points(runs, "flop_article")
    assert (np.diff(pts["compute"]) > 0).all() and (np.diff(pts["rmse"]) < 0).all()
    table = fr._mean_table(runs, "flop_article")
    for row in table.itertuples():  # nothing off the frontier beats it at equal or lower compute
        on = pts[pts["compute"] <= row.compute]
        assert on.empty or on["rmse"].min() <= row.rmse + 1e-12
    fe = fr.frontier_exponents(runs).set_index("accounting")
    # error falls no faster than n^-1/2 and compute grows at least as n on this linear target
    assert 2.0 < fe.loc["flop_article", "gamma"] < 8.0
    assert fe.loc["flop_article", "ci_low"] <= fe.loc["flop_article", "gamma"] <= fe.loc["flop_article", "ci_high"]
    assert fe.loc["flop_gd", "gamma"] > fe.loc["flop_article", "gamma"]  # passes grow with n
    rule = fr.rule_exponents(runs).set_index("accounting")
    assert rule.loc["flop_article", "compute_slope_vs_n"] == pytest.approx(2.0, abs=0.05)


def test_lasso_selects_and_beats_ridge_at_small_n():
    design = op.Design(n_true=5, n_candidates=60, sizes=(30, 60, 120, 240), missing=(0,), replicates=3, n_test=50, seed=2)
    runs = ol.simulate_lasso(design)
    assert len(runs) == 12 and (runs["train_flop"] > 0).all()
    base = op.simulate(design).runs
    lasso = runs.groupby("n")["mse"].mean()
    ridge = base[base["model"] == "ridge"].groupby("n")["mse"].mean()
    assert lasso.loc[120] < ridge.loc[120]


def test_network_arm_learns_and_counts_epochs():
    design = op.Design(n_true=5, n_candidates=40, sizes=(100, 400), missing=(0,), replicates=2, n_test=200, seed=3)
    runs = ol.simulate_network(design, ol.NetworkDesign(sizes=(100, 400), replicates=1, max_epochs=60))
    assert (runs["passes"] >= 1).all()
    assert runs.set_index("n").loc[400, "mse"] < runs.set_index("n").loc[100, "mse"]
    assert (runs["train_flop"] >= runs["passes"] * runs["article_flop"]).all()
