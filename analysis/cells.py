"""One cell against one Frictionless field descriptor (types, ranges, enums, patterns, placeholders).

Used by :func:`analysis.validate.check_table` for every cell of a table and by the build
(:func:`analysis.build.inputs.curated_problem`) for a long-format curated value against the field it
fills, so both follow the same rules from ``data/datapackage.json``.
"""

from __future__ import annotations

import datetime as dt
import math
import re

__all__ = ["check_cell", "INVISIBLE"]

INT64 = (-(2**63), 2**63 - 1)
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
INTEGER = re.compile(r"[+-]?\d+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PARTIAL_DATE = re.compile(r"\d{4}(-\d{1,2})?")
DAY_MONTH = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
OTHER_YMD = re.compile(r"\d{4}[/.]\d{1,2}[/.]\d{1,2}|\d{8}|\d{4}-\d{1,2}-\d{1,2}")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _bound(value, kind: str):
    return dt.date.fromisoformat(value) if kind == "date" else float(value)


def _fmt(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else f"{value:g}"


def _range_problem(value, kind: str, c: dict) -> str | None:
    shown = value.isoformat() if kind == "date" else f"{value:g}"
    for key, bad, word in (("minimum", lambda v, b: v < b, ">="), ("exclusiveMinimum", lambda v, b: v <= b, ">"),
                           ("maximum", lambda v, b: v > b, "<="), ("exclusiveMaximum", lambda v, b: v >= b, "<")):
        if key in c and bad(value, _bound(c[key], kind)):
            return f"value {shown} out of range (must be {word} {_fmt(_bound(c[key], kind))})"
    return None


def _parse_date(cell: str) -> tuple[object, str | None]:
    if ISO_DATE.fullmatch(cell):
        try:
            return dt.date.fromisoformat(cell), None
        except ValueError:
            return None, f"not a calendar date {cell!r} (YYYY-MM-DD)"
    if DAY_MONTH.fullmatch(cell):
        return None, f"date {cell!r} is not ISO (YYYY-MM-DD): day and month order is ambiguous"
    if OTHER_YMD.fullmatch(cell):
        return None, f"date {cell!r} is not ISO (write YYYY-MM-DD)"
    if PARTIAL_DATE.fullmatch(cell):
        return None, f"partial date {cell!r}: give year, month and day (YYYY-MM-DD)"
    return None, f"not a date (YYYY-MM-DD) {cell!r}"


def check_cell(spec: dict, cell: str, sentinels: frozenset[str] = frozenset(),
               today: dt.date | None = None) -> tuple[object, str | None]:
    """Check one stripped text cell against one field descriptor.

    Parameters
    ----------
    spec : dict
        Frictionless field descriptor (``name``, ``type``, ``constraints``).
    cell : str
        The cell text, stripped of surrounding whitespace.
    sentinels : frozenset of str
        Placeholder strings (``NaN``, ``N/A``, ``-``, ...) refused in every column.
    today : datetime.date, optional
        Dates after it are refused (default: today).

    Returns
    -------
    tuple
        ``(value, problem)``: the typed value (None/NaN when empty) and the broken rule or None.

    Examples
    --------
    >>> check_cell({"name": "n", "type": "integer"}, "2.24e2")[1]
    "value '2.24e2' is not a whole number written in digits"
    """
    kind = spec.get("type", "string")
    c = spec.get("constraints", {})
    if cell == "":
        problem = "empty value in a required column" if c.get("required") else None
        return (math.nan if kind in ("number", "integer") else None), problem
    if cell in sentinels and cell not in c.get("enum", ()):
        return None, f"placeholder {cell!r}: leave the cell empty and say why in the note"
    if INVISIBLE.search(cell):
        return None, f"invisible character {INVISIBLE.search(cell).group(0)!r} in {cell!r}"
    if kind == "string":
        value: object = cell
    elif kind in ("number", "integer"):
        if kind == "integer" and not INTEGER.fullmatch(cell):
            digits = NUMBER.fullmatch(cell) and math.isfinite(float(cell)) and float(cell).is_integer()
            word = "is not a whole number written in digits" if digits else "is not a whole number"
            return None, f"value {cell!r} {word}"
        if not NUMBER.fullmatch(cell):
            if cell.lower().lstrip("+-") in ("inf", "infinity", "nan"):
                return None, f"non-finite value {cell!r}"
            return None, f"non-numeric value {cell!r}"
        value = int(cell) if kind == "integer" else float(cell)
        if kind == "integer" and not INT64[0] <= value <= INT64[1]:
            return None, f"value {cell} overflows a 64-bit integer"
        if not math.isfinite(value):
            return None, f"value {cell} overflows a 64-bit float"
        problem = _range_problem(value, kind, c)
        if problem:
            return None, problem
    else:  # date
        value, problem = _parse_date(cell)
        if problem:
            return None, problem
        today = dt.date.today() if today is None else today
        if value > today:
            return None, f"date {cell} is after today ({today.isoformat()})"
        problem = _range_problem(value, "date", c)
        if problem:
            return None, problem
    if "enum" in c and str(value) not in c["enum"]:
        return None, f"value {cell!r} not one of {', '.join(c['enum'])}"
    if "pattern" in c and not re.fullmatch(c["pattern"], str(value)):
        return None, f"value {cell!r} does not match pattern {c['pattern']}"
    return value, None


