"""Build ``data/cost_parameters.csv``: every parameter of the cost chapter, with range and source.

Run ``python -m analysis.cost_sources`` to rewrite the table. Two kinds of row:

* **read from a publication** (:data:`CURATED`): the value, range, year and source as printed
  (paper, table, page); the note says which table or line;
* **derived by this script** from public data: the accelerator specs from ``data/hardware.csv``
  (itself derived from Epoch AI's chip dataset), the 2018–2020 V100 cloud prices from Epoch AI's
  ``Hardware prices.csv``, and the doubling times of GPU price-performance (FP32 FLOP/s per
  release-price dollar) and energy efficiency (FP32 FLOP/s per watt of TDP) fitted to Epoch AI's
  ``ml_hardware.csv`` (CC BY 4.0, credit Epoch AI). The upstream files are read from the shared
  data folder (:func:`analysis.paths.shared_data_sources`) and never copied.

``low`` and ``high`` bound the range the chapter's Monte Carlo draws from; ``low = high = value``
marks a fixed quantity (a definition, a comparator, a published total).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from . import paths

PARAMETERS_FILE = paths.DATA / "cost_parameters.csv"
FIELDS = ("name", "value", "unit", "low", "high", "year", "source", "note")
PRICES_WINDOW_END = "2020-12-31"  # cloud prices quoted up to the end of 2020 (the paper's era)
EPOCH_HARDWARE_URL = "https://epoch.ai/data/machine-learning-hardware"
EPOCH_PRICES_URL = "https://github.com/epoch-research/training-cost-trends/blob/263c40a/data/Hardware%20prices.csv"
STRUBELL = "https://arxiv.org/abs/1906.02243"
PATTERSON = "https://arxiv.org/abs/2104.10350"

# name, value, unit, low, high, year, source, note
CURATED: list[tuple] = [
    ("utilisation", 1.0, "dimensionless", 1.0, 1.0, 2020,
     "https://github.com/Computer-Progress/api/blob/a36358b/app/database/seeders/imagenet.py",
     "Achieved over peak FLOP/s. The chapter's compute is hardware burden = peak FLOP/s x devices x "
     "wall-clock time (the authors' formula), so device-hours = burden / peak exactly: utilisation is 1 "
     "by definition and already inside the compute figure. Set it below 1 only for counted operations."),
    ("pue", 1.58, "dimensionless", 1.10, 1.59, 2019, STRUBELL,
     "Data-centre power usage effectiveness. Value: Strubell et al. 2019, section 2 (the industry average "
     "they used, as widely quoted; Patterson et al. 2021 give 1.59 for the US average in 2020). Low: 1.10, Google and Microsoft data centres in 2020 (Patterson et al. 2021, Table 4, "
     "arXiv:2104.10350). High: 1.59, US average data centre (Patterson et al. 2021, Table 1)."),
    ("grid_intensity", 0.429, "kg/kWh", 0.080, 0.545, 2020, PATTERSON,
     "kg CO2e per kWh. Value: US average 2020 (Patterson et al. 2021, Table 1; it equals 0.946 lb/kWh, "
     "against Strubell's 0.954). Low: Google Iowa net of carbon-free purchases, 2020 (Table 1). "
     "High: Google Taiwan, 2019 (Table 4)."),
    ("grid_intensity_strubell", 0.954, "lb/kWh", 0.954, 0.954, 2018, STRUBELL,
     "lb CO2e per kWh, the US average (EPA) that Strubell et al. 2019 use in section 2, as widely quoted; "
     "our stored copies of the paper did not show the equation's text. Patterson et al. 2021 (Table 1) give "
     "0.429 kg/kWh = 0.946 lb/kWh for the US in 2020, within 1%. Used only for the Strubell-style figures."),
    ("run_year", 2020.0, "year", 2020.0, 2026.0, 2020, "https://cccblog.org/2024/04/30/25753",
     "Year the run would be bought. Value and low: 2020, the prices of the paper's time (same basis as "
     "the authors' constants). High: 2026, the authors' own later date for 5% error (Manso, AAAS 2024)."),
    ("nyc_emissions", 49.3, "Mt/year", 48.4, 58.0, 2009, "http://www.nyc.gov/html/om/html/2010b/pr412-10.html",
     "New York City citywide GHG emissions, Mt CO2e per year. Value: 49.3 Mt in 2009 (2010 Inventory of "
     "New York City Greenhouse Gas Emissions, nyc.gov press release PR-412-10). Low: 48.4 Mt in 2020 (the "
     "city's January 2022 inventory, as reported by NYU Marron Institute, "
     "https://marroninstitute.nyu.edu/blog/the-civic-analytics-program-assists-the-city-of-new-york-in-tracking-ghg-emissions). "
     "High: about 58 Mt in 2005 (first inventory, April 2007). The authors' 56.5 Mt has no stated source "
     "or year; it lies inside this range."),
    ("american_per_year", 36156.0, "lb", 36156.0, 36156.0, 2019, STRUBELL,
     "lb CO2e emitted by an average American in one year (Strubell et al. 2019, Table 1)."),
    ("flight_ny_sf_round_trip", 1984.0, "lb", 1984.0, 1984.0, 2019, STRUBELL,
     "lb CO2e of one passenger's New York <-> San Francisco round trip by air (Strubell et al. 2019, "
     "Table 1). We found no primary source for a transatlantic flight; this transcontinental round trip "
     "is the flight both cited papers use (Patterson et al. 2021 put it at ~1.2 t, Table 1 caption)."),
    ("gpt3_flop", 3.14e23, "FLOP", 3.14e23, 3.14e23, 2020, PATTERSON,
     "GPT-3 training computation (Patterson et al. 2021, Table 4)."),
    ("gpt3_device_hours", 3.552e6, "hour", 3.552e6, 3.552e6, 2020, PATTERSON,
     "GPT-3 V100-hours: 10,000 chips x 14.8 days x 24 h (Patterson et al. 2021, Table 4)."),
    ("gpt3_energy", 1287.0, "MWh", 1287.0, 1287.0, 2020, PATTERSON,
     "GPT-3 training energy reported from OpenAI's measurements (Patterson et al. 2021, Table 4)."),
    ("gpt3_co2", 552.1, "t", 552.1, 552.1, 2020, PATTERSON,
     "GPT-3 training emissions, t CO2e (Patterson et al. 2021, Table 4; US average grid)."),
    ("nas_overestimate", 88.0, "dimensionless", 18.7, 88.0, 2021, PATTERSON,
     "Factor by which Strubell et al.'s estimate for the Evolved Transformer search exceeded the measured "
     "footprint: 88x in emissions for Google's data centres, 18.7x in energy for an average organisation "
     "(Patterson et al. 2021, section 4.1)."),
    ("price_performance_doubling_hb2022", 2.46, "year", 2.24, 2.72, 2022,
     "https://epoch.ai/blog/trends-in-gpu-price-performance",
     "Doubling time of GPU FLOP/s per dollar, 470 GPUs 2006-2021, 95% CI (Hobbhahn & Besiroglu 2022). "
     "Their ML-GPU subset: 2.07 years [1.54, 3.13]. Comparator for our own fit."),
]


def _shared(relative: str) -> Path:
    root = paths.shared_data_sources()
    if root is None:
        raise FileNotFoundError("the shared data folder is missing (set DLDR_SHARED_DATA): needed to rebuild "
                                f"{PARAMETERS_FILE.name}")
    return root / relative


def _hardware_row(name: str) -> pd.Series:
    hw = pd.read_csv(paths.DATA / "hardware.csv")
    row = hw[hw["accelerator"] == name]
    if len(row) != 1:
        raise KeyError(f"hardware.csv: accelerator {name!r} not found exactly once")
    return row.iloc[0]


def device_rows() -> list[tuple]:
    """V100 peak FP32 and TDP from ``data/hardware.csv`` (the authors priced V100-PCIe peak-hours)."""
    pcie, sxm2 = _hardware_row("V100 PCIe"), _hardware_row("V100 SXM2")
    return [
        ("peak_flops", float(pcie["peak_fp32_flops"]), "FLOP/s", float(pcie["peak_fp32_flops"]),
         float(sxm2["peak_fp32_flops"]), 2017, EPOCH_HARDWARE_URL,
         "Peak FP32 FLOP/s of the reference device (data/hardware.csv from Epoch AI's chip dataset). Value "
         "and low: V100 PCIe, the device in the authors' dollar constant; high: V100 SXM2."),
        ("device_power", float(sxm2["tdp_w"]), "W", float(pcie["tdp_w"]), 330.0, 2017, EPOCH_HARDWARE_URL,
         "Power drawn per device. Value: V100 SXM2 TDP; low: V100 PCIe TDP (data/hardware.csv). High: 330 W, "
         "measured system power per V100 including host share in GPT-3's run (Patterson et al. 2021, Table 4)."),
    ]


def v100_price_row(prices: pd.DataFrame | None = None) -> tuple:
    """Median on-demand V100 price per chip-hour quoted up to 2020 (low: cheapest 3-year commitment)."""
    if prices is None:
        prices = pd.read_csv(_shared("epoch-training-cost-trends/Hardware prices.csv"))
    v = prices[prices["Hardware model"].astype(str).str.contains("V100")
               & prices["Price per chip-hour (on-demand)"].notna()
               & (prices["Price date"] <= PRICES_WINDOW_END)]
    if v.empty:
        raise ValueError("Hardware prices.csv: no V100 on-demand price up to 2020")
    on_demand = v["Price per chip-hour (on-demand)"].astype(float)
    cud = v["Price per chip-hour (3-year CUD)"].dropna().astype(float)
    return ("price_per_device_hour", round(float(on_demand.median()), 4), "USD/hour",
            round(float(cud.min()), 4), round(float(on_demand.max()), 4), 2020, EPOCH_PRICES_URL,
            f"Cloud price of one V100-hour, from {len(v)} quotes dated {v['Price date'].min()} to "
            f"{v['Price date'].max()} (Epoch AI, Hardware prices.csv; AWS and Azure). Value: median on-demand "
            "price; low: cheapest 3-year committed-use price; high: dearest on-demand price. The authors' "
            "constant implies 0.74 USD (a preemptible rate), below this range.")


def _doubling(dates: pd.Series, ratio: pd.Series) -> tuple[float, float, float, int]:
    years = dates.dt.year + (dates.dt.day_of_year - 1) / 365.25
    res = sm.OLS(np.log2(ratio.to_numpy(float)), sm.add_constant(years.to_numpy(float))).fit()
    slope = float(res.params[1])
    lo, hi = (float(v) for v in res.conf_int(0.05)[1])
    if lo <= 0:
        raise ValueError("doubling-time fit: the slope's interval includes zero")
    return 1 / slope, 1 / hi, 1 / lo, int(res.nobs)


def trend_rows(hardware: pd.DataFrame | None = None) -> list[tuple]:
    """Doubling times of GPU FLOP/s per dollar and per watt, OLS of log2 ratio on release year (95% CI)."""
    if hardware is None:
        hardware = pd.read_csv(_shared("epoch-ml-hardware/ml_hardware.csv"))
    g = hardware[hardware["Type"] == "GPU"].copy()
    g["date"] = pd.to_datetime(g["Release date"], errors="coerce")
    fp32 = "FP32 (single precision) performance (FLOP/s)"
    price = g.dropna(subset=["date", fp32, "Release price (USD)"])
    energy = g.dropna(subset=["date", fp32, "TDP (W)"])
    t_p, lo_p, hi_p, n_p = _doubling(price["date"], price[fp32] / price["Release price (USD)"])
    t_e, lo_e, hi_e, n_e = _doubling(energy["date"], energy[fp32] / energy["TDP (W)"])
    span = lambda d: f"{d['date'].dt.year.min()}-{d['date'].dt.year.max()}"  # noqa: E731
    return [
        ("price_performance_doubling", round(t_p, 4), "year", round(lo_p, 4), round(hi_p, 4), 2025,
         EPOCH_HARDWARE_URL,
         f"Doubling time of FP32 FLOP/s per release-price dollar: OLS of log2(FLOP/s per USD) on release "
         f"date for {n_p} GPUs released {span(price)} (Epoch AI ml_hardware.csv); low/high: 95% CI."),
        ("energy_efficiency_doubling", round(t_e, 4), "year", round(lo_e, 4), round(hi_e, 4), 2025,
         EPOCH_HARDWARE_URL,
         f"Doubling time of FP32 FLOP/s per watt of TDP: OLS of log2(FLOP/s per W) on release date for "
         f"{n_e} GPUs released {span(energy)} (Epoch AI ml_hardware.csv); low/high: 95% CI."),
    ]


def build_rows() -> list[dict]:
    rows = device_rows() + [v100_price_row()] + trend_rows() + CURATED
    out = [dict(zip(FIELDS, r)) for r in rows]
    for r in out:
        for k in ("value", "low", "high"):
            if not math.isfinite(float(r[k])):
                raise ValueError(f"{r['name']}: non-finite {k}")
    return out


def write(path: Path = PARAMETERS_FILE) -> Path:
    rows = build_rows()
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{r[k]:.10g}" if isinstance(r[k], float) else r[k]) for k in FIELDS})
    return Path(path)


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {write()}")
