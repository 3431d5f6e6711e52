"""Malformed inputs to the evidence tables: each must fail with file, row, column and rule named."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths, tables
from analysis.validate import DataError, find_resource

ROW = 5  # 0-based data row we break; the file line is ROW + 2 (header = line 1)
LINE = ROW + 2


def _frames():
    m = pd.read_csv(paths.DATA / "imagenet_models.csv", dtype=str, keep_default_na=False)
    h = pd.read_csv(paths.DATA / "hardware.csv", dtype=str, keep_default_na=False)
    return m, h


def _write(tmp_path: Path, models: pd.DataFrame, hardware: pd.DataFrame | None = None) -> tuple[Path, Path]:
    mp, hp = tmp_path / "bad_models.csv", tmp_path / "bad_hardware.csv"
    models.to_csv(mp, index=False)
    (hardware if hardware is not None else _frames()[1]).to_csv(hp, index=False)
    return mp, hp


def _row_with(models: pd.DataFrame, column: str) -> int:
    """Index of the first row with a value in column (so the break is meaningful)."""
    return int(models.index[models[column] != ""][0])


def _expect(tmp_path, models, column, rule_regex, row=LINE, hardware=None, file="bad_models.csv"):
    mp, hp = _write(tmp_path, models, hardware)
    with pytest.raises(DataError) as info:
        tables.load_imagenet_models(mp, hp)
    err = info.value
    msg = str(err)
    assert Path(err.file).name == file and msg.startswith(file)
    if row is not None:
        assert err.row == row and f"row {row}" in msg
    if column is not None:
        assert err.column == column and repr(column) in msg
    assert re.search(rule_regex, err.rule), err.rule
    return err


def test_missing_column(tmp_path):
    m, _ = _frames()
    _expect(tmp_path, m.drop(columns=["top1_error_pct"]), "top1_error_pct", r"missing column", row=None)


def test_unexpected_column(tmp_path):
    m, _ = _frames()
    m["top1_err"] = "1"
    _expect(tmp_path, m, "top1_err", r"unexpected column", row=None)


def test_non_numeric_error(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "top1_error_pct"] = "twelve"
    _expect(tmp_path, m, "top1_error_pct", r"non-numeric value 'twelve'")


def test_error_zero_out_of_range(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "top1_error_pct"] = "0"
    _expect(tmp_path, m, "top1_error_pct", r"out of range \(must be > 0\)")


def test_error_hundred_out_of_range(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "top1_error_pct"] = "100"
    _expect(tmp_path, m, "top1_error_pct", r"out of range \(must be < 100\)")


def test_non_finite_value(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "params"] = "inf"
    m.loc[ROW, "params_source"] = "pwc"
    _expect(tmp_path, m, "params", r"non-finite")


def test_top5_above_top1(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "top1_error_pct"] = "10"
    m.loc[ROW, "top5_error_pct"] = "12"
    _expect(tmp_path, m, "top5_error_pct", r"top5_error_pct \(12\) greater than top1_error_pct \(10\)")


def test_operations_zero(tmp_path):
    m, _ = _frames()
    i = _row_with(m, "operations_flop")
    m.loc[i, "operations_flop"] = "0"
    _expect(tmp_path, m, "operations_flop", r"out of range \(must be > 0\)", row=i + 2)


def test_hardware_burden_negative(tmp_path):
    m, _ = _frames()
    i = _row_with(m, "hardware_burden_flop")
    m.loc[i, "hardware_burden_flop"] = "-1e20"
    _expect(tmp_path, m, "hardware_burden_flop", r"out of range \(must be > 0\)", row=i + 2)


def test_date_after_today(tmp_path):
    """The bound is today, not a fixed year: tomorrow fails, a paper of this year is legitimate."""
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    m, _ = _frames()
    m.loc[ROW, "publication_date"] = tomorrow
    _expect(tmp_path, m, "publication_date", rf"date {tomorrow} is after today")
    m.loc[ROW, "publication_date"] = dt.date.today().replace(month=1, day=1).isoformat()
    mp, hp = _write(tmp_path, m)
    tables.load_imagenet_models(mp, hp)


def test_date_before_the_day_precision_minimum(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "publication_date"] = "2009-12-31"
    _expect(tmp_path, m, "publication_date", r"value 2009-12-31 out of range \(must be >= 2010-01-01\)")


def test_not_a_date(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "publication_date"] = "last spring"
    _expect(tmp_path, m, "publication_date", r"not a date")


def test_duplicate_model_and_source(tmp_path):
    m, _ = _frames()
    m.loc[ROW + 1, "model"] = m.loc[ROW, "model"]
    m.loc[ROW + 1, "source"] = m.loc[ROW, "source"]
    err = _expect(tmp_path, m, "model", r"duplicate model \+ source", row=LINE + 1)
    assert f"first seen at row {LINE}" in err.rule


def test_unknown_accelerator(tmp_path):
    m, _ = _frames()
    i = _row_with(m, "accelerator")
    m.loc[i, "accelerator"] = "Abacus 9000"
    _expect(tmp_path, m, "accelerator", r"unknown accelerator 'Abacus 9000' \(not in bad_hardware.csv\)", row=i + 2)


def test_provenance_flag_missing(tmp_path):
    m, _ = _frames()
    i = _row_with(m, "operations_flop")
    m.loc[i, "operations_status"] = "empty"
    _expect(tmp_path, m, "operations_status", r"provenance flag missing", row=i + 2)


def test_flag_without_value(tmp_path):
    m, _ = _frames()
    i = int(m.index[m["hardware_burden_flop"] == ""][0])
    m.loc[i, "hardware_burden_status"] = "reported"
    _expect(tmp_path, m, "hardware_burden_flop", r"hardware_burden_status is 'reported' but hardware_burden_flop is empty", row=i + 2)


def test_provenance_flag_not_allowed(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "operations_status"] = "guessed"
    _expect(tmp_path, m, "operations_status", r"value 'guessed' not one of reported, estimated, epoch, empty")


def test_accuracy_caveat_not_allowed(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "accuracy_caveat"] = "dubious"
    _expect(tmp_path, m, "accuracy_caveat", r"not one of unconfirmed")


def test_empty_required_model(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "model"] = ""
    _expect(tmp_path, m, "model", r"empty value in a required column")


def test_source_pattern(tmp_path):
    m, _ = _frames()
    m.loc[ROW, "source"] = "see the paper"
    _expect(tmp_path, m, "source", r"does not match pattern")


def test_estimated_burden_without_precision(tmp_path):
    m, _ = _frames()
    i = int(m.index[m["hardware_burden_status"] == "estimated"][0])
    m.loc[i, "hardware_burden_precision"] = ""
    _expect(tmp_path, m, "hardware_burden_precision", r"'estimated' but hardware_burden_precision is empty", row=i + 2)


def test_hardware_peak_must_match_precision(tmp_path):
    m, h = _frames()
    i = int(h.index[h["accelerator"] == "V100 SXM2"][0])
    h.loc[i, "burden_peak_flops"] = h.loc[i, "peak_tensor_16bit_flops"]
    mp, hp = _write(tmp_path, m, h)
    with pytest.raises(DataError) as info:
        tables.load_hardware(hp)
    assert info.value.row == i + 2 and info.value.column == "burden_peak_flops"
    assert "must equal the fp32 peak" in str(info.value) and str(info.value).startswith("bad_hardware.csv")


def test_hardware_duplicate_accelerator(tmp_path):
    m, h = _frames()
    h.loc[1, "accelerator"] = h.loc[0, "accelerator"]
    mp, hp = _write(tmp_path, m, h)
    with pytest.raises(DataError, match=r"bad_hardware.csv, row 3, column 'accelerator': duplicate accelerator"):
        tables.load_hardware(hp)


def test_file_not_found(tmp_path):
    with pytest.raises(DataError, match=r"nothing.csv: file not found"):
        tables.load_imagenet_models(tmp_path / "nothing.csv", paths.DATA / "hardware.csv")


def test_schema_type_unsupported(tmp_path):
    pkg = json.loads((paths.DATA / "datapackage.json").read_text())
    pkg["resources"][0]["schema"]["fields"][0]["type"] = "geopoint"
    with pytest.raises(DataError, match=r"unsupported type 'geopoint'"):
        find_resource("imagenet_models", pkg)


def test_committed_tables_pass():
    hw = tables.load_hardware()
    frame = tables.load_imagenet_models(hardware=hw)
    assert len(frame) > 100


# ------------------------------------------------ range checks on integer columns (review §2.2, M4)


def test_negative_integer_out_of_range(tmp_path):
    m, _ = _frames()
    i = _row_with(m, "eval_resolution_px")
    m.loc[i, "eval_resolution_px"] = "-224"
    _expect(tmp_path, m, "eval_resolution_px", r"out of range \(must be >= 16\)", row=i + 2)


def test_zero_integer_out_of_range(tmp_path):
    m, _ = _frames()
    i = _row_with(m, "eval_resolution_px")
    m.loc[i, "eval_resolution_px"] = "0"
    _expect(tmp_path, m, "eval_resolution_px", r"out of range \(must be >= 16\)", row=i + 2)
