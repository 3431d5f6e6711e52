"""The model table (``data/imagenet_models.csv``): Papers with Code 2020 rows plus curated rows,
each passed through the field-group steps of :mod:`analysis.build.fields`."""

from __future__ import annotations

import math

import pandas as pd

from .common import err_from_acc, isnum, norm_source, parse_params, pct
from . import fields as F
from .uncertainty import compute_uncertainty

__all__ = ["empty_row", "pwc_rows", "find_rows", "attach_curated", "Lookups", "build_row", "build_models"]

NEW_MODEL_NEEDS = ["source", "publication_date", "top1_error_pct", "paper_title"]


def empty_row(columns: list[str]) -> dict:
    return {c: None for c in columns} | {"_notes": []}


def pwc_rows(pwc: pd.DataFrame, columns: list[str], excluded: list[dict]) -> list[dict]:
    """One row per usable PwC entry; entries without top-1 or without a paper go to ``excluded``."""
    out = []
    for i, r in pwc.iterrows():
        model = r["model_name"].strip()
        top1 = pct(r["top1_accuracy"])
        src = norm_source(r["paper_url"])
        if math.isnan(top1) or src is None:
            reason = "no top-1 accuracy" if math.isnan(top1) else "no paper/source"
            excluded.append({"origin": "pwc_imagenet_image_classification.csv", "row": i + 2, "model": model, "reason": reason})
            continue
        row = empty_row(columns)
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


def find_rows(rows: list[dict], model: str, source: str | None) -> list[dict]:
    """Rows named ``model``; when several share the name, those with ``source``."""
    named = [r for r in rows if r["model"] == model]
    if len(named) <= 1:
        return named
    return [r for r in named if r["source"] == source]


def attach_curated(rows: list[dict], curated: list[dict], columns: list[str], excluded: list[dict]) -> None:
    """Attach each model's curated values (first file wins per field); a curated model absent from PwC becomes
    a new row if it has source, date, top-1 and title, else it is listed in ``excluded``."""
    by_model: dict[str, list[dict]] = {}
    for c in curated:
        by_model.setdefault(c["model"], []).append(c)
    for model, items in by_model.items():
        src_field = next((c for c in items if c["field"] == "source"), None)
        key_source = norm_source(src_field["value"]) if src_field else (items[0]["source"] or None)
        targets = find_rows(rows, model, key_source)
        if not targets:
            given = {c["field"] for c in items}
            lacking = [f for f in NEW_MODEL_NEEDS if f not in given]
            if lacking:
                excluded.append({"origin": f"curated/{items[0]['file']}", "row": items[0]["line"], "model": model,
                                 "reason": f"new model lacks {', '.join(lacking)}"})
                continue
            row = empty_row(columns)
            row.update(model=model, source=norm_source(src_field["value"]), accuracy_source="paper", params_source="empty")
            rows.append(row)
            targets = [row]
        for row in targets:
            seen: set[str] = set()
            for c in items:
                if c["field"] in seen:
                    row["_notes"].append(f"{c['field']}: also given in {c['file']} row {c['line']} (ignored)")
                    continue
                seen.add(c["field"])
                row.setdefault("_curated", {})[c["field"]] = c


class Lookups:
    """Everything a row needs from the upstream and mapping tables, indexed once."""

    def __init__(self, up: dict, name_map: dict, hardware: pd.DataFrame, aliases: dict, extra_rules: list,
                 ensemble_rules: list, uncertainty_rules: dict):
        epoch = up["epoch"].copy()
        epoch["Model"] = epoch["Model"].astype(str).str.strip()
        self.epoch_by_name = {m: r for m, r in zip(epoch["Model"], epoch.to_dict("records"))}
        self.epoch_lower = {m.lower(): m for m in self.epoch_by_name}
        bench = up["timm_bench"]
        self.gmacs = {(m, int(s)): float(g) for m, s, g in zip(bench["model"], bench["infer_img_size"], bench["infer_gmacs"])}
        fr = up["frontier"][up["frontier"]["benchmark_key"] == "imagenet"]
        self.authors = {m: float(b) * 1e9 for m, b in zip(fr["model"], fr["hardware_burden_gflop"])}
        self.name_map, self.hw = name_map, hardware.set_index("accelerator")
        self.epoch_aliases, self.extra_rules, self.ensemble_rules = aliases["epoch"], extra_rules, ensemble_rules
        self.uncertainty_rules = uncertainty_rules


def build_row(row: dict, lk: Lookups) -> dict:
    """Run every field-group step on one row; returns the finished row (notes joined)."""
    cur = row.pop("_curated", {})
    notes: list[str] = row.pop("_notes")
    nm = lk.name_map.get(f"{row['model']}|{row['source']}") or lk.name_map.get(row["model"]) or {}
    if nm.get("note"):
        notes.append(nm["note"])
    F.identity_and_accuracy(row, cur, notes)
    F.extra_data_and_ensemble(row, cur, notes, lk.extra_rules, lk.ensemble_rules)
    erow, use_epoch = F.epoch_match(row, nm, lk.epoch_by_name, lk.epoch_lower)
    F.params_fields(row, cur, notes, erow)
    F.resolution_and_gflops(row, cur, notes, nm, lk.gmacs)
    F.training_data(row, cur, notes, erow, use_epoch)
    F.hardware_setup(row, cur, notes, erow, use_epoch, lk.epoch_aliases)
    F.training_precision(row, cur, notes, lk.hw)
    F.hardware_burden(row, cur, notes, lk.hw)
    F.operations(row, cur, notes)
    for f in ["search_cost_included", "compute_caveat"]:
        if f in cur:
            row[f] = F.cval(cur, f)
            if f == "search_cost_included":
                notes.append(F.curated_note(cur, f))
    F.charge_ensemble(row, notes)
    F.cross_checks(row, nm, lk.authors, notes)
    compute_uncertainty(row, lk.uncertainty_rules, erow.get("Confidence") if erow is not None else None)
    if row["extra_data"] is None and row["accuracy_source"] == "pwc":
        notes.append("extra data not established")
    row["notes"] = "; ".join(dict.fromkeys(n for n in notes if n))
    return row


def build_models(up: dict, curated: list[dict], lk: Lookups, columns: list[str], excluded: list[dict]) -> pd.DataFrame:
    """The whole model table, sorted by publication date, model, source."""
    rows = pwc_rows(up["pwc"], columns, excluded)
    attach_curated(rows, curated, columns, excluded)
    out = [build_row(r, lk) for r in rows]
    frame = pd.DataFrame(out)[columns]
    return frame.sort_values(["publication_date", "model", "source"], kind="mergesort").reset_index(drop=True)
