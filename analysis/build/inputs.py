"""Inputs of the build: upstream public files (read-only) and the curated tables in ``data/curated/``.

Curated paper values are long format (``model,field,value,source,status,note``). Files are read in
precedence order (:data:`CURATED_FILES`: the first file that gives a field for a model wins). A
curated row that breaks a rule is not used: it is returned in the exclusion list with the reason
(file, line, model, field), and the build writes that list to ``data/imagenet_excluded.csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from .. import tables
from ..cells import check_cell
from ..validate import DataError, check_table, find_resource
from .common import norm_source

__all__ = [
    "CURATED", "CURATED_FILES", "CURATED_FIELDS", "NUMERIC_FIELDS", "PRECISIONS", "UPSTREAM_FILES",
    "read_upstream", "curated_problem", "read_curated", "read_name_map", "read_accelerators",
    "read_aliases", "read_extra_data_rules", "read_ensemble_rules", "read_uncertainty_rules",
]

CURATED = tables.CURATED
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


def _read_text_table(path: Path, resource: str) -> pd.DataFrame:
    """A curated table as text ("" when empty), after the schema check of ``data/datapackage.json``."""
    tables.load_curated(resource, path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _target_fields() -> dict[str, dict]:
    spec = find_resource(CURATED_FILES[0].removesuffix(".csv"))["schema"]["x-target"]
    fields = {f["name"]: f for f in find_resource(spec["resource"])["schema"]["fields"]}
    return {name: fields[spec["rename"].get(name, name)] for name in CURATED_FIELDS}


def curated_problem(field: str, value: str, status: str, accelerators: set[str], aliases: dict[str, str]) -> str | None:
    """Why one curated value cannot be used, or None when it can (no I/O but the schema).

    The value is checked against the schema of the ``imagenet_models`` column it fills (the
    ``x-target`` of the paper-values tables in ``data/datapackage.json``); an accelerator must name
    a row of the accelerator table after the curated spellings are mapped.
    """
    targets = _target_fields()
    if field not in targets:
        return f"unknown field {field!r}"
    if value == "":
        return "empty value"
    if status not in ("reported", "estimated"):
        return f"status {status!r} not one of reported, estimated"
    spec = {**targets[field], "constraints": {k: v for k, v in targets[field].get("constraints", {}).items()
                                               if k != "required"}}
    _, problem = check_cell(spec, value)
    if problem:
        return problem
    if field == "accelerator" and aliases.get(value, value) not in accelerators:
        return f"accelerator {value!r} not in the hardware table"
    return None


def read_curated(excluded: list[dict], accelerators: set[str], aliases: dict[str, str],
                 folder: Path | None = None, files: list[str] | None = None) -> list[dict]:
    """All usable curated values, in precedence order; unusable rows are appended to ``excluded``.

    A file that is not a well-formed table (header, delimiter, encoding, blank or ragged lines)
    raises :class:`DataError`; a row whose value breaks a rule is excluded with the reason.
    """
    folder = CURATED if folder is None else Path(folder)
    res = find_resource(CURATED_FILES[0].removesuffix(".csv"))
    rows: list[dict] = []
    for name in CURATED_FILES if files is None else files:
        path = folder / name
        if not path.exists():
            print(f"note: curated file {name} not present", file=sys.stderr)
            continue
        table = check_table(path, res)
        data_lines = set(table.lines)
        structural = [p for p in table.problems if p.row not in data_lines]  # header, blank or ragged lines
        if structural:
            raise structural[0].error(structural)
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        for (i, r), line in zip(raw.iterrows(), table.lines):
            model, field, value = r["model"].strip(), r["field"].strip(), r["value"].strip()
            problem = "empty model" if not model else curated_problem(field, value, r["status"].strip(), accelerators,
                                                                      aliases)
            problem = problem or next((p.rule for p in table.problems if p.row == line), None)
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
    raw = _read_text_table(path, "name_map")
    return {r["model"].strip(): {k: r[k].strip() for k in raw.columns} for _, r in raw.iterrows()}


def read_accelerators(path: Path | None = None) -> pd.DataFrame:
    """Our accelerator names -> Epoch chip row, Epoch price rows, the authors' peak, mlco2 name (one row each)."""
    path = CURATED / "accelerators.csv" if path is None else path
    return _read_text_table(path, "accelerators")


def read_aliases(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Spellings -> our accelerator names, split by origin ('epoch' hardware strings, 'curated' spellings)."""
    path = CURATED / "accelerator_aliases.csv" if path is None else path
    raw = _read_text_table(path, "accelerator_aliases")
    out: dict[str, dict[str, str]] = {"epoch": {}, "curated": {}}
    for _, r in raw.iterrows():
        out[r["origin"]][r["spelling"]] = r["accelerator"]
    return out


def read_extra_data_rules(path: Path | None = None) -> list[tuple[str | None, str | None, str, str]]:
    """(model regex, title regex, value, reason) in order; the first match wins."""
    path = CURATED / "extra_data_rules.csv" if path is None else path
    raw = _read_text_table(path, "extra_data_rules")
    return [(r["model_pattern"] or None, r["title_pattern"] or None, r["value"], r["reason"]) for _, r in raw.iterrows()]


def read_ensemble_rules(path: Path | None = None) -> list[tuple[str, int, str, str]]:
    """(model regex, ensemble size, source, reason): results that combine several networks."""
    path = CURATED / "ensemble_rules.csv" if path is None else path
    raw = _read_text_table(path, "ensemble_rules")
    return [(r["model_pattern"], int(r["ensemble_size"]), r["source"], r["reason"]) for _, r in raw.iterrows()]


def read_uncertainty_rules(path: Path | None = None) -> dict[tuple[str, str], float]:
    """(measure, component) -> log10 standard deviation of that component."""
    path = CURATED / "uncertainty_rules.csv" if path is None else path
    raw = _read_text_table(path, "uncertainty_rules")
    return {(r["measure"], r["component"]): float(r["log10_sd"]) for _, r in raw.iterrows()}
