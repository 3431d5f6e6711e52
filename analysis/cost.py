"""What a target ImageNet error would cost: FLOP -> device-hours -> energy -> CO2, and -> dollars.

Chapter ``notebooks/cost.md``. Every parameter comes from ``data/cost_parameters.csv`` (built by
:mod:`analysis.cost_sources`, each row with value, unit, range, year and source) and carries its
unit through a :mod:`pint` registry, so a wrong unit fails loudly instead of scaling a result.

The chain (:func:`chain`), for a compute ``F`` in hardware burden (peak FLOP/s x time):

* device-hours ``H = F / (peak FLOP/s x utilisation)``;
* dollars ``H x price per device-hour / 2**((year - 2020) / T_price)``;
* energy ``H x device power x PUE / 2**((year - 2020) / T_energy)``;
* CO2 ``energy x grid carbon intensity``; NYC-months ``CO2 / (NYC's yearly emissions / 12)``.

``T_price`` and ``T_energy`` are the doubling times of GPU FLOP/s per dollar and per watt: a run
bought after 2020 gets cheaper and less energy-hungry per FLOP. The authors' own conversion
(two constants, :mod:`analysis.conversions`) is :func:`authors_chain`.

:func:`monte_carlo` propagates the compute interval and every parameter range; :func:`tornado`
moves one input at a time from its low to its high value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pint
import scipy.stats

from . import conversions, tables
from .cost_sources import PARAMETERS_FILE
from .validate import DataError

ureg = pint.UnitRegistry()
ureg.define("FLOP = [computation]")
ureg.define("USD = [currency]")
Q_ = ureg.Quantity

PRICE_YEAR = 2020  # the year of the prices and of the devices in the table
N_DRAWS = 20_000
SEED = 20201001
LEVEL = 0.95

# Each parameter the chain uses, with the dimensionality its unit must have.
DIMENSIONS = {
    "peak_flops": "[computation] / [time]",
    "utilisation": "[]",
    "device_power": "[power]",
    "pue": "[]",
    "grid_intensity": "[mass] / [energy]",
    "grid_intensity_strubell": "[mass] / [energy]",
    "price_per_device_hour": "[currency] / [time]",
    "price_performance_doubling": "[time]",
    "energy_efficiency_doubling": "[time]",
    "run_year": "[time]",
    "nyc_emissions": "[mass] / [time]",
    "american_per_year": "[mass]",
    "flight_ny_sf_round_trip": "[mass]",
    "gpt3_flop": "[computation]",
    "gpt3_device_hours": "[time]",
    "gpt3_energy": "[energy]",
    "gpt3_co2": "[mass]",
}
CHAIN_INPUTS = ("peak_flops", "utilisation", "device_power", "pue", "grid_intensity", "price_per_device_hour",
                "price_performance_doubling", "energy_efficiency_doubling", "run_year", "nyc_emissions")
LABELS = {
    "compute": "compute for the target (interval of the fit)",
    "peak_flops": "peak FLOP/s of the device",
    "utilisation": "utilisation (achieved / peak)",
    "device_power": "device power",
    "pue": "data-centre PUE",
    "grid_intensity": "grid carbon intensity",
    "price_per_device_hour": "price per device-hour",
    "price_performance_doubling": "price-performance doubling time",
    "energy_efficiency_doubling": "energy-efficiency doubling time",
    "run_year": "year of the run (2020-2026)",
    "nyc_emissions": "New York City's yearly emissions",
}


def load_parameters(path: Path = PARAMETERS_FILE) -> pd.DataFrame:
    """The parameter table (:func:`analysis.tables.load_cost_parameters`: schema, low <= value <= high),
    then the chapter's unit rule: every unit parses with this module's pint registry and has the
    dimension :data:`DIMENSIONS` expects (the ``unit_dimension`` rule of ``data/datapackage.json``)."""
    table = tables.load_cost_parameters(path)
    for line, (_, row) in zip(table.attrs["lines"], table.iterrows()):
        try:
            ureg.parse_units(str(row["unit"]))
        except Exception:  # pint raises several error types for unknown units
            raise DataError(path, f"unknown unit {row['unit']!r}", row=line, column="unit") from None
        want = DIMENSIONS.get(row["name"])
        if want is not None and not Q_(1.0, row["unit"]).check(want):
            raise DataError(path, f"unit {row['unit']!r} of {row['name']!r} is not {want}", row=line, column="unit")
    missing = [n for n in DIMENSIONS if n not in set(table["name"])]
    if missing:
        raise DataError(path, f"missing parameters: {', '.join(missing)}", column="name")
    return table.set_index("name")


@dataclass(frozen=True)
class Parameters:
    """Quantities (with units) for each parameter name; ``which`` is value, low or high."""

    table: pd.DataFrame

    def q(self, name: str, which: str = "value"):
        row = self.table.loc[name]
        return Q_(float(row[which]), row["unit"])

    def magnitude(self, name: str, unit: str, which: str = "value") -> float:
        return float(self.q(name, which).to(unit).magnitude)

    def central(self) -> dict:
        return {n: self.q(n) for n in CHAIN_INPUTS}


def parameters(path: Path = PARAMETERS_FILE) -> Parameters:
    return Parameters(load_parameters(path))


def _years_after(run_year) -> object:
    """Years between the price year and ``run_year`` (a quantity in years, or a plain number)."""
    years = run_year.to("year").magnitude if isinstance(run_year, pint.Quantity) else run_year
    return np.asarray(years, dtype=float) - PRICE_YEAR


def chain(flop, p: dict) -> dict:
    """Device-hours, USD, energy (kWh), CO2 (t) and NYC-months for ``flop`` FLOP.

    ``p`` maps every name in :data:`CHAIN_INPUTS` to a pint quantity (arrays allowed). A parameter
    in the wrong unit raises ``pint.DimensionalityError`` at the conversion that needs it.
    """
    flop_q = Q_(np.asarray(flop, dtype=float), "FLOP")
    years = _years_after(p["run_year"])
    hours = (flop_q / (p["peak_flops"] * p["utilisation"])).to("hour")
    cheaper = 2.0 ** (years / p["price_performance_doubling"].to("year").magnitude)
    leaner = 2.0 ** (years / p["energy_efficiency_doubling"].to("year").magnitude)
    usd = (hours * p["price_per_device_hour"] / cheaper).to("USD")
    energy = (hours * p["device_power"] * p["pue"] / leaner).to("kWh")
    co2 = (energy * p["grid_intensity"]).to("t")
    nyc_month = (p["nyc_emissions"] * Q_(1, "year") / 12).to("t")
    return {"device_hours": hours.magnitude, "usd": usd.magnitude, "energy_kwh": energy.magnitude,
            "co2_t": co2.magnitude, "nyc_months": (co2 / nyc_month).to("dimensionless").magnitude}


def authors_chain(flop, constants: pd.DataFrame | None = None) -> dict:
    """The authors' website conversion: two constants and NYC at 56.5 Mt a year."""
    constants = tables.load_conversion_constants() if constants is None else constants
    flop = np.asarray(flop, dtype=float)
    usd = flop / conversions.constant("authors_flop_per_usd", constants)
    lb = flop / conversions.constant("authors_flop_per_lb_co2", constants)
    co2_t = Q_(lb, "lb").to("t").magnitude
    return {"usd": usd, "co2_t": co2_t, "nyc_months": lb / conversions.nyc_month_lb_co2(constants)}


def strubell_style(device_hours: float, p: Parameters) -> dict:
    """Strubell et al.'s method for a run of ``device_hours``: TDP x PUE 1.58 x 0.954 lb/kWh."""
    energy = (Q_(device_hours, "hour") * p.q("device_power") * p.q("pue")).to("kWh")
    co2 = (energy * p.q("grid_intensity_strubell")).to("t")
    return {"energy_mwh": energy.to("MWh").magnitude, "co2_t": co2.magnitude}


# ---------------------------------------------------------------- uncertainty


def _split_lognormal(rng, central: float, low: float, high: float, n: int, level: float = LEVEL) -> np.ndarray:
    """Draws whose median is ``central`` and whose ``level`` interval is [low, high] (log scale)."""
    z = rng.standard_normal(n)
    zc = float(scipy.stats.norm.ppf((1 + level) / 2))
    lc = math.log10(central)
    s_lo, s_hi = (lc - math.log10(low)) / zc, (math.log10(high) - lc) / zc
    return 10 ** (lc + np.where(z < 0, z * s_lo, z * s_hi))


def _triangular(rng, value: float, low: float, high: float, n: int, log: bool) -> np.ndarray:
    if high <= low:
        return np.full(n, value)
    if log:
        return 10 ** rng.triangular(math.log10(low), math.log10(value), math.log10(high), n)
    return rng.triangular(low, value, high, n)


def draw_parameters(p: Parameters, n: int, rng) -> dict:
    """Each chain input drawn from a triangular law on [low, high] with its mode at the value
    (on a log scale for positive rates; linear for the year)."""
    out = {}
    for name in CHAIN_INPUTS:
        row = p.table.loc[name]
        draws = _triangular(rng, row["value"], row["low"], row["high"], n, log=name != "run_year")
        out[name] = Q_(draws, row["unit"])
    return out


def monte_carlo(flop: float, flop_low: float, flop_high: float, p: Parameters, n: int = N_DRAWS,
                seed: int = SEED, level: float = LEVEL) -> pd.DataFrame:
    """Percentile intervals of USD, CO2 and NYC-months when compute and every parameter vary.

    Compute is drawn from a split log-normal whose median is ``flop`` and whose ``level`` interval
    is [flop_low, flop_high] (the extrapolation's interval). Rows: usd, co2_t, nyc_months;
    columns: central (all inputs at their values), median, low, high.
    """
    if not (0 < flop_low <= flop <= flop_high < math.inf):
        raise ValueError(f"compute interval must be finite and contain the value: {flop_low}, {flop}, {flop_high}")
    rng = np.random.default_rng(seed)
    draws = draw_parameters(p, n, rng)
    f = _split_lognormal(rng, flop, flop_low, flop_high, n, level)
    out, central = chain(f, draws), chain(flop, p.central())
    q = [(1 - level) / 2, 0.5, (1 + level) / 2]
    rows = []
    for key in ("usd", "co2_t", "nyc_months"):
        lo, med, hi = np.quantile(out[key], q)
        rows.append({"quantity": key, "central": float(central[key]), "median": float(med),
                     "low": float(lo), "high": float(hi)})
    return pd.DataFrame(rows).set_index("quantity")


def tornado(flop: float, flop_low: float, flop_high: float, p: Parameters) -> pd.DataFrame:
    """One input at a time at its low and high end, the others at their values.

    Columns: input, label, usd_low_end, usd_high_end, co2_low_end, co2_high_end (results with the
    input at its low / high end) and swing_orders (log10 of the larger ratio of the two results,
    over USD, CO2 and NYC-months), sorted largest first.
    """
    base = p.central()
    rows = []
    for name in ("compute",) + CHAIN_INPUTS:
        res = {}
        for end in ("low", "high"):
            if name == "compute":
                r = chain(flop_low if end == "low" else flop_high, base)
            else:
                r = chain(flop, {**base, name: p.q(name, end)})
            res[end] = r
        usd = (float(res["low"]["usd"]), float(res["high"]["usd"]))
        co2 = (float(res["low"]["co2_t"]), float(res["high"]["co2_t"]))
        nyc = (float(res["low"]["nyc_months"]), float(res["high"]["nyc_months"]))
        swing = max(abs(math.log10(a[1] / a[0])) for a in (usd, co2, nyc))
        rows.append({"input": name, "label": LABELS[name], "usd_low_end": usd[0], "usd_high_end": usd[1],
                     "co2_low_end": co2[0], "co2_high_end": co2[1], "swing_orders": swing})
    return pd.DataFrame(rows).sort_values("swing_orders", ascending=False, kind="mergesort").reset_index(drop=True)


def hardware_gain(years: float, doubling_years: float) -> float:
    """How many times more FLOP per dollar (or per watt) ``years`` later, at a doubling time."""
    return 2.0 ** (float(years) / float(doubling_years))


def side_by_side(targets: pd.DataFrame, p: Parameters, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """The authors' conversion and our chain for each row of ``targets`` (columns target_pct, flop and
    optionally compute_from, a label carried through)."""
    rows = []
    for _, t in targets.iterrows():
        a, o = authors_chain(t["flop"], constants), chain(t["flop"], p.central())
        rows.append({"compute_from": t.get("compute_from", ""), "target_pct": t["target_pct"], "flop": t["flop"],
                     "usd_authors": float(a["usd"]), "usd_ours": float(o["usd"]),
                     "co2_t_authors": float(a["co2_t"]), "co2_t_ours": float(o["co2_t"]),
                     "nyc_months_authors": float(a["nyc_months"]), "nyc_months_ours": float(o["nyc_months"])})
    return pd.DataFrame(rows)
