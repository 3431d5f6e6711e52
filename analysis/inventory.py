"""What is in ``data/``: one line per table, for the Reproducibility page.

Each table is listed with what it holds, how it is obtained (derived by a script from the upstream
public files, or transcribed by hand from the source named on each row) and the module that loads
and validates it. ``tests/test_inventory.py`` fails when a table in ``data/`` is missing here or an
entry here names a table that does not exist, so the page cannot silently fall out of date.
"""

from __future__ import annotations

import csv

import pandas as pd

from . import paths

DERIVED = "script"  # rebuilt by a script (scripts/build_data.py; analysis.cost_sources) from the upstream public files
HAND = "by hand"  # transcribed from the source named on each row

TABLES: dict[str, tuple[str, str, str]] = {
    "imagenet_models.csv": ("ImageNet-1k results, 2012-2025, with the compute behind them", DERIVED,
                            "analysis.evidence"),
    "hardware.csv": ("accelerators: peak FLOP/s, TDP, cloud prices", DERIVED, "analysis.evidence"),
    "imagenet_excluded.csv": ("upstream or curated rows not used, each with the reason", DERIVED,
                              "analysis.evidence"),
    "overparam_models.csv": ("parameters and training images of four ImageNet models", HAND,
                             "analysis.overparam"),
    "article_claims.csv": ("claims ledger: the article's, the paper's and a 2024 talk's claims, with rules", HAND,
                           "analysis.conversions"),
    "label_noise.csv": ("share of ImageNet validation labels that are wrong or fit no class", HAND,
                        "analysis.extrapolation"),
    "cost_parameters.csv": ("parameters of the FLOP to energy, CO2 and USD chain, with ranges", DERIVED,
                            "analysis.cost"),
    "conversion_constants.csv": ("FLOP to USD and CO2 constants, New York City's emissions", HAND,
                                 "analysis.conversions"),
    "peer_figures.csv": ("peers' figures on ImageNet algorithmic progress (Erdil & Besiroglu; OpenAI)", HAND,
                         "analysis.ninth_power_robust"),
}


def data_tables() -> list[str]:
    """The CSV tables at the top of ``data/`` (curated inputs in ``data/curated/`` excluded)."""
    return sorted(p.name for p in paths.DATA.glob("*.csv"))


def data_inventory() -> pd.DataFrame:
    """One row per table in ``data/``: file, rows, what it holds, how obtained, loaded by."""
    unknown = sorted(set(data_tables()) - set(TABLES))
    if unknown:
        raise KeyError(f"data/ holds tables the inventory does not describe: {', '.join(unknown)} "
                       "(add them to analysis.inventory.TABLES)")
    rows = []
    for name in data_tables():
        with (paths.DATA / name).open(newline="", encoding="utf-8") as f:
            n_rows = sum(1 for _ in csv.DictReader(f))
        what, how, loader = TABLES[name]
        rows.append({"table": name, "rows": n_rows, "holds": what, "obtained": how,
                     "loaded by": loader})
    return pd.DataFrame(rows)
