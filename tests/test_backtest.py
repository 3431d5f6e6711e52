"""The back-test chapter: the cutoff really freezes the fits, the break test finds a constructed
break and its interval covers, the compute comparison inverts the frozen fit, the authors' later
path passes through their figures, and pinned headline figures on the real table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import backtest as bt
from analysis import tables
from analysis import extrapolation as ex
from analysis import ninth_power as npw


@pytest.fixture(scope="module")
def models():
    return tables.imagenet_models()


def table(rows) -> pd.DataFrame:
    """A minimal models table: (model, date, top-1 error, caveat, extra_data) per row."""
    f = pd.DataFrame(rows, columns=["model", "publication_date", "top1_error_pct", "accuracy_caveat", "extra_data"])
    f["publication_date"] = pd.to_datetime(f["publication_date"])
    f[ex.COLUMNS["compute"]] = np.nan
    f["top1_error_real_pct"] = np.nan
    f["authors_model"] = np.nan
    f["ensemble"] = np.nan
    return f


def on_line(year: int, a: float = math.log10(40.0), b: float = -0.08) -> float:
    return 10 ** (a + b * (year - 2012))


def line_table(extra_rows=()) -> pd.DataFrame:
    rows = [(f"m{y}", f"{y}-03-01", on_line(y), None, "none") for y in range(2012, 2021)]
    return table(rows + list(extra_rows))


# ----------------------------------------------------------------------------------------------
# The cutoff
# ----------------------------------------------------------------------------------------------
def test_cutoff_keeps_30_june_2020_and_drops_1_july_2020():
    base = line_table()
    on_cutoff = line_table([("edge", "2020-06-30", 1.0, None, "none")])
    after = line_table([("late", "2020-07-01", 1.0, None, "none"), ("later", "2023-01-01", 0.5, None, "none")])
    f_base = bt.forecast_table(base, years=(2021, 2025), floor=0.5)
    f_after = bt.forecast_table(after, years=(2021, 2025), floor=0.5)
    pd.testing.assert_frame_equal(f_base, f_after)  # results after the cutoff do not move any form
    f_edge = bt.forecast_table(on_cutoff, years=(2021, 2025), floor=0.5)
    assert not np.allclose(f_edge["fit"], f_base["fit"])  # a result on the cutoff date does
    exact = f_base[f_base["form"] == "log10"].set_index("year")["fit"]
    assert exact.loc[2025.0] == pytest.approx(on_line(2025), rel=1e-9)  # the frozen line, extended


def test_later_rows_of_the_real_table_do_not_move_the_frozen_fits(models):
    changed = models.copy()
    late = changed["publication_date"] > ex.CUTOFF
    assert late.sum() > 10
    changed.loc[late, "top1_error_pct"] = 1.0
    changed.loc[late, ["hardware_burden_flop", "hardware_burden_authors_convention_flop"]] = 1e30
    pd.testing.assert_frame_equal(bt.forecast_table(models), bt.forecast_table(changed))
    pd.testing.assert_frame_equal(bt.compute_band(models), bt.compute_band(changed))


def test_observed_record_and_best_of_year_with_and_without_unconfirmed():
    f = line_table([
        ("a", "2021-05-01", 9.0, None, "JFT-300M"),
        ("b", "2022-05-01", 7.0, "unconfirmed", None),
        ("c", "2022-06-01", 8.5, None, "none"),
        ("d", "2023-05-01", 10.0, None, "none"),
    ])
    obs = bt.observed_by_year(f, years=(2021, 2022, 2023)).set_index("year")
    assert obs.loc[2021, "record_error"] == 9.0
    assert obs.loc[2022, "record_error"] == 7.0 and obs.loc[2022, "record_model"] == "b"
    assert obs.loc[2023, "record_error"] == 7.0 and obs.loc[2023, "year_best_error"] == 10.0
    conf = bt.observed_by_year(f, years=(2022, 2023), confirmed_only=True).set_index("year")
    assert conf.loc[2022, "record_error"] == 8.5 and conf.loc[2023, "record_error"] == 8.5
    assert conf.loc[2022, "n_rows"] == 1


def test_position_is_closed_at_both_ends():
    assert [bt.position(v, 4.0, 6.0) for v in (3.999, 4.0, 6.0, 6.001)] == ["below", "inside", "inside", "above"]
    assert bt.position(float("nan"), 4.0, 6.0) == ""


# ----------------------------------------------------------------------------------------------
# Break test
# ----------------------------------------------------------------------------------------------
def broken(change: float, noise: float, seed: int) -> pd.DataFrame:
    years = np.arange(2012, 2026)
    t = years - bt.BREAK_YEAR
    y = 1.0 - 0.07 * t + change * np.maximum(t, 0) + noise * np.random.default_rng(seed).standard_normal(years.size)
    return pd.DataFrame({"year": years, "error": 10**y})


def test_break_test_detects_a_constructed_flattening():
    r = bt.break_test(broken(0.07, 0.01, seed=1))
    assert r["p_value"] < 0.001
    assert r["change_low"] <= 0.07 <= r["change_high"]
    assert r["slope_pre"] == pytest.approx(-0.07, abs=0.01) and r["slope_post"] == pytest.approx(0.0, abs=0.02)
    assert r["n_pre"] == 9 and r["n_post"] == 5


def test_break_test_interval_covers_the_true_change():
    hits = [bt.break_test(broken(0.0, 0.05, seed=s)) for s in range(300)]
    cover = np.mean([h["change_low"] <= 0.0 <= h["change_high"] for h in hits])
    assert 0.92 <= cover <= 0.98
    assert np.mean([h["p_value"] < 0.05 for h in hits]) == pytest.approx(1 - cover)


def test_break_test_refuses_too_few_points_after_the_break():
    with pytest.raises(ValueError, match="after"):
        bt.break_test(broken(0.0, 0.01, 0).query("year <= 2021"))


def test_compute_break_before_slope_is_the_frozen_headline_slope(models):
    r = bt.compute_break_test(models)
    assert r["slope_pre"] == pytest.approx(npw.headline_fit(ex.to_mid2020(models)).slope, rel=1e-9)
    assert r["n_pre"] == npw.headline_fit(ex.to_mid2020(models)).n


# ----------------------------------------------------------------------------------------------
# Compute against the frozen fit
# ----------------------------------------------------------------------------------------------
def test_predicted_compute_lies_on_the_frozen_fit_and_oos_is_the_log_ratio(models):
    t = bt.compute_backtest(models)
    fit = npw.headline_fit(ex.to_mid2020(models))
    back = fit.predict(t["predicted"].to_numpy())["fit"].to_numpy()
    np.testing.assert_allclose(back, t["error"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(t["oos_log10"], np.log10(t["compute"] / t["predicted"]))
    assert (t["date"] > ex.CUTOFF).all()
    assert t.groupby("year")["year_best"].sum().eq(1).all()
    best = t[t["year_best"]].set_index("year")["error"]
    assert (best == t.groupby("year")["error"].min()).all()


def test_oos_summary_metrics():
    s = bt.oos_summary(pd.DataFrame({"oos_log10": [-2.0, 0.0, 2.0], "inside_pi": [False, True, True]}))
    assert s["mean"] == 0.0 and s["rms"] == pytest.approx(math.sqrt(8 / 3)) and s["share_inside_pi"] == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------------------------
# The authors' later forecast and what changed
# ----------------------------------------------------------------------------------------------
def test_later_forecast_passes_through_the_talk_figures():
    claims = tables.load_article_claims()
    assert bt.later_forecast(claims, 2026.0)["error_at_year"] == pytest.approx(5.0)
    assert bt.later_forecast(claims, 2029.0)["error_at_year"] == pytest.approx(3.0)
    assert bt.later_forecast(claims, 2025.0)["error_at_year"] > 5.0


def test_extra_data_kinds_and_what_changed_counts():
    assert [bt.extra_data_kind(v) for v in ("none", " None ", None, float("nan"), "", "JFT-300M")] == \
        ["imagenet-1k only", "imagenet-1k only", "not recorded", "not recorded", "not recorded", "extra data"]
    f = line_table([
        ("x (fine-tuned)", "2021-05-01", 9.0, None, "JFT-3B"),
        ("Model soups (y)", "2022-05-01", 8.0, None, None),
        ("z", "2023-05-01", 9.5, None, "none"),  # not a record
    ])
    c = bt.what_changed(f).set_index(["period", "feature"])
    assert c.loc[("to mid-2020", "extra data"), "n_records"] == 9
    assert c.loc[("to mid-2020", "extra data"), "count"] == 0
    after = c.loc["after mid-2020"]
    assert after.loc["extra data", "n_records"] == 2
    assert after.loc["extra data", "count"] == 1 and after.loc["extra data not recorded", "count"] == 1
    assert after.loc["ensemble or soup", "count"] == 1 and after.loc["fine-tuned or frozen-trunk (name)", "count"] == 1


# ----------------------------------------------------------------------------------------------
# Charts and pinned figures on the real table
# ----------------------------------------------------------------------------------------------
def test_time_figure_separates_before_and_after_and_has_alt_text(models):
    from analysis.charts import backtest as bch

    pts = bch.time_points(models, tables.load_article_claims())
    assert (pts.loc[pts["series"] == "before", "year"] <= 2020).all()
    assert (pts.loc[pts["series"].str.startswith("later"), "year"] > 2020).all()
    spec = bch.time_figure(models, tables.load_article_claims()).to_dict()
    assert "2029" in spec["description"] and len(spec["description"]) > 200
    assert bch.compute_figure(models).to_dict()["description"]


def test_pinned_headline(models):
    obs = bt.observed_by_year(models).set_index("year")
    conf = bt.observed_by_year(models, confirmed_only=True).set_index("year")
    assert obs.loc[2025, "record_error"] == 6.4 and conf.loc[2025, "record_error"] == 8.9
    f = bt.forecast_table(models, years=(2025,)).set_index("form").loc["log10"]
    assert (round(f["fit"], 2), round(f["pi_low"], 2), round(f["pi_high"], 2)) == (4.93, 3.94, 6.18)
    t = bt.compute_backtest(models)
    assert round(bt.oos_summary(t[t["year_best"]])["mean"], 1) == -2.6  # second-edition table (RegNet-paper rows move the frozen compute fit)
