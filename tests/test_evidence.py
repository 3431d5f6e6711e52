"""The evidence tables: derivation reproduces the committed files; formulas and joins are right."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import evidence, paths

UPSTREAM = paths.shared_data_sources()
needs_upstream = pytest.mark.skipif(
    UPSTREAM is None or not (UPSTREAM / "pwc-imagenet-2020").is_dir(),
    reason="upstream data sources (../shared/data-sources or $DLDR_SHARED_DATA) not present; "
    "the derivation cannot be rerun, the committed tables are still validated by the other tests",
)


@pytest.fixture(scope="module")
def models():
    return evidence.models()


@pytest.fixture(scope="module")
def hardware():
    return evidence.hardware()


@needs_upstream
def test_build_reproduces_committed_tables_byte_for_byte():
    sys.path.insert(0, str(paths.ROOT / "scripts"))
    import build_data

    texts = build_data.build(UPSTREAM)
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
    cols = {c.name: c for c in evidence.schema_columns("imagenet_models")}
    top1 = cols["top1_error_pct"]
    assert top1.kind == "number" and top1.required
    assert (top1.minimum, top1.maximum, top1.exclusive_minimum, top1.exclusive_maximum) == (0, 100, True, True)
    assert cols["operations_status"].allowed == ("reported", "estimated", "epoch", "empty")
    assert cols["publication_date"].minimum == 2010 and cols["publication_date"].maximum == 2025
    assert list(pd.read_csv(paths.DATA / "imagenet_models.csv", nrows=0).columns) == evidence.column_names("imagenet_models")
    assert evidence.units("imagenet_models")["operations_flop"] == "FLOP"


def test_coverage_targets(models):
    c = evidence.counts(models)
    assert c["n_models_to_mid2020"] >= 80
    assert c["n_models_2021_2025"] >= 20
    assert models["source"].notna().all()


def test_authors_frontier_all_present(models):
    fr = pd.read_csv(UPSTREAM / "computerprogress-site" / "frontier_points_2021.csv") if UPSTREAM else None
    names = set(models["authors_model"].dropna())
    if fr is not None:
        wanted = set(fr.loc[fr["benchmark_key"] == "imagenet", "model"])
        assert wanted <= names, wanted - names
    else:
        assert len(names) == 13


def test_pwc_frontier_present(models):
    for name in ["AlexNet - 7CNNs", "VGG-19", "Inception V3", "ResNeXt-101  64x4", "PNASNet-5", "ResNeXt-101 32x48d",
                 "NoisyStudent (EfficientNet-L2)", "FixEfficientNet-L2"]:
        assert name in set(models["model"]), name


def test_best_of_each_recent_year_from_curated(models):
    f = evidence.with_period(models)
    recent = f[f["period"] == "2021-2025"]
    assert recent["accuracy_source"].eq("paper").all()
    assert recent.groupby("year").size().min() >= 1


def test_operations_formula(models):
    est = models[models["operations_status"] == "estimated"]
    assert len(est) > 0
    expected = 3 * est["gflops_forward"] * 1e9 * est["train_images"] * est["epochs"]
    np.testing.assert_allclose(est["operations_flop"], expected, rtol=1e-5)
    ep = models[models["operations_status"] == "epoch"]
    np.testing.assert_allclose(ep["operations_flop"], ep["epoch_training_compute_flop"], rtol=1e-5)


def test_hardware_burden_formula_and_precision(models, hardware):
    hw = hardware.set_index("accelerator")
    est = models[models["hardware_burden_status"] == "estimated"]
    assert len(est) > 0
    for _, r in est.iterrows():
        h = hw.loc[r["accelerator"]]
        assert r["hardware_burden_precision"] == h["burden_precision"]
        assert h["burden_precision"] == ("bf16" if h["kind"] == "tpu" else "fp32")
        expect = h["burden_peak_flops"] * r["accelerator_count"] * r["train_hours"] * 3600
        assert math.isclose(r["hardware_burden_flop"], expect, rel_tol=1e-5), r["model"]


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
    for ours, ref in [("operations_flop", "epoch_training_compute_flop"), ("hardware_burden_flop", "authors_hardware_burden_flop")]:
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


def test_counts_and_median_ratio(models):
    c = evidence.counts(models)
    f = models[models["operations_status"].isin(["reported", "estimated"]) & models["epoch_training_compute_flop"].notna()]
    assert c["n_ops_vs_epoch"] == len(f)
    assert math.isclose(c["median_ratio_ops_to_epoch"], float(np.median(f["operations_flop"] / f["epoch_training_compute_flop"])))
    assert c["n_with_compute"] >= max(c["n_with_operations"], c["n_with_hardware_burden"])
    assert c["n_models"] == c["n_models_to_mid2020"] + c["n_models_2021_2025"] + c["n_models_late2020"]


def test_charts_build_with_alt_text(models):
    charts = [
        evidence.coverage_chart(models),
        evidence.frontier_chart(models),
        evidence.comparison_chart(models, "operations_flop", "epoch_training_compute_flop", "ours", "Epoch", "alt"),
        evidence.comparison_chart(models, "hardware_burden_flop", "authors_hardware_burden_flop", "ours", "authors", "alt"),
    ]
    for ch in charts:
        spec = ch.to_dict()
        assert spec["description"]
        data = spec.get("datasets", {})
        assert sum(len(v) for v in data.values()) < 5000


def test_benchmark_returns_numbers():
    out = evidence.benchmark()
    assert all(isinstance(v, float) for v in out.values())


def _build_module():
    sys.path.insert(0, str(paths.ROOT / "scripts"))
    import build_data

    return build_data


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
    bd = _build_module()
    cur = tmp_path / "curated"
    cur.mkdir()
    (cur / "name_map.csv").write_bytes((paths.DATA / "curated" / "name_map.csv").read_bytes())
    (cur / "paper_values_d1.csv").write_text(
        "model,field,value,source,status,note\n"
        "VGG-19,top1_error_pct,25.0,arXiv:1409.1556,reported,test override\n"
        "VGG-19,accelerator,Abacus 9000,arXiv:1409.1556,reported,bad device\n"
        "VGG-19,epochs,-3,arXiv:1409.1556,reported,bad number\n"
    )
    monkeypatch.setattr(bd, "CURATED", cur)
    monkeypatch.setattr(bd, "CURATED_FILES", ["paper_values_d1.csv"])
    texts = bd.build(UPSTREAM)
    import io

    m = pd.read_csv(io.StringIO(texts["imagenet_models.csv"]))
    row = m[m["model"] == "VGG-19"].iloc[0]
    assert row["top1_error_pct"] == 25.0 and row["accuracy_source"] == "paper"
    ex = pd.read_csv(io.StringIO(texts["imagenet_excluded.csv"]))
    bad = ex[ex["origin"] == "curated/paper_values_d1.csv"]
    assert list(bad["row"]) == [3, 4]
    assert "Abacus 9000" in bad.iloc[0]["reason"] and "not a positive number" in bad.iloc[1]["reason"]


def test_fmt_is_deterministic():
    bd = _build_module()
    assert bd.fmt(1.0) == "1" and bd.fmt(12.5) == "12.5" and bd.fmt(1.23456789e21) == "1.23457e+21"
    assert bd.fmt(float("nan")) == "" and bd.fmt(None) == ""
    assert bd.norm_source("http://arxiv.org/abs/1512.03385v1") == "arXiv:1512.03385"
    assert bd.parse_params("480M") == (480_000_000, "") and math.isnan(bd.parse_params("4.0")[0])


def test_excluded_rows_listed_with_reasons():
    ex = evidence.load_excluded()
    assert set(ex.columns) == {"origin", "row", "model", "reason"}
    assert ex["reason"].str.len().gt(0).all()
    # the PwC rows without top-1 or without a paper are accounted for
    pwc = ex[ex["origin"] == "pwc_imagenet_image_classification.csv"]
    assert {"NAT-M1", "NAT-M2", "NAT-M3", "SIFT + FVs"} <= set(pwc["model"])
