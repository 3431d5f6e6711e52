"""Headline numbers of the k^4 chapter as rows (key, value, unit, note) under stable keys.

The notebook glues these rows; it does no picking or pivoting of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import overparam_frontier as fr
from .overparam import Result, curves
from .overparam_fit import crossovers, gamma_with_ci, loglog_slope

CAP_SHARE = 0.5  # fits use only errors below half the error of predicting zero (off the plateau)


def _row(key, value, unit, note):
    return {"key": key, "value": float(value), "unit": unit, "note": note}


def learner_exponents(result: Result, models=("expert", "ridge", "lasso", "random_features", "mlp"),
                      cap: float | None = None) -> pd.DataFrame:
    """gamma (executed FLOPs and parameters x data) and error exponent per learner, fitted where the
    replicate-mean RMSE is below ``cap`` (default: half the null error), jackknife-t intervals."""
    cap = CAP_SHARE * np.sqrt(result.design.snr) if cap is None else cap
    runs = result.runs
    rows = []
    for model in models:
        sub = runs[(runs["model"] == model) & (runs["missing"] == 0)]
        if sub.empty:
            continue
        c = curves(Result(result.design, sub))
        keep = c["n"][c["rmse"] < cap].to_numpy()
        if keep.size < 3:  # too few sizes off the plateau (the network): the three largest instead
            keep = c["n"].to_numpy()[-3:]
        sub = sub[sub["n"].isin(keep)]
        wide = sub.pivot(index="replicate", columns="n", values="mse").sort_index(axis=1)
        for acc in ("train_flop", "article_flop"):
            flop = sub.groupby("n")[acc].apply(lambda v: np.exp(np.log(v).mean())).sort_index().to_numpy()
            try:
                fit = gamma_with_ci(flop, wide.to_numpy())
            except ValueError:  # compute not increasing with falling error (lasso sweeps): no gamma
                fit = {"gamma": np.nan, "ci_low": np.nan, "ci_high": np.nan}
            rows.append({"model": model, "accounting": acc, "n_from": int(keep.min()), "n_to": int(keep.max()),
                         "gamma": fit["gamma"], "ci_low": fit["ci_low"], "ci_high": fit["ci_high"],
                         "error_slope_vs_n": loglog_slope(wide.columns, np.sqrt(wide.mean(axis=0))),
                         "compute_slope_vs_n": loglog_slope(wide.columns, flop)})
    return pd.DataFrame(rows)


def headline_rows(result: Result, frontier_runs: pd.DataFrame, coverage: dict, m_head: int = 2) -> pd.DataFrame:
    """Every new number the chapter states, keyed. ``m_head`` missed true variables = 10 of 100."""
    design = result.design
    fdesign_cap = CAP_SHARE * np.sqrt(design.snr)
    rows = []
    fe = fr.frontier_exponents(frontier_runs, cap=fdesign_cap).set_index("accounting")
    for acc, suffix in (("flop_article", ""), ("flop_gd", "_gd"), ("flop_exact", "_exact")):
        r = fe.loc[acc]
        what = f"compute-optimal frontier, {r['label']}"
        key = "k4_gamma_frontier" + suffix
        rows += [_row(key, r["gamma"], "", f"compute ~ k^gamma (RMSE): {what}"),
                 _row(key + "_ci_low", r["ci_low"], "", f"95% jackknife-t CI, low: {what}"),
                 _row(key + "_ci_high", r["ci_high"], "", f"95% jackknife-t CI, high: {what}"),
                 _row(key + "_points", r["points"], "settings", f"frontier settings below the cap: {what}"),
                 _row("k4_frontier_p_exponent" + suffix, r["p_exponent"], "", f"p ~ n^slope along the {what}"),
                 _row("k4_frontier_p_exponent" + suffix + "_ci_low", r["p_ci_low"], "", f"95% CI low, p exponent: {what}"),
                 _row("k4_frontier_p_exponent" + suffix + "_ci_high", r["p_ci_high"], "", f"95% CI high, p exponent: {what}")]
    rows.append(_row("k4_gamma_gd", fe.loc["flop_gd", "gamma"], "",
                     "compute-optimal frontier with gradient-descent passes counted (early stopping tuned on the hold-out)"))
    rows.append(_row("k4_gamma_mse", fe.loc["flop_article", "gamma_mse"], "",
                     "frontier gamma in MSE (parameters x data): half the RMSE value"))
    rows.append(_row("k4_gamma_mse_gd", fe.loc["flop_gd", "gamma_mse"], "", "frontier gamma in MSE, GD passes counted"))
    rule = fr.rule_exponents(frontier_runs, cap=fdesign_cap).set_index("accounting")
    for acc, suffix in (("flop_article", "article"), ("flop_gd", "gd"), ("flop_exact", "exact")):
        r = rule.loc[acc]
        rows += [_row(f"k4_gamma_rule_{suffix}", r["gamma"], "", f"p = 2n rule, {r['label']}"),
                 _row(f"k4_gamma_rule_{suffix}_ci_low", r["ci_low"], "", f"95% CI low: p = 2n rule, {r['label']}"),
                 _row(f"k4_gamma_rule_{suffix}_ci_high", r["ci_high"], "", f"95% CI high: p = 2n rule, {r['label']}"),
                 _row(f"k4_rule_compute_slope_{suffix}", r["compute_slope_vs_n"], "", f"p = 2n rule: compute ~ n^slope, {r['label']}")]
    sub = fr.rule_curve(frontier_runs).groupby("n")["passes"].median()
    rows.append(_row("k4_gd_passes_slope", loglog_slope(sub.index, sub.to_numpy()), "",
                     "p = 2n rule: gradient-descent passes to the tuned stopping time ~ n^slope"))
    rows.append(_row("k4_gd_passes_nmax", sub.iloc[-1], "passes", "p = 2n rule: median passes at the largest n"))
    rows.append(_row("k4_frontier_n_true", fr.FrontierDesign().n_true, "variables", "true variables in the frontier run"))
    rows.append(_row("k4_frontier_n_candidates", fr.FrontierDesign().n_candidates, "variables", "candidates in the frontier run"))
    rows.append(_row("k4_frontier_replicates", fr.FrontierDesign().replicates, "replicates", "replicates of the frontier run"))
    rows.append(_row("k4_fit_cap", fdesign_cap, "", "fits use errors below this RMSE (half the null error)"))
    le = learner_exponents(result).set_index(["model", "accounting"])
    for model in ("lasso", "mlp", "random_features", "ridge", "expert"):
        for acc, suffix in (("train_flop", ""), ("article_flop", "_article")):
            if (model, acc) not in le.index:
                continue
            r = le.loc[(model, acc)]
            if not np.isfinite(r["gamma"]):
                continue
            key = f"k4_gamma_{'rf' if model == 'random_features' else model}{suffix}_capped"
            if model == "mlp" and acc == "train_flop":
                key = "k4_gamma_mlp"
            what = f"{model}, {'executed FLOPs' if acc == 'train_flop' else 'parameters x data'}, RMSE below the cap"
            rows += [_row(key, r["gamma"], "", f"compute ~ k^gamma: {what}"),
                     _row(key + "_ci_low", r["ci_low"], "", f"95% CI low: {what}"),
                     _row(key + "_ci_high", r["ci_high"], "", f"95% CI high: {what}")]
        if (model, "train_flop") in le.index:
            r = le.loc[(model, "train_flop")]
            name = "rf" if model == "random_features" else model
            rows.append(_row(f"k4_error_slope_{name}_capped", r["error_slope_vs_n"], "", f"{model}: RMSE ~ n^slope below the cap"))
            rows.append(_row(f"k4_compute_slope_{name}_capped", r["compute_slope_vs_n"], "", f"{model}: executed FLOPs ~ n^slope"))
            rows.append(_row(f"k4_n_from_{name}_capped", r["n_from"], "examples", f"{model}: smallest n below the cap"))
    cr = crossovers(result)
    cr = cr[cr["missing"] == m_head].set_index("model")
    for model in cr.index:
        r = cr.loc[model]
        if r["n_cross"] is None or not np.isfinite(r["n_cross"]):
            continue
        name = {"random_features": "rf"}.get(model, model)
        rows += [_row(f"k4_crossover_n_{name}", r["n_cross"], "examples", f"{model} overtakes the expert missing 10 of 100"),
                 _row(f"k4_crossover_flop_exec_{name}", r["flop_cross"], "FLOP", f"{model}: executed FLOPs at its crossover"),
                 _row(f"k4_crossover_ratio_exec_{name}", r["flop_cross"] / r["expert_flop"], "×",
                      f"{model} over the expert, executed FLOPs, at the crossover"),
                 _row(f"k4_crossover_ratio_article_{name}", r["article_flop_cross"] / r["expert_article_flop"], "×",
                      f"{model} over the expert, parameters x data, at the crossover")]
    rows += [_row("k4_bootstrap_coverage", coverage["jackknife_t"], "",
                  "coverage of the chapter's 95% replicate interval (jackknife-t) on a synthetic case with known gamma"),
             _row("k4_percentile_coverage", coverage["percentile_bootstrap"], "",
                  "coverage of the first edition's 95% percentile bootstrap on the same case"),
             _row("k4_coverage_simulations", coverage["simulations"], "simulations", "simulations in the coverage check"),
             _row("k4_coverage_mc_se", coverage["mc_se"], "", "Monte Carlo standard error of a 95% coverage estimate")]
    return pd.DataFrame(rows)
