"""Glue computed numbers into the book, with their unit, and export them to ``results.json``.

Every number in the prose comes from code. A notebook calls :func:`glue_number`; the prose shows
the value with ``{glue:text}`key:.3f``` and the book's Sphinx extension (``book/_ext``) collects
every number glued this way into ``_build/html/results.json`` and the "Numbers" page.

Rules enforced here (a violation raises at execution time, so the build fails):

* keys are stable ``snake_case`` names (unique across the book: checked by the extension);
* values are Python ``int`` or ``float`` (NumPy scalars are converted; arrays, booleans, NaN and
  infinities are refused), so ``{glue:text}`` can format them and JSON can hold them.
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
#: MIME type of the glued text, under GLUE_PREFIX in the notebook (the book extension reads it too)
GLUE_MIME = "text/plain"


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


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"glue key {key!r} is not snake_case (letters, digits and single underscores)")
    return key


def number_bundle(key: str, value: Any, unit: str | None = None, note: str | None = None):
    """The (data, metadata) pair that :func:`glue_number` displays; separated for testing."""
    check_key(key)
    scalar = as_python_scalar(value, key)
    if unit is not None and not isinstance(unit, str):
        raise TypeError(f"glue key {key!r}: unit must be a string or None")
    data = {GLUE_PREFIX + GLUE_MIME: repr(scalar)}
    meta: dict[str, Any] = {"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}}
    report = {"unit": unit or "", "type": type(scalar).__name__}
    if note:
        report["note"] = note
    meta[METADATA_KEY] = report
    return data, meta


def glue_number(key: str, value: Any, unit: str | None = None, *, note: str | None = None) -> int | float:
    """Glue one number under ``key`` (not displayed) and return the Python scalar.

    ``unit`` is a short human unit ("FLOP", "USD", "%", "" for dimensionless); ``note`` an optional
    one-line description shown on the Numbers page.
    """
    from IPython.display import display

    data, meta = number_bundle(key, value, unit, note)
    display(data, raw=True, metadata=meta)
    return as_python_scalar(value, key)


HEADLINE_COLUMNS = ("key", "value", "unit", "note")


def headline_frame(rows) -> "pd.DataFrame":
    """Rows ``(key, value, unit, note)`` as a DataFrame whose ``value`` column keeps each type.

    Chapter functions return their quoted numbers this way; ints stay ints (a float column would
    turn a count of 30 into 30.0).

    Examples
    --------
    >>> headline_frame([("n_models", 3, "models", "rows"), ("ratio", 0.5, "", "a ratio")])["value"].tolist()
    [3, 0.5]
    """
    import pandas as pd

    rows = [tuple(r) for r in rows]
    frame = pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object) for i, c in enumerate(HEADLINE_COLUMNS)})
    duplicated = frame["key"][frame["key"].duplicated()].tolist()
    if duplicated:
        raise ValueError(f"headline keys repeat: {duplicated}")
    return frame


def glue_rows(frame) -> None:
    """Glue every row of a :func:`headline_frame` with :func:`glue_number`."""
    for row in frame.itertuples(index=False):
        glue_number(row.key, row.value, row.unit, note=row.note)
