"""Rebuild data/imagenet_models.csv, data/hardware.csv and data/imagenet_excluded.csv.

Inputs (read-only):

* upstream public files in ``--upstream`` (default ``analysis.paths.shared_data_sources()``):
  Papers with Code 2020 ImageNet table, Epoch AI models / chips / hardware prices, timm results and
  inference benchmark, the authors' public frontier points;
* curated files in ``data/curated/``: ``name_map.csv`` (joins), and the long-format paper values
  ``paper_values_recent.csv`` and ``paper_values_training.csv`` (D2) and ``paper_values_d1.csv``
  (this file's owner). A curated value beats a derived one.

Output is deterministic (sorted rows, fixed float formatting) and is validated against the schema in
``data/datapackage.json`` before it is written. ``--check`` rebuilds in memory and diffs against the
committed files (exit 1 on any difference).

Usage: python scripts/build_data.py [--upstream PATH] [--check]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import math
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import evidence, paths  # noqa: E402
from analysis.validate import DataError  # noqa: E402

CURATED = paths.DATA / "curated"
CURATED_FILES = ["paper_values_recent.csv", "paper_values_training.csv", "paper_values_families.csv", "paper_values_d1.csv"]  # precedence order
CURATED_FIELDS = {
    "paper_title", "source", "publication_date", "top1_error_pct", "top5_error_pct", "accuracy_caveat",
    "extra_data", "params",
    "gflops_forward", "eval_resolution", "train_images", "epochs", "accelerator", "accelerator_count",
    "train_hours", "operations_flop", "hardware_burden_flop",
}
NUMERIC_FIELDS = {
    "top1_error_pct", "top5_error_pct", "params", "gflops_forward", "eval_resolution", "train_images", "epochs",
    "accelerator_count", "train_hours", "operations_flop", "hardware_burden_flop",
}
OUT_MODELS = "imagenet_models.csv"
OUT_HARDWARE = "hardware.csv"
OUT_EXCLUDED = "imagenet_excluded.csv"
EXCLUDED_COLUMNS = ["origin", "row", "model", "reason"]
OPS_FACTOR = 3.0  # forward + backward ~ 3 x forward FLOPs (the paper's convention)

# --------------------------------------------------------------------------------------------
# Accelerators: our name -> Epoch chip row (specs), Epoch price rows, authors' peak (FLOP/s)
# --------------------------------------------------------------------------------------------
HARDWARE = {
    # name: (manufacturer, kind, epoch chip name, [epoch price model names], authors peak, note)
    "GTX 580": ("NVIDIA", "gpu", "NVIDIA GeForce GTX 580", ["NVIDIA GeForce GTX 580"], 1581.1e9, ""),
    "GTX Titan Black": ("NVIDIA", "gpu", "NVIDIA GTX Titan Black", [], None, "name used by Epoch for VGG"),
    "GTX Titan": ("NVIDIA", "gpu", "NVIDIA GeForce GTX TITAN", [], None, "name used by Epoch for SPPNet"),
    "GTX 1080 Ti": ("NVIDIA", "gpu", "NVIDIA GeForce GTX 1080 Ti", ["NVIDIA GeForce GTX 1080 Ti"], None, ""),
    "GTX Titan X": ("NVIDIA", "gpu", "NVIDIA GeForce GTX TITAN X", [], None, "Maxwell GTX Titan X (2015)"),
    "Titan X (Pascal)": ("NVIDIA", "gpu", "NVIDIA TITAN X Pascal", [], None, ""),
    "Titan Xp": ("NVIDIA", "gpu", "NVIDIA TITAN Xp", [], None, ""),
    "K40": ("NVIDIA", "gpu", "NVIDIA Tesla K40s", ["NVIDIA Tesla K40s", "NVIDIA Tesla K40t", "NVIDIA Tesla K40m"], None, "Epoch K40 variants share the 5.046 TFLOP/s FP32 peak"),
    "K80": ("NVIDIA", "gpu", "NVIDIA Tesla K80", ["NVIDIA Tesla K80"], None, "peak is per K80 board (two GK210 GPUs); papers that count each GK210 as a GPU are over-counted by 2x in burden"),
    "M40": ("NVIDIA", "gpu", "NVIDIA Tesla M40", ["NVIDIA Tesla M40", "NVIDIA M40"], None, ""),
    "P100 PCIe": ("NVIDIA", "gpu", "NVIDIA Tesla P100 PCIe 16GB", ["NVIDIA Tesla P100 PCIe 16GB", "NVIDIA Tesla P100 PCIe 12GB"], 9526e9, ""),
    "P100 SXM2": ("NVIDIA", "gpu", "NVIDIA Tesla P100 SXM2", ["NVIDIA Tesla P100 SXM2"], 10610e9, ""),
    "V100 PCIe": ("NVIDIA", "gpu", "NVIDIA Tesla V100 PCIe 16 GB", ["NVIDIA Tesla V100 PCIe 16 GB", "NVIDIA Tesla V100 PCIe 32 GB"], 14130e9, ""),
    "V100 SXM2": ("NVIDIA", "gpu", "NVIDIA Tesla V100 SXM2", ["NVIDIA Tesla V100 SXM2", "NVIDIA Tesla V100 SXM2 32 GB", "NVIDIA Tesla V100 DGXS 16 GB", "NVIDIA Tesla V100 DGXS 32 GB"], 15670e9, "DGXS (DGX Station) V100 prices counted with SXM2"),
    "Tesla V100 (unspecified)": ("NVIDIA", "gpu", "NVIDIA V100", ["NVIDIA V100"], None, "V100 whose form factor the source does not give; Epoch's generic 'NVIDIA V100' row (SXM2 peak 15.67 TFLOP/s FP32)"),
    "A100 SXM4 40GB": ("NVIDIA", "gpu", "NVIDIA A100 SXM4 40 GB", ["NVIDIA A100 SXM4 40 GB"], None, ""),
    "A100 SXM4 80GB": ("NVIDIA", "gpu", "NVIDIA A100 SXM4 80 GB", ["NVIDIA A100 SXM4 80 GB"], None, ""),
    "H100 SXM5": ("NVIDIA", "gpu", "NVIDIA H100 SXM5 80GB", ["NVIDIA H100 SXM5 80GB"], None, ""),
    "TPU v2": ("Google", "tpu", "Google TPU v2", ["Google TPU v2"], 180e12, "per chip; the authors' 180 TFLOP/s is per Cloud TPU v2 device of 4 chips"),
    "TPU v3": ("Google", "tpu", "Google TPU v3", ["Google TPU v3"], 420e12, "per chip; the authors' 420 TFLOP/s is per Cloud TPU v3 device of 4 chips"),
    "TPU v4": ("Google", "tpu", "Google TPU v4", ["Google TPU v4"], None, "per chip"),
    "TPU v5e": ("Google", "tpu", "Google TPU v5e", ["Google TPU v5e"], None, "per chip"),
    "TPU v5p": ("Google", "tpu", "Google TPU v5p", ["Google TPU v5p"], None, "per chip"),
    "P100 (unspecified)": ("NVIDIA", "gpu", "NVIDIA P100", ["NVIDIA P100"], None, "P100 whose form factor the source does not give (name used in the curated training file); Epoch's generic 'NVIDIA P100' row"),
    "NVIDIA Kepler GPU (unspecified)": ("NVIDIA", "gpu", "", [], None, "Kepler-generation GPU not named further (name used in the curated training file): no single peak, so no burden"),
    "CPU": ("various", "cpu", "", [], None, "generic CPU: no single peak, so no hardware burden is computed"),
}
# Our names -> mlco2 gpus.csv names (cross-check only; that file is hand-entered and has known errors)
MLCO2_NAMES = {
    "GTX 1080 Ti": "GTX 1080 Ti", "GTX Titan X": "GTX TITAN X", "Titan X (Pascal)": "TITAN X Pascal", "Titan Xp": "Titan Xp",
    "K40": "Tesla K40c", "K80": "Tesla K80", "M40": "Tesla M40 24GB", "P100 PCIe": "Tesla P100",
    "V100 PCIe": "Tesla V100-PCIE-16GB", "V100 SXM2": "Tesla V100-SXM2-16GB", "A100 SXM4 80GB": "A100 SXM4 80 GB",
    "H100 SXM5": "H100 SXM", "TPU v2": "TPUv2 Chip", "TPU v3": "TPUv3 Chip",
}


def _differs(a, b, tol=0.05) -> bool:
    return isnum(a) and isnum(b) and abs(a - b) > tol * max(abs(a), abs(b))


# Epoch 'Training hardware' strings -> our accelerator names
EPOCH_HARDWARE = {
    "NVIDIA GeForce GTX 580": "GTX 580",
    "NVIDIA GTX Titan Black": "GTX Titan Black",
    "NVIDIA GeForce GTX TITAN": "GTX Titan",
    "NVIDIA GeForce GTX TITAN X": "GTX Titan X",
    "NVIDIA GeForce GTX 1080 Ti": "GTX 1080 Ti",
    "NVIDIA TITAN Xp": "Titan Xp",
    "NVIDIA Tesla K40s": "K40",
    "NVIDIA Tesla K40t": "K40",
    "NVIDIA Tesla K80": "K80",
    "NVIDIA M40": "M40",
    "NVIDIA Tesla M40": "M40",
    "NVIDIA V100": "Tesla V100 (unspecified)",
    "NVIDIA Tesla V100 DGXS 32 GB": "Tesla V100 (unspecified)",
    "NVIDIA A100 SXM4 40 GB": "A100 SXM4 40GB",
    "NVIDIA A100 SXM4 80 GB": "A100 SXM4 80GB",
    "NVIDIA H100 SXM5 80GB": "H100 SXM5",
    "Google TPU v2": "TPU v2",
    "Google TPU v3": "TPU v3",
    "Google TPU v4": "TPU v4",
    "Google TPU v5e": "TPU v5e",
    "Google TPU v5p": "TPU v5p",
}

# Accelerator spellings in curated files -> our names (recorded in the row's note)
ACCEL_ALIASES = {
    "GeForce GTX Titan": "GTX Titan",
    "NVIDIA GeForce GTX Titan": "GTX Titan",
    "GTX TITAN X": "GTX Titan X",
    "GeForce GTX Titan X": "GTX Titan X",
    "GeForce GTX 580": "GTX 580",
    "GTX Titan Black": "GTX Titan Black",
    "GeForce GTX Titan Black": "GTX Titan Black",
}

# Extra training data, flagged only where the model name or paper makes it clear.
# (pattern on model name, pattern on paper title, value, reason)
EXTRA_DATA_RULES = [
    (r"^AlexNet - 7CNNs$", None, "ImageNet Fall 2011 (~15M images)", "the 7-CNN entry includes two nets pre-trained on the full ImageNet Fall 2011 release (AlexNet paper, Table 2)"),
    (r"NoisyStudent", None, "JFT-300M", "Noisy Student self-training uses unlabeled JFT-300M images"),
    (r"^FixEfficientNet-L2$", None, "JFT-300M", "EfficientNet-L2 exists only as a Noisy Student (JFT-300M) model"),
    (r"^BiT-L", None, "JFT-300M", "BiT-L is pre-trained on JFT-300M"),
    (r"^BiT-M", None, "ImageNet-21k", "BiT-M is pre-trained on ImageNet-21k"),
    (r"JFT-300M", None, "JFT-300M", "model name says JFT-300M"),
    (None, r"^Exploring the Limits of Weakly Supervised Pretraining$", "Instagram (hashtag-labelled, up to 3.5B images)", "weakly supervised Instagram pre-training (paper title)"),
    (r"^FixResNeXt-101 32x48d$", None, "Instagram (hashtag-labelled, up to 3.5B images)", "FixRes fine-tuning of the Instagram-pre-trained ResNeXt-101 32x48d"),
    (None, r"^Billion-scale semi-supervised learning", "Instagram/YFCC (up to 1B images)", "billion-scale semi(-weakly)-supervised pre-training (paper title)"),
    (r"^FixResNet-50 Billion$", None, "Instagram/YFCC (up to 1B images)", "FixRes applied to the billion-scale semi-supervised ResNet-50"),
]
ENSEMBLE_RULE = re.compile(r"ensemble|7CNNs|7 accurate models|Five Base \+ Five HiRes", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def fmt(value) -> str:
    """Fixed, deterministic text for a cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    if isinstance(value, int):
        return str(value)
    return str(value)


def norm_source(url: str | None) -> str | None:
    if url is None or (isinstance(url, float) and math.isnan(url)) or str(url).strip() == "":
        return None
    url = str(url).strip()
    m = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url, re.IGNORECASE) or re.match(r"^arXiv:(\d{4}\.\d{4,5})", url, re.IGNORECASE)
    if m:
        return f"arXiv:{m.group(1)}"
    if url.lower().startswith("doi:"):
        return "doi:" + url[4:]
    m = re.match(r"^https?://(?:dx\.)?doi\.org/(10\..+)$", url)
    if m:
        return f"doi:{m.group(1)}"
    return url


def pct(text) -> float:
    text = str(text).strip()
    if not text or text.lower() == "nan":
        return math.nan
    return float(text.rstrip("%"))


def parse_params(text) -> tuple[float, str]:
    """PwC 'Number of params' like '480M', '25.58M', '4.0' -> (count, note)."""
    text = str(text).strip()
    if not text or text.lower() == "nan":
        return math.nan, ""
    m = re.match(r"^([0-9.]+)\s*([MBK])$", text, re.IGNORECASE)
    if not m:
        return math.nan, f"PwC params {text!r} has no unit, left empty"
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}[m.group(2).upper()]
    return round(float(m.group(1)) * scale), ""


def err_from_acc(acc: float) -> float:
    return math.nan if math.isnan(acc) else round(100.0 - acc, 6)


def isnum(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


# --------------------------------------------------------------------------------------------
# upstream readers
# --------------------------------------------------------------------------------------------
def read_upstream(up: Path) -> dict:
    def need(rel: str) -> Path:
        p = up / rel
        if not p.exists():
            raise SystemExit(f"upstream file missing: {p}")
        return p

    return {
        "pwc": pd.read_csv(need("pwc-imagenet-2020/pwc_imagenet_image_classification.csv"), dtype=str, keep_default_na=False),
        "epoch": pd.read_csv(need("epoch-training-cost-trends/All ML Systems - full view.csv")),
        "chips": pd.read_csv(need("epoch-training-cost-trends/Chip dataset-Grid view.csv")),
        "prices": pd.read_csv(need("epoch-training-cost-trends/Hardware prices.csv")),
        "timm_bench": pd.read_csv(need("timm-results/benchmark-infer-amp-nchw-pt291-cu130-5090.csv")),
        "frontier": pd.read_csv(need("computerprogress-site/frontier_points_2021.csv")),
        "ml_hardware": pd.read_csv(need("epoch-ml-hardware/ml_hardware.csv")),
        "mlco2": pd.read_csv(need("mlco2-impact/gpus.csv"), skipinitialspace=True),
    }


def read_curated(excluded: list[dict]) -> list[dict]:
    """All valid curated rows, in precedence order; invalid rows go to the exclusion list (loudly)."""
    rows: list[dict] = []
    for name in CURATED_FILES:
        path = CURATED / name
        if not path.exists():
            print(f"note: curated file {name} not present (yet)", file=sys.stderr)
            continue
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in ["model", "field", "value", "source", "status", "note"] if c not in raw.columns]
        if missing:
            raise DataError(path, f"missing column(s) {missing}", column=missing[0])
        for i, r in raw.iterrows():
            line = i + 2
            model, field, value = r["model"].strip(), r["field"].strip(), r["value"].strip()
            problem = None
            if not model:
                problem = "empty model"
            elif field not in CURATED_FIELDS:
                problem = f"unknown field {field!r}"
            elif value == "":
                problem = "empty value"
            elif r["status"].strip() not in ("reported", "estimated"):
                problem = f"status {r['status']!r} not reported|estimated"
            elif field in NUMERIC_FIELDS:
                try:
                    v = float(value)
                    if not math.isfinite(v) or v <= 0:
                        problem = f"value {value!r} not a positive number"
                except ValueError:
                    problem = f"value {value!r} not numeric"
            elif field == "publication_date":
                try:
                    pd.Timestamp(value)
                except ValueError:
                    problem = f"publication_date {value!r} not a date"
            elif field == "accelerator" and ACCEL_ALIASES.get(value, value) not in HARDWARE:
                problem = f"accelerator {value!r} not in the hardware table"
            if problem:
                print(f"WARNING {name} row {line} ({model}/{field}): {problem}; row not used", file=sys.stderr)
                excluded.append({"origin": f"curated/{name}", "row": line, "model": model, "reason": f"{field}: {problem}"})
                continue
            note = r["note"].strip()
            if field == "accelerator" and value in ACCEL_ALIASES and ACCEL_ALIASES[value] != value:
                note = f"{note} [accelerator {value!r} read as {ACCEL_ALIASES[value]!r}]".strip()
                value = ACCEL_ALIASES[value]
            rows.append({
                "file": name, "line": line, "model": model, "field": field,
                "value": float(value) if field in NUMERIC_FIELDS else value,
                "source": norm_source(r["source"]) or "", "status": r["status"].strip(),
                "note": note,
            })
    return rows


def read_name_map() -> dict[str, dict]:
    path = CURATED / "name_map.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = {}
    for _, r in raw.iterrows():
        out[r["model"].strip()] = {k: r[k].strip() for k in raw.columns}
    return out


# --------------------------------------------------------------------------------------------
# hardware table
# --------------------------------------------------------------------------------------------
def build_hardware(up: dict) -> pd.DataFrame:
    chips = up["chips"].set_index("Hardware name")
    prices = up["prices"]
    rows = []
    for name, (maker, kind, chip, price_names, authors_peak, note) in HARDWARE.items():
        notes = [note] if note else []
        rec = {"accelerator": name, "manufacturer": maker, "kind": kind}
        if chip:
            if chip not in chips.index:
                raise SystemExit(f"Epoch chip row {chip!r} not found")
            c = chips.loc[chip]
            if isinstance(c, pd.DataFrame):
                c = c.iloc[0]
            rd = c["Release date"]
            rec["release_date"] = str(rd)[:10] if isinstance(rd, str) and rd else None
            fp32 = c["FP32 (single precision) performance (FLOP/s)"]
            t16 = c["Tensor-FP16/BF16 performance (FLOP/s)"]
            rec["peak_fp32_flops"] = float(fp32) if pd.notna(fp32) else math.nan
            rec["peak_tensor_16bit_flops"] = float(t16) if pd.notna(t16) else math.nan
            rec["tdp_w"] = float(c["TDP (W)"]) if pd.notna(c["TDP (W)"]) else math.nan
            rec["spec_source"] = f"Epoch AI chip dataset: {chip}"
        else:
            rec.update(release_date=None, peak_fp32_flops=math.nan, peak_tensor_16bit_flops=math.nan, tdp_w=math.nan,
                       spec_source="none (generic device)")
        if kind == "gpu" and isnum(rec["peak_fp32_flops"]):
            rec["burden_precision"], rec["burden_peak_flops"] = "fp32", rec["peak_fp32_flops"]
        elif kind == "tpu" and isnum(rec["peak_tensor_16bit_flops"]):
            rec["burden_precision"], rec["burden_peak_flops"] = "bf16", rec["peak_tensor_16bit_flops"]
        else:
            rec["burden_precision"], rec["burden_peak_flops"] = None, math.nan
        rec["authors_peak_flops"] = authors_peak if authors_peak else math.nan
        # cross-checks against Epoch's ml_hardware.csv (same chip names) and mlco2's gpus.csv
        mlh = up["ml_hardware"]
        mrow = mlh[mlh["Hardware name"] == chip] if chip else mlh.iloc[0:0]
        if len(mrow):
            m = mrow.iloc[0]
            for col, label in [("FP32 (single precision) performance (FLOP/s)", "FP32"),
                               ("Tensor-FP16/BF16 performance (FLOP/s)", "tensor 16-bit")]:
                ours = rec["peak_fp32_flops"] if label == "FP32" else rec["peak_tensor_16bit_flops"]
                if _differs(ours, float(m[col]) if pd.notna(m[col]) else math.nan):
                    notes.append(f"ml_hardware.csv gives {label} {float(m[col]):.4g} FLOP/s")
            mt = float(m["TDP (W)"]) if pd.notna(m["TDP (W)"]) else math.nan
            if not isnum(rec["tdp_w"]) and isnum(mt):
                rec["tdp_w"] = mt
                notes.append("TDP from Epoch ml_hardware.csv (chip dataset has none)")
            elif _differs(rec["tdp_w"], mt):
                notes.append(f"ml_hardware.csv gives TDP {mt:g} W")
        mc = up["mlco2"]
        if name in MLCO2_NAMES:
            crow = mc[mc["name"].str.strip() == MLCO2_NAMES[name]]
            if len(crow):
                cr = crow.iloc[0]
                ct = float(cr["tdp_watts"]) if pd.notna(cr["tdp_watts"]) else math.nan
                if _differs(rec["tdp_w"], ct):
                    notes.append(f"mlco2 gpus.csv gives TDP {ct:g} W")
                c32 = pd.to_numeric(cr["TFLOPS32"], errors="coerce") * 1e12
                if kind == "gpu" and _differs(rec["peak_fp32_flops"], c32):
                    notes.append(f"mlco2 gpus.csv gives FP32 {c32:.4g} FLOP/s")
        sel = prices[prices["Hardware model"].isin(price_names)] if price_names else prices.iloc[0:0]
        od = sel.dropna(subset=["Price per chip-hour (on-demand)"])
        if len(od):
            rec["cloud_price_usd_per_hour"] = round(float(od["Price per chip-hour (on-demand)"].median()), 4)
            rec["cloud_price_n"] = int(len(od))
            dates = od["Price date"].astype(str).str[:10]
            rec["cloud_price_first_date"], rec["cloud_price_last_date"] = dates.min(), dates.max()
            rec["price_source"] = "Epoch AI Hardware prices.csv, on-demand price per chip-hour, rows for " + " | ".join(sorted(set(od["Hardware model"])))
        else:
            rec.update(cloud_price_usd_per_hour=math.nan, cloud_price_n=0, cloud_price_first_date=None, cloud_price_last_date=None,
                       price_source=None)
        rec["notes"] = "; ".join(notes)
        rows.append(rec)
    cols = evidence.column_names("hardware")
    return pd.DataFrame(rows)[cols].sort_values("accelerator").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# model table
# --------------------------------------------------------------------------------------------
def empty_row() -> dict:
    return {c: None for c in evidence.column_names("imagenet_models")} | {"_notes": []}


def pwc_rows(pwc: pd.DataFrame, excluded: list[dict]) -> list[dict]:
    out = []
    for i, r in pwc.iterrows():
        model = r["model_name"].strip()
        top1 = pct(r["top1_accuracy"])
        src = norm_source(r["paper_url"])
        if math.isnan(top1) or src is None:
            reason = "no top-1 accuracy" if math.isnan(top1) else "no paper/source"
            excluded.append({"origin": "pwc_imagenet_image_classification.csv", "row": i + 2, "model": model, "reason": reason})
            continue
        row = empty_row()
        params, pnote = parse_params(r["number_of_params"])
        row.update(
            model=model, paper_title=r["paper_title"].strip(), source=src, publication_date=r["paper_date"].strip(),
            top1_error_pct=err_from_acc(top1), top5_error_pct=err_from_acc(pct(r["top5_accuracy"])),
            accuracy_source="pwc", params=params, params_source="pwc" if isnum(params) else "empty",
        )
        if pnote:
            row["_notes"].append(pnote)
        if model != r["model_name"]:
            row["_notes"].append("PwC name had surrounding whitespace (trimmed)")
        out.append(row)
    return out


def find_rows(rows: list[dict], model: str, source: str) -> list[dict]:
    named = [r for r in rows if r["model"] == model]
    if len(named) <= 1:
        return named
    return [r for r in named if r["source"] == source]


def apply_curated(rows: list[dict], curated: list[dict], excluded: list[dict]) -> None:
    # group by model (+ the row's canonical source, when given as a field)
    by_model: dict[str, list[dict]] = {}
    for c in curated:
        by_model.setdefault(c["model"], []).append(c)
    for model, items in by_model.items():
        src_field = next((c for c in items if c["field"] == "source"), None)
        key_source = norm_source(src_field["value"]) if src_field else (items[0]["source"] or None)
        targets = find_rows(rows, model, key_source)
        if not targets:
            fields = {c["field"]: c for c in items}
            need = ["source", "publication_date", "top1_error_pct", "paper_title"]
            lacking = [f for f in need if f not in fields]
            if lacking:
                excluded.append({"origin": f"curated/{items[0]['file']}", "row": items[0]["line"], "model": model,
                                 "reason": f"new model lacks {', '.join(lacking)}"})
                print(f"WARNING curated model {model!r} not in PwC and lacks {lacking}; not added", file=sys.stderr)
                continue
            row = empty_row()
            row.update(model=model, source=norm_source(fields["source"]["value"]), accuracy_source="paper",
                       params_source="empty")
            rows.append(row)
            targets = [row]
        for row in targets:
            seen: set[str] = set()
            for c in items:  # precedence: first file wins
                f = c["field"]
                if f in seen:
                    row["_notes"].append(f"{f}: also given in {c['file']} row {c['line']} (ignored)")
                    continue
                seen.add(f)
                row.setdefault("_curated", {})[f] = c


def build_models(up: dict, curated: list[dict], name_map: dict, hardware: pd.DataFrame, excluded: list[dict]) -> pd.DataFrame:
    rows = pwc_rows(up["pwc"], excluded)
    apply_curated(rows, curated, excluded)

    epoch = up["epoch"].copy()
    epoch["Model"] = epoch["Model"].astype(str).str.strip()
    epoch_by_name = {m: r for m, r in zip(epoch["Model"], epoch.to_dict("records"))}
    epoch_lower = {m.lower(): m for m in epoch_by_name}
    bench = up["timm_bench"]
    gmacs = {(m, int(s)): float(g) for m, s, g in zip(bench["model"], bench["infer_img_size"], bench["infer_gmacs"])}
    fr = up["frontier"]
    fr = fr[fr["benchmark_key"] == "imagenet"]
    authors = {m: float(b) * 1e9 for m, b in zip(fr["model"], fr["hardware_burden_gflop"])}
    hw = hardware.set_index("accelerator")

    out = []
    for row in rows:
        cur = row.pop("_curated", {})
        notes: list[str] = row.pop("_notes")
        nm = name_map.get(f"{row['model']}|{row['source']}") or name_map.get(row["model"]) or {}
        if nm.get("note"):
            notes.append(nm["note"])

        def cval(f):
            return cur[f]["value"] if f in cur else None

        def cnote(f, label=None):
            c = cur[f]
            text = f"{label or f} from {c['source'] or 'paper'} ({c['status']})"
            if c["note"]:
                text += f": {c['note']}"
            notes.append(text)

        # ---- identity and accuracy (curated wins)
        for f in ["paper_title", "publication_date"]:
            if f in cur:
                row[f] = cval(f)
                if row["accuracy_source"] == "pwc":
                    cnote(f)
        for f in ["top1_error_pct", "top5_error_pct"]:
            if f in cur:
                if row["accuracy_source"] == "pwc" and isnum(row[f]) and abs(row[f] - cval(f)) > 1e-9:
                    notes.append(f"{f}: PwC {row[f]:g} replaced by the paper value")
                row[f] = cval(f)
                cnote(f)
        if any(f in cur for f in ["top1_error_pct", "top5_error_pct"]):
            row["accuracy_source"] = "paper"
        if "accuracy_caveat" in cur:
            row["accuracy_caveat"] = cval("accuracy_caveat")
            cnote("accuracy_caveat")
        # ---- extra data / ensemble
        if "extra_data" in cur:
            row["extra_data"] = cval("extra_data")
            cnote("extra_data")
        else:
            for mp, tp, value, reason in EXTRA_DATA_RULES:
                if (mp and re.search(mp, row["model"])) or (tp and re.search(tp, row["paper_title"] or "")):
                    row["extra_data"] = value
                    notes.append(f"extra data: {reason}")
                    break
        if ENSEMBLE_RULE.search(row["model"]):
            row["ensemble"] = "yes"
        # ---- Epoch join
        emodel = nm.get("epoch_model") or epoch_lower.get(row["model"].lower())
        erow = epoch_by_name.get(emodel) if emodel else None
        if emodel and erow is None:
            raise SystemExit(f"name_map epoch_model {emodel!r} not found in Epoch")
        use_epoch_training = erow is not None and (nm.get("epoch_fields") or "all") != "compute_only"
        if erow is not None:
            row["epoch_model"] = emodel
            tc = erow.get("Training compute (FLOP)")
            row["epoch_training_compute_flop"] = float(tc) if pd.notna(tc) else math.nan
        # ---- params
        if "params" in cur:
            row["params"], row["params_source"] = cval("params"), "paper"
            cnote("params")
        elif not isnum(row["params"]) and erow is not None and pd.notna(erow.get("Parameters")):
            row["params"], row["params_source"] = float(erow["Parameters"]), "epoch"
        # ---- resolution and forward GFLOPs
        res = cval("eval_resolution")
        if res is None and nm.get("timm_img_size"):
            res = int(nm["timm_img_size"])
        row["eval_resolution_px"] = int(res) if res is not None else None
        if "gflops_forward" in cur:
            row["gflops_forward"] = cval("gflops_forward")
            row["gflops_status"] = "reported" if cur["gflops_forward"]["status"] == "reported" else "estimated"
            cnote("gflops_forward")
        elif nm.get("timm_arch"):
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
        def fill_numeric(fields, srcs):
            """Paper value when curated, else Epoch's (when Epoch describes this run)."""
            for f, ecol in fields:
                if f in cur:
                    row[f] = cval(f)
                    srcs.add("paper")
                    cnote(f)
                elif use_epoch_training and pd.notna(erow.get(ecol)):
                    row[f] = float(erow[ecol])
                    srcs.add("epoch")

        # ---- training set and epochs
        srcs = set()
        fill_numeric([("train_images", "Training dataset size (datapoints)"), ("epochs", "Epochs")], srcs)
        row["training_source"] = "empty" if not srcs else (srcs.pop() if len(srcs) == 1 else "mixed")
        # ---- hardware, count, hours
        srcs = set()
        if "accelerator" in cur:
            row["accelerator"] = cval("accelerator")
            srcs.add("paper")
            cnote("accelerator")
        elif use_epoch_training and isinstance(erow.get("Training hardware"), str):
            ehw = erow["Training hardware"].strip()
            if ehw in EPOCH_HARDWARE:
                row["accelerator"] = EPOCH_HARDWARE[ehw]
                srcs.add("epoch")
            else:
                notes.append(f"Epoch hardware {ehw!r} not mapped to one accelerator")
        fill_numeric([("accelerator_count", "Hardware quantity"), ("train_hours", "Training time (hours)")], srcs)
        row["hardware_source"] = "empty" if not srcs else (srcs.pop() if len(srcs) == 1 else "mixed")
        if erow is not None and not use_epoch_training:
            notes.append("Epoch's training details describe a different run; only its compute is shown")
        # ---- hardware burden
        if "hardware_burden_flop" in cur:
            row["hardware_burden_flop"], row["hardware_burden_status"] = cval("hardware_burden_flop"), "reported"
            cnote("hardware_burden_flop", "hardware burden")
        elif row["accelerator"] and isnum(row["accelerator_count"]) and isnum(row["train_hours"]):
            h = hw.loc[row["accelerator"]]
            if isnum(h["burden_peak_flops"]):
                row["hardware_burden_flop"] = float(h["burden_peak_flops"]) * row["accelerator_count"] * row["train_hours"] * 3600.0
                row["hardware_burden_status"] = "estimated"
                row["hardware_burden_precision"] = h["burden_precision"]
                notes.append(
                    f"burden = {h['burden_precision']} peak {h['burden_peak_flops']:.4g} FLOP/s x {fmt(row['accelerator_count'])} x {fmt(row['train_hours'])} h"
                    f" (inputs: {row['hardware_source']})"
                )
            else:
                row["hardware_burden_status"] = "empty"
                notes.append(f"no peak FLOP/s for {row['accelerator']}: burden left empty")
        else:
            row["hardware_burden_status"] = "empty"
        # ---- operations
        if "operations_flop" in cur:
            row["operations_flop"], row["operations_status"] = cval("operations_flop"), "reported"
            cnote("operations_flop", "operations")
        elif isnum(row["gflops_forward"]) and isnum(row["train_images"]) and isnum(row["epochs"]):
            row["operations_flop"] = OPS_FACTOR * row["gflops_forward"] * 1e9 * row["train_images"] * row["epochs"]
            row["operations_status"] = "estimated"
            notes.append(
                f"operations = 3 x {fmt(row['gflops_forward'])} GFLOP x {fmt(row['train_images'])} images x {fmt(row['epochs'])} epochs"
                f" (training inputs: {row['training_source']}; forward cost at evaluation resolution)"
            )
        elif isnum(row["epoch_training_compute_flop"]):
            row["operations_flop"], row["operations_status"] = row["epoch_training_compute_flop"], "epoch"
            notes.append("operations = Epoch AI training compute (our inputs incomplete)")
        else:
            row["operations_status"] = "empty"
        # ---- authors' frontier point
        am = nm.get("authors_model")
        if am:
            if am not in authors:
                raise SystemExit(f"name_map authors_model {am!r} not among the frontier points")
            row["authors_model"] = am
            row["authors_hardware_burden_flop"] = authors[am]
        # ---- disagreement notes (beyond 3x)
        for ours_col, ref_col, label in [("operations_flop", "epoch_training_compute_flop", "operations vs Epoch"),
                                         ("hardware_burden_flop", "authors_hardware_burden_flop", "burden vs authors")]:
            a, b = row[ours_col], row[ref_col]
            if ours_col == "operations_flop" and row["operations_status"] == "epoch":
                continue
            if isnum(a) and isnum(b) and (a / b > 3 or b / a > 3):
                why = nm.get("disagreement_note") or "reason not established"
                notes.append(f"{label}: ratio {a / b:.3g} (beyond 3x): {why}")
        if row["extra_data"] is None and row["accuracy_source"] == "pwc":
            notes.append("extra data not established")
        row["notes"] = "; ".join(dict.fromkeys(n for n in notes if n))
        out.append(row)
    cols = evidence.column_names("imagenet_models")
    frame = pd.DataFrame(out)[cols]
    frame = frame.sort_values(["publication_date", "model", "source"], kind="mergesort").reset_index(drop=True)
    return frame


# --------------------------------------------------------------------------------------------
# writing, validation, check mode
# --------------------------------------------------------------------------------------------
def to_csv_text(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(list(frame.columns))
    for rec in frame.itertuples(index=False):
        w.writerow([fmt(v) for v in rec])
    return buf.getvalue()


def build(upstream: Path) -> dict[str, str]:
    up = read_upstream(upstream)
    excluded: list[dict] = []
    curated = read_curated(excluded)
    name_map = read_name_map()
    hardware = build_hardware(up)
    models = build_models(up, curated, name_map, hardware, excluded)
    ex = pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS).sort_values(["origin", "row"]).reset_index(drop=True)
    texts = {OUT_HARDWARE: to_csv_text(hardware), OUT_MODELS: to_csv_text(models), OUT_EXCLUDED: to_csv_text(ex)}
    # validate the output against datapackage.json before anyone sees it
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in texts.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        hw = evidence.load_hardware(Path(tmp) / OUT_HARDWARE)
        evidence.load_models(Path(tmp) / OUT_MODELS, Path(tmp) / OUT_HARDWARE, hardware=hw)
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", type=Path, default=None, help="folder of upstream data sources")
    ap.add_argument("--check", action="store_true", help="rebuild in memory and diff against data/; exit 1 on difference")
    args = ap.parse_args(argv)
    upstream = args.upstream or paths.shared_data_sources()
    if upstream is None or not Path(upstream).is_dir():
        print("upstream data sources not found (give --upstream PATH or set DLDR_SHARED_DATA)", file=sys.stderr)
        return 2
    texts = build(Path(upstream))
    if args.check:
        differ = False
        for name, text in texts.items():
            path = paths.DATA / name
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if old != text:
                differ = True
                diff = difflib.unified_diff(old.splitlines(), text.splitlines(), f"committed/{name}", f"rebuilt/{name}", lineterm="", n=0)
                print("\n".join(list(diff)[:40]))
        print("differences found" if differ else "committed tables reproduce exactly")
        return 1 if differ else 0
    for name, text in texts.items():
        (paths.DATA / name).write_text(text, encoding="utf-8")
        print(f"wrote data/{name}: {text.count(chr(10)) - 1} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
