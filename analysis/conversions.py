"""Conversions from compute (FLOP) to money and CO2, with the constants' provenance.

The constants live in ``data/conversion_constants.csv`` (each with its source); the article's own
quantitative claims live in ``data/article_claims.csv``, which is also the report's claims ledger
(each claim's chapter, the result keys that test it and the rule that decides its verdict: see
:mod:`analysis.scorecard`). Both load through
:mod:`analysis.validate`, so a malformed row fails with its file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import paths
from .validate import Column, DataError, read_table

CONSTANTS_FILE = paths.DATA / "conversion_constants.csv"
CLAIMS_FILE = paths.DATA / "article_claims.csv"
MONTHS_PER_YEAR = 12
TONNES_PER_MEGATONNE = 1e6


def _is_url(value: object) -> str | None:
    return None if str(value).startswith(("http://", "https://")) else "source must be a URL (https://...)"


CONSTANT_COLUMNS = [
    Column("name", "string"),
    Column("value", "number", minimum=0, exclusive_minimum=True),
    Column("unit", "string"),
    Column("status", "string", allowed=("reported", "derived", "definition", "estimated")),
    Column("source", "string", check=_is_url),
    Column("note", "string"),
]

#: chapters a ledger row can belong to ("none": a claim no chapter of the report tests)
CLAIM_CHAPTERS = ("k2_data_bound", "overparameterization", "evidence", "ninth_power", "extrapolation", "cost",
                  "article_arithmetic", "backtest", "none")

CLAIM_COLUMNS = [
    Column("claim_id", "string"),
    Column("chapter", "string", allowed=CLAIM_CHAPTERS),
    Column("claim", "string"),
    Column("value", "number"),
    Column("unit", "string"),
    Column("source", "string", check=_is_url),  # the citation: URL, DOI or arXiv link, with a locator if known
    Column("wording_checked", "string", allowed=("yes", "no")),
    Column("result_keys", "string", required=False),  # results.json keys, ";"-separated
    Column("rule", "string"),  # the verdict rule, analysis.scorecard.RULES
    Column("enabled", "string", allowed=("yes", "no")),  # "no": its chapter is not in the book yet
    Column("note", "string", required=False),
]


def load_constants(path: Path = CONSTANTS_FILE) -> pd.DataFrame:
    return read_table(path, CONSTANT_COLUMNS, unique=("name",)).set_index("name")


def load_claims(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    return read_table(path, CLAIM_COLUMNS, unique=("claim_id",)).set_index("claim_id")


def constant(name: str, table: pd.DataFrame | None = None) -> float:
    table = load_constants() if table is None else table
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
    table = load_constants() if table is None else table
    tonnes = constant("authors_nyc_mt_co2_per_year", table) * TONNES_PER_MEGATONNE
    return tonnes * constant("lb_per_tonne", table) / MONTHS_PER_YEAR
