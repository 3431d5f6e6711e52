"""Typed loading of the curated CSV tables, with errors that say where and why.

Every problem raises :class:`DataError` naming the file, the row (1-based line number in the file,
header = line 1), the column and the rule broken. Nothing is dropped silently: a table either loads
whole or fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

_FILES_READ: list[str] = []  # tables read by read_table in this process, in order (provenance)


def files_read() -> tuple[str, ...]:
    """The tables :func:`read_table` has loaded in this process (repository-relative where possible).

    :func:`analysis.numbers.glue_number` records them as a number's data inputs when the caller
    does not name them.
    """
    return tuple(_FILES_READ)


class DataError(ValueError):
    """A curated table broke a rule; the message names file, row, column and rule."""

    def __init__(self, file: str | Path, rule: str, row: int | None = None, column: str | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        self.rule = rule
        where = [Path(file).name]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {rule}")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "string", "number", "integer", "date"
    required: bool = True  # an empty cell is an error
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    allowed: tuple[str, ...] | None = None
    check: Callable[[object], str | None] | None = None  # returns an error text or None


def line_number(index: int) -> int:
    """Row label used in errors: the line in the CSV file (header is line 1)."""
    return index + 2


def read_table(path: Path, columns: Iterable[Column], *, unique: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read ``path`` as strings, then check and convert each declared column.

    Unknown extra columns are an error too (a typo in a header must not silently drop data).
    """
    path = Path(path)
    columns = list(columns)
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], comment=None)
    except Exception as exc:  # pandas parser errors name the line
        raise DataError(path, f"not a readable CSV file ({exc})") from exc
    declared = [c.name for c in columns]
    for name in declared:
        if name not in raw.columns:
            raise DataError(path, "missing column", column=name)
    for name in raw.columns:
        if name not in declared:
            raise DataError(path, "unexpected column (not in the schema)", column=name)
    out = {}
    for col in columns:
        values = []
        for i, cell in enumerate(raw[col.name].tolist()):
            values.append(_convert(path, i, col, cell.strip()))
        out[col.name] = values
    frame = pd.DataFrame(out, columns=declared)
    if unique:
        seen: dict[tuple, int] = {}
        for i, key in enumerate(zip(*(frame[c] for c in unique))):
            if key in seen:
                raise DataError(
                    path,
                    f"duplicate {' + '.join(unique)} {key!r} (first seen at row {line_number(seen[key])})",
                    row=line_number(i),
                    column=unique[0],
                )
            seen[key] = i
    _record_read(path)
    for col in columns:
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(frame[col.name])
        elif col.kind == "integer":
            frame[col.name] = frame[col.name].astype("Int64")
        elif col.kind == "number":
            frame[col.name] = frame[col.name].astype("float64")
    return frame


def _record_read(path: Path) -> None:
    from .paths import ROOT

    resolved = path.resolve()
    name = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else resolved.name
    if name not in _FILES_READ:
        _FILES_READ.append(name)


def _convert(path: Path, i: int, col: Column, cell: str):
    row = line_number(i)
    if cell == "":
        if col.required:
            raise DataError(path, "empty value in a required column", row=row, column=col.name)
        return None if col.kind in ("string", "date") else math.nan
    value: object
    if col.kind == "string":
        value = cell
    elif col.kind in ("number", "integer"):
        try:
            value = float(cell)
        except ValueError:
            raise DataError(path, f"non-numeric value {cell!r}", row=row, column=col.name) from None
        if not math.isfinite(value):
            raise DataError(path, f"non-finite value {cell!r}", row=row, column=col.name)
        if col.kind == "integer":
            if not float(value).is_integer():
                raise DataError(path, f"value {cell!r} is not a whole number", row=row, column=col.name)
            value = int(value)
        _check_range(path, row, col, value)
    elif col.kind == "date":
        try:
            value = pd.Timestamp(cell)
        except (ValueError, TypeError):
            raise DataError(path, f"not a date (YYYY-MM-DD) {cell!r}", row=row, column=col.name) from None
        if col.minimum is not None and value.year < col.minimum or col.maximum is not None and value.year > col.maximum:
            raise DataError(
                path, f"date {cell} out of range [{col.minimum:g}, {col.maximum:g}]", row=row, column=col.name
            )
        value = cell
    else:  # pragma: no cover - schema bug
        raise ValueError(f"unknown column kind {col.kind!r}")
    if col.allowed is not None and str(value) not in col.allowed:
        raise DataError(path, f"value {cell!r} not one of {', '.join(col.allowed)}", row=row, column=col.name)
    if col.check is not None:
        problem = col.check(value)
        if problem:
            raise DataError(path, problem, row=row, column=col.name)
    return value


def _check_range(path: Path, row: int, col: Column, value: float) -> None:
    lo, hi = col.minimum, col.maximum
    if lo is not None and (value <= lo if col.exclusive_minimum else value < lo):
        bound = f"> {lo:g}" if col.exclusive_minimum else f">= {lo:g}"
        raise DataError(path, f"value {value:g} out of range (must be {bound})", row=row, column=col.name)
    if hi is not None and (value >= hi if col.exclusive_maximum else value > hi):
        bound = f"< {hi:g}" if col.exclusive_maximum else f"<= {hi:g}"
        raise DataError(path, f"value {value:g} out of range (must be {bound})", row=row, column=col.name)
