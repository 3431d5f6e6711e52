"""The article's arithmetic, recomputed: power laws in the improvement factor and the 5% bill."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from . import charts


def multiplier(k: float, exponent: float) -> float:
    """Compute (or data) multiplier needed for a k-fold improvement when cost grows as k**exponent."""
    if k <= 0:
        raise ValueError("the improvement factor k must be positive")
    return float(k) ** float(exponent)


def improvement_for_budget(budget: float, exponent: float) -> float:
    """The improvement factor a ``budget``-fold increase in compute buys when cost grows as k**exponent."""
    if budget <= 0 or exponent <= 0:
        raise ValueError("budget and exponent must be positive")
    return float(budget) ** (1.0 / float(exponent))


def multiplier_table(ks=(2, 10, 100), exponents=(2, 4, 9)) -> pd.DataFrame:
    rows = [{"k": k, "exponent": e, "multiplier": multiplier(k, e)} for k in ks for e in exponents]
    return pd.DataFrame(rows)


def multiplier_chart(k_max: float = 100.0, exponents=(2, 4), slider_default: float = 9.0) -> alt.LayerChart:
    """Compute multiplier against improvement factor, log-log, with a slider for a third exponent."""
    k = np.round(np.geomspace(1.0, k_max, 41), 6)
    fixed_rows = pd.DataFrame(
        [{"k": float(x), "law": f"k^{e}", "multiplier": multiplier(x, e)} for e in exponents for x in k]
    )
    gamma = alt.param(
        name="gamma",
        value=slider_default,
        bind=alt.binding_range(min=1, max=12, step=0.5, name="empirical exponent γ "),
    )
    x = alt.X("k:Q", scale=alt.Scale(type="log"), title="improvement factor k (error divided by k)")
    y = alt.Y("multiplier:Q", scale=alt.Scale(type="log"), title="multiplier of data or compute")
    fixed = alt.Chart(fixed_rows).mark_line().encode(x=x, y=y, color=alt.Color("law:N", title="law"))
    free = (
        alt.Chart(pd.DataFrame({"k": k}))
        .transform_calculate(multiplier="pow(datum.k, gamma)")
        .mark_line(strokeDash=[6, 4], color=charts.PALETTE[3])
        .encode(x=x, y=y)
        .add_params(gamma)
    )
    return (fixed + free).properties(
        description=(
            "Log-log lines of the data or compute multiplier needed for a k-fold improvement: k squared, "
            "k to the fourth, and a dashed line k to the power gamma whose exponent is set by a slider."
        ),
    )
