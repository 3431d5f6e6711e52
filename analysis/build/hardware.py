"""The accelerator table (``data/hardware.csv``): specs from Epoch AI's chip dataset, the authors'
peak, cross-check notes against two other public tables, and a median cloud price.

The peak used by the hardware burden depends on the precision the run trained in
(:func:`peak_for_precision`); ``burden_precision``/``burden_peak_flops`` give the authors'
convention (FP32 for GPUs, BF16 per chip for TPUs), the second burden column.
"""

from __future__ import annotations

import math

import pandas as pd

from ..validate import DataError
from .common import differs, isnum

__all__ = ["SPEC_COLUMNS", "chip_specs", "convention_peak", "peak_for_precision", "crosscheck_notes", "price_summary",
           "build_hardware"]

SPEC_COLUMNS = {
    "peak_fp32_flops": "FP32 (single precision) performance (FLOP/s)",
    "peak_fp16_flops": "FP16 (half precision) performance (FLOP/s)",
    "peak_tf32_flops": "TF32 (TensorFloat-32) performance (FLOP/s)",
    "peak_tensor_16bit_flops": "Tensor-FP16/BF16 performance (FLOP/s)",
}


def _num(x) -> float:
    return float(x) if pd.notna(x) else math.nan


def chip_specs(chips: pd.DataFrame, chip: str) -> dict:
    """Release date, peaks, TDP and spec source for one Epoch chip row (generic device when ``chip`` is empty)."""
    if not chip:
        return {"release_date": None, **{k: math.nan for k in SPEC_COLUMNS}, "tdp_w": math.nan,
                "spec_source": "none (generic device)"}
    sel = chips[chips["Hardware name"] == chip]
    if sel.empty:
        raise DataError("Chip dataset-Grid view.csv", f"Epoch chip row {chip!r} not found", column="Hardware name")
    c = sel.iloc[0]
    rd = c["Release date"]
    out = {"release_date": str(rd)[:10] if isinstance(rd, str) and rd else None}
    out |= {k: _num(c[col]) for k, col in SPEC_COLUMNS.items()}
    out |= {"tdp_w": _num(c["TDP (W)"]), "spec_source": f"Epoch AI chip dataset: {chip}"}
    return out


def convention_peak(kind: str, specs: dict) -> tuple[str | None, float]:
    """The authors' convention: FP32 peak for GPUs, BF16 peak per chip for TPUs, none for CPUs."""
    if kind == "gpu" and isnum(specs["peak_fp32_flops"]):
        return "fp32", specs["peak_fp32_flops"]
    if kind == "tpu" and isnum(specs["peak_tensor_16bit_flops"]):
        return "bf16", specs["peak_tensor_16bit_flops"]
    return None, math.nan


def peak_for_precision(hw_row, precision: str) -> tuple[float, str]:
    """Peak FLOP/s of one device for a run in ``precision``, and a note when a fallback was used.

    fp32 -> FP32 peak; tf32 -> TF32 tensor peak (A100 and later), else FP32; fp16/bf16 -> the
    16-bit tensor peak (V100 and later, TPUs), else the plain FP16 peak (e.g. P100), else FP32
    (devices without fast half precision compute 16-bit data at the FP32 rate).
    """
    fp32 = hw_row["peak_fp32_flops"]
    if precision == "fp32":
        return fp32, ""
    if precision == "tf32":
        if isnum(hw_row["peak_tf32_flops"]):
            return hw_row["peak_tf32_flops"], ""
        return fp32, "no TF32 on this device: FP32 peak"
    if precision in ("fp16", "bf16"):
        if isnum(hw_row["peak_tensor_16bit_flops"]):
            return hw_row["peak_tensor_16bit_flops"], ""
        if isnum(hw_row["peak_fp16_flops"]):
            return hw_row["peak_fp16_flops"], "no 16-bit tensor cores: plain FP16 peak"
        return fp32, "no fast 16-bit arithmetic on this device: FP32 peak"
    raise ValueError(f"unknown precision {precision!r}")


def crosscheck_notes(rec: dict, kind: str, chip: str, mlco2_name: str, ml_hardware: pd.DataFrame,
                     mlco2: pd.DataFrame) -> list[str]:
    """Disagreements (>5%) with Epoch's ml_hardware.csv and mlco2's gpus.csv; fills a missing TDP (said in the note)."""
    notes = []
    mrow = ml_hardware[ml_hardware["Hardware name"] == chip] if chip else ml_hardware.iloc[0:0]
    if len(mrow):
        m = mrow.iloc[0]
        for key, label in [("peak_fp32_flops", "FP32"), ("peak_tensor_16bit_flops", "tensor 16-bit")]:
            theirs = _num(m[SPEC_COLUMNS[key]])
            if differs(rec[key], theirs):
                notes.append(f"ml_hardware.csv gives {label} {theirs:.4g} FLOP/s")
        mt = _num(m["TDP (W)"])
        if not isnum(rec["tdp_w"]) and isnum(mt):
            rec["tdp_w"] = mt
            notes.append("TDP from Epoch ml_hardware.csv (chip dataset has none)")
        elif differs(rec["tdp_w"], mt):
            notes.append(f"ml_hardware.csv gives TDP {mt:g} W")
    if mlco2_name:
        crow = mlco2[mlco2["name"].str.strip() == mlco2_name]
        if len(crow):
            cr = crow.iloc[0]
            ct = _num(cr["tdp_watts"])
            if differs(rec["tdp_w"], ct):
                notes.append(f"mlco2 gpus.csv gives TDP {ct:g} W")
            c32 = pd.to_numeric(cr["TFLOPS32"], errors="coerce") * 1e12
            if kind == "gpu" and differs(rec["peak_fp32_flops"], c32):
                notes.append(f"mlco2 gpus.csv gives FP32 {c32:.4g} FLOP/s")
    return notes


def price_summary(prices: pd.DataFrame, price_names: list[str]) -> dict:
    """Median on-demand price per device-hour over Epoch's price rows for these device names."""
    sel = prices[prices["Hardware model"].isin(price_names)] if price_names else prices.iloc[0:0]
    od = sel.dropna(subset=["Price per chip-hour (on-demand)"])
    if not len(od):
        return {"cloud_price_usd_per_hour": math.nan, "cloud_price_n": 0, "cloud_price_first_date": None,
                "cloud_price_last_date": None, "price_source": None}
    dates = od["Price date"].astype(str).str[:10]
    return {
        "cloud_price_usd_per_hour": round(float(od["Price per chip-hour (on-demand)"].median()), 4),
        "cloud_price_n": int(len(od)),
        "cloud_price_first_date": dates.min(), "cloud_price_last_date": dates.max(),
        "price_source": "Epoch AI Hardware prices.csv, on-demand price per chip-hour, rows for " + " | ".join(sorted(set(od["Hardware model"]))),
    }


def build_hardware(up: dict, accelerators: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per accelerator of ``data/curated/accelerators.csv``, columns in ``columns`` order."""
    rows = []
    for _, a in accelerators.iterrows():
        rec = {"accelerator": a["accelerator"], "manufacturer": a["manufacturer"], "kind": a["kind"]}
        rec |= chip_specs(up["chips"], a["epoch_chip"])
        rec["burden_precision"], rec["burden_peak_flops"] = convention_peak(a["kind"], rec)
        rec["authors_peak_flops"] = float(a["authors_peak_flops"]) if a["authors_peak_flops"] else math.nan
        notes = [a["note"]] if a["note"] else []
        notes += crosscheck_notes(rec, a["kind"], a["epoch_chip"], a["mlco2_name"], up["ml_hardware"], up["mlco2"])
        prices = [p for p in a["epoch_price_models"].split("|") if p]
        rec |= price_summary(up["prices"], prices)
        rec["notes"] = "; ".join(notes)
        rows.append(rec)
    return pd.DataFrame(rows)[columns].sort_values("accelerator").reset_index(drop=True)
