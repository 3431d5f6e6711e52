"""The extrapolation chapter: crossing years on synthetic trends, intervals that cover, the floor,
compute for a target error, and pinned headline figures on the real table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import paths, tables
from analysis import extrapolation as ex
from analysis import extrapolation_compute as xc
from analysis.validate import DataError

YEARS = np.arange(2012, 2021)


def synthetic(a: float, b: float, noise: float = 0.0, seed: int = 0, form: str = "log10", floor: float = 0.0):
    """Per-year best on an exact line ``transform(E) = a + b (year - 2012)`` plus normal noise."""
    rng = np.random.default_rng(seed)
    y = a + b * (YEARS - 2012) + noise * rng.standard_normal(YEARS.size)
    return pd.DataFrame({"year": YEARS, "error": ex.inverse(form, y, floor)})


def true_year(a: float, b: float, target: float, form: str = "log10", floor: float = 0.0) -> float:
    return 2012 + (float(ex.transform(form, target, floor)) - a) / b


# ----------------------------------------------------------------------------------------------
# Crossing years on synthetic trends with a known answer
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["log10", "logit"])
def test_noise_free_trend_crosses_at_the_known_year(form):
    a, b = float(ex.transform(form, 36.0)), -0.08 if form == "log10" else -0.2
    fit = ex.fit_trend(synthetic(a, b, form=form), form)
    for target in (5.0, 3.0, 1.0):
        assert fit.crossing_year(target) == pytest.approx(true_year(a, b, target, form), abs=1e-6)


def test_saturating_trend_with_known_floor_crosses_above_and_never_below():
    floor = 4.0
    best = synthetic(math.log10(32.0), -0.1, form="saturating", floor=floor)
    fit = ex.fit_trend(best, "saturating", floor)
    assert fit.crossing_year(5.0) == pytest.approx(true_year(math.log10(32.0), -0.1, 5.0, "saturating", floor))
    assert fit.crossing_year(3.0) == math.inf  # below the floor: never
    fitted = ex.fit_trend(best, "saturating_fitted")
    assert fitted.floor == pytest.approx(floor, abs=0.05)  # the profile recovers the floor


def test_a_flat_trend_never_crosses_and_its_intervals_say_so():
    best = synthetic(math.log10(12.0), 0.0, noise=0.01, seed=3)
    fit = ex.fit_trend(best, "log10")
    boot = ex.bootstrap_crossings(best, "log10", targets=(5.0,), n_resamples=400)
    late = ex._band_crossing(fit, 5.0, 0.95, "pi")[1]
    assert late == math.inf  # the band never closes below 5%
    assert np.mean(~np.isfinite(boot)) > 0.2  # many resamples never cross
    assert ex.year_or_sentinel(math.inf) == ex.NEVER_SENTINEL
    assert ex.year_or_sentinel(2024.91) == 2024.91


def test_target_at_or_below_the_floor_is_never_reached_in_every_resample():
    best = synthetic(math.log10(30.0), -0.1, noise=0.02, form="saturating", floor=6.0)
    boot = ex.bootstrap_crossings(best, "saturating", 6.0, targets=(5.0, 1.0), n_resamples=200)
    assert np.all(np.isinf(boot))


def test_intervals_cover_the_true_crossing_year():
    """Coverage on synthetic log10 trends with the noise of the real per-year best (sd ~0.03 in
    log10 E): the confidence-band inversion should cover the true crossing of the mean trend in
    about 95% of 300 data sets, and the prediction band (wider) at least as often."""
    a, b, sd = math.log10(36.0), -0.07, 0.03
    truth = true_year(a, b, 5.0)
    hits_ci = hits_pi = 0
    sims = 300
    for seed in range(sims):
        fit = ex.fit_trend(synthetic(a, b, sd, seed), "log10")
        lo, hi = ex._band_crossing(fit, 5.0, 0.95, "ci")
        hits_ci += lo <= truth <= hi
        lo, hi = ex._band_crossing(fit, 5.0, 0.95, "pi")
        hits_pi += lo <= truth <= hi
    assert 0.91 <= hits_ci / sims <= 0.99
    assert hits_pi >= hits_ci


def test_bootstrap_interval_coverage_is_reported_honestly():
    """The residual bootstrap percentile interval with 9 points under-covers somewhat; it must
    still cover in at least 85% of synthetic data sets (measured: see the chapter)."""
    a, b, sd = math.log10(36.0), -0.07, 0.03
    truth = true_year(a, b, 5.0)
    sims, hits = 150, 0
    for seed in range(sims):
        boot = ex.bootstrap_crossings(synthetic(a, b, sd, 1000 + seed), "log10", targets=(5.0,), n_resamples=400,
                                      seed=seed)
        hits += ex._percentile(boot[:, 0], 0.025) <= truth <= ex._percentile(boot[:, 0], 0.975)
    assert hits / sims >= 0.85


def test_unknown_form_and_bad_floor_are_refused():
    best = synthetic(math.log10(36.0), -0.07)
    with pytest.raises(ValueError, match="unknown form"):
        ex.fit_trend(best, "cubic")
    with pytest.raises(ValueError, match="not below every per-year best"):
        ex.fit_trend(best, "saturating", floor=50.0)
    with pytest.raises(ValueError, match="at least 3"):
        ex.fit_trend(best.head(2), "log10")


# ----------------------------------------------------------------------------------------------
# Data: the label-noise table and the mid-2020 selection
# ----------------------------------------------------------------------------------------------
def test_label_noise_table_validates_and_gives_the_floor():
    noise = tables.load_label_noise()
    assert (noise["headline"] == "yes").sum() == 1
    assert ex.label_floor_pct(noise) == pytest.approx(100 * 2916 / 50000)


def test_label_noise_percentage_must_match_the_count(tmp_path):
    path = tmp_path / "label_noise.csv"
    text = tables.LABEL_NOISE_FILE.read_text(encoding="utf-8").replace(",5.832,", ",6.5,")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"label_noise.csv, row 2, column 'value_pct'"):
        tables.load_label_noise(path)


@pytest.fixture(scope="module")
def models():
    return tables.imagenet_models()


def test_only_results_up_to_mid_2020_enter(models):
    best = ex.per_year_best(models)
    assert best["year"].tolist() == list(range(2012, 2021))
    assert pd.to_datetime(best["date"]).max() <= ex.CUTOFF
    pts = xc.compute_points(models, "headline")
    assert pts["year"].max() <= 2020


# ----------------------------------------------------------------------------------------------
# Compute for a target error
# ----------------------------------------------------------------------------------------------
def test_compute_fit_recovers_a_known_power_law():
    comp = np.logspace(18, 23, 8)
    err = 40.0 * (comp / 1e18) ** (-1 / 9) * np.exp(0.01 * np.array([1, -1, 1, -1, -1, 1, -1, 1]))
    fit = xc.ComputeFit("test", 0.0, 8, sm.OLS(np.log(err), sm.add_constant(np.log(comp))).fit())
    assert fit.gamma == pytest.approx(9.0, rel=0.05)
    flop, low, high = fit.compute_for_error(5.0)
    assert flop == pytest.approx(1e18 * (40 / 5) ** 9, rel=0.2)
    assert low < flop < high


def test_target_compute_columns_and_unreachable_floor(models):
    t = xc.target_compute(models)
    assert list(t.columns[:8]) == ["form", "label", "target_pct", "flop", "flop_low", "flop_high", "multiple_vs_2020",
                                   "orders_of_magnitude"]
    assert "reachable" in t.columns
    assert set(t["target_pct"]) == {5.0, 3.0, 1.0}
    floor = t[t["form"] == "floor_aware"]
    assert not floor["reachable"].any() and np.isinf(floor["flop"]).all()
    reach = t[t["reachable"]]
    assert (reach["flop_low"] <= reach["flop"]).all() and (reach["flop"] <= reach["flop_high"]).all()
    # lower targets need more compute
    for _, g in reach.groupby("form"):
        assert g.sort_values("target_pct")["flop"].is_monotonic_decreasing


# ----------------------------------------------------------------------------------------------
# Pinned headline figures (rounded; they change only when the data or the method change)
# ----------------------------------------------------------------------------------------------
def test_pinned_headline_figures(models):
    t = ex.crossing_table(models, n_resamples=ex.N_BOOT)
    row = t[(t["form"] == "log10") & (t["target_pct"] == 5.0)].iloc[0]
    assert round(row["year"], 1) == 2024.9
    assert (round(row["pi_low"], 1), round(row["pi_high"], 1)) == (2023.6, 2026.5)
    assert round(t[(t["form"] == "log10") & (t["target_pct"] == 1.0)]["year"].iloc[0], 1) == 2035.4
    assert round(t[(t["form"] == "logit") & (t["target_pct"] == 5.0)]["year"].iloc[0], 1) == 2024.0
    assert np.isinf(t[t["form"] == "saturating"]["year"]).all()
    assert round(ex.label_floor_pct(), 2) == 5.83
    c = xc.target_compute(models)
    r = c[(c["form"] == "best_of_year") & (c["target_pct"] == 5.0)].iloc[0]
    # best-of-year points in the authors' burden convention, as the headline (CHANGELOG)
    assert round(math.log10(r["flop"]), 1) == 26.0
    h = c[(c["form"] == "headline") & (c["target_pct"] == 5.0)].iloc[0]
    assert round(math.log10(h["flop"]), 1) == 31.1
    assert (round(math.log10(h["flop_low"]), 1), round(math.log10(h["flop_high"]), 1)) == (27.8, 38.6)
    assert round(h["gamma"], 1) == 18.0
    assert xc.best_2020(models)["model"] == "NoisyStudent (EfficientNet-L2)"


AUTHORS_FILE = None if paths.shared_data_sources() is None else \
    paths.shared_data_sources() / "computerprogress-site" / "frontier_points_2021.csv"


@pytest.mark.skipif(AUTHORS_FILE is None or not AUTHORS_FILE.exists(),
                    reason="the authors' public frontier points (../shared/data-sources) are not present")
def test_the_authors_form_on_their_own_points_gives_their_2026_and_2029():
    """Our log10 fit on the authors' public ImageNet points (best of each year) reproduces the
    website's crossing years, which the author quoted as 2026 and 2029 (paper-facts §5.3)."""
    pts = pd.read_csv(AUTHORS_FILE)
    pts = pts[pts["benchmark_key"] == "imagenet"].assign(error=lambda d: 100 * (1 - d["accuracy_fraction"]))
    best = pts.sort_values("error").groupby("year").head(1).sort_values("year")[["year", "error"]]
    fit = ex.fit_trend(best, "log10")
    assert round(fit.crossing_year(5.0), 1) == 2026.1
    assert round(fit.crossing_year(3.0), 1) == 2029.6


def test_the_figure_shows_nothing_published_after_mid_2020(models):
    from analysis.charts import extrapolation as xch

    spec = xch.spectrum_figure(models).to_dict()
    points = [d for name, d in spec["datasets"].items() if d and "model" in d[0]]
    assert points, "no data points found in the figure"
    for rows in points:
        assert max(r["year"] for r in rows) <= 2020


def test_implied_compute_path_grows_along_the_falling_trend(models):
    path = xc.implied_compute_path(models)
    assert path["error"].is_monotonic_decreasing
    assert path["flop"].is_monotonic_increasing
    assert ((path["flop_low"] <= path["flop"]) & (path["flop"] <= path["flop_high"])).all()
