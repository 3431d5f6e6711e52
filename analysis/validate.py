"""The one validator of the data tables: ``data/datapackage.json`` is its only rule book.

Each table of ``data/`` (and ``data/curated/``) is described there with a Frictionless v2 table
schema: field types, required fields, ranges, allowed values, patterns, keys and foreign keys. The
project's own rules sit in the same file under ``x-`` properties (``x-provenance``, ``x-rules``,
``x-sentinels``, ``x-provenance-text``, ``x-target``) and are applied by :mod:`analysis.rules`.

:func:`check_table` reads one CSV with the :mod:`csv` module, so every problem carries the physical
line of the file (header = line 1; blank lines and quoted newlines do not shift it), and collects
*every* problem rather than stopping at the first. Loaders (:mod:`analysis.tables`) raise
:class:`DataError` when a table has any problem; the command line checks a whole folder::

    python -m analysis.validate [DIR]      # default data/; exit 0 when clean, 1 otherwise

and prints one line per problem, ``FILE:ROW:COLUMN: rule`` (``-`` where no row or column applies).
The command line also runs ``frictionless`` on the package for its structural checks and adds any
problem it finds that the project's checks did not already report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import paths
from .cells import check_cell

__all__ = ["DATAPACKAGE", "DataError", "Problem", "Table", "load_datapackage", "find_resource", "check_table",
           "check_folder", "main"]

DATAPACKAGE = paths.DATA / "datapackage.json"
FIELD_TYPES = frozenset({"string", "number", "integer", "date"})
DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "pipes"}
_FILES_READ: list[str] = []  # tables checked and loaded in this process, in order (provenance)


def files_read() -> tuple[str, ...]:
    """The tables :func:`check_table` has read in this process (repository-relative where possible).

    :func:`analysis.numbers.glue_number` records them as a number's data inputs when the caller
    does not name them.
    """
    return tuple(_FILES_READ)


def _record_read(path: Path) -> None:
    resolved = Path(path).resolve()
    name = resolved.relative_to(paths.ROOT).as_posix() if resolved.is_relative_to(paths.ROOT) else resolved.name
    if name not in _FILES_READ:
        _FILES_READ.append(name)


class DataError(ValueError):
    """A table broke a rule; the message names file, row, column and rule.

    ``problems`` holds every :class:`Problem` found in the table (the message shows the first).
    """

    def __init__(self, file: str | Path, rule: str, row: int | None = None, column: str | None = None,
                 problems: list | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        self.rule = rule
        self.problems = problems or [Problem(str(file), row, column, rule)]
        where = [Path(file).name]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(f"{', '.join(where)}: {rule}{more}")


@dataclass(frozen=True)
class Problem:
    """One broken rule: file, physical line (header = 1), column and the rule in words."""

    file: str
    row: int | None
    column: str | None
    rule: str

    def line(self) -> str:
        """``FILE:ROW:COLUMN: rule`` with ``-`` for a missing row or column."""
        return f"{self.file}:{self.row if self.row is not None else '-'}:{self.column or '-'}: {self.rule}"

    def error(self, problems: list | None = None) -> DataError:
        """This problem as a :class:`DataError` (``problems``: every problem of the table)."""
        return DataError(self.file, self.rule, self.row, self.column, problems)


@dataclass
class Table:
    """A checked table: typed ``frame`` (one row per data record), the file ``lines`` of its rows,
    the raw text ``cells`` and every ``problems`` found."""

    path: Path
    frame: pd.DataFrame
    lines: list[int]
    problems: list[Problem]
    record_lines: list[int] = field(default_factory=list)  # start line of every CSV record (header, blanks)

    def raise_problems(self) -> "Table":
        """Raise :class:`DataError` (first problem in file order, all attached) when there is any."""
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: (p.row or 1))
            raise ordered[0].error(ordered)
        return self


def load_datapackage(path: Path = DATAPACKAGE) -> dict:
    """The package descriptor as a dict (DataError when missing or not JSON)."""
    path = Path(path)
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON ({exc})") from exc


def find_resource(name: str, package: dict | None = None) -> dict:
    """The resource descriptor called ``name`` in ``package`` (default: the project's)."""
    package = load_datapackage() if package is None else package
    for res in package.get("resources", []):
        if res.get("name") == name:
            for f in res["schema"]["fields"]:
                if f.get("type", "string") not in FIELD_TYPES:
                    raise DataError(DATAPACKAGE, f"field {f.get('name')!r}: unsupported type {f.get('type')!r}")
            return res
    raise DataError(DATAPACKAGE, f"no resource named {name!r}")


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------
def _records(path: Path, problems: list[Problem], names: list[str]) -> tuple[list[list[str]], list[int]] | None:
    """CSV records and the physical line each starts on; structural problems of the file."""
    file = str(path)
    if not path.exists():
        problems.append(Problem(file, None, None, "file not found"))
        return None
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark (spreadsheets write one): not part of the header
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(file, line, None, f"not UTF-8 (byte 0x{data[exc.start]:02x})"))
        return None
    if "\r" in text:  # CRLF (Windows, Python's csv writer) is read as LF; a lone CR inside a cell is refused
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            line = text[: text.index("\r")].count("\n") + 1
            problems.append(Problem(file, line, None, "carriage return (CR) without a line feed"))
            return None
    if not text.strip():
        problems.append(Problem(file, 1, None, "empty file (no header)"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, lines, last = [], [], 0
    try:
        for rec in reader:
            records.append(rec)
            lines.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        problems.append(Problem(file, last + 1, None, f"not a readable CSV record ({exc})"))
        return None
    header = records[0]
    if len(header) == 1 and len(names) > 1:
        for sep, word in DELIMITERS.items():
            if sep in header[0]:
                problems.append(Problem(file, 1, None, f"wrong delimiter: the header is separated by {word}; the "
                                                       "tables are comma-separated"))
                return None
    return records, lines


def _header(file: str, header: list[str], names: list[str], problems: list[Problem]) -> dict[str, int]:
    index: dict[str, int] = {}
    for j, label in enumerate(header):
        name = label.strip()
        if name != label:
            problems.append(Problem(file, 1, name, f"header {label!r} has whitespace around the name"))
        if name in index:
            problems.append(Problem(file, 1, name, "duplicate column name in the header"))
            continue
        index[name] = j
        if name not in names:
            problems.append(Problem(file, 1, name, "unexpected column (not in the schema)"))
    for name in names:
        if name not in index:
            problems.append(Problem(file, None, name, "missing column"))
    if not any(p.file == file and p.row in (1, None) for p in problems) and [h.strip() for h in header] != names:
        problems.append(Problem(file, 1, None, f"columns not in the schema's order ({', '.join(names)})"))
    return index


def check_table(path: Path, res: dict, package: dict | None = None, *, today: dt.date | None = None,
                references: dict[str, set] | None = None) -> Table:
    """Check one CSV against its resource descriptor and the project's rules; collect every problem.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file.
    res : dict
        Its resource descriptor (see :func:`find_resource`).
    package : dict, optional
        The package (for ``x-sentinels`` and ``x-provenance-text``; default: the project's).
    today : datetime.date, optional
        Dates after it are refused.
    references : dict, optional
        ``"resource.field"`` -> allowed values, for the foreign keys (unchecked when absent).

    Returns
    -------
    Table
    """
    _record_read(path)
    from . import rules

    package = load_datapackage() if package is None else package
    path, file = Path(path), str(path)
    schema = res["schema"]
    specs = schema["fields"]
    names = [f["name"] for f in specs]
    problems: list[Problem] = []
    sentinels = frozenset(package.get("x-sentinels", []))
    got = _records(path, problems, names)
    values: dict[str, list] = {n: [] for n in names}
    lines: list[int] = []
    record_lines: list[int] = []
    if got is not None:
        records, record_lines = got
        index = _header(file, records[0], names, problems)
        for rec, line in zip(records[1:], record_lines[1:]):
            if rec == []:
                problems.append(Problem(file, line, None, "blank line"))
                continue
            if len(rec) != len(records[0]):
                short = len(rec) < len(records[0])
                col = records[0][len(rec)].strip() if short else None
                problems.append(Problem(file, line, col, f"{'short' if short else 'long'} row: {len(rec)} fields, "
                                                         f"the header has {len(records[0])}"))
                continue
            lines.append(line)
            for spec in specs:
                j = index.get(spec["name"])
                value, problem = (None, None) if j is None else check_cell(spec, rec[j].strip(), sentinels, today)
                if problem:
                    problems.append(Problem(file, line, spec["name"], problem))
                values[spec["name"]].append(value)
        if len(records) == 1 and not res.get("x-allow-empty"):
            problems.append(Problem(file, 1, None, "header only: the table has no rows"))
    frame = _typed_frame(values, specs)
    frame.attrs["lines"] = list(lines)
    table = Table(path, frame, lines, problems, record_lines)
    rules.apply_rules(table, res, package, references)
    return table


def _typed_frame(values: dict[str, list], specs: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=[f["name"] for f in specs])
    for spec in specs:
        name, kind = spec["name"], spec.get("type", "string")
        col = [math.nan if v is None and kind in ("number", "integer") else v for v in values[name]]
        if kind == "date":  # parsed as before the check existed (same resolution)
            frame[name] = pd.to_datetime(pd.Series([None if v is None else v.isoformat() for v in col], dtype=object))
        elif kind == "integer":
            frame[name] = pd.array([None if isinstance(v, float) else v for v in col], dtype="Int64")
        elif kind == "number":
            frame[name] = pd.Series(col, dtype="float64")
    return frame


def check_folder(folder: Path = paths.DATA, *, structural: bool = True) -> list[Problem]:
    """Every problem of every table of ``folder`` (its ``datapackage.json``, else the project's).

    CSV files under the folder that the package does not describe are problems too. With
    ``structural`` the package is also validated by ``frictionless``; its findings on a line and
    column the project's checks did not already flag are added.
    """
    from . import rules

    folder = Path(folder)
    own = folder / "datapackage.json"
    package = load_datapackage(own if own.exists() else DATAPACKAGE)
    tables = rules.check_package(folder, package)
    problems = [p for t in tables.values() for p in t.problems]
    described = {(folder / r["path"]).resolve() for r in package["resources"]}
    for csv_path in sorted(folder.rglob("*.csv")):
        if csv_path.resolve() not in described:
            problems.append(Problem(str(csv_path), None, None, "table not described in datapackage.json"))
    if structural:
        problems += rules.frictionless_problems(folder, package, tables)
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.validate [DIR]``: print one line per problem; 0 when clean, else 1."""
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else paths.DATA
    problems = check_folder(folder)
    for p in sorted(problems, key=lambda p: (p.file, p.row or 1)):
        print(p.line())
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{folder}: every table passes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
