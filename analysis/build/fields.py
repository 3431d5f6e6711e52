"""Per-field-group steps of the model table. Each step reads one row's inputs and fills its columns.

Every step takes the row (a dict of output columns), the curated values for the model
(``cur``: field -> curated record) and the row's note list, fills cells and appends notes; none
does I/O, so each is unit-tested on small dicts (``tests/test_build.py``). Curated values win over
derived ones, field by field.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from .common import fmt, isnum
from .hardware import peak_for_precision

__all__ = [
    "OPS_FACTOR", "TENSOR_RULE_START", "cval", "curated_note", "identity_and_accuracy", "extra_data_and_ensemble",
    "epoch_match", "params_fields", "resolution_and_gflops", "training_data", "hardware_setup", "precision_rule",
    "training_precision", "hardware_burden", "operations", "charge_ensemble", "cross_checks",
]

OPS_FACTOR = 3.0  # forward + backward ~ 3 x forward FLOPs (the paper's convention)
TENSOR_RULE_START = pd.Timestamp("2018-01-01")  # mixed precision assumed from here on for tensor-core GPUs


def cval(cur: dict, field: str):
    """The curated value of ``field`` or None."""
    return cur[field]["value"] if field in cur else None


def curated_note(cur: dict, field: str, label: str | None = None) -> str:
    """'<label> from <source> (<status>): <note>' for one curated value."""
    c = cur[field]
    text = f"{label or field} from {c['source'] or 'paper'} ({c['status']})"
    return f"{text}: {c['note']}" if c["note"] else text


def identity_and_accuracy(row: dict, cur: dict, notes: list[str]) -> None:
    """Title, date, top-1/top-5 (curated beats PwC), accuracy caveat, ReaL and V2 errors."""
    from_pwc = row["accuracy_source"] == "pwc"
    for f in ["paper_title", "publication_date"]:
        if f in cur:
            row[f] = cval(cur, f)
            if from_pwc:
                notes.append(curated_note(cur, f))
    for f in ["top1_error_pct", "top5_error_pct"]:
        if f in cur:
            if from_pwc and isnum(row[f]) and abs(row[f] - cval(cur, f)) > 1e-9:
                notes.append(f"{f}: PwC {row[f]:g} replaced by the paper value")
            row[f] = cval(cur, f)
            notes.append(curated_note(cur, f))
    if any(f in cur for f in ["top1_error_pct", "top5_error_pct"]):
        row["accuracy_source"] = "paper"
    for f in ["accuracy_caveat", "top1_error_real_pct", "top1_error_v2_pct"]:
        if f in cur:
            row[f] = cval(cur, f)
            notes.append(curated_note(cur, f))


def extra_data_and_ensemble(row: dict, cur: dict, notes: list[str], extra_rules: list, ensemble_rules: list) -> None:
    """extra_data (curated, else a name/title rule), pretrain_images, ensemble_size (curated, else a name rule, else 1)."""
    if "extra_data" in cur:
        row["extra_data"] = cval(cur, "extra_data")
        notes.append(curated_note(cur, "extra_data"))
    else:
        for mp, tp, value, reason in extra_rules:
            if (mp and re.search(mp, row["model"])) or (tp and re.search(tp, row["paper_title"] or "")):
                row["extra_data"] = value
                notes.append(f"extra data: {reason}")
                break
    if "pretrain_images" in cur:
        row["pretrain_images"] = cval(cur, "pretrain_images")
        notes.append(curated_note(cur, "pretrain_images"))
    size = None
    if "ensemble_size" in cur:
        size = int(cval(cur, "ensemble_size"))
        notes.append(curated_note(cur, "ensemble_size"))
    else:
        for pattern, m, source, reason in ensemble_rules:
            if re.search(pattern, row["model"]):
                size = m
                notes.append(f"ensemble of {m} networks ({source}: {reason})")
                break
    row["ensemble_size"] = 1 if size is None else size
    row["ensemble"] = "yes" if row["ensemble_size"] > 1 else None


def epoch_match(row: dict, nm: dict, epoch_by_name: dict, epoch_lower: dict) -> tuple[dict | None, bool]:
    """The Epoch AI row for this model (name map, else exact case-insensitive name) and whether its training
    details describe this run (``epoch_fields != compute_only``). Fills epoch_model and Epoch's compute."""
    emodel = nm.get("epoch_model") or epoch_lower.get(row["model"].lower())
    if not emodel:
        return None, False
    erow = epoch_by_name.get(emodel)
    if erow is None:
        raise KeyError(f"name_map epoch_model {emodel!r} not found in Epoch's table")
    row["epoch_model"] = emodel
    tc = erow.get("Training compute (FLOP)")
    row["epoch_training_compute_flop"] = float(tc) if pd.notna(tc) else math.nan
    return erow, (nm.get("epoch_fields") or "all") != "compute_only"


def params_fields(row: dict, cur: dict, notes: list[str], erow: dict | None) -> None:
    """Parameters: curated, else PwC (already in the row), else Epoch."""
    if "params" in cur:
        row["params"], row["params_source"] = cval(cur, "params"), "paper"
        notes.append(curated_note(cur, "params"))
    elif not isnum(row["params"]) and erow is not None and pd.notna(erow.get("Parameters")):
        row["params"], row["params_source"] = float(erow["Parameters"]), "epoch"


def resolution_and_gflops(row: dict, cur: dict, notes: list[str], nm: dict, gmacs: dict) -> None:
    """Evaluation and training resolution; forward GFLOPs (curated, else 2 x timm GMACs at the evaluation resolution)."""
    res = cval(cur, "eval_resolution")
    if res is None and nm.get("timm_img_size"):
        res = int(nm["timm_img_size"])
    row["eval_resolution_px"] = int(res) if res is not None else None
    if "train_resolution" in cur:
        row["train_resolution_px"] = int(cval(cur, "train_resolution"))
        notes.append(curated_note(cur, "train_resolution", "training resolution"))
    if "gflops_forward" in cur:
        row["gflops_forward"] = cval(cur, "gflops_forward")
        row["gflops_status"] = "reported" if cur["gflops_forward"]["status"] == "reported" else "estimated"
        notes.append(curated_note(cur, "gflops_forward"))
    elif nm.get("timm_arch") and row["eval_resolution_px"]:
        key = (nm["timm_arch"], int(row["eval_resolution_px"]))
        if key in gmacs:
            row["gflops_forward"] = round(2 * gmacs[key], 4)
            row["gflops_status"] = "estimated"
            notes.append(f"GFLOPs = 2 x timm GMACs of {key[0]} at {key[1]} px")
        else:
            row["gflops_status"] = "empty"
            notes.append(f"no timm benchmark for {key[0]} at the evaluation resolution {key[1]} px: GFLOPs left empty")
    else:
        row["gflops_status"] = "empty"


def _fill(row: dict, cur: dict, notes: list[str], erow, use_epoch: bool, pairs) -> set[str]:
    srcs = set()
    for f, ecol in pairs:
        if f in cur:
            row[f] = cval(cur, f)
            srcs.add("paper")
            notes.append(curated_note(cur, f))
        elif use_epoch and pd.notna(erow.get(ecol)):
            row[f] = float(erow[ecol])
            srcs.add("epoch")
    return srcs


def _source(srcs: set[str]) -> str:
    return "empty" if not srcs else (next(iter(srcs)) if len(srcs) == 1 else "mixed")


def training_data(row: dict, cur: dict, notes: list[str], erow, use_epoch: bool) -> None:
    """Training images and epochs (curated, else Epoch's for the same run)."""
    srcs = _fill(row, cur, notes, erow, use_epoch,
                 [("train_images", "Training dataset size (datapoints)"), ("epochs", "Epochs")])
    row["training_source"] = _source(srcs)


def hardware_setup(row: dict, cur: dict, notes: list[str], erow, use_epoch: bool, epoch_aliases: dict) -> None:
    """Accelerator, count and wall-clock hours (curated, else Epoch's 'Training hardware' mapped to our names)."""
    srcs = set()
    if "accelerator" in cur:
        row["accelerator"] = cval(cur, "accelerator")
        srcs.add("paper")
        notes.append(curated_note(cur, "accelerator"))
    elif use_epoch and isinstance(erow.get("Training hardware"), str):
        ehw = erow["Training hardware"].strip()
        if ehw in epoch_aliases:
            row["accelerator"] = epoch_aliases[ehw]
            srcs.add("epoch")
        else:
            notes.append(f"Epoch hardware {ehw!r} not mapped to one accelerator")
    srcs |= _fill(row, cur, notes, erow, use_epoch, [("accelerator_count", "Hardware quantity"), ("train_hours", "Training time (hours)")])
    row["hardware_source"] = _source(srcs)
    if erow is not None and not use_epoch:
        notes.append("Epoch's training details describe a different run; only its compute is shown")


def precision_rule(kind: str, has_tensor_16bit: bool, date: pd.Timestamp) -> str | None:
    """The precision assumed when the paper does not state one.

    TPUs: bf16 (their matrix units compute in bf16). GPUs with 16-bit tensor cores (V100 and later)
    in papers published from 2018 on: mixed precision (fp16). Other GPUs: fp32. CPUs: none.
    """
    if kind == "tpu":
        return "bf16"
    if kind == "gpu":
        return "fp16" if has_tensor_16bit and date >= TENSOR_RULE_START else "fp32"
    return None


def training_precision(row: dict, cur: dict, notes: list[str], hw: pd.DataFrame) -> None:
    """training_precision curated (source 'paper' when the paper states it, status ``reported``;
    'code' when it is read from the training configuration released with the paper, status
    ``estimated``), else :func:`precision_rule` (source 'rule')."""
    if "training_precision" in cur:
        source = "paper" if cur["training_precision"]["status"] == "reported" else "code"
        row["training_precision"], row["training_precision_source"] = cval(cur, "training_precision"), source
        notes.append(curated_note(cur, "training_precision"))
        return
    if not row["accelerator"]:
        row["training_precision_source"] = "empty"
        return
    h = hw.loc[row["accelerator"]]
    prec = precision_rule(h["kind"], isnum(h["peak_tensor_16bit_flops"]), pd.Timestamp(row["publication_date"]))
    row["training_precision"] = prec
    row["training_precision_source"] = "rule" if prec else "empty"
    # the rule's choice moves the peak only on GPUs that have a faster 16-bit rate
    row["_precision_open"] = bool(prec) and h["kind"] == "gpu" and (
        isnum(h["peak_tensor_16bit_flops"]) or isnum(h["peak_fp16_flops"]))


def _convention_peak_per_chip(h) -> float:
    """The authors' convention: FP32 for GPUs; for TPU v2/v3 their per-device peak / 4 chips; else BF16 per chip."""
    if h["kind"] == "tpu" and isnum(h["authors_peak_flops"]):
        return h["authors_peak_flops"] / 4.0
    return h["burden_peak_flops"]


def _curated_burden(row: dict, cur: dict, notes: list[str], hw: pd.DataFrame) -> None:
    """A burden total from the paper (or worked out from a printed device-time such as TPU core-days): kept;
    its precision is the run's training precision, and the authors' convention rescales it by their peak."""
    c = cur["hardware_burden_flop"]
    row["hardware_burden_flop"] = c["value"]
    row["hardware_burden_status"] = "reported" if c["status"] == "reported" else "estimated"
    notes.append(curated_note(cur, "hardware_burden_flop", "hardware burden"))
    prec = row["training_precision"]
    if row["accelerator"] and prec:
        h = hw.loc[row["accelerator"]]
        peak, _ = peak_for_precision(h, prec)
        row["hardware_burden_precision"] = prec
        conv = _convention_peak_per_chip(h)
        if isnum(peak) and isnum(conv):
            row["hardware_burden_authors_convention_flop"] = row["hardware_burden_flop"] * conv / peak
            notes.append(f"authors' convention: burden x {conv:.4g} / {peak:.4g} FLOP/s")


def hardware_burden(row: dict, cur: dict, notes: list[str], hw: pd.DataFrame) -> None:
    """Burden at the peak of the training precision, and the same devices x hours at the authors' convention."""
    if "hardware_burden_flop" in cur:
        _curated_burden(row, cur, notes, hw)
        return
    row["hardware_burden_status"] = "empty"
    if not (row["accelerator"] and isnum(row["accelerator_count"]) and isnum(row["train_hours"])):
        return
    h = hw.loc[row["accelerator"]]
    device_seconds = row["accelerator_count"] * row["train_hours"] * 3600.0
    prec = row["training_precision"]
    if not prec or not isnum(h["burden_peak_flops"]):
        notes.append(f"no peak FLOP/s for {row['accelerator']}: burden left empty")
        return
    peak, why = peak_for_precision(h, prec)
    row["hardware_burden_flop"] = peak * device_seconds
    row["hardware_burden_status"] = "estimated"
    row["hardware_burden_precision"] = prec
    conv = _convention_peak_per_chip(h)
    row["hardware_burden_authors_convention_flop"] = conv * device_seconds
    notes.append(
        f"burden = {prec} peak {peak:.4g} FLOP/s x {fmt(row['accelerator_count'])} x {fmt(row['train_hours'])} h"
        f" (inputs: {row['hardware_source']}; precision: {row['training_precision_source']}{'; ' + why if why else ''});"
        f" authors' convention {conv:.4g} FLOP/s per device"
    )


def operations(row: dict, cur: dict, notes: list[str]) -> None:
    """3 x forward FLOPs at the training resolution x images x epochs; else a reported total; else Epoch's compute."""
    if "operations_flop" in cur:
        row["operations_flop"], row["operations_status"] = cval(cur, "operations_flop"), "reported"
        notes.append(curated_note(cur, "operations_flop", "operations"))
    elif isnum(row["gflops_forward"]) and isnum(row["train_images"]) and isnum(row["epochs"]):
        g, where = row["gflops_forward"], "forward cost at the evaluation resolution"
        tr, ev = row.get("train_resolution_px"), row["eval_resolution_px"]
        if tr and ev and tr != ev:
            g = g * (tr / ev) ** 2
            where = f"forward cost scaled to the training resolution by ({tr}/{ev})^2 = {g:.4g} GFLOP"
        row["operations_flop"] = OPS_FACTOR * g * 1e9 * row["train_images"] * row["epochs"]
        row["operations_status"] = "estimated"
        notes.append(
            f"operations = 3 x {fmt(row['gflops_forward'])} GFLOP x {fmt(row['train_images'])} images x {fmt(row['epochs'])} epochs"
            f" (training inputs: {row['training_source']}; {where})"
        )
    elif isnum(row["epoch_training_compute_flop"]):
        row["operations_flop"], row["operations_status"] = row["epoch_training_compute_flop"], "epoch"
        notes.append("operations = Epoch AI training compute (our inputs incomplete)")
    else:
        row["operations_status"] = "empty"


def charge_ensemble(row: dict, notes: list[str]) -> None:
    """An ensemble of m networks carries m networks' compute (values built from one network's inputs)."""
    m = row["ensemble_size"]
    if m <= 1:
        return
    charged = []
    for col, status_col in [("operations_flop", "operations_status"), ("hardware_burden_flop", "hardware_burden_status")]:
        if row[status_col] in ("estimated", "epoch") and isnum(row[col]):
            row[col] = row[col] * m
            charged.append(col)
    if isnum(row.get("hardware_burden_authors_convention_flop")):
        row["hardware_burden_authors_convention_flop"] *= m
    if charged:
        notes.append(f"{' and '.join(charged)} charged for all {m} networks of the ensemble (one network's value x {m})")


def cross_checks(row: dict, nm: dict, authors: dict, notes: list[str]) -> None:
    """The authors' frontier point, and notes where we differ from Epoch or the authors beyond 3x.

    The authors' burden is compared with our authors'-convention column (same peaks), per network.
    """
    am = nm.get("authors_model")
    if am:
        if am not in authors:
            raise KeyError(f"name_map authors_model {am!r} not among the authors' frontier points")
        row["authors_model"] = am
        row["authors_hardware_burden_flop"] = authors[am]
    if nm.get("authors_note"):
        notes.append(nm["authors_note"])
    pairs = [("operations_flop", "epoch_training_compute_flop", "operations vs Epoch"),
             ("hardware_burden_authors_convention_flop", "authors_hardware_burden_flop", "burden (authors' convention) vs authors")]
    for ours_col, ref_col, label in pairs:
        a, b = row.get(ours_col), row.get(ref_col)
        if ours_col == "operations_flop" and row["operations_status"] == "epoch":
            continue
        if isnum(a) and isnum(b) and (a / b > 3 or b / a > 3):
            why = nm.get("disagreement_note") or "reason not established"
            notes.append(f"{label}: ratio {a / b:.3g} (beyond 3x): {why}")
