"""Headline numbers of the k^4 chapter as rows (key, value, unit, note) under stable keys.

The notebook glues these rows; it does no picking or pivoting of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import overparam_frontier as fr
from . import overparam_sensitivity as sens
from .overparam import Result, curves
from .overparam_fit import crossovers, gamma_with_ci, loglog_slope

CAP_SHARE = 0.5  # fits use only errors below half the error of predicting zero (off the plateau)


def _row(key, value, unit, note):
    return {"key": key, "value": float(value), "unit": unit, "note": note}


def learner_exponents(result: Result, models=("expert", "ridge", "lasso", "random_features", "mlp"),
                      cap: float | None = None) -> pd.DataFrame:
    """gamma (executed FLOPs and parameters x data) and error exponent per learner, fitted where the
    replicate-mean RMSE is below ``cap`` (default: half the null error), jackknife-t intervals.

    Parameters
    ----------
    result : analysis.overparam.Result
    models : sequence of str
    cap : float, optional

    Returns
    -------
    pandas.DataFrame
        One row per (model, accounting).
    """
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


def sensitivity_rows(table: pd.DataFrame) -> list[dict]:
    """Keyed rows of the sensitivity table (:func:`analysis.overparam_sensitivity.sensitivity_table`).

    Parameters
    ----------
    table : pandas.DataFrame

    Returns
    -------
    list of dict
        Rows ``(key, value, unit, note)``; an arm whose frontier has too few settings below the cap
        gets no gamma key (the chapter's table shows a dash).
    """
    rows = []
    for arm, r in table.iterrows():
        what = f"sensitivity arm {arm} ({r['parameter'] or 'baseline'}" + (f" = {r['value']:g})" if r["parameter"] else ")")
        if r["parameter"]:
            rows.append(_row(f"k4_sens_{arm}_value", r["value"], "", f"setting of the {what}"))
        for col, name, note in (("gamma", "gamma", "frontier gamma (parameters x data, RMSE)"),
                                ("gamma_se", "gamma_se", "replicate standard error of the frontier gamma"),
                                ("points", "gamma_points", "frontier settings below the cap"),
                                ("gamma_shift_se", "gamma_shift_se", "standard error of the gamma shift"),
                                ("data_shift_se", "data_shift_se", "standard error of the data-exponent shift"),
                                ("data_se", "data_se", "replicate standard error of the data exponent"),
                                ("gamma_shift", "gamma_shift", "shift of the frontier gamma from the baseline arm"),
                                ("data_exponent", "data_exponent", "data exponent of the best width at each n (RMSE)"),
                                ("data_shift", "data_shift", "shift of the data exponent from the baseline arm")):
            if np.isfinite(r[col]):
                rows.append(_row(f"k4_sens_{arm}_{name}", r[col], "", f"{note}: {what}"))
    shifts = table.drop(index="baseline")
    rows += [_row("k4_sens_max_gamma_shift", np.nanmax(np.abs(shifts["gamma_shift"])), "",
                  "largest absolute shift of the frontier gamma over the sensitivity arms"),
             _row("k4_sens_max_data_shift", np.nanmax(np.abs(shifts["data_shift"])), "",
                  "largest absolute shift of the data exponent over the sensitivity arms"),
             _row("k4_sens_max_data_z", np.nanmax(np.abs(shifts["data_shift"] / shifts["data_shift_se"])), "",
                  "largest |shift / SE| of the data exponent over the sensitivity arms"),
             _row("k4_sens_max_gamma_z_not_snr",
                  np.nanmax(np.abs((shifts["gamma_shift"] / shifts["gamma_shift_se"])[shifts["parameter"] != "snr"])), "",
                  "largest |shift / SE| of the frontier gamma over the pool and hold-out arms"),
             _row("k4_sens_min_gamma_z_snr",
                  np.nanmin(np.abs((shifts["gamma_shift"] / shifts["gamma_shift_se"])[shifts["parameter"] == "snr"])), "",
                  "smallest |shift / SE| of the frontier gamma over the SNR arms"),
             _row("k4_sens_replicates", sens.REDUCED.replicates, "replicates", "replicates per sensitivity arm"),
             _row("k4_sens_n_true", sens.REDUCED.n_true, "variables", "true variables in the sensitivity baseline"),
             _row("k4_sens_n_candidates", sens.REDUCED.n_candidates, "variables", "candidates in the sensitivity baseline"),
             _row("k4_sens_n_max", sens.REDUCED.sizes[-1], "examples", "largest n of the sensitivity arms"),
             _row("k4_sens_p_max", sens.REDUCED.widths[-1], "features", "largest width of the sensitivity arms")]
    return rows


def headline_rows(result: Result, frontier_runs: pd.DataFrame, coverage: dict, m_head: int = 2,
                  sensitivity: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every new number the chapter states, keyed.

    Parameters
    ----------
    result : analysis.overparam.Result
        The X-ray simulation with the lasso and network runs appended.
    frontier_runs : pandas.DataFrame
        :func:`analysis.overparam_frontier.simulate_frontier`.
    coverage : dict
        :func:`analysis.overparam_fit.interval_coverage`.
    m_head : int
        Missed true variables of the headline crossover (2 of 20 = 10 of the article's 100).
    sensitivity : pandas.DataFrame, optional
        :func:`analysis.overparam_sensitivity.sensitivity_table`.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``value``, ``unit``, ``note``.
    """
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
                 _row("k4_frontier_p_exponent" + suffix + "_ci_low", r["p_ci_low"], "",
                      f"95% jackknife-t CI low minus the width grid's resolution, p exponent: {what}"),
                 _row("k4_frontier_p_exponent" + suffix + "_ci_high", r["p_ci_high"], "",
                      f"95% jackknife-t CI high plus the width grid's resolution, p exponent: {what}"),
                 _row("k4_frontier_p_exponent" + suffix + "_jackknife_width", r["p_jackknife_width"], "",
                      f"width of the jackknife-t interval alone, p exponent: {what}"),
                 _row("k4_frontier_p_exponent" + suffix + "_resolution", r["p_resolution"], "",
                      f"half-width the width grid alone leaves on the p exponent: {what}"),
                 _row("k4_frontier_n_distinct" + suffix, r["n_distinct"], "sizes",
                      f"distinct sample sizes among the frontier settings below the cap: {what}")]
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
    de = sens.data_exponent(frontier_runs, fdesign_cap)
    rows += [_row("k4_frontier_data_exponent", de["exponent"], "",
                  "data exponent of the best width at each n (n ~ k^exponent, RMSE), frontier run, below the cap"),
             _row("k4_frontier_data_n_from", de["n_from"], "examples", "smallest n of the data-exponent fit")]
    if sensitivity is not None:
        rows += sensitivity_rows(sensitivity)
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


def parameter_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Add the ratios the article discusses to the overparameterization table.

    Parameters
    ----------
    table : pandas.DataFrame
        ``data/overparam_models.csv`` as loaded by :func:`analysis.tables.load_overparam_models`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``params_per_labelled_image`` and ``params_per_image_all`` (parameters over
        labelled plus extra images).
    """
    table = table.copy()
    table["params_per_labelled_image"] = table["params"].astype(float) / table["labelled_images"].astype(float)
    total = (table["labelled_images"] + table["extra_images"]).astype(float)
    table["params_per_image_all"] = table["params"].astype(float) / total
    return table
