"""The ninth-power chapter's numbers in one place: headline, robustness range, side-by-side with the
source and its peers. The notebook glues what :func:`summary` returns and shows its tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import ninth_power as npw
from . import ninth_power_robust as rb
from . import tables

MIN_N_RANGE = 8  # analyses with fewer points are shown but not counted in the robustness range


def robustness_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The analyses whose gamma spans the robustness range: top-1 error, compute-only power law
    (no time trend: that one answers another question, see the chapter), at least
    :data:`MIN_N_RANGE` points, the headline's measure family and every direction/noise variant."""
    from .charts.ninth_power import GROUPS

    keep = table["analysis"].isin(GROUPS) & (table["metric"] == "top1") & (table["form"] == "polynomial")
    keep &= table["n"] >= MIN_N_RANGE
    return table[keep & table["gamma"].notna()]


def _fmt(v: float, digits: int = 1) -> str:
    if math.isnan(v):
        return "n/a"
    if not math.isfinite(v):
        return "∞"
    if abs(v) >= 1e6:
        return f"10^{math.log10(v):.1f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def summary(models: pd.DataFrame, hardware: pd.DataFrame) -> dict:
    """Every number the chapter quotes (Python floats/ints) plus its tables (DataFrames)."""
    data = npw.prepare(models, hardware)
    table = npw.fit_table(models, hardware=hardware)
    head = table.iloc[0]
    rob = robustness_rows(table)

    def row(name):
        return table[table["analysis"] == name].iloc[0]

    d = npw.select(data, npw.HEADLINE["measure"], npw.HEADLINE["subset"])
    forms = rb.form_comparison(d)
    floor = rb.fit_floor(d)
    trend = rb.time_trend_summary(data)
    pair = rb.alexnet_nasnet(models, hardware)
    peers = rb.peer_summary(tables.load_peer_figures())
    infl = rb.influence_table(d)
    by_paper = rb.paper_influence(d)
    from . import eiv

    lx, ly, unc = np.log(d["compute"].to_numpy()), np.log(d["error"].to_numpy()), math.log(10) * d["unc"].to_numpy()
    eiv_scaled = {f: -1 / eiv.moments_slope(lx, ly, f * unc) for f in (0.5, 2.0)}
    out = {
        "table": table, "robust": rob, "forms": forms, "floor": floor, "trend": trend, "pair": pair, "peers": peers,
        "influence": infl, "start_years": rb.start_year_table(data), "data": data,
        "gamma": head["gamma"], "gamma_ci_low": head["gamma_ci_low"], "gamma_ci_high": head["gamma_ci_high"],
        "halving": head["halving_multiplier"], "halving_low": head["halving_ci_low"], "halving_high": head["halving_ci_high"],
        "r2": head["r2"], "n": int(head["n"]), "n_papers": int(head["n_papers"]),
        "gamma_reverse": row("reverse direction (compute on error)")["gamma"],
        "gamma_eiv": row("errors in variables (moments)")["gamma"],
        "gamma_eiv_low": row("errors in variables (moments)")["gamma_ci_low"],
        "gamma_eiv_high": row("errors in variables (moments)")["gamma_ci_high"],
        "gamma_simex": row("errors in variables (SIMEX)")["gamma"],
        "gamma_classical_low": row("no clustering by paper")["gamma_ci_low"],
        "gamma_classical_high": row("no clustering by paper")["gamma_ci_high"],
        "gamma_eiv_unc_half": eiv_scaled[0.5], "gamma_eiv_unc_double": eiv_scaled[2.0],
        "unc_default_rule": bool(data["unc_default_rule"].all()),
        "gamma_min": float(rob["gamma"].min()), "gamma_max": float(rob["gamma"].max()),
        "analysis_min": rob.loc[rob["gamma"].idxmin(), "analysis"], "analysis_max": rob.loc[rob["gamma"].idxmax(), "analysis"],
        "n_range": int(len(rob)),
        "gamma_time": row("with a time trend")["gamma"],
        "gamma_top5": row("burden / single / top5")["gamma"],
        "gamma_ops": row("operations / single / top1")["gamma"],
        "n_ops": int(row("operations / single / top1")["n"]),
        "gamma_authors": row("authors_points / all / top1")["gamma"],
        "gamma_authors_reverse": row("authors' points, reverse direction")["gamma"],
        "gamma_frontier": row("burden / frontier / top1")["gamma"],
        "floor_pct": floor.c, "floor_low": floor.floor_ci()[0], "floor_high": floor.floor_ci()[1],
        "floor_b": floor.b, "floor_gamma_reducible": 1 / floor.b if floor.b > 0 else math.inf,
        "delta_aic_floor": float(forms.set_index("form").loc["floor-aware", "delta_aic"]),
        "delta_aic_exponential": float(forms.set_index("form").loc["exponential", "delta_aic"]),
        "top_influence_model": infl.iloc[0]["model"], "top_influence_change": float(infl.iloc[0]["gamma_change"]),
        "paper_influence": by_paper,
        "largest_paper_rows": int(by_paper.iloc[0]["n_rows"]),
        "gamma_without_largest_paper": float(by_paper.iloc[0]["gamma_without"]),
        "gamma_lopo_min": float(by_paper["gamma_without"].min()),
        "gamma_lopo_max": float(by_paper["gamma_without"].max()),
    }
    out["comparison"] = comparison_table(out)
    return out


def comparison_table(s: dict) -> pd.DataFrame:
    """Every number of the source quoted in the chapter, beside ours, with why they agree or differ."""
    claims = tables.load_article_claims()
    p, t, peers = s["pair"], s["trend"], s["peers"]
    g, lo, hi = s["gamma"], s["gamma_ci_low"], s["gamma_ci_high"]
    if lo >= 9:
        g_why = "Agrees: the interval lies above 9 in the paper's own specification"
    elif hi >= 9:
        g_why = "Compatible with 9 in the paper's own specification, but the interval also allows less"
    else:
        g_why = "Below 9 even in the paper's own specification"
    g_why += (f"; the same data give {_fmt(s['gamma_reverse'])} regressing compute on error and "
              f"{_fmt(s['gamma_min'])} to {_fmt(s['gamma_max'])} over the robustness analyses.")
    r2_word = "higher than" if 100 * s["r2"] > claims.loc["r2_compute", "value"] else "lower than"
    gain_word = "more than" if 100 * t["r2_gain"] > claims.loc["r2_time_trend_gain", "value"] else "less than"
    hw = p["hardware_speedup"]
    hw_why = ("The split needs NASNet-A's devices and hours, which the table does not hold." if math.isnan(hw) else
              "An identity: burden = peak × devices × time, so the ratio splits exactly into those three factors; "
              "the peak ratio is what the article calls 'from hardware'.")
    rows = [
        ("empirical_exponent", "γ (compute ∝ k^γ)", f"{_fmt(g)} [{_fmt(lo)}, {_fmt(hi)}]", g_why),
        ("halving_multiplier", "compute to halve the error", f"{_fmt(s['halving'], 0)} [{_fmt(s['halving_low'], 0)}, {_fmt(s['halving_high'], 0)}]",
         "2^γ, so it inherits γ's uncertainty: one unit more of γ doubles it."),
        ("r2_compute", "R² of the compute-only fit (%)", f"{100 * s['r2']:.0f}",
         f"Ours is {r2_word} the paper's; its sample and specification are not public, and R² depends on how the "
         "sample spreads in compute, so the two are not directly comparable."),
        ("r2_time_trend_gain", "R² added by a time trend (points)", f"{100 * t['r2_gain']:.0f}",
         f"A time trend adds {gain_word} the paper's gain; with it the compute exponent becomes {_fmt(s['gamma_time'])}, "
         "because the trend takes over part of what the compute-only fit credits to compute."),
        ("algorithmic_years_10x", "compute worth 3 years of the time trend",
         f"{_fmt(t['multiplier'], 0)} [{_fmt(t['multiplier_low'], 0)}, {_fmt(t['multiplier_high'], 0)}]",
         f"Peers, converted to the same unit: Erdil & Besiroglu's halving time gives {_fmt(peers['erdil_multiplier'], 0)}× "
         f"per 3 years ({_fmt(peers['erdil_multiplier_low'], 0)} to {_fmt(peers['erdil_multiplier_high'], 0)}); OpenAI's "
         f"AlexNet-level series {_fmt(peers['openai_multiplier'])}×. A trend in a regression of all models is not the same "
         "quantity as their fixed-accuracy measurements."),
        ("alexnet_nasnet_compute", "AlexNet → NASNet-A compute ratio", f"{_fmt(p['compute_ratio'], 0)}",
         f"Reproduced as the authors count it, with one network's compute for the {int(p['ensemble_size'])}-network "
         f"ensemble's error; charging every network gives {_fmt(p['compute_ratio'] / p['ensemble_size'], 0)}×."),
        ("alexnet_nasnet_hardware", "of which faster devices (peak ratio)", _fmt(hw), hw_why),
    ]
    out = pd.DataFrame(rows, columns=["claim_id", "quantity", "ours", "why"])
    out.insert(1, "source says", [_fmt(claims.loc[c, "value"], 0) for c in out["claim_id"]])
    out.insert(2, "wording checked", [claims.loc[c, "wording_checked"] for c in out["claim_id"]])
    return out.drop(columns="claim_id")
