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
    assert meta["report"] == {"unit": "", "type": "float", "note": "slope", "digits": numbers.SIG_DIGITS}


def test_glued_float_is_the_published_value():
    data, _ = numbers.number_bundle("x", 0.1 + 0.2, "FLOP")
    assert data[numbers.GLUE_PREFIX + "text/plain"] == "0.3"  # not 0.30000000000000004


def test_last_bit_differences_between_blas_kernels_disappear():
    # the two values the k2 chapter glued under two OpenBLAS kernels (issue 8)
    a, b = -0.49728901163469713, -0.4972890116346971
    assert a != b
    assert numbers.publish(a) == numbers.publish(b) == -0.497289


@pytest.mark.parametrize("value, digits, expected", [
    (123456789.0, 3, 123000000.0), (0.000123456, 2, 0.00012), (0.0, None, 0.0),
    (1.45474561610e11, None, 145475000000.0), (2.5e-7, 1, 2e-7), (-1234.5678, 5, -1234.6),
])
def test_publish_rounds_to_significant_digits(value, digits, expected):
    assert numbers.publish(value, digits) == expected


def test_integers_are_never_rounded():
    assert numbers.publish(123456789) == 123456789
    assert numbers.publish(np.int64(2019), digits=1) == 2019


def test_rounding_is_idempotent():
    x = 0.830455123
    assert numbers.publish(numbers.publish(x)) == numbers.publish(x)


def test_per_key_digits_override_is_recorded():
    data, meta = numbers.number_bundle("x", 3.14159265358979, "", digits=10)
    assert json.loads(data[numbers.GLUE_PREFIX + "text/plain"]) == 3.141592654
    assert meta["report"]["digits"] == 10


@pytest.mark.parametrize("bad", [0, 18, 2.5, True])
def test_bad_digits_are_refused(bad):
    with pytest.raises(ValueError, match="digits"):
        numbers.publish(1.0, bad, "x")


def test_provenance_is_recorded_with_the_number():
    from analysis.numbers import METADATA_KEY, number_bundle

    _, meta = number_bundle("x_ratio", 0.5, "", "a ratio", source="analysis.k2_fit.k2_headline_rows",
                            inputs=["data/hardware.csv"])
    assert meta[METADATA_KEY]["source"] == "analysis.k2_fit.k2_headline_rows"
    assert meta[METADATA_KEY]["inputs"] == ["data/hardware.csv"]
    with pytest.raises(TypeError, match="inputs must be a list"):
        number_bundle("x_ratio", 0.5, inputs="data/hardware.csv")


def test_headline_frame_names_the_function_that_built_it():
    from analysis.numbers import headline_frame

    def chapter_headline_rows():
        return headline_frame([("n_rows", 3, "rows", "rows")])

    assert chapter_headline_rows().attrs["source"].endswith(".chapter_headline_rows")


def test_tables_read_are_recorded_as_inputs():
    from analysis import paths
    from analysis.validate import check_table, files_read, find_resource

    res = find_resource("hardware")
    check_table(paths.DATA / "hardware.csv", res)
    assert "data/hardware.csv" in files_read()
