"""The article's arithmetic, recomputed: power laws in the improvement factor and the 5% bill."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
