"""The article's arithmetic and the conversion constants (values pinned by hand)."""

from __future__ import annotations

import pytest

from analysis import arithmetic, conversions, tables
from analysis.validate import DataError


def test_power_law_multipliers():
    assert arithmetic.multiplier(10, 4) == 10_000
    assert arithmetic.multiplier(2, 9) == 512
    assert arithmetic.improvement_for_budget(512, 9) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        arithmetic.multiplier(0, 2)


def test_authors_constants_reproduce_their_decomposition():
    table = tables.load_conversion_constants()
    # one V100-PCIe hour at peak FP32 (14.13 TFLOP/s) priced at 0.74 USD
    assert conversions.constant("authors_flop_per_usd", table) == pytest.approx(14.13e12 * 3600 / 0.74, rel=1e-12)


def test_bill_for_1e28_flop():
    # paper-facts.md section 6: 1e28 FLOP -> 1.45e11 USD, 2.86e10 lb CO2, 2.75 NYC-months
    assert conversions.flop_to_usd_authors(1e28) == pytest.approx(1.4547e11, rel=1e-3)
    assert conversions.flop_to_lb_co2_authors(1e28) == pytest.approx(2.8591e10, rel=1e-3)
    months = conversions.flop_to_lb_co2_authors(1e28) / conversions.nyc_month_lb_co2()
    assert months == pytest.approx(2.754, abs=0.01)
    assert conversions.nyc_month_lb_co2() == pytest.approx(56.5e6 * 2204.62262 / 12, rel=1e-9)


def test_claims_table_loads_and_is_sourced():
    claims = tables.load_article_claims()
    assert {"k2_exponent", "k4_exponent", "empirical_exponent", "cost_at_5pct"} <= set(claims.index)
    assert claims["source"].str.startswith("https://").all()


def test_bad_constant_row_names_file_row_and_column(tmp_path):
    bad = tmp_path / "constants.csv"
    bad.write_text(
        "name,value,unit,status,source,note\n"
        "a,1,x,reported,https://example.org,n\n"
        "b,-3,x,reported,https://example.org,n\n"
    )
    with pytest.raises(DataError, match=r"constants.csv, row 3, column 'value': value -3 out of range"):
        tables.load_conversion_constants(bad)


def test_unknown_constant_is_an_error():
    with pytest.raises(DataError, match="not found"):
        conversions.constant("no_such_constant")
