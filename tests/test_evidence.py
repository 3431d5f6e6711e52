"""The evidence tables: derivation reproduces the committed files; formulas and joins are right."""

from __future__ import annotations

import functools
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import evidence, paths, tables
from analysis.charts import evidence as evidence_charts

UPSTREAM = paths.shared_data_sources()
UPSTREAM_PRESENT = UPSTREAM is not None and (UPSTREAM / "pwc-imagenet-2020").is_dir()
MISSING_UPSTREAM = ("upstream data sources (../shared/data-sources or $DLDR_SHARED_DATA) not present; "
                    "the derivation cannot be rerun, the committed tables are still validated by the other tests")


def needs_upstream(test):
    """Run ``test`` when the upstream files are present; else skip it, but FAIL it in CI (CI=true),
    where they are always present, so that a broken path cannot silently turn the derivation off."""
    if UPSTREAM_PRESENT:
        return test
    if os.environ.get("CI", "").strip().lower() == "true":
        @functools.wraps(test)
        def missing_in_ci(*args, **kwargs):
            pytest.fail(f"CI=true but {MISSING_UPSTREAM}")
        return missing_in_ci
    return pytest.mark.skip(reason=MISSING_UPSTREAM)(test)


@pytest.fixture(scope="module")
def models():
    return tables.imagenet_models()


@pytest.fixture(scope="module")
def hardware():
    return tables.hardware_table()


@needs_upstream
def test_build_reproduces_committed_tables_byte_for_byte():
    from analysis.build import build

    texts = build(UPSTREAM)
    for name, text in texts.items():
        committed = (paths.DATA / name).read_bytes()
        assert text.encode("utf-8") == committed, f"data/{name} differs from a fresh rebuild"


@needs_upstream
def test_check_mode_exit_code():
    run = subprocess.run([sys.executable, str(paths.ROOT / "scripts" / "build_data.py"), "--check", "--upstream", str(UPSTREAM)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "reproduce exactly" in run.stdout


def test_schema_is_read_from_datapackage():
    """The loader applies whatever data/datapackage.json says: tighten a bound there and it bites."""
    from analysis.validate import DataError, find_resource, load_datapackage

    pkg = load_datapackage()
    top1 = {f["name"]: f for f in find_resource("imagenet_models", pkg)["schema"]["fields"]}["top1_error_pct"]
    assert top1["type"] == "number" and top1["constraints"]["required"]
    assert (top1["constraints"]["exclusiveMinimum"], top1["constraints"]["exclusiveMaximum"]) == (0, 100)
    top1["constraints"]["exclusiveMaximum"] = 5
    with pytest.raises(DataError, match=r"column 'top1_error_pct': value \S+ out of range \(must be < 5\)") as err:
        tables.load_imagenet_models(package=pkg)
    assert len(err.value.problems) > 100  # every row above 5 % is reported, not only the first
    assert list(pd.read_csv(paths.DATA / "imagenet_models.csv", nrows=0).columns) == tables.column_names("imagenet_models")
    assert tables.field_units("imagenet_models")["operations_flop"] == "FLOP"


def test_coverage_targets(models):
    c = evidence.counts(models)
    assert c["n_models_to_mid2020"] >= 80
    assert c["n_models_2021_2025"] >= 20
    assert models["source"].notna().all()


def test_authors_frontier_all_present(models):
    fr = pd.read_csv(UPSTREAM / "computerprogress-site" / "frontier_points_2021.csv") if UPSTREAM else None
    names = set(models["authors_model"].dropna())
    if fr is not None:
        wanted = set(fr.loc[fr["benchmark_key"] == "imagenet", "model"]) - {"SENet"}
        assert wanted <= names, wanted - names
    else:
        assert len(names) == 12
    # the authors' 'SENet' point duplicates NASNet-A (a copy error): deliberately not matched
    assert "SENet" not in names


def test_pwc_frontier_present(models):
    for name in ["AlexNet - 7CNNs", "VGG-19", "Inception V3", "ResNeXt-101  64x4", "PNASNet-5", "ResNeXt-101 32x48d",
                 "NoisyStudent (EfficientNet-L2)", "FixEfficientNet-L2"]:
        assert name in set(models["model"]), name


def test_best_of_each_recent_year_from_curated(models):
    f = evidence.with_period(models)
    recent = f[f["period"] == "2021-2025"]
    assert recent["accuracy_source"].eq("paper").all()
    # every year of the period has its best result (a missing year would drop out of this set)
    assert set(recent["year"]) == set(range(2021, 2026))


def test_operations_formula(models):
    est = models[models["operations_status"] == "estimated"]
    assert len(est) > 0
    scale = (est["train_resolution_px"] / est["eval_resolution_px"]).fillna(1.0) ** 2
    expected = 3 * est["gflops_forward"] * scale * 1e9 * est["train_images"] * est["epochs"] * est["ensemble_size"]
    np.testing.assert_allclose(est["operations_flop"], expected, rtol=1e-5)
    assert (scale < 1).sum() >= 2  # EVA and BiT-L: forward cost at the pre-training resolution
    ep = models[models["operations_status"] == "epoch"]
    np.testing.assert_allclose(ep["operations_flop"], ep["epoch_training_compute_flop"] * ep["ensemble_size"], rtol=1e-5)


def test_hardware_burden_formula_and_precision(models, hardware):
    hw = hardware.set_index("accelerator")
    est = models[(models["hardware_burden_status"] == "estimated") & models["train_hours"].notna()
                 & models["accelerator_count"].notna()]
    assert len(est) > 0
    peak_col = {"fp32": "peak_fp32_flops", "tf32": "peak_tf32_flops", "fp16": "peak_tensor_16bit_flops",
                "bf16": "peak_tensor_16bit_flops"}
    for _, r in est.iterrows():
        h = hw.loc[r["accelerator"]]
        assert h["burden_precision"] == ("bf16" if h["kind"] == "tpu" else "fp32")
        assert r["hardware_burden_precision"] == r["training_precision"]
        peak = h[peak_col[r["training_precision"]]]
        if math.isnan(peak):  # no tensor cores: plain FP16 rate, else FP32
            peak = h["peak_fp16_flops"] if not math.isnan(h["peak_fp16_flops"]) else h["peak_fp32_flops"]
        device_s = r["ensemble_size"] * r["accelerator_count"] * r["train_hours"] * 3600
        assert math.isclose(r["hardware_burden_flop"], peak * device_s, rel_tol=1e-5), r["model"]
        conv = h["authors_peak_flops"] / 4 if h["kind"] == "tpu" and not math.isnan(h["authors_peak_flops"]) else h["burden_peak_flops"]
        assert math.isclose(r["hardware_burden_authors_convention_flop"], conv * device_s, rel_tol=1e-5), r["model"]


def test_hardware_peaks_match_authors_table(hardware):
    hw = hardware.set_index("accelerator")
    for name, authors in [("GTX 580", 1581.1e9), ("P100 PCIe", 9526e9), ("V100 PCIe", 14130e9), ("V100 SXM2", 15670e9)]:
        assert hw.loc[name, "authors_peak_flops"] == authors
        assert math.isclose(hw.loc[name, "burden_peak_flops"], authors, rel_tol=1e-3)
    # the authors' TPU figures are per 4-chip Cloud TPU device; ours are per chip
    assert math.isclose(hw.loc["TPU v3", "authors_peak_flops"] / hw.loc["TPU v3", "burden_peak_flops"], 420 / 123, rel_tol=1e-9)


def test_accelerator_list_complete(hardware):
    required = ["GTX 580", "GTX 1080 Ti", "GTX Titan X", "Titan X (Pascal)", "Titan Xp", "K40", "K80", "M40", "P100 PCIe",
                "P100 SXM2", "V100 PCIe", "V100 SXM2", "A100 SXM4 40GB", "A100 SXM4 80GB", "H100 SXM5", "TPU v2", "TPU v3",
                "TPU v4", "TPU v5e", "TPU v5p", "Tesla V100 (unspecified)", "CPU"]
    assert set(required) <= set(hardware["accelerator"])


def test_disagreements_beyond_3x_are_noted(models):
    for ours, ref in [("operations_flop", "epoch_training_compute_flop"),
                      ("hardware_burden_authors_convention_flop", "authors_hardware_burden_flop")]:
        f = models[models[ours].notna() & models[ref].notna()]
        if ours == "operations_flop":
            f = f[f["operations_status"] != "epoch"]
        r = f[ours] / f[ref]
        for _, row in f[(r > 3) | (r < 1 / 3)].iterrows():
            assert "beyond 3x" in row["notes"], row["model"]


def test_extra_data_flags(models):
    m = models.set_index("model")
    assert m.loc["NoisyStudent (EfficientNet-L2)", "extra_data"] == "JFT-300M"
    assert "Instagram" in m.loc["ResNeXt-101 32x48d", "extra_data"]
    assert m.loc["BiT-M (ResNet)", "extra_data"] == "ImageNet-21k"
    assert m.loc["AlexNet - 7CNNs", "ensemble"] == "yes"


def test_frontier_without_unconfirmed_rows():
    """A caveated row leaves the confirmed frontier, and the earlier record stands in its place."""
    t = pd.DataFrame({
        "model": ["a", "b", "c"],
        "publication_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"]),
        "top1_error_pct": [12.0, 10.0, 6.0],
        "accuracy_caveat": [None, None, "unconfirmed"],
    })
    assert evidence.frontier(t)["model"].tolist() == ["a", "b", "c"]
    assert evidence.frontier(t, confirmed_only=True)["model"].tolist() == ["a", "b"]


def test_committed_unconfirmed_rows_are_the_two_omnivec_results(models):
    caveated = set(models.loc[models["accuracy_caveat"].notna(), "model"])
    assert caveated == {"OmniVec (fine-tuned)", "OmniVec2 (fine-tuned)"}
    best = evidence.frontier(models, confirmed_only=True).iloc[-1]
    assert best["model"] == "BASIC-L (Lion, finetuned)" and best["top1_error_pct"] == pytest.approx(8.9)


def test_frontier_is_monotone(models):
    fr = evidence.frontier(models)
    assert fr["top1_error_pct"].is_monotonic_decreasing
    assert fr["publication_date"].is_monotonic_increasing
    # nothing published up to a frontier point beats it
    for _, r in fr.iterrows():
        earlier = models[models["publication_date"] <= r["publication_date"]]
        assert earlier["top1_error_pct"].min() == r["top1_error_pct"]


def test_frontier_toy():
    toy = pd.DataFrame({
        "model": list("abcd"),
        "publication_date": pd.to_datetime(["2012-01-01", "2013-01-01", "2014-01-01", "2015-01-01"]),
        "top1_error_pct": [40.0, 45.0, 30.0, 30.0],
    })
    assert list(evidence.frontier(toy)["model"]) == ["a", "c"]


def _toy_ratios(models, ratios):
    """The committed table with our-vs-Epoch FLOP ratios set to ``ratios`` on exactly len(ratios) rows."""
    f = models.copy()
    f["epoch_training_compute_flop"] = np.nan
    rows = f.index[f["operations_status"].isin(["reported", "estimated"]) & f["operations_flop"].notna()][: len(ratios)]
    f.loc[rows, "epoch_training_compute_flop"] = f.loc[rows, "operations_flop"] / np.asarray(ratios)
    return f


def test_beyond_3x_counts_both_directions(models):
    # review §2.2 M8: a one-sided count (ratio > 3 only) gives 1 here, not 2
    c = evidence.counts(_toy_ratios(models, [5.0, 0.1, 1.0]))
    assert c["n_ops_vs_epoch"] == 3
    assert c["n_ops_epoch_beyond_3x"] == 2
    assert c["median_ratio_ops_to_epoch"] == pytest.approx(1.0)


def test_median_ratio_on_known_ratios(models):
    c = evidence.counts(_toy_ratios(models, [2.0, 8.0, 0.5, 4.0]))
    assert c["median_ratio_ops_to_epoch"] == pytest.approx(3.0)  # median of 0.5, 2, 4, 8
    assert c["n_ops_epoch_beyond_3x"] == 2


def test_counts_add_up(models):
    c = evidence.counts(models)
    assert c["n_with_compute"] >= max(c["n_with_operations"], c["n_with_hardware_burden"])
    assert c["n_models"] == c["n_models_to_mid2020"] + c["n_models_2021_2025"] + c["n_models_late2020"]


def test_charts_build_with_alt_text(models):
    charts = [
        evidence_charts.coverage_chart(models),
        evidence_charts.frontier_chart(models),
        evidence_charts.comparison_chart(models, "operations_flop", "epoch_training_compute_flop", "ours", "Epoch", "alt"),
        evidence_charts.comparison_chart(models, "hardware_burden_flop", "authors_hardware_burden_flop", "ours", "authors", "alt"),
    ]
    for ch in charts:
        spec = ch.to_dict()
        assert spec["description"]
        data = spec.get("datasets", {})
        assert 0 < sum(len(v) for v in data.values()) < 5000, "the chart must embed its (small) data"


def _build_module():
    sys.path.insert(0, str(paths.ROOT / "scripts"))
    import build_data

    return build_data


def test_cli_is_thin():
    """The script only parses arguments and compares; the derivation lives in analysis.build."""
    text = (paths.ROOT / "scripts" / "build_data.py").read_text()
    assert len(text.splitlines()) < 80 and "from analysis.build import build" in text


@needs_upstream
def test_check_mode_detects_a_difference(tmp_path, monkeypatch, capsys):
    bd = _build_module()
    for name in ["imagenet_models.csv", "hardware.csv", "imagenet_excluded.csv"]:
        (tmp_path / name).write_bytes((paths.DATA / name).read_bytes())
    text = (tmp_path / "imagenet_models.csv").read_text().replace("VGG-19", "VGG-91", 1)
    (tmp_path / "imagenet_models.csv").write_text(text)
    monkeypatch.setattr(bd.paths, "DATA", tmp_path)
    assert bd.main(["--check", "--upstream", str(UPSTREAM)]) == 1
    assert "VGG-91" in capsys.readouterr().out


@needs_upstream
def test_curated_values_win_and_bad_rows_are_listed(tmp_path, monkeypatch):
    from analysis.build import build

    cur = tmp_path / "curated"
    cur.mkdir()
    (cur / "name_map.csv").write_bytes((paths.DATA / "curated" / "name_map.csv").read_bytes())
    (cur / "paper_values_d1.csv").write_text(
        "model,field,value,source,status,note\n"
        "VGG-19,top1_error_pct,25.0,arXiv:1409.1556,reported,test override\n"
        "VGG-19,accelerator,Abacus 9000,arXiv:1409.1556,reported,bad device\n"
        "VGG-19,epochs,-3,arXiv:1409.1556,reported,bad number\n"
    )
    texts = build(UPSTREAM, curated_dir=cur, curated_files=["paper_values_d1.csv"])
    import io

    m = pd.read_csv(io.StringIO(texts["imagenet_models.csv"]))
    row = m[m["model"] == "VGG-19"].iloc[0]
    assert row["top1_error_pct"] == 25.0 and row["accuracy_source"] == "paper"
    ex = pd.read_csv(io.StringIO(texts["imagenet_excluded.csv"]))
    bad = ex[ex["origin"] == "curated/paper_values_d1.csv"]
    assert list(bad["row"]) == [3, 4]
    assert "Abacus 9000" in bad.iloc[0]["reason"] and "out of range (must be > 0)" in bad.iloc[1]["reason"]


def test_fmt_is_deterministic():
    from analysis.build import common as bd

    assert bd.fmt(1.0) == "1" and bd.fmt(12.5) == "12.5" and bd.fmt(1.23456789e21) == "1.23457e+21"
    assert bd.fmt(float("nan")) == "" and bd.fmt(None) == ""
    assert bd.norm_source("http://arxiv.org/abs/1512.03385v1") == "arXiv:1512.03385"
    assert bd.parse_params("480M") == (480_000_000, "") and math.isnan(bd.parse_params("4.0")[0])


def test_excluded_rows_listed_with_reasons():
    ex = tables.load_excluded()
    assert set(ex.columns) == {"origin", "row", "model", "reason"}
    assert ex["reason"].str.len().gt(0).all()
    # the PwC rows without top-1 or without a paper are accounted for
    pwc = ex[ex["origin"] == "pwc_imagenet_image_classification.csv"]
    assert {"NAT-M1", "NAT-M2", "NAT-M3", "SIFT + FVs"} <= set(pwc["model"])


def test_derivation_tests_fail_rather_than_skip_in_ci(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "UPSTREAM_PRESENT", False)

    def probe():
        return "ran"

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but upstream data sources"):
        needs_upstream(probe)()
    monkeypatch.setenv("CI", "")
    marks = needs_upstream(probe).pytestmark
    assert [m.name for m in marks] == ["skip"]
