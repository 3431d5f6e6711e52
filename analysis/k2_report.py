"""Printed tables of the k² chapter: settings, fitted slopes with the data exponents in each
metric, and data multipliers with the cells that extrapolate beyond the simulated range marked.

The numbers come from :mod:`analysis.k2_fit`; this module only formats them as text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .k2 import Config
from .k2_fit import metric_exponents
from .k2_theory import bayes_error_gaussian

__all__ = ["fit_summary", "format_settings", "multiplier_summary"]


def format_settings(config: Config) -> str:
    """The simulation's settings, one item a line (deterministic text for the chapter).

    Parameters
    ----------
    config : analysis.k2.Config

    Returns
    -------
    str
    """
    c = config
    lines = [
        f"sample sizes n ({len(c.ns)}): " + ", ".join(str(n) for n in c.ns),
        f"mean     : N(0, {c.sigma:g}^2); {c.reps_mean} replicates per n",
        f"OLS      : p = {c.ols_p}, AR(1) design, rho = {c.ols_rho:g}, noise sd {c.sigma:g};",
        f"           {c.reps_ols} replicates per n",
        f"logistic : x ~ N(0, I_{len(c.logistic_w)}), w = {tuple(c.logistic_w)}, "
        f"Bayes error {bayes_error_gaussian(c.logistic_w):.4f};",
        f"           {c.reps_logistic} replicates per n",
        f"kNN      : d = {', '.join(map(str, c.knn_dims))} on the torus, noise sd {c.sigma:g},",
        f"           k = round({c.knn_k_const:g} n^(4/(4+d))); {c.reps_knn} replicates per n,",
        f"           {c.knn_test_points} test points each",
        f"seed     : {c.seed}",
    ]
    return "\n".join(lines)


def fit_summary(fits: pd.DataFrame) -> pd.DataFrame:
    """Fitted slopes with 95% CIs next to theory, and the data exponents in RMSE and MSE (or in
    the 0-1 error for the classifier), as rounded text for display.

    Parameters
    ----------
    fits : pandas.DataFrame
        Output of :func:`slope_table`.

    Returns
    -------
    pandas.DataFrame
        Text cells, indexed by learner label.
    """
    exps = metric_exponents(fits)

    def exponent(key, metric):
        e = exps.loc[key]
        return "" if not np.isfinite(e[metric]) else f"{e[metric]:.2f} [{e[metric + '_low']:.2f}, {e[metric + '_high']:.2f}]"

    rows = []
    for key, r in fits.iterrows():
        rows.append(
            {
                "learner": r["learner"],
                "metric": exps.loc[key, "metric"],
                "fitted slope [95% CI]": f"{r['slope']:.3f} [{r['slope_low']:.3f}, {r['slope_high']:.3f}]",
                "theory": f"{r['theory_slope']:.3f}",
                "on grid": f"{r['grid_theory_slope']:.3f}" if np.isfinite(r["grid_theory_slope"]) else "",
                "scale": f"{r['scale']:.2f}",
                "data exp. RMSE": exponent(key, "rmse"),
                "data exp. MSE": exponent(key, "mse"),
                "data exp. 0-1": exponent(key, "01"),
            }
        )
    return pd.DataFrame(rows).set_index("learner")


def multiplier_summary(mults: pd.DataFrame, n_range: float | None = None) -> pd.DataFrame:
    """Data multipliers for each k with their 95% CIs, as text with 3 significant figures.

    Parameters
    ----------
    mults : pandas.DataFrame
        Output of :func:`fitted_multiplier_table`.
    n_range : float, optional
        Ratio of the largest to the smallest simulated n. A multiplier above it cannot be seen
        inside the simulated range: it extrapolates the fitted power law, and its cell is marked
        with a trailing ``*``.

    Returns
    -------
    pandas.DataFrame
        Text cells, one row per learner, one column per k.
    """

    def cell(r) -> str:
        mark = " *" if n_range is not None and r["multiplier"] > n_range else ""
        return f"{r['multiplier']:,.3g} [{r['multiplier_low']:,.3g}, {r['multiplier_high']:,.3g}]{mark}"

    table = {}
    for learner, group in mults.groupby("learner", sort=False):
        table[learner] = {f"k = {int(r['k'])}": cell(r) for _, r in group.iterrows()}
    out = pd.DataFrame.from_dict(table, orient="index")
    out.index.name = "learner"
    return out
