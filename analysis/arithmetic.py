"""The article's arithmetic, recomputed: power laws in the improvement factor and the 5% bill."""

from __future__ import annotations

import pandas as pd

from . import conversions
from .numbers import headline_frame


def multiplier(k: float, exponent: float) -> float:
    """Compute (or data) multiplier needed for a k-fold improvement when cost grows as k**exponent.

    Parameters
    ----------
    k : float
        Improvement factor (positive).
    exponent : float

    Returns
    -------
    float

    Examples
    --------
    >>> multiplier(2, 9)
    512.0
    """
    if k <= 0:
        raise ValueError("the improvement factor k must be positive")
    return float(k) ** float(exponent)


def improvement_for_budget(budget: float, exponent: float) -> float:
    """The improvement factor a ``budget``-fold increase in compute buys when cost grows as k**exponent.

    Parameters
    ----------
    budget : float
        Compute multiplier (positive).
    exponent : float
        Positive exponent.

    Returns
    -------
    float

    Examples
    --------
    >>> round(improvement_for_budget(1000, 9), 4)
    2.1544
    """
    if budget <= 0 or exponent <= 0:
        raise ValueError("budget and exponent must be positive")
    return float(budget) ** (1.0 / float(exponent))


def multiplier_table(ks=(2, 10, 100), exponents=(2, 4, 9)) -> pd.DataFrame:
    """The multipliers the article's laws imply, one row per (k, exponent).

    Parameters
    ----------
    ks : sequence of float
        Improvement factors.
    exponents : sequence of float

    Returns
    -------
    pandas.DataFrame
        Columns ``k``, ``exponent``, ``multiplier``.
    """
    rows = [{"k": k, "exponent": e, "multiplier": multiplier(k, e)} for k in ks for e in exponents]
    return pd.DataFrame(rows)


def five_percent_bill(claims: pd.DataFrame, constants: pd.DataFrame) -> dict[str, float]:
    """The article's compute for 5% ImageNet error, priced and converted to CO2 with the authors' constants.

    Parameters
    ----------
    claims, constants : pandas.DataFrame
        ``tables.load_article_claims()`` and ``tables.load_conversion_constants()``.

    Returns
    -------
    dict
        ``flop``, ``usd``, ``lb_co2``, ``nyc_month_lb`` (one NYC month of CO2), ``nyc_months``
        and ``flop_per_nyc_month``.
    """
    flop = claims.loc["compute_at_5pct", "value"]
    lb_co2 = conversions.flop_to_lb_co2_authors(flop, constants)
    nyc_month = conversions.nyc_month_lb_co2(constants)
    return {
        "flop": flop,
        "usd": conversions.flop_to_usd_authors(flop, constants),
        "lb_co2": lb_co2,
        "nyc_month_lb": nyc_month,
        "nyc_months": lb_co2 / nyc_month,
        "flop_per_nyc_month": nyc_month * conversions.constant("authors_flop_per_lb_co2", constants),
    }


def arithmetic_headline_rows(claims: pd.DataFrame, constants: pd.DataFrame) -> pd.DataFrame:
    """The chapter's quoted numbers as rows ``(key, value, unit, note)`` under stable glue keys.

    Checks what the prose says of them: the k^4 law gives the article's own ten-fold example, and
    halving the error under k^9 costs more than the article's "more than 500 times"
    (``AssertionError`` otherwise).

    Parameters
    ----------
    claims, constants : pandas.DataFrame
        ``tables.load_article_claims()`` and ``tables.load_conversion_constants()``.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``value``, ``unit``, ``note``.
    """
    k4 = multiplier(10, claims.loc["k4_exponent", "value"])
    halving = multiplier(2, claims.loc["empirical_exponent", "value"])
    assert k4 == claims.loc["k4_example_multiplier", "value"], "k^4 law no longer gives the article's example"
    assert halving > claims.loc["halving_multiplier", "value"], "k^9 halving no longer exceeds the article's 500"
    bill = five_percent_bill(claims, constants)
    return headline_frame([
        ("arith_k4_multiplier_k10", k4, "×", "compute multiplier for a 10-fold improvement under the k^4 law"),
        ("arith_halving_multiplier_k9", halving, "×", "compute multiplier for halving the error under the k^9 law"),
        ("arith_claimed_halving_multiplier", claims.loc["halving_multiplier", "value"], "×",
         "the article's 'more than 500 times' (quoted)"),
        ("arith_gain_from_1000x_k9", improvement_for_budget(1000, claims.loc["empirical_exponent", "value"]), "×",
         "error reduction bought by 1000 times more compute under the k^9 law"),
        ("arith_compute_5pct_flop", bill["flop"], "FLOP", "the article's compute for 5% error (quoted)"),
        ("arith_cost_5pct_usd", bill["usd"], "USD", "that compute priced with the authors' constant"),
        ("arith_co2_5pct_lb", bill["lb_co2"], "lb CO2", "that compute in CO2 with the authors' constant"),
        ("arith_nyc_month_lb", bill["nyc_month_lb"], "lb CO2", "one month of New York City's emissions (authors' figure)"),
        ("arith_nyc_months_5pct", bill["nyc_months"], "months", "the 5% model's CO2 in NYC-months"),
        ("arith_flop_per_nyc_month", bill["flop_per_nyc_month"], "FLOP",
         "compute whose CO2 equals one NYC-month (authors' constants)"),
    ])
