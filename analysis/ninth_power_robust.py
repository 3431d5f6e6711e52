"""Robustness of the ninth-power fit: influence, start year, a floor-aware form, the time trend,
the AlexNet -> NASNet-A pair, and the side-by-side with the source and its peers.

Builds on :mod:`analysis.ninth_power` (selection, fits) and :mod:`analysis.stats`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.optimize
import statsmodels.api as sm

from . import ninth_power as npw

C_REF = 1e20  # FLOP; reference compute of the floor-aware form (keeps its parameters of order one)


# ----------------------------------------------------------------------------------------------
# Influence and start year
# ----------------------------------------------------------------------------------------------
def influence_table(d: pd.DataFrame) -> pd.DataFrame:
    """Leverage, Cook's distance and gamma without each point (leave-one-out), for one selection."""
    x, y = np.log(d["compute"].to_numpy()), np.log(d["error"].to_numpy())
    res = sm.OLS(y, sm.add_constant(x)).fit()
    infl = res.get_influence()
    gamma_all = -1 / res.params[1]
    rows = []
    for i in range(len(d)):
        keep = np.arange(len(d)) != i
        b = sm.OLS(y[keep], sm.add_constant(x[keep])).fit().params[1]
        rows.append(-1 / b if b < 0 else math.inf)
    out = pd.DataFrame({
        "model": d["model"].to_numpy(), "year": d["date"].dt.year.to_numpy(), "compute": d["compute"].to_numpy(),
        "error": d["error"].to_numpy(), "leverage": infl.hat_matrix_diag, "cooks_d": infl.cooks_distance[0],
        "gamma_without": rows,
    })
    out["gamma_change"] = out["gamma_without"] - gamma_all
    return out.sort_values("gamma_change", key=np.abs, ascending=False).reset_index(drop=True)


def paper_influence(d: pd.DataFrame) -> pd.DataFrame:
    """Gamma without each paper's rows (leave one paper out), for one selection.

    A paper that reports a sweep of many variants (e.g. a model zoo) enters the fit as many rows;
    cluster-robust errors widen the interval for that, but the point estimate can still lean on it.

    Parameters
    ----------
    d : pandas.DataFrame
        A selection from :func:`analysis.ninth_power.select` (columns ``paper``, ``compute``, ``error``).

    Returns
    -------
    pandas.DataFrame
        One row per paper: ``paper``, ``n_rows``, ``gamma_without`` (OLS of ln error on ln compute
        without that paper) and ``gamma_change`` against all rows, sorted by rows, most first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> c = np.logspace(18, 22, 12)
    >>> d = pd.DataFrame({"paper": ["a"] * 8 + ["b", "c", "d", "e"], "compute": c, "error": 50 * (c / 1e18) ** -0.1})
    >>> t = paper_influence(d)
    >>> t.iloc[0]["paper"], int(t.iloc[0]["n_rows"]), round(float(t.iloc[0]["gamma_without"]), 6)
    ('a', 8, 10.0)
    """
    x, y = np.log(d["compute"].to_numpy(dtype=float)), np.log(d["error"].to_numpy(dtype=float))
    papers = d["paper"].to_numpy()

    def gamma(mask):
        b = np.polyfit(x[mask], y[mask], 1)[0] if mask.sum() >= 3 else np.nan
        return -1 / b if b < 0 else math.inf

    g_all = gamma(np.ones(len(d), dtype=bool))
    rows = [{"paper": p, "n_rows": int((papers == p).sum()), "gamma_without": gamma(papers != p)}
            for p in pd.unique(papers)]
    out = pd.DataFrame(rows)
    out["gamma_change"] = out["gamma_without"] - g_all
    return out.sort_values(["n_rows", "paper"], ascending=[False, True]).reset_index(drop=True)


def start_year_table(data: pd.DataFrame, years=range(2012, 2021), measure: str = "burden", subset: str = "single") -> pd.DataFrame:
    rows = []
    for y in years:
        r = npw.run_choice(data, npw.Choice(f"from {y}", measure=measure, subset=subset, start_year=y))
        rows.append({"start_year": y, "n": r["n"], "gamma": r.get("gamma"), "gamma_ci_low": r.get("gamma_ci_low"),
                     "gamma_ci_high": r.get("gamma_ci_high")})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Floor-aware form  error = a (C / C_REF)**(-b) + c
# ----------------------------------------------------------------------------------------------
def _floor_params(z: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Least squares on ln error of ln(a z^-b + c); params (ln a, b, c), 0 <= c < min(e)."""
    b0 = max(1e-3, -np.polyfit(np.log(z), np.log(e), 1)[0])
    a0 = float(np.exp(np.mean(np.log(e) + b0 * np.log(z))))

    def resid(p):
        return np.log(np.exp(p[0]) * z ** (-p[1]) + p[2]) - np.log(e)

    best = None
    for c0 in (0.0, 0.5 * e.min(), 0.9 * e.min()):
        a_init = max(a0 - c0, 1e-3)
        r = scipy.optimize.least_squares(resid, [math.log(a_init), b0, c0],
                                         bounds=([-20, 0.0, 0.0], [20, 5.0, 0.999 * e.min()]))
        if best is None or r.cost < best.cost:
            best = r
    return best.x


@dataclass
class FloorFit:
    """Fitted ``error = a (C/C_REF)**(-b) + c`` (percent), with bootstrap draws of the parameters."""

    log_a: float
    b: float
    c: float
    n: int
    rss: float
    draws: np.ndarray = field(repr=False)

    def predict(self, compute) -> np.ndarray:
        z = np.asarray(compute, float) / C_REF
        return np.exp(self.log_a) * z ** (-self.b) + self.c

    def compute_for_error(self, error_pct: float, level: float = 0.95) -> tuple[float, float, float]:
        def inv(p):
            la, b, c = p
            if error_pct <= c or b <= 0:
                return math.inf
            return C_REF * ((error_pct - c) / math.exp(la)) ** (-1 / b)

        point = inv((self.log_a, self.b, self.c))
        vals = np.array([inv(p) for p in self.draws])
        lo, hi = np.quantile(vals, [0.5 - level / 2, 0.5 + level / 2], method="inverted_cdf") if len(vals) else (math.nan, math.nan)
        return point, float(lo), float(hi)

    def floor_ci(self, level: float = 0.95) -> tuple[float, float]:
        lo, hi = np.quantile(self.draws[:, 2], [0.5 - level / 2, 0.5 + level / 2])
        return float(lo), float(hi)


def fit_floor(d: pd.DataFrame, n_boot: int = 300, seed: int = 0) -> FloorFit:
    z, e = d["compute"].to_numpy() / C_REF, d["error"].to_numpy()
    p = _floor_params(z, e)
    rss = float(np.sum((np.log(np.exp(p[0]) * z ** (-p[1]) + p[2]) - np.log(e)) ** 2))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(e), len(e))
        if np.unique(z[idx]).size < 3:
            continue
        draws.append(_floor_params(z[idx], e[idx]))
    return FloorFit(float(p[0]), float(p[1]), float(p[2]), len(e), rss, np.array(draws))


def _gauss_aic(rss: float, n: int, k: int, jacobian: float = 0.0) -> float:
    ll = -n / 2 * (math.log(2 * math.pi * rss / n) + 1) - jacobian
    return -2 * ll + 2 * (k + 1)


def form_comparison(d: pd.DataFrame) -> pd.DataFrame:
    """Polynomial, exponential and floor-aware forms on one selection: AIC (likelihood of ln error;
    the exponential form's likelihood of error is converted with its Jacobian) and out-of-sample
    RMSE of log10 error (leave-one-out, and fit-before-2020 / predict-from-2020)."""
    x, e = d["compute"].to_numpy(), d["error"].to_numpy()
    lx, le = np.log10(x), np.log10(e)
    n = len(e)

    def fit_predict(form, tr, te):
        if form == "polynomial":
            b = np.polyfit(lx[tr], le[tr], 1)
            return np.polyval(b, lx[te])
        if form == "exponential":
            b = np.polyfit(lx[tr], e[tr], 1)
            return np.log10(np.maximum(np.polyval(b, lx[te]), 1e-3))
        p = _floor_params(x[tr] / C_REF, e[tr])
        return np.log10(np.exp(p[0]) * (x[te] / C_REF) ** (-p[1]) + p[2])

    late = d["date"].dt.year.to_numpy() >= 2020
    rows = []
    for form, k in (("polynomial", 2), ("exponential", 2), ("floor-aware", 3)):
        full = np.arange(n)
        pred = fit_predict(form, full, full)
        if form == "exponential":
            b = np.polyfit(lx, e, 1)
            rss_e = float(np.sum((np.polyval(b, lx) - e) ** 2))
            aic = _gauss_aic(rss_e, n, k, jacobian=-float(np.sum(np.log(e))))
        else:
            rss = float(np.sum(((pred - le) * math.log(10)) ** 2))
            aic = _gauss_aic(rss, n, k)
        loo = np.array([fit_predict(form, np.delete(full, i), np.array([i]))[0] for i in range(n)])
        row = {"form": form, "parameters": k, "n": n, "aic": aic,
               "rmse_in_sample": float(np.sqrt(np.mean((pred - le) ** 2))),
               "rmse_loo": float(np.sqrt(np.mean((loo - le) ** 2)))}
        if late.sum() >= 2 and (~late).sum() >= 4:
            fut = fit_predict(form, full[~late], full[late])
            row["rmse_from_2020"] = float(np.sqrt(np.mean((fut - le[late]) ** 2)))
            row["n_from_2020"] = int(late.sum())
        rows.append(row)
    out = pd.DataFrame(rows)
    out["delta_aic"] = out["aic"] - out["aic"].min()
    return out


# ----------------------------------------------------------------------------------------------
# Time trend: how many years of "algorithmic progress" equal 10x compute
# ----------------------------------------------------------------------------------------------
def time_trend_summary(data: pd.DataFrame, measure: str = "burden", subset: str = "single", years: float = 3.0,
                       level: float = 0.95, n_boot: int = 999, seed: int = 0) -> dict:
    """Fit ln E = a + b ln C + c (year - 2012); return the R² gain over the compute-only fit and the
    compute multiplier that ``years`` of the time trend are worth at fixed error, exp(-years c / b),
    with a pairs-bootstrap percentile interval."""
    d = npw.select(data, measure, subset)
    lx, ly, t = np.log(d["compute"].to_numpy()), np.log(d["error"].to_numpy()), d["year"].to_numpy() - npw.REF_YEAR

    def coefs(idx):
        res = sm.OLS(ly[idx], sm.add_constant(np.column_stack([lx[idx], t[idx]]))).fit()
        return res

    full = np.arange(len(d))
    res = coefs(full)
    r2_c = sm.OLS(ly, sm.add_constant(lx)).fit().rsquared
    b, c = res.params[1], res.params[2]
    rng = np.random.default_rng(seed)
    eq = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(d), len(d))
        r = coefs(idx)
        eq.append(years * r.params[2] / r.params[1] if r.params[1] < 0 else math.inf)
    eq = np.array(eq)
    lo, hi = np.quantile(eq, [0.5 - level / 2, 0.5 + level / 2], method="inverted_cdf")
    log_mult = years * c / b  # at fixed error: b dlnC + c dt = 0, so dt years save exp(dt c / b)
    return {"n": len(d), "r2_compute": float(r2_c), "r2_with_time": float(res.rsquared),
            "r2_gain": float(res.rsquared - r2_c), "slope_time_per_year": float(c),
            "multiplier": float(math.exp(log_mult)), "multiplier_low": float(math.exp(lo)),
            "multiplier_high": float(math.exp(hi)) if math.isfinite(hi) else math.inf,
            "halving_months": float(12 * math.log(2) / (c / b)) if c / b > 0 else math.inf}


# ----------------------------------------------------------------------------------------------
# AlexNet -> NASNet-A
# ----------------------------------------------------------------------------------------------
def _row(data: pd.DataFrame, pattern: str) -> pd.Series | None:
    m = data[data["model"].str.contains(pattern, case=False, regex=True)]
    return None if m.empty else m.iloc[0]


def alexnet_nasnet(models: pd.DataFrame, hardware: pd.DataFrame) -> dict:
    """The article's pair, recomputed from the rows.

    Compute is the hardware burden of ONE training run in the authors' convention, rebuilt from
    the row's inputs: peak (the authors' device table where it lists the device, else the FP32/BF16
    peak of ``hardware.csv``) x devices x hours. A row without those inputs falls back to its
    burden in the authors' convention, else to the authors' public point (``*_source`` says which).
    Then ``compute ratio = peak ratio x device ratio x time ratio`` holds exactly.

    Three readings of AlexNet: the 7-CNN ensemble's error with one network's compute (how the
    authors count it), the ensemble with every network charged (x ensemble size), and a single CNN
    (its own error row, when the table has one; same one-network compute).
    """
    data = npw.prepare(models, hardware)
    a = _row(data, r"^AlexNet.*7\s*CNN")
    n = _row(data, r"^NASNet-?A")
    single = _row(data, r"^AlexNet.*(?:1\s*CNN|single)")
    if a is None or n is None:
        raise KeyError("data/imagenet_models.csv: AlexNet (7 CNNs) or NASNet-A row not found")
    h = hardware.set_index("accelerator")

    def peak(acc):
        if not isinstance(acc, str) or acc not in h.index:
            return math.nan
        v = h.loc[acc, "authors_peak_flops"]
        return float(v) if pd.notna(v) else float(h.loc[acc, "burden_peak_flops"])

    def run(r):
        p = peak(r["accelerator"])
        if math.isfinite(p) and pd.notna(r["count"]) and pd.notna(r["hours"]):
            return p * float(r["count"]) * float(r["hours"]) * 3600, p, "inputs"
        size = float(r["ensemble_size"]) if pd.notna(r["ensemble_size"]) else 1.0
        if pd.notna(r["burden"]):
            return float(r["burden"]) / size, p, "burden column"
        return float(r["authors_points"]), p, "authors' point"

    ca, pa, sa = run(a)
    cn, pn, sn = run(n)
    ea, en = float(a["top1"]), float(n["top1"])
    out = {"alexnet_model": a["model"], "nasnet_model": n["model"], "alexnet_error": ea, "nasnet_error": en,
           "alexnet_compute": ca, "nasnet_compute": cn, "alexnet_compute_source": sa, "nasnet_compute_source": sn,
           "compute_ratio": cn / ca, "error_ratio": ea / en}
    out["gamma"] = math.log(out["compute_ratio"]) / math.log(out["error_ratio"])
    out["hardware_speedup"] = pn / pa
    both = sa == sn == "inputs"
    out["device_ratio"] = float(n["count"]) / float(a["count"]) if both else math.nan
    out["time_ratio"] = float(n["hours"]) / float(a["hours"]) if both else math.nan
    out["split_product"] = out["hardware_speedup"] * out["device_ratio"] * out["time_ratio"]
    size = float(a["ensemble_size"]) if pd.notna(a["ensemble_size"]) else math.nan
    out["ensemble_size"] = size
    out["compute_ratio_all_nets"] = cn / (ca * size)
    out["gamma_all_nets_charged"] = math.log(cn / (ca * size)) / math.log(ea / en)
    out["single_error"] = float(single["top1"]) if single is not None else math.nan
    out["gamma_single"] = math.log(cn / ca) / math.log(out["single_error"] / en) if single is not None else math.nan
    return out


# ----------------------------------------------------------------------------------------------
# Peers
# ----------------------------------------------------------------------------------------------
def peer_summary(peers: pd.DataFrame, years: float = 3.0) -> dict:
    """Peers' figures turned into the same unit as ours: the compute multiplier per ``years``.

    OpenAI's AI-and-Efficiency reduction factor is derived from the two compute values and their
    dates (not copied); Erdil & Besiroglu's halving time (with its 95% interval) is converted.
    """
    a, e = peers.loc["openai_alexnet_level_alexnet"], peers.loc["openai_alexnet_level_efficientnet_b0"]
    factor = a["value"] / e["value"]
    months = (e["date"] - a["date"]).days / 365.25 * 12
    halving = months / math.log2(factor)
    eb = peers.loc[["erdil_halving_months", "erdil_halving_months_ci_low", "erdil_halving_months_ci_high"], "value"]
    per = {k: 2 ** (years * 12 / v) for k, v in zip(("erdil", "erdil_low", "erdil_high"), eb)}
    return {"openai_factor": float(factor), "openai_months": float(months), "openai_halving_months": float(halving),
            "openai_multiplier": float(2 ** (years * 12 / halving)), "erdil_halving_months": float(eb.iloc[0]),
            "erdil_multiplier": per["erdil"], "erdil_multiplier_low": per["erdil_high"],
            "erdil_multiplier_high": per["erdil_low"]}
