"""Charts of the cost chapter: the what-if calculator, the tornado, and the compute axis in $ and CO2.

The calculator computes in the browser with Vega-Lite expressions (no kernel). Its formula is
written once, in :data:`CALCULATOR_STEPS` (pure arithmetic on ``datum.*`` fields and the slider
params), so a test can evaluate the same expressions in Python (:func:`evaluate_steps`) and compare
them with :func:`analysis.cost.chain`.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from .. import cost, tables
from .theme import PALETTE, WIDTH

TARGETS = (5.0, 3.0, 1.0)
PRESETS = ("sliders", "our central values", "authors' constants", "low-carbon data centre")
# slider name -> (parameter in data/cost_parameters.csv, unit, min, max, step, label)
SLIDERS = {
    "run_year": ("run_year", "year", 2020, 2030, 1, "year of the run "),
    "utilisation": ("utilisation", "dimensionless", 0.1, 1.0, 0.05, "utilisation (achieved / peak) "),
    "grid": ("grid_intensity", "kg/kWh", 0.0, 1.0, 0.01, "grid intensity, kg CO₂ per kWh "),
    "price": ("price_per_device_hour", "USD/hour", 0.1, 5.0, 0.01, "price per V100-hour, US$ "),
    "pue": ("pue", "dimensionless", 1.0, 2.0, 0.01, "data-centre PUE "),
}
# Fixed inputs carried in the data rows (same units as the sliders' parameters).
FIXED = {"peak": ("peak_flops", "FLOP/s"), "power": ("device_power", "W"),
         "t_price": ("price_performance_doubling", "year"), "t_energy": ("energy_efficiency_doubling", "year"),
         "nyc_t_per_month": None}
# The formula, in order; each step is (field, Vega expression). Pure arithmetic: `datum.x`, slider
# names, pow(); `s` is 1 when the sliders drive the result and 0 when a preset does.
CALCULATOR_STEPS = [
    ("e_year", "datum.s * run_year + (1 - datum.s) * datum.p_run_year"),
    ("e_util", "datum.s * utilisation + (1 - datum.s) * datum.p_utilisation"),
    ("e_grid", "datum.s * grid + (1 - datum.s) * datum.p_grid"),
    ("e_price", "datum.s * price + (1 - datum.s) * datum.p_price"),
    ("e_pue", "datum.s * pue + (1 - datum.s) * datum.p_pue"),
    ("hours", "datum.flop / (datum.peak * datum.e_util * 3600)"),
    ("usd_chain", "datum.hours * datum.e_price / pow(2, (datum.e_year - 2020) / datum.t_price)"),
    ("kwh", "datum.hours * datum.power / 1000 * datum.e_pue / pow(2, (datum.e_year - 2020) / datum.t_energy)"),
    ("co2_chain", "datum.kwh * datum.e_grid / 1000"),
    ("usd", "datum.authors * datum.flop / datum.a_flop_per_usd + (1 - datum.authors) * datum.usd_chain"),
    ("co2_t", "datum.authors * datum.flop / datum.a_flop_per_t + (1 - datum.authors) * datum.co2_chain"),
    ("nyc_months", "datum.co2_t / datum.nyc_t_per_month"),
]


def _preset_rows(p: cost.Parameters, authors_per_usd: float, authors_per_t: float, nyc_authors_t: float) -> list[dict]:
    central = {k: p.magnitude(v[0], v[1]) for k, v in SLIDERS.items()}
    low_carbon = {**central, "grid": p.magnitude("grid_intensity", "kg/kWh", "low"),
                  "pue": p.magnitude("pue", "dimensionless", "low")}
    rows = []
    for name in PRESETS:
        vals = low_carbon if name == "low-carbon data centre" else central
        rows.append({"preset": name, "s": 1 if name == "sliders" else 0,
                     "authors": 1 if name == "authors' constants" else 0,
                     **{f"p_{k}": v for k, v in vals.items()}})
    return rows


def calculator_data(targets: pd.DataFrame, p: cost.Parameters, constants: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per preset and target: the compute, the fixed inputs and the preset values."""
    from .. import conversions
    constants = tables.load_conversion_constants() if constants is None else constants
    per_usd = conversions.constant("authors_flop_per_usd", constants)
    per_t = conversions.constant("authors_flop_per_lb_co2", constants) * cost.Q_(1, "t").to("lb").magnitude
    nyc_authors = cost.Q_(conversions.nyc_month_lb_co2(constants), "lb").to("t").magnitude
    nyc_ours = (p.q("nyc_emissions") * cost.Q_(1, "year") / 12).to("t").magnitude
    fixed = {"peak": p.magnitude("peak_flops", "FLOP/s"), "power": p.magnitude("device_power", "W"),
             "t_price": p.magnitude("price_performance_doubling", "year"),
             "t_energy": p.magnitude("energy_efficiency_doubling", "year"),
             "a_flop_per_usd": per_usd, "a_flop_per_t": per_t}
    rows = []
    for pr in _preset_rows(p, per_usd, per_t, nyc_authors):
        for _, t in targets.iterrows():
            nyc = nyc_authors if pr["authors"] else nyc_ours
            rows.append({**pr, **fixed, "target": float(t["target_pct"]), "flop": float(t["flop"]),
                         "nyc_t_per_month": nyc})
    return pd.DataFrame(rows)


def slider_defaults(p: cost.Parameters) -> dict:
    return {k: p.magnitude(v[0], v[1]) for k, v in SLIDERS.items()}


def evaluate_steps(row: dict, sliders: dict) -> dict:
    """Evaluate :data:`CALCULATOR_STEPS` in Python for one data row and slider values."""
    datum = dict(row)
    env = {"pow": pow, **sliders}
    for field, expr in CALCULATOR_STEPS:
        py = expr.replace("datum.", "d_")
        scope = {**env, **{f"d_{k}": v for k, v in datum.items()}}
        datum[field] = eval(py, {"__builtins__": {}}, scope)  # noqa: S307 - our own arithmetic strings
    return datum


def calculator_chart(targets: pd.DataFrame, p: cost.Parameters, constants: pd.DataFrame | None = None) -> alt.Chart:
    """Sliders and presets; the bill (US$, t CO₂, NYC-months) recomputed in the browser."""
    data = calculator_data(targets, p, constants)
    defaults = slider_defaults(p)
    params = [alt.param(name="target", value=5.0, bind=alt.binding_radio(
        options=list(TARGETS), labels=[f"{t:g}%" for t in TARGETS], name="target top-1 error "))]
    params.append(alt.param(name="preset", value="sliders", bind=alt.binding_radio(
        options=list(PRESETS), labels=["sliders", "our central values", "authors' constants", "low-carbon DC"],
        name="inputs ")))
    for name, (_, _, lo, hi, step, label) in SLIDERS.items():
        params.append(alt.param(name=name, value=defaults[name],
                                bind=alt.binding_range(min=lo, max=hi, step=step, name=label)))
    base = alt.Chart(data).transform_filter("datum.preset == preset && datum.target == target")
    for field, expr in CALCULATOR_STEPS:
        base = base.transform_calculate(**{field: expr})
    base = base.transform_calculate(
        line_usd="'cost: US$ ' + (datum.usd < 1e15 ? format(datum.usd / 1e9, ',.3~r') + ' billion'"
                 " : format(datum.usd, '.3~e'))",
        line_co2="'emissions: ' + (datum.co2_t < 1e12 ? format(datum.co2_t / 1e6, ',.3~r') + ' Mt CO₂'"
                 " : format(datum.co2_t, '.3~e') + ' t CO₂')",
        line_nyc="'= ' + (datum.nyc_months < 1e6 ? format(datum.nyc_months, ',.3~r') :"
                 " format(datum.nyc_months, '.3~e')) + ' months of New York City'",
        line_flop="'compute: ' + format(datum.flop, '.3~e') + ' FLOP (hardware burden)'",
    )
    lines = []
    for i, (field, size, color) in enumerate([("line_flop", 13, "#555555"), ("line_usd", 18, PALETTE[0]),
                                              ("line_co2", 18, PALETTE[3]), ("line_nyc", 15, PALETTE[3])]):
        lines.append(base.mark_text(align="left", baseline="middle", fontSize=size, color=color).encode(
            x=alt.value(10), y=alt.value(25 + 38 * i), text=f"{field}:N"))
    chart = alt.layer(*lines).add_params(*params)
    return chart.properties(width=WIDTH, height=170, description=(
        "A calculator: radio buttons choose the target top-1 error (5, 3 or 1 percent) and a preset (the sliders, "
        "our central values, the authors' two constants, or a low-carbon data centre); sliders set the year of the "
        "run, utilisation, grid carbon intensity, price per V100-hour and data-centre PUE. The text shows the "
        "compute, the cost in US dollars, the CO2 in megatonnes and in months of New York City's emissions."))


def tornado_chart(table: pd.DataFrame, quantity: str = "co2") -> alt.LayerChart:
    """Horizontal bars from the result with an input at its low end to its high end (log scale)."""
    unit = {"co2": ("t CO₂", "co2"), "usd": ("US$", "usd")}[quantity]
    d = table.assign(lo=np.minimum(table[f"{unit[1]}_low_end"], table[f"{unit[1]}_high_end"]),
                     hi=np.maximum(table[f"{unit[1]}_low_end"], table[f"{unit[1]}_high_end"]))
    d = d[d["swing_orders"] > 0]
    order = list(d["label"])
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    bars = alt.Chart(d).mark_bar(color=PALETTE[0], height=14).encode(
        x=alt.X("lo:Q", scale=alt.Scale(type="log"), axis=alt.Axis(format="~e", title=f"{unit[0]}, log scale")),
        x2="hi:Q", y=y,
        tooltip=["label:N", alt.Tooltip("lo:Q", format=".3~e"), alt.Tooltip("hi:Q", format=".3~e"),
                 alt.Tooltip("swing_orders:Q", format=".2f", title="orders of magnitude")])
    return bars.properties(width=WIDTH - 200, height=24 * len(d))


def tornado_figure(table: pd.DataFrame) -> alt.VConcatChart:
    chart = alt.vconcat(tornado_chart(table, "usd"), tornado_chart(table, "co2"))
    return chart.properties(description=(
        "Two tornado charts, cost in US dollars on top and CO2 in tonnes below, each on a log scale: one bar per "
        "input, from the result with that input at the low end of its range to the result at the high end, the "
        "others at their central values; inputs sorted by how many orders of magnitude they move the result, the "
        "compute for the target first."))


def context_chart(curve: pd.DataFrame, usd_per_flop: float, t_per_flop: float, refs: dict) -> alt.LayerChart:
    """The compute for each target error, with US$ and CO₂ axes (our central chain) and reference lines.

    ``curve``: target_pct, flop, flop_low, flop_high. ``refs``: label -> tonnes CO₂ (drawn as rules).
    """
    dom = [1e20, 1e38]
    c = curve.assign(flop_low=np.clip(curve["flop_low"], *dom), flop_high=np.clip(curve["flop_high"], *dom),
                     flop=np.clip(curve["flop"], *dom))
    x = alt.X("target_pct:Q", title="target top-1 error (%)", scale=alt.Scale(domain=[1, 10], reverse=True))
    ys = alt.Scale(type="log", domain=dom, nice=False)
    band = alt.Chart(c).mark_area(opacity=0.18, color=PALETTE[0]).encode(
        x=x, y=alt.Y("flop_low:Q", scale=ys, axis=alt.Axis(format="~e", title="compute (FLOP, hardware burden)",
                                                          orient="left")), y2="flop_high:Q")
    line = alt.Chart(c).mark_line(color=PALETTE[0]).encode(
        x=x, y=alt.Y("flop:Q", scale=ys, axis=None),
        tooltip=[alt.Tooltip("target_pct:Q", title="error %"), alt.Tooltip("flop:Q", format=".3~e")])
    usd_dom = [dom[0] * usd_per_flop, dom[1] * usd_per_flop]
    co2_dom = [dom[0] * t_per_flop, dom[1] * t_per_flop]
    usd_axis = alt.Chart(c).mark_line(opacity=0).encode(
        x=x, y=alt.Y("usd:Q", scale=alt.Scale(type="log", domain=usd_dom, nice=False),
                     axis=alt.Axis(format="~e", title="US$ (our central values)", orient="right"))
    ).transform_calculate(usd=f"datum.flop * {usd_per_flop!r}")
    r = pd.DataFrame({"what": list(refs), "co2_t": list(refs.values())})
    co2_scale = alt.Scale(type="log", domain=co2_dom, nice=False)
    rules = alt.Chart(r).mark_rule(strokeDash=[4, 3], color=PALETTE[3]).encode(
        y=alt.Y("co2_t:Q", scale=co2_scale, axis=alt.Axis(format="~e", title="t CO₂ (our central values)",
                                                           orient="right", offset=70)))
    text = alt.Chart(r).mark_text(align="left", dx=4, dy=-6, color=PALETTE[3], fontSize=11).encode(
        x=alt.datum(10), y=alt.Y("co2_t:Q", scale=co2_scale, axis=None), text="what:N")
    chart = alt.layer(band, line, usd_axis, rules, text).resolve_scale(y="independent")
    return chart.properties(width=WIDTH - 120, height=320, description=(
        "Compute needed for each target top-1 error from 10 down to 1 percent, from the extrapolation chapter's "
        "headline fit, with its 95 percent interval as a band, on a log scale; two right-hand axes relabel the "
        "same scale in US dollars and tonnes of CO2 with our central conversion values; dashed lines mark one "
        "month of New York City's emissions, one average American's yearly emissions and one passenger's "
        "round-trip flight between New York and San Francisco."))


def usd_and_t_per_flop(p: cost.Parameters) -> tuple[float, float]:
    r = cost.chain(1.0, p.central())
    return float(r["usd"]), float(r["co2_t"])


def finite(x: float) -> bool:
    return math.isfinite(x)
