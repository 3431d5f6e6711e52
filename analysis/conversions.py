"""Conversions from compute (FLOP) to money and CO2, with the constants' provenance.

The constants live in ``data/conversion_constants.csv`` (each with its source); the article's own
quantitative claims live in ``data/article_claims.csv``, which is also the report's claims ledger
(each claim's chapter, the result keys that test it and the rule that decides its verdict: see
:mod:`analysis.scorecard`). Both load through :mod:`analysis.tables` (``load_conversion_constants``,
``load_article_claims``), so a malformed row fails with its file, row and column.
"""

from __future__ import annotations

import pandas as pd

from . import tables
from .validate import DataError

CONSTANTS_FILE = tables.CONSTANTS_FILE
MONTHS_PER_YEAR = 12
TONNES_PER_MEGATONNE = 1e6


def constant(name: str, table: pd.DataFrame | None = None) -> float:
    table = tables.load_conversion_constants() if table is None else table
    if name not in table.index:
        raise DataError(CONSTANTS_FILE, f"constant {name!r} not found", column="name")
    return float(table.loc[name, "value"])


def flop_to_usd_authors(flop: float, table: pd.DataFrame | None = None) -> float:
    """Training cost in USD with the authors' website constant (peak V100 hours at 0.74 USD)."""
    return float(flop) / constant("authors_flop_per_usd", table)


def flop_to_lb_co2_authors(flop: float, table: pd.DataFrame | None = None) -> float:
    """Training emissions in lb CO2 with the authors' website constant."""
    return float(flop) / constant("authors_flop_per_lb_co2", table)


def nyc_month_lb_co2(table: pd.DataFrame | None = None) -> float:
    """One month of New York City's CO2 emissions in lb, from the authors' annual figure."""
    table = tables.load_conversion_constants() if table is None else table
    tonnes = constant("authors_nyc_mt_co2_per_year", table) * TONNES_PER_MEGATONNE
    return tonnes * constant("lb_per_tonne", table) / MONTHS_PER_YEAR
