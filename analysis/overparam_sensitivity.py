"""Sensitivity of the k^4 chapter's headline exponents to three choices of the design.

The headline exponents are the compute-optimal frontier's gamma (compute ~ k^gamma, parameters x
data, RMSE) and the data exponent of the best width at each n (n ~ k^exponent). Three settings of
the data-generating process and of the tuning could move them, and the article fixes none of them:

* the **signal-to-noise ratio** (SNR), ||beta||^2 / sigma^2;
* the **candidate-pool size** d (the article says only "a very large pool"), at a fixed number of
  true variables;
* the **hold-out share** used to tune the penalty (it also takes examples away from the fit).

Each arm changes one of them from the baseline and reruns the frontier on a *reduced* design
(fewer sizes, widths and replicates than the chapter's frontier, so that all arms fit in the
chapter's time budget). Every arm uses the same seed (common random numbers), so arms that keep the
shapes of the draws (SNR, hold-out share) differ by the setting, not by the draws. Fits use errors
below half the null error of each arm (sqrt(snr) / 2), so a lower SNR is judged against its own,
lower, null error.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .overparam_fit import loglog_slope
from .overparam_frontier import FrontierDesign, frontier_fit, simulate_frontier

__all__ = ["ARMS", "ARM_LABELS", "REDUCED", "arm_design", "arm_exponents", "data_exponent", "replicate_se", "data_optimal_curve", "sensitivity_display",
           "sensitivity_runs", "sensitivity_table"]

CAP_SHARE = 0.5  # the chapter's cap: half the null error

#: The reduced design of the sensitivity arms: the frontier run's process halved again (5 true variables
#: among 50, the same ratio), so that n = 800 spans the same n/d range as the frontier's n = 1600, with
#: 2 replicates instead of 4 and 6 widths instead of 8.
REDUCED = FrontierDesign(n_true=5, n_candidates=50, sizes=(100, 200, 400, 800), widths=(50, 100, 200, 400, 800, 1600),
                         replicates=2, n_test=300)

#: (arm, parameter, factor): the baseline first, then one setting multiplied by the factor per arm.
ARMS = (
    ("baseline", "", 1.0),
    ("snr_low", "snr", 0.5),
    ("snr_high", "snr", 2.0),
    ("pool_small", "n_candidates", 0.5),
    ("pool_large", "n_candidates", 2.0),
    ("holdout_low", "val_fraction", 0.5),
    ("holdout_high", "val_fraction", 1.5),
)


def arm_design(base: FrontierDesign, field: str, factor: float) -> FrontierDesign:
    """``base`` with one setting multiplied by ``factor`` (rounded for integer settings; unchanged
    for the baseline, whose ``field`` is empty).

    Parameters
    ----------
    base : FrontierDesign
    field : str
        ``"snr"``, ``"n_candidates"``, ``"val_fraction"`` or ``""``.
    factor : float

    Returns
    -------
    FrontierDesign

    Examples
    --------
    >>> arm_design(REDUCED, "n_candidates", 2.0).n_candidates
    100
    """
    if not field:
        return base
    old = getattr(base, field)
    new = int(round(old * factor)) if isinstance(old, int) else float(old * factor)
    return replace(base, **{field: new})


def data_optimal_curve(runs: pd.DataFrame) -> pd.DataFrame:
    """For each n, the width with the lowest replicate-mean error (model size free, penalty tuned).

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`simulate_frontier`.

    Returns
    -------
    pandas.DataFrame
        One row per n: ``p``, ``rmse``, ``mse``.
    """
    t = runs.groupby(["n", "p"], sort=True)["mse"].mean().reset_index()
    t["rmse"] = np.sqrt(t["mse"])
    return t.loc[t.groupby("n")["rmse"].idxmin()].sort_values("n").reset_index(drop=True)


def data_exponent(runs: pd.DataFrame, cap: float) -> dict:
    """Data exponent of the best width at each n: n ~ k^exponent for a k-fold cut of RMSE, fitted
    (log RMSE on log n, by :func:`analysis.stats.loglog_fit`) where the error is below ``cap``; the
    three largest n if fewer than three are (``capped`` False then).

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`simulate_frontier`.
    cap : float
        RMSE below which the fit is made (the chapter: half the null error).

    Returns
    -------
    dict
        ``exponent``, ``error_slope``, ``n_from``, ``points``, ``capped``.
    """
    curve = data_optimal_curve(runs)
    below = curve[curve["rmse"] < cap]
    capped = len(below) >= 3
    use = below if capped else curve.tail(3)
    slope = loglog_slope(use["n"], use["rmse"])
    return {"exponent": -1.0 / slope if slope < 0 else float("inf"), "error_slope": slope,
            "n_from": int(use["n"].min()), "points": len(use), "capped": capped}


def sensitivity_runs(base: FrontierDesign = REDUCED, arms=ARMS) -> dict[str, tuple[FrontierDesign, pd.DataFrame]]:
    """Run the frontier grid once per arm.

    Parameters
    ----------
    base : FrontierDesign
        The baseline (reduced) design.
    arms : sequence of (str, str, float)
        Arm name, the :class:`FrontierDesign` field it changes (empty for the baseline) and the factor.

    Returns
    -------
    dict
        Arm name to ``(design, runs)``, ``runs`` as returned by :func:`simulate_frontier`.
    """
    out = {}
    for name, field, factor in arms:
        design = arm_design(base, field, factor)
        out[name] = (design, simulate_frontier(design))
    return out


def arm_exponents(design: FrontierDesign, runs: pd.DataFrame) -> dict:
    """Frontier gamma (parameters x data) and data exponent of one arm, below half its null error.

    Parameters
    ----------
    design : FrontierDesign
    runs : pandas.DataFrame
        Output of :func:`simulate_frontier` for ``design``.

    Returns
    -------
    dict
        ``gamma`` (NaN when fewer than 3 frontier settings are below the cap), ``points``,
        ``data_exponent``, ``data_capped`` (False when the data fit had to use the three largest n).
    """
    cap = CAP_SHARE * design.null_rmse
    try:
        fit = frontier_fit(runs, "flop_article", cap)
        gamma, points = fit["gamma"], fit["points"]
    except ValueError:
        gamma, points = float("nan"), 0
    de = data_exponent(runs, cap)
    return {"gamma": gamma, "points": points, "data_exponent": de["exponent"], "data_capped": de["capped"],
            "data_n_from": de["n_from"]}


def replicate_se(design: FrontierDesign, runs: pd.DataFrame) -> dict:
    """A noise gauge: both exponents fitted on each replicate alone, and the standard error of their
    mean, sd / sqrt(R) (for two replicates, half their difference). NaN where a replicate alone has
    too few frontier settings below the cap.

    Parameters
    ----------
    design : FrontierDesign
    runs : pandas.DataFrame

    Returns
    -------
    dict
        ``gamma_se`` and ``data_se``.
    """
    per = [arm_exponents(design, runs[runs["replicate"] == r]) for r in sorted(runs["replicate"].unique())]
    out = {}
    for key, name in (("gamma", "gamma_se"), ("data_exponent", "data_se")):
        v = np.array([e[key] for e in per], dtype=float)
        out[name] = float(np.std(v, ddof=1) / np.sqrt(v.size)) if np.all(np.isfinite(v)) and v.size > 1 else float("nan")
    return out


def sensitivity_table(results: dict[str, tuple[FrontierDesign, pd.DataFrame]]) -> pd.DataFrame:
    """One row per arm: the setting, both exponents, and their shifts from the baseline arm.

    Parameters
    ----------
    results : dict
        Output of :func:`sensitivity_runs` (must contain ``"baseline"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by arm: ``parameter``, ``value``, ``gamma``, ``gamma_shift``, ``points``,
        ``data_exponent``, ``data_shift``, ``data_capped`` and the noise gauges ``gamma_se``,
        ``data_se`` (:func:`replicate_se`), and ``gamma_shift_se``, ``data_shift_se``: the root sum of
        squares of the arm's and the baseline's (the baseline's own on its row).
    """
    if "baseline" not in results:
        raise ValueError("the sensitivity results need a 'baseline' arm")
    params = {name: (field, factor) for name, field, factor in ARMS}
    rows = {}
    for name, (design, runs) in results.items():
        field, _ = params.get(name, ("", 1.0))
        rows[name] = {"parameter": field, "value": float(getattr(design, field)) if field else np.nan,
                      "snr": design.snr, "n_candidates": design.n_candidates, "val_fraction": design.val_fraction,
                      **arm_exponents(design, runs), **replicate_se(design, runs)}
    table = pd.DataFrame.from_dict(rows, orient="index")
    for col, se in (("gamma", "gamma_se"), ("data_exponent", "data_se")):
        stem = "gamma" if col == "gamma" else "data"
        table[f"{stem}_shift"] = table[col] - table.loc["baseline", col]
        # the arms' noise is independent given the seed's draws only approximately; the root sum of
        # squares treats it as independent (conservative where common random numbers correlate it)
        table[f"{stem}_shift_se"] = np.sqrt(table[se] ** 2 + table.loc["baseline", se] ** 2)
        table.loc["baseline", f"{stem}_shift_se"] = table.loc["baseline", se]
    return table


ARM_LABELS = {"baseline": "baseline (reduced design)", "snr_low": "lower signal-to-noise ratio",
              "snr_high": "higher signal-to-noise ratio", "pool_small": "smaller candidate pool",
              "pool_large": "larger candidate pool", "holdout_low": "smaller hold-out share",
              "holdout_high": "larger hold-out share"}


def sensitivity_display(table: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table as rounded text for the chapter (a dash where no gamma is defined).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`sensitivity_table`.

    Returns
    -------
    pandas.DataFrame
        Text cells indexed by arm label.
    """
    def num(v, signed=False):
        return "-" if not np.isfinite(v) else (f"{v:+.2f}" if signed else f"{v:.2f}")

    rows = {}
    for arm, r in table.iterrows():
        rows[ARM_LABELS.get(arm, arm)] = {
            "setting": f"{r['parameter']} = {r['value']:g}" if r["parameter"] else
            f"snr = {r['snr']:g}, n_candidates = {r['n_candidates']:g}, val_fraction = {r['val_fraction']:g}",
            "frontier gamma": num(r["gamma"]), "shift (SE)": f"{num(r['gamma_shift'], True)} ({num(r['gamma_shift_se'])})",
            "settings": f"{int(r['points'])}",
            "data exponent": num(r["data_exponent"]) + ("" if r["data_capped"] else " (3 largest n)"),
            "shift (SE) ": f"{num(r['data_shift'], True)} ({num(r['data_shift_se'])})"}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "arm"
    return out
