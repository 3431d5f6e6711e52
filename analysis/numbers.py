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

import inspect
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


def caller_source(skip: int = 1) -> str:
    """Where a call came from, for provenance: ``module.function`` for library code, or
    ``notebook cell [n]: <the calling line>`` for code typed in a notebook cell (``n`` is the
    cell's execution count, which in a top-to-bottom run is its position among the code cells).

    ``skip`` frames are skipped beyond this function's caller; frames inside this module are
    skipped as well.
    """
    frame = inspect.currentframe()
    for _ in range(skip + 1):
        frame = frame.f_back if frame is not None else None
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    if frame is None:
        return ""
    module = frame.f_globals.get("__name__", "")
    info = inspect.getframeinfo(frame, context=1)
    if module == "__main__":
        line = (info.code_context or [""])[0].strip()
        try:
            from IPython import get_ipython

            shell = get_ipython()
            count = getattr(shell, "execution_count", None) if shell is not None else None
        except ImportError:  # pragma: no cover - IPython ships with the kernel
            count = None
        cell = f"notebook cell [{count}]" if count else "notebook cell"
        return f"{cell}: {line}" if line else cell
    return f"{module}.{info.function}"


def _default_inputs() -> list[str]:
    from .validate import files_read

    return list(files_read())


def number_bundle(key: str, value: Any, unit: str | None = None, note: str | None = None,
                  digits: int | None = None, source: str | None = None,
                  inputs: list[str] | tuple[str, ...] | None = None):
    """The (data, metadata) pair that :func:`glue_number` displays; separated for testing."""
    check_key(key)
    scalar = publish(value, digits, key)
    if unit is not None and not isinstance(unit, str):
        raise TypeError(f"glue key {key!r}: unit must be a string or None")
    data = {GLUE_PREFIX + GLUE_MIME: repr(scalar)}
    meta: dict[str, Any] = {"scrapbook": {"name": key, "mime_prefix": GLUE_PREFIX}}
    report = {"unit": unit or "", "type": type(scalar).__name__}
    if isinstance(scalar, float):
        report["digits"] = SIG_DIGITS if digits is None else digits
    if note:
        report["note"] = note
    if source:
        report["source"] = str(source)
    if inputs is not None:
        if isinstance(inputs, str) or not all(isinstance(i, str) for i in inputs):
            raise TypeError(f"glue key {key!r}: inputs must be a list of strings (data files or sources)")
        report["inputs"] = list(inputs)
    meta[METADATA_KEY] = report
    return data, meta


def glue_number(key: str, value: Any, unit: str | None = None, *, note: str | None = None,
                digits: int | None = None, source: str | None = None,
                inputs: list[str] | tuple[str, ...] | None = None) -> int | float:
    """Glue one number under ``key`` (not displayed) and return it at its published precision.

    ``unit`` is a short human unit ("FLOP", "USD", "%", "" for dimensionless); ``note`` an optional
    one-line description shown on the Numbers page; ``digits`` overrides :data:`SIG_DIGITS` (the
    significant digits a float is published with) for this key. The returned value is the
    published one, so a check in the notebook tests what the reader sees.

    Provenance, shown on the Numbers page and in ``results.json``: ``source`` names the function
    or notebook cell that made the number (default: the calling cell and its line, see
    :func:`caller_source`); ``inputs`` lists its data inputs (default: the curated tables the
    notebook had read through :func:`analysis.validate.read_table` when the number was glued;
    an empty list means none, e.g. a simulation).
    """
    from IPython.display import display

    source = source if source is not None else caller_source()
    inputs = inputs if inputs is not None else _default_inputs()
    data, meta = number_bundle(key, value, unit, note, digits, source, inputs)
    display(data, raw=True, metadata=meta)
    return publish(value, digits, key)


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
    frame.attrs["source"] = caller_source()  # the chapter function that built the rows
    return frame


def glue_rows(frame, *, inputs: list[str] | tuple[str, ...] | None = None) -> None:
    """Glue every row of a :func:`headline_frame` with :func:`glue_number`.

    Each number's source is the function that built the frame (recorded by
    :func:`headline_frame`) and the cell that glued it; ``inputs`` as in :func:`glue_number`.
    """
    built_by = frame.attrs.get("source", "")
    cell = caller_source()
    source = f"{built_by} (glued in {cell})" if built_by else cell
    for row in frame.itertuples(index=False):
        glue_number(row.key, row.value, row.unit, note=row.note, source=source, inputs=inputs)
