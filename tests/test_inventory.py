"""The Reproducibility page's list of data tables matches what is in data/."""

from __future__ import annotations

import csv

import pytest

from analysis import inventory, paths


def test_every_table_in_data_is_described_and_nothing_else():
    assert set(inventory.data_tables()) == set(inventory.TABLES)


def test_inventory_counts_rows_like_the_csv_module():
    table = inventory.data_inventory().set_index("table")
    for name in inventory.data_tables():
        with (paths.DATA / name).open(newline="", encoding="utf-8") as f:
            expected = len(list(csv.reader(f))) - 1  # minus the header
        assert table.loc[name, "rows"] == expected


def test_an_undescribed_table_is_an_error(monkeypatch):
    monkeypatch.delitem(inventory.TABLES, "hardware.csv")
    with pytest.raises(KeyError, match="hardware.csv"):
        inventory.data_inventory()
