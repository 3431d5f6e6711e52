"""Inputs of the build: upstream public files (read-only) and the curated tables in ``data/curated/``.

Curated paper values are long format (``model,field,value,source,status,note``). Files are read in
precedence order (:data:`CURATED_FILES`: the first file that gives a field for a model wins). A
curated row that breaks a rule is not used: it is returned in the exclusion list with the reason
(file, line, model, field), and the build writes that list to ``data/imagenet_excluded.csv``.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pandas as pd

from .. import paths
from ..validate import DataError
from .common import norm_source

__all__ = [
    "CURATED", "CURATED_FILES", "CURATED_FIELDS", "NUMERIC_FIELDS", "PRECISIONS", "UPSTREAM_FILES",
    "read_upstream", "curated_problem", "read_curated", "read_name_map", "read_accelerators",
    "read_aliases", "read_extra_data_rules", "read_ensemble_rules", "read_uncertainty_rules",
]

CURATED = paths.DATA / "curated"
# precedence order: recent results, training details, model families, data-infrastructure fixes
CURATED_FILES = ["paper_values_recent.csv", "paper_values_training.csv", "paper_values_families.csv",
                 "paper_values_d1.csv"]
NUMERIC_FIELDS = {
    "top1_error_pct", "top5_error_pct", "top1_error_real_pct", "top1_error_v2_pct", "params", "gflops_forward",
    "eval_resolution", "train_resolution", "train_images", "pretrain_images", "epochs", "accelerator_count",
    "train_hours", "operations_flop", "hardware_burden_flop", "ensemble_size",
}
TEXT_FIELDS = {"paper_title", "source", "publication_date", "accuracy_caveat", "extra_data", "accelerator",
               "training_precision", "search_cost_included", "compute_caveat"}
CURATED_FIELDS = NUMERIC_FIELDS | TEXT_FIELDS
PRECISIONS = ("fp32", "tf32", "fp16", "bf16")
UPSTREAM_FILES = {
    "pwc": "pwc-imagenet-2020/pwc_imagenet_image_classification.csv",
    "epoch": "epoch-training-cost-trends/All ML Systems - full view.csv",
    "chips": "epoch-training-cost-trends/Chip dataset-Grid view.csv",
    "prices": "epoch-training-cost-trends/Hardware prices.csv",
    "timm_bench": "timm-results/benchmark-infer-amp-nchw-pt291-cu130-5090.csv",
    "frontier": "computerprogress-site/frontier_points_2021.csv",
    "ml_hardware": "epoch-ml-hardware/ml_hardware.csv",
    "mlco2": "mlco2-impact/gpus.csv",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_upstream(up: Path) -> dict[str, pd.DataFrame]:
    """The upstream files as frames (PwC as text); a missing file is an error naming it."""
    out = {}
    for key, rel in UPSTREAM_FILES.items():
        p = Path(up) / rel
        if not p.exists():
            raise DataError(p, "upstream file missing")
        if key == "pwc":
            out[key] = pd.read_csv(p, dtype=str, keep_default_na=False)
        elif key == "mlco2":
            out[key] = pd.read_csv(p, skipinitialspace=True)
        else:
            out[key] = pd.read_csv(p)
    return out


def _read_text_table(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise DataError(path, "file not found")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise DataError(path, f"missing column(s) {missing}", column=missing[0])
    return raw


def curated_problem(field: str, value: str, status: str, accelerators: set[str], aliases: dict[str, str]) -> str | None:
    """Why one curated value cannot be used, or None when it can (pure; no I/O)."""
    if field not in CURATED_FIELDS:
        return f"unknown field {field!r}"
    if value == "":
        return "empty value"
    if status not in ("reported", "estimated"):
        return f"status {status!r} not reported|estimated"
    if field in NUMERIC_FIELDS:
        try:
            v = float(value)
        except ValueError:
            return f"value {value!r} not numeric"
        if not math.isfinite(v) or v <= 0:
            return f"value {value!r} not a positive number"
        if field == "ensemble_size" and not v.is_integer():
            return f"ensemble_size {value!r} not a whole number"
        return None
    if field == "publication_date":
        if not ISO_DATE.match(value):
            return f"publication_date {value!r} not a date (YYYY-MM-DD)"
        try:
            pd.Timestamp(value)
        except ValueError:
            return f"publication_date {value!r} not a date (YYYY-MM-DD)"
    if field == "accelerator" and aliases.get(value, value) not in accelerators:
        return f"accelerator {value!r} not in the hardware table"
    if field == "training_precision" and value not in PRECISIONS:
        return f"training_precision {value!r} not one of {'|'.join(PRECISIONS)}"
    if field == "search_cost_included" and value not in ("yes", "no"):
        return f"search_cost_included {value!r} not yes|no"
    return None


def read_curated(excluded: list[dict], accelerators: set[str], aliases: dict[str, str],
                 folder: Path | None = None, files: list[str] | None = None) -> list[dict]:
    """All usable curated values, in precedence order; unusable rows are appended to ``excluded``."""
    folder = CURATED if folder is None else Path(folder)
    rows: list[dict] = []
    for name in CURATED_FILES if files is None else files:
        path = folder / name
        if not path.exists():
            print(f"note: curated file {name} not present", file=sys.stderr)
            continue
        raw = _read_text_table(path, ["model", "field", "value", "source", "status", "note"])
        for i, r in raw.iterrows():
            line = i + 2
            model, field, value = r["model"].strip(), r["field"].strip(), r["value"].strip()
            problem = "empty model" if not model else curated_problem(field, value, r["status"].strip(), accelerators, aliases)
            if problem:
                print(f"WARNING {name} row {line} ({model}/{field}): {problem}; row not used", file=sys.stderr)
                excluded.append({"origin": f"curated/{name}", "row": line, "model": model, "reason": f"{field}: {problem}"})
                continue
            note = r["note"].strip()
            if field == "accelerator" and aliases.get(value, value) != value:
                note = f"{note} [accelerator {value!r} read as {aliases[value]!r}]".strip()
                value = aliases[value]
            rows.append({
                "file": name, "line": line, "model": model, "field": field,
                "value": float(value) if field in NUMERIC_FIELDS else value,
                "source": norm_source(r["source"]) or "", "status": r["status"].strip(), "note": note,
            })
    return rows


def read_name_map(path: Path | None = None) -> dict[str, dict]:
    """Joins: our model name (or 'model|source') -> Epoch model, authors' point, timm architecture, notes."""
    path = CURATED / "name_map.csv" if path is None else path
    raw = _read_text_table(path, ["model", "epoch_model", "epoch_fields", "authors_model", "timm_arch", "timm_img_size",
                                  "note", "disagreement_note"])
    return {r["model"].strip(): {k: r[k].strip() for k in raw.columns} for _, r in raw.iterrows()}


def read_accelerators(path: Path | None = None) -> pd.DataFrame:
    """Our accelerator names -> Epoch chip row, Epoch price rows, the authors' peak, mlco2 name (one row each)."""
    path = CURATED / "accelerators.csv" if path is None else path
    raw = _read_text_table(path, ["accelerator", "manufacturer", "kind", "epoch_chip", "epoch_price_models",
                                  "authors_peak_flops", "mlco2_name", "source", "note"])
    dup = raw["accelerator"][raw["accelerator"].duplicated()]
    if len(dup):
        raise DataError(path, f"duplicate accelerator {dup.iloc[0]!r}", row=int(dup.index[0]) + 2, column="accelerator")
    bad = ~raw["kind"].isin(["gpu", "tpu", "cpu"])
    if bad.any():
        i = int(bad.idxmax())
        raise DataError(path, f"kind {raw.loc[i, 'kind']!r} not gpu|tpu|cpu", row=i + 2, column="kind")
    return raw


def read_aliases(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Spellings -> our accelerator names, split by origin ('epoch' hardware strings, 'curated' spellings)."""
    path = CURATED / "accelerator_aliases.csv" if path is None else path
    raw = _read_text_table(path, ["spelling", "accelerator", "origin", "note"])
    out: dict[str, dict[str, str]] = {"epoch": {}, "curated": {}}
    for i, r in raw.iterrows():
        if r["origin"] not in out:
            raise DataError(path, f"origin {r['origin']!r} not epoch|curated", row=i + 2, column="origin")
        out[r["origin"]][r["spelling"]] = r["accelerator"]
    return out


def read_extra_data_rules(path: Path | None = None) -> list[tuple[str | None, str | None, str, str]]:
    """(model regex, title regex, value, reason) in order; the first match wins."""
    path = CURATED / "extra_data_rules.csv" if path is None else path
    raw = _read_text_table(path, ["model_pattern", "title_pattern", "value", "reason"])
    return [(r["model_pattern"] or None, r["title_pattern"] or None, r["value"], r["reason"]) for _, r in raw.iterrows()]


def read_ensemble_rules(path: Path | None = None) -> list[tuple[str, int, str, str]]:
    """(model regex, ensemble size, source, reason): results that combine several networks."""
    path = CURATED / "ensemble_rules.csv" if path is None else path
    raw = _read_text_table(path, ["model_pattern", "ensemble_size", "source", "reason"])
    return [(r["model_pattern"], int(r["ensemble_size"]), r["source"], r["reason"]) for _, r in raw.iterrows()]


def read_uncertainty_rules(path: Path | None = None) -> dict[tuple[str, str], float]:
    """(measure, component) -> log10 standard deviation of that component."""
    path = CURATED / "uncertainty_rules.csv" if path is None else path
    raw = _read_text_table(path, ["measure", "component", "log10_sd", "when", "reason"])
    return {(r["measure"], r["component"]): float(r["log10_sd"]) for _, r in raw.iterrows()}
