"""The evidence: ImageNet results with the compute behind them (chapter "The evidence").

Data: ``data/imagenet_models.csv`` and ``data/hardware.csv``, rebuilt by
``scripts/build_data.py`` from public upstream files plus curated paper values, loaded and
checked by :mod:`analysis.tables` against ``data/datapackage.json``. This module summarises them.

Units: errors in percent (0-100), compute in FLOP, forward cost in GFLOP per image, peak rates
in FLOP/s, time in hours, parameters as a count.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .numbers import headline_frame

MID_2020 = pd.Timestamp("2020-06-30")
RECENT_START, RECENT_END = 2021, 2025


# ----------------------------------------------------------------------------------------------
# Summaries
# ----------------------------------------------------------------------------------------------
def period_of(date: pd.Timestamp) -> str:
    """The chapter's period of a publication date.

    Parameters
    ----------
    date : pandas.Timestamp

    Returns
    -------
    str
        ``"to mid-2020"`` (the paper's window), ``"mid-2020 to 2020-12"`` or ``"2021-2025"``.

    Examples
    --------
    >>> period_of(pd.Timestamp("2019-05-01")), period_of(pd.Timestamp("2023-01-01"))
    ('to mid-2020', '2021-2025')
    """
    if date <= MID_2020:
        return "to mid-2020"
    if RECENT_START <= date.year <= RECENT_END:
        return "2021-2025"
    return "mid-2020 to 2020-12"


def with_period(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``period`` (:func:`period_of`) and publication ``year`` columns."""
    out = frame.copy()
    out["period"] = out["publication_date"].map(period_of)
    out["year"] = out["publication_date"].dt.year
    return out


def counts(frame: pd.DataFrame) -> dict[str, int | float]:
    """The chapter's headline counts (all Python scalars)."""
    f = with_period(frame)
    ops_indep = f["operations_status"].isin(["reported", "estimated"])
    both = ops_indep & f["epoch_training_compute_flop"].notna()
    ratio = f.loc[both, "operations_flop"] / f.loc[both, "epoch_training_compute_flop"]
    # like with like: our burden at the authors' convention (FP32 for GPUs), per network, against theirs
    hb_col = "hardware_burden_authors_convention_flop"
    hb_both = f[hb_col].notna() & f["authors_hardware_burden_flop"].notna()
    hb_ratio = f.loc[hb_both, hb_col] / f.loc[hb_both, "ensemble_size"] / f.loc[hb_both, "authors_hardware_burden_flop"]
    out: dict[str, int | float] = {
        "n_models": int(len(f)),
        "n_models_to_mid2020": int((f["period"] == "to mid-2020").sum()),
        "n_models_2021_2025": int((f["period"] == "2021-2025").sum()),
        "n_models_late2020": int((f["period"] == "mid-2020 to 2020-12").sum()),
        "n_with_compute": int((f["hardware_burden_flop"].notna() | f["operations_flop"].notna()).sum()),
        "n_with_hardware_burden": int(f["hardware_burden_flop"].notna().sum()),
        "n_with_operations": int(f["operations_flop"].notna().sum()),
        "n_operations_estimated": int((f["operations_status"] == "estimated").sum()),
        "n_operations_reported": int((f["operations_status"] == "reported").sum()),
        "n_operations_epoch": int((f["operations_status"] == "epoch").sum()),
        "n_with_epoch_compute": int(f["epoch_training_compute_flop"].notna().sum()),
        "n_with_authors_burden": int(f["authors_hardware_burden_flop"].notna().sum()),
        "n_with_gflops": int(f["gflops_forward"].notna().sum()),
        "n_extra_data": int((f["extra_data"].notna() & (f["extra_data"] != "none")).sum()),
        "n_extra_data_unknown": int(f["extra_data"].isna().sum()),
        "n_ops_vs_epoch": int(both.sum()),
        "n_burden_vs_authors": int(hb_both.sum()),
    }
    if len(ratio):
        out["median_ratio_ops_to_epoch"] = float(np.median(ratio))
        out["n_ops_epoch_beyond_3x"] = int(((ratio > 3) | (ratio < 1 / 3)).sum())
    if len(hb_ratio):
        out["median_ratio_burden_to_authors"] = float(np.median(hb_ratio))
    return out


def confirmed(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows without an accuracy caveat (``accuracy_caveat`` empty): see data/datapackage.json."""
    return frame[frame["accuracy_caveat"].isna()]


def frontier(frame: pd.DataFrame, confirmed_only: bool = False) -> pd.DataFrame:
    """Rows that set a new lowest top-1 error when taken in date order (ties: first published).

    With ``confirmed_only`` the rows whose published accuracy carries a caveat (``unconfirmed``:
    no stated evaluation protocol and no independent reproduction) are left out first.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table.
    confirmed_only : bool
        Leave out rows with an accuracy caveat first.

    Returns
    -------
    pandas.DataFrame
        The record-setting rows in date order.
    """
    f = confirmed(frame) if confirmed_only else frame
    f = f.sort_values(["publication_date", "top1_error_pct", "model"], kind="mergesort")
    best = math.inf
    keep = []
    for i, err in zip(f.index, f["top1_error_pct"]):
        if err < best:
            keep.append(i)
            best = err
    return f.loc[keep].reset_index(drop=True)


def coverage_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Models per publication year, and how many carry each compute measure."""
    f = with_period(frame)
    g = f.groupby("year")
    out = pd.DataFrame({
        "models": g.size(),
        "any compute": g.apply(lambda x: int((x["hardware_burden_flop"].notna() | x["operations_flop"].notna()).sum())),
        "burden": g["hardware_burden_flop"].count(),
        "operations": g["operations_flop"].count(),
        "Epoch compute": g["epoch_training_compute_flop"].count(),
    })
    return out.astype(int)


def completeness_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Share of rows (%) with each input and measure filled, by period."""
    f = with_period(frame)
    cols = ["top5_error_pct", "extra_data", "params", "gflops_forward", "train_images", "epochs", "accelerator",
            "accelerator_count", "train_hours", "hardware_burden_flop", "operations_flop", "epoch_training_compute_flop"]
    rows = {}
    for period, part in f.groupby("period", sort=False):
        rows[period] = {c: 100.0 * part[c].notna().mean() for c in cols} | {"rows": len(part)}
    out = pd.DataFrame(rows)
    order = [p for p in ["to mid-2020", "mid-2020 to 2020-12", "2021-2025"] if p in out.columns]
    return out[order]


def comparison_frame(frame: pd.DataFrame, ours: str, theirs: str) -> pd.DataFrame:
    """Rows with both ``ours`` and ``theirs`` filled, and their ratio.

    For ``ours == "operations_flop"`` only rows whose operations we computed ourselves (status
    ``reported`` or ``estimated``) are kept: a value taken from Epoch AI cannot check Epoch AI.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table.
    ours, theirs : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``year``, ``ours``, ``theirs``, ``ratio``, sorted by model.
    """
    f = frame[frame[ours].notna() & frame[theirs].notna()].copy()
    if ours == "operations_flop":
        f = f[f["operations_status"].isin(["reported", "estimated"])]
    f["ratio"] = f[ours] / f[theirs]
    f["year"] = f["publication_date"].dt.year
    return f[["model", "year", ours, theirs, "ratio"]].sort_values("model").reset_index(drop=True)


def hardware_summary(hw: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Accelerators used by at least one row (or listed by the authors): peaks in TFLOP/s, price in USD/h."""
    used = frame["accelerator"].dropna().value_counts()
    h = hw.set_index("accelerator")
    keep = sorted(set(used.index) | set(h.index[h["authors_peak_flops"].notna()]))
    out = pd.DataFrame({
        "rows": [int(used.get(a, 0)) for a in keep],
        "FP32 TFLOP/s": (h.loc[keep, "peak_fp32_flops"] / 1e12).round(2).values,
        "16-bit tensor TFLOP/s": (h.loc[keep, "peak_tensor_16bit_flops"] / 1e12).round(1).values,
        "burden uses": h.loc[keep, "burden_precision"].values,
        "authors' TFLOP/s": (h.loc[keep, "authors_peak_flops"] / 1e12).round(2).values,
        "TDP W": h.loc[keep, "tdp_w"].values,
        "USD per hour": h.loc[keep, "cloud_price_usd_per_hour"].round(2).values,
    }, index=pd.Index(keep, name="accelerator"))
    return out


# ----------------------------------------------------------------------------------------------
# Headline numbers of the chapter
# ----------------------------------------------------------------------------------------------
#: (count key, unit, note) of the counts the chapter quotes, in the order they are glued
COUNT_NOTES = (
    ("n_models", "models", "rows (model results) in data/imagenet_models.csv"),
    ("n_models_to_mid2020", "models", "rows published up to 2020-06-30 (the paper's window)"),
    ("n_models_2021_2025", "models", "rows published 2021-2025"),
    ("n_models_late2020", "models", "rows published July-December 2020"),
    ("n_with_compute", "models", "rows with a hardware burden or an operations count"),
    ("n_with_hardware_burden", "models", "rows with a hardware burden"),
    ("n_with_operations", "models", "rows with an operations count (any status)"),
    ("n_operations_estimated", "models", "operations estimated as 3 x forward FLOPs x images x epochs"),
    ("n_operations_epoch", "models", "operations taken from Epoch AI"),
    ("n_with_epoch_compute", "models", "rows matched to an Epoch AI training-compute value"),
    ("n_with_authors_burden", "models", "rows matched to the authors' public frontier points"),
    ("n_with_gflops", "models", "rows with forward GFLOPs per image"),
    ("n_extra_data", "models", "rows flagged as trained with extra data"),
    ("n_extra_data_unknown", "models", "rows whose training data is not established"),
    ("n_ops_vs_epoch", "models", "rows with our own operations count and Epoch's"),
    ("median_ratio_ops_to_epoch", "", "median of our operations / Epoch training compute"),
    ("n_ops_epoch_beyond_3x", "models", "rows where ours and Epoch's differ by more than 3x"),
    ("n_burden_vs_authors", "models", "rows with our hardware burden and the authors'"),
    ("median_ratio_burden_to_authors", "", "median of our hardware burden / the authors'"),
)
SECONDS_PER_HOUR = 3600.0


def largest_burden_gap(frame: pd.DataFrame) -> str:
    """The model whose hardware burden differs most (in log ratio) from the authors' value.

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table.

    Returns
    -------
    str
    """
    cmp = comparison_frame(frame, "hardware_burden_authors_convention_flop", "authors_hardware_burden_flop")
    return str(cmp.loc[cmp["ratio"].map(math.log).abs().idxmax(), "model"])


def authors_device_count(frame: pd.DataFrame, hw: pd.DataFrame, model: str, accelerator: str) -> float:
    """How many devices the authors' burden for ``model`` amounts to: their burden divided by one
    ``accelerator`` at the authors' peak rate for the row's training time.

    Parameters
    ----------
    frame, hw : pandas.DataFrame
        The ImageNet models and hardware tables.
    model, accelerator : str
        Row of ``frame`` and device of ``hw``.

    Returns
    -------
    float
    """
    row = frame.set_index("model").loc[model]
    peak = hw.set_index("accelerator").loc[accelerator, "authors_peak_flops"]
    return float(row["authors_hardware_burden_flop"] / (peak * row["train_hours"] * SECONDS_PER_HOUR))


def _n_extra(frame: pd.DataFrame) -> int:
    return int((frame["extra_data"].notna() & (frame["extra_data"] != "none")).sum())


def evidence_headline_rows(frame: pd.DataFrame, hw: pd.DataFrame) -> pd.DataFrame:
    """The chapter's quoted numbers as rows ``(key, value, unit, note)`` under stable glue keys.

    Checks the statement the prose makes: the largest gap to the authors' burden is MnasNet-A3,
    whose authors' value is read as one Cloud TPU v2 device-time (``AssertionError`` otherwise).

    Parameters
    ----------
    frame : pandas.DataFrame
        The ImageNet models table.
    hw : pandas.DataFrame
        The hardware table.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``value``, ``unit``, ``note``.
    """
    c = counts(frame)
    rows = [(f"evidence_{key}", c[key], unit, note) for key, unit, note in COUNT_NOTES]
    rows.append(("evidence_n_hardware", len(hw), "devices", "accelerators in data/hardware.csv"))
    assert largest_burden_gap(frame) == "MnasNet-A3", "the prose names MnasNet-A3 as the largest gap"
    rows.append(("evidence_mnasnet_authors_devices", authors_device_count(frame, hw, "MnasNet-A3", "TPU v2"),
                 "devices", "the authors' MnasNet burden divided by one Cloud TPU v2 device-time of the search"))
    fr = frontier(frame)
    fr_ok = frontier(frame, confirmed_only=True)
    best_ok = fr_ok.loc[fr_ok["top1_error_pct"].idxmin()]
    late = fr[fr["publication_date"].dt.year >= 2018]
    rows += [
        ("evidence_frontier_best_mid2020", float(fr.loc[fr["publication_date"] <= MID_2020, "top1_error_pct"].min()),
         "%", "lowest top-1 error published up to mid-2020"),
        ("evidence_frontier_best_2025", float(fr["top1_error_pct"].min()), "%", "lowest top-1 error in the table (to 2025)"),
        ("evidence_n_unconfirmed", int(frame["accuracy_caveat"].notna().sum()), "models",
         "rows whose published top-1 carries the caveat 'unconfirmed' (no stated protocol, no reproduction)"),
        ("evidence_frontier_best_confirmed", float(best_ok["top1_error_pct"]), "%",
         "lowest top-1 error in the table without the unconfirmed rows"),
        ("evidence_frontier_best_confirmed_year", int(best_ok["publication_date"].year), "", "year of that result"),
        ("evidence_n_frontier_points", len(fr), "models", "rows that set a new lowest top-1 error"),
        ("evidence_n_frontier_since_2018", len(late), "models", "frontier records set from 2018 on"),
        ("evidence_n_frontier_extra_since_2018", _n_extra(late), "models", "of those, records trained with extra data"),
    ]
    return headline_frame(rows)


def evidence_headline_names(frame: pd.DataFrame) -> dict[str, str]:
    """Model names the prose quotes: the best result without unconfirmed rows, and the unconfirmed ones."""
    fr_ok = frontier(frame, confirmed_only=True)
    unconfirmed = frame[frame["accuracy_caveat"].notna()].sort_values("top1_error_pct")
    return {
        "evidence_frontier_best_confirmed_model": str(fr_ok.loc[fr_ok["top1_error_pct"].idxmin(), "model"]),
        "evidence_unconfirmed_models": " and ".join(unconfirmed["model"]),
    }
