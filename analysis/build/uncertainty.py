"""Per-row uncertainty of the two compute measures, as a log10 standard deviation.

The rule is data (``data/curated/uncertainty_rules.csv``: measure, component, log10 sd, when,
reason). A row's value is the root sum of squares of the components that apply to it, so
independent sources of error add in quadrature; a log10 sd of 0.1 is a factor of about 1.26
(one sd), 0.3 a factor of 2. The next chapter uses the column for errors-in-variables fits.
"""

from __future__ import annotations

import math

__all__ = ["operations_components", "burden_components", "combine", "compute_uncertainty"]


def _lower_bound(row: dict) -> bool:
    return "lower bound" in (row.get("compute_caveat") or "")


def operations_components(row: dict, epoch_confidence: str | None) -> list[str]:
    """Names of the operations components that apply to this row (empty when it has no operations)."""
    status = row["operations_status"]
    if status == "reported":
        comps = ["reported_total"]
    elif status == "estimated":
        comps = ["formula"]
        if row["gflops_status"] == "estimated":
            comps.append("gflops_estimated")
        if row["training_source"] in ("epoch", "mixed"):
            comps.append("training_inputs_from_epoch")
        tr, ev = row.get("train_resolution_px"), row.get("eval_resolution_px")
        if tr and ev and tr != ev:
            comps.append("resolution_scaled")
    elif status == "epoch":
        label = (epoch_confidence or "").strip()
        comps = ["epoch_estimate_confident" if label == "Confident"
                 else "epoch_estimate_speculative" if label == "Speculative" else "epoch_estimate_likely"]
    else:
        return []
    if _lower_bound(row):
        comps.append("ensemble_lower_bound")
    return comps


def burden_components(row: dict) -> list[str]:
    """Names of the burden components that apply to this row (empty when it has no burden)."""
    status = row["hardware_burden_status"]
    if status == "reported":
        comps = ["reported_total"]
    elif status == "estimated":
        comps = ["device_time"]
        if row["hardware_source"] in ("epoch", "mixed"):
            comps.append("hardware_from_epoch")
        if row.get("training_precision_source") == "rule" and row.get("_precision_open", True):
            comps.append("precision_by_rule")
    else:
        return []
    if _lower_bound(row):
        comps.append("ensemble_lower_bound")
    return comps


def combine(rules: dict[tuple[str, str], float], measure: str, components: list[str]) -> float:
    """Root sum of squares of the named components' log10 sds (NaN for no components)."""
    if not components:
        return math.nan
    return round(math.sqrt(sum(rules[(measure, c)] ** 2 for c in components)), 3)


def compute_uncertainty(row: dict, rules: dict, epoch_confidence: str | None) -> None:
    """Fill operations_log10_sd and hardware_burden_log10_sd."""
    row["operations_log10_sd"] = combine(rules, "operations", operations_components(row, epoch_confidence))
    row["hardware_burden_log10_sd"] = combine(rules, "burden", burden_components(row))
