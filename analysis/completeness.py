"""How complete the evidence table is, and how the second edition compares with the first.

The first edition is the table at commit 56a2182 (2026-11); its counts are stored in
``data/curated/completeness_2026_11.csv`` (made by :func:`completeness_counts` on that commit's
``data/imagenet_models.csv``, see :func:`first_edition_from_git`), so the book needs no git history.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from . import evidence, paths, tables

__all__ = ["FIRST_EDITION_COMMIT", "COUNTED", "completeness_counts", "first_edition_from_git", "before_after",
           "ops_over_burden", "shared_input_matches", "second_edition_counts"]

FIRST_EDITION_COMMIT = "56a2182"
COUNTED = ["rows", "operations_flop", "hardware_burden_flop", "gflops_forward", "train_images", "epochs", "accelerator",
           "train_hours", "params", "extra_data"]
PERIODS = ["to mid-2020", "mid-2020 to 2020-12", "2021-2025", "all"]
SHARED_TOL = 0.03  # within 3% of 1: same inputs (our and the authors' peaks differ by up to 2.4%, P100)


def completeness_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a value in each counted column, by period (long format: period, column, count)."""
    f = frame.copy()
    f["publication_date"] = pd.to_datetime(f["publication_date"])
    f["period"] = f["publication_date"].map(evidence.period_of)
    out = []
    for period in PERIODS:
        part = f if period == "all" else f[f["period"] == period]
        for col in COUNTED:
            n = len(part) if col == "rows" else int(part[col].notna().sum()) if col in part else 0
            out.append({"period": period, "column": col, "count": n})
    return pd.DataFrame(out)


def first_edition_from_git(commit: str = FIRST_EDITION_COMMIT, root: Path = paths.ROOT) -> pd.DataFrame:
    """Recompute the first edition's counts from git history (used to make, and test, the stored file)."""
    text = subprocess.run(["git", "show", f"{commit}:data/imagenet_models.csv"], cwd=root, capture_output=True,
                          text=True, check=True).stdout
    return completeness_counts(pd.read_csv(io.StringIO(text)))


def before_after(frame: pd.DataFrame, first: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows with each value, first edition -> this edition, by period (a wide table for the chapter)."""
    first = tables.load_first_edition_counts() if first is None else first
    now = completeness_counts(frame)
    merged = now.merge(first[["period", "column", "count"]], on=["period", "column"], how="left", suffixes=("", "_first"))
    merged["cell"] = [f"{int(b)} → {a}" if pd.notna(b) else f"– → {a}" for a, b in zip(merged["count"], merged["count_first"])]
    wide = merged.pivot(index="column", columns="period", values="cell")
    return wide.loc[COUNTED, PERIODS].rename_axis(index="rows with", columns=None)


def ops_over_burden(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose operations exceed their hardware burden (each must carry a compute caveat)."""
    both = frame["operations_flop"].notna() & frame["hardware_burden_flop"].notna()
    f = frame[both & (frame["operations_flop"] > frame["hardware_burden_flop"])].copy()
    f["ratio"] = f["operations_flop"] / f["hardware_burden_flop"]
    return f[["model", "operations_flop", "hardware_burden_flop", "ratio", "compute_caveat"]].reset_index(drop=True)


def shared_input_matches(frame: pd.DataFrame) -> dict[str, int]:
    """How many cross-check matches share their inputs (so they check transcription, not correctness).

    Burden vs the authors: our authors'-convention burden per network within 3% of theirs.
    Operations vs Epoch: our own count within 3% of Epoch's, or our epochs/images taken from Epoch.
    """
    b = frame[frame["hardware_burden_authors_convention_flop"].notna() & frame["authors_hardware_burden_flop"].notna()]
    rb = b["hardware_burden_authors_convention_flop"] / b["ensemble_size"] / b["authors_hardware_burden_flop"]
    o = frame[frame["operations_status"].isin(["reported", "estimated"]) & frame["epoch_training_compute_flop"].notna()]
    ro = o["operations_flop"] / o["ensemble_size"] / o["epoch_training_compute_flop"]
    shared_o = (np.abs(ro - 1) < SHARED_TOL) | o["training_source"].isin(["epoch", "mixed"])
    return {"n_burden_vs_authors": len(b), "n_burden_vs_authors_shared": int((np.abs(rb - 1) < SHARED_TOL).sum()),
            "n_ops_vs_epoch": len(o), "n_ops_vs_epoch_shared": int(shared_o.sum())}


def second_edition_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Headline counts of this edition for the chapter (all Python ints)."""
    over = ops_over_burden(frame)
    out = {
        "n_models": len(frame),
        "n_with_operations": int(frame["operations_flop"].notna().sum()),
        "n_with_hardware_burden": int(frame["hardware_burden_flop"].notna().sum()),
        "n_ops_over_burden": len(over),
        "n_ops_over_burden_uncaveated": int(over["compute_caveat"].isna().sum()),
        "n_single_models": int((frame["ensemble_size"] == 1).sum()),
        "n_ensembles": int((frame["ensemble_size"] > 1).sum()),
        "n_precision_by_rule": int((frame["training_precision_source"] == "rule").sum()),
        "n_precision_from_paper": int((frame["training_precision_source"] == "paper").sum()),
        "n_precision_from_code": int((frame["training_precision_source"] == "code").sum()),
        "n_with_real": int(frame["top1_error_real_pct"].notna().sum()),
        "n_with_v2": int(frame["top1_error_v2_pct"].notna().sum()),
    }
    return out | shared_input_matches(frame)
