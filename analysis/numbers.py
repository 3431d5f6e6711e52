"""Glue computed numbers into the book, with their unit, and export them to ``results.json``.

Every number in the prose comes from code. A notebook calls :func:`glue_number`; the prose shows
the value with ``{glue:text}`key:.3f``` and the book's Sphinx extension (``book/_ext``) collects
every number glued this way into ``_build/html/results.json`` and the "Numbers" page.

Rules enforced here (a violation raises at execution time, so the build fails):

* keys are stable ``snake_case`` names (unique across the book: checked by the extension);
* values are Python ``int`` or ``float`` (NumPy scalars are converted; arrays, booleans, NaN and
  infinities are refused), so ``{glue:text}`` can format them and JSON can hold them;
* **published precision**: every float is rounded once, here, to ``SIG_DIGITS`` significant digits
  (``digits=`` overrides it for one key that needs more or fewer). Integers (counts, years) are
  exact and never rounded. The rounded value is what the page shows, what ``results.json`` and
  the golden notebooks hold and what the tests compare, so a number does not depend on the last
  bits that differ between BLAS kernels (e.g. ``OPENBLAS_CORETYPE``), which move the 16th digit.
  Six digits keep every value the prose prints unchanged (a coarser default such as 4 would
  round twice, e.g. 0.830455 -> 0.8305 -> "0.831" where the exact value prints "0.830").
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import numpy as np

GLUE_PREFIX = "application/papermill.record/"
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
METADATA_KEY = "report"
SIG_DIGITS = 6  # published precision of glued floats: significant digits


def as_python_scalar(value: Any, key: str = "?") -> int | float:
    """Return ``value`` as a finite Python ``int`` or ``float``; raise ``TypeError``/``ValueError``."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"glue key {key!r}: booleans are not numbers; glue 0/1 or a string")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        out = float(value)
        if not math.isfinite(out):
            raise ValueError(f"glue key {key!r}: value {out!r} is not finite")
        return out
    raise TypeError(
        f"glue key {key!r}: expected an int or float, got {type(value).__name__}"
        " (reduce arrays and Series to one scalar first)"
    )


def publish(value: Any, digits: int | None = None, key: str = "?") -> int | float:
    """``value`` at its published precision: ints unchanged, floats to ``digits`` significant digits.

    ``digits`` defaults to :data:`SIG_DIGITS`. Rounding is idempotent (``publish(publish(x)) ==
    publish(x)``), so a value rounded earlier to as many digits or fewer is not changed again.

    >>> publish(-0.49728901163469713), publish(-0.4972890116346971)
    (-0.497289, -0.497289)
    >>> publish(2019), publish(1234.5678, digits=2)
    (2019, 1200.0)
    """
    scalar = as_python_scalar(value, key)
    if isinstance(scalar, int):
        return scalar
    digits = SIG_DIGITS if digits is None else digits
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"glue key {key!r}: digits must be an int in 1..17, got {digits!r}")
    if scalar == 0.0:
        return 0.0
    return float(f"{scalar:.{digits - 1}e}")


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"glue key {key!r} is not snake_case (letters, digits and single underscores)")
    return key


def number_bundle(key: str, value: Any, unit: str | None = None, note: str | None = None,
                  digits: int | None = None):
    """The (data, metadata) pair that :func:`glue_number` displays; separated for testing."""
    check_key(key)
    scalar = publish(value, digits, key)
    if unit is not None and not isinstance(unit, str):
        raise TypeError(f"glue key {key!r}: unit must be a string or None")
    data = {GLUE_PREFIX + "text/plain": repr(scalar)}
    meta: dict[str, Any] = {"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}}
    report = {"unit": unit or "", "type": type(scalar).__name__}
    if isinstance(scalar, float):
        report["digits"] = SIG_DIGITS if digits is None else digits
    if note:
        report["note"] = note
    meta[METADATA_KEY] = report
    return data, meta


def glue_number(key: str, value: Any, unit: str | None = None, *, note: str | None = None,
                digits: int | None = None) -> int | float:
    """Glue one number under ``key`` (not displayed) and return it at its published precision.

    ``unit`` is a short human unit ("FLOP", "USD", "%", "" for dimensionless); ``note`` an optional
    one-line description shown on the Numbers page; ``digits`` overrides :data:`SIG_DIGITS` (the
    significant digits a float is published with) for this key. The returned value is the
    published one, so a check in the notebook tests what the reader sees.
    """
    from IPython.display import display

    data, meta = number_bundle(key, value, unit, note, digits)
    display(data, raw=True, metadata=meta)
    return publish(value, digits, key)
