"""Unit tests of the data derivation (analysis.build): each step on small hand-made inputs."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pandas as pd
import pytest

from analysis import paths, tables
from analysis.build import common, fields as F, hardware as H, inputs, uncertainty as U
from analysis.validate import DataError

COLS = tables.column_names("imagenet_models")


def _row(**kw):
    row = {c: None for c in COLS}
    row.update(model="m", source="arXiv:0000.00000", publication_date="2019-01-01", accuracy_source="pwc",
               gflops_status="empty", training_source="empty", hardware_source="empty", ensemble_size=1)
    row.update(kw)
    return row


def _cur(**values):
    return {f: {"value": v, "source": "arXiv:1234.56789", "status": "reported", "note": "Table 1", "file": "x.csv", "line": 2}
            for f, v in values.items()}


def _hw():
    return pd.DataFrame([
        {"accelerator": "V100", "kind": "gpu", "peak_fp32_flops": 15.7e12, "peak_fp16_flops": 31.4e12, "peak_tf32_flops": math.nan,
         "peak_tensor_16bit_flops": 125e12, "burden_precision": "fp32", "burden_peak_flops": 15.7e12, "authors_peak_flops": 15.67e12},
        {"accelerator": "P100", "kind": "gpu", "peak_fp32_flops": 9.3e12, "peak_fp16_flops": 18.7e12, "peak_tf32_flops": math.nan,
         "peak_tensor_16bit_flops": math.nan, "burden_precision": "fp32", "burden_peak_flops": 9.3e12, "authors_peak_flops": math.nan},
        {"accelerator": "K80", "kind": "gpu", "peak_fp32_flops": 8.1e12, "peak_fp16_flops": math.nan, "peak_tf32_flops": math.nan,
         "peak_tensor_16bit_flops": math.nan, "burden_precision": "fp32", "burden_peak_flops": 8.1e12, "authors_peak_flops": math.nan},
        {"accelerator": "A100", "kind": "gpu", "peak_fp32_flops": 19.5e12, "peak_fp16_flops": 78e12, "peak_tf32_flops": 156e12,
         "peak_tensor_16bit_flops": 312e12, "burden_precision": "fp32", "burden_peak_flops": 19.5e12, "authors_peak_flops": math.nan},
        {"accelerator": "TPU v3", "kind": "tpu", "peak_fp32_flops": math.nan, "peak_fp16_flops": math.nan, "peak_tf32_flops": math.nan,
         "peak_tensor_16bit_flops": 123e12, "burden_precision": "bf16", "burden_peak_flops": 123e12, "authors_peak_flops": 420e12},
    ]).set_index("accelerator")


# ---- common -----------------------------------------------------------------------------------
def test_norm_source_and_parsing():
    assert common.norm_source("https://arxiv.org/pdf/2010.11929v2") == "arXiv:2010.11929"
    assert common.norm_source("https://doi.org/10.1145/3065386") == "doi:10.1145/3065386"
    assert common.norm_source("  ") is None
    assert common.parse_params("1.5B") == (1_500_000_000, "")
    assert common.err_from_acc(88.45) == pytest.approx(11.55)
    assert common.differs(100, 106) and not common.differs(100, 104) and not common.differs(100, math.nan)


# ---- curated value rules ----------------------------------------------------------------------
@pytest.mark.parametrize("field,value,status,problem", [
    ("epochs", "-3", "reported", "out of range (must be > 0)"),
    ("epochs", "ten", "reported", "non-numeric value"),
    ("ensemble_size", "2.5", "reported", "not a whole number"),
    ("training_precision", "fp8", "reported", "not one of"),
    ("publication_date", "2019/05/28", "reported", "not ISO"),
    ("accelerator", "Abacus", "reported", "not in the hardware table"),
    ("colour", "red", "reported", "unknown field"),
    ("epochs", "10", "guessed", "not one of reported, estimated"),
    ("search_cost_included", "maybe", "reported", "not one of yes, no"),
])
def test_curated_problem_names_the_rule(field, value, status, problem):
    assert problem in inputs.curated_problem(field, value, status, {"V100"}, {})


def test_curated_problem_accepts_good_values_and_aliases():
    for field, value in [("top1_error_real_pct", "9.3"), ("training_precision", "bf16"), ("publication_date", "2021-06-08"),
                         ("ensemble_size", "7"), ("compute_caveat", "lower bound")]:
        assert inputs.curated_problem(field, value, "reported", {"V100"}, {}) is None
    assert inputs.curated_problem("accelerator", "Tesla V100", "estimated", {"V100"}, {"Tesla V100": "V100"}) is None


def test_read_curated_excludes_bad_rows_with_file_and_line(tmp_path):
    (tmp_path / "a.csv").write_text("model,field,value,source,status,note\n"
                                    "X,epochs,90,arXiv:1234.56789,reported,ok\n"
                                    "X,epochs,-1,arXiv:1234.56789,reported,bad\n")
    excluded = []
    rows = inputs.read_curated(excluded, set(), {}, folder=tmp_path, files=["a.csv"])
    assert [r["value"] for r in rows] == [90.0]
    assert excluded == [{"origin": "curated/a.csv", "row": 3, "model": "X", "reason": "epochs: value -1 out of range (must be > 0)"}]


def test_mapping_tables_load():
    acc = inputs.read_accelerators()
    assert {"V100 SXM2", "TPU v3", "A100 SXM4 40GB"} <= set(acc["accelerator"])
    aliases = inputs.read_aliases()
    assert aliases["epoch"]["NVIDIA V100"] == "Tesla V100 (unspecified)"
    assert all(a in set(acc["accelerator"]) for d in aliases.values() for a in d.values())
    assert inputs.read_ensemble_rules()[0][1] == 7
    rules = inputs.read_uncertainty_rules()
    assert rules[("burden", "precision_by_rule")] == 0.3


# ---- hardware -----------------------------------------------------------------------------------
def test_peak_for_precision_falls_back_by_device():
    hw = _hw()
    assert H.peak_for_precision(hw.loc["V100"], "fp16") == (125e12, "")
    assert H.peak_for_precision(hw.loc["A100"], "tf32") == (156e12, "")
    assert H.peak_for_precision(hw.loc["V100"], "tf32")[0] == 15.7e12
    assert H.peak_for_precision(hw.loc["P100"], "fp16")[0] == 18.7e12      # no tensor cores: plain FP16
    assert H.peak_for_precision(hw.loc["K80"], "fp16")[0] == 8.1e12        # no fast FP16 at all
    with pytest.raises(ValueError):
        H.peak_for_precision(hw.loc["K80"], "int8")


def test_convention_peak():
    specs = {"peak_fp32_flops": 15.7e12, "peak_tensor_16bit_flops": 125e12}
    assert H.convention_peak("gpu", specs) == ("fp32", 15.7e12)
    assert H.convention_peak("tpu", specs) == ("bf16", 125e12)
    assert H.convention_peak("cpu", specs)[0] is None


# ---- field groups -------------------------------------------------------------------------------
def test_precision_rule():
    d18, d17 = pd.Timestamp("2018-06-01"), pd.Timestamp("2017-06-01")
    assert F.precision_rule("gpu", True, d18) == "fp16"
    assert F.precision_rule("gpu", True, d17) == "fp32"
    assert F.precision_rule("gpu", False, d18) == "fp32"
    assert F.precision_rule("tpu", False, d17) == "bf16"
    assert F.precision_rule("cpu", False, d18) is None


def test_burden_at_training_precision_and_authors_convention():
    hw = _hw()
    row = _row(accelerator="V100", accelerator_count=8, train_hours=10, hardware_source="paper", publication_date="2020-12-23")
    notes = []
    F.training_precision(row, {}, notes, hw)
    assert (row["training_precision"], row["training_precision_source"]) == ("fp16", "rule")
    F.hardware_burden(row, {}, notes, hw)
    assert row["hardware_burden_flop"] == pytest.approx(125e12 * 8 * 36000)
    assert row["hardware_burden_authors_convention_flop"] == pytest.approx(15.7e12 * 8 * 36000)
    # the paper's stated precision wins over the rule
    row2 = _row(accelerator="V100", accelerator_count=8, train_hours=10, hardware_source="paper", publication_date="2020-12-23")
    F.training_precision(row2, _cur(training_precision="fp32"), [], hw)
    F.hardware_burden(row2, {}, [], hw)
    assert row2["hardware_burden_flop"] == pytest.approx(row["hardware_burden_authors_convention_flop"])
    assert row2["training_precision_source"] == "paper"
    # read from the released training configuration (status estimated): source 'code', same peak,
    # and no allowance for the rule's choice in the row's uncertainty
    row3 = _row(accelerator="V100", accelerator_count=8, train_hours=10, hardware_source="paper", publication_date="2020-12-23")
    cur3 = _cur(training_precision="fp32")
    cur3["training_precision"]["status"] = "estimated"
    F.training_precision(row3, cur3, [], hw)
    F.hardware_burden(row3, {}, [], hw)
    assert (row3["training_precision"], row3["training_precision_source"]) == ("fp32", "code")
    assert row3["hardware_burden_flop"] == pytest.approx(row["hardware_burden_authors_convention_flop"])
    assert "precision_by_rule" not in U.burden_components(row3)
    assert "precision_by_rule" in U.burden_components(row)
    # TPU: per chip; the authors' convention is their per-device figure / 4 chips
    tpu = _row(accelerator="TPU v3", accelerator_count=256, train_hours=1, hardware_source="paper")
    F.training_precision(tpu, {}, [], hw)
    F.hardware_burden(tpu, {}, [], hw)
    assert tpu["hardware_burden_flop"] == pytest.approx(123e12 * 256 * 3600)
    assert tpu["hardware_burden_authors_convention_flop"] == pytest.approx(105e12 * 256 * 3600)


def test_operations_at_training_resolution():
    row = _row(gflops_forward=100.0, eval_resolution_px=448, train_resolution_px=224, train_images=1e6, epochs=10,
               training_source="paper", gflops_status="reported")
    notes = []
    F.operations(row, {}, notes)
    assert row["operations_flop"] == pytest.approx(3 * 25e9 * 1e6 * 10)
    assert "(224/448)^2" in notes[0]
    same = _row(gflops_forward=100.0, eval_resolution_px=224, train_images=1e6, epochs=10)
    F.operations(same, {}, [])
    assert same["operations_flop"] == pytest.approx(3e18)
    epoch_only = _row(epoch_training_compute_flop=5e20)
    F.operations(epoch_only, {}, [])
    assert (epoch_only["operations_flop"], epoch_only["operations_status"]) == (5e20, "epoch")


def test_ensemble_charged_in_full():
    rules = inputs.read_ensemble_rules()
    row = _row(model="AlexNet - 7CNNs", paper_title="ImageNet Classification")
    F.extra_data_and_ensemble(row, {}, [], [], rules)
    assert (row["ensemble_size"], row["ensemble"]) == (7, "yes")
    row.update(operations_flop=1e18, operations_status="epoch", hardware_burden_flop=2e18, hardware_burden_status="estimated",
               hardware_burden_authors_convention_flop=2e18)
    notes = []
    F.charge_ensemble(row, notes)
    assert (row["operations_flop"], row["hardware_burden_flop"], row["hardware_burden_authors_convention_flop"]) == (7e18, 1.4e19, 1.4e19)
    assert "all 7 networks" in notes[0]
    single = _row(model="ResNet-50")
    F.extra_data_and_ensemble(single, {}, [], [], rules)
    assert (single["ensemble_size"], single["ensemble"]) == (1, None)
    reported = _row(ensemble_size=3, operations_flop=1e18, operations_status="reported", hardware_burden_status="empty")
    F.charge_ensemble(reported, [])
    assert reported["operations_flop"] == 1e18  # a total printed by the paper is kept as printed


def test_curated_accuracy_replaces_pwc_and_records_real_v2():
    row = _row(top1_error_pct=20.0)
    notes = []
    F.identity_and_accuracy(row, _cur(top1_error_pct=19.5, top1_error_real_pct=12.0, top1_error_v2_pct=30.1), notes)
    assert (row["top1_error_pct"], row["accuracy_source"], row["top1_error_real_pct"], row["top1_error_v2_pct"]) == (19.5, "paper", 12.0, 30.1)
    assert any("PwC 20 replaced" in n for n in notes)


# ---- uncertainty --------------------------------------------------------------------------------
def test_uncertainty_components_and_quadrature():
    rules = inputs.read_uncertainty_rules()
    row = _row(operations_status="estimated", gflops_status="estimated", training_source="epoch",
               hardware_burden_status="estimated", hardware_source="paper", training_precision_source="rule", _precision_open=True)
    U.compute_uncertainty(row, rules, None)
    assert row["operations_log10_sd"] == pytest.approx(math.sqrt(0.1**2 + 0.05**2 + 0.1**2), abs=1e-3)
    assert row["hardware_burden_log10_sd"] == pytest.approx(math.sqrt(0.05**2 + 0.3**2), abs=1e-3)
    # a precision the device cannot change (no fast 16-bit) adds nothing
    row["_precision_open"] = False
    U.compute_uncertainty(row, rules, None)
    assert row["hardware_burden_log10_sd"] == pytest.approx(0.05)
    ep = _row(operations_status="epoch", hardware_burden_status="empty")
    U.compute_uncertainty(ep, rules, "Speculative")
    assert ep["operations_log10_sd"] == 0.5 and math.isnan(ep["hardware_burden_log10_sd"])
    assert U.operations_components(_row(operations_status="empty"), None) == []


def test_committed_uncertainty_present_exactly_where_compute_is(tmp_path):
    m = tables.imagenet_models()
    assert (m["operations_flop"].notna() == m["operations_log10_sd"].notna()).all()
    assert (m["hardware_burden_flop"].notna() == m["hardware_burden_log10_sd"].notna()).all()


# ---- data rules on the committed table ----------------------------------------------------------
def _broken_copy(tmp_path, edit):
    frame = pd.read_csv(paths.DATA / "imagenet_models.csv", dtype=str, keep_default_na=False)
    edit(frame)
    out = tmp_path / "imagenet_models.csv"
    frame.to_csv(out, index=False)
    return out


def test_operations_above_burden_needs_a_caveat(tmp_path):
    def edit(f):
        i = f.index[f["model"] == "DeiT-B"][0]
        f.loc[i, "operations_flop"] = str(float(f.loc[i, "hardware_burden_flop"]) * 2)
    with pytest.raises(DataError, match="no compute_caveat explains it") as e:
        tables.load_imagenet_models(_broken_copy(tmp_path, edit))
    assert e.value.column == "operations_flop"

    def edit_ok(f):
        edit(f)
        f.loc[f.index[f["model"] == "DeiT-B"][0], "compute_caveat"] = "different runs"
    tables.load_imagenet_models(_broken_copy(tmp_path, edit_ok))


@pytest.mark.parametrize("text", ["value from find_string id 123456789", "paper not opened in this session",
                                  "copy id 70420324368", "read_file says so"])
def test_provenance_rule_rejects_lookup_text(tmp_path, text):
    def edit(f):
        f.loc[3, "notes"] = text
    with pytest.raises(DataError, match="not a public source"):
        tables.load_imagenet_models(_broken_copy(tmp_path, edit))


def test_no_lookup_ids_anywhere_in_data():
    import re

    rx = re.compile(r"(?i)\bids? \d{9,}|\bsession\b|find_string|read_file|search tool")
    for path in list(paths.DATA.glob("*.csv")) + list((paths.DATA / "curated").glob("*.csv")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not rx.search(line), f"{path.name}:{n}: {rx.search(line).group(0)}"


def test_upstream_tests_fail_in_ci_when_upstream_missing(tmp_path):
    env = dict(os.environ, CI="true", DLDR_SHARED_DATA=str(tmp_path / "nowhere"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(paths.TESTS / "test_evidence.py::test_build_reproduces_committed_tables_byte_for_byte")],
                         capture_output=True, text=True, env=env, cwd=paths.ROOT)
    assert run.returncode == 1 and "CI=true but" in run.stdout, run.stdout[-800:]


# ---- completeness before/after -----------------------------------------------------------------
def test_first_edition_counts_match_git_history():
    from analysis import completeness as C

    stored = tables.load_first_edition_counts()
    try:
        recomputed = C.first_edition_from_git()
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("commit 56a2182 not in this clone's history (the stored counts are used)")
    assert stored[["period", "column", "count"]].to_dict("records") == recomputed.to_dict("records")
    s = stored.set_index(["period", "column"])["count"]
    assert (s[("all", "rows")], s[("all", "operations_flop")], s[("all", "hardware_burden_flop")]) == (251, 35, 21)


def test_second_edition_counts_and_shared_inputs():
    from analysis import completeness as C

    m = tables.imagenet_models()
    c = C.second_edition_counts(m)
    assert c["n_models"] == len(m) and c["n_ops_over_burden_uncaveated"] == 0
    assert c["n_single_models"] + c["n_ensembles"] == len(m)
    assert 0 < c["n_burden_vs_authors_shared"] <= c["n_burden_vs_authors"]
    table = C.before_after(m)
    assert table.loc["rows", "all"].endswith(f"→ {len(m)}")
    toy = pd.DataFrame({"hardware_burden_authors_convention_flop": [7.0, 2.0], "authors_hardware_burden_flop": [1.0, 1.0],
                        "ensemble_size": [7, 1], "operations_status": ["empty", "empty"],
                        "epoch_training_compute_flop": [math.nan, math.nan], "operations_flop": [math.nan, math.nan],
                        "training_source": ["empty", "empty"]})
    assert C.shared_input_matches(toy)["n_burden_vs_authors_shared"] == 1
