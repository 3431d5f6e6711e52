"""The back-test: the mid-2020 forecast set against what was published from mid-2020 to 2025.

Chapter ``notebooks/backtest.md``. Every fit is frozen at :data:`analysis.extrapolation.CUTOFF`
(2020-06-30) by the functions of the extrapolation and ninth-power chapters, which are reused, not
copied: :func:`analysis.extrapolation.per_year_best` and :func:`analysis.extrapolation.fit_trend`
for the error-over-time forecast in each form, :func:`analysis.ninth_power.headline_fit` and
:func:`analysis.ninth_power.compute_for_error` for the compute-error fit. The results published
after the cutoff, up to :data:`END`, are then set against those fits:

* :func:`observed_by_year`: the best top-1 error of each year 2021-2025, both the best result
  published in that year (what the trend was fitted to) and the record to date (the best result
  published up to the end of that year), with all rows or without those whose ``accuracy_caveat``
  is ``unconfirmed`` (:func:`analysis.evidence.confirmed`);
* :func:`score_forecast`: those against the 2020 forecast and its 95% prediction interval, per form;
* :func:`compute_backtest`: the compute the later models used against what the 2020 compute-error
  fit says their error should cost, in orders of magnitude (log10 of actual over predicted);
* :func:`break_test` / :func:`compute_break_test`: all data refitted with a change of slope at the
  cutoff (interaction term), with its confidence interval and p-value;
* :func:`what_changed`: shares computed from the table's columns (extra pre-training data,
  ensembles and soups, fine-tuned or frozen-trunk foundation models);
* :func:`later_forecast`: the authors' 2024 figures (5% in 2026, 3% in 2029), scored the same way.

Errors are in percent, compute in FLOP (hardware burden, the paper's measure).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

from . import evidence
from . import extrapolation as ex
from . import ninth_power as npw

END = pd.Timestamp("2025-12-31")
YEARS = (2021, 2022, 2023, 2024, 2025)
BREAK_YEAR = 2020.5  # the cutoff on the year axis (per-year points are plotted at their calendar year)
FORECAST_FORMS = ex.FORMS
UNCONFIRMED = "unconfirmed"
SOUP = re.compile(r"soup", re.I)
FINE_TUNED = re.compile(r"fine-?tuned", re.I)
FROZEN = re.compile(r"frozen|linear probe", re.I)


def observed_by_year(models: pd.DataFrame, years=YEARS, confirmed_only: bool = False) -> pd.DataFrame:
    """Best top-1 error of each year after the cutoff.

    Parameters
    ----------
    models : pandas.DataFrame
        The ImageNet models table (:func:`analysis.tables.imagenet_models`).
    years : sequence of int
        Calendar years to report.
    confirmed_only : bool
        Leave out the rows whose ``accuracy_caveat`` is set (``unconfirmed``) first.

    Returns
    -------
    pandas.DataFrame
        One row per year: year, n_rows (results published that year), year_best_error and
        year_best_model (best result published in that year; NaN if none), record_error,
        record_model and record_date (best result published up to the end of that year).
    """
    c = ex.COLUMNS
    f = evidence.confirmed(models) if confirmed_only else models
    best = ex.per_year_best(f, cutoff=END).set_index("year")
    rows = []
    for year in years:
        upto = f[f[c["date"]] <= pd.Timestamp(f"{year}-12-31")]
        upto = upto.sort_values([c["error"], c["date"], c["model"]], kind="mergesort")
        rec = upto.iloc[0]
        has = year in best.index
        rows.append({
            "year": int(year), "n_rows": int((f[c["date"]].dt.year == year).sum()),
            "year_best_error": float(best.loc[year, "error"]) if has else math.nan,
            "year_best_model": best.loc[year, "model"] if has else "",
            "record_error": float(rec[c["error"]]), "record_model": rec[c["model"]], "record_date": rec[c["date"]],
        })
    return pd.DataFrame(rows)


def forecast_table(models: pd.DataFrame, years=YEARS, floor: float | None = None) -> pd.DataFrame:
    """The mid-2020 forecast of the per-year best error, per form, at each year.

    Parameters
    ----------
    models : pandas.DataFrame
        The ImageNet models table; only rows up to the cutoff enter the fits.
    years : sequence of float
        Years to forecast.
    floor : float, optional
        Label-noise floor (percent) for the ``saturating`` form; the measured one by default.

    Returns
    -------
    pandas.DataFrame
        Columns form, label, floor_pct, year, fit, ci_low, ci_high, pi_low, pi_high (95%).
    """
    floor = ex.label_floor_pct() if floor is None else floor
    best = ex.per_year_best(models)  # frozen at the cutoff
    out = []
    for form in FORECAST_FORMS:
        fit = ex.fit_trend(best, form, floor)
        out.append(fit.predict(np.asarray(years, dtype=float)).assign(form=form, label=ex.FORM_LABELS[form],
                                                                       floor_pct=fit.floor))
    cols = ["form", "label", "floor_pct", "year", "fit", "ci_low", "ci_high", "pi_low", "pi_high"]
    return pd.concat(out, ignore_index=True)[cols]


def position(value: float, low: float, high: float) -> str:
    """``"below"``, ``"inside"`` or ``"above"`` the closed interval ``[low, high]`` (``""`` for NaN).

    Examples
    --------
    >>> position(5.0, 4.0, 6.0), position(6.0, 4.0, 6.0), position(7.0, 4.0, 6.0)
    ('inside', 'inside', 'above')
    """
    if not math.isfinite(value):
        return ""
    return "below" if value < low else "above" if value > high else "inside"


def score_forecast(models: pd.DataFrame, years=YEARS, floor: float | None = None) -> pd.DataFrame:
    """Forecast against observation, per form, year and selection (all rows / confirmed only).

    Returns
    -------
    pandas.DataFrame
        :func:`forecast_table` columns plus selection, observed record and per-year best, their
        position relative to the prediction interval (``record_vs_pi``, ``year_best_vs_pi``) and
        ``record_ratio`` (observed record over forecast).
    """
    fc = forecast_table(models, years, floor)
    parts = []
    for sel, conf in (("all", False), ("confirmed", True)):
        obs = observed_by_year(models, years, confirmed_only=conf)
        m = fc.merge(obs, on="year").assign(selection=sel)
        m["record_vs_pi"] = [position(v, lo, hi) for v, lo, hi in zip(m["record_error"], m["pi_low"], m["pi_high"])]
        m["year_best_vs_pi"] = [position(v, lo, hi) for v, lo, hi in
                                zip(m["year_best_error"], m["pi_low"], m["pi_high"])]
        m["record_ratio"] = m["record_error"] / m["fit"]
        parts.append(m)
    return pd.concat(parts, ignore_index=True)


def _break_fit(frame: pd.DataFrame, y: str, x: str, post: str, groups=None):
    """OLS of ``y ~ x * post`` (x centred at the break), cluster-robust when ``groups`` is given."""
    model = smf.ols(f"{y} ~ {x} * {post}", data=frame)
    if groups is not None:
        return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]})
    return model.fit()


def _break_summary(res, x: str, post: str, n_pre: int, n_post: int, level: float) -> dict:
    term = f"{x}:{post}"
    low, high = res.conf_int(alpha=1 - level).loc[term]
    joint = res.f_test(f"{post} = 0, {term} = 0")
    return {"slope_pre": float(res.params[x]), "slope_post": float(res.params[x] + res.params[term]),
            "slope_change": float(res.params[term]), "change_low": float(low), "change_high": float(high),
            "p_value": float(res.pvalues[term]), "joint_p_value": float(np.squeeze(joint.pvalue)),
            "n_pre": n_pre, "n_post": n_post, "level": level}


def break_test(best: pd.DataFrame, break_year: float = BREAK_YEAR, level: float = 0.95) -> dict:
    """Has the per-year-best trend been steeper or flatter since the break?

    Fits ``log10 E = a + b·t + c·post + d·t·post`` with ``t = year - break_year`` and ``post`` =
    1 after the break, by OLS. ``d`` is the change of slope (log10 error per year; negative:
    steeper since), with its ``level`` confidence interval and two-sided p-value; ``joint_p_value``
    tests ``c = d = 0`` (a Chow test at a known break).

    Parameters
    ----------
    best : pandas.DataFrame
        Columns ``year`` and ``error`` (percent), e.g. :func:`analysis.extrapolation.per_year_best`.
    break_year : float
        Position of the break on the year axis.
    level : float
        Confidence level.

    Returns
    -------
    dict
        slope_pre, slope_post, slope_change, change_low, change_high, p_value, joint_p_value,
        n_pre, n_post, level.
    """
    d = pd.DataFrame({"y": np.log10(best["error"].to_numpy(float)),
                      "t": best["year"].to_numpy(float) - break_year})
    d["post"] = (d["t"] > 0).astype(float)
    n_post = int(d["post"].sum())
    if n_post < 2 or len(d) - n_post < 2 or len(d) < 5:
        raise ValueError(f"need at least 2 points on each side of {break_year} and 5 in all; got "
                         f"{len(d) - n_post} before and {n_post} after")
    return _break_summary(_break_fit(d, "y", "t", "post"), "t", "post", len(d) - n_post, n_post, level)


def best_all_years(models: pd.DataFrame, min_rows_after: int = 0) -> pd.DataFrame:
    """Per-year best of every year up to :data:`END` (no cutoff). Years after the cutoff's year with
    fewer than ``min_rows_after`` results in the table are left out (a thinly covered year's best is
    the best of a few results, not of the field)."""
    best = ex.per_year_best(models, cutoff=END)
    counts = best["year"].map(models[ex.COLUMNS["date"]].dt.year.value_counts()).fillna(0)
    keep = (best["year"] <= ex.CUTOFF.year) | (counts >= min_rows_after)
    return best[keep].reset_index(drop=True)


def compute_points_all(models: pd.DataFrame) -> pd.DataFrame:
    """The headline selection of the ninth-power chapter (single models, top-1, hardware burden)
    on every row, with ``post`` marking the rows published after the cutoff."""
    h = npw.HEADLINE
    d = npw.select(npw.prepare(models), h["measure"], h["subset"], h["metric"])
    return d.assign(post=(d["date"] > ex.CUTOFF))


def compute_break_test(models: pd.DataFrame, level: float = 0.95) -> dict:
    """Change of the compute-error slope after the cutoff: ``ln E ~ ln C * post`` on the headline
    selection with all rows, cluster-robust by paper (as the headline fit). ``slope_*`` are
    slopes of ln error on ln compute; see :func:`break_test` for the fields."""
    d = compute_points_all(models)
    frame = pd.DataFrame({"y": np.log(d["error"].to_numpy(float)),
                          "x": np.log(d["compute"].to_numpy(float)) - math.log(1e21),
                          "post": d["post"].astype(float).to_numpy()})
    n_post = int(frame["post"].sum())
    res = _break_fit(frame, "y", "x", "post", groups=d["paper"].to_numpy())
    return _break_summary(res, "x", "post", len(frame) - n_post, n_post, level)


def compute_backtest(models: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Compute used by models published after the cutoff against the frozen compute-error fit.

    The mid-2020 headline fit (:func:`analysis.ninth_power.headline_fit`) is inverted at each later
    model's error (:func:`analysis.ninth_power.compute_for_error`, 95% prediction band).

    Returns
    -------
    pandas.DataFrame
        One row per later model of the headline selection: model, date, year, error, compute,
        predicted, pred_low, pred_high, oos_log10 (log10 of actual over predicted compute; negative:
        less compute than the fit says), inside_pi (bool), year_best (lowest error of its calendar
        year among these rows).
    """
    fit = npw.headline_fit(ex.to_mid2020(models), level=level)
    d = compute_points_all(models)
    d = d[d["post"]].sort_values(["error", "date"], kind="mergesort")
    rows = []
    for _, r in d.iterrows():
        pred, low, high = npw.compute_for_error(fit, float(r["error"]), level=level, interval="prediction")
        rows.append({"model": r["model"], "date": r["date"], "year": int(r["date"].year), "error": float(r["error"]),
                     "compute": float(r["compute"]), "predicted": pred, "pred_low": low, "pred_high": high,
                     "oos_log10": math.log10(r["compute"] / pred), "inside_pi": bool(low <= r["compute"] <= high)})
    out = pd.DataFrame(rows)
    out["year_best"] = ~out.duplicated("year")  # sorted by error: the first of each year is its best
    return out.sort_values("date", kind="mergesort").reset_index(drop=True)


def oos_summary(table: pd.DataFrame) -> dict:
    """Out-of-sample error of the compute fit, in log10 units (orders of magnitude).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`compute_backtest` (or any frame with ``oos_log10`` and ``inside_pi``).

    Returns
    -------
    dict
        n, mean (signed mean of log10 actual/predicted), rms (root mean square), share_inside_pi.

    Examples
    --------
    >>> oos_summary(pd.DataFrame({"oos_log10": [-1.0, -3.0], "inside_pi": [True, False]}))
    {'n': 2, 'mean': -2.0, 'rms': 2.23606797749979, 'share_inside_pi': 0.5}
    """
    v = table["oos_log10"].to_numpy(float)
    return {"n": int(v.size), "mean": float(v.mean()), "rms": float(math.sqrt(np.mean(v * v))),
            "share_inside_pi": float(table["inside_pi"].mean())}


def refit_crossing(models: pd.DataFrame, target: float = 5.0, form: str = "log10", start: float = 2012.0,
                   stop: float = 2200.0, level: float = 0.95) -> dict:
    """The trend refitted on the per-year best of every year up to :data:`END`: year it reaches
    ``target`` and the years at which its ``level`` prediction band first (``pi_low``) and last
    (``pi_high``) contains it, on a 0.01-year grid; ``inf`` when never before ``stop``."""
    fit = ex.fit_trend(best_all_years(models), form, ex.label_floor_pct())
    grid = np.round(np.arange(start, stop, 0.01), 2)
    band = fit.predict(grid, level)
    early, late = np.flatnonzero(band["pi_low"] <= target), np.flatnonzero(band["pi_high"] <= target)
    return {"year": fit.crossing_year(target), "slope": fit.slope,
            "pi_low": float(grid[early[0]]) if early.size else math.inf,
            "pi_high": float(grid[late[0]]) if late.size else math.inf}


def later_forecast(claims: pd.DataFrame, year: float = 2025.0) -> dict:
    """The authors' 2024 forecast (5% in ``talk_year_at_5pct``, 3% in ``talk_year_at_3pct`` of
    ``data/article_claims.csv``, as :func:`analysis.tables.load_article_claims` returns it, indexed by
    ``claim_id``) as a log10-linear path in time, the form of their website fit,
    evaluated at ``year``.

    Returns
    -------
    dict
        year_5pct, year_3pct, slope (log10 error per year), error_at_year (percent).
    """
    v = (claims if "claim_id" not in claims.columns else claims.set_index("claim_id"))["value"].astype(float)
    y5, y3 = float(v["talk_year_at_5pct"]), float(v["talk_year_at_3pct"])
    slope = (math.log10(3.0) - math.log10(5.0)) / (y3 - y5)
    return {"year_5pct": y5, "year_3pct": y3, "slope": slope,
            "error_at_year": 10 ** (math.log10(5.0) + slope * (year - y5))}


def extra_data_kind(value) -> str:
    """``"imagenet-1k only"`` (``none``), ``"not recorded"`` (empty) or ``"extra data"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return "not recorded"
    return "imagenet-1k only" if str(value).strip().lower() == "none" else "extra data"


def what_changed(models: pd.DataFrame) -> pd.DataFrame:
    """How the record-setting results differ before and after the cutoff, from the table's columns.

    Record-setting rows are those of :func:`analysis.evidence.frontier` (a new lowest top-1 error in
    date order). Per period (``to mid-2020`` / ``after mid-2020``): n_records, and the number and
    share of records that used extra pre-training data, did not record it, were ensembles or model
    soups (``ensemble`` column or "soup" in the name), were fine-tuned foundation models or were
    evaluated on a frozen trunk (from the model name).
    """
    fr = evidence.frontier(models)
    kind = fr["extra_data"].map(extra_data_kind)
    ens = fr["ensemble"].eq("yes") | fr["model"].str.contains(SOUP)
    fields = {"extra data": kind.eq("extra data"), "extra data not recorded": kind.eq("not recorded"),
              "ensemble or soup": ens, "fine-tuned or frozen-trunk (name)":
              fr["model"].str.contains(FINE_TUNED) | fr["model"].str.contains(FROZEN)}
    rows = []
    for period, mask in (("to mid-2020", fr["publication_date"] <= ex.CUTOFF),
                         ("after mid-2020", fr["publication_date"] > ex.CUTOFF)):
        n = int(mask.sum())
        for name, flag in fields.items():
            k = int((flag & mask).sum())
            rows.append({"period": period, "feature": name, "n_records": n, "count": k,
                         "share": k / n if n else math.nan})
    return pd.DataFrame(rows)


def compute_band(models: pd.DataFrame, lo: float = 1e17, hi: float = 1e26, n: int = 91,
                 level: float = 0.95) -> pd.DataFrame:
    """The frozen compute-error fit with its 95% prediction band on a log grid of compute (the
    second chart). Columns: compute, fit, pi_low, pi_high (percent)."""
    fit = npw.headline_fit(ex.to_mid2020(models), level=level)
    grid = np.logspace(math.log10(lo), math.log10(hi), n)
    sf = fit.result.get_prediction(sm.add_constant(np.log(grid), has_constant="add")).summary_frame(alpha=1 - level)
    return pd.DataFrame({"compute": grid, "fit": np.exp(sf["mean"]), "pi_low": np.exp(sf["obs_ci_lower"]),
                         "pi_high": np.exp(sf["obs_ci_upper"])})


# ----------------------------------------------------------------------------------------------
# Display tables (strings, so stored outputs do not depend on the last digits of a float)
# ----------------------------------------------------------------------------------------------
def display_score(score: pd.DataFrame) -> pd.DataFrame:
    """Forecast ``fit [pi_low, pi_high]`` per form and year beside the observed records."""
    s = score.copy()
    s["cell"] = [f"{r.fit:.1f} [{r.pi_low:.1f}, {r.pi_high:.1f}]" for r in s.itertuples()]
    out = s[s["selection"] == "all"].pivot(index="year", columns="label", values="cell")
    out = out[[ex.FORM_LABELS[f] for f in FORECAST_FORMS]]
    for sel, name in (("all", "record, all results"), ("confirmed", "record, without unconfirmed")):
        part = s[(s["selection"] == sel) & (s["form"] == "log10")].set_index("year")
        out[name] = [f"{part.loc[y, 'record_error']:.2f} ({part.loc[y, 'record_model']})" for y in out.index]
    part = s[(s["selection"] == "all") & (s["form"] == "log10")].set_index("year")
    out["best of the year (results in the table)"] = [
        f"{part.loc[y, 'year_best_error']:.2f} ({part.loc[y, 'year_best_model']}; {part.loc[y, 'n_rows']})"
        for y in out.index]
    out.index = out.index.astype(int)
    out.index.name = "year"
    return out


def display_positions(score: pd.DataFrame) -> pd.DataFrame:
    """Where the observed record falls relative to each form's 95% prediction interval."""
    s = score.assign(label=score["form"].map(ex.FORM_LABELS), year=score["year"].astype(int))
    out = s.pivot_table(index=["selection", "year"], columns="label", values="record_vs_pi", aggfunc="first")
    return out[[ex.FORM_LABELS[f] for f in FORECAST_FORMS]]


def display_oos(table: pd.DataFrame) -> pd.DataFrame:
    """Later models: compute used against what the 2020 fit says their error should cost."""
    return pd.DataFrame({
        "model": table["model"], "published": table["date"].dt.strftime("%Y-%m-%d"),
        "top-1 error (%)": table["error"].map(lambda v: f"{v:.2f}"),
        "compute used (FLOP)": table["compute"].map(lambda v: f"{v:.1e}"),
        "2020 fit says (FLOP)": table["predicted"].map(lambda v: f"{v:.1e}"),
        "95% prediction interval": [f"{lo:.1e} to {hi:.1e}" for lo, hi in zip(table["pred_low"], table["pred_high"])],
        "log10 used / predicted": table["oos_log10"].map(lambda v: f"{v:+.2f}"),
        "best of its year": table["year_best"].map({True: "yes", False: ""}),
    }).set_index("model")


def display_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Shares of record-setting results per period and feature."""
    out = changes.assign(cell=[f"{r.count} of {r.n_records} ({100 * r.share:.0f}%)" for r in changes.itertuples()])
    out = out.pivot(index="feature", columns="period", values="cell")
    return out[["to mid-2020", "after mid-2020"]]
