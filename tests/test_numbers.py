"""The glue helper: Python scalars only, snake_case keys, units carried in metadata."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from analysis import numbers


def test_numpy_scalars_become_python_scalars():
    assert type(numbers.as_python_scalar(np.float64(1.5))) is float
    assert type(numbers.as_python_scalar(np.int64(7))) is int
    assert numbers.as_python_scalar(np.float32(0.25)) == 0.25


@pytest.mark.parametrize("bad", [np.array([1.0, 2.0]), "1.0", None, [1.0]])
def test_non_scalars_are_refused(bad):
    with pytest.raises(TypeError, match="glue key 'x'"):
        numbers.as_python_scalar(bad, "x")


@pytest.mark.parametrize("bad", [True, np.bool_(False)])
def test_booleans_are_refused(bad):
    with pytest.raises(TypeError, match="booleans"):
        numbers.as_python_scalar(bad, "x")


@pytest.mark.parametrize("bad", [math.nan, math.inf, np.float64("-inf")])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ValueError, match="not finite"):
        numbers.as_python_scalar(bad, "x")


@pytest.mark.parametrize("key", ["k2_slope", "evidence_n_models", "a1_b2"])
def test_snake_case_keys_pass(key):
    assert numbers.check_key(key) == key


@pytest.mark.parametrize("key", ["K2", "k2-slope", "k2__slope", "_k2", "k2_", "2k", "k2 slope", ""])
def test_other_keys_fail(key):
    with pytest.raises(ValueError, match="snake_case"):
        numbers.check_key(key)


def test_bundle_is_a_hidden_glue_record_with_unit():
    data, meta = numbers.number_bundle("k2_slope_mean", np.float64(-0.5012), "", note="slope")
    (mime,) = data
    assert mime == "application/papermill.record/text/plain"
    assert json.loads(data[mime]) == -0.5012  # the text repr parses back exactly
    assert meta["scrapbook"] == {"name": "k2_slope_mean", "mime_prefix": numbers.GLUE_PREFIX}
    assert meta["report"] == {"unit": "", "type": "float", "note": "slope"}


def test_float_repr_round_trips_exactly():
    value = 0.1 + 0.2
    data, _ = numbers.number_bundle("x", value, "FLOP")
    assert float(data[numbers.GLUE_PREFIX + "text/plain"]) == value
